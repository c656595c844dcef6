"""The quiz flow without Qt or a database: navigation, flags, summary, tries, timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain.behaviours import MarkState
from quizapp.domain.model import Behaviour, Choice, Question, QuestionType
from quizapp.domain.quiz_flow import (
    FlagChanged,
    FlowError,
    QuizFlow,
    ResponseSaved,
    Slot,
    SlotStatus,
    TrySubmitted,
)
from quizapp.domain.scoring import default_fractions

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def _question(
    qid: str, qtype: QuestionType, correct: list[bool], hints: tuple[str, ...] = ()
) -> Question:
    fractions = default_fractions(qtype, correct)
    return Question(
        id=qid,
        lesson_id="l1",
        type=qtype,
        prompt=qid,
        choices=tuple(
            Choice(f"{qid} {i}", f, feedback=f"why {i}") for i, f in enumerate(fractions)
        ),
        hints=hints,
    )


Q1 = _question("q1", QuestionType.SINGLE, [False, True, False])  # right: 1
Q2 = _question("q2", QuestionType.MULTIPLE, [True, True, False, False])  # right: 0 and 1
Q3 = _question("q3", QuestionType.TRUE_FALSE, [True, False])  # right: 0
SLOTS = [Slot(Q1, (2, 0, 1)), Slot(Q2, (3, 1, 0, 2)), Slot(Q3, (0, 1))]


def _flow(
    behaviour: Behaviour, clock: FakeClock | None = None, time_limit: timedelta | None = None
) -> QuizFlow:
    return QuizFlow(
        SLOTS, behaviour, started_at=START, time_limit=time_limit, clock=clock or FakeClock(START)
    )


def test_deferred_navigation_flags_and_summary() -> None:
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    assert flow.current == 0
    assert flow.select({0}) == ResponseSaved(0, (0,), None)  # wrong, for now
    assert flow.next() == 1
    assert flow.toggle_flag() == FlagChanged(1, True)  # unsure: come back later
    assert flow.next() == 2
    assert flow.is_last
    flow.select({0})
    with pytest.raises(FlowError):
        flow.next()
    # Back to the first question and change the answer: deferred allows it.
    flow.go_to(0)
    assert flow.select({1}) == ResponseSaved(0, (1,), None)
    state = flow.state()
    assert state.can_answer
    assert not state.show_feedback  # no feedback before the end
    with pytest.raises(FlowError, match="checked when the whole attempt"):
        flow.submit()

    page = flow.summary()
    assert page.answered == (0, 2)
    assert page.unanswered == (1,)
    assert page.flagged == (1,)
    assert [(r.number, r.status, r.flagged) for r in page.rows] == [
        (1, SlotStatus.ANSWER_SAVED, False),
        (2, SlotStatus.NOT_ANSWERED, True),
        (3, SlotStatus.ANSWER_SAVED, False),
    ]

    # Go to the flagged question from the summary, answer it half right, unflag it.
    flow.go_to(page.flagged[0])
    flow.select({0, 2})  # 0.5 - 0.5 = 0
    flow.select({0})  # changed mind: 0.5
    assert flow.set_flag(False) == FlagChanged(1, False)
    assert flow.summary().unanswered == ()

    result = flow.finish()
    assert [m.fraction for m in result.marks] == [1.0, 0.5, 1.0]
    assert [m.state for m in result.marks] == [
        MarkState.CORRECT,
        MarkState.PARTIAL,
        MarkState.CORRECT,
    ]
    assert result.score.marks == pytest.approx(2.5)
    assert result.score.max_marks == 3
    assert result.score.percent == 83  # 83.33 rounded half up
    assert result.score.answered == 3
    assert not result.expired
    assert flow.state(0).show_feedback  # feedback once submitted
    with pytest.raises(FlowError, match="submitted"):
        flow.select({0})
    with pytest.raises(FlowError, match="already been submitted"):
        flow.finish()


def test_unanswered_questions_score_nothing() -> None:
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    flow.select({1})
    flow.select((), slot=0)  # cleared
    result = flow.finish()
    assert result.score.answered == 0
    assert result.score.marks == 0
    assert all(m.state is MarkState.NOT_ANSWERED for m in result.marks)


def test_single_answer_question_takes_one_choice() -> None:
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    with pytest.raises(ValueError, match="one answer"):
        flow.select({0, 1})
    with pytest.raises(ValueError, match="out of range"):
        flow.select({7})


def test_immediate_feedback_after_each_question() -> None:
    flow = _flow(Behaviour.IMMEDIATE_FEEDBACK)
    with pytest.raises(FlowError, match="select an answer"):
        flow.submit()
    flow.select({0})
    event = flow.submit()
    assert isinstance(event, TrySubmitted)
    assert event.outcome.finished
    assert event.outcome.fraction == 0.0
    assert event.outcome.choice_feedback == ("why 0",)
    assert event.outcome.show_answer
    state = flow.state()
    assert state.status is SlotStatus.WRONG
    assert state.show_feedback
    assert not state.can_answer
    with pytest.raises(FlowError, match="finished"):
        flow.select({1})
    flow.next()
    flow.select({0, 1})
    assert flow.submit().outcome.correct
    result = flow.finish()
    assert [m.fraction for m in result.marks] == [0.0, 1.0, 0.0]
    assert result.score.answered == 2


def test_interactive_try_again_with_hint_and_penalty() -> None:
    hinted = _question("h", QuestionType.SINGLE, [True, False, False], hints=("Look again.",))
    flow = QuizFlow(
        [Slot(hinted, (0, 1, 2)), Slot(Q3, (0, 1))],
        Behaviour.INTERACTIVE,
        started_at=START,
        clock=FakeClock(START),
    )
    flow.select({2})
    first = flow.submit().outcome
    assert first.try_again
    assert first.hint == "Look again."
    assert first.tries_left == 1
    state = flow.state()
    assert state.awaiting_try_again
    assert state.status is SlotStatus.TRY_AGAIN
    assert not state.can_answer
    with pytest.raises(FlowError, match="Try again"):
        flow.select({0})
    flow.try_again()
    assert flow.state().selection == (2,)  # the previous answer stays selected
    flow.select({0})
    second = flow.submit().outcome
    assert second.finished
    assert second.fraction == pytest.approx(0.6666667)  # 1 - 0.3333333
    assert flow.state().status is SlotStatus.CORRECT
    # The summary counts the interactive question as answered.
    assert flow.summary().answered == (0,)
    flow.next()
    flow.select({1})
    assert flow.submit().outcome.try_again  # wrong at the first try...
    result = flow.finish()  # ...and the attempt ends between tries
    assert result.marks[0].fraction == pytest.approx(0.6666667)
    assert result.marks[1].fraction == 0.0
    assert [r.status for r in flow.summary().rows] == [SlotStatus.CORRECT, SlotStatus.WRONG]


def test_cbm_flow_reports_cbm_average_and_accuracy() -> None:
    flow = _flow(Behaviour.DEFERRED_CBM)
    flow.select({1})
    assert flow.set_certainty(3) == ResponseSaved(0, (1,), 3)  # right, sure: +3
    flow.next()
    flow.select({0, 1})
    flow.set_certainty(2)  # right, fairly sure: +2
    flow.next()
    flow.select({1})
    flow.set_certainty(2)  # wrong, fairly sure: -2
    result = flow.finish()
    assert [m.fraction for m in result.marks] == [3.0, 2.0, -2.0]
    assert result.score.marks == pytest.approx(3.0)
    assert result.score.percent == 100  # 3 out of 3 at C=1, as Moodle shows CBM grades
    cbm = result.score.cbm
    assert cbm is not None
    assert cbm.whole.average_cbm == pytest.approx(1.0)
    assert cbm.whole.accuracy == pytest.approx(2 / 3)


def test_certainty_only_under_cbm() -> None:
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    with pytest.raises(FlowError, match="how sure"):
        flow.set_certainty(2)


def test_timer_counts_from_the_stored_start_and_expires() -> None:
    clock = FakeClock(START)
    flow = _flow(Behaviour.DEFERRED_FEEDBACK, clock, time_limit=timedelta(minutes=10))
    assert flow.deadline == START + timedelta(minutes=10)
    assert flow.seconds_left() == 600
    flow.select({1})
    clock.advance(minutes=4, seconds=30)
    assert flow.seconds_left() == 330
    assert not flow.is_expired()
    # The 5-minute announcement falls between two ticks once, and only once.
    assert flow.warning_crossed(clock.now, clock.now + timedelta(seconds=31)) == 300
    assert flow.warning_crossed(clock.now, clock.now + timedelta(seconds=20)) is None
    clock.advance(minutes=5, seconds=30)
    assert flow.is_expired()
    assert flow.seconds_left() == 0
    with pytest.raises(FlowError, match="time is up"):
        flow.select({0}, slot=1)
    clock.advance(hours=3)
    result = flow.finish()
    assert result.expired
    assert result.finished_at == START + timedelta(minutes=10)  # submitted at the deadline
    assert result.marks[0].fraction == 1.0  # the answer given in time counts


def test_untimed_quiz_never_expires() -> None:
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    assert flow.deadline is None
    assert flow.seconds_left() is None
    assert not flow.is_expired(START + timedelta(days=30))


def test_reopened_expired_exam_is_submitted_with_the_answers_given() -> None:
    clock = FakeClock(START)
    limit = timedelta(minutes=20)
    flow = _flow(Behaviour.DEFERRED_FEEDBACK, clock, time_limit=limit)
    events: list[ResponseSaved | TrySubmitted | FlagChanged] = []
    events.append(flow.select({1}))
    flow.next()
    events.append(flow.toggle_flag())
    events.append(flow.select({0, 1}))
    # The lid closes; the app is reopened the next day.
    clock.advance(days=1)
    reopened = QuizFlow.restore(
        SLOTS, Behaviour.DEFERRED_FEEDBACK, events, started_at=START, time_limit=limit, clock=clock
    )
    assert reopened.is_expired()
    assert reopened.summary().flagged == (1,)
    assert reopened.current == 2  # the first unanswered question
    result = reopened.finish()
    assert result.expired
    assert result.finished_at == START + limit
    assert [m.fraction for m in result.marks] == [1.0, 1.0, 0.0]


def test_restore_resumes_an_interactive_question_between_tries() -> None:
    clock = FakeClock(START)
    flow = _flow(Behaviour.INTERACTIVE, clock, time_limit=timedelta(hours=1))
    events: list[ResponseSaved | TrySubmitted | FlagChanged] = [flow.select({0})]
    events.append(flow.submit())  # wrong: waiting for "Try again"
    clock.advance(minutes=5)
    reopened = QuizFlow.restore(
        SLOTS,
        Behaviour.INTERACTIVE,
        events,
        started_at=START,
        time_limit=timedelta(hours=1),
        clock=clock,
        current=0,
    )
    state = reopened.state()
    assert state.awaiting_try_again
    assert state.tries_left == 2
    reopened.try_again()
    reopened.select({1})
    assert reopened.submit().outcome.fraction == pytest.approx(0.6666667)


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="permutation"):
        Slot(Q1, (0, 1))
    with pytest.raises(ValueError, match="at least one slot"):
        QuizFlow([], Behaviour.DEFERRED_FEEDBACK, started_at=START)
    with pytest.raises(ValueError, match="timezone-aware"):
        QuizFlow(SLOTS, Behaviour.DEFERRED_FEEDBACK, started_at=datetime(2025, 3, 3, 9, 0))
    flow = _flow(Behaviour.DEFERRED_FEEDBACK)
    with pytest.raises(FlowError, match="no question 4"):
        flow.go_to(3)
    with pytest.raises(FlowError):
        flow.previous()
