"""What the GUI does when storage goes wrong: a newer database is refused with its
message shown, a damaged file gets the recovery dialog (restore / start new / quit,
the damaged file always kept), and an answer the disk refused is never shown as saved."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from quizapp import app as appmod
from quizapp.services.container import Services
from quizapp.store.backups import daily_backup
from quizapp.store.database import open_database, resolve_db_url
from quizapp.store.health import check_database
from quizapp.ui.quiz_view import QuizView
from quizapp.ui.recovery_dialog import RecoveryChoice, RecoveryDialog


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes shown modally by ``main`` (title, text), answered at once."""
    shown: list[tuple[str, str]] = []

    def exec_(self: QMessageBox) -> int:
        shown.append((self.windowTitle(), self.text()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    return shown


@pytest.fixture(autouse=True)
def _no_log_handlers_left() -> Any:
    """``main`` adds the rotating log handler; remove it after each test."""
    before = list(appmod.log.handlers)
    yield
    for handler in appmod.log.handlers[:]:
        if handler not in before:
            appmod.log.removeHandler(handler)
            handler.close()


def test_a_newer_database_is_refused_with_its_message_and_left_untouched(
    qapp: Any, tmp_path: Path, boxes: list[tuple[str, str]]
) -> None:
    path = tmp_path / "quizapp.sqlite3"
    open_database(resolve_db_url(str(path))).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = _sha(path)

    status = appmod.main(str(path))

    assert status == 2
    assert len(boxes) == 1
    title, text = boxes[0]
    assert title == "quizapp cannot start"
    assert "newer version of quizapp" in text
    assert "has not been changed" in text
    assert _sha(path) == before
    assert not list(tmp_path.glob("*.before-*"))


def _damaged(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8000)


def test_a_damaged_file_restored_from_the_latest_backup(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: list[tuple[str, str]]
) -> None:
    path = tmp_path / "quizapp.sqlite3"
    db = open_database(resolve_db_url(str(path)))
    db.close()
    backup = daily_backup(path, date(2024, 9, 2))
    assert backup is not None
    _damaged(path)
    damaged = _sha(path)
    asked: list[tuple[str, str | None]] = []

    def ask(parent: object, problem: str, label: str | None, details: str = "") -> RecoveryChoice:
        asked.append((problem, label))
        return RecoveryChoice.RESTORE

    monkeypatch.setattr(RecoveryDialog, "ask", ask)
    window = appmod.create_main_window()
    assert appmod.check_and_recover(window, str(path)) is True
    window.close()

    assert asked
    assert "damaged" in asked[0][0] or "not a quizapp database" in asked[0][0]
    assert asked[0][1] is not None
    assert "2024-09-02" in asked[0][1]
    assert check_database(path).ok
    kept = list(tmp_path.glob("quizapp.damaged-*.sqlite3"))
    assert len(kept) == 1
    assert _sha(kept[0]) == damaged


def test_a_text_file_replaced_by_a_new_database_is_kept(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quizapp.sqlite3"
    path.write_text("these are not the answers you are looking for", encoding="utf-8")
    labels: list[str | None] = []

    def ask(parent: object, problem: str, label: str | None, details: str = "") -> RecoveryChoice:
        labels.append(label)
        return RecoveryChoice.START_NEW

    monkeypatch.setattr(RecoveryDialog, "ask", ask)
    assert appmod.check_and_recover(None, str(path)) is True
    assert labels == [None]  # no backup to offer
    (kept,) = tmp_path.glob("quizapp.damaged-*.sqlite3")
    assert kept.read_text(encoding="utf-8").startswith("these are not")
    assert not path.exists()


def test_quit_leaves_the_damaged_file_where_it_was(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: list[tuple[str, str]]
) -> None:
    path = tmp_path / "quizapp.sqlite3"
    _damaged(path)
    before = _sha(path)
    monkeypatch.setattr(RecoveryDialog, "ask", lambda *a, **k: RecoveryChoice.QUIT)
    assert appmod.main(str(path)) == 0
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quizapp.sqlite3"]


def test_the_recovery_dialog_offers_the_three_ways_out(qtbot: Any) -> None:
    dialog = RecoveryDialog("The database x is damaged.", "2024-09-02, /b/q.sqlite3", "detail")
    qtbot.addWidget(dialog)
    assert dialog.restore_button.text() == "Restore the latest automatic backup"
    assert dialog.new_button.text() == "Start a new database"
    assert dialog.quit_button.text() == "Quit"
    dialog.new_button.click()
    assert dialog.choice is RecoveryChoice.START_NEW
    without = RecoveryDialog("The database x is damaged.", None)
    qtbot.addWidget(without)
    assert without.restore_button.isHidden()
    assert without.choice is RecoveryChoice.QUIT


def test_an_answer_the_disk_refused_is_shown_as_not_saved(
    qtbot: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = services.students.create_student("Ana")
    lesson = services.course.home(student.id).packs[0].lessons[0]
    attempt = services.attempts.start_lesson_quiz(student.id, lesson.id)
    quiz = QuizView(services.attempts)
    qtbot.addWidget(quiz)
    quiz.set_attempt(attempt)
    quiz.show()
    qtbot.waitExposed(quiz)

    dialect = services.database.engine.dialect

    def full(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(dialect, "do_commit", full)
        quiz.choose(0)
        qtbot.mouseClick(quiz.submit_button, _left_button())
    box = quiz.last_error_box
    assert box is not None
    assert box.windowTitle() == "Your answer was NOT saved"
    assert box.text().startswith("Your answer was NOT saved.")
    assert "disk is full" in box.text()
    # Never shown as saved: no feedback, the choice is still there to submit again.
    assert quiz.feedback is None
    assert quiz.feedback_panel.isHidden()
    assert quiz.submit_button.isVisible()
    assert quiz.submit_button.isEnabled()
    assert services.attempts.get(attempt.id).slots[0].feedback is None
    box.close()
    # The disk has room again: the same click saves it.
    qtbot.mouseClick(quiz.submit_button, _left_button())
    assert quiz.feedback is not None
    assert services.attempts.get(attempt.id).slots[quiz.index].feedback is not None


def _left_button() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_main_checks_on_its_loader_then_opens_the_new_database_chosen(
    qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boxes: list[tuple[str, str]]
) -> None:
    """``main`` runs the quick check off the GUI thread; "Start a new database" keeps the
    damaged file aside and the app goes on to open the new one."""
    import threading

    from PySide6.QtWidgets import QApplication

    from quizapp.ui.main_window import MainWindow

    path = tmp_path / "quizapp.sqlite3"
    _damaged(path)
    damaged = _sha(path)
    checked_on: list[str] = []
    check = appmod.check_database_file

    def watched_check(db: str | None) -> object:
        checked_on.append(threading.current_thread().name)
        return check(db)

    monkeypatch.setattr(appmod, "check_database_file", watched_check)
    monkeypatch.setattr(RecoveryDialog, "ask", lambda *a, **k: RecoveryChoice.START_NEW)
    opened: list[Services] = []
    set_services = MainWindow.set_services

    def set_and_quit(self: MainWindow, services: Services) -> None:
        set_services(self, services)
        opened.append(services)
        QApplication.instance().exit(0)  # type: ignore[union-attr]

    monkeypatch.setattr(MainWindow, "set_services", set_and_quit)

    assert appmod.main(str(path)) == 0

    assert checked_on == ["quizapp-open"]  # the loader thread, not the GUI's
    assert len(opened) == 1
    assert opened[0].course.home(opened[0].students.create_student("Ana").id).packs
    (kept,) = tmp_path.glob("quizapp.damaged-*.sqlite3")
    assert _sha(kept) == damaged
    assert check_database(path).ok
    assert boxes == []
