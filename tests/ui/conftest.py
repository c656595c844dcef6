"""Fixtures for GUI tests: a real database under tmp_path, fresh settings, the main window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from quizapp.app import create_main_window, open_services
from quizapp.bundled import builtin_pack_path
from quizapp.domain.model import Pack
from quizapp.services.container import Services
from quizapp.store.database import Database
from quizapp.ui.main_window import MainWindow
from quizapp.ui.settings import AppSettings


@pytest.fixture(autouse=True)
def _application_font_restored() -> Iterator[None]:
    """Each GUI test starts with the application font the previous one started with: a
    test that changes the text size (Ctrl+= to 32 pt) left every later test of the run
    at 32 pt, where column and tile widths differ."""
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    before = QFont(QApplication.font()) if QApplication.instance() is not None else None
    yield
    if before is not None and QApplication.instance() is not None:
        QApplication.setFont(before)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's SQLite file lives."""
    return tmp_path / "quizapp.sqlite"


@pytest.fixture
def opened(db_path: Path) -> Iterator[tuple[Database, Services]]:
    """The real database (migrated, built-in pack installed) and its services."""
    database, services = open_services(str(db_path))
    yield database, services
    database.close()


@pytest.fixture
def services(opened: tuple[Database, Services]) -> Services:
    return opened[1]


@pytest.fixture
def app_settings(tmp_path: Path) -> AppSettings:
    """Fresh UI settings in an INI file under tmp_path (never the user's own)."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    return AppSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, services: Services, app_settings: AppSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    """The main window on the real services, shown at 1024×700, on the profile picker."""
    win = create_main_window(services, app_settings)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture(scope="session")
def builtin_pack() -> Pack:
    """The built-in course as the app reads it, to know the right answers."""
    from quizapp.formats.json_pack import load_pack

    return load_pack(builtin_pack_path(), require_evidence=True)


@pytest.fixture
def cancel_while_alive(qtbot):  # type: ignore[no-untyped-def]
    """``cancel_while_alive(parent, start, timeout_ms)``: start a background print with
    ``start()`` (a page's print method, returning its ``ProgressTask``), check that the
    progress dialog shows while ``parent``'s event loop keeps running (a 10 ms timer
    ticks), click the dialog's Cancel and wait up to ``timeout_ms`` for the task to fail;
    returns the error it failed with (the caller checks it and that no file was left)."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QPushButton

    def run(parent, start, timeout_ms: int) -> BaseException:  # type: ignore[no-untyped-def]
        ticks: list[int] = []
        probe = QTimer(parent)
        probe.setInterval(10)
        probe.timeout.connect(lambda: ticks.append(1))
        probe.start()
        task = start()
        assert task is not None
        assert task.dialog is not None
        qtbot.waitUntil(task.dialog.isVisible, timeout=5_000)
        assert task.task.is_running
        seen = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= seen + 3, timeout=5_000)  # the window is alive
        cancel = task.dialog.findChild(QPushButton)
        assert cancel is not None
        with qtbot.waitSignal(task.task.failed, timeout=timeout_ms) as blocker:
            qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        probe.stop()
        return blocker.args[0]

    return run
