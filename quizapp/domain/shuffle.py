"""Seeded shuffles for quiz assembly.

An attempt stores its seed, its question order and each shown choice order, so it
can be reviewed exactly as it was taken. The same seed always gives the same order
(``random.Random`` with an integer seed is stable across Python versions).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from quizapp.domain.model import Question, QuestionType

T = TypeVar("T")


def new_seed() -> int:
    """A fresh random seed (a non-negative 63-bit integer, so it fits a BIGINT column)."""
    return random.SystemRandom().getrandbits(63)


def shuffled(items: Sequence[T], seed: int) -> list[T]:
    """A copy of ``items`` shuffled by ``random.Random(seed)``."""
    out = list(items)
    random.Random(seed).shuffle(out)
    return out


def choice_order(question: Question, seed: int) -> list[int]:
    """The order to show a question's choices in, as author-order indices.

    Pinned choices keep their position; the others are shuffled among the
    remaining positions. A question with ``shuffle`` off, and a true/false question
    (always "True" then "False", as Moodle shows them), keep the author's order.
    """
    n = len(question.choices)
    if not question.shuffle or question.type is QuestionType.TRUE_FALSE:
        return list(range(n))
    free = [i for i, c in enumerate(question.choices) if not c.pinned]
    moved = shuffled(free, seed)
    order = list(range(n))
    for position, index in zip(free, moved, strict=True):
        order[position] = index
    return order


def sub_seed(seed: int, *parts: object) -> int:
    """A seed derived from ``seed`` and some labels (e.g. a question id), stable across runs."""
    rng = random.Random(f"{seed}:" + ":".join(str(p) for p in parts))
    return rng.getrandbits(63)
