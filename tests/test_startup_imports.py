"""What start-up loads (performance issue 8): the first window paints before SQLAlchemy
is imported; the profile picker is shown, with its students, before SQLAlchemy too (read
with the standard library, while a worker thread loads the services); a student clicked
at once is taken Home when the services arrive; and Home comes without the heavy or
teacher-only modules (FSRS, charts, spreadsheets, Alembic, Markdown, the question-file
readers)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CHILD = r"""
import json, sys
import quizapp.app as qa
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

seen = {}
make_window = qa.create_main_window
after_first_paint = qa.after_first_paint

def create_main_window(*args, **kwargs):
    window = make_window(*args, **kwargs)

    def on_screen(name):
        if name == "profiles" and "picker" not in seen:
            seen["picker"] = sorted(sys.modules)
            seen["tiles"] = [t.text() for t in window.picker.tiles()]
            seen["services_at_picker"] = window.services is not None
            window.picker.tiles()[1].click()  # at once: before the services are ready
        elif name == "home" and "home" not in seen:
            import linecache
            seen["home"] = sorted(sys.modules)
            seen["sources_read"] = sorted(linecache.cache)
            seen["student"] = window.student.name
            QTimer.singleShot(0, lambda: QApplication.instance().exit(0))

    window.screen_changed.connect(on_screen)
    return window

def watch_first_paint(window, callback, *args, **kwargs):
    def first_paint_done():
        seen["painted"] = sorted(sys.modules)
        callback()
    return after_first_paint(window, first_paint_done, *args, **kwargs)

qa.create_main_window = create_main_window
qa.after_first_paint = watch_first_paint
status = qa.main(sys.argv[1])
print("SEEN " + json.dumps(seen))
sys.exit(status)
"""

HEAVY_AT_PICKER = (
    "fsrs",
    "pyqtgraph",
    "numpy",
    "openpyxl",
    "xlsxwriter",
    "alembic",
    "mako",
    "pygments",
    "markdown_it",
    "defusedxml",
    "quizapp.formats.gift",
    "quizapp.formats.aiken",
    "quizapp.formats.moodle_xml",
    "quizapp.formats.spreadsheet",
    "quizapp.formats.registry",
    "quizapp.formats.json_pack",
    "quizapp.ui.teacher.teacher_area",
    "quizapp.services.pack_admin",
    "quizapp.services.statistics_report",
)


def _loaded(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return sorted({r for r in roots for name in modules if name == r or name.startswith(r + ".")})


@pytest.fixture(scope="module")
def startup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Start the app (offscreen) on a database with the built-in pack and three
    students, exactly as ``python -m quizapp`` does, up to the profile picker; click
    the second student at once; stop at Home."""
    from quizapp.app import open_services

    folder = tmp_path_factory.mktemp("startup")
    db = folder / "quizapp.sqlite3"
    database, services = open_services(str(db))  # first start: installs the pack
    made = [services.students.create_student(name) for name in ("Ana", "Dev", "Chloé")]
    services.students.select_student(made[0].id)  # Ana used last
    database.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        env[var] = str(folder / sub)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).parent,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("SEEN "))
    seen: dict[str, object] = json.loads(line.removeprefix("SEEN "))
    return seen


DATABASE_LAYER = (
    "sqlalchemy",
    "quizapp.store.database",
    "quizapp.store.models",
    "quizapp.services.attempts",
    "quizapp.services.container",
)


def test_the_first_paint_comes_before_the_database_layer(startup: dict[str, object]) -> None:
    painted = startup["painted"]
    assert isinstance(painted, list)
    assert _loaded(painted, DATABASE_LAYER) == []


def test_the_profile_picker_lists_the_students_before_the_database_layer(
    startup: dict[str, object],
) -> None:
    # the last used first, then the others alphabetically, as list_students orders them
    assert startup["tiles"] == ["Ana", "Chloé", "Dev"]
    assert startup["services_at_picker"] is False
    picker = startup["picker"]
    assert isinstance(picker, list)
    assert _loaded(picker, DATABASE_LAYER) == []


def test_a_student_clicked_before_the_services_are_ready_is_taken_home(
    startup: dict[str, object],
) -> None:
    assert startup["student"] == "Chloé"
    home = startup["home"]
    assert isinstance(home, list)
    assert "sqlalchemy.orm" in home  # Home did come from the database
    assert _loaded(home, HEAVY_AT_PICKER) == []


def test_pyside_does_not_read_the_database_layers_sources(startup: dict[str, object]) -> None:
    # PySide6's import hook would otherwise keep every imported module's source in
    # linecache (~16 MiB for SQLAlchemy): see quizapp.app.skip_pyside_source_scan.
    read = startup["sources_read"]
    assert isinstance(read, list)
    files = [f for f in read if not f.startswith("<")]  # "<...>": code SQLAlchemy generates
    assert [f for f in files if "/sqlalchemy/" in f or "/quizapp/store/" in f] == []
    # nor the standard library's (typing, inspect, datetime, logging... ~2 MiB of lines),
    # beyond the few PySide6 reads while it loads, before the app can step in
    stdlib = sysconfig.get_paths()["stdlib"]
    assert len([f for f in files if f.startswith(stdlib)]) <= 3, files
