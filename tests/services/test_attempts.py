"""Taking quizzes through the services: start, answer, finish, resume, history, review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import NotFoundError, QuizAppError, ValidationError
from quizapp.domain.model import Behaviour, Pack
from quizapp.services.attempts import AlreadyAnsweredError, AttemptFinishedError
from quizapp.services.container import Services
from quizapp.services.dto import SlotView
from quizapp.services.packs import install_pack
from quizapp.store import models as m
from quizapp.store.database import Database

Answer = Callable[[SlotView], list[int]]


def _lesson_ids(services: Services, student_id: int) -> list[int]:
    home = services.course.home(student_id)
    return [lesson.id for lesson in home.packs[0].lessons]


@pytest.fixture
def student(services: Services, installed: int) -> int:
    return services.students.create_student("Ana").id


def test_lesson_quiz_asks_every_question_of_the_lesson_shuffled(
    services: Services, student: int, database: Database
) -> None:
    lesson_id = _lesson_ids(services, student)[0]
    view = services.attempts.start_lesson_quiz(student, lesson_id)

    assert view.kind == "lesson"
    assert view.title == "Lesson 1"
    assert view.behaviour is Behaviour.IMMEDIATE_FEEDBACK
    assert view.current_slot == 0
    assert view.max_marks == 8
    assert [s.slot for s in view.slots] == list(range(8))
    assert sorted(s.question_key for s in view.slots) == sorted(f"l1q{n}" for n in range(8))
    for slot in view.slots:
        assert slot.feedback is None
        assert sorted(c.index for c in slot.choices) == list(range(len(slot.choices)))
        assert [c.letter for c in slot.choices] == list("ABCD"[: len(slot.choices)])
    with database.sessions.begin() as s:
        attempt = s.get(m.Attempt, view.id)
        assert attempt is not None
        assert attempt.seed == view.seed
        assert attempt.state == "inprogress"
        stored = [(x.question_id, x.choice_order) for x in attempt.slots]
    assert stored == [(x.question_id, [c.index for c in x.choices]) for x in view.slots]


def test_seed_decides_the_order(services: Services, student: int) -> None:
    """Different attempts are shuffled differently (24 attempts of 8 questions: at least
    two orders), and an attempt's order is what its seed gives."""
    lesson_id = _lesson_ids(services, student)[0]
    orders = {
        tuple(s.question_key for s in services.attempts.start_lesson_quiz(student, lesson_id).slots)
        for _ in range(24)
    }
    assert len(orders) > 1


def test_submit_marks_commits_and_moves_on(
    services: Services, student: int, database: Database, answers: tuple[Answer, Answer]
) -> None:
    right, wrong = answers
    view = services.attempts.start_lesson_quiz(student, _lesson_ids(services, student)[0])
    first, second = view.slots[0], view.slots[1]

    good = services.attempts.submit(view.id, 0, right(first))
    assert good.correct
    assert good.fraction == 1.0
    assert good.selected == tuple(right(first))
    assert good.explanation == f"Because of fact {first.question_key}."
    assert good.evidence == f"fact {first.question_key}"
    assert good.lesson_id == first.lesson_id

    bad = services.attempts.submit(view.id, 1, wrong(second))
    assert not bad.correct
    assert bad.fraction == 0.0
    assert bad.correct_indices == tuple(right(second))
    assert bad.choice_feedback == ("Look again.",)

    # Committed at once: another session sees both responses.
    with database.sessions.begin() as s:
        rows = s.execute(
            select(m.Response.selected, m.Response.fraction, m.Response.try_number)
            .where(m.Response.attempt_id == view.id)
            .order_by(m.Response.id)
        ).all()
    assert [tuple(r) for r in rows] == [(right(first), 1.0, 1), (wrong(second), 0.0, 1)]
    now = services.attempts.get(view.id)
    assert now.current_slot == 2
    assert now.marks == 1.0
    assert now.slots[0].feedback == good


def test_finish_gives_the_right_marks_and_is_idempotent(
    services: Services, student: int, clock: Any, answers: tuple[Answer, Answer]
) -> None:
    right, wrong = answers
    view = services.attempts.start_lesson_quiz(student, _lesson_ids(services, student)[0])
    for slot in view.slots[:5]:
        clock.advance(10)
        services.attempts.submit(view.id, slot.slot, right(slot))
    for slot in view.slots[5:7]:
        clock.advance(10)
        services.attempts.submit(view.id, slot.slot, wrong(slot))
    clock.advance(10)
    # slot 7 left unanswered: it earns nothing
    summary = services.attempts.finish(view.id)
    assert summary.marks == 5.0
    assert summary.max_marks == 8.0
    assert summary.percent == 63  # 62.5 rounded half up
    assert summary.answered == 7
    assert summary.total == 8
    assert summary.duration_s == 80.0
    assert summary.finished_at == clock.now

    clock.advance(1000)
    again = services.attempts.finish(view.id)
    assert again == summary


def test_partial_credit_on_a_multiple_answer_question(
    services: Services, student: int
) -> None:
    view = services.attempts.start_lesson_quiz(student, _lesson_ids(services, student)[0])
    multiple = next(s for s in view.slots if s.question_key == "l1q3")
    feedback = services.attempts.submit(view.id, multiple.slot, [0])  # one of two right
    assert feedback.fraction == pytest.approx(0.5)
    assert not feedback.correct
    every_box = next(s for s in view.slots if s.question_key == "l1q7")
    assert services.attempts.submit(view.id, every_box.slot, [0, 1, 2, 3]).fraction == 0.0


def test_answers_that_are_refused(
    services: Services, student: int, answers: tuple[Answer, Answer]
) -> None:
    right, _ = answers
    view = services.attempts.start_lesson_quiz(student, _lesson_ids(services, student)[0])
    single = next(s for s in view.slots if s.question_key == "l1q0")
    with pytest.raises(ValidationError):
        services.attempts.submit(view.id, single.slot, [])
    with pytest.raises(ValidationError):
        services.attempts.submit(view.id, single.slot, [0, 1])
    with pytest.raises(ValidationError):
        services.attempts.submit(view.id, single.slot, [9])
    with pytest.raises(NotFoundError):
        services.attempts.submit(view.id, 99, [0])
    with pytest.raises(NotFoundError):
        services.attempts.submit(123456, 0, [0])

    services.attempts.submit(view.id, single.slot, right(single))
    with pytest.raises(AlreadyAnsweredError):
        services.attempts.submit(view.id, single.slot, [1])
    services.attempts.finish(view.id)
    other = next(s for s in view.slots if s.slot != single.slot)
    with pytest.raises(AttemptFinishedError):
        services.attempts.submit(view.id, other.slot, right(other))
    assert issubclass(AlreadyAnsweredError, QuizAppError)
    assert issubclass(AttemptFinishedError, QuizAppError)


def test_response_is_never_stored_twice(
    services: Services, student: int, database: Database, answers: tuple[Answer, Answer]
) -> None:
    right, _ = answers
    view = services.attempts.start_lesson_quiz(student, _lesson_ids(services, student)[0])
    services.attempts.submit(view.id, 0, right(view.slots[0]))
    with pytest.raises(AlreadyAnsweredError):
        services.attempts.submit(view.id, 0, right(view.slots[0]))
    with database.sessions.begin() as s:
        assert s.scalar(select(func.count(m.Response.id))) == 1


def test_resume_after_reopening_the_database(
    services: Services,
    student: int,
    reopen: Callable[[], Services],
    answers: tuple[Answer, Answer],
) -> None:
    right, wrong = answers
    lesson_id = _lesson_ids(services, student)[1]
    view = services.attempts.start_lesson_quiz(student, lesson_id)
    services.attempts.submit(view.id, 0, right(view.slots[0]))
    services.attempts.submit(view.id, 1, wrong(view.slots[1]))
    services.database.close()  # the lid closes

    later = reopen()
    unfinished = later.attempts.unfinished(student)
    assert [a.id for a in unfinished] == [view.id]
    assert unfinished[0].answered == 2
    assert unfinished[0].percent is None
    assert later.course.home(student).unfinished == tuple(unfinished)

    resumed = later.attempts.get(view.id)
    assert resumed.current_slot == 2
    assert resumed.seed == view.seed
    assert [s.question_id for s in resumed.slots] == [s.question_id for s in view.slots]
    assert [s.choices for s in resumed.slots] == [s.choices for s in view.slots]
    assert resumed.slots[0].feedback is not None
    assert resumed.slots[0].feedback.correct
    assert resumed.slots[1].feedback is not None
    assert not resumed.slots[1].feedback.correct
    assert resumed.slots[2].feedback is None

    for slot in resumed.slots[2:]:
        later.attempts.submit(view.id, slot.slot, right(slot))
    assert later.attempts.finish(view.id).marks == 7.0
    assert later.attempts.unfinished(student) == []


def test_history_newest_first(
    services: Services, student: int, clock: Any, answers: tuple[Answer, Answer]
) -> None:
    right, _ = answers
    lessons = _lesson_ids(services, student)
    done = []
    for lesson_id in lessons:
        view = services.attempts.start_lesson_quiz(student, lesson_id)
        services.attempts.submit(view.id, 0, right(view.slots[0]))
        clock.advance(30)
        done.append(services.attempts.finish(view.id).id)
        clock.advance(3600)
    services.attempts.start_lesson_quiz(student, lessons[0])  # unfinished: not in history

    history = services.attempts.history(student)
    assert [a.id for a in history] == list(reversed(done))
    assert [a.title for a in history] == ["Lesson 3", "Lesson 2", "Lesson 1"]
    assert all(a.percent == 13 for a in history)  # 1 of 8 = 12.5 -> 13
    assert all(a.duration_s == 30.0 for a in history)
    other = services.students.create_student("Ben").id
    assert services.attempts.history(other) == []


def test_review_shows_the_attempt_as_taken_after_a_reimport(
    services: Services,
    student: int,
    database: Database,
    pack: Pack,
    answers: tuple[Answer, Answer],
) -> None:
    from dataclasses import replace

    right, wrong = answers
    lesson_id = _lesson_ids(services, student)[0]
    view = services.attempts.start_lesson_quiz(student, lesson_id)
    for slot in view.slots:
        answer = right(slot) if slot.question_key != "l1q0" else wrong(slot)
        services.attempts.submit(view.id, slot.slot, answer)
    services.attempts.finish(view.id)
    asked = next(s for s in view.slots if s.question_key == "l1q0")

    # The teacher corrects question l1q0: new prompt, new choices.
    changed = tuple(
        replace(q, prompt="A better prompt?", choices=tuple(reversed(q.choices)))
        if q.id == "l1q0"
        else q
        for q in pack.questions
    )
    report = install_pack(database.sessions, replace(pack, questions=changed, version="2"))
    assert report.questions_revised == 1

    review = services.attempts.review(view.id)
    seen = next(s for s in review.slots if s.question_key == "l1q0")
    assert seen.prompt == "Prompt of l1q0?"
    assert seen.question_id == asked.question_id
    assert seen.choices == asked.choices
    assert seen.feedback is not None
    assert not seen.feedback.correct
    assert seen.feedback.selected == (1,)
    assert seen.feedback.correct_indices == (0,)
    assert all(s.feedback is not None for s in review.slots)
    assert review.marks == 7.0

    # A new attempt asks the new revision.
    fresh = services.attempts.start_lesson_quiz(student, lesson_id)
    new = next(s for s in fresh.slots if s.question_key == "l1q0")
    assert new.prompt == "A better prompt?"
    assert new.question_id != asked.question_id


def test_exam_draws_twenty_questions_across_lessons(
    services: Services, student: int, installed: int, answers: tuple[Answer, Answer]
) -> None:
    right, _ = answers
    exam = services.attempts.start_exam(student, installed)
    assert exam.kind == "exam"
    assert exam.title == "Exam: Test course"
    assert len(exam.slots) == 20
    keys = [s.question_key for s in exam.slots]
    assert len(set(keys)) == 20
    assert len({key.split("q")[0] for key in keys}) == 3  # from all three lessons
    for slot in exam.slots:
        services.attempts.submit(exam.id, slot.slot, right(slot))
    summary = services.attempts.finish(exam.id)
    assert (summary.marks, summary.max_marks, summary.percent) == (20.0, 20.0, 100)

    small = services.attempts.start_exam(student, installed, question_count=5)
    assert len(small.slots) == 5
    everything = services.attempts.start_exam(student, installed, question_count=100)
    assert len(everything.slots) == 24
    with pytest.raises(ValidationError):
        services.attempts.start_exam(student, installed, question_count=0)


def test_unknown_ids(services: Services, student: int, installed: int) -> None:
    with pytest.raises(NotFoundError):
        services.attempts.get(999)
    with pytest.raises(NotFoundError):
        services.attempts.review(999)
    with pytest.raises(NotFoundError):
        services.attempts.finish(999)
    with pytest.raises(NotFoundError):
        services.attempts.start_lesson_quiz(student, 999)
    with pytest.raises(NotFoundError):
        services.attempts.start_lesson_quiz(999, _lesson_ids(services, student)[0])
    with pytest.raises(NotFoundError):
        services.attempts.start_exam(student, 999)
    with pytest.raises(NotFoundError):
        services.attempts.history(999)
