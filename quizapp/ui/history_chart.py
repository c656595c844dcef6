"""The score-over-time chart on the student's History screen (pyqtgraph).

Imported by :class:`quizapp.ui.history_view.HistoryView` only when History first shows
attempts, so neither this module nor pyqtgraph loads at start-up. One point per finished
attempt, oldest on the left, its percent on the y axis (0–100; a certainty-based score
may go above or below); the x axis counts attempts and the points are joined in time
order. Colours from the palette; the title and axis labels say what is drawn, and the
points carry a symbol as well as a line, so nothing rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from quizapp.services import dto
from quizapp.ui.charts import load_pyqtgraph


def score_points(attempts: Sequence[dto.AttemptSummary]) -> list[tuple[int, int]]:
    """``(n, percent)`` for each finished attempt, oldest first (n from 1)."""
    finished = [a for a in attempts if a.finished_at is not None and a.percent is not None]
    finished.sort(key=lambda a: (a.started_at, a.id))
    return [(n, int(a.percent or 0)) for n, a in enumerate(finished, start=1)]


class ScoreChart(QWidget):
    """Percent of each finished attempt over time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg = load_pyqtgraph()
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.WindowText)
        self._accent = pal.color(QPalette.ColorRole.Highlight)
        self._text = text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background=pal.color(QPalette.ColorRole.Base))
        self.plot.setTitle(self.tr("Your scores over time"), color=text.name())
        self.plot.setLabel("left", self.tr("Score (%)"), color=text.name())
        self.plot.setLabel("bottom", self.tr("Quiz number (oldest first)"), color=text.name())
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(text)
            axis.setTextPen(text)
        layout.addWidget(self.plot)
        self.setMinimumHeight(170)
        self.setMaximumHeight(230)
        self.setAccessibleName(self.tr("Chart of your scores over time"))
        self.points: list[tuple[int, int]] = []

    def set_attempts(self, attempts: Sequence[dto.AttemptSummary]) -> None:
        """Draw the finished ones of ``attempts`` (any order)."""
        pg = load_pyqtgraph()
        self.points = score_points(attempts)
        self.plot.clear()
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        pen = pg.mkPen(self._accent, width=2)
        self.plot.plot(
            xs,
            ys,
            pen=pen,
            symbol="o",
            symbolSize=9,
            symbolBrush=self._accent,
            symbolPen=pg.mkPen(self._text),
        )
        line = pg.InfiniteLine(
            pos=100, angle=0, pen=pg.mkPen(self._text, style=Qt.PenStyle.DotLine)
        )
        self.plot.addItem(line)
        low = min([0, *ys])
        high = max([100, *ys])
        self.plot.setYRange(low, high, padding=0.05)
        self.plot.setXRange(0.5, max(1, len(xs)) + 0.5, padding=0)
        self.plot.getAxis("bottom").setTicks([[(x, str(x)) for x in xs]] if len(xs) <= 20 else None)
        if self.points:
            last = self.points[-1][1]
            self.setToolTip(
                self.tr("{n} quizzes; the latest scored {p}%").format(n=len(xs), p=last)
            )


__all__ = ["ScoreChart", "score_points"]
