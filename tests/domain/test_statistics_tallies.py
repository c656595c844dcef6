"""Question figures from tallied marks equal the per-attempt definitions, exactly.

The report computes each question's figures from ``(mark, total) -> count`` tallies
(:func:`~quizapp.domain.statistics.question_statistics`), so that 400,000 responses cost
a few hundred terms. These tests compare it with the definitions written out attempt by
attempt (``docs/statistics.md``), on random marks with partial credit, penalties' odd
fractions and repeated values, for complete and incomplete matrices.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from fractions import Fraction

import pytest

from quizapp.domain.statistics import (
    compute_statistics,
    compute_statistics_from_tallies,
    question_statistics,
)

NOISE = 1e-9


def _noise(value: float, values: Sequence[float]) -> bool:
    return abs(value) <= (NOISE * max(1.0, max(abs(v) for v in values))) ** 2


def _straightforward(
    marks: Sequence[float], totals: Sequence[float], max_mark: float
) -> dict[str, float | None]:
    """The figures of one question over attempts, one term per attempt (n ≥ 2)."""
    n = len(marks)
    mean = math.fsum(marks) / n
    rest = [t - x for x, t in zip(marks, totals, strict=True)]
    rest_mean = math.fsum(rest) / n
    total_mean = math.fsum(totals) / n
    dx = [x - mean for x in marks]
    dr = [r - rest_mean for r in rest]
    var = math.fsum(d * d for d in dx) / (n - 1)
    var = 0.0 if _noise(var, marks) else var
    rest_var = math.fsum(d * d for d in dr) / (n - 1)
    rest_var = 0.0 if _noise(rest_var, rest) else rest_var
    cov = math.fsum(a * b for a, b in zip(dx, dr, strict=True)) / (n - 1)
    cov_max = math.fsum(
        (a - mean) * (b - rest_mean) for a, b in zip(sorted(marks), sorted(rest), strict=True)
    ) / (n - 1)
    cov_max = 0.0 if _noise(cov_max, rest) else cov_max
    cov_total = math.fsum(d * (t - total_mean) for d, t in zip(dx, totals, strict=True)) / (n - 1)
    cov_total = 0.0 if _noise(cov_total, totals) else cov_total
    return {
        "n": n,
        "mean_mark": mean,
        "facility": mean / max_mark,
        "sd": math.sqrt(var),
        "mark_variance": var,
        "other_mark_variance": rest_var,
        "covariance": cov,
        "covariance_max": cov_max,
        "covariance_with_total": cov_total,
        "discrimination_index": 100 * cov / math.sqrt(var * rest_var) if var * rest_var else None,
        "discriminative_efficiency": 100 * cov / cov_max if cov_max else None,
    }


MARK_SETS = [
    [0.0, 1.0],
    [0.0, 0.3333333, 0.6666667, 1.0],  # Moodle's 7-decimal thirds
    [0.0, 0.1, 0.2, 0.7, 2.5],  # weights other than 1, sums binary cannot hold exactly
]


def _random_matrix(rng: random.Random, n: int, p: int) -> list[list[float]]:
    values = rng.choice([*MARK_SETS, None])
    return [
        [rng.choice(values) if values else round(rng.random() * 3, 9) for _ in range(p)]
        for _ in range(n)
    ]


@pytest.mark.parametrize("seed", range(40))
def test_each_question_from_its_tally_equals_the_per_attempt_definitions(seed: int) -> None:
    rng = random.Random(seed)
    n, p = rng.choice([2, 3, 7, 40, 500]), rng.choice([1, 2, 5, 12])
    marks = _random_matrix(rng, n, p)
    # Incomplete: each question asked by a random subset of the attempts (at least two).
    asked = [[i for i in range(n) if rng.random() < 0.7] for _ in range(p)]
    asked = [a if len(a) >= 2 else [0, 1] for a in asked]
    totals = [math.fsum(row[j] for j in range(p) if i in asked[j]) for i, row in enumerate(marks)]
    for j in range(p):
        xs = [marks[i][j] for i in asked[j]]
        ts = [totals[i] for i in asked[j]]
        got = question_statistics(j, Counter(zip(xs, ts, strict=True)), 1.0)
        want = _straightforward(xs, ts, 1.0)
        assert {k: getattr(got, k) for k in want} == want, (seed, j)
        assert got.effective_weight is None
        assert got.intended_weight is None


@pytest.mark.parametrize("seed", range(20))
def test_complete_matrix_from_tallies_equals_the_matrix_figures(seed: int) -> None:
    rng = random.Random(1000 + seed)
    n, p = rng.choice([0, 1, 2, 4, 30, 300]), rng.choice([1, 3, 8])
    marks = _random_matrix(rng, n, p)
    max_marks = [rng.choice([1.0, 2.5]) for _ in range(p)]
    totals = [math.fsum(row) for row in marks]
    tallies = [Counter((row[j], t) for row, t in zip(marks, totals, strict=True)) for j in range(p)]
    from_tallies = compute_statistics_from_tallies(tallies, totals, max_marks)
    assert asdict(from_tallies) == asdict(compute_statistics(marks, max_marks))
    for j, q in enumerate(from_tallies.questions):
        if n >= 2:
            want = _straightforward([row[j] for row in marks], totals, max_marks[j])
            assert {k: getattr(q, k) for k in want} == want, (seed, j)


def test_a_large_tally_counts_like_the_attempts_one_by_one() -> None:
    tally = {(0.3333333, 3.3333333): 300_001, (1.0, 4.0): 199_999, (0.0, 0.1): 7}
    got = question_statistics(0, tally, 1.0)
    xs = [x for (x, _t), c in tally.items() for _ in range(c)]
    ts = [t for (_x, t), c in tally.items() for _ in range(c)]
    want = _straightforward(xs, ts, 1.0)
    assert {k: getattr(got, k) for k in want} == want


def test_counts_beyond_two_to_the_26_are_still_summed_exactly() -> None:
    """Counts are split into 26-bit limbs: Σ count · mark stays the exact sum, rounded once."""
    tally = {(0.3333333, 1.0): 2**40 + 12345, (0.1, 0.0): 3 * 2**27 + 1, (1.0, 2.0): 1}
    n = sum(tally.values())
    exact = sum(Fraction(x) * c for (x, _t), c in tally.items())
    assert question_statistics(0, tally, 1.0).mean_mark == float(exact) / n


def test_tallies_must_count_every_attempt() -> None:
    with pytest.raises(ValueError, match="question 1 counts 1 attempts, expected 2"):
        compute_statistics_from_tallies(
            [{(1.0, 1.0): 1, (0.0, 0.0): 1}, {(0.0, 1.0): 1}], [1.0, 0.0], [1.0, 1.0]
        )
    with pytest.raises(ValueError, match="1 tallies for 2 questions"):
        compute_statistics_from_tallies([{}], [], [1.0, 1.0])


def test_a_question_nobody_was_asked_has_no_figures() -> None:
    q = question_statistics(3, {}, 1.0, 0.25)
    assert (q.index, q.n, q.mean_mark, q.facility, q.sd) == (3, 0, None, None, None)
    assert q.random_guess_score == 0.25
