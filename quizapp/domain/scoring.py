"""Marking rules for multiple-choice questions, as Moodle's multichoice question type.

Source: Moodle's ``question/type/multichoice`` (``grade_response``) and the GIFT/XML
import documentation: credit fractions run from -1 to 1; a response's fraction is the
sum of the chosen choices' fractions, clamped to [0, 1]; a sum of at least
:data:`~quizapp.domain.model.FULL_MARKS_THRESHOLD` is full marks, so three choices
weighted 33.33333% make 1.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import ROUND_HALF_UP, Decimal

from quizapp.domain.model import FULL_MARKS_THRESHOLD, Question, QuestionType, Scoring


def default_fractions(question_type: QuestionType, correct: Sequence[bool]) -> tuple[float, ...]:
    """Credit fractions for choices marked only right or wrong.

    The right choices share +1 equally; in a ``multiple`` question the wrong choices
    share -1 equally (so ticking every box earns nothing); elsewhere wrong is 0.
    Returns one fraction per choice, in order.
    """
    n_right = sum(1 for c in correct if c)
    n_wrong = len(correct) - n_right
    right = 1.0 / n_right if n_right else 0.0
    wrong = -1.0 / n_wrong if question_type is QuestionType.MULTIPLE and n_wrong else 0.0
    return tuple(right if c else wrong for c in correct)


def mark_response(question: Question, selected: Collection[int]) -> float:
    """The fraction of the question's marks a response earns, in [0, 1].

    ``selected`` holds choice indices in the author's order. Raises ``ValueError`` for
    an index out of range, or for several choices in a ``single``/``true_false`` question.
    An empty response earns 0.
    """
    chosen = set(selected)
    n = len(question.choices)
    for index in chosen:
        if not 0 <= index < n:
            raise ValueError(f"choice index {index} out of range 0..{n - 1}")
    if question.type is not QuestionType.MULTIPLE and len(chosen) > 1:
        raise ValueError("a single-answer question takes one choice")
    if not chosen:
        return 0.0
    if question.type is QuestionType.MULTIPLE and question.scoring is Scoring.ALL_OR_NOTHING:
        return 1.0 if chosen == set(question.correct_indices) else 0.0
    total = sum(question.choices[i].fraction for i in chosen)
    if total >= FULL_MARKS_THRESHOLD:
        return 1.0
    return max(0.0, min(1.0, total))


def is_fully_correct(fraction: float) -> bool:
    """True when a response's fraction counts as full marks."""
    return fraction >= FULL_MARKS_THRESHOLD


def round_half_up(value: float, digits: int = 0) -> float:
    """Round half away from zero (2.5 -> 3, 0.125 -> 0.13 at 2 digits), on the decimal value.

    The one rounding rule of the app: percentages are shown as whole numbers and
    marks with up to two decimals, both rounded this way.
    """
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def percent(marks: float, max_marks: float) -> int:
    """Score as a whole percent 0–100, rounded half up; 0 when ``max_marks`` is 0."""
    if max_marks <= 0:
        return 0
    return int(round_half_up(100.0 * marks / max_marks))


def format_marks(marks: float) -> str:
    """Marks for display: up to two decimals, trailing zeros dropped (``6``, ``6.5``, ``6.67``)."""
    text = f"{round_half_up(marks, 2):.2f}".rstrip("0").rstrip(".")
    return text or "0"
