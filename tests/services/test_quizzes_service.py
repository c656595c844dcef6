"""Named quizzes: the exam builder's rules, attempts allowed, shuffle off, lessons
chosen, Home's offers, and the review policy hiding right answers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.domain.model import Behaviour
from quizapp.services.container import Services, build_services
from quizapp.services.quizzes import NoAttemptsLeftError, QuizClosedError, QuizSpec
from quizapp.store.database import Database


@pytest.fixture
def services(database: Database, clock: Any) -> Services:
    return build_services(database, clock, review_fuzzing=False, review_tz=UTC)


@pytest.fixture
def student(services: Services, installed: int) -> int:
    return services.students.create_student("Ana").id


def _spec(installed: int, **kw: Any) -> QuizSpec:
    base: dict[str, Any] = {"pack_id": installed, "name": "Unit test", "question_count": 5}
    base.update(kw)
    return QuizSpec(**base)


def test_create_update_list_close(services: Services, installed: int, clock: Any) -> None:
    quiz = services.quizzes.create(
        _spec(
            installed,
            name="  Final   exam ",
            lesson_keys=("lesson-2", "lesson-1"),
            time_limit_s=900,
            attempts_allowed=2,
            review_policy="after_close",
            behaviour=Behaviour.DEFERRED_CBM,
        )
    )
    assert quiz.name == "Final exam"
    assert quiz.lesson_keys == ("lesson-2", "lesson-1")
    assert (quiz.time_limit_s, quiz.attempts_allowed) == (900, 2)
    assert quiz.behaviour is Behaviour.DEFERRED_CBM
    practice = services.quizzes.create(_spec(installed, name="Practice", time_limit_s=0))
    assert practice.time_limit_s is None  # 0 minutes: untimed

    changed = services.quizzes.update(quiz.id, _spec(installed, name="Final", shuffle=False))
    assert (changed.name, changed.shuffle, changed.lesson_keys) == ("Final", False, ())
    clock.advance(60)
    closed = services.quizzes.close(quiz.id)
    assert closed.closed_at == clock.now
    assert [q.name for q in services.quizzes.list_quizzes()] == ["Practice", "Final"]
    assert [q.name for q in services.quizzes.list_quizzes(include_closed=False)] == ["Practice"]
    assert services.quizzes.reopen(quiz.id).closed_at is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"name": "   "}, ValidationError),
        ({"question_count": 0}, ValidationError),
        ({"time_limit_s": -5}, ValidationError),
        ({"attempts_allowed": 0}, ValidationError),
        ({"review_policy": "sometimes"}, ValidationError),
        ({"lesson_keys": ("no-such-lesson",)}, ValidationError),
        ({"pack_id": 999}, NotFoundError),
    ],
)
def test_the_builder_refuses_bad_settings(
    services: Services, installed: int, change: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        services.quizzes.create(_spec(installed, **change))
    assert services.quizzes.list_quizzes() == []


def test_attempts_allowed_and_continuing(services: Services, student: int, installed: int) -> None:
    quiz = services.quizzes.create(_spec(installed, attempts_allowed=2))
    first = services.quizzes.start_quiz(student, quiz.id)
    assert first.kind == "quiz"
    assert first.title == "Unit test"
    assert first.quiz_id == quiz.id
    assert len(first.slots) == 5
    assert services.quizzes.start_quiz(student, quiz.id).id == first.id  # continues it
    (offer,) = services.course.home(student).quizzes
    assert (offer.attempts_used, offer.attempts_left) == (1, 1)
    assert offer.unfinished_attempt_id == first.id
    services.attempts.finish(first.id)
    second = services.quizzes.start_quiz(student, quiz.id)
    assert second.id != first.id
    services.attempts.finish(second.id)
    with pytest.raises(NoAttemptsLeftError):
        services.quizzes.start_quiz(student, quiz.id)
    (offer,) = services.course.home(student).quizzes
    assert offer.attempts_left == 0
    services.quizzes.close(quiz.id)
    assert services.course.home(student).quizzes == ()
    with pytest.raises(QuizClosedError):
        services.quizzes.start_quiz(student, quiz.id)


def test_quiz_settings_reach_the_attempt(services: Services, student: int, installed: int) -> None:
    quiz = services.quizzes.create(
        _spec(
            installed,
            question_count=50,
            lesson_keys=("lesson-3",),
            shuffle=False,
            behaviour=Behaviour.DEFERRED_FEEDBACK,
            time_limit_s=1200,
        )
    )
    view = services.quizzes.start_quiz(student, quiz.id)
    # Shuffle off: the lesson's questions in course order, choices in author order.
    assert [s.question_key for s in view.slots] == [f"l3q{n}" for n in range(8)]
    assert all([c.index for c in s.choices] == list(range(len(s.choices))) for s in view.slots)
    assert view.behaviour is Behaviour.DEFERRED_FEEDBACK
    assert view.time_limit_s == 1200
    shuffled = services.quizzes.create(_spec(installed, question_count=6, name="Mixed"))
    keys = [s.question_key for s in services.quizzes.start_quiz(student, shuffled.id).slots]
    assert len(set(keys)) == 6


@pytest.mark.parametrize(
    ("policy", "hidden_before_close", "hidden_after_close"),
    [("after_attempt", False, False), ("after_close", True, False), ("never", True, True)],
)
def test_review_policy_hides_right_answers(
    services: Services,
    student: int,
    installed: int,
    answers: Any,
    policy: str,
    hidden_before_close: bool,
    hidden_after_close: bool,
) -> None:
    _, wrong = answers
    quiz = services.quizzes.create(
        _spec(installed, review_policy=policy, behaviour=Behaviour.DEFERRED_FEEDBACK)
    )
    view = services.quizzes.start_quiz(student, quiz.id)
    for slot in view.slots:
        services.attempts.save_answer(view.id, slot.slot, wrong(slot))
    services.attempts.finish(view.id)

    def check(hidden: bool) -> None:
        review = services.attempts.review(view.id)
        assert review.answers_hidden is hidden
        for slot in review.slots:
            feedback = slot.feedback
            assert feedback is not None
            assert not feedback.correct  # the student's own result is always shown
            assert feedback.selected == tuple(wrong(slot))
            if hidden:
                assert feedback.correct_indices == ()
                assert feedback.explanation == ""
                assert feedback.choice_feedback == ()
                assert feedback.evidence is None
            else:
                assert feedback.correct_indices != ()
                assert feedback.explanation.startswith("Because of fact")

    check(hidden_before_close)
    services.quizzes.close(quiz.id)
    check(hidden_after_close)
