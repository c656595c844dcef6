"""Marking tables per question behaviour, computed by hand from Moodle's rules.

Rules (see docs/question-behaviours.md for sources):
* a response's raw fraction is the sum of the chosen choices' fractions clamped to
  [0, 1], full marks from 0.999999 (all-or-nothing: 1 only for exactly the right set);
* immediate and deferred feedback: the mark is the raw fraction of the graded response;
* interactive: a try that is not fully right uses a try; the final mark is
  max(0, raw of the final try − penalty × tries used before it), penalty 0.3333333
  (true/false: 1), rounded to 7 decimals as Moodle stores fractions;
* CBM: raw ≤ 0.00000005 scores 0/−2/−6 at certainty 1/2/3, otherwise raw × 1/2/3.
"""

from __future__ import annotations

import pytest

from quizapp.domain.behaviours import (
    DEFAULT_PENALTY,
    CbmItem,
    Certainty,
    MarkState,
    cbm_bonus,
    cbm_mark,
    hint_after,
    mark_tries,
    penalty_for,
    submit_try,
    summarise_cbm,
    tries_allowed,
)
from quizapp.domain.model import Behaviour, Choice, Question, QuestionType, Scoring
from quizapp.domain.scoring import default_fractions


def _question(
    qid: str,
    qtype: QuestionType,
    correct: list[bool],
    *,
    scoring: Scoring = Scoring.PARTIAL,
    hints: tuple[str, ...] = (),
    fractions: tuple[float, ...] | None = None,
) -> Question:
    fr = fractions if fractions is not None else default_fractions(qtype, correct)
    choices = tuple(
        Choice(text=f"choice {i}", fraction=f, feedback=f"feedback {i}") for i, f in enumerate(fr)
    )
    return Question(
        id=qid,
        lesson_id="l1",
        type=qtype,
        prompt=f"prompt {qid}",
        choices=choices,
        hints=hints,
        scoring=scoring,
    )


# One right choice (index 0) of four; no hints, so interactive gives 3 tries.
SINGLE = _question("single", QuestionType.SINGLE, [True, False, False, False])
# Same with one hint: interactive gives len(hints) + 1 = 2 tries.
SINGLE_HINT = _question(
    "single_hint", QuestionType.SINGLE, [True, False, False, False], hints=("Think of 1945.",)
)
# Two right (0, 1) of four: default fractions +0.5, +0.5, -0.5, -0.5.
MULTI = _question("multi", QuestionType.MULTIPLE, [True, True, False, False])
# The same, all-or-nothing.
MULTI_AON = _question(
    "multi_aon", QuestionType.MULTIPLE, [True, True, False, False], scoring=Scoring.ALL_OR_NOTHING
)
# Three right weighted 33.33333% each (as typed in Moodle), two wrong at -50%.
MULTI_THIRDS = _question(
    "thirds",
    QuestionType.MULTIPLE,
    [],
    fractions=(0.3333333, 0.3333333, 0.3333333, -0.5, -0.5),
)
# True (index 0) is right.
TF = _question("tf", QuestionType.TRUE_FALSE, [True, False])


def test_default_fractions_used_by_the_tables() -> None:
    assert [c.fraction for c in MULTI.choices] == [0.5, 0.5, -0.5, -0.5]
    assert [c.fraction for c in TF.choices] == [1.0, 0.0]


# --- immediate and deferred feedback: the mark of the (last) response --------------

SINGLE_RESPONSE_TABLE = [
    # question, response, expected fraction, why
    (SINGLE, {0}, 1.0, "the right choice"),
    (SINGLE, {1}, 0.0, "a wrong choice has fraction 0"),
    (MULTI, {0, 1}, 1.0, "0.5 + 0.5"),
    (MULTI, {0}, 0.5, "one of two right choices"),
    (MULTI, {0, 2}, 0.0, "0.5 - 0.5"),
    (MULTI, {0, 1, 2}, 0.5, "0.5 + 0.5 - 0.5"),
    (MULTI, {0, 1, 2, 3}, 0.0, "ticking every box: 0.5 + 0.5 - 0.5 - 0.5 = 0"),
    (MULTI, {2, 3}, 0.0, "-1 clamped to 0"),
    (MULTI_AON, {0, 1}, 1.0, "exactly the right set"),
    (MULTI_AON, {0}, 0.0, "all-or-nothing: half the right set earns nothing"),
    (MULTI_AON, {0, 1, 2}, 0.0, "all-or-nothing: an extra wrong choice earns nothing"),
    (MULTI_AON, {0, 1, 2, 3}, 0.0, "ticking every box earns nothing"),
    (MULTI_THIRDS, {0, 1, 2}, 1.0, "3 x 0.3333333 = 0.9999999 >= 0.999999 is full marks"),
    (MULTI_THIRDS, {0, 1}, 0.6666666, "two thirds"),
    (MULTI_THIRDS, {0, 1, 2, 3, 4}, 0.0, "every box: 0.9999999 - 1 clamped to 0"),
    (TF, {0}, 1.0, "True is right"),
    (TF, {1}, 0.0, "False is wrong"),
]


@pytest.mark.parametrize("behaviour", [Behaviour.IMMEDIATE_FEEDBACK, Behaviour.DEFERRED_FEEDBACK])
@pytest.mark.parametrize(("question", "response", "expected", "why"), SINGLE_RESPONSE_TABLE)
def test_immediate_and_deferred_mark_is_the_response_fraction(
    behaviour: Behaviour, question: Question, response: set[int], expected: float, why: str
) -> None:
    mark = mark_tries(question, [response], behaviour, finished=True)
    assert mark.fraction == pytest.approx(expected, abs=1e-9), why
    assert mark.raw_fraction == pytest.approx(expected, abs=1e-9)
    assert mark.penalty == 0.0
    assert mark.finished
    assert mark.answered


@pytest.mark.parametrize(
    "question", [MULTI, MULTI_THIRDS], ids=["two-right-of-four", "three-right-of-five"]
)
def test_ticking_every_box_does_not_earn_full_marks(question: Question) -> None:
    every_box = set(range(len(question.choices)))
    for behaviour in Behaviour:
        if behaviour is Behaviour.DEFERRED_CBM:
            mark = mark_tries(question, [every_box], behaviour, certainty=1, finished=True)
        else:
            mark = mark_tries(question, [every_box], behaviour, finished=True)
        assert mark.raw_fraction < 1.0
        assert mark.state is not MarkState.CORRECT


DEFERRED_HISTORY_TABLE = [
    # saved responses in order, expected fraction, answered: the last response counts
    ([{1}, {0}], 1.0, True),  # changed from wrong to right
    ([{0}, {1}], 0.0, True),  # changed from right to wrong
    ([{0}, set()], 0.0, False),  # answer cleared: not answered
    ([], 0.0, False),  # never answered
]


@pytest.mark.parametrize(("responses", "expected", "answered"), DEFERRED_HISTORY_TABLE)
def test_deferred_grades_the_last_saved_response(
    responses: list[set[int]], expected: float, answered: bool
) -> None:
    mark = mark_tries(SINGLE, responses, Behaviour.DEFERRED_FEEDBACK, finished=True)
    assert mark.fraction == expected
    assert mark.answered is answered
    if not answered:
        assert mark.state is MarkState.NOT_ANSWERED


def test_deferred_hides_correctness_until_the_attempt_is_finished() -> None:
    mark = mark_tries(SINGLE, [{0}], Behaviour.DEFERRED_FEEDBACK)
    assert not mark.finished
    assert mark.state is MarkState.TODO
    assert mark_tries(SINGLE, [{0}], Behaviour.DEFERRED_FEEDBACK, finished=True).state is (
        MarkState.CORRECT
    )


def test_immediate_feedback_takes_one_try() -> None:
    outcome = submit_try(SINGLE, [], {1}, Behaviour.IMMEDIATE_FEEDBACK)
    assert outcome.finished
    assert not outcome.try_again
    assert outcome.fraction == 0.0
    assert outcome.show_answer
    assert outcome.choice_feedback == ("feedback 1",)
    with pytest.raises(ValueError, match="no tries left"):
        submit_try(SINGLE, [{1}], {0}, Behaviour.IMMEDIATE_FEEDBACK)


# --- interactive with multiple tries -------------------------------------------------

INTERACTIVE_TABLE = [
    # question, tries, expected final fraction, tries used, why (penalty p = 0.3333333)
    (SINGLE, [{0}], 1.0, 1, "right at the first try: no penalty"),
    (SINGLE, [{1}, {0}], 0.6666667, 2, "1 - p"),
    (SINGLE, [{1}, {2}, {0}], 0.3333334, 3, "1 - 2p = 0.3333334"),
    (SINGLE, [{1}, {2}, {3}], 0.0, 3, "three wrong tries: max(0, 0 - 2p) = 0"),
    (SINGLE_HINT, [{1}, {0}], 0.6666667, 2, "one hint: 2 tries; 1 - p"),
    (SINGLE_HINT, [{1}, {2}], 0.0, 2, "one hint: the second try is the last"),
    (MULTI, [{0, 1}], 1.0, 1, "both right choices at once"),
    (MULTI, [{0}, {0, 1}], 0.6666667, 2, "a partly right try (0.5) uses a try: 1 - p"),
    (MULTI, [{2}, {0}, {0, 1}], 0.3333334, 3, "1 - 2p"),
    (MULTI, [{0}, {0}, {0}], 0.0, 3, "partly right at the last try: max(0, 0.5 - 2p) = 0"),
    (MULTI, [{0, 1, 2, 3}, {0, 1}], 0.6666667, 2, "every box (0) then right: 1 - p"),
    (MULTI, [{0, 2}, {0, 1, 2}, {1}], 0.0, 3, "last try 0.5 - 2p < 0: 0"),
    (MULTI_AON, [{0}, {0, 1}], 0.6666667, 2, "all-or-nothing: half right is a wrong try"),
    (MULTI_AON, [{0}, {1}, {0}], 0.0, 3, "never the exact set"),
    (TF, [{0}], 1.0, 1, "true/false right at once"),
    (TF, [{1}, {0}], 0.0, 2, "true/false penalty is 1: max(0, 1 - 1) = 0"),
]


@pytest.mark.parametrize(
    ("question", "tries", "expected", "used", "why"),
    INTERACTIVE_TABLE,
    ids=[f"{row[0].id}-{i}" for i, row in enumerate(INTERACTIVE_TABLE)],
)
def test_interactive_penalties(
    question: Question, tries: list[set[int]], expected: float, used: int, why: str
) -> None:
    mark = mark_tries(question, tries, Behaviour.INTERACTIVE)
    assert mark.finished, why
    assert mark.fraction == pytest.approx(expected, abs=1e-9), why
    assert mark.tries_used == used
    assert mark.tries_left == 0
    assert mark.penalty == pytest.approx(penalty_for(question) * (used - 1), abs=1e-9)


def test_interactive_tries_and_penalties_follow_moodle() -> None:
    assert tries_allowed(SINGLE, Behaviour.INTERACTIVE) == 3  # no hints: 3 (issue 5)
    assert tries_allowed(SINGLE_HINT, Behaviour.INTERACTIVE) == 2  # hints + 1
    assert tries_allowed(SINGLE, Behaviour.DEFERRED_FEEDBACK) == 1
    assert penalty_for(SINGLE) == DEFAULT_PENALTY == 0.3333333
    assert penalty_for(TF) == 1.0


def test_interactive_wrong_try_gives_the_next_hint_and_the_choice_feedback() -> None:
    first = submit_try(SINGLE_HINT, [], {2}, Behaviour.INTERACTIVE)
    assert first.try_again
    assert first.tries_left == 1
    assert first.fraction is None  # not graded until the question finishes
    assert first.hint == "Think of 1945."
    assert first.choice_feedback == ("feedback 2",)
    assert not first.show_answer  # the right answer is not given away between tries
    # Without hints, the chosen choice's feedback is what the student gets.
    no_hint = submit_try(SINGLE, [], {3}, Behaviour.INTERACTIVE)
    assert no_hint.hint is None
    assert no_hint.choice_feedback == ("feedback 3",)
    assert hint_after(SINGLE_HINT, 2) is None


def test_interactive_refuses_tries_after_a_right_one_or_an_empty_try() -> None:
    with pytest.raises(ValueError, match="already answered right"):
        submit_try(SINGLE, [{0}], {0}, Behaviour.INTERACTIVE)
    with pytest.raises(ValueError, match="at least one choice"):
        submit_try(SINGLE, [], set(), Behaviour.INTERACTIVE)
    with pytest.raises(ValueError, match="does not take submitted tries"):
        submit_try(SINGLE, [], {0}, Behaviour.DEFERRED_FEEDBACK)


INTERACTIVE_FINISHED_EARLY_TABLE = [
    # tries, pending (saved, not submitted), expected, why: Moodle's process_finish
    # grades the last response with the penalties of the tries used so far.
    ([], None, 0.0, "never answered: gave up"),
    ([], {0, 1}, 1.0, "right answer saved, no try used"),
    ([{0}], None, 0.1666667, "partly right try (0.5) then time up: 0.5 - p"),
    ([{2}], {0, 1}, 0.6666667, "one used try, right answer saved: 1 - p"),
    ([{2}, {3}], {0, 1}, 0.3333334, "two used tries: 1 - 2p"),
]


@pytest.mark.parametrize(("tries", "pending", "expected", "why"), INTERACTIVE_FINISHED_EARLY_TABLE)
def test_interactive_question_left_open_when_the_attempt_ends(
    tries: list[set[int]], pending: set[int] | None, expected: float, why: str
) -> None:
    open_mark = mark_tries(MULTI, tries, Behaviour.INTERACTIVE, pending=pending)
    assert not open_mark.finished
    mark = mark_tries(MULTI, tries, Behaviour.INTERACTIVE, pending=pending, finished=True)
    assert mark.finished
    assert mark.fraction == pytest.approx(expected, abs=1e-9), why


# --- certainty-based marking -----------------------------------------------------------

CBM_TABLE = [
    # raw fraction, certainty, CBM mark: right 1/2/3, wrong 0/-2/-6, partly right scales
    (1.0, 1, 1.0),
    (1.0, 2, 2.0),
    (1.0, 3, 3.0),
    (0.0, 1, 0.0),
    (0.0, 2, -2.0),
    (0.0, 3, -6.0),
    (0.5, 1, 0.5),  # 0.5 x 1
    (0.5, 2, 1.0),  # 0.5 x 2
    (0.5, 3, 1.5),  # 0.5 x 3 (Moodle's question_cbm_test)
    (0.00000005, 3, -6.0),  # at the tolerance: still wrong
    (0.1, 3, 0.3),  # just above: right x 0.1
]


@pytest.mark.parametrize(("fraction", "certainty", "expected"), CBM_TABLE)
def test_cbm_mark(fraction: float, certainty: int, expected: float) -> None:
    assert cbm_mark(fraction, certainty) == pytest.approx(expected)


def test_cbm_refuses_unknown_certainty() -> None:
    with pytest.raises(ValueError, match="certainty"):
        cbm_mark(1.0, 4)


CBM_QUESTION_TABLE = [
    # question, response, certainty, expected CBM fraction, raw fraction
    (SINGLE, {0}, 3, 3.0, 1.0),
    (SINGLE, {1}, 3, -6.0, 0.0),
    (SINGLE, {1}, 2, -2.0, 0.0),
    (SINGLE, {1}, 1, 0.0, 0.0),
    (MULTI, {0}, 3, 1.5, 0.5),  # half right at high certainty
    (MULTI, {0, 1, 2, 3}, 2, -2.0, 0.0),  # every box is wrong: -2 at medium
    (MULTI_AON, {0}, 2, -2.0, 0.0),  # all-or-nothing half right is wrong
    (TF, {0}, 2, 2.0, 1.0),
    (TF, {1}, 3, -6.0, 0.0),
]


@pytest.mark.parametrize(
    ("question", "response", "certainty", "expected", "raw"), CBM_QUESTION_TABLE
)
def test_deferred_cbm_marks(
    question: Question, response: set[int], certainty: int, expected: float, raw: float
) -> None:
    mark = mark_tries(
        question, [response], Behaviour.DEFERRED_CBM, certainty=certainty, finished=True
    )
    assert mark.fraction == pytest.approx(expected)
    assert mark.raw_fraction == pytest.approx(raw)
    assert mark.certainty == certainty
    assert not mark.certainty_assumed


def test_cbm_without_certainty_assumes_low_and_unanswered_scores_zero() -> None:
    mark = mark_tries(SINGLE, [{1}], Behaviour.DEFERRED_CBM, finished=True)
    assert mark.certainty == Certainty.LOW
    assert mark.certainty_assumed
    assert mark.fraction == 0.0
    # Not answered: Moodle "gave up", no CBM adjustment whatever the certainty.
    blank = mark_tries(SINGLE, [], Behaviour.DEFERRED_CBM, certainty=3, finished=True)
    assert blank.fraction == 0.0
    assert not blank.answered


def test_cbm_summary_as_moodle_test_summarise_usage() -> None:
    # Moodle's behaviourtype_test: three true/false questions answered right at C=3,
    # right at C=2 and wrong at C=2. CBM marks 3 + 2 - 2 = 3 over weight 3: average 1;
    # accuracy 2/3; best expected mark at accuracy 2/3 is max(2/3, 4/3 - 2/3, 2 - 2) = 2/3,
    # so the bonus is 0.1 x (1 - 2/3) = 0.0333.
    summary = summarise_cbm(
        [CbmItem(1.0, 3), CbmItem(1.0, 2), CbmItem(0.0, 2)],
    )
    assert summary.whole.questions == 3
    assert summary.whole.average_cbm == pytest.approx(1.0)
    assert summary.whole.accuracy == pytest.approx(2 / 3)
    assert summary.whole.bonus == pytest.approx(0.1 / 3)
    assert summary.whole.accuracy_with_bonus == pytest.approx(2 / 3 + 0.1 / 3)
    assert summary.answered is None  # everything answered
    high, medium, low = summary.by_certainty
    assert (high.certainty, high.responses, high.accuracy, high.judgement) == (3, 1, 1.0, "ok")
    # Medium: 50% right, optimal range 67-80%: (0.5 - 0.667)^2 x 2 = 0.056 <= 0.5.
    assert (medium.responses, medium.accuracy, medium.judgement) == (
        2,
        0.5,
        "slightlyoverconfident",
    )
    assert (low.responses, low.accuracy, low.judgement) == (0, None, "noquestions")


def test_cbm_summary_with_an_unanswered_question() -> None:
    # The unanswered question weighs in the whole-quiz figures (3 / 4, 2 / 4) and Moodle
    # adds the figures for just the answered questions.
    summary = summarise_cbm(
        [CbmItem(1.0, 3), CbmItem(1.0, 2), CbmItem(0.0, 2), CbmItem(None, None)],
    )
    assert summary.whole.average_cbm == pytest.approx(0.75)
    assert summary.whole.accuracy == pytest.approx(0.5)
    assert summary.answered is not None
    assert summary.answered.questions == 3
    assert summary.answered.average_cbm == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("average", "accuracy", "bonus"),
    # Moodle's test_calculate_bonus rows.
    [(1.0, 0.5, 0.05), (2.0, 0.9, -0.01), (3.0, 1.0, 0.0)],
)
def test_cbm_bonus(average: float, accuracy: float, bonus: float) -> None:
    assert cbm_bonus(average, accuracy) == pytest.approx(bonus)
