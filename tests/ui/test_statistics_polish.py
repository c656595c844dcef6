"""The Statistics page at classroom scale, in the main window at its default sizes.

What a teacher reads there must be whole and plain: every figure's name and value
shown in full (no "Coefficient of int…"), counts with digit grouping ("20,001
attempts"), the score chart's count axis in round steps (1, 2, 5 × 10^k, not 558 /
1116 / …), and nothing written over the bars of the question chart.

The page runs on a real database (the built-in pack, one student's attempt); the
figures of a 20,001-attempt class (from a user test on 500 students × 40 attempts) are
then shown through the page's own ``show_report``, since generating such a class takes
minutes.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, QRect, Qt
from PySide6.QtGui import QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QLabel

from quizapp.services.container import Services
from quizapp.services.statistics_report import QuizStatisticsReport
from quizapp.ui.main_window import MainWindow
from quizapp.ui.teacher.pin_dialog import PinDialog

SIZES = [(1024, 700), (1200, 780)]  # the window's default sizes


@pytest.fixture(autouse=True)
def _english_numbers() -> Iterator[None]:
    """Numbers as in the C/English locale the tests run in, whatever the machine's."""
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(before)


@pytest.fixture
def stats(qtbot, window: MainWindow, services: Services, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The Statistics page in the teacher area of the main window, after one attempt."""
    monkeypatch.setattr(PinDialog, "ask", lambda *a, **k: True)
    sid = services.students.create_student("Ana").id
    lesson = services.course.home(sid).packs[0].lessons[0]
    view = services.attempts.start_lesson_quiz(sid, lesson.id)
    for slot in view.slots:
        services.attempts.submit(view.id, slot.slot, [slot.choices[0].index])
    services.attempts.finish(view.id)
    teacher = window.teacher
    titles = teacher.page_titles()
    page = teacher.pages[titles.index("Statistics")]
    with qtbot.waitSignal(page.report_ready, timeout=20000):
        assert window.open_teacher_area(page)
        teacher.show_page(page)
    return page


def classroom(report: QuizStatisticsReport) -> QuizStatisticsReport:
    """``report`` with the figures of the user test's class: 20,001 attempts out of 20
    marks, 500 students, and a score distribution whose tallest band holds 3,348."""
    quiz = dataclasses.replace(
        report.quiz,
        n=20001,
        max_total=20.0,
        mean=10.58,
        median=11.0,
        sd=4.36,
        skewness=-0.19,
        kurtosis=-0.67,
        cic=79.19,
        error_ratio=45.62,
        standard_error=1.99,
    )
    per_band = [320, 990, 1600, 2180, 2750, 3225, 3348, 2810, 1860, 918]
    totals = tuple(float(2 * band + 1) for band, count in enumerate(per_band) for _ in range(count))
    assert len(totals) == 20001
    return dataclasses.replace(report, quiz=quiz, first_attempts=500, totals=totals)


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _shows_whole(label: QLabel) -> tuple[bool, str]:
    """Whether ``label``'s whole text fits its rectangle (wrapped if the label wraps)
    and the rectangle lies inside the window."""
    box = label.contentsRect()
    fm = QFontMetrics(label.font())
    if label.wordWrap():
        need = fm.boundingRect(
            QRect(0, 0, box.width(), 100_000),
            int(Qt.TextFlag.TextWordWrap) | int(label.alignment()),
            label.text(),
        )
        # A line missing is a line short; a pixel of the last line's descent is not.
        fits = need.width() <= box.width() and need.height() <= box.height() + 1
    else:
        need = fm.boundingRect(label.text())
        fits = fm.horizontalAdvance(label.text()) <= box.width()
    top_left = label.mapTo(label.window(), box.topLeft())
    inside = label.window().rect().contains(QRect(top_left, box.size()))
    return fits and inside, f"{label.text()!r}: needs {need.size()}, has {box.size()}"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_figure_name_and_value_is_shown_whole(qtbot, stats, size) -> None:  # type: ignore[no-untyped-def]
    stats.window().resize(*size)
    stats.show_report(classroom(stats.report))
    settle()
    from quizapp.ui.teacher.statistics_page import FIGURE_TIPS

    by_text = {label.text(): label for label in stats.findChildren(QLabel)}
    names = {key: by_text[f"{name}:"] for key, (name, _) in FIGURE_TIPS.items()}
    assert names["cic"].text() == "Coefficient of internal consistency:"
    for key in names:
        for label in (names[key], stats.figure_labels[key]):
            assert label.isVisible()
            whole, why = _shows_whole(label)
            assert whole, why
    assert stats.figure_labels["mean"].text() == "10.58 / 20 (52.90%)"


def test_counts_are_shown_with_digit_grouping(stats) -> None:  # type: ignore[no-untyped-def]
    stats.show_report(classroom(stats.report))
    assert stats.figure_labels["n"].text() == "20,001"
    assert "20,001 attempts used (first attempts), 500 students." in stats.status_label.text()


def test_count_grouping_follows_the_locale_and_the_c_locale_groups_too() -> None:
    from quizapp.ui.common import count, counted

    assert counted(20001, "attempt", "attempts") == "20,001 attempts"
    assert counted(1, "attempt", "attempts") == "1 attempt"
    QLocale.setDefault(QLocale.c())  # Qt leaves the C locale's numbers ungrouped
    assert count(1234567) == "1,234,567"
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert count(20001) == "20.001"


def _axis_labels(axis) -> list[str]:  # type: ignore[no-untyped-def]
    """The tick labels pyqtgraph draws on ``axis`` at its current size."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert specs is not None
    return [text for _, _, text in specs[2]]


def _is_round_step(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m) for m in (1.0, 2.0, 5.0))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_score_chart_counts_in_round_steps(stats, size) -> None:  # type: ignore[no-untyped-def]
    stats.window().resize(*size)
    stats.show_report(classroom(stats.report))
    stats.tabs.setCurrentIndex(1)
    settle()
    chart = stats.distribution_chart
    assert max(chart.counts) == 3348
    labels = _axis_labels(chart.plot.getAxis("left"))
    values = sorted(float(t.replace(",", "")) for t in labels)
    assert len(values) >= 3, labels
    steps = {b - a for a, b in itertools.pairwise(values)}
    assert len(steps) == 1, labels  # evenly spaced
    step = steps.pop()
    assert _is_round_step(step), labels
    assert all(v % step == 0 for v in values), labels
    assert values[-1] + step > 3348  # the ticks reach the tallest bar


def test_a_small_class_counts_in_whole_attempts(qtbot) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.charts import ScoreDistributionChart

    chart = ScoreDistributionChart()
    qtbot.addWidget(chart)
    chart.resize(320, 300)
    chart.show()
    chart.set_totals([3.0, 9.0, 9.0], 10)
    settle()
    values = [float(t) for t in _axis_labels(chart.plot.getAxis("left"))]
    assert values
    assert all(v == int(v) for v in values), values  # no "0.5 attempts"


def test_the_weak_discrimination_line_is_explained_beside_the_plot_not_over_the_bars(
    stats,
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.charts import load_pyqtgraph

    pg = load_pyqtgraph()
    stats.show_report(classroom(stats.report))
    stats.tabs.setCurrentIndex(1)
    settle()
    chart = stats.questions_chart
    view = chart.plot.getViewBox()
    texts = [i for i in view.allChildren() if isinstance(i, pg.TextItem)]
    assert texts == []  # nothing written over the bars
    legend = chart.legend
    words = [label.text for _, label in legend.items]
    assert "Weak discrimination: below 20" in words
    assert not legend.sceneBoundingRect().intersects(view.sceneBoundingRect())
    assert chart.plot.rect().contains(
        chart.plot.mapFromScene(legend.sceneBoundingRect()).boundingRect()
    )
