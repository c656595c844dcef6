"""Quiz statistics from the database equal the domain's figures on the same marks."""

from __future__ import annotations

import conftest_results as h
import pytest

from quizapp.domain.statistics import (
    AttemptSelection,
    FlagReason,
    compute_statistics,
)
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.services.results import QuizRef, ResultsFilter
from quizapp.services.statistics_report import StatisticsService
from quizapp.store.database import Database

KEYS = [f"l1q{n}" for n in range(8)]
# Which questions each student gets right on their first attempt (hand-made, varied).
PATTERNS = {
    "Ana": KEYS,
    "Ben": KEYS[:6],
    "Cleo": [*KEYS[:3], "l1q6"],
    "Dan": ["l1q1", "l1q4"],
}


def _take(services: Services, clock: object, patterns: dict[str, list[str]]) -> int:
    ids = {name: services.students.create_student(name).id for name in patterns}
    lesson = h.lesson_ids(services, next(iter(ids.values())))[0]
    for name, right in patterns.items():
        h.take_lesson_quiz(services, clock.advance, ids[name], lesson, right)  # type: ignore[attr-defined]
    return lesson


def test_figures_equal_the_domain_functions_on_the_same_marks_and_a_hand_worked_case(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    lesson = _take(services, clock, PATTERNS)
    report = StatisticsService(database.sessions).quiz_statistics(QuizRef.lesson(lesson))

    assert report.title == "Lesson 1"
    assert report.complete
    assert [q.key for q in report.questions] == KEYS
    matrix = [[1.0 if k in right else 0.0 for k in KEYS] for right in PATTERNS.values()]
    expected = compute_statistics(matrix, [1.0] * 8)
    assert report.quiz.n == 4
    for field in ("mean", "median", "sd", "skewness", "kurtosis", "cic", "error_ratio"):
        assert getattr(report.quiz, field) == pytest.approx(getattr(expected.quiz, field)), field
    for got, want in zip(report.questions, expected.questions, strict=True):
        for field in ("facility", "sd", "discrimination_index", "discriminative_efficiency"):
            assert getattr(got, field) == pytest.approx(getattr(want, field)), (got.key, field)
    assert list(report.totals) == [8.0, 6.0, 4.0, 2.0]

    # By hand, l1q0 (single answer, 4 choices): right for Ana, Ben and Cleo, wrong for Dan.
    q0 = report.questions[0]
    assert q0.facility == pytest.approx(0.75)
    # marks 1,1,1,0: mean 0.75, var = (3 * 0.25² + 0.75²) / 3 = 0.25
    assert q0.sd == pytest.approx(0.5)
    assert q0.random_guess_score == pytest.approx(0.25)  # one right choice of four
    # rest of test: 7, 5, 3, 2 -> cov with (1,1,1,0): Σ(x-x̄)(r-r̄)/3
    rest = [7, 5, 3, 2]
    xs = [1, 1, 1, 0]
    rm, xm = sum(rest) / 4, 0.75
    cov = sum((x - xm) * (r - rm) for x, r in zip(xs, rest, strict=True)) / 3
    var_r = sum((r - rm) ** 2 for r in rest) / 3
    assert q0.discrimination_index == pytest.approx(100 * cov / (0.25 * var_r) ** 0.5)
    # Distractor analysis: Ana, Ben, Cleo picked the right choice A; Dan picked B.
    assert [(c.letter, c.count) for c in q0.choices] == [("A", 3), ("B", 1), ("C", 0), ("D", 0)]
    assert q0.choices[0].text == "l1q0 right"
    assert q0.no_response == 0
    # Fewer than 10 first attempts: no flags.
    assert not report.flags_shown
    assert all(q.flags == () for q in report.questions)


def test_first_attempts_by_default_other_selections_on_request(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    lesson = _take(services, clock, {"Ana": KEYS[:2], "Ben": KEYS[:4]})
    ana = services.students.list_students()
    ana_id = next(s.id for s in ana if s.name == "Ana")
    h.take_lesson_quiz(services, clock.advance, ana_id, lesson, KEYS)  # type: ignore[attr-defined]
    stats = StatisticsService(database.sessions)
    ref = QuizRef.lesson(lesson)

    assert sorted(stats.quiz_statistics(ref).totals) == [2.0, 4.0]
    assert sorted(stats.quiz_statistics(ref, AttemptSelection.ALL).totals) == [2.0, 4.0, 8.0]
    assert sorted(stats.quiz_statistics(ref, AttemptSelection.HIGHEST).totals) == [4.0, 8.0]
    assert sorted(stats.quiz_statistics(ref, AttemptSelection.LAST).totals) == [4.0, 8.0]
    assert stats.quiz_statistics(ref).first_attempts == 2
    one = stats.quiz_statistics(ref, AttemptSelection.ALL, ResultsFilter(student_id=ana_id))
    assert sorted(one.totals) == [2.0, 8.0]


def test_flags_once_ten_students_took_it(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    # Everyone gets l1q0 right (too easy), nobody l1q7 (too hard); the others vary.
    patterns = {
        f"S{i:02}": ["l1q0"] + [k for j, k in enumerate(KEYS[1:7]) if j < i % 7] for i in range(10)
    }
    lesson = _take(services, clock, patterns)
    progress: list[tuple[int, int]] = []
    report = StatisticsService(database.sessions).quiz_statistics(
        QuizRef.lesson(lesson), progress=lambda done, total: progress.append((done, total))
    )
    assert report.flags_shown
    by_key = {q.key: q for q in report.questions}
    assert FlagReason.TOO_EASY in by_key["l1q0"].flags
    assert FlagReason.TOO_HARD in by_key["l1q7"].flags
    assert progress[-1] == (10, 10)


def test_cancelling_stops_the_computation(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    from quizapp.services.results import OperationCancelled

    lesson = _take(services, clock, {"Ana": KEYS})
    with pytest.raises(OperationCancelled):
        StatisticsService(database.sessions).quiz_statistics(
            QuizRef.lesson(lesson), cancelled=lambda: True
        )


def test_a_class_filter_keeps_that_class_s_attempts(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    lesson = _take(services, clock, {"Ana": KEYS, "Ben": KEYS[:2], "Cleo": KEYS[:4]})
    by_name = {s.name: s.id for s in services.students.list_students()}
    classes = ClassService(database.sessions)
    morning = classes.create_class("Morning").id
    classes.set_class([by_name["Ana"], by_name["Cleo"]], morning)
    stats = StatisticsService(database.sessions)

    report = stats.quiz_statistics(QuizRef.lesson(lesson), f=ResultsFilter(class_id=morning))

    assert sorted(report.totals) == [4.0, 8.0]
    assert report.first_attempts == 2
    assert len(stats.quiz_statistics(QuizRef.lesson(lesson)).totals) == 3
