"""Storage failures: a full disk, a read-only data folder, the data folder removed while
running. Each becomes a :class:`StorageError` that says what happened and what to do;
nothing half-written is left, and once the cause is gone the app carries on.

CI runs as root (file permissions do not apply), so the failures SQLite and the file
system would raise are injected where the driver raises them: the dialect's
``do_execute`` / ``do_commit`` (the calls into the ``sqlite3`` cursor and connection).
The removed folder is real.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.services.container import Services, build_services
from quizapp.services.packs import install_pack
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url
from quizapp.store.health import StorageError


def _pack() -> Pack:
    lesson = Lesson(id="l1", title="Water", body="Water boils at 100 degrees.")
    questions = tuple(
        Question(
            id=f"q{n}",
            lesson_id="l1",
            type=QuestionType.SINGLE,
            prompt=f"Question {n}?",
            choices=(Choice(text="Right", fraction=1.0), Choice(text="Wrong", fraction=0.0)),
            explanation="Because.",
        )
        for n in range(3)
    )
    return Pack(id="p", title="P", lessons=(lesson,), questions=questions)


@pytest.fixture
def opened(db_path: Path) -> Iterator[tuple[Database, Services, int, int]]:
    """(database, services, attempt id, student id) with a lesson quiz started."""
    db = open_database(resolve_db_url(str(db_path)))
    install_pack(db.sessions, _pack())
    services = build_services(db)
    student = services.students.create_student("Ana")
    lesson_id = services.course.home(student.id).packs[0].lessons[0].id
    attempt = services.attempts.start_lesson_quiz(student.id, lesson_id)
    yield db, services, attempt.id, student.id
    db.close()


def _responses(db: Database) -> int:
    with db.sessions.begin() as s:
        return s.scalar(select(func.count()).select_from(m.Response)) or 0


def _raiser(exc: BaseException) -> Any:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


def test_full_disk_on_commit_saves_nothing_and_says_so(
    opened: tuple[Database, Services, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, services, attempt_id, _ = opened
    with monkeypatch.context() as patch:
        patch.setattr(
            db.engine.dialect, "do_commit",
            _raiser(sqlite3.OperationalError("database or disk is full")),
        )
        with pytest.raises(StorageError) as info:
            services.attempts.submit(attempt_id, 0, [0])
    assert isinstance(info.value, QuizAppError)
    assert info.value.kind == "full"
    assert "disk is full" in str(info.value)
    assert "Nothing from this last step was saved" in str(info.value)
    assert "Free some space" in str(info.value)
    # Nothing half-written: no response, the attempt still waits on question 1.
    assert _responses(db) == 0
    assert services.attempts.get(attempt_id).current_slot == 0
    # Space freed: the same answer goes through.
    services.attempts.submit(attempt_id, 0, [0])
    assert _responses(db) == 1


def test_full_disk_while_writing_rows(
    opened: tuple[Database, Services, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, services, attempt_id, _ = opened
    real = db.engine.dialect.do_execute

    def execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise sqlite3.OperationalError("database or disk is full")
        real(cursor, statement, parameters, context)

    with monkeypatch.context() as patch:
        patch.setattr(db.engine.dialect, "do_execute", execute)
        with pytest.raises(StorageError, match="disk is full"):
            services.attempts.submit(attempt_id, 0, [0])
    assert _responses(db) == 0
    services.attempts.submit(attempt_id, 0, [1])
    assert services.attempts.get(attempt_id).slots[0].feedback is not None


def test_read_only_database_says_what_to_do(
    opened: tuple[Database, Services, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, services, _, _ = opened
    with monkeypatch.context() as patch:
        patch.setattr(
            db.engine.dialect, "do_commit",
            _raiser(sqlite3.OperationalError("attempt to write a readonly database")),
        )
        with pytest.raises(StorageError) as info:
            services.students.create_student("Ben")
    assert info.value.kind == "readonly"
    assert "read-only" in str(info.value)
    assert [s.name for s in services.students.list_students()] == ["Ana"]


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (errno.EROFS, "readonly", "read-only"),
        (errno.EACCES, "readonly", "read-only"),
        (errno.ENOSPC, "full", "disk is full"),
    ],
)
def test_a_data_folder_that_cannot_be_made_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, kind: str, words: str
) -> None:
    monkeypatch.setattr(Path, "mkdir", _raiser(OSError(code, "refused")))
    with pytest.raises(StorageError) as info:
        open_database(resolve_db_url(str(tmp_path / "data" / "quizapp.sqlite3")))
    assert info.value.kind == kind
    assert words in str(info.value)
    assert str(tmp_path / "data") in str(info.value)


def test_data_folder_removed_while_running(
    opened: tuple[Database, Services, int, int], db_path: Path
) -> None:
    """SQLite would go on writing into the deleted file (lost at exit); instead every
    write is refused with a clear message, and nothing is recreated behind the user's
    back."""
    _, services, attempt_id, _ = opened
    services.attempts.submit(attempt_id, 0, [0])
    shutil.rmtree(db_path.parent)

    with pytest.raises(StorageError) as info:
        services.attempts.submit(attempt_id, 1, [0])
    assert info.value.kind == "missing"
    assert "gone" in str(info.value)
    assert "open it again" in str(info.value)
    assert not db_path.parent.exists()


def test_a_constraint_error_is_not_mistaken_for_a_storage_failure(
    opened: tuple[Database, Services, int, int],
) -> None:
    from quizapp.services.attempts import AlreadyAnsweredError

    _, services, attempt_id, _ = opened
    services.attempts.submit(attempt_id, 0, [0])
    with pytest.raises(AlreadyAnsweredError):
        services.attempts.submit(attempt_id, 0, [0])
