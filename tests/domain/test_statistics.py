"""Quiz statistics as Moodle computes them: the reference example, a hand-worked one,
edge cases, flags, distractor counts, attempt selection and random guess scores."""

from __future__ import annotations

import csv
import json
import math
import statistics as pystats
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.model import Choice, Question, QuestionType
from quizapp.domain.statistics import (
    MIN_ATTEMPTS_FOR_FLAGS,
    AttemptRef,
    AttemptSelection,
    FlagReason,
    QuestionStatistics,
    QuizStatistics,
    choice_frequencies,
    compute_statistics,
    flag_questions,
    question_random_guess_score,
    random_guess_score,
    select_attempts,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "quiz_statistics"

# expected.json key -> QuestionStatistics attribute, and the README's relative tolerance.
QUESTION_FIGURES = {
    "facility": ("facility", 1e-6),
    "sd": ("sd", 1e-6),
    "markvariance": ("mark_variance", 1e-6),
    "othermarkvariance": ("other_mark_variance", 1e-6),
    "covariance": ("covariance", 1e-5),
    "covariancemax": ("covariance_max", 1e-5),
    "discriminationindex": ("discrimination_index", 1e-5),
    "discriminativeefficiency": ("discriminative_efficiency", 1e-5),
    "effectiveweight": ("effective_weight", 1e-5),
}
QUIZ_FIGURES = {
    "average": "mean",
    "median": "median",
    "standarddeviation": "sd",
    "skewness": "skewness",
    "kurtosis": "kurtosis",
    "cic": "cic",
    "errorratio": "error_ratio",
    "standarderror": "standard_error",
}


def _reference() -> tuple[list[list[float]], list[float], dict[str, Any]]:
    with (DATA / "attempts.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    slots = [k for k in rows[0] if k.startswith("q")]
    marks = [[float(row[k]) for k in slots] for row in rows]
    totals = [float(row["total"]) for row in rows]
    expected = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    return marks, totals, expected


def _all_numbers(obj: QuestionStatistics | QuizStatistics) -> list[float]:
    values = [getattr(obj, f.name) for f in fields(obj)]
    return [v for v in values if isinstance(v, float)]


# --------------------------------------------------------------------------- reference example


def test_reference_marks_match_their_totals() -> None:
    marks, totals, _ = _reference()
    assert len(marks) == 30
    for row, total in zip(marks, totals, strict=True):
        assert math.fsum(row) == pytest.approx(total, abs=1e-9)


def test_reference_question_figures_match_moodle() -> None:
    marks, _, expected = _reference()
    report = compute_statistics(marks, [1.0] * len(marks[0]))
    assert len(report.questions) == len(expected["questions"]) == 8
    for exp, got in zip(expected["questions"], report.questions, strict=True):
        assert got.index == exp["slot"] - 1
        assert got.n == 30
        for key, (attr, rel) in QUESTION_FIGURES.items():
            value = getattr(got, attr)
            if exp[key] is None:
                assert value is None, (exp["slot"], key)
            else:
                assert value == pytest.approx(exp[key], rel=rel), (exp["slot"], key)


def test_reference_quiz_figures_match_moodle() -> None:
    marks, _, expected = _reference()
    quiz = compute_statistics(marks, [1.0] * 8).quiz
    assert quiz.n == 30
    assert quiz.max_total == 8.0
    for key, attr in QUIZ_FIGURES.items():
        assert getattr(quiz, attr) == pytest.approx(expected["quiz"][key], rel=1e-6), key


def test_reference_negative_covariance_question_has_no_effective_weight() -> None:
    """Question 8 goes against the rest of the test: Moodle shows "Negative covariance"."""
    marks, _, _ = _reference()
    report = compute_statistics(marks, [1.0] * 8)
    q8 = report.questions[7]
    assert q8.negative_covariance
    assert q8.effective_weight is None
    others = [q.effective_weight for q in report.questions[:7]]
    assert all(w is not None for w in others)
    assert math.fsum(w for w in others if w is not None) == pytest.approx(100.0)


def test_reference_flags_the_two_weak_questions() -> None:
    marks, _, _ = _reference()
    report = compute_statistics(marks, [1.0] * 8)
    flags = flag_questions(report.questions, n_attempts=30)
    assert flags[0] == (FlagReason.WEAK_DISCRIMINATION,)  # DI 11.9%
    assert flags[7] == (FlagReason.WEAK_DISCRIMINATION,)  # DI -49.9%
    assert all(f == () for f in flags[1:7])  # q7 has facility 13.3%: hard, not flagged


# --------------------------------------------------------------------------- worked by hand

# Four attempts at two 1-mark questions:
#
#   attempt  q1  q2  total
#      1      1   1    2
#      2      1   1    2
#      3      1   0    1
#      4      0   0    0
#
# q1: mean 3/4 (facility 75%); deviations .25 .25 .25 -.75, Σd² = .75, variance .75/3 = 1/4,
#     sd 1/2. Rest of test = q2.
# q2: mean 1/2 (facility 50%); deviations .5 .5 -.5 -.5, Σd² = 1, variance 1/3. Rest = q1.
# Covariance q1~q2: Σ = .125 + .125 - .125 + .375 = .5, /3 = 1/6.
# Discrimination index (both): 100 · (1/6) / √(1/4 · 1/3) = 100/√3 ≈ 57.735%.
# Maximum covariance: sorted q1 0 1 1 1 (dev -.75 .25 .25 .25) against sorted q2
#     0 0 1 1 (dev -.5 -.5 .5 .5): Σ = .375 - .125 + .125 + .125 = .5, /3 = 1/6, so the
#     discriminative efficiency is 100% for both: the marks could not line up better.
# Totals: mean 5/4, deviations .75 .75 -.25 -1.25; S2 = 2.75, S3 = -1.125, S4 = 3.078125;
#     variance 2.75/3 = 11/12, median (1 + 2)/2 = 1.5.
# Covariance with the total: q1 Σ = .1875 + .1875 - .0625 + .9375 = 1.25, /3 = 5/12;
#     q2 Σ = .375 + .375 + .125 + .625 = 1.5, /3 = 1/2 (and 5/12 + 1/2 = 11/12 = var T).
# Effective weight: √(5/12) / (√(5/12) + √(1/2)) ≈ 47.72% and the rest ≈ 52.28%.
# Cronbach's alpha: 2/1 · (1 - (1/4 + 1/3) / (11/12)) = 2 · 4/11 = 8/11 ≈ 72.73%.
# Error ratio √(1 - 8/11) = √(3/11) ≈ 52.22%; standard error √(3/11) · √(11/12) = 1/2.

HAND_MARKS = [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]]


def test_hand_worked_question_figures() -> None:
    q1, q2 = compute_statistics(HAND_MARKS, [1.0, 1.0]).questions
    assert q1.facility == pytest.approx(0.75)
    assert q2.facility == pytest.approx(0.5)
    assert q1.sd == pytest.approx(0.5)
    assert q2.sd == pytest.approx(math.sqrt(1 / 3))
    assert q1.mark_variance == pytest.approx(1 / 4)
    assert q1.other_mark_variance == pytest.approx(1 / 3)
    assert q1.covariance == pytest.approx(1 / 6)
    assert q2.covariance == pytest.approx(1 / 6)
    assert q1.discrimination_index == pytest.approx(100 / math.sqrt(3))
    assert q2.discrimination_index == pytest.approx(100 / math.sqrt(3))
    assert q1.covariance_max == pytest.approx(1 / 6)
    assert q1.discriminative_efficiency == pytest.approx(100.0)
    assert q2.discriminative_efficiency == pytest.approx(100.0)
    assert q1.covariance_with_total == pytest.approx(5 / 12)
    assert q2.covariance_with_total == pytest.approx(1 / 2)
    w1 = math.sqrt(5 / 12) / (math.sqrt(5 / 12) + math.sqrt(1 / 2))
    assert q1.effective_weight == pytest.approx(100 * w1)
    assert q2.effective_weight == pytest.approx(100 * (1 - w1))
    assert q1.intended_weight == pytest.approx(50.0)
    assert q1.sd_fraction == pytest.approx(0.5)


def test_hand_worked_discrimination_is_the_correlation_with_the_rest() -> None:
    """Checked against the standard library's Pearson correlation, not our own sums."""
    q1, q2 = compute_statistics(HAND_MARKS, [1.0, 1.0]).questions
    col1 = [row[0] for row in HAND_MARKS]
    col2 = [row[1] for row in HAND_MARKS]
    assert q1.discrimination_index == pytest.approx(100 * pystats.correlation(col1, col2))
    assert q1.covariance == pytest.approx(pystats.covariance(col1, col2))
    assert q2.mark_variance == pytest.approx(pystats.variance(col2))


def test_hand_worked_quiz_figures() -> None:
    quiz = compute_statistics(HAND_MARKS, [1.0, 1.0]).quiz
    n = 4
    s = math.sqrt(11 / 12)
    dev = [0.75, 0.75, -0.25, -1.25]
    # Textbook forms (adjusted Fisher–Pearson G1 and sample excess kurtosis G2), written
    # differently from Moodle's k-statistics, so they check rather than repeat the code.
    g1 = n / ((n - 1) * (n - 2)) * sum((d / s) ** 3 for d in dev)
    g2 = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum((d / s) ** 4 for d in dev) - 3 * (
        n - 1
    ) ** 2 / ((n - 2) * (n - 3))
    assert quiz.n == 4
    assert quiz.mean == pytest.approx(1.25)
    assert quiz.median == pytest.approx(1.5)
    assert quiz.sd == pytest.approx(s)
    assert quiz.skewness == pytest.approx(g1)
    assert quiz.skewness == pytest.approx(-0.75 / (11 / 12) ** 1.5)
    assert quiz.kurtosis == pytest.approx(g2)
    assert quiz.kurtosis == pytest.approx(-1.28926, rel=1e-5)
    assert quiz.cic == pytest.approx(100 * 8 / 11)
    assert quiz.error_ratio == pytest.approx(100 * math.sqrt(3 / 11))
    assert quiz.standard_error == pytest.approx(0.5)


def test_marks_out_of_more_than_one_scale_facility_but_not_correlation() -> None:
    """A question worth 3 marks: facility is a fraction, DI does not change with scale."""
    scaled = [[3 * a, b] for a, b in HAND_MARKS]
    q1, _ = compute_statistics(scaled, [3.0, 1.0]).questions
    ref1, _ = compute_statistics(HAND_MARKS, [1.0, 1.0]).questions
    assert q1.facility == pytest.approx(0.75)
    assert q1.sd == pytest.approx(1.5)
    assert q1.sd_fraction == pytest.approx(0.5)
    assert q1.intended_weight == pytest.approx(75.0)
    assert q1.discrimination_index == pytest.approx(ref1.discrimination_index)


# --------------------------------------------------------------------------- edge cases


def test_no_attempts_gives_no_figures_and_no_error() -> None:
    report = compute_statistics([], [1.0, 1.0], random_guess_scores=[0.25, None])
    assert report.quiz.n == 0
    assert report.quiz.mean is None
    assert report.quiz.median is None
    assert report.quiz.sd is None
    assert report.questions[0].n == 0
    assert report.questions[0].facility is None
    assert report.questions[0].random_guess_score == 0.25
    assert report.questions[0].effective_weight is None


def test_one_attempt_has_facility_and_mean_but_no_spread() -> None:
    report = compute_statistics([[1.0, 0.5]], [1.0, 1.0])
    q1, q2 = report.questions
    assert q1.facility == 1.0
    assert q2.facility == 0.5
    for q in (q1, q2):
        assert q.sd is None
        assert q.mark_variance is None
        assert q.covariance is None
        assert q.discrimination_index is None
        assert q.discriminative_efficiency is None
        assert q.effective_weight is None
    assert report.quiz.mean == 1.5
    assert report.quiz.median == 1.5
    for attr in ("sd", "skewness", "kurtosis", "cic", "error_ratio", "standard_error"):
        assert getattr(report.quiz, attr) is None, attr


def test_everyone_scoring_alike_gives_none_not_nan() -> None:
    report = compute_statistics([[1.0, 0.0]] * 5, [1.0, 1.0])
    for q in report.questions:
        assert q.sd == 0.0
        assert q.discrimination_index is None
        assert q.discriminative_efficiency is None
        assert q.effective_weight is None
    assert report.quiz.sd == 0.0
    assert report.quiz.skewness is None
    assert report.quiz.kurtosis is None
    assert report.quiz.cic is None
    assert report.quiz.error_ratio is None
    assert report.quiz.standard_error is None


def test_a_question_everyone_got_right_has_no_discrimination_index() -> None:
    third, two_thirds = 0.3333333, 0.6666667
    marks = [[1.0, two_thirds, third], [1.0, third, third], [1.0, 0.0, 1.0], [1.0, 1.0, two_thirds]]
    q1 = compute_statistics(marks, [1.0, 1.0, 1.0]).questions[0]
    assert q1.facility == 1.0
    assert q1.sd == 0.0
    assert q1.discrimination_index is None
    assert q1.discriminative_efficiency is None
    assert q1.covariance_with_total == 0.0
    assert q1.effective_weight == 0.0  # it adds nothing to the spread of the totals


@pytest.mark.parametrize("mark", [0.6666667, 0.1, 0.3333333])
def test_equal_marks_that_binary_cannot_average_exactly_give_no_index(mark: float) -> None:
    """Seven equal marks of 0.6666667 average to a hair off 0.6666667 in binary; the
    resulting ~1e-33 "variance" must count as none, not make a meaningless index."""
    marks = [[mark, x] for x in (0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0)]
    q1 = compute_statistics(marks, [1.0, 1.0]).questions[0]
    assert q1.mark_variance == 0.0
    assert q1.discrimination_index is None
    assert q1.discriminative_efficiency is None


def test_two_attempts_have_sd_but_no_skewness() -> None:
    quiz = compute_statistics([[1.0, 1.0], [0.0, 1.0]], [1.0, 1.0]).quiz
    assert quiz.sd == pytest.approx(math.sqrt(0.5))
    assert quiz.skewness is None
    assert quiz.kurtosis is None


def test_three_attempts_have_skewness_but_no_kurtosis() -> None:
    quiz = compute_statistics([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]], [1.0, 1.0]).quiz
    assert quiz.skewness == pytest.approx(0.0, abs=1e-12)
    assert quiz.kurtosis is None
    assert quiz.cic is not None


def test_one_question_quiz_has_no_internal_consistency() -> None:
    quiz = compute_statistics([[1.0], [0.0], [1.0], [1.0]], [1.0]).quiz
    assert quiz.sd is not None
    assert quiz.cic is None
    assert quiz.error_ratio is None


def test_rows_of_the_wrong_length_are_rejected() -> None:
    with pytest.raises(ValueError, match="attempt 1"):
        compute_statistics([[1.0, 0.0], [1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="random guess"):
        compute_statistics([[1.0]], [1.0], random_guess_scores=[0.5, 0.5])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda p: st.lists(
            st.lists(
                st.sampled_from([0.0, 0.3333333, 0.5, 0.6666667, 1.0]), min_size=p, max_size=p
            ),
            max_size=12,
        ).map(lambda rows: (p, rows))
    )
)
def test_any_marks_give_finite_figures_in_range(case: tuple[int, list[list[float]]]) -> None:
    p, marks = case
    report = compute_statistics(marks, [1.0] * p)
    for obj in (report.quiz, *report.questions):
        assert all(math.isfinite(v) for v in _all_numbers(obj))
    for q in report.questions:
        if q.facility is not None:
            assert -1e-12 <= q.facility <= 1 + 1e-12
        if q.discrimination_index is not None:
            assert -100 - 1e-6 <= q.discrimination_index <= 100 + 1e-6
    if report.quiz.cic is not None:
        assert report.quiz.cic <= 100 + 1e-6
    weights = [q.effective_weight for q in report.questions if q.effective_weight is not None]
    if weights and not any(q.negative_covariance for q in report.questions):
        assert math.fsum(weights) == pytest.approx(100.0)


# --------------------------------------------------------------------------- flags


def _question(facility: float | None, di: float | None) -> QuestionStatistics:
    base = compute_statistics(HAND_MARKS, [1.0, 1.0]).questions[0]
    return replace(base, facility=facility, discrimination_index=di)


def test_flags_need_ten_first_attempts() -> None:
    stats = [_question(0.02, -30.0), _question(0.99, 5.0)]
    assert MIN_ATTEMPTS_FOR_FLAGS == 10
    assert flag_questions(stats, n_attempts=9) == ((), ())
    assert flag_questions(stats, n_attempts=10) == (
        (FlagReason.WEAK_DISCRIMINATION, FlagReason.TOO_HARD),
        (FlagReason.WEAK_DISCRIMINATION, FlagReason.TOO_EASY),
    )


@pytest.mark.parametrize(
    ("facility", "di", "expected"),
    [
        (0.5, 45.0, ()),
        (0.5, 19.99, (FlagReason.WEAK_DISCRIMINATION,)),
        (0.5, 20.0, ()),
        (0.5, -5.0, (FlagReason.WEAK_DISCRIMINATION,)),
        (0.099, 40.0, (FlagReason.TOO_HARD,)),
        (0.10, 40.0, ()),
        (0.95, 40.0, ()),
        (0.951, 40.0, (FlagReason.TOO_EASY,)),
        (1.0, None, (FlagReason.TOO_EASY,)),
        (None, None, ()),
    ],
)
def test_flag_bands(
    facility: float | None, di: float | None, expected: tuple[FlagReason, ...]
) -> None:
    assert flag_questions([_question(facility, di)], n_attempts=25) == (expected,)


# --------------------------------------------------------------------------- distractors


def test_choice_frequencies_count_and_share_of_attempts() -> None:
    responses = [
        [{0}, {0, 2}],
        [{1}, {0}],
        [{1}, None],
        [set(), {0, 1, 2}],
    ]
    q1, q2 = choice_frequencies(responses, [3, 3])
    assert [(c.index, c.count, c.share) for c in q1.choices] == [
        (0, 1, 0.25),
        (1, 2, 0.5),
        (2, 0, 0.0),
    ]
    assert (q1.no_response.count, q1.no_response.share) == (1, 0.25)
    assert q1.attempts == 4
    assert [c.count for c in q2.choices] == [3, 1, 2]
    assert q2.no_response.count == 1
    # Multiple answers: an attempt may pick several, so shares add up to more than 1.
    assert sum(c.share or 0 for c in q2.choices) == pytest.approx(1.5)


def test_choice_frequencies_without_attempts_and_bad_input() -> None:
    (q,) = choice_frequencies([], [2])
    assert [(c.count, c.share) for c in q.choices] == [(0, None), (0, None)]
    with pytest.raises(ValueError, match="out of range"):
        choice_frequencies([[{2}]], [2])
    with pytest.raises(ValueError, match="expected 2"):
        choice_frequencies([[{0}]], [2, 2])


# --------------------------------------------------------------------------- attempt selection

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _attempts() -> list[AttemptRef]:
    return [
        AttemptRef("a1", "ann", T0 + timedelta(days=2), 6.0),
        AttemptRef("b1", "bob", T0, 3.0),
        AttemptRef("a2", "ann", T0, 4.0),
        AttemptRef("b2", "bob", T0 + timedelta(days=1), 7.0),
        AttemptRef("a3", "ann", T0 + timedelta(days=1), 6.0),
        AttemptRef("c1", "cid", T0, 5.0),
    ]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (AttemptSelection.FIRST, ["b1", "a2", "c1"]),
        (AttemptSelection.LAST, ["a1", "b2", "c1"]),
        # Ann's two 6.0 attempts tie: the earlier one (a3, day 1) counts, as in Moodle.
        (AttemptSelection.HIGHEST, ["b2", "a3", "c1"]),
        (AttemptSelection.ALL, ["a1", "b1", "a2", "b2", "a3", "c1"]),
    ],
)
def test_select_attempts(selection: AttemptSelection, expected: list[str]) -> None:
    chosen = select_attempts(_attempts(), selection)
    assert [a.attempt_id for a in chosen] == expected


def test_first_attempts_is_the_default_choice_name() -> None:
    assert AttemptSelection("first") is AttemptSelection.FIRST
    assert [s.value for s in AttemptSelection] == ["first", "all", "highest", "last"]


# --------------------------------------------------------------------------- random guess


@pytest.mark.parametrize(
    ("fractions", "multiple", "expected"),
    [
        ([1.0, 0.0, 0.0, 0.0], False, 0.25),
        ([1.0, 0.0, 0.0], False, 1 / 3),
        ([1.0, 0.5, 0.0, 0.0], False, 0.375),
        ([1.0, 0.0], False, 0.5),
        ([0.5, 0.5, -1.0], True, None),
        ([], False, None),
    ],
)
def test_random_guess_score(fractions: list[float], multiple: bool, expected: float | None) -> None:
    got = random_guess_score(fractions, multiple)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


def test_random_guess_score_of_questions() -> None:
    choices = (Choice("Vienna", 1.0), Choice("Geneva", 0.0), Choice("Rome", 0.0))
    single = Question("q1", "l1", QuestionType.SINGLE, "Where?", choices)
    true_false = Question(
        "q2", "l1", QuestionType.TRUE_FALSE, "True?", (Choice("True", 1.0), Choice("False", 0.0))
    )
    multi = Question("q3", "l1", QuestionType.MULTIPLE, "Which?", choices)
    assert question_random_guess_score(single) == pytest.approx(1 / 3)
    assert question_random_guess_score(true_false) == pytest.approx(0.5)
    assert question_random_guess_score(multi) is None


def test_random_guess_scores_are_carried_into_the_report() -> None:
    report = compute_statistics(HAND_MARKS, [1.0, 1.0], random_guess_scores=[0.25, None])
    assert report.questions[0].random_guess_score == 0.25
    assert report.questions[1].random_guess_score is None
