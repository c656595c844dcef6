"""Time the quiz statistics report on a large generated class (not a test).

Run: ``python bench/bench_statistics.py [attempts] [questions]`` (default 20,000 × 20).
Marks are drawn from a simple ability model (each student's ability against each
question's difficulty) so the figures look like a real quiz's, with a few partial-credit
questions; the seed is fixed so runs are comparable. Prints the time of each step, and
how ``compute_statistics`` splits: tallying each column against the totals, then the
figures from the tallies (what the statistics service calls directly).
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections import Counter

from quizapp.domain.statistics import (
    choice_frequencies,
    compute_statistics,
    compute_statistics_from_tallies,
    flag_questions,
    random_guess_score,
)


def generate(
    n_attempts: int, n_questions: int, seed: int = 20250301
) -> tuple[list[list[float]], list[list[set[int]]]]:
    """A marks matrix (1 mark per question; every fourth question in thirds) and responses."""
    rng = random.Random(seed)
    difficulty = [rng.gauss(0.0, 1.2) for _ in range(n_questions)]
    marks: list[list[float]] = []
    responses: list[list[set[int]]] = []
    for _ in range(n_attempts):
        ability = rng.gauss(0.0, 1.0)
        row: list[float] = []
        picked: list[set[int]] = []
        for j, d in enumerate(difficulty):
            p_right = 1.0 / (1.0 + math.exp(d - ability))
            right = rng.random() < p_right
            if right:
                row.append(1.0)
            elif j % 4 == 3:  # partial credit: a wrong answer may still earn a third or two
                row.append(rng.choice((0.0, 0.3333333, 0.6666667)))
            else:
                row.append(0.0)
            picked.append({0} if right else {rng.randrange(1, 4)})
        marks.append(row)
        responses.append(picked)
    return marks, responses


def main() -> None:
    n_attempts = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    n_questions = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    t0 = time.perf_counter()
    marks, responses = generate(n_attempts, n_questions)
    t1 = time.perf_counter()
    guesses = [random_guess_score([1.0, 0.0, 0.0, 0.0], multiple=False)] * n_questions
    report = compute_statistics(marks, [1.0] * n_questions, guesses)
    t2 = time.perf_counter()
    frequencies = choice_frequencies(responses, [4] * n_questions)
    t3 = time.perf_counter()
    flags = flag_questions(report.questions, n_attempts)
    t4 = time.perf_counter()
    totals = [math.fsum(row) for row in marks]
    tallies = [Counter(zip(column, totals, strict=True)) for column in zip(*marks, strict=True)]
    t5 = time.perf_counter()
    from_tallies = compute_statistics_from_tallies(tallies, totals, [1.0] * n_questions, guesses)
    t6 = time.perf_counter()
    assert from_tallies == report

    print(f"{n_attempts} attempts x {n_questions} questions")
    print(f"  generate data      {t1 - t0:8.3f} s (not part of the report)")
    print(f"  compute_statistics {t2 - t1:8.3f} s")
    print(f"  choice_frequencies {t3 - t2:8.3f} s")
    print(f"  flag_questions     {t4 - t3:8.3f} s")
    print(f"  report total       {t4 - t1:8.3f} s")
    print(
        f"  of which: tallying the columns {t5 - t4:8.3f} s, figures from tallies "
        f"{t6 - t5:8.3f} s ({sum(map(len, tallies))} distinct (mark, total) pairs)"
    )
    quiz = report.quiz
    print(
        f"  mean {quiz.mean:.3f}  sd {quiz.sd:.3f}  cic {quiz.cic:.1f}%  "
        f"flagged {sum(1 for f in flags if f)} of {n_questions}  "
        f"q1 choices {[c.count for c in frequencies[0].choices]}"
    )


if __name__ == "__main__":
    main()
