"""Charts for the teacher's statistics page, drawn with pyqtgraph.

pyqtgraph is imported only when a chart is first built (:func:`load_pyqtgraph`), so
the app starts without it. Colours come from the widget's palette (text, highlight,
base), so the charts read in light, dark and high-contrast palettes; every chart has a
title and axis labels in words, and the two series of the question chart differ by fill
pattern as well as by colour.

- :class:`ScoreDistributionChart`: how many attempts got each total mark (a histogram
  of the totals, one bar per band).
- :class:`QuestionBarsChart`: facility (%) and discrimination index per question, with
  the 20% line under which discrimination is weak.

Axis ticks are pyqtgraph's own "nice numbers" (steps of 1, 2 or 5 × 10^k, as many as
the axis length allows), whole numbers only on the count axis. Nothing is written over
the bars: the question chart's legend, including the dashed "weak" line, sits under the
plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

_pg: Any = None

WEAK_DISCRIMINATION = 20
"""Discrimination index (%) under which a question discriminates weakly (Moodle)."""


def load_pyqtgraph() -> Any:
    """Import pyqtgraph (once) and return the module."""
    global _pg
    if _pg is None:
        import pyqtgraph

        pyqtgraph.setConfigOptions(antialias=True)
        _pg = pyqtgraph
    return _pg


def histogram(totals: Sequence[float], max_total: float, bins: int = 10) -> list[int]:
    """Counts of ``totals`` in ``bins`` equal bands of 0..``max_total`` (the last band
    includes the maximum). Empty counts when ``max_total`` is 0."""
    if max_total <= 0:
        return [0] * bins
    counts = [0] * bins
    for t in totals:
        index = min(bins - 1, max(0, math.floor(bins * t / max_total)))
        counts[index] += 1
    return counts


_count_axis_class: Any = None


def _count_axis(pg: Any) -> Any:
    """An ``AxisItem`` for counts: pyqtgraph's nice-number ticks (1, 2, 5 × 10^k), with
    no level finer than 1 (there are no half attempts)."""
    global _count_axis_class
    if _count_axis_class is None:

        class CountAxis(pg.AxisItem):  # type: ignore[misc]
            def tickSpacing(self, minVal: float, maxVal: float, size: float) -> Any:
                levels = super().tickSpacing(minVal, maxVal, size)
                whole = [(s, o) for s, o in levels if s >= 1]
                return whole or [(1.0, 0.0)]

        _count_axis_class = CountAxis
    return _count_axis_class(orientation="left")


class _Chart(QWidget):
    def __init__(
        self, title: str, parent: QWidget | None = None, *, count_axis: bool = False
    ) -> None:
        super().__init__(parent)
        pg = load_pyqtgraph()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        pal = self.palette()
        self.text_color = pal.color(QPalette.ColorRole.WindowText)
        self.accent = pal.color(QPalette.ColorRole.Highlight)
        axes = {"left": _count_axis(pg)} if count_axis else None
        self.plot = pg.PlotWidget(background=pal.color(QPalette.ColorRole.Base), axisItems=axes)
        self.plot.setTitle(title, color=self.text_color.name())
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(self.text_color)
            axis.setTextPen(self.text_color)
        layout.addWidget(self.plot)
        self.setMinimumHeight(180)


class ScoreDistributionChart(_Chart):
    """Attempts per band of total mark (percent of the maximum)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Score distribution"), parent, count_axis=True)
        self.plot.setLabel("left", self.tr("Attempts"), color=self.text_color.name())
        self.plot.setLabel("bottom", self.tr("Score (%)"), color=self.text_color.name())
        self.counts: list[int] = []

    def set_totals(self, totals: Sequence[float], max_total: float, bins: int = 10) -> None:
        """Draw the histogram of ``totals`` (marks out of ``max_total``)."""
        pg = load_pyqtgraph()
        self.plot.clear()
        self.counts = histogram(totals, max_total, bins)
        width = 100.0 / bins
        bars = pg.BarGraphItem(
            x=[width * (i + 0.5) for i in range(bins)],
            height=self.counts,
            width=width * 0.9,
            brush=self.accent,
            pen=self.text_color,
        )
        self.plot.addItem(bars)
        self.plot.setXRange(0, 100, padding=0.02)
        top = max(1, max(self.counts, default=1))
        self.plot.setYRange(0, top, padding=0.05)
        # Every other band edge labelled; the ones between only where there is room
        # (pyqtgraph draws a finer level's labels only when they fit).
        edges = [(width * i, f"{width * i:.0f}") for i in range(bins + 1)]
        self.plot.getAxis("bottom").setTicks([edges[::2], edges[1::2]])


class QuestionBarsChart(_Chart):
    """Facility (%) and discrimination index per question, side by side; a dashed line at
    20 marks weak discrimination. The legend (both series and the line) is under the
    plot, in two columns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Facility and discrimination per question"), parent)
        self.plot.setLabel("left", self.tr("%"), color=self.text_color.name())
        self.plot.setLabel("bottom", self.tr("Question"), color=self.text_color.name())
        pg = load_pyqtgraph()
        # Under the plot (the plot item's grid row 4), so it never covers a bar.
        self.legend = pg.LegendItem(colCount=2, labelTextColor=self.text_color, horSpacing=12)
        self.plot.getPlotItem().layout.addItem(self.legend, 4, 1)
        self.values: list[tuple[float | None, float | None]] = []

    def set_questions(
        self, facility: Sequence[float | None], discrimination: Sequence[float | None]
    ) -> None:
        """Draw one pair of bars per question (percents; ``None`` draws no bar)."""
        pg = load_pyqtgraph()
        self.plot.clear()
        self.legend.clear()
        self.values = list(zip(facility, discrimination, strict=True))
        n = len(self.values)
        xs = list(range(1, n + 1))
        fac = pg.BarGraphItem(
            x=[x - 0.2 for x in xs],
            height=[v or 0.0 for v, _ in self.values],
            width=0.38,
            brush=self.accent,
            pen=self.text_color,
        )
        hatch = QBrush(self.text_color, Qt.BrushStyle.BDiagPattern)
        dis = pg.BarGraphItem(
            x=[x + 0.2 for x in xs],
            height=[d or 0.0 for _, d in self.values],
            width=0.38,
            brush=hatch,
            pen=self.text_color,
        )
        self.plot.addItem(fac)
        self.plot.addItem(dis)
        dashed = pg.mkPen(self.text_color, style=Qt.PenStyle.DashLine)
        weak = pg.InfiniteLine(pos=WEAK_DISCRIMINATION, angle=0, pen=dashed)
        self.plot.addItem(weak)
        # The line's meaning goes in the legend (a dashed sample), not over the bars.
        weak_sample = pg.PlotDataItem([], [], pen=dashed)
        self.legend.addItem(fac, self.tr("Facility %"))
        self.legend.addItem(dis, self.tr("Discrimination index"))
        self.legend.addItem(
            weak_sample, self.tr("Weak discrimination: below {n}").format(n=WEAK_DISCRIMINATION)
        )
        low = min([0.0] + [d for _, d in self.values if d is not None])
        self.plot.setYRange(low, 100, padding=0.05)
        self.plot.setXRange(0.4, n + 0.6, padding=0)
        step = max(1, n // 20)
        self.plot.getAxis("bottom").setTicks([[(x, str(x)) for x in xs[::step]]])


__all__ = [
    "WEAK_DISCRIMINATION",
    "QuestionBarsChart",
    "ScoreDistributionChart",
    "histogram",
    "load_pyqtgraph",
]
