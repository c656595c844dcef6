"""The aggregate queries of the results services use their indexes (issue 8).

SQLite may pick an index that makes a date-range aggregate far slower than a scan, or
none at all: each test runs a service call on a small class, captures the SELECTs it
sends, and checks ``EXPLAIN QUERY PLAN`` of each: no full ``SCAN`` of ``responses``,
``attempt_slots`` or ``attempts`` without an index (a ``SCAN ... USING INDEX`` or
``USING COVERING INDEX`` walks an index in order and is fine; a bare ``SCAN attempts``
reads every row).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.services.container import build_services
from quizapp.services.packs import install_pack
from quizapp.store.database import Database, open_database, resolve_db_url

BIG_TABLES = ("responses", "attempt_slots", "attempts")
_BARE_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?$")


def _pack() -> Pack:
    return Pack(
        id="plans",
        title="Plans",
        lessons=(Lesson("l1", "Lesson 1", "Text."), Lesson("l2", "Lesson 2", "Text.")),
        questions=tuple(
            Question(
                f"q{i}",
                f"l{1 + i % 2}",
                QuestionType.SINGLE,
                f"Question {i}?",
                (Choice("Right", 1.0), Choice("Wrong", 0.0), Choice("Other", 0.0)),
            )
            for i in range(8)
        ),
    )


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now


@pytest.fixture
def school(tmp_path: Path) -> Iterator[tuple[Database, Any, dict[str, int]]]:
    """Three students who each took both lesson quizzes twice and one exam."""
    database = open_database(resolve_db_url(str(tmp_path / "plans.sqlite3")))
    install_pack(database.sessions, _pack())
    services = build_services(database, Clock())
    ids: dict[str, int] = {}
    for name in ("Ana", "Ben", "Cleo"):
        sid = services.students.create_student(name).id
        home = services.course.home(sid)
        lessons = [les.id for les in home.packs[0].lessons]
        ids["pack"] = home.packs[0].pack.id
        ids["lesson"] = lessons[0]
        ids["student"] = sid
        for lesson_id in lessons * 2:
            attempt = services.attempts.start_lesson_quiz(sid, lesson_id)
            for slot in attempt.slots:
                services.attempts.submit(attempt.id, slot.slot, [slot.slot % 2])
            services.attempts.finish(attempt.id)
        exam = services.attempts.start_exam(sid, ids["pack"], 4)
        services.attempts.submit(exam.id, 0, [0])
        services.attempts.finish(exam.id)
    _big_class_statistics(database)
    yield database, services, ids
    database.close()


# Distinct values per column in a class of 500 students × 40 attempts × 20 questions.
_SIZE = {"attempts": 20_000, "attempt_slots": 400_000, "responses": 400_000, "students": 500}
_DISTINCT = {
    "attempts": {
        "student_id": 500,
        "started_at": 20_000,
        "state": 2,
        "pack_id": 2,
        "quiz_id": 20,
        "lesson_id": 20,
        "uuid": 20_000,
    },
    "attempt_slots": {"attempt_id": 20_000, "slot": 20, "question_id": 1_000},
    "responses": {"attempt_id": 20_000, "slot_id": 400_000, "try_number": 1, "uuid": 400_000},
    "students": {"class_id": 20, "uuid": 500},
}


def _big_class_statistics(database: Database) -> None:
    """Give SQLite's planner the statistics (``sqlite_stat1``) of a big class, as
    ``ANALYZE`` would write them on a school's database, so the plans checked are the
    plans a real results screen gets (on a tiny table a scan is rightly cheaper)."""
    path = database.engine.url.database
    assert path is not None
    con = sqlite3.connect(path)
    try:
        con.execute("ANALYZE")
        for table, columns in _DISTINCT.items():
            n = _SIZE[table]
            con.execute("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
            con.execute("INSERT INTO sqlite_stat1 VALUES (?, NULL, ?)", (table, str(n)))
            for _seq, index, *_rest in con.execute(f"PRAGMA index_list({table})").fetchall():
                names = [r[2] for r in con.execute(f"PRAGMA index_info({index})")]
                per_prefix, distinct = [], 1
                for name in names:
                    distinct *= columns.get(name, n)
                    per_prefix.append(str(max(1, n // min(distinct, n))))
                con.execute(
                    "INSERT INTO sqlite_stat1 VALUES (?, ?, ?)",
                    (table, index, " ".join([str(n), *per_prefix])),
                )
        con.commit()
    finally:
        con.close()
    database.engine.dispose()  # new connections read the statistics


def _plans(
    database: Database, call: Callable[[], object], prefixes: tuple[str, ...] = ()
) -> list[tuple[str, list[str]]]:
    """Each SELECT ``call`` runs (and each statement starting with one of ``prefixes``),
    with its query plan lines."""
    seen: list[tuple[str, Any]] = []
    wanted = ("SELECT", "WITH", *(p.upper() for p in prefixes))

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore
        if statement.lstrip().upper().startswith(wanted) and not executemany:
            seen.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    assert seen, "the call ran no query"
    path = database.engine.url.database
    assert path is not None
    con = sqlite3.connect(path)
    try:
        return [
            (statement, [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {statement}", params)])
            for statement, params in seen
        ]
    finally:
        con.close()


def _bare_scans(plans: list[tuple[str, list[str]]]) -> list[str]:
    bad = []
    for statement, lines in plans:
        for line in lines:
            match = _BARE_SCAN.match(line.strip())
            if match and match.group(1) in BIG_TABLES:
                bad.append(f"{line.strip()}  <-  {' '.join(statement.split())[:200]}")
    return bad


def _uses(plans: list[tuple[str, list[str]]], table: str, index: str) -> bool:
    return any(table in line and index in line for _statement, lines in plans for line in lines)


def test_history_and_home_read_attempts_through_the_student_index(
    school: tuple[Database, Any, dict[str, int]],
) -> None:
    database, services, ids = school
    plans = _plans(database, lambda: services.attempts.history(ids["student"]))
    plans += _plans(database, lambda: services.course.home(ids["student"]))
    assert _bare_scans(plans) == []
    assert _uses(plans, "attempts", "ix_attempts_student_id")
    assert _uses(plans, "responses", "ix_responses_attempt_id")


def test_results_overview_and_lists_scan_no_big_table_without_an_index(
    school: tuple[Database, Any, dict[str, int]],
) -> None:
    from quizapp.services.results import QuizRef, ResultsFilter, ResultsService

    database, _services, ids = school
    results = ResultsService(database.sessions)
    since = datetime(2025, 9, 1, tzinfo=UTC)
    until = since + timedelta(days=1)
    calls: list[Callable[[], object]] = [
        lambda: results.students_overview(),
        lambda: results.students_overview(ResultsFilter(since=since, until=until)),
        lambda: results.students_overview(ResultsFilter(quiz=QuizRef.lesson(ids["lesson"]))),
        lambda: results.attempts(ResultsFilter(student_id=ids["student"])),
        lambda: results.quiz_attempts(QuizRef.exam(ids["pack"])),
        lambda: results.quizzes(),
    ]
    plans = [plan for call in calls for plan in _plans(database, call)]
    assert _bare_scans(plans) == []


def test_quiz_statistics_reads_stored_cells_by_attempt(
    school: tuple[Database, Any, dict[str, int]],
) -> None:
    from quizapp.domain.statistics import AttemptSelection
    from quizapp.services.results import QuizRef
    from quizapp.services.statistics_report import StatisticsService

    database, _services, ids = school
    stats = StatisticsService(database.sessions)
    for ref in (QuizRef.lesson(ids["lesson"]), QuizRef.exam(ids["pack"])):
        plans = _plans(database, lambda ref=ref: stats.quiz_statistics(ref, AttemptSelection.ALL))
        assert _bare_scans(plans) == []
        # Finished attempts without stored cells: the quiz's attempts through an index,
        # each one's cells row by primary key.
        assert _uses(plans, "SEARCH attempts USING INDEX", "=?")
        assert _uses(plans, "SEARCH attempt_cells USING INTEGER PRIMARY KEY", "(rowid=")
        # Every attempt had its cells stored when it was finished: no response read.
        assert not any("responses" in line for _s, lines in plans for line in lines)


def test_quiz_statistics_without_stored_cells_reads_slots_and_responses_by_attempt(
    school: tuple[Database, Any, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import delete

    from quizapp.domain.statistics import AttemptSelection
    from quizapp.services import statistics_report
    from quizapp.services.results import QuizRef
    from quizapp.services.statistics_report import StatisticsService
    from quizapp.store import models as m

    database, _services, ids = school
    with database.sessions.begin() as s:
        s.execute(delete(m.AttemptCells))
    stats = StatisticsService(database.sessions)

    # The first report stores them: the fill reads slots by attempt, responses by slot.
    plans = _plans(
        database,
        lambda: stats.quiz_statistics(QuizRef.lesson(ids["lesson"]), AttemptSelection.ALL),
        prefixes=("INSERT INTO attempt_cells",),
    )
    fill = [plan for plan in plans if plan[0].startswith("INSERT")]
    assert fill
    assert _bare_scans(fill) == []
    assert _uses(fill, "SEARCH attempt_slots USING", "(attempt_id=")
    assert _uses(fill, "SEARCH responses USING", "(slot_id=")

    # A database that cannot be written: read from the responses at every report.
    with database.sessions.begin() as s:
        s.execute(delete(m.AttemptCells))
    monkeypatch.setattr(statistics_report, "fill_missing_cells", lambda *_a: 0)
    plans = _plans(
        database,
        lambda: stats.quiz_statistics(QuizRef.lesson(ids["lesson"]), AttemptSelection.ALL),
    )
    assert _bare_scans(plans) == []
    # Every slot answered: the responses by attempt, each joined to its slot by rowid,
    # and each attempt's last slot number from the (attempt_id, slot) index.
    assert _uses(plans, "SEARCH responses USING INDEX ix_responses_attempt_id", "(attempt_id=")
    assert _uses(plans, "SEARCH attempt_slots USING INTEGER PRIMARY KEY", "(rowid=")
    assert _uses(plans, "USING COVERING INDEX sqlite_autoindex_attempt_slots_1", "(attempt_id=")

    # Exams left unanswered slots: those attempts are read again slot by slot, each
    # slot's responses through the (slot_id, try_number) unique index.
    plans = _plans(
        database, lambda: stats.quiz_statistics(QuizRef.exam(ids["pack"]), AttemptSelection.ALL)
    )
    assert _bare_scans(plans) == []
    assert _uses(plans, "SEARCH attempt_slots USING", "(attempt_id=")
    assert _uses(plans, "SEARCH responses USING", "(slot_id=")
