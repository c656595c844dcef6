"""Marking rules (Moodle multichoice) and the one rounding rule of the app."""

from __future__ import annotations

import pytest

from quizapp.domain.model import Choice, Question, QuestionType, Scoring
from quizapp.domain.scoring import (
    default_fractions,
    format_marks,
    is_fully_correct,
    mark_response,
    percent,
    round_half_up,
)


def _question(
    qtype: QuestionType,
    fractions: list[float],
    scoring: Scoring = Scoring.PARTIAL,
) -> Question:
    choices = tuple(Choice(text=f"choice {i}", fraction=f) for i, f in enumerate(fractions))
    return Question(
        id="q", lesson_id="l", type=qtype, prompt="?", choices=choices, scoring=scoring
    )


def test_default_fractions_single_gives_all_credit_to_the_right_choice() -> None:
    assert default_fractions(QuestionType.SINGLE, [False, True, False]) == (0.0, 1.0, 0.0)


def test_default_fractions_multiple_shares_plus_and_minus_one() -> None:
    fractions = default_fractions(QuestionType.MULTIPLE, [True, True, False, False])
    assert fractions == (0.5, 0.5, -0.5, -0.5)
    assert sum(f for f in fractions if f > 0) == pytest.approx(1.0)
    assert sum(f for f in fractions if f < 0) == pytest.approx(-1.0)


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ({1}, 1.0),
        ({0}, 0.0),
        (set(), 0.0),
    ],
)
def test_single_answer_marks(selected: set[int], expected: float) -> None:
    q = _question(QuestionType.SINGLE, [0.0, 1.0, 0.0])
    assert mark_response(q, selected) == expected


def test_single_answer_refuses_two_choices() -> None:
    q = _question(QuestionType.SINGLE, [0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="one choice"):
        mark_response(q, {0, 1})


def test_out_of_range_choice_is_refused() -> None:
    q = _question(QuestionType.SINGLE, [0.0, 1.0])
    with pytest.raises(ValueError, match="out of range"):
        mark_response(q, {2})


def test_ticking_every_box_earns_nothing() -> None:
    fractions = list(default_fractions(QuestionType.MULTIPLE, [True, True, False, False]))
    q = _question(QuestionType.MULTIPLE, fractions)
    assert mark_response(q, {0, 1, 2, 3}) == 0.0


@pytest.mark.parametrize(
    ("selected", "expected"),
    [
        ({0, 1}, 1.0),  # both right choices: 0.5 + 0.5
        ({0}, 0.5),  # one right choice
        ({0, 2}, 0.0),  # 0.5 - 0.5
        ({2, 3}, 0.0),  # negative sum clamped to 0
        ({0, 1, 2}, 0.5),  # 1.0 - 0.5
    ],
)
def test_multiple_answer_partial_credit(selected: set[int], expected: float) -> None:
    q = _question(QuestionType.MULTIPLE, [0.5, 0.5, -0.5, -0.5])
    assert mark_response(q, selected) == pytest.approx(expected)


def test_three_thirds_written_as_33_33333_percent_are_full_marks() -> None:
    q = _question(QuestionType.MULTIPLE, [0.3333333, 0.3333333, 0.3333333, -1.0])
    mark = mark_response(q, {0, 1, 2})
    assert mark == 1.0
    assert is_fully_correct(mark)


def test_all_or_nothing_needs_exactly_the_right_set() -> None:
    q = _question(QuestionType.MULTIPLE, [0.5, 0.5, -1.0], scoring=Scoring.ALL_OR_NOTHING)
    assert mark_response(q, {0, 1}) == 1.0
    assert mark_response(q, {0}) == 0.0
    assert mark_response(q, {0, 1, 2}) == 0.0


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.5, 0, 3.0), (3.5, 0, 4.0), (0.125, 2, 0.13), (66.66666, 0, 67.0), (1.005, 2, 1.01)],
)
def test_round_half_up(value: float, digits: int, expected: float) -> None:
    assert round_half_up(value, digits) == expected


@pytest.mark.parametrize(
    ("marks", "max_marks", "expected"),
    [(5, 8, 63), (1, 8, 13), (2, 3, 67), (0, 0, 0), (7, 7, 100)],
)
def test_percent_is_whole_and_rounded_half_up(
    marks: float, max_marks: float, expected: int
) -> None:
    assert percent(marks, max_marks) == expected


@pytest.mark.parametrize(
    ("marks", "text"), [(6.0, "6"), (6.5, "6.5"), (6.666666, "6.67"), (0.0, "0"), (0.005, "0.01")]
)
def test_format_marks(marks: float, text: str) -> None:
    assert format_marks(marks) == text
