"""The teacher PIN, and its hash, never leave the settings table: not in the log file,
not in any log record, not in the results exports, not in a results bundle."""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizapp import app as appmod
from quizapp.bundled import builtin_pack_path
from quizapp.services.container import build_services
from quizapp.services.packs import ensure_builtin_pack
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url

PIN = "90817263"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = open_database(resolve_db_url(str(tmp_path / "quizapp.sqlite3")))
    ensure_builtin_pack(db.sessions, builtin_pack_path())
    yield db
    db.close()


@pytest.fixture
def log_file() -> Iterator[Path]:
    """The app's own rotating log file (in the test's user log folder)."""
    before = list(appmod.log.handlers)
    appmod.setup_logging()
    path = Path(appmod._log_path())
    yield path
    for handler in appmod.log.handlers[:]:
        if handler not in before:
            appmod.log.removeHandler(handler)
            handler.close()


def _texts(path: Path) -> list[str]:
    """Every text inside ``path``: the file itself, or each member of a zip (xlsx, bundle)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return [data.decode("utf-8", "replace")]


def test_pin_and_hash_never_in_logs_exports_or_bundles(
    database: Database, tmp_path: Path, log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("quizapp.services.teacher_auth", reason="teacher_auth not built yet")
    from quizapp.services.bundles import export_results_bundle
    from quizapp.services.exports import export_attempts, export_responses, export_student_data
    from quizapp.services.teacher_auth import PIN_HASH_KEY, TeacherAuth

    caplog.set_level(logging.DEBUG)
    auth = TeacherAuth(database.sessions, sleeper=lambda _: None)
    auth.set_pin(PIN)
    auth.verify("0000")
    assert auth.verify(PIN, wait=True).ok
    with database.sessions.begin() as s:
        record = s.get(m.Setting, PIN_HASH_KEY)
        assert record is not None
        secrets_ = {PIN, str(record.value["hash"]), str(record.value["salt"])}

    # Some results to export: a student, a finished quiz.
    services = build_services(database)
    student = services.students.create_student("Ana")
    lesson = services.course.home(student.id).packs[0].lessons[0]
    attempt = services.attempts.start_lesson_quiz(student.id, lesson.id)
    for slot in attempt.slots:
        services.attempts.submit(attempt.id, slot.slot, [0])
    services.attempts.finish(attempt.id)
    appmod.log.info("Exported results for %s", student.name)

    out = tmp_path / "out"
    out.mkdir()
    export_attempts(database.sessions, out / "attempts.csv")
    export_attempts(database.sessions, out / "attempts.xlsx")
    export_responses(database.sessions, out / "responses.csv")
    export_responses(database.sessions, out / "responses.xlsx")
    export_student_data(database.sessions, student.id, out / "ana.csv")
    assert export_results_bundle(database.sessions, out / "results.quizbundle") == 1

    for handler in appmod.log.handlers:
        handler.flush()
    outputs = {p.name: _texts(p) for p in sorted(out.iterdir())}
    outputs["log file"] = [log_file.read_text(encoding="utf-8")]
    outputs["log records"] = [
        record.getMessage() + repr(record.args) for record in caplog.records
    ]
    assert "Teacher PIN set" in outputs["log file"][0]  # the log really was written
    assert any("Ana" in text for text in outputs["attempts.csv"])  # exports hold data
    for name, texts in outputs.items():
        for text in texts:
            for secret in secrets_:
                assert secret not in text, f"a PIN secret leaked into {name}"
