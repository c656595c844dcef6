"""Counting in words (:func:`quizapp.domain.text.plural`): the printed report and the
screens say "20,000 attempts", not "20000 attempts"."""

from __future__ import annotations

import pytest

from quizapp.domain.text import plural


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 attempts"),
        (1, "1 attempt"),
        (2, "2 attempts"),
        (999, "999 attempts"),
        (1_000, "1,000 attempts"),
        (20_000, "20,000 attempts"),
        (1_234_567, "1,234,567 attempts"),
    ],
)
def test_counts_take_the_right_noun_and_are_grouped_from_a_thousand(n: int, expected: str) -> None:
    assert plural(n, "attempt", "attempts") == expected


def test_the_caller_may_give_the_number_its_own_grouping() -> None:
    """The GUI passes the locale's digits ("20 000" in French); the noun still follows
    ``n``."""
    assert plural(20_000, "tentative", "tentatives", number="20\u202f000") == (
        "20\u202f000 tentatives"
    )
    assert plural(1, "attempt", "attempts", number="1") == "1 attempt"


def test_fold_name_spells_letters_with_a_stroke_plainly() -> None:
    """Letters NFKD leaves whole fold to the letter they sort with, like accents do."""
    from quizapp.domain.text import fold_name

    assert fold_name("Łukasz") == "lukasz"
    assert fold_name("Øyvind") == "oyvind"
    assert fold_name("Ægir") == "aegir"
    assert fold_name("Élodie") == "elodie"
