"""The teacher's results: students overview, attempts lists, filters, review, speed."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import conftest_results as h
import pytest
from sqlalchemy import insert, select

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.services.results import QuizRef, ResultsFilter, ResultsService
from quizapp.store import models as m
from quizapp.store.database import Database

KEYS = [f"l1q{n}" for n in range(8)]


@pytest.fixture
def school(services: Services, installed: int, clock: object, database: Database) -> dict[str, int]:
    """Ana (class 5B): lesson 1 all right, then half right; Ben (5B): a quarter right on
    lesson 1, and lesson 2 all right a day later; Cleo (no class): nothing yet."""
    ana = services.students.create_student("Ana").id
    ben = services.students.create_student("Ben").id
    cleo = services.students.create_student("Cleo").id
    classes = ClassService(database.sessions)
    b5 = classes.create_class("5B").id
    classes.set_class([ana, ben], b5)
    lessons = h.lesson_ids(services, ana)
    advance = clock.advance  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, advance, ana, lessons[0], KEYS)
    h.take_lesson_quiz(services, advance, ana, lessons[0], KEYS[:4])
    h.take_lesson_quiz(services, advance, ben, lessons[0], KEYS[:2])
    advance(86400)
    h.take_lesson_quiz(services, advance, ben, lessons[1], lambda slot: h.right(slot))
    return {"ana": ana, "ben": ben, "cleo": cleo, "5b": b5, "l1": lessons[0], "l2": lessons[1]}


def test_an_average_on_an_exact_half_is_rounded_up_despite_float_sums(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    """Five attempts of 8 questions with 0, 0, 7, 8 and 8 right: the mean is 23/40 =
    57.5%, shown as 58% (half up); SQL's float average is 0.57499999999999996."""
    dan = services.students.create_student("Dan").id
    lesson = h.lesson_ids(services, dan)[0]
    for right in (0, 0, 7, 8, 8):
        h.take_lesson_quiz(services, clock.advance, dan, lesson, KEYS[:right])  # type: ignore[attr-defined]
    (row,) = ResultsService(database.sessions).students_overview()
    assert (row.attempts, row.best_percent, row.last_percent, row.average_percent) == (
        5,
        100,
        100,
        58,
    )


def test_overview_gives_counts_best_last_average_time_and_last_activity(
    database: Database, school: dict[str, int], clock: object
) -> None:
    rows = {r.name: r for r in ResultsService(database.sessions).students_overview()}

    assert list(rows) == ["Ana", "Ben", "Cleo"]
    ana, ben, cleo = rows["Ana"], rows["Ben"], rows["Cleo"]
    assert (ana.attempts, ana.best_percent, ana.last_percent, ana.average_percent) == (
        2,
        100,
        50,
        75,
    )
    assert ana.time_spent_s == pytest.approx(2 * 8 * 30)
    assert ana.class_name == "5B"
    # Ben: 25% then 100% the next day: the last is the later one.
    assert (ben.attempts, ben.best_percent, ben.last_percent, ben.average_percent) == (
        2,
        100,
        100,
        63,  # (25 + 100) / 2 = 62.5, rounded half up
    )
    assert ben.last_active == clock.now  # type: ignore[attr-defined]
    assert (cleo.attempts, cleo.best_percent, cleo.last_active, cleo.time_spent_s) == (
        0,
        None,
        None,
        0.0,
    )
    assert cleo.class_name is None


def test_overview_filters_by_lesson_class_and_dates(
    database: Database, school: dict[str, int], clock: object
) -> None:
    results = ResultsService(database.sessions)
    by_lesson = {
        r.name: r for r in results.students_overview(ResultsFilter(lesson_id=school["l2"]))
    }
    assert by_lesson["Ana"].attempts == 0
    assert (by_lesson["Ben"].attempts, by_lesson["Ben"].best_percent) == (1, 100)

    in_class = results.students_overview(ResultsFilter(class_id=school["5b"]))
    assert [r.name for r in in_class] == ["Ana", "Ben"]

    now = clock.now  # type: ignore[attr-defined]
    recent = {
        r.name: r.attempts
        for r in results.students_overview(ResultsFilter(since=now - timedelta(hours=1)))
    }
    assert recent == {"Ana": 0, "Ben": 1, "Cleo": 0}
    older = {
        r.name: r.attempts
        for r in results.students_overview(ResultsFilter(until=now - timedelta(hours=1)))
    }
    assert older == {"Ana": 2, "Ben": 1, "Cleo": 0}
    with pytest.raises(ValidationError):
        results.students_overview(ResultsFilter(since=datetime(2024, 1, 1)))


def test_attempts_of_a_student_and_of_a_quiz_newest_first_and_openable(
    services: Services, database: Database, school: dict[str, int]
) -> None:
    results = ResultsService(database.sessions)
    ana = results.student_attempts(school["ana"])
    assert [a.percent for a in ana] == [50, 100]
    assert ana[0].title == "Lesson 1"
    assert ana[0].class_name == "5B"
    assert ana[0].duration_s == pytest.approx(8 * 30)

    quiz = results.quiz_attempts(QuizRef.lesson(school["l1"]))
    assert [a.student_name for a in quiz] == ["Ben", "Ana", "Ana"]

    review = results.review(ana[0].id)
    assert review.id == ana[0].id
    assert len(review.slots) == 8
    right = sum(1 for s in review.slots if s.feedback is not None and s.feedback.correct)
    assert right == 4
    with pytest.raises(NotFoundError):
        results.student_attempts(99999)


def test_in_progress_attempts_are_listed_only_when_asked(
    services: Services, database: Database, school: dict[str, int], clock: object
) -> None:
    h.take_lesson_quiz(
        services,
        clock.advance,
        school["cleo"],
        school["l1"],
        KEYS,
        finish=False,  # type: ignore[attr-defined]
    )
    results = ResultsService(database.sessions)
    assert results.student_attempts(school["cleo"]) == []
    (row,) = results.student_attempts(school["cleo"], ResultsFilter(finished_only=False))
    assert (row.state, row.percent, row.duration_s) == ("inprogress", None, None)
    cleo = next(r for r in results.students_overview() if r.name == "Cleo")
    assert cleo.attempts == 0


def test_quizzes_lists_each_quiz_with_its_counts(
    database: Database, school: dict[str, int]
) -> None:
    quizzes = ResultsService(database.sessions).quizzes()
    summary = [(q.ref, q.title, q.attempts, q.students) for q in quizzes]
    assert summary == [
        (QuizRef.lesson(school["l1"]), "Lesson 1", 3, 2),
        (QuizRef.lesson(school["l2"]), "Lesson 2", 1, 1),
    ]


def test_overview_of_500_students_with_40_attempts_each_is_fast(database: Database) -> None:
    """The performance issue's size: 500 students × 40 attempts in under 0.3 s."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with database.sessions.begin() as s:
        pack = m.Pack(key="p", title="P", content_hash="0" * 64)
        s.add(pack)
        s.flush()
        lesson = m.Lesson(pack_id=pack.id, key="l", position=0, title="L", body="", content_hash="")
        s.add(lesson)
        s.flush()
        students = [
            {"uuid": uuid.uuid4(), "name": f"S{i:03}", "created_at": start} for i in range(500)
        ]
        s.execute(insert(m.Student), students)
        ids = list(s.scalars(select(m.Student.id)))
        s.execute(
            insert(m.Attempt),
            [
                {
                    "uuid": uuid.uuid4(),
                    "student_id": sid,
                    "pack_id": pack.id,
                    "lesson_id": lesson.id,
                    "kind": "lesson",
                    "behaviour": "immediatefeedback",
                    "seed": 1,
                    "started_at": start + timedelta(minutes=k * 10 + i),
                    "finished_at": start + timedelta(minutes=k * 10 + i + 5),
                    "state": "finished",
                    "current_slot": 8,
                    "marks": float((sid + k) % 9),
                    "max_marks": 8.0,
                }
                for i, sid in enumerate(ids)
                for k in range(40)
            ],
        )
    results = ResultsService(database.sessions)
    timings = []
    for _ in range(3):
        t0 = time.perf_counter()
        rows = results.students_overview()
        timings.append(time.perf_counter() - t0)
    assert len(rows) == 500
    assert all(r.attempts == 40 and r.time_spent_s == pytest.approx(40 * 300) for r in rows)
    assert min(timings) < 0.3, timings
