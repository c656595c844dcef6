"""The quiz flow as a plain state machine: no Qt, no database (a Mnemosyne-style controller).

A :class:`QuizFlow` holds the slots of one attempt (questions with the choice order
this attempt shows) and its behaviour, and answers the screen's questions: which slot
is current, what may be done now, what a submit gives (feedback? another try? a
hint?), the summary page before submitting an exam, and the score at the end.

It never touches the database: each action returns an event (:class:`ResponseSaved`,
:class:`TrySubmitted`, :class:`FlagChanged`, :class:`AttemptFinished`) that the
services persist as it happens (every response is committed when the student gives
it), and :meth:`QuizFlow.restore` replays stored events to resume an attempt after a
crash or a closed lid.

Navigation is free, as in Moodle's default quiz navigation: the student may move to
any slot in any behaviour; under the deferred behaviours they change answers at will
until they submit all, under immediate feedback and interactive a finished question is
read-only. Flags may be set on any slot while the attempt is open.

Time limit: the deadline is the stored start plus the limit, so closing and reopening
the app does not stop the clock. Actions are refused once the deadline has passed
(the injected clock tells the time); :meth:`QuizFlow.finish` is always allowed and
grades the answers given. An attempt finished after its deadline records the deadline
as its finish time, as Moodle does for attempts submitted automatically.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from quizapp.domain.behaviours import (
    CbmItem,
    CbmSummary,
    Certainty,
    MarkState,
    QuestionMark,
    TryOutcome,
    allows_certainty,
    mark_tries,
    shows_feedback_during_attempt,
    submit_try,
    summarise_cbm,
    tries_allowed,
)
from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import Behaviour, Question, QuestionType
from quizapp.domain.scoring import percent

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime."""

TIMER_WARNINGS_S = (300, 60)
"""Seconds left at which the countdown is announced (5 and 1 minutes)."""


class FlowError(QuizAppError):
    """An action the quiz does not allow now (e.g. changing an answer after time is up)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    """One question of an attempt: ``choice_order`` lists author-order choice indices in
    the order shown; ``max_mark`` its weight in the attempt's total."""

    question: Question
    choice_order: tuple[int, ...]
    max_mark: float = 1.0

    def __post_init__(self) -> None:
        if sorted(self.choice_order) != list(range(len(self.question.choices))):
            raise ValueError(
                f"choice order {self.choice_order} is not a permutation of "
                f"the {len(self.question.choices)} choices of {self.question.id!r}"
            )
        if self.max_mark < 0:
            raise ValueError("max_mark must not be negative")


class SlotStatus(StrEnum):
    """A slot as the summary page and navigation show it (Moodle's wording in comments)."""

    NOT_ANSWERED = "notanswered"  # "Not yet answered"
    ANSWER_SAVED = "answersaved"  # "Answer saved" (deferred: correctness hidden)
    TRY_AGAIN = "tryagain"  # interactive, between tries ("Tries remaining: n")
    CORRECT = "correct"
    PARTIAL = "partial"  # "Partially correct"
    WRONG = "wrong"  # "Incorrect"


_FINAL_STATUS = {
    MarkState.NOT_ANSWERED: SlotStatus.NOT_ANSWERED,
    MarkState.TODO: SlotStatus.ANSWER_SAVED,
    MarkState.CORRECT: SlotStatus.CORRECT,
    MarkState.PARTIAL: SlotStatus.PARTIAL,
    MarkState.WRONG: SlotStatus.WRONG,
}


# --- events -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseSaved:
    """The student changed their answer to slot ``slot`` (0-based): persist it.

    ``selection`` is author-order choice indices, sorted (empty: answer cleared);
    ``certainty`` the certainty stated with it (CBM only, else ``None``).
    """

    slot: int
    selection: tuple[int, ...]
    certainty: int | None


@dataclass(frozen=True)
class TrySubmitted:
    """The student submitted a try (immediate feedback or interactive): persist it.

    ``selection`` sorted author-order indices; ``outcome`` what the screen shows next.
    """

    slot: int
    selection: tuple[int, ...]
    outcome: TryOutcome


@dataclass(frozen=True)
class FlagChanged:
    """The student flagged (or unflagged) slot ``slot``."""

    slot: int
    flagged: bool


@dataclass(frozen=True)
class Score:
    """An attempt's total.

    ``marks`` = Σ fraction × max mark (under CBM the CBM marks, −6..3 per unit of weight);
    ``max_marks`` = Σ max marks; ``percent`` whole-number percent of ``max_marks``,
    rounded half up (under CBM relative to all right at low certainty, as Moodle: it may
    reach 300 or go below 0); ``answered`` slots with a graded response out of ``total``;
    ``cbm`` the CBM summary (average CBM mark, accuracy...) under ``deferredcbm``.
    """

    marks: float
    max_marks: float
    percent: int
    answered: int
    total: int
    cbm: CbmSummary | None = None


@dataclass(frozen=True)
class AttemptFinished:
    """The attempt was submitted: persist the marks and the finish time.

    ``finished_at`` is UTC (the deadline when it was submitted after it); ``expired``
    when time was up; ``marks`` one :class:`QuestionMark` per slot, in slot order.
    """

    finished_at: datetime
    expired: bool
    marks: tuple[QuestionMark, ...]
    score: Score


Event = ResponseSaved | TrySubmitted | FlagChanged | AttemptFinished


@dataclass(frozen=True)
class SlotState:
    """What the screen needs about one slot now.

    ``selection`` the current answer (sorted author-order indices); ``tries`` the
    outcomes of submitted tries; ``can_answer`` whether the answer may be changed now;
    ``awaiting_try_again`` between an interactive try and "Try again";
    ``show_feedback`` whether feedback may be shown (never before the end under the
    deferred behaviours).
    """

    slot: int
    status: SlotStatus
    selection: tuple[int, ...]
    certainty: int | None
    flagged: bool
    tries: tuple[TryOutcome, ...]
    tries_left: int
    finished: bool
    awaiting_try_again: bool
    can_answer: bool
    show_feedback: bool


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary page: slot (0-based), number shown (1-based), status, flag."""

    slot: int
    number: int
    status: SlotStatus
    flagged: bool


@dataclass(frozen=True)
class SummaryPage:
    """The page before "Submit all and finish": every slot, and which are answered,
    unanswered and flagged (0-based slot numbers)."""

    rows: tuple[SummaryRow, ...]
    answered: tuple[int, ...]
    unanswered: tuple[int, ...]
    flagged: tuple[int, ...]


class _SlotData:
    __slots__ = ("certainty", "finished", "flagged", "selection", "tries", "try_again")

    def __init__(self) -> None:
        self.selection: tuple[int, ...] = ()
        self.certainty: int | None = None
        self.flagged = False
        self.tries: list[tuple[tuple[int, ...], TryOutcome]] = []
        self.finished = False
        self.try_again = False


class QuizFlow:
    """One attempt being taken.

    ``slots`` in shown order; ``started_at`` the stored start (aware); ``time_limit``
    ``None`` for an untimed quiz; ``clock`` gives the current time (injected in tests).
    Raises ``ValueError`` for no slots, a naive start or a non-positive limit.
    """

    def __init__(
        self,
        slots: Sequence[Slot],
        behaviour: Behaviour,
        *,
        started_at: datetime,
        time_limit: timedelta | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        if not slots:
            raise ValueError("a quiz needs at least one slot")
        if time_limit is not None and time_limit <= timedelta(0):
            raise ValueError("time_limit must be positive")
        self.slots: tuple[Slot, ...] = tuple(slots)
        self.behaviour = behaviour
        self.started_at = _aware(started_at, "started_at")
        self.time_limit = time_limit
        self._clock = clock
        self._data = [_SlotData() for _ in self.slots]
        self._current = 0
        self._finished: AttemptFinished | None = None

    # --- time -----------------------------------------------------------------------

    @property
    def deadline(self) -> datetime | None:
        """``started_at + time_limit`` (UTC), or ``None`` when untimed."""
        if self.time_limit is None:
            return None
        return self.started_at + self.time_limit

    def _now(self, now: datetime | None) -> datetime:
        return _aware(now if now is not None else self._clock(), "now")

    def is_expired(self, now: datetime | None = None) -> bool:
        """True when the deadline has been reached at ``now`` (default: the clock)."""
        deadline = self.deadline
        return deadline is not None and self._now(now) >= deadline

    def seconds_left(self, now: datetime | None = None) -> float | None:
        """Seconds until the deadline (0 once passed), or ``None`` when untimed."""
        deadline = self.deadline
        if deadline is None:
            return None
        return max(0.0, (deadline - self._now(now)).total_seconds())

    def warning_crossed(self, before: datetime, now: datetime) -> int | None:
        """The countdown announcement due between two ticks: the smallest threshold of
        :data:`TIMER_WARNINGS_S` (seconds left) crossed after ``before`` and by ``now``,
        or ``None``. Lets the screen announce "5 minutes left" once, whatever its tick rate.
        """
        left_before = self.seconds_left(before)
        left_now = self.seconds_left(now)
        if left_before is None or left_now is None:
            return None
        crossed = [t for t in TIMER_WARNINGS_S if left_now <= t < left_before]
        return min(crossed) if crossed else None

    # --- state ----------------------------------------------------------------------

    @property
    def current(self) -> int:
        """The slot on screen (0-based)."""
        return self._current

    @property
    def finished(self) -> AttemptFinished | None:
        """The result once the attempt was submitted, else ``None``."""
        return self._finished

    def state(self, slot: int | None = None) -> SlotState:
        """The state of ``slot`` (default: the current one)."""
        index = self._current if slot is None else self._check_slot(slot)
        data = self._data[index]
        allowed = tries_allowed(self.slots[index].question, self.behaviour)
        open_ = self._finished is None and not self.is_expired()
        deferred = not shows_feedback_during_attempt(self.behaviour)
        return SlotState(
            slot=index,
            status=self._status(index),
            selection=data.selection,
            certainty=data.certainty,
            flagged=data.flagged,
            tries=tuple(outcome for _, outcome in data.tries),
            tries_left=0 if data.finished else allowed - len(data.tries),
            finished=data.finished or self._finished is not None,
            awaiting_try_again=data.try_again,
            can_answer=open_ and not data.finished and not data.try_again,
            show_feedback=self._finished is not None or (not deferred and bool(data.tries)),
        )

    def _status(self, index: int) -> SlotStatus:
        if self._finished is not None:
            return _FINAL_STATUS[self._finished.marks[index].state]
        data = self._data[index]
        if data.finished and data.tries:
            outcome = data.tries[-1][1]
            if outcome.correct:
                return SlotStatus.CORRECT
            return SlotStatus.PARTIAL if outcome.raw_fraction > 0 else SlotStatus.WRONG
        if data.tries:
            return SlotStatus.TRY_AGAIN
        if data.selection:
            return SlotStatus.ANSWER_SAVED
        return SlotStatus.NOT_ANSWERED

    def _is_answered(self, index: int) -> bool:
        data = self._data[index]
        return bool(data.tries) or bool(data.selection)

    def _check_slot(self, slot: int) -> int:
        if not 0 <= slot < len(self.slots):
            raise FlowError(f"there is no question {slot + 1} in this quiz")
        return slot

    def _check_open(self) -> None:
        if self._finished is not None:
            raise FlowError("this attempt has been submitted")
        if self.is_expired():
            raise FlowError("time is up: the answers given so far will be submitted")

    # --- navigation -----------------------------------------------------------------

    def go_to(self, slot: int) -> int:
        """Show slot ``slot`` (0-based); returns it. Raises :class:`FlowError` when out of range."""
        self._current = self._check_slot(slot)
        return self._current

    def next(self) -> int:
        """Move to the next slot; returns it. Raises :class:`FlowError` on the last one."""
        return self.go_to(self._current + 1)

    def previous(self) -> int:
        """Move to the previous slot; returns it. Raises :class:`FlowError` on the first one."""
        return self.go_to(self._current - 1)

    @property
    def is_last(self) -> bool:
        """True on the last slot (the screen then offers "Finish attempt…")."""
        return self._current == len(self.slots) - 1

    # --- answering ------------------------------------------------------------------

    def select(self, choices: Collection[int], slot: int | None = None) -> ResponseSaved:
        """Set the answer of ``slot`` (default: current) to ``choices`` (author-order indices).

        A single-answer or true/false question takes at most one choice. Raises
        :class:`FlowError` when the answer cannot change now (time up, submitted,
        question finished, or waiting for "Try again"), ``ValueError`` for bad indices.
        """
        self._check_open()
        index = self._current if slot is None else self._check_slot(slot)
        data = self._data[index]
        question = self.slots[index].question
        if data.finished:
            raise FlowError("this question is finished")
        if data.try_again:
            raise FlowError('press "Try again" before changing the answer')
        selection = tuple(sorted(set(choices)))
        for i in selection:
            if not 0 <= i < len(question.choices):
                raise ValueError(f"choice index {i} out of range")
        if question.type is not QuestionType.MULTIPLE and len(selection) > 1:
            raise ValueError("this question takes one answer")
        data.selection = selection
        return ResponseSaved(index, selection, data.certainty)

    def set_certainty(self, certainty: int, slot: int | None = None) -> ResponseSaved:
        """State how sure the student is of the answer to ``slot`` (CBM: 1, 2 or 3)."""
        self._check_open()
        if not allows_certainty(self.behaviour):
            raise FlowError("this quiz does not ask how sure you are")
        if certainty not in tuple(Certainty):
            raise ValueError(f"certainty must be 1, 2 or 3, not {certainty!r}")
        index = self._current if slot is None else self._check_slot(slot)
        data = self._data[index]
        data.certainty = int(certainty)
        return ResponseSaved(index, data.selection, data.certainty)

    def submit(self) -> TrySubmitted:
        """Check the current slot's answer (immediate feedback and interactive).

        Returns the try and its outcome: feedback to show, whether another try is
        allowed and the hint for it. Raises :class:`FlowError` under the deferred
        behaviours (answers are only checked at the end), with nothing selected, or
        when the question cannot be answered now.
        """
        self._check_open()
        if not shows_feedback_during_attempt(self.behaviour):
            raise FlowError("answers are checked when the whole attempt is submitted")
        index = self._current
        data = self._data[index]
        if data.finished:
            raise FlowError("this question is finished")
        if data.try_again:
            raise FlowError('press "Try again" first')
        if not data.selection:
            raise FlowError("please select an answer")
        question = self.slots[index].question
        previous = [selection for selection, _ in data.tries]
        outcome = submit_try(question, previous, data.selection, self.behaviour)
        data.tries.append((data.selection, outcome))
        data.finished = outcome.finished
        data.try_again = not outcome.finished
        return TrySubmitted(index, data.selection, outcome)

    def try_again(self) -> SlotState:
        """Leave the feedback of a wrong interactive try and answer again (the previous
        answer stays selected, as Moodle keeps it). Raises :class:`FlowError` when not
        waiting for it."""
        self._check_open()
        data = self._data[self._current]
        if not data.try_again:
            raise FlowError("there is no try to repeat")
        data.try_again = False
        return self.state()

    def set_flag(self, flagged: bool, slot: int | None = None) -> FlagChanged:
        """Flag (or unflag) ``slot`` (default: current) to come back to it."""
        if self._finished is not None:
            raise FlowError("this attempt has been submitted")
        index = self._current if slot is None else self._check_slot(slot)
        self._data[index].flagged = bool(flagged)
        return FlagChanged(index, bool(flagged))

    def toggle_flag(self, slot: int | None = None) -> FlagChanged:
        """Flip the flag of ``slot`` (default: current)."""
        index = self._current if slot is None else self._check_slot(slot)
        return self.set_flag(not self._data[index].flagged, index)

    # --- summary and finish ---------------------------------------------------------

    def summary(self) -> SummaryPage:
        """The summary page: every slot's status and flag, and the answered, unanswered
        and flagged slots (an interactive question between tries counts as answered)."""
        rows = tuple(
            SummaryRow(i, i + 1, self._status(i), self._data[i].flagged)
            for i in range(len(self.slots))
        )
        answered = tuple(i for i in range(len(self.slots)) if self._is_answered(i))
        unanswered = tuple(i for i in range(len(self.slots)) if not self._is_answered(i))
        flagged = tuple(i for i in range(len(self.slots)) if self._data[i].flagged)
        return SummaryPage(rows, answered, unanswered, flagged)

    def marks(self, *, finished: bool = False) -> tuple[QuestionMark, ...]:
        """Each slot's mark now (``finished``: as if the attempt were submitted now)."""
        out = []
        for slot, data in zip(self.slots, self._data, strict=True):
            if shows_feedback_during_attempt(self.behaviour):
                mark = mark_tries(
                    slot.question,
                    [selection for selection, _ in data.tries],
                    self.behaviour,
                    finished=finished,
                    pending=None if data.finished else data.selection,
                )
            else:
                mark = mark_tries(
                    slot.question,
                    [data.selection] if data.selection else [],
                    self.behaviour,
                    certainty=data.certainty,
                    finished=finished,
                )
            out.append(mark)
        return tuple(out)

    def finish(self, now: datetime | None = None) -> AttemptFinished:
        """Submit all and finish: grade every slot with the answers given.

        Allowed after the deadline (the attempt is then submitted automatically with
        ``finished_at`` = deadline). Raises :class:`FlowError` when already submitted.
        """
        if self._finished is not None:
            raise FlowError("this attempt has already been submitted")
        moment = self._now(now)
        deadline = self.deadline
        expired = deadline is not None and moment >= deadline
        finished_at = deadline if expired and deadline is not None else moment
        marks = self.marks(finished=True)
        for data in self._data:
            data.finished = True
            data.try_again = False
        self._finished = AttemptFinished(finished_at, expired, marks, self._score(marks))
        return self._finished

    def _score(self, marks: Sequence[QuestionMark]) -> Score:
        weights = [slot.max_mark for slot in self.slots]
        total = sum(m.fraction * w for m, w in zip(marks, weights, strict=True))
        max_marks = sum(weights)
        cbm = None
        if self.behaviour is Behaviour.DEFERRED_CBM:
            cbm = summarise_cbm(
                CbmItem(m.raw_fraction if m.answered else None, m.certainty, w)
                for m, w in zip(marks, weights, strict=True)
            )
        answered = sum(1 for m in marks if m.answered)
        return Score(total, max_marks, percent(total, max_marks), answered, len(marks), cbm)

    # --- resuming -------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        slots: Sequence[Slot],
        behaviour: Behaviour,
        events: Iterable[ResponseSaved | TrySubmitted | FlagChanged],
        *,
        started_at: datetime,
        time_limit: timedelta | None = None,
        clock: Clock = _utc_now,
        current: int | None = None,
    ) -> QuizFlow:
        """Rebuild an attempt from its stored events, in the order they happened.

        Events are re-applied without the time check (they were accepted when given),
        so an attempt found expired on reopening keeps its answers and can be
        finished. ``current`` is the slot to show (default: the first unfinished and
        unanswered one, else the last). Raises :class:`FlowError` or ``ValueError``
        when the events do not fit the slots.
        """
        flow = cls(slots, behaviour, started_at=started_at, time_limit=time_limit, clock=clock)
        flow._clock = lambda: flow.started_at  # replay as of the start: never expired
        try:
            for event in events:
                flow._replay(event)
        finally:
            flow._clock = clock
        if current is None:
            pending = [i for i in range(len(slots)) if not flow._is_answered(i)]
            current = pending[0] if pending else len(slots) - 1
        flow.go_to(current)
        return flow

    def _replay(self, event: ResponseSaved | TrySubmitted | FlagChanged) -> None:
        if isinstance(event, FlagChanged):
            self.set_flag(event.flagged, event.slot)
        elif isinstance(event, ResponseSaved):
            data = self._data[self._check_slot(event.slot)]
            data.try_again = False  # a saved answer after a try means "Try again" was pressed
            if not data.finished:
                self.select(event.selection, event.slot)
            if event.certainty is not None:
                self.set_certainty(event.certainty, event.slot)
        else:
            self.go_to(event.slot)
            self._data[event.slot].try_again = False
            self.select(event.selection)
            self.submit()
