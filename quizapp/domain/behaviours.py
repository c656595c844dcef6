"""Marking per question behaviour, as Moodle's question engine does it.

Pure functions and frozen dataclasses over :mod:`quizapp.domain.model`; no Qt, no
database. A *selection* is a collection of choice indices in the author's order (what
a response records); its raw fraction is :func:`quizapp.domain.scoring.mark_response`.

Sources (Moodle ``question/behaviour/*/behaviour.php`` and ``question/engine``):

* ``immediatefeedback``: one submit per question, then it is finished and graded:
  fraction = raw fraction of that response. Finishing the attempt without a submit
  grades the last saved response.
* ``deferredfeedback``: responses are only saved; at the end of the attempt the last
  saved response is graded: fraction = its raw fraction. No response: "gave up", 0.
* ``interactive`` (``qbehaviour_interactive``): tries = number of hints + 1 (in
  Moodle); quizapp gives 3 tries to a question without hints (issue 5). A response
  that is not fully right uses up a try while tries are left; the question finishes
  when a try is fully right, or on the last try, or when the attempt is finished.
  Then ``adjust_fraction``: ``max(0, raw − penalty × (tries used before this one))``
  (``$fraction -= ($totaltries - $triesleft) * $this->question->penalty``), the
  fraction of *that* try, not the best one. Partially right tries count as used tries.
  After a used try the student sees hint number ``wrong tries`` (1-based) and the
  feedback of the choices they picked. The penalty is Moodle's default for a
  multiple-choice question, 0.3333333 (a third of the marks); Moodle's true/false
  question type fixes its penalty at 1 (``qtype_truefalse`` edit form: "Fix penalty
  factor at 1"), so a true/false question earns marks only at the first try.
* ``deferredcbm`` (``question_cbm::adjust_fraction``): certainty 1/2/3 (low, medium,
  high); a raw fraction ≤ 0.00000005 (``question_utils::MARK_TOLERANCE``) scores the
  wrong mark 0/−2/−6, otherwise ``raw × 1/2/3`` (so a half-right answer at high
  certainty scores 1.5). No certainty given: low is assumed (``default_certainty``).
  The attempt summary (``qbehaviour_deferredcbm_type::summarise_usage``) shows the
  *average CBM mark* (sum of CBM marks / sum of question max marks) and the
  *accuracy* (sum of raw marks / sum of max marks), the CB bonus
  ``0.1 × (average − best expected CBM mark for that accuracy)`` and accuracy + bonus.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from quizapp.domain.model import Behaviour, Question, QuestionType
from quizapp.domain.scoring import is_fully_correct, mark_response

Selection = Collection[int]
"""Choice indices (author order) picked in one response."""

DEFAULT_PENALTY = 0.3333333
"""Moodle's default penalty per used try for a multiple-choice question (a third)."""

TRUE_FALSE_PENALTY = 1.0
"""Moodle fixes the penalty of a true/false question at 1: only the first try earns marks."""

TRIES_WITHOUT_HINTS = 3
"""Tries of an interactive question that has no hints (quizapp's rule, issue 5)."""

MARK_TOLERANCE = 0.00000005
"""Moodle's ``question_utils::MARK_TOLERANCE``: a raw fraction at or below it is wrong (CBM)."""

FRACTION_DIGITS = 7
"""Moodle stores fractions as NUMBER(12,7); adjusted fractions are rounded to 7 decimals."""


class Certainty(IntEnum):
    """How sure the student is, in certainty-based marking (Moodle's ``question_cbm``)."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


CBM_RIGHT: dict[int, float] = {Certainty.LOW: 1.0, Certainty.MEDIUM: 2.0, Certainty.HIGH: 3.0}
"""CBM mark of a fully right answer, per certainty (a partly right one scales it)."""

CBM_WRONG: dict[int, float] = {Certainty.LOW: 0.0, Certainty.MEDIUM: -2.0, Certainty.HIGH: -6.0}
"""CBM mark of a wrong answer, per certainty."""

CBM_OPTIMAL_RANGE: dict[int, tuple[float, float]] = {
    Certainty.LOW: (0.0, 0.666666666666667),
    Certainty.MEDIUM: (0.666666666666667, 0.8),
    Certainty.HIGH: (0.8, 1.0),
}
"""Probability of being right for which each certainty is the best choice (Moodle)."""


class MarkState(StrEnum):
    """Where a question stands: ``todo`` while it may still be answered or tried again."""

    NOT_ANSWERED = "notanswered"
    TODO = "todo"
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"


@dataclass(frozen=True)
class TryOutcome:
    """What happens after one submitted try (immediate feedback or interactive).

    ``try_number`` is 1-based; ``raw_fraction`` the try's own mark in [0, 1];
    ``finished`` when the question takes no more tries (then ``fraction`` is its final
    mark, penalties deducted; ``None`` otherwise); ``try_again`` is ``not finished``;
    ``hint`` the hint to show before the next try (``None`` when there is none);
    ``choice_feedback`` the feedback of each picked choice that has some, in author
    order; ``show_answer`` whether the right answer and explanation may be shown now.
    """

    try_number: int
    raw_fraction: float
    correct: bool
    finished: bool
    tries_left: int
    fraction: float | None
    hint: str | None
    choice_feedback: tuple[str, ...]
    show_answer: bool

    @property
    def try_again(self) -> bool:
        """True when the student gets another try."""
        return not self.finished


@dataclass(frozen=True)
class QuestionMark:
    """A question's mark under a behaviour.

    ``fraction`` is the mark as a fraction of the question's max mark: in [0, 1], or in
    [−6, 3] under CBM; for an unfinished question it is what it would get if the attempt
    were finished now. ``raw_fraction`` is the graded response's own mark in [0, 1]
    (0 when nothing was answered); ``penalty`` the interactive deduction
    (penalty × tries used before the graded one; 0 elsewhere); ``answered`` whether a
    response was graded; ``next_hint`` the hint to show now (interactive, between tries);
    ``certainty`` the certainty used (CBM; ``certainty_assumed`` when none was given).
    """

    fraction: float
    raw_fraction: float
    penalty: float
    finished: bool
    state: MarkState
    answered: bool
    tries_used: int
    tries_left: int
    next_hint: str | None = None
    certainty: int | None = None
    certainty_assumed: bool = False


def shows_feedback_during_attempt(behaviour: Behaviour) -> bool:
    """True for behaviours that give feedback before the attempt ends (practice modes)."""
    return behaviour in (Behaviour.IMMEDIATE_FEEDBACK, Behaviour.INTERACTIVE)


def allows_certainty(behaviour: Behaviour) -> bool:
    """True when the student states a certainty with each answer (``deferredcbm``)."""
    return behaviour is Behaviour.DEFERRED_CBM


def penalty_for(question: Question) -> float:
    """Fraction of the marks each used try costs in interactive mode.

    1 for true/false (Moodle fixes it there), else :data:`DEFAULT_PENALTY` (a third).
    """
    if question.type is QuestionType.TRUE_FALSE:
        return TRUE_FALSE_PENALTY
    return DEFAULT_PENALTY


def tries_allowed(question: Question, behaviour: Behaviour) -> int:
    """How many tries a question gets: interactive hints + 1 (3 with no hints), else 1."""
    if behaviour is Behaviour.INTERACTIVE:
        return len(question.hints) + 1 if question.hints else TRIES_WITHOUT_HINTS
    return 1


def hint_after(question: Question, used_tries: int) -> str | None:
    """The hint shown after ``used_tries`` (≥ 1) tries that were not fully right.

    Hint number ``used_tries`` (Moodle's ``get_applicable_hint``), or ``None`` when the
    question has no hint for that try.
    """
    if used_tries < 1 or used_tries > len(question.hints):
        return None
    return question.hints[used_tries - 1]


def adjusted_fraction(raw_fraction: float, used_tries_before: int, penalty: float) -> float:
    """Moodle's interactive ``adjust_fraction``: ``max(0, raw − penalty × used tries before)``.

    Rounded to 7 decimals as Moodle stores fractions (so 1 − 2 × 0.3333333 is 0.3333334).
    """
    value = raw_fraction - penalty * used_tries_before
    return round(max(0.0, value), FRACTION_DIGITS)


def cbm_mark(fraction: float, certainty: int) -> float:
    """CBM mark of a raw fraction at a certainty (Moodle's ``question_cbm::adjust_fraction``).

    ``fraction`` ≤ 0.00000005 scores 0/−2/−6 for certainty 1/2/3; otherwise
    ``fraction × 1/2/3``. Raises ``ValueError`` for a certainty other than 1, 2 or 3.
    """
    if certainty not in CBM_RIGHT:
        raise ValueError(f"certainty must be 1, 2 or 3, not {certainty!r}")
    if fraction <= MARK_TOLERANCE:
        return CBM_WRONG[certainty]
    return CBM_RIGHT[certainty] * fraction


def choice_feedback(question: Question, selection: Selection) -> tuple[str, ...]:
    """Feedback of each picked choice that has some, in author order."""
    return tuple(
        question.choices[i].feedback for i in sorted(set(selection)) if question.choices[i].feedback
    )


def _state_of(raw: float) -> MarkState:
    if is_fully_correct(raw):
        return MarkState.CORRECT
    if raw > MARK_TOLERANCE:
        return MarkState.PARTIAL
    return MarkState.WRONG


def _check_try(question: Question, selection: Selection) -> float:
    if not selection:
        raise ValueError("a submitted try must select at least one choice")
    return mark_response(question, selection)


def submit_try(
    question: Question,
    previous_tries: Sequence[Selection],
    selection: Selection,
    behaviour: Behaviour,
) -> TryOutcome:
    """The outcome of submitting ``selection`` after ``previous_tries`` (all not fully right).

    For ``immediatefeedback`` (one try, no penalty) and ``interactive``. Raises
    ``ValueError`` for an empty selection, for a try after the question finished, or
    for a deferred behaviour (those only save responses).
    """
    if behaviour not in (Behaviour.IMMEDIATE_FEEDBACK, Behaviour.INTERACTIVE):
        raise ValueError(f"{behaviour.value} does not take submitted tries")
    allowed = tries_allowed(question, behaviour)
    used = len(previous_tries)
    for earlier in previous_tries:
        if is_fully_correct(_check_try(question, earlier)):
            raise ValueError("the question was already answered right")
    if used >= allowed:
        raise ValueError(f"no tries left (allowed {allowed})")
    raw = _check_try(question, selection)
    correct = is_fully_correct(raw)
    number = used + 1
    finished = correct or number >= allowed
    penalty = penalty_for(question) if behaviour is Behaviour.INTERACTIVE else 0.0
    fraction = adjusted_fraction(raw, used, penalty) if finished else None
    return TryOutcome(
        try_number=number,
        raw_fraction=raw,
        correct=correct,
        finished=finished,
        tries_left=0 if finished else allowed - number,
        fraction=fraction,
        hint=None if finished else hint_after(question, number),
        choice_feedback=choice_feedback(question, selection),
        show_answer=finished,
    )


def mark_tries(
    question: Question,
    tries: Sequence[Selection],
    behaviour: Behaviour,
    *,
    certainty: int | None = None,
    finished: bool = False,
    pending: Selection | None = None,
) -> QuestionMark:
    """A question's mark under ``behaviour``.

    ``tries``: for ``immediatefeedback``/``interactive`` the submitted tries in order
    (each non-empty; nothing after a fully right or the last allowed try); for
    ``deferredfeedback``/``deferredcbm`` the saved responses in order, the last of which
    counts (an empty one means the answer was cleared). ``certainty`` is the last stated
    certainty (CBM only). ``finished`` is true once the attempt was submitted: a question
    still open is then graded on its last response (``pending``, a selection saved after
    the last try and not submitted, if given) with the penalties of the tries used.
    Raises ``ValueError`` for tries the behaviour does not allow.
    """
    if behaviour in (Behaviour.DEFERRED_FEEDBACK, Behaviour.DEFERRED_CBM):
        return _mark_deferred(question, tries, behaviour, certainty, finished)
    return _mark_with_tries(question, tries, behaviour, finished, pending)


def _mark_deferred(
    question: Question,
    tries: Sequence[Selection],
    behaviour: Behaviour,
    certainty: int | None,
    finished: bool,
) -> QuestionMark:
    last = tries[-1] if tries else ()
    answered = bool(last)
    raw = mark_response(question, last) if answered else 0.0
    cbm = behaviour is Behaviour.DEFERRED_CBM
    if certainty is not None and not cbm:
        raise ValueError("a certainty is only given under deferredcbm")
    if certainty is not None and certainty not in CBM_RIGHT:
        raise ValueError(f"certainty must be 1, 2 or 3, not {certainty!r}")
    assumed = cbm and certainty is None
    used_certainty = (certainty or Certainty.LOW) if cbm else None
    if cbm and answered and used_certainty is not None:
        fraction = cbm_mark(raw, used_certainty)
    else:
        fraction = raw
    if not answered:
        state = MarkState.NOT_ANSWERED
    elif not finished:
        state = MarkState.TODO
    else:
        state = _state_of(raw)
    return QuestionMark(
        fraction=fraction,
        raw_fraction=raw,
        penalty=0.0,
        finished=finished,
        state=state,
        answered=answered,
        tries_used=0,
        tries_left=0 if finished else 1,
        certainty=used_certainty,
        certainty_assumed=assumed,
    )


def _mark_with_tries(
    question: Question,
    tries: Sequence[Selection],
    behaviour: Behaviour,
    attempt_finished: bool,
    pending: Selection | None,
) -> QuestionMark:
    allowed = tries_allowed(question, behaviour)
    if len(tries) > allowed:
        raise ValueError(f"{len(tries)} tries given, {allowed} allowed")
    penalty_each = penalty_for(question) if behaviour is Behaviour.INTERACTIVE else 0.0
    outcome: TryOutcome | None = None
    for i, selection in enumerate(tries):
        outcome = submit_try(question, tries[:i], selection, behaviour)
    if outcome is not None and outcome.finished:
        assert outcome.fraction is not None
        used_before = outcome.try_number - 1
        return QuestionMark(
            fraction=outcome.fraction,
            raw_fraction=outcome.raw_fraction,
            penalty=round(penalty_each * used_before, FRACTION_DIGITS),
            finished=True,
            state=_state_of(outcome.raw_fraction),
            answered=True,
            tries_used=outcome.try_number,
            tries_left=0,
        )
    used = len(tries)
    # Still open: what it gets when the attempt is finished now (Moodle's
    # process_finish grades the last response with the penalties of the used tries).
    last: Selection = pending if pending else (tries[-1] if tries else ())
    answered = bool(last)
    raw = mark_response(question, last) if answered else 0.0
    penalty = round(penalty_each * used, FRACTION_DIGITS)
    fraction = adjusted_fraction(raw, used, penalty_each) if answered else 0.0
    if attempt_finished:
        state = _state_of(raw) if answered else MarkState.NOT_ANSWERED
    else:
        state = MarkState.TODO if used or answered else MarkState.NOT_ANSWERED
    return QuestionMark(
        fraction=fraction,
        raw_fraction=raw,
        penalty=penalty if answered else 0.0,
        finished=attempt_finished,
        state=state,
        answered=answered,
        tries_used=used,
        tries_left=0 if attempt_finished else allowed - used,
        next_hint=None if attempt_finished else hint_after(question, used),
    )


# --- Certainty-based marking: the attempt summary ---------------------------------


@dataclass(frozen=True)
class CbmItem:
    """One question of a CBM attempt: ``raw_fraction`` ``None`` when not answered;
    ``certainty`` ``None`` when none was stated (low is assumed); ``max_mark`` its weight."""

    raw_fraction: float | None
    certainty: int | None
    max_mark: float = 1.0


@dataclass(frozen=True)
class CbmFigures:
    """CBM results over ``questions`` questions (of total weight ``weight``).

    ``average_cbm``: sum of CBM marks / total weight, in [−6, 3] ("Average CBM mark");
    ``accuracy``: sum of raw marks / total weight, 0–1; ``bonus``: the CB bonus
    (a fraction, may be negative); ``accuracy_with_bonus`` = accuracy + bonus ("CB Accuracy").
    """

    questions: int
    weight: float
    average_cbm: float
    accuracy: float
    bonus: float
    accuracy_with_bonus: float


@dataclass(frozen=True)
class CertaintyBreakdown:
    """Answers given at one certainty: how many, their accuracy (0–1, ``None`` when none),
    the optimal accuracy range for that certainty and Moodle's judgement: ``ok``,
    ``overconfident``, ``slightlyoverconfident``, ``underconfident``,
    ``slightlyunderconfident``, or ``noquestions``."""

    certainty: int
    responses: int
    accuracy: float | None
    optimal_low: float
    optimal_high: float
    judgement: str


@dataclass(frozen=True)
class CbmSummary:
    """What a CBM attempt's results show, as Moodle does: figures for the whole quiz;
    figures for just the answered questions when some were left unanswered (else
    ``None``); a break-down per certainty, high first."""

    whole: CbmFigures
    answered: CbmFigures | None
    by_certainty: tuple[CertaintyBreakdown, ...]


def cbm_bonus(average_cbm: float, accuracy: float) -> float:
    """Moodle's CB bonus: ``0.1 × (average CBM − best expected CBM mark at that accuracy)``.

    The expected mark at accuracy ``a`` and certainty ``c`` is
    ``a × right(c) + (1 − a) × wrong(c)``; the best over the three certainties is used.
    """
    expected = max(
        accuracy * cbm_mark(1.0, c) + (1.0 - accuracy) * cbm_mark(0.0, c) for c in Certainty
    )
    return 0.1 * (average_cbm - expected)


def _figures(items: Sequence[CbmItem]) -> CbmFigures:
    weight = sum(i.max_mark for i in items)
    raw = sum(i.max_mark * i.raw_fraction for i in items if i.raw_fraction is not None)
    cbm = sum(
        i.max_mark * cbm_mark(i.raw_fraction, i.certainty or Certainty.LOW)
        for i in items
        if i.raw_fraction is not None
    )
    accuracy = raw / weight if weight else 0.0
    average = cbm / weight if weight else 0.0
    bonus = cbm_bonus(average, accuracy)
    return CbmFigures(len(items), weight, average, accuracy, bonus, accuracy + bonus)


def _judgement(accuracy: float, low: float, high: float, count: int) -> str:
    # Moodle's rough significance test: squared distance × responses > 0.5.
    if accuracy < low - 0.0000005:
        strong = (accuracy - low) ** 2 * count > 0.5
        return "overconfident" if strong else "slightlyoverconfident"
    if accuracy > high + 0.0000005:
        strong = (accuracy - high) ** 2 * count > 0.5
        return "underconfident" if strong else "slightlyunderconfident"
    return "ok"


def summarise_cbm(items: Iterable[CbmItem]) -> CbmSummary:
    """The CBM results of an attempt (Moodle's ``qbehaviour_deferredcbm_type::summarise_usage``).

    Questions with a max mark of 0 are left out. Unanswered questions weigh in the
    whole-quiz figures with no marks.
    """
    weighted = [i for i in items if i.max_mark >= 0.0000005]
    answered = [i for i in weighted if i.raw_fraction is not None]
    whole = _figures(weighted)
    answered_only = _figures(answered) if answered and len(answered) < len(weighted) else None
    breakdown = []
    for certainty in (Certainty.HIGH, Certainty.MEDIUM, Certainty.LOW):
        at = [i for i in answered if (i.certainty or Certainty.LOW) == certainty]
        low, high = CBM_OPTIMAL_RANGE[certainty]
        if not at:
            breakdown.append(CertaintyBreakdown(int(certainty), 0, None, low, high, "noquestions"))
            continue
        weight = sum(i.max_mark for i in at)
        accuracy = sum(i.max_mark * (i.raw_fraction or 0.0) for i in at) / weight
        judgement = _judgement(accuracy, low, high, len(at))
        breakdown.append(
            CertaintyBreakdown(int(certainty), len(at), accuracy, low, high, judgement)
        )
    return CbmSummary(whole, answered_only, tuple(breakdown))
