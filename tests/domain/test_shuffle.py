"""Seeded shuffles: an attempt can be replayed exactly from its stored seed."""

from __future__ import annotations

from collections import Counter

from quizapp.domain.model import Choice, Question, QuestionType
from quizapp.domain.shuffle import choice_order, new_seed, shuffled, sub_seed


def _question(n: int = 4, pinned: tuple[int, ...] = (), shuffle: bool = True) -> Question:
    choices = tuple(
        Choice(text=f"c{i}", fraction=1.0 if i == 0 else 0.0, pinned=i in pinned)
        for i in range(n)
    )
    return Question(
        id="q", lesson_id="l", type=QuestionType.SINGLE, prompt="?", choices=choices,
        shuffle=shuffle,
    )


def test_same_seed_same_order() -> None:
    items = list(range(20))
    assert shuffled(items, 1234) == shuffled(items, 1234)
    assert sorted(shuffled(items, 1234)) == items


def test_different_seeds_give_different_orders() -> None:
    items = list(range(20))
    orders = {tuple(shuffled(items, seed)) for seed in range(50)}
    assert len(orders) > 45


def test_choice_order_is_a_permutation_and_repeatable() -> None:
    q = _question(5)
    order = choice_order(q, 99)
    assert sorted(order) == [0, 1, 2, 3, 4]
    assert choice_order(q, 99) == order


def test_pinned_choice_keeps_its_place() -> None:
    q = _question(4, pinned=(3,))  # e.g. "All of the above" kept last
    for seed in range(200):
        assert choice_order(q, seed)[3] == 3


def test_shuffle_off_keeps_author_order() -> None:
    q = _question(4, shuffle=False)
    assert choice_order(q, 5) == [0, 1, 2, 3]


def test_correct_answer_lands_in_every_position_over_many_seeds() -> None:
    q = _question(4)
    positions = Counter(choice_order(q, seed).index(0) for seed in range(400))
    assert set(positions) == {0, 1, 2, 3}
    # Roughly uniform: each position gets at least half its fair share.
    assert min(positions.values()) > 50


def test_sub_seed_is_stable_and_depends_on_parts() -> None:
    assert sub_seed(7, "q1") == sub_seed(7, "q1")
    assert sub_seed(7, "q1") != sub_seed(7, "q2")
    assert 0 <= new_seed() < 2**63


def test_true_false_keeps_true_then_false_even_when_shuffle_is_on() -> None:
    q = Question(
        id="tf", lesson_id="l", type=QuestionType.TRUE_FALSE, prompt="?",
        choices=(Choice(text="True", fraction=0.0), Choice(text="False", fraction=1.0)),
        shuffle=True,
    )
    assert {tuple(choice_order(q, seed)) for seed in range(50)} == {(0, 1)}
