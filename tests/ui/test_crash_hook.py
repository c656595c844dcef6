"""Unexpected errors: the global hook writes the traceback to the rotating log file in
the user log folder and shows it in a dialog whose details can be copied."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication

from quizapp import app as appmod
from quizapp.ui.crash_dialog import CrashDialog


class Button(QObject):
    clicked = Signal()


def _on_button_clicked() -> None:
    raise ZeroDivisionError("marks divided by zero questions")


@pytest.fixture
def log_file() -> Iterator[Path]:
    before = list(appmod.log.handlers)
    appmod.setup_logging()
    yield Path(appmod._log_path())
    for handler in appmod.log.handlers[:]:
        if handler not in before:
            appmod.log.removeHandler(handler)
            handler.close()


def test_log_file_is_in_the_user_log_folder(log_file: Path) -> None:
    from platformdirs import user_log_dir

    assert log_file.parent == Path(user_log_dir("quizapp", appauthor=False))


def test_an_exception_in_a_slot_reaches_the_log_and_the_dialog(
    qapp: Any, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        CrashDialog, "show_crash", classmethod(lambda cls, p, m, d: shown.append((m, d)))
    )
    hook = appmod.make_excepthook(None)
    button = Button()
    caught: list[BaseException] = []

    def slot() -> None:
        try:
            _on_button_clicked()
        except ZeroDivisionError as exc:  # what Qt hands to sys.excepthook
            caught.append(exc)

    button.clicked.connect(slot)
    button.clicked.emit()
    (error,) = caught
    hook(type(error), error, error.__traceback__)

    for handler in appmod.log.handlers:
        handler.flush()
    logged = log_file.read_text(encoding="utf-8")
    assert "Uncaught exception" in logged
    assert "Traceback (most recent call last)" in logged
    assert "_on_button_clicked" in logged
    assert "ZeroDivisionError: marks divided by zero questions" in logged
    ((message, details),) = shown
    assert message == "marks divided by zero questions"
    assert "_on_button_clicked" in details
    assert details.strip().endswith("ZeroDivisionError: marks divided by zero questions")


def test_the_hook_never_raises_even_if_the_dialog_fails(
    qapp: Any, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("no display")

    monkeypatch.setattr(CrashDialog, "show_crash", classmethod(broken))
    fallback: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "__excepthook__", lambda kind, value, tb: fallback.append(kind))
    try:
        raise KeyError("x")
    except KeyError as exc:
        appmod.make_excepthook(None)(KeyError, exc, exc.__traceback__)
    assert fallback == [KeyError]


def test_the_dialog_shows_the_traceback_and_copies_it(qtbot: Any) -> None:
    details = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n'
    dialog = CrashDialog("boom", details)
    qtbot.addWidget(dialog)
    assert dialog.details.toPlainText() == details
    assert dialog.details.isReadOnly()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == details
