"""Fixtures for the service tests: a fresh database, a controllable clock, a small pack.

The pack ``test-pack`` has 3 lessons of 8 questions each. In every question the right
answer is the choice written first (author index 0), except the multiple-answer ones,
where choices 0 and 1 are right and 2 and 3 wrong; so a test can answer right or wrong
without knowing the shuffled order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pg_helpers import new_pg_database

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.domain.scoring import default_fractions
from quizapp.services.container import Services, build_services
from quizapp.services.dto import SlotView
from quizapp.store.database import Database, open_database, resolve_db_url

LESSONS = 3
QUESTIONS_PER_LESSON = 8


class FakeClock:
    """Aware UTC time that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += timedelta(seconds=seconds)


def _question(lesson: int, number: int) -> Question:
    key = f"l{lesson}q{number}"
    if number % 4 == 3:
        correct = [True, True, False, False]
        qtype = QuestionType.MULTIPLE
        texts = [f"{key} right A", f"{key} right B", f"{key} wrong C", f"{key} wrong D"]
    elif number % 4 == 2:
        correct = [True, False]
        qtype = QuestionType.TRUE_FALSE
        texts = ["True", "False"]
    else:
        correct = [True, False, False, False]
        qtype = QuestionType.SINGLE
        texts = [f"{key} right", f"{key} wrong 1", f"{key} wrong 2", f"{key} wrong 3"]
    fractions = default_fractions(qtype, correct)
    choices = tuple(
        Choice(text=t, fraction=f, feedback="Yes." if ok else "Look again.")
        for t, f, ok in zip(texts, fractions, correct, strict=True)
    )
    return Question(
        id=key,
        lesson_id=f"lesson-{lesson}",
        type=qtype,
        prompt=f"Prompt of {key}?",
        choices=choices,
        explanation=f"Because of fact {key}.",
        evidence=f"fact {key}",
    )


def build_pack(version: str = "1") -> Pack:
    """The small test pack (see module docstring)."""
    lessons = tuple(
        Lesson(
            id=f"lesson-{i}",
            title=f"Lesson {i}",
            body=" ".join(f"The fact l{i}q{n} matters." for n in range(QUESTIONS_PER_LESSON)),
        )
        for i in range(1, LESSONS + 1)
    )
    questions = tuple(
        _question(i, n) for i in range(1, LESSONS + 1) for n in range(QUESTIONS_PER_LESSON)
    )
    return Pack(
        id="test-pack",
        title="Test course",
        lessons=lessons,
        questions=questions,
        version=version,
        notice="This course talks about a hard topic.",
    )


def change_prompt(pack: Pack, question_id: str, prompt: str, version: str = "2") -> Pack:
    """``pack`` with one question's prompt changed and a new version string."""
    questions = tuple(
        replace(q, prompt=prompt) if q.id == question_id else q for q in pack.questions
    )
    return replace(pack, questions=questions, version=version)


@pytest.fixture
def pack() -> Pack:
    """The small test pack, version 1."""
    return build_pack()


PG_URL_ENV = "QUIZAPP_TEST_PG_URL"
"""Set to a PostgreSQL URL (a role allowed to create databases) to run these tests on
PostgreSQL as well as SQLite, each test in a new database of its own."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses the database on SQLite, and on PostgreSQL when asked."""
    if "db_url" in metafunc.fixturenames:
        backends = ["sqlite"] + (["postgresql"] if os.environ.get(PG_URL_ENV) else [])
        metafunc.parametrize("backend", backends)


PG_SKIP_REASON = (
    f"no PostgreSQL server: set {PG_URL_ENV}=postgresql+psycopg://USER:PASSWORD@HOST/DB "
    "(a role that may create databases; .ci/postgres.sh prints one) to run this test"
)


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database for this test (a file under ``tmp_path``, or a
    PostgreSQL database created for the test and dropped after it)."""
    if backend == "sqlite":
        yield resolve_db_url(str(tmp_path / "quizapp.sqlite3"))
        return
    with new_pg_database(os.environ[PG_URL_ENV]) as url:
        yield url


@pytest.fixture
def pg_db_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for a server-only test; the test is skipped
    (saying how to run it) when :data:`PG_URL_ENV` is not set."""
    server = os.environ.get(PG_URL_ENV)
    if not server:
        pytest.skip(PG_SKIP_REASON)
    with new_pg_database(server) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A new, migrated database."""
    db = open_database(db_url)
    yield db
    db.close()


@pytest.fixture
def clock() -> FakeClock:
    """The clock every service of the test uses."""
    return FakeClock()


@pytest.fixture
def services(database: Database, clock: FakeClock) -> Services:
    """All services over the test database, on the fake clock."""
    return build_services(database, clock)


@pytest.fixture
def installed(database: Database, pack: Pack) -> int:
    """Install the test pack; its database id."""
    from quizapp.services.packs import install_pack

    return install_pack(database.sessions, pack).pack_id


@pytest.fixture
def reopen(db_url: str, clock: FakeClock) -> Iterator[Callable[[], Services]]:
    """Open the same database again (as after a restart); closed after the test."""
    opened: list[Database] = []

    def _reopen() -> Services:
        db = open_database(db_url)
        opened.append(db)
        return build_services(db, clock)

    yield _reopen
    for db in opened:
        db.close()


def right_answer(slot: SlotView) -> list[int]:
    """Author-order indices that earn full marks on a test-pack question."""
    return [0, 1] if slot.type is QuestionType.MULTIPLE else [0]


def wrong_answer(slot: SlotView) -> list[int]:
    """Author-order indices that earn nothing on a test-pack question."""
    return [2] if slot.type is QuestionType.MULTIPLE else [1]


@pytest.fixture
def answers() -> tuple[Callable[[SlotView], list[int]], Callable[[SlotView], list[int]]]:
    """(right_answer, wrong_answer), for tests (conftest modules are not importable)."""
    return right_answer, wrong_answer
