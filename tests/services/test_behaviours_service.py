"""Every question behaviour end to end through AttemptService, on a fake clock:
deferred answers changed then submitted, flags and the summary page, interactive tries
with penalties, certainty-based marks, timed exams submitted when found expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from quizapp.domain.errors import ValidationError
from quizapp.domain.model import Behaviour, QuestionType
from quizapp.services.attempts import AlreadyAnsweredError, AttemptFinishedError, TimeUpError
from quizapp.services.container import Services, build_services
from quizapp.services.dto import AttemptView, SlotView
from quizapp.store import models as m
from quizapp.store.database import Database

Answer = Callable[[SlotView], list[int]]


@pytest.fixture
def services(database: Database, clock: Any) -> Services:
    """The services with FSRS fuzzing off and review days in UTC."""
    return build_services(database, clock, review_fuzzing=False, review_tz=UTC)


@pytest.fixture
def student(services: Services, installed: int) -> int:
    return services.students.create_student("Ana").id


def _exam(
    services: Services, student: int, installed: int, behaviour: Behaviour, **kw: Any
) -> AttemptView:
    return services.attempts.start_exam(student, installed, kw.pop("count", 24), behaviour, **kw)


def _slot(view: AttemptView, qtype: QuestionType, skip: int = 0) -> SlotView:
    return [s for s in view.slots if s.type is qtype][skip]


def _responses(database: Database, attempt_id: int) -> list[tuple[int, int, list[int], Any]]:
    with database.sessions.begin() as s:
        rows = s.execute(
            select(
                m.AttemptSlot.slot,
                m.Response.try_number,
                m.Response.selected,
                m.Response.certainty,
            )
            .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
            .where(m.Response.attempt_id == attempt_id)
            .order_by(m.Response.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_deferred_answers_change_until_submit_all_and_the_last_counts(
    services: Services,
    student: int,
    installed: int,
    database: Database,
    clock: Any,
    answers: tuple[Answer, Answer],
) -> None:
    right, wrong = answers
    view = _exam(services, student, installed, Behaviour.DEFERRED_FEEDBACK, count=4)
    a, b, c, _d = view.slots
    clock.advance(20)
    saved = services.attempts.save_answer(view.id, a.slot, wrong(a))
    assert saved.feedback is None  # no correctness before the end
    assert saved.status == "answersaved"
    clock.advance(20)
    services.attempts.save_answer(view.id, a.slot, right(a))  # changed my mind
    services.attempts.save_answer(view.id, b.slot, right(b))
    services.attempts.save_answer(view.id, c.slot, wrong(c))
    services.attempts.save_answer(view.id, c.slot, [])  # cleared
    services.attempts.save_answer(view.id, b.slot, right(b))  # unchanged: not stored again

    # Each saved answer is its own row, committed at once; the last one counts.
    assert _responses(database, view.id) == [
        (a.slot, 1, wrong(a), None),
        (a.slot, 2, right(a), None),
        (b.slot, 1, right(b), None),
        (c.slot, 1, wrong(c), None),
        (c.slot, 2, [], None),
    ]
    with pytest.raises(ValidationError):
        services.attempts.submit(view.id, a.slot, right(a))  # nothing is checked early

    resumed = services.attempts.get(view.id)
    assert [s.selected for s in resumed.slots] == [tuple(right(a)), tuple(right(b)), (), ()]
    assert all(s.feedback is None for s in resumed.slots)
    assert resumed.current_slot == 2  # first question without an answer

    summary = services.attempts.finish(view.id)
    assert summary.marks == 2.0
    assert summary.percent == 50
    review = services.attempts.review(view.id)
    assert [s.status for s in review.slots] == ["correct", "correct", "notanswered", "notanswered"]
    assert review.slots[0].feedback is not None
    assert review.slots[0].feedback.correct
    assert review.slots[2].feedback is None  # cleared: gave up
    with pytest.raises(AttemptFinishedError):
        services.attempts.save_answer(view.id, 3, right(view.slots[3]))


def test_flags_are_stored_and_the_summary_lists_them(
    services: Services, student: int, installed: int, database: Database, answers: Any
) -> None:
    right, _ = answers
    view = _exam(services, student, installed, Behaviour.DEFERRED_FEEDBACK, count=5)
    services.attempts.save_answer(view.id, 0, right(view.slots[0]))
    services.attempts.save_answer(view.id, 3, right(view.slots[3]))
    services.attempts.set_flag(view.id, 1, True)
    services.attempts.set_flag(view.id, 3, True)
    services.attempts.set_flag(view.id, 4, True)
    services.attempts.set_flag(view.id, 4, False)

    summary = services.attempts.summary(view.id)
    assert summary.answered == (0, 3)
    assert summary.unanswered == (1, 2, 4)
    assert summary.flagged == (1, 3)
    assert summary.statuses == (
        "answersaved",
        "notanswered",
        "notanswered",
        "answersaved",
        "notanswered",
    )
    with database.sessions.begin() as s:
        flags = s.scalars(
            select(m.AttemptSlot.flagged)
            .where(m.AttemptSlot.attempt_id == view.id)
            .order_by(m.AttemptSlot.slot)
        ).all()
    assert flags == [False, True, False, True, False]
    assert [s.flagged for s in services.attempts.get(view.id).slots] == [
        False,
        True,
        False,
        True,
        False,
    ]


def test_interactive_tries_hints_and_penalties(
    services: Services, student: int, installed: int, database: Database, answers: Any
) -> None:
    right, wrong = answers
    view = _exam(services, student, installed, Behaviour.INTERACTIVE)
    single = _slot(view, QuestionType.SINGLE)
    first = services.attempts.submit(view.id, single.slot, wrong(single))
    assert not first.finished
    assert first.tries_left == 2  # no hints: 3 tries
    assert first.correct_indices == ()  # the answer is not given away between tries
    assert first.explanation == ""
    assert first.choice_feedback == ("Look again.",)
    assert services.attempts.get(view.id).slots[single.slot].status == "tryagain"
    second = services.attempts.submit(view.id, single.slot, [2])
    assert not second.finished
    assert second.tries_left == 1
    third = services.attempts.submit(view.id, single.slot, right(single))
    assert third.finished
    assert third.correct
    assert third.mark == pytest.approx(0.3333334)  # 1 − 2 × 0.3333333
    assert third.correct_indices == tuple(right(single))
    with pytest.raises(AlreadyAnsweredError):
        services.attempts.submit(view.id, single.slot, right(single))

    # True/false: Moodle fixes the penalty at 1, so a second try earns nothing.
    tf = _slot(view, QuestionType.TRUE_FALSE)
    services.attempts.submit(view.id, tf.slot, wrong(tf))
    assert services.attempts.submit(view.id, tf.slot, right(tf)).mark == 0.0
    # Right at the first try: full marks; three wrong tries: finished, no marks.
    good = _slot(view, QuestionType.SINGLE, 1)
    assert services.attempts.submit(view.id, good.slot, right(good)).mark == 1.0
    bad = _slot(view, QuestionType.SINGLE, 2)
    for _ in range(3):
        last = services.attempts.submit(view.id, bad.slot, wrong(bad))
    assert last.finished
    assert last.mark == 0.0
    assert last.correct_indices == tuple(right(bad))

    with database.sessions.begin() as s:
        penalties = s.execute(
            select(m.Response.try_number, m.Response.penalty)
            .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
            .where(m.AttemptSlot.attempt_id == view.id, m.AttemptSlot.slot == single.slot)
            .order_by(m.Response.try_number)
        ).all()
    assert [tuple(p) for p in penalties] == [(1, 0.0), (2, 0.3333333), (3, 0.6666666)]

    # A question left between tries is graded on its last try minus the tries used.
    multi = _slot(view, QuestionType.MULTIPLE)
    services.attempts.submit(view.id, multi.slot, [0])  # half right
    summary = services.attempts.finish(view.id)
    expected = 0.3333334 + 0.0 + 1.0 + 0.0 + round(0.5 - 0.3333333, 7)
    assert summary.marks == pytest.approx(expected)
    review = services.attempts.review(view.id)
    assert review.slots[multi.slot].feedback is not None
    assert review.slots[multi.slot].feedback.mark == pytest.approx(0.1666667)
    assert review.slots[multi.slot].status == "partial"


def test_cbm_marks_and_results(
    services: Services, student: int, installed: int, database: Database, answers: Any
) -> None:
    right, wrong = answers
    view = _exam(services, student, installed, Behaviour.DEFERRED_CBM, count=4)
    a, b, c, _d = view.slots
    services.attempts.save_answer(view.id, a.slot, right(a), 3)  # right, very sure: 3
    services.attempts.save_answer(view.id, b.slot, wrong(b), 1)
    services.attempts.save_answer(view.id, b.slot, wrong(b), 3)  # wrong, very sure: −6
    services.attempts.save_answer(view.id, c.slot, right(c))  # no certainty: low, 1
    # d not answered: 0
    assert _responses(database, view.id)[1:3] == [
        (b.slot, 1, wrong(b), 1),
        (b.slot, 2, wrong(b), 3),
    ]
    assert services.attempts.get(view.id).slots[b.slot].certainty == 3
    with pytest.raises(ValidationError):
        services.attempts.save_answer(view.id, a.slot, right(a), 4)

    summary = services.attempts.finish(view.id)
    assert summary.marks == pytest.approx(3 - 6 + 1)
    assert summary.max_marks == 4
    review = services.attempts.review(view.id)
    assert review.cbm is not None
    assert review.cbm.average_cbm == pytest.approx(-2 / 4)
    assert review.cbm.accuracy == pytest.approx(2 / 4)
    marks = [s.feedback.mark if s.feedback else None for s in review.slots]
    assert marks == [3.0, -6.0, 1.0, None]


def test_certainty_is_refused_outside_cbm(
    services: Services, student: int, installed: int, answers: Any
) -> None:
    right, _ = answers
    view = _exam(services, student, installed, Behaviour.DEFERRED_FEEDBACK, count=2)
    with pytest.raises(ValidationError):
        services.attempts.save_answer(view.id, 0, right(view.slots[0]), 2)
    practice = _exam(services, student, installed, Behaviour.IMMEDIATE_FEEDBACK, count=2)
    with pytest.raises(ValidationError):
        services.attempts.save_answer(practice.id, 0, right(practice.slots[0]))


def test_timed_exam_found_expired_on_reopening_is_submitted_with_its_answers(
    services: Services,
    student: int,
    installed: int,
    clock: Any,
    reopen: Callable[[], Services],
    answers: Any,
) -> None:
    right, wrong = answers
    view = _exam(
        services, student, installed, Behaviour.DEFERRED_FEEDBACK, count=4, time_limit_s=600
    )
    assert view.time_limit_s == 600
    assert view.deadline == view.started_at + timedelta(seconds=600)
    clock.advance(100)
    services.attempts.save_answer(view.id, 0, right(view.slots[0]))
    services.attempts.save_answer(view.id, 1, wrong(view.slots[1]))
    services.database.close()  # the lid closes at minute 2

    clock.advance(3600)  # opened again an hour later
    later = reopen()
    assert later.attempts.unfinished(student) == []
    (done,) = later.attempts.history(student)
    assert done.id == view.id
    assert done.finished_at == view.started_at + timedelta(seconds=600)  # the deadline
    assert done.marks == 1.0
    assert done.answered == 2


def test_timed_exam_is_submitted_when_opened_or_answered_after_the_deadline(
    services: Services, student: int, installed: int, clock: Any, answers: Any
) -> None:
    right, _ = answers
    view = _exam(services, student, installed, Behaviour.INTERACTIVE, count=3, time_limit_s=60)
    services.attempts.submit(view.id, 0, right(view.slots[0]))
    clock.advance(59)
    assert services.attempts.get(view.id).finished_at is None  # still running
    clock.advance(1)
    with pytest.raises(TimeUpError):
        services.attempts.submit(view.id, 1, right(view.slots[1]))
    opened = services.attempts.get(view.id)
    assert opened.finished_at == view.started_at + timedelta(seconds=60)
    assert opened.marks == 1.0
    assert all(s.feedback is not None or s.slot > 0 for s in opened.slots)

    other = _exam(services, student, installed, Behaviour.DEFERRED_CBM, count=2, time_limit_s=30)
    clock.advance(31)
    home = services.course.home(student)  # Home submits it too
    assert all(a.id != other.id for a in home.unfinished)
    assert services.attempts.review(other.id).finished_at is not None


def test_immediate_feedback_still_takes_one_answer(
    services: Services, student: int, installed: int, answers: Any
) -> None:
    right, _ = answers
    view = _exam(services, student, installed, Behaviour.IMMEDIATE_FEEDBACK, count=2)
    feedback = services.attempts.submit(view.id, 0, right(view.slots[0]))
    assert feedback.finished
    assert feedback.correct
    assert feedback.mark == 1.0
    with pytest.raises(AlreadyAnsweredError):
        services.attempts.submit(view.id, 0, right(view.slots[0]))
