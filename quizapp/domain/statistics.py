"""Quiz and question statistics, computed as Moodle's quiz statistics report computes them.

Pure Python (``math``, ``statistics``, dataclasses): no database, no Qt, no numpy. The
input is a *marks matrix*: one row per attempt, one column per question (Moodle's
"slot"), each cell the marks the attempt earned on that question (an unanswered
question counts 0, as in Moodle); plus each question's maximum mark. The output is
frozen dataclasses; every figure that is undefined for the data (fewer than two
attempts, a question everyone answered alike, ...) is ``None``, never NaN and never
an exception.

Sources, used throughout:

* Moodle developer docs, "Quiz statistics calculations":
  https://docs.moodle.org/dev/Quiz_statistics_calculations
* "Quiz item analysis calculations in practise" (skewness and kurtosis):
  https://docs.moodle.org/dev/Quiz_item_analysis_calculations_in_practise
* Moodle's code: ``question/classes/statistics/questions/calculator.php`` (per question),
  ``mod/quiz/report/statistics/classes/calculator.php`` (per quiz),
  ``question/type/multichoice/questiontype.php`` (random guess score),
  ``mod/quiz/report/reportlib.php`` ``quiz_report_grade_method_sql`` (which attempts).
* Interpretation bands: https://docs.moodle.org/en/Quiz_statistics_report

Variances and covariances divide by n - 1 (sample statistics), as Moodle does. See
``docs/statistics.md`` for every figure with its formula and how to read it.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from quizapp.domain.model import Question, QuestionType

MIN_ATTEMPTS_FOR_FLAGS = 10
"""Questions are flagged only once a quiz has at least this many first attempts (issue 6)."""

WEAK_DISCRIMINATION_PERCENT = 20.0
"""A discrimination index under this (percent) flags a question (issue 6)."""

TOO_HARD_FACILITY = 0.10
"""A facility under this (fraction 0–1) flags a question as too hard."""

TOO_EASY_FACILITY = 0.95
"""A facility over this (fraction 0–1) flags a question as too easy."""

_NOISE = 1e-9
"""A spread smaller than this, relative to the size of the values, is rounding noise.

Marks such as 0.6666667 + 0.3333333 do not add up exactly in binary floating point, so
a column that is constant on paper can show a variance of ~1e-32; dividing by its
square root would turn noise into a meaningless discrimination index. Moodle stores
marks to 7 decimals, so a real difference is never this small.
"""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuestionStatistics:
    """Statistics of one question (one column of the marks matrix).

    ``index`` is the 0-based column; ``max_mark`` its maximum mark; ``n`` the number of
    attempts. Marks, variances and covariances are in marks (not fractions);
    ``facility`` and ``random_guess_score`` are fractions 0–1; ``intended_weight``,
    ``effective_weight``, ``discrimination_index`` and ``discriminative_efficiency`` are
    percents. Each is ``None`` where undefined (see :func:`compute_statistics`).
    """

    index: int
    max_mark: float
    n: int
    mean_mark: float | None
    facility: float | None
    sd: float | None
    random_guess_score: float | None
    intended_weight: float | None
    effective_weight: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    mark_variance: float | None
    other_mark_variance: float | None
    covariance: float | None
    covariance_max: float | None
    covariance_with_total: float | None

    @property
    def sd_fraction(self) -> float | None:
        """The standard deviation as a fraction of the maximum mark (Moodle shows it in %)."""
        if self.sd is None or self.max_mark == 0:
            return None
        return self.sd / self.max_mark

    @property
    def negative_covariance(self) -> bool:
        """True when the question's marks go against the total (Moodle's "negcovar").

        Moodle then shows "Negative covariance" instead of an effective weight.
        """
        return self.covariance_with_total is not None and self.covariance_with_total < 0


@dataclass(frozen=True)
class QuizStatistics:
    """Statistics of the attempt totals.

    ``n`` attempts; ``max_total`` the sum of the questions' maximum marks; ``mean``,
    ``median``, ``sd`` and ``standard_error`` in marks; ``skewness`` and ``kurtosis``
    dimensionless; ``cic`` and ``error_ratio`` in percent. ``None`` where undefined.
    """

    n: int
    max_total: float
    mean: float | None
    median: float | None
    sd: float | None
    skewness: float | None
    kurtosis: float | None
    cic: float | None
    error_ratio: float | None
    standard_error: float | None


@dataclass(frozen=True)
class StatisticsReport:
    """The whole report: the quiz figures and one :class:`QuestionStatistics` per column."""

    quiz: QuizStatistics
    questions: tuple[QuestionStatistics, ...]


# --------------------------------------------------------------------------- helpers


MarkTally = Mapping[tuple[float, float], int]
"""One question's marks tallied against the attempts' totals: ``(mark, total) -> count``
of attempts that earned ``mark`` on the question and ``total`` on the whole quiz."""

_SPLITTER = 134217729.0
"""2**27 + 1: Veltkamp's constant, splitting a double into two halves of 26 bits each."""

_LIMB_BITS = 26


def _fsum_mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _is_noise(spread_sq: float, values: Iterable[float]) -> bool:
    """True when a (co)variance-sized quantity is within floating-point noise of zero."""
    scale = max(1.0, max(abs(v) for v in values))
    return abs(spread_sq) <= (_NOISE * scale) ** 2


def _repeated_sum(terms: Iterable[tuple[float, int]]) -> float:
    """Σ count · value over ``(value, count)`` pairs, correctly rounded: exactly what
    ``math.fsum`` gives on each value repeated ``count`` times, in O(pairs).

    Each ``count · value`` is split into parts that are exact doubles (Dekker/Veltkamp:
    the value into two halves of at most 26 significant bits, the count into 26-bit
    limbs, so every partial product fits in 53 bits) and ``math.fsum`` adds them
    exactly. Source: T. J. Dekker, "A floating-point technique for extending the
    available precision", Numer. Math. 18 (1971).
    """
    parts: list[float] = []
    for value, count in terms:
        if count == 1:
            parts.append(value)
            continue
        if not abs(value) < 1e300:  # inf, nan or near overflow: no split (not marks)
            parts.append(value * count)
            continue
        t = _SPLITTER * value
        high = t - (t - value)
        low = value - high
        scale = 1.0
        while count:
            limb = count & ((1 << _LIMB_BITS) - 1)
            if limb:
                parts.append(limb * high * scale)
                parts.append(limb * low * scale)
            count >>= _LIMB_BITS
            scale *= float(1 << _LIMB_BITS)
    return math.fsum(parts)


def _paired_runs(
    a: list[tuple[float, int]], b: list[tuple[float, int]]
) -> Iterable[tuple[float, float, int]]:
    """Two sorted run-length lists of equal total length walked side by side:
    ``(a value, b value, how many positions they share)``; what pairing the k-th
    smallest of one list with the k-th smallest of the other gives, in O(runs)."""
    i = j = 0
    left_a = a[0][1] if a else 0
    left_b = b[0][1] if b else 0
    while i < len(a) and j < len(b):
        k = min(left_a, left_b)
        yield a[i][0], b[j][0], k
        left_a -= k
        left_b -= k
        if not left_a:
            i += 1
            left_a = a[i][1] if i < len(a) else 0
        if not left_b:
            j += 1
            left_b = b[j][1] if j < len(b) else 0


# --------------------------------------------------------------------------- main entry


def compute_statistics(
    marks: Sequence[Sequence[float]],
    max_marks: Sequence[float],
    random_guess_scores: Sequence[float | None] | None = None,
) -> StatisticsReport:
    """Moodle's quiz statistics for a marks matrix.

    ``marks``: one row per attempt (already chosen with :func:`select_attempts`), each
    row one mark per question in ``max_marks`` order; an unanswered question counts 0.
    ``max_marks``: each question's maximum mark (> 0 for a facility to be defined).
    ``random_guess_scores``: one per question (see :func:`random_guess_score`), copied
    into the result; ``None`` for all when omitted.

    Per question *i*, with x the question's marks, r = total − x the rest of the test,
    T the attempt totals and n the number of attempts (source:
    https://docs.moodle.org/dev/Quiz_statistics_calculations#Question_statistics and
    ``question/classes/statistics/questions/calculator.php``):

    * ``facility`` = mean(x) / max_mark (``None`` when max_mark is 0 or n = 0);
    * ``sd`` = √(Σ(x − x̄)² / (n − 1)) in marks; ``mark_variance`` = sd²;
    * ``other_mark_variance`` = Σ(r − r̄)² / (n − 1);
    * ``covariance`` = Σ(x − x̄)(r − r̄) / (n − 1), with the rest of the test;
    * ``discrimination_index`` = 100 · covariance / √(mark_variance · other_mark_variance):
      the correlation of the question with the rest of the test, in percent;
      ``None`` when either variance is 0;
    * ``covariance_max`` = Σ(x₍ₖ₎ − x̄)(r₍ₖ₎ − r̄) / (n − 1) with x and r each sorted
      ascending, the largest covariance these marks could have had;
    * ``discriminative_efficiency`` = 100 · covariance / covariance_max; ``None`` when
      covariance_max is 0;
    * ``covariance_with_total`` = Σ(x − x̄)(T − T̄) / (n − 1);
    * ``effective_weight`` = 100 · √covariance_with_total / Σⱼ √covariance_with_totalⱼ,
      the sum over questions whose covariance with the total is not negative; ``None``
      for a question with a negative one, or when the sum is 0;
    * ``intended_weight`` = 100 · max_mark / Σ max_marks.

    All of sd, the variances, covariances and what derives from them are ``None`` for
    n < 2. Quiz figures: see :func:`quiz_statistics`; its CIC uses Σ mark_variance.

    Raises ``ValueError`` when a row has the wrong number of marks.
    Cost: O(n · q) to tally each column against the totals, then
    :func:`compute_statistics_from_tallies` (O(distinct marks × distinct totals) per
    question), with results identical to the per-attempt sums of these definitions.
    """
    p = len(max_marks)
    for row_no, row in enumerate(marks):
        if len(row) != p:
            raise ValueError(f"attempt {row_no} has {len(row)} marks, expected {p}")
    totals = [math.fsum(row) for row in marks]
    columns: list[tuple[float, ...]] = list(zip(*marks, strict=True)) if marks else [()] * p
    tallies = [Counter(zip(column, totals, strict=True)) for column in columns]
    return compute_statistics_from_tallies(tallies, totals, max_marks, random_guess_scores)


def compute_statistics_from_tallies(
    tallies: Sequence[MarkTally],
    totals: Sequence[float],
    max_marks: Sequence[float],
    random_guess_scores: Sequence[float | None] | None = None,
) -> StatisticsReport:
    """:func:`compute_statistics` from each question's marks tallied against the totals.

    ``tallies``: one :data:`MarkTally` per question in ``max_marks`` order, each counting
    every attempt once (``(mark, total) -> attempts``); ``totals``: every attempt's total
    mark (the same totals the tallies pair the marks with). Since a question's marks
    take a few values and the totals a few more, a tally is small however many
    attempts there are: the figures cost O(tally size) per question, not O(attempts).
    Every sum is the correctly rounded sum of the per-attempt terms (see
    :func:`question_statistics`), so the figures equal :func:`compute_statistics`'s on
    the matrix the tallies count.

    Raises ``ValueError`` when the lengths disagree or a tally does not count
    ``len(totals)`` attempts.
    """
    p = len(max_marks)
    n = len(totals)
    if len(tallies) != p:
        raise ValueError(f"{len(tallies)} tallies for {p} questions")
    for j, tally in enumerate(tallies):
        counted = sum(tally.values())
        if counted != n:
            raise ValueError(f"question {j} counts {counted} attempts, expected {n}")
    if random_guess_scores is None:
        guesses: Sequence[float | None] = [None] * p
    elif len(random_guess_scores) != p:
        raise ValueError(f"{len(random_guess_scores)} random guess scores for {p} questions")
    else:
        guesses = random_guess_scores

    sum_max = math.fsum(max_marks)
    total_mean = _fsum_mean(totals) if n else 0.0
    questions = [
        question_statistics(
            j,
            tallies[j],
            max_marks[j],
            guesses[j],
            intended_weight=100.0 * max_marks[j] / sum_max if sum_max != 0 else None,
            total_mean=total_mean,
        )
        for j in range(p)
    ]
    # Effective weight needs every question's covariance with the total.
    sum_sqrt_cov = math.fsum(
        math.sqrt(q.covariance_with_total)
        for q in questions
        if q.covariance_with_total is not None and q.covariance_with_total >= 0
    )
    if sum_sqrt_cov != 0:
        questions = [
            replace(q, effective_weight=100.0 * math.sqrt(q.covariance_with_total) / sum_sqrt_cov)
            if q.covariance_with_total is not None and q.covariance_with_total >= 0
            else q
            for q in questions
        ]

    sum_mark_variance = (
        math.fsum(q.mark_variance for q in questions if q.mark_variance is not None)
        if n >= 2
        else None
    )
    quiz = quiz_statistics(totals, p, sum_mark_variance, max_total=sum_max)
    return StatisticsReport(quiz=quiz, questions=tuple(questions))


def question_statistics(
    index: int,
    tally: MarkTally,
    max_mark: float,
    random_guess_score: float | None = None,
    *,
    intended_weight: float | None = None,
    total_mean: float | None = None,
) -> QuestionStatistics:
    """One question's figures (all but the effective weight, left ``None``) from its
    :data:`MarkTally`: the formulas of :func:`compute_statistics`, with n = Σ counts.

    ``index`` and ``intended_weight`` (percent) are copied into the result;
    ``total_mean`` is T̄ for the covariance with the total, by default the mean of the
    totals in the tally (pass the quiz's when the tally counts all its attempts, as
    :func:`compute_statistics_from_tallies` does). Alone, this gives a question's
    figures over the attempts that asked it when attempts asked different questions.

    Each sum over attempts, Σ f(x, T), is computed as Σ count · f over the tally with
    every product count · f exact (:func:`_repeated_sum`), so it is the same correctly
    rounded sum as over the attempts one by one; the sorted pairing of
    ``covariance_max`` walks the runs of equal marks and equal rests.
    """
    items = list(tally.items())
    n = sum(count for _key, count in items)
    mean = _repeated_sum((x, c) for (x, _t), c in items) / n if n else None
    stats = QuestionStatistics(
        index=index,
        max_mark=max_mark,
        n=n,
        mean_mark=mean,
        facility=mean / max_mark if mean is not None and max_mark != 0 else None,
        sd=None,
        random_guess_score=random_guess_score,
        intended_weight=intended_weight,
        effective_weight=None,
        discrimination_index=None,
        discriminative_efficiency=None,
        mark_variance=None,
        other_mark_variance=None,
        covariance=None,
        covariance_max=None,
        covariance_with_total=None,
    )
    if n < 2 or mean is None:
        return stats
    # Per distinct (x, T): the rest of the test r = T - x, the deviations, the count.
    rows = [(x, t, t - x, c) for (x, t), c in items]
    other_mean = _repeated_sum((r, c) for _x, _t, r, c in rows) / n
    if total_mean is None:
        total_mean = _repeated_sum((t, c) for _x, t, _r, c in rows) / n
    devs = [(x - mean, r - other_mean, t - total_mean, c) for x, t, r, c in rows]
    marks = [x for x, _t, _r, _c in rows]
    others = [r for _x, _t, r, _c in rows]
    mark_var = _repeated_sum((d * d, c) for d, _o, _t, c in devs) / (n - 1)
    if _is_noise(mark_var, marks):
        mark_var = 0.0
    other_var = _repeated_sum((o * o, c) for _d, o, _t, c in devs) / (n - 1)
    if _is_noise(other_var, others):
        other_var = 0.0
    cov = _repeated_sum((d * o, c) for d, o, _t, c in devs) / (n - 1)
    # The largest covariance these marks could have: both lists sorted the same way.
    mark_runs: Counter[float] = Counter()
    other_runs: Counter[float] = Counter()
    for x, _t, r, c in rows:
        mark_runs[x] += c
        other_runs[r] += c
    cov_max = _repeated_sum(
        ((x - mean) * (r - other_mean), k)
        for x, r, k in _paired_runs(sorted(mark_runs.items()), sorted(other_runs.items()))
    ) / (n - 1)
    if _is_noise(cov_max, others):
        cov_max = 0.0
    cov_total = _repeated_sum((d * dt, c) for d, _o, dt, c in devs) / (n - 1)
    if _is_noise(cov_total, (t for _x, t, _r, _c in rows)):
        cov_total = 0.0
    return replace(
        stats,
        sd=math.sqrt(mark_var),
        mark_variance=mark_var,
        other_mark_variance=other_var,
        covariance=cov,
        covariance_max=cov_max,
        covariance_with_total=cov_total,
        discrimination_index=(
            100.0 * cov / math.sqrt(mark_var * other_var) if mark_var * other_var != 0 else None
        ),
        discriminative_efficiency=100.0 * cov / cov_max if cov_max != 0 else None,
    )


def quiz_statistics(
    totals: Sequence[float],
    n_questions: int,
    sum_of_mark_variance: float | None,
    max_total: float = 0.0,
) -> QuizStatistics:
    """Moodle's figures for the attempt totals.

    Source: ``mod/quiz/report/statistics/classes/calculator.php``.

    ``totals``: each attempt's total mark; ``n_questions``: p, the number of questions;
    ``sum_of_mark_variance``: Σ of the questions' sample mark variances (for the CIC);
    ``max_total``: the quiz's maximum mark, carried into the result for display.

    With n attempts, T̄ the mean and Sₖ = Σ(T − T̄)ᵏ
    (https://docs.moodle.org/dev/Quiz_statistics_calculations#Test_statistics and
    https://docs.moodle.org/dev/Quiz_item_analysis_calculations_in_practise):

    * ``mean`` = T̄ and ``median`` (mean of the two middle totals when n is even), n ≥ 1;
    * ``sd`` = √(S₂ / (n − 1)), n ≥ 2;
    * k₂ = S₂ / (n − 1), k₃ = n · S₃ / ((n − 1)(n − 2)),
      k₄ = n · ((n + 1) · S₄ − 3 (n − 1) · S₂² / n) / ((n − 1)(n − 2)(n − 3));
    * ``skewness`` = k₃ / k₂^(3/2) (n ≥ 3) and ``kurtosis`` = k₄ / k₂² (n ≥ 4), both
      ``None`` when k₂ = 0;
    * ``cic`` = 100 · p / (p − 1) · (1 − Σ mark_variance / k₂): Cronbach's alpha in
      percent (n ≥ 3, p ≥ 2, k₂ ≠ 0);
    * ``error_ratio`` = 100 · √(1 − cic / 100) and ``standard_error`` =
      error_ratio · sd / 100, whenever the CIC is defined.
    """
    n = len(totals)
    mean = median = sd = skewness = kurtosis = cic = error_ratio = standard_error = None
    # Totals repeat (whole marks: at most p + 1 values), so each sum runs over the
    # distinct totals with their counts, summed exactly as over the attempts.
    counts = list(Counter(totals).items())
    if n:
        mean = _fsum_mean(totals)
        median = float(statistics.median(totals))
    if n >= 2 and mean is not None:
        dev = [(t - mean, c) for t, c in counts]
        s2 = _repeated_sum((d * d, c) for d, c in dev)
        if _is_noise(s2 / (n - 1), (t for t, _c in counts)):
            s2 = 0.0
        sd = math.sqrt(s2 / (n - 1))
        k2 = s2 / (n - 1)
        if n >= 3 and k2 != 0:
            s3 = _repeated_sum((d**3, c) for d, c in dev)
            s4 = _repeated_sum((d**4, c) for d, c in dev)
            m2, m3, m4 = s2 / n, s3 / n, s4 / n
            k3 = n * n * m3 / ((n - 1) * (n - 2))
            skewness = k3 / k2**1.5
            if n >= 4:
                k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
                kurtosis = k4 / (k2 * k2)
            if n_questions > 1 and sum_of_mark_variance is not None:
                cic = (100.0 * n_questions / (n_questions - 1)) * (1 - sum_of_mark_variance / k2)
                # Cronbach's alpha cannot exceed 1; clamp rounding so the root stays real.
                error_ratio = 100.0 * math.sqrt(max(0.0, 1 - cic / 100.0))
                standard_error = error_ratio * sd / 100.0
    return QuizStatistics(
        n=n,
        max_total=max_total,
        mean=mean,
        median=median,
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        cic=cic,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )


# --------------------------------------------------------------------------- random guess


def random_guess_score(fractions: Sequence[float], multiple: bool) -> float | None:
    """The mean fraction a student would get by picking at random, as Moodle estimates it.

    Follows ``qtype_multichoice::get_random_guess_score`` (Moodle's
    ``question/type/multichoice/questiontype.php``): for a single-answer question
    (including true/false) the mean of the choices' credit fractions, so 1/n for one
    right choice among n; for a multiple-answer question Moodle returns null ("Pretty
    much impossible to compute for _multi questions. Don't try."), and so does this:
    ``None``. ``None`` too when there are no choices.
    """
    if multiple or not fractions:
        return None
    return math.fsum(fractions) / len(fractions)


def question_random_guess_score(question: Question) -> float | None:
    """:func:`random_guess_score` of a domain :class:`~quizapp.domain.model.Question`."""
    return random_guess_score(
        [c.fraction for c in question.choices], question.type is QuestionType.MULTIPLE
    )


# --------------------------------------------------------------------------- distractors


@dataclass(frozen=True)
class ChoiceFrequency:
    """How often one choice (author-order ``index``) was picked: ``count`` attempts,
    ``share`` = count / attempts (0–1; ``None`` when there are no attempts)."""

    index: int
    count: int
    share: float | None


@dataclass(frozen=True)
class QuestionChoiceFrequencies:
    """Distractor analysis of one question (0-based ``question`` column).

    ``choices`` in author order; ``no_response`` counts attempts that picked nothing.
    In a multiple-answer question an attempt may pick several choices, so the shares
    can add up to more than 1.
    """

    question: int
    attempts: int
    choices: tuple[ChoiceFrequency, ...]
    no_response: ChoiceFrequency


def choice_frequencies(
    responses: Sequence[Sequence[Collection[int] | None]],
    choice_counts: Sequence[int],
) -> tuple[QuestionChoiceFrequencies, ...]:
    """Per question, per choice: how many attempts picked it and what share of attempts.

    ``responses``: one row per attempt (the same attempts as the marks matrix), each
    row one entry per question: the author-order indices of the choices picked, or
    ``None`` / empty when the question was not answered. ``choice_counts``: how many
    choices each question has. The ``no_response`` entry has ``index`` -1.

    This is the "analysis of responses" part of Moodle's statistics report
    (``question/classes/statistics/responses/analyser.php``): a distractor nobody picks
    does no work; one the strong students pick points at a wrong key or an ambiguity.
    Raises ``ValueError`` for a row of the wrong length or an index out of range.
    """
    p = len(choice_counts)
    n = len(responses)
    counts = [[0] * k for k in choice_counts]
    blanks = [0] * p
    for row_no, row in enumerate(responses):
        if len(row) != p:
            raise ValueError(f"attempt {row_no} has {len(row)} responses, expected {p}")
        for j, picked in enumerate(row):
            if not picked:
                blanks[j] += 1
                continue
            for index in set(picked):
                if not 0 <= index < choice_counts[j]:
                    raise ValueError(
                        f"attempt {row_no}, question {j}: choice {index} out of range "
                        f"0..{choice_counts[j] - 1}"
                    )
                counts[j][index] += 1

    def share(count: int) -> float | None:
        return count / n if n else None

    return tuple(
        QuestionChoiceFrequencies(
            question=j,
            attempts=n,
            choices=tuple(ChoiceFrequency(i, c, share(c)) for i, c in enumerate(counts[j])),
            no_response=ChoiceFrequency(-1, blanks[j], share(blanks[j])),
        )
        for j in range(p)
    )


# --------------------------------------------------------------------------- flags


class FlagReason(StrEnum):
    """Why a question is shown to the teacher as needing a look."""

    WEAK_DISCRIMINATION = "weak_discrimination"
    """Discrimination index under 20%: the question does not separate strong from weak."""
    TOO_HARD = "too_hard"
    """Facility under 10%: almost nobody gets it; check the key and the wording."""
    TOO_EASY = "too_easy"
    """Facility over 95%: almost everybody gets it; it tells the teacher little."""


def flag_questions(
    stats: Iterable[QuestionStatistics], n_attempts: int
) -> tuple[tuple[FlagReason, ...], ...]:
    """For each question, in order, the reasons to flag it (empty when none).

    ``n_attempts`` is the number of *first* attempts at the quiz: below
    :data:`MIN_ATTEMPTS_FOR_FLAGS` (10) nothing is flagged, since the figures are too
    noisy. From then on (issue 6): discrimination index under 20% (Moodle's weak and
    very weak bands, and negative values) → ``WEAK_DISCRIMINATION``; facility under 10%
    → ``TOO_HARD``; over 95% → ``TOO_EASY``. An undefined figure flags nothing.
    """
    questions = list(stats)
    if n_attempts < MIN_ATTEMPTS_FOR_FLAGS:
        return tuple(() for _ in questions)
    result: list[tuple[FlagReason, ...]] = []
    for q in questions:
        reasons: list[FlagReason] = []
        if (
            q.discrimination_index is not None
            and q.discrimination_index < WEAK_DISCRIMINATION_PERCENT
        ):
            reasons.append(FlagReason.WEAK_DISCRIMINATION)
        if q.facility is not None and q.facility < TOO_HARD_FACILITY:
            reasons.append(FlagReason.TOO_HARD)
        if q.facility is not None and q.facility > TOO_EASY_FACILITY:
            reasons.append(FlagReason.TOO_EASY)
        result.append(tuple(reasons))
    return tuple(result)


# --------------------------------------------------------------------------- attempt choice


class AttemptSelection(StrEnum):
    """Which attempts of each student the statistics use (Moodle's "Calculate statistics from").

    ``first`` (the default, and the only statistically sound one), ``all``, ``highest``
    (the best total; ties go to the earliest) and ``last``.
    """

    FIRST = "first"
    ALL = "all"
    HIGHEST = "highest"
    LAST = "last"


class AttemptLike(Protocol):
    """What :func:`select_attempts` needs of an attempt: who, when, and its total mark."""

    @property
    def student_id(self) -> Hashable: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def total(self) -> float: ...


@dataclass(frozen=True)
class AttemptRef:
    """A plain :class:`AttemptLike`: ``attempt_id`` is the caller's key for the attempt;
    ``started_at`` a timezone-aware UTC ``datetime``; ``total`` in marks."""

    attempt_id: Hashable
    student_id: Hashable
    started_at: datetime
    total: float


A = TypeVar("A", bound=AttemptLike)


def select_attempts(attempts: Sequence[A], selection: AttemptSelection) -> list[A]:
    """The attempts that count under ``selection``, in their input order.

    Pass finished attempts only. ``FIRST``: each student's earliest ``started_at``;
    ``LAST``: the latest; ``HIGHEST``: the highest ``total``, ties going to the earliest
    (as Moodle's ``quiz_report_grade_method_sql``); ``ALL``: every attempt, each treated
    as if by a different student. Equal start times are broken by input order (first
    listed counts as earlier).
    """
    if selection is AttemptSelection.ALL:
        return list(attempts)
    chosen: dict[Hashable, int] = {}
    for i, attempt in enumerate(attempts):
        key = attempt.student_id
        if key not in chosen:
            chosen[key] = i
            continue
        best = attempts[chosen[key]]
        if selection is AttemptSelection.FIRST:
            better = attempt.started_at < best.started_at
        elif selection is AttemptSelection.LAST:
            better = attempt.started_at >= best.started_at
        else:
            better = attempt.total > best.total or (
                attempt.total == best.total and attempt.started_at < best.started_at
            )
        if better:
            chosen[key] = i
    keep = set(chosen.values())
    return [a for i, a in enumerate(attempts) if i in keep]
