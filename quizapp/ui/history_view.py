"""History: the student's attempts, newest first, in a table; open one to review it.

Columns: local date and time, lesson or exam, score, duration. An unfinished attempt
shows its progress and opens where it stopped. Above the table, the score-over-time
chart (:mod:`quizapp.ui.history_chart`, pyqtgraph), built the first time History shows
attempts, so pyqtgraph is not imported at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.scoring import format_marks
from quizapp.services import dto
from quizapp.ui.common import button, primary_button, wrap_label
from quizapp.ui.results_view import local_datetime

if TYPE_CHECKING:
    from quizapp.ui.history_chart import ScoreChart


def format_duration(seconds: float) -> str:
    """``seconds`` as ``"4 min 05 s"``; ``"35 s"`` under a minute, ``"1 h 02 min"`` from an hour."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


class _Table(QTableView):
    """Enter opens the current row (a plain table would move down)."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)


class HistoryView(QWidget):
    """The student's past quizzes.

    Signals: ``review_requested(attempt_id)`` for a finished attempt,
    ``resume_requested(attempt_id)`` for an unfinished one, ``back_requested()``.
    """

    review_requested = Signal(int)
    resume_requested = Signal(int)
    back_requested = Signal()

    HEADERS = ("Started", "Quiz", "Score", "Time taken")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._attempts: list[dto.AttemptSummary] = []
        self.chart: ScoreChart | None = None
        outer = QVBoxLayout(self)
        self._outer = outer
        outer.setContentsMargins(24, 12, 24, 12)
        outer.setSpacing(8)
        outer.addWidget(wrap_label(self.tr("My results"), 1.5, bold=True))
        self.count_label = wrap_label("")
        outer.addWidget(self.count_label)
        self._chart_index = outer.count()
        self.stack = QStackedWidget()
        self.empty_label = wrap_label(
            self.tr(
                "No quizzes yet. Go back Home, open a lesson and take its quiz: "
                "your score will appear here."
            ),
            1.15,
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.model = QStandardItemModel(0, len(self.HEADERS), self)
        self.model.setHorizontalHeaderLabels([self.tr(h) for h in self.HEADERS])
        self.table = _Table()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(self.tr("Your quizzes, newest first"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.table)
        outer.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        self.back_button = button(self.tr("Home"), "home", self.tr("Back to the lessons (Esc)"))
        self.open_button = primary_button(self.tr("Open"), "eye")
        self.open_button.setToolTip(self.tr("Review the selected quiz (Enter or double-click)"))
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        outer.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.back_button.clicked.connect(self.back_requested)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.activated_row.connect(self._on_table_activated_row)

    @property
    def attempts(self) -> list[dto.AttemptSummary]:
        """The attempts listed, in table order."""
        return list(self._attempts)

    def set_attempts(self, attempts: Sequence[dto.AttemptSummary]) -> None:
        """List ``attempts`` (newest first, as the service gives them)."""
        self._attempts = list(attempts)
        self.model.removeRows(0, self.model.rowCount())
        for attempt in self._attempts:
            when = QStandardItem(local_datetime(attempt.started_at))
            kind = {
                "exam": self.tr("Exam"),
                "quiz": self.tr("Quiz"),
                "review": self.tr("Review"),
            }.get(attempt.kind, self.tr("Lesson"))
            quiz = QStandardItem(
                f"{attempt.title}  ({kind})" if attempt.kind != "exam" else attempt.title
            )
            if attempt.finished_at is None:
                score = QStandardItem(
                    self.tr("In progress: {a} of {t}").format(a=attempt.answered, t=attempt.total)
                )
            else:
                pct = attempt.percent if attempt.percent is not None else 0
                score = QStandardItem(
                    f"{format_marks(attempt.marks)} / {format_marks(attempt.max_marks)} ({pct}%)"
                )
            duration = QStandardItem(format_duration(attempt.duration_s))
            for item in (when, quiz, score, duration):
                item.setEditable(False)
            self.model.appendRow([when, quiz, score, duration])
        self.table.resizeRowsToContents()
        has_rows = bool(self._attempts)
        finished = any(a.finished_at is not None for a in self._attempts)
        if finished and self.chart is None:
            from quizapp.ui.history_chart import ScoreChart

            self.chart = ScoreChart()
            self._outer.insertWidget(self._chart_index, self.chart)
        if self.chart is not None:
            self.chart.set_attempts(self._attempts)
            self.chart.setVisible(finished)
        self.stack.setCurrentWidget(self.table if has_rows else self.empty_label)
        self.open_button.setEnabled(has_rows)
        n = len(self._attempts)
        self.count_label.setText(
            self.tr(
                "{n} quizzes, newest first. Choose one and press Open to see your answers."
            ).format(n=n)
            if n != 1
            else self.tr("1 quiz. Choose it and press Open to see your answers.")
        )
        self.count_label.setVisible(has_rows)
        if has_rows:
            self.table.selectRow(0)
            self.table.setFocus()
        else:
            self.back_button.setFocus()

    def activate_primary(self) -> None:
        """Enter: open the selected attempt."""
        self._on_open_button_clicked()

    def _open_row(self, row: int) -> None:
        if not 0 <= row < len(self._attempts):
            return
        attempt = self._attempts[row]
        if attempt.finished_at is None:
            self.resume_requested.emit(attempt.id)
        else:
            self.review_requested.emit(attempt.id)

    def _on_open_button_clicked(self) -> None:
        index = self.table.currentIndex()
        self._open_row(index.row() if index.isValid() else 0)

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_row(index.row())

    def _on_table_activated_row(self, row: int) -> None:
        self._open_row(row)
