"""Spaced review through the services: every answered question gets a card for its
identity, wrong comes back the next day and right later, a review session takes exactly
the due questions (latest revisions), Home counts them, mastery per lesson."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from quizapp.domain.model import Behaviour, Pack
from quizapp.services.attempts import NoQuestionsError
from quizapp.services.container import Services, build_services
from quizapp.services.packs import install_pack
from quizapp.store import models as m
from quizapp.store.database import Database

WRONG_KEYS = {"l1q1", "l1q3", "l1q6"}


@pytest.fixture
def services(database: Database, clock: Any) -> Services:
    return build_services(database, clock, review_fuzzing=False, review_tz=UTC)


@pytest.fixture
def student(services: Services, installed: int) -> int:
    return services.students.create_student("Ana").id


def _lesson_quiz(services: Services, student: int, answers: Any, wrong_keys: set[str]) -> int:
    right, wrong = answers
    lesson = services.course.home(student).packs[0].lessons[0]
    view = services.attempts.start_lesson_quiz(student, lesson.id)
    for slot in view.slots:
        pick = wrong(slot) if slot.question_key in wrong_keys else right(slot)
        services.attempts.submit(view.id, slot.slot, pick)
    services.attempts.finish(view.id)
    return view.id


def _cards(database: Database) -> dict[str, tuple[datetime, list[int]]]:
    with database.sessions.begin() as s:
        cards = s.scalars(select(m.Card)).all()
        return {c.question_key: (c.due, [log.rating for log in c.logs]) for c in cards}


def test_wrong_is_due_the_next_day_right_later(
    services: Services, student: int, database: Database, clock: Any, answers: Any
) -> None:
    start = clock.now
    _lesson_quiz(services, student, answers, WRONG_KEYS)
    cards = _cards(database)
    assert set(cards) == {f"l1q{n}" for n in range(8)}  # one card per answered question
    for key, (due, ratings) in cards.items():
        assert due.tzinfo is not None
        assert due.utcoffset() == timedelta(0)
        if key in WRONG_KEYS:
            assert ratings == [1]  # Again
            assert due == start + timedelta(days=1)
        else:
            assert ratings == [3]  # Good
            assert due >= start + timedelta(days=2)
    with database.sessions.begin() as s:
        logs = s.scalars(select(m.ReviewLog)).all()
        assert all(log.reviewed_at.tzinfo is not None for log in logs)
        assert all(log.response_id is not None for log in logs)

    assert services.reviews.due_count(student) == 0  # nothing today
    assert services.course.home(student).due_reviews == 0
    clock.advance(24 * 3600)
    assert services.reviews.due_count(student) == 3
    assert services.course.home(student).due_reviews == 3


def test_review_session_takes_exactly_the_due_questions(
    services: Services, student: int, database: Database, clock: Any, answers: Any
) -> None:
    with pytest.raises(NoQuestionsError):
        services.reviews.start_review(student)
    _lesson_quiz(services, student, answers, WRONG_KEYS)
    clock.advance(24 * 3600)
    session = services.reviews.start_review(student)
    assert session.kind == "review"
    assert session.title == "Review"
    assert session.behaviour is Behaviour.IMMEDIATE_FEEDBACK
    assert sorted(s.question_key for s in session.slots) == sorted(WRONG_KEYS)

    right, _ = answers
    for slot in session.slots:
        services.attempts.submit(session.id, slot.slot, right(slot))
    services.attempts.finish(session.id)
    assert services.reviews.due_count(student) == 0
    due, ratings = _cards(database)["l1q1"]
    assert ratings == [1, 3]
    assert due > clock.now + timedelta(days=1)


def test_cards_follow_the_question_identity_across_revisions(
    services: Services,
    student: int,
    database: Database,
    clock: Any,
    answers: Any,
    pack: Pack,
) -> None:
    from dataclasses import replace

    _lesson_quiz(services, student, answers, {"l1q1"})
    questions = tuple(
        replace(q, prompt="Revised prompt?") if q.id == "l1q1" else q for q in pack.questions
    )
    install_pack(database.sessions, replace(pack, questions=questions, version="2"))
    clock.advance(24 * 3600)
    session = services.reviews.start_review(student)
    assert [(s.question_key, s.prompt) for s in session.slots] == [("l1q1", "Revised prompt?")]


def test_deferred_answers_are_carded_when_the_attempt_is_submitted(
    services: Services, student: int, installed: int, database: Database, answers: Any
) -> None:
    right, wrong = answers
    view = services.attempts.start_exam(student, installed, 3, Behaviour.DEFERRED_CBM)
    services.attempts.save_answer(view.id, 0, right(view.slots[0]), 3)
    services.attempts.save_answer(view.id, 1, wrong(view.slots[1]), 1)
    assert _cards(database) == {}  # nothing marked yet
    services.attempts.finish(view.id)
    cards = _cards(database)
    assert {k: r for k, (_, r) in cards.items()} == {
        view.slots[0].question_key: [4],  # right, very sure: Easy
        view.slots[1].question_key: [1],  # wrong: Again
    }  # the unanswered third question has no card


def test_mastery_per_lesson_counts_the_latest_answers(
    services: Services, student: int, answers: Any
) -> None:
    home = services.course.home(student)
    assert home.packs[0].lessons[0].mastery_percent is None
    _lesson_quiz(services, student, answers, WRONG_KEYS)
    lesson = services.course.home(student).packs[0].lessons[0]
    assert (lesson.mastered, lesson.mastery_percent) == (5, 63)  # 5 of 8, 62.5 → 63
    _lesson_quiz(services, student, answers, {"l1q1"})  # two more right, one still wrong
    lesson = services.course.home(student).packs[0].lessons[0]
    assert (lesson.mastered, lesson.mastery_percent) == (7, 88)
    assert services.course.home(student).packs[0].lessons[1].mastery_percent is None
