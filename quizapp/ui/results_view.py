"""Results and review: the score big, an encouraging line, then every question.

Each question is one line with ✓ or ✗, expandable to the prompt, the choices as they
were shown, your answer, the right answer and the explanation. The same screen shows a
past attempt from History, read-only, exactly as it was taken.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.scoring import format_marks, percent
from quizapp.services import dto
from quizapp.ui.common import (
    button,
    content_label,
    fit_to_width,
    primary_button,
    set_content_text,
    status_colors,
    wrap_label,
)
from quizapp.ui.quiz_view import display_text


def encouragement(score: int) -> str:
    """A short line for a score of ``score`` percent (0–100)."""
    tr = QCoreApplication.translate
    if score >= 90:
        return tr("ResultsView", "Excellent work! You really know this lesson.")
    if score >= 70:
        return tr(
            "ResultsView", "Well done! Look at the ones you missed, and you will have it all."
        )
    if score >= 50:
        return tr("ResultsView", "Good effort. Read the explanations below, then try again.")
    return tr(
        "ResultsView",
        "Keep going: read the lesson again, then retry. Every try helps you remember.",
    )


def local_datetime(value: object) -> str:
    """A UTC-aware ``datetime`` as local short date and time (``''`` for ``None``)."""
    if not isinstance(value, datetime):
        return ""
    local = value.astimezone()
    return local.strftime("%d %b %Y, %H:%M")


def started_and_took(summary: dto.AttemptSummary) -> str:
    """When an attempt began and how long it took, each labelled so neither is taken for
    the other: "Started 02 Sep 2024, 15:13 · took 2 min" ("took 45 s" under a minute;
    "not finished" while it is unfinished)."""
    tr = QCoreApplication.translate
    started = tr("ResultsView", "Started {when}").format(when=local_datetime(summary.started_at))
    if summary.finished_at is None:
        return started + " · " + tr("ResultsView", "not finished")
    seconds = max(0, round(summary.duration_s))
    took = (
        tr("ResultsView", "took {s} s").format(s=seconds)
        if seconds < 60
        else tr("ResultsView", "took {m} min").format(m=round(seconds / 60))
    )
    return f"{started} · {took}"


class ReviewItem(QWidget):
    """One question of the review: a one-line toggle and its details below."""

    def __init__(self, number: int, slot: dto.SlotView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slot = slot
        feedback = slot.feedback
        good, bad = status_colors(self.palette())
        if feedback is None:
            mark, color, word = (
                "–",
                self.palette().color(QPalette.ColorRole.WindowText),
                self.tr("not answered"),
            )
        elif feedback.correct:
            mark, color, word = "✓", good, self.tr("right")
        elif feedback.fraction > 0:
            mark, color, word = "◐", bad, self.tr("partly right")
        else:
            mark, color, word = "✗", bad, self.tr("wrong")
        self.outcome_word = word
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.toggle = QPushButton()
        self.toggle.setObjectName("reviewItem")
        self.toggle.setCheckable(True)
        self.toggle.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        prompt = " ".join(display_text(slot.prompt, slot.text_format).split())
        self._line = f"{mark}  {number}. {prompt}"
        self.toggle.setAccessibleName(f"{number}. {word}: {prompt}")
        self.toggle.setToolTip(self.tr("Show or hide the details"))
        # Style sheets ignore a widget's palette, so the colour goes in its own rule.
        self.toggle.setStyleSheet(f"QPushButton#reviewItem {{ color: {color.name()}; }}")
        layout.addWidget(self.toggle)
        self.details = QFrame()
        self.details.setObjectName("card")
        inner = QVBoxLayout(self.details)
        inner.setContentsMargins(16, 10, 16, 10)
        inner.setSpacing(6)
        prompt_label = wrap_label("", 1.1, bold=True)
        set_content_text(prompt_label, slot.prompt, slot.text_format)
        inner.addWidget(prompt_label)
        selected = set(feedback.selected) if feedback else set()
        right = set(feedback.correct_indices) if feedback else set()
        for choice in slot.choices:
            notes = []
            if choice.index in right:
                notes.append(self.tr("✓ right answer"))
            if choice.index in selected:
                notes.append(
                    self.tr("your answer") if choice.index in right else self.tr("✗ your answer")
                )
            suffix = f"   ({', '.join(notes)})" if notes else ""
            label = wrap_label(
                f"{choice.letter}. {display_text(choice.text, slot.text_format)}{suffix}"
            )
            if choice.index in right or choice.index in selected:
                pal = label.palette()
                pal.setColor(QPalette.ColorRole.WindowText, good if choice.index in right else bad)
                label.setPalette(pal)
            inner.addWidget(label)
        if feedback is not None:
            yours = [c for c in slot.choices if c.index in selected]
            rights = [c for c in slot.choices if c.index in right]
            inner.addWidget(
                wrap_label(
                    self.tr("Your answer: {a}").format(
                        a="; ".join(
                            f"{c.letter}. {display_text(c.text, slot.text_format)}" for c in yours
                        )
                        or "–"
                    )
                )
            )
            if feedback.answers_hidden:
                inner.addWidget(
                    wrap_label(self.tr("Your teacher will show the right answers later."))
                )
            elif rights:
                inner.addWidget(
                    wrap_label(
                        self.tr("Right answer: {a}").format(
                            a="; ".join(
                                f"{c.letter}. {display_text(c.text, slot.text_format)}"
                                for c in rights
                            )
                        )
                    )
                )
            if feedback.explanation:
                inner.addWidget(content_label(feedback.explanation, slot.text_format))
            for text in feedback.choice_feedback:
                inner.addWidget(content_label(text, slot.text_format))
        self.details.hide()
        layout.addWidget(self.details)
        self.toggle.toggled.connect(self._on_toggle_toggled)
        self._update_text()

    def _update_text(self) -> None:
        arrow = "▾" if self.toggle.isChecked() else "▸"
        width = max(200, self.width() - 40)
        text = self.toggle.fontMetrics().elidedText(
            f"{arrow} {self._line}", Qt.TextElideMode.ElideRight, width
        )
        self.toggle.setText(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_text()

    def _on_toggle_toggled(self, checked: bool) -> None:
        self.details.setVisible(checked)
        self._update_text()


class ResultsView(QWidget):
    """The score and the review of one attempt.

    Signals: ``retry_requested(AttemptSummary)``, ``home_requested()``; in review mode
    (from History) ``back_requested()``.
    """

    retry_requested = Signal(object)
    home_requested = Signal()
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary: dto.AttemptSummary | None = None
        self._review_mode = False
        self.items: list[ReviewItem] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 12)
        outer.setSpacing(8)
        self.title_label = wrap_label("", 1.1, bold=True)
        self.score_label = wrap_label("", 2.4, bold=True)
        self.score_label.setAccessibleName(self.tr("Your score"))
        self.detail_label = wrap_label("", 1.1)
        self.message_label = wrap_label("", 1.15)
        self.cbm_label = wrap_label("", 1.1, bold=True)
        self.cbm_label.setAccessibleName(self.tr("Certainty-based marking results"))
        self.cbm_label.hide()
        self.notice_label = wrap_label("", 1.05)
        self.notice_label.hide()
        outer.addWidget(self.title_label)
        outer.addWidget(self.score_label)
        outer.addWidget(self.detail_label)
        outer.addWidget(self.cbm_label)
        outer.addWidget(self.notice_label)
        outer.addWidget(self.message_label)
        outer.addSpacing(6)
        self.review_heading = wrap_label(
            self.tr("Your answers (click a question to see it in full)"), 1.0, bold=True
        )
        outer.addWidget(self.review_heading)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area, 1)
        buttons = QHBoxLayout()
        self.back_button = button(
            self.tr("Back to my results"), "arrow-left", self.tr("Back to the list (Esc)")
        )
        self.retry_button = button(
            self.tr("Try again"), "rotate-ccw", self.tr("Take this quiz again")
        )
        self.home_button = primary_button(self.tr("Home"), "home")
        self.home_button.setToolTip(self.tr("Back to the lessons (Enter)"))
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.home_button)
        outer.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.home_button.clicked.connect(self.home_requested)
        self.back_button.clicked.connect(self.back_requested)

    @property
    def review_mode(self) -> bool:
        """True when showing a past attempt from History."""
        return self._review_mode

    def set_results(
        self, summary: dto.AttemptSummary, review: dto.AttemptView, review_mode: bool = False
    ) -> None:
        """Show ``summary``'s score and ``review``'s questions (shown order, as taken)."""
        self._summary = summary
        self._review_mode = review_mode
        score = (
            summary.percent
            if summary.percent is not None
            else percent(summary.marks, summary.max_marks)
        )
        self.title_label.setText(
            f"{summary.title} · {started_and_took(summary)}" if review_mode else summary.title
        )
        self.score_label.setText(
            self.tr("{marks} / {max} · {percent}%").format(
                marks=format_marks(summary.marks),
                max=format_marks(summary.max_marks),
                percent=score,
            )
        )
        right = sum(1 for s in review.slots if s.feedback is not None and s.feedback.correct)
        self.detail_label.setText(
            self.tr("{right} of {total} questions right").format(
                right=right, total=len(review.slots)
            )
        )
        self.message_label.setText(encouragement(score))
        self.message_label.setVisible(not review_mode)
        cbm = review.cbm
        if cbm is not None:
            self.cbm_label.setText(
                self.tr("Average CBM mark {avg} (from −6 to 3) · Accuracy {acc}%").format(
                    avg=f"{cbm.average_cbm:.2f}", acc=percent(cbm.accuracy, 1.0)
                )
            )
            self.cbm_label.setToolTip(
                self.tr(
                    "Certainty-based marking: right answers score 1, 2 or 3 and wrong ones "
                    "0, −2 or −6 for Not sure, Fairly sure and Very sure. Accuracy is the "
                    "share of marks you got, whatever your certainty. CB accuracy (with "
                    "the bonus for judging your certainty well): {cb}%."
                ).format(cb=percent(cbm.accuracy_with_bonus, 1.0))
            )
            self.message_label.setText(encouragement(percent(cbm.accuracy, 1.0)))
        self.cbm_label.setVisible(cbm is not None)
        notices = []
        if review.deadline is not None and review.finished_at == review.deadline:
            notices.append(self.tr("Time was up: your answers were submitted automatically."))
        if review.answers_hidden:
            notices.append(self.tr("Your teacher will show the right answers later."))
        self.notice_label.setText("\n".join(notices))
        self.notice_label.setVisible(bool(notices))
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(2)
        self.items = []
        for number, slot in enumerate(review.slots, start=1):
            item = ReviewItem(number, slot)
            layout.addWidget(item)
            self.items.append(item)
        if not review.slots:
            layout.addWidget(wrap_label(self.tr("This quiz had no questions.")))
        layout.addStretch(1)
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(fit_to_width(content))
        self.back_button.setVisible(False)  # the header's Back returns to the list
        self.retry_button.setVisible(summary.kind in ("lesson", "exam"))
        self.home_button.setFocus()

    def activate_primary(self) -> None:
        """Enter on Results: Home."""
        self.home_button.click()

    def _on_retry_button_clicked(self) -> None:
        if self._summary is not None:
            self.retry_requested.emit(self._summary)


__all__ = ["ResultsView", "encouragement", "local_datetime"]
