"""Quiz: one question at a time, choices as full-width rows, under the quiz's behaviour.

* Immediate feedback: Submit, then the feedback and Next.
* Interactive with multiple tries: after a try that is not right, the hint and the
  picked choices' feedback, the tries left, and "Try again" (the answer stays ticked).
* Deferred feedback (exams): every change of answer is saved at once; Previous / Next,
  a Flag toggle and a question navigator; after the last question a summary page
  (answered, not answered, flagged) and "Submit all and finish" after a confirmation.
* Deferred CBM: as deferred, plus three certainty buttons (Not sure / Fairly sure /
  Very sure); an answer needs a certainty before moving on.
* Timed attempts: a countdown from the stored deadline (the service's clock), announced
  to screen readers at 5 and 1 minutes left, and submitted automatically at the end.

Keyboard: 1–9 or A–I choose (toggle in a multiple-answer question), Space toggles
the focused choice, Enter submits (or goes on), Esc asks before leaving (every
answer is already saved, so leaving loses nothing). Each answer goes to the service
(and so to the database) the moment it is given.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPalette, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import Behaviour, QuestionType, TextFormat
from quizapp.domain.text import markdown_to_plain
from quizapp.services import dto
from quizapp.ui import common
from quizapp.ui.common import (
    button,
    card,
    fit_to_width,
    primary_button,
    repolish,
    status_colors,
    wrap_label,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from quizapp.services.attempts import AttemptService


def _utc_now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


CERTAINTIES: tuple[tuple[int, str], ...] = ((1, "Not sure"), (2, "Fairly sure"), (3, "Very sure"))
"""The certainty buttons of certainty-based marking: level (1–3) and label."""

CBM_TOOLTIP = (
    "How sure are you? Your mark depends on it:\n"
    "Not sure: right 1, wrong 0\n"
    "Fairly sure: right 2, wrong −2\n"
    "Very sure: right 3, wrong −6\n"
    "Be honest: being very sure of a wrong answer costs a lot."
)

TIMER_WARNINGS_S = (300, 60)
"""Seconds left at which the countdown is announced (5 and 1 minutes)."""


def format_countdown(seconds: float) -> str:
    """``seconds`` left as ``m:ss`` (or ``h:mm:ss`` from an hour), never negative."""
    total = max(0, int(seconds + 0.999))  # 59.2 s left still shows 1:00 → 0:59 after
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


LETTER_KEYS = {getattr(Qt.Key, f"Key_{c}"): i for i, c in enumerate("ABCDEFGHI")}
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): i for i, d in enumerate("123456789")}


def display_text(text: str, text_format: TextFormat) -> str:
    """Question or choice text as the characters to show in a plain-text label.

    Plain text is shown exactly (a ``<b>`` stays ``<b>``); Markdown loses its markup;
    HTML (only from imports) is reduced to its text, so nothing is fetched or run.
    """
    if text_format is TextFormat.MARKDOWN:
        return markdown_to_plain(text)
    if text_format is TextFormat.HTML:
        return QTextDocumentFragment.fromHtml(text).toPlainText()
    return text


class ChoiceRow(QFrame):
    """One choice: letter badge, a text-less radio button or checkbox, a wrapping label.

    The whole row is clickable; the button's accessible name is the choice's text.
    """

    def __init__(
        self, choice: dto.ChoiceView, multiple: bool, text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.choice = choice
        self.multiple = multiple
        self.locked = False
        self.setObjectName("choiceRow")
        self.setProperty("checked", False)
        self.setProperty("focused", False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)  # inside 3 px of border + padding (STYLE_SHEET)
        row.setSpacing(12)
        self.badge = QLabel(choice.letter)
        self.badge.setObjectName("badge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge.setMinimumWidth(self.badge.fontMetrics().horizontalAdvance("MM") + 8)
        self.button: QAbstractButton = QCheckBox() if multiple else QRadioButton()
        self.button.setAccessibleName(text)
        self.button.setAccessibleDescription(
            self.tr("Choice {letter}").format(letter=choice.letter)
        )
        self.button.setToolTip(self.tr("Press {letter} to choose").format(letter=choice.letter))
        self.label = wrap_label(text, 1.1)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.mark = QLabel("")
        self.mark.setTextFormat(Qt.TextFormat.PlainText)
        self.mark.hide()
        common.set_font_scale(self.mark, 1.0, bold=True)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.label, 1)
        row.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignVCenter)
        self.button.toggled.connect(self._on_button_toggled)
        self.button.installEventFilter(self)
        self.label.installEventFilter(self)
        self._fit_button_to_badge()

    @property
    def checked(self) -> bool:
        """True when this choice is selected."""
        return self.button.isChecked()

    def activate(self) -> None:
        """What a click on the row does: select it (toggle it in a multiple-answer question)."""
        if self.locked:
            return
        if self.multiple:
            self.button.toggle()
        else:
            self.button.setChecked(True)
        self.button.setFocus(Qt.FocusReason.OtherFocusReason)

    def lock(self) -> None:
        """No more changes (after Submit)."""
        self.locked = True
        self.button.setEnabled(False)
        self.setCursor(Qt.CursorShape.ArrowCursor)

    def unlock(self) -> None:
        """Changes allowed again (interactive "Try again"); outcome marks cleared."""
        self.locked = False
        self.button.setEnabled(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mark.hide()
        self.setStyleSheet("")

    def show_outcome(self, right: bool, selected: bool) -> None:
        """Mark the row after feedback: ✓ on a right choice, ✗ on a wrong pick, words too."""
        good, bad = status_colors(self.palette())
        if right and selected:
            text, color = self.tr("✓ Your answer: right"), good
        elif right:
            text, color = self.tr("✓ Right answer"), good
        elif selected:
            text, color = self.tr("✗ Your answer"), bad
        else:
            self.mark.hide()
            return
        self.mark.setText(text)
        palette = self.mark.palette()
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.mark.setPalette(palette)
        self.mark.show()
        self.setStyleSheet(f"QFrame#choiceRow {{ border: 3px solid {color.name()}; padding: 0; }}")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.activate()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.button and event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self.setProperty("focused", event.type() == QEvent.Type.FocusIn)
            repolish(self)
        elif watched is self.label and event.type() == QEvent.Type.FontChange:  # Text size
            self._fit_button_to_badge()
        return False

    def _fit_button_to_badge(self) -> None:
        """Make the radio button (or check box) as tall as the letter badge beside it:
        both sit at the top of the row, so the indicator is then centred on the badge
        and on a one-line choice's text (which the row centres), not a few pixels above."""
        self.badge.ensurePolished()  # its style sheet's border and padding
        tall = max(self.badge.sizeHint().height(), self.label.fontMetrics().height())
        self.button.setFixedHeight(max(tall, self.button.minimumSizeHint().height()))

    def _on_button_toggled(self, checked: bool) -> None:
        self.setProperty("checked", checked)
        repolish(self)


class QuizView(QWidget):
    """Takes one attempt, question by question, through :class:`AttemptService`.

    Signals: ``attempt_finished(AttemptSummary)``, ``evidence_requested(lesson_id, evidence)``
    (evidence is ``''`` when the question has none), ``leave_requested()`` (after the
    student agreed to leave), ``answer_saved(SlotView)`` (deferred behaviours).
    ``clock`` (aware UTC now) drives the countdown; default: the service's clock.
    """

    attempt_finished = Signal(object)
    evidence_requested = Signal(int, str)
    leave_requested = Signal()
    answer_submitted = Signal(object)  # FeedbackView
    answer_saved = Signal(object)  # SlotView

    def __init__(
        self,
        attempts: AttemptService,
        parent: QWidget | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._attempts = attempts
        self._clock: Callable[[], datetime] = (
            clock if clock is not None else getattr(attempts, "clock", _utc_now)
        )
        self._loading = False
        self._certainty: int | None = None
        self._last_left: float | None = None
        self.announcements: list[str] = []
        self.nav_buttons: list[QToolButton] = []
        self.summary_buttons: list[QPushButton] = []
        self._attempt: dto.AttemptView | None = None
        self._index = 0
        self._feedback: dto.FeedbackView | None = None
        self.rows: list[ChoiceRow] = []
        self._group: QButtonGroup | None = None
        self.last_error_box: QMessageBox | None = None
        self._deferred = False
        self._cbm = False
        self.summary: dto.SummaryView | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 12)
        outer.setSpacing(8)
        top = QHBoxLayout()
        self.counter_label = wrap_label("", 1.0, bold=True)
        top.addWidget(self.counter_label, 1)
        self.timer_label = QLabel("")
        self.timer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.timer_label.setObjectName("timer")
        self.timer_label.setAccessibleName(self.tr("Time left"))
        self.timer_label.setToolTip(self.tr("Time left; your answers are submitted at 0:00"))
        common.set_font_scale(self.timer_label, 1.2, bold=True)
        self.timer_label.hide()
        top.addWidget(self.timer_label)
        self.score_label = wrap_label("")
        self.score_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        top.addWidget(self.score_label)
        outer.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.setAccessibleName(self.tr("Progress through the quiz"))
        outer.addWidget(self.progress)
        self.time_notice_label = wrap_label("", 1.0, bold=True)
        self.time_notice_label.setAccessibleName(self.tr("Time notice"))
        self.time_notice_label.hide()
        outer.addWidget(self.time_notice_label)
        self.nav_host = QWidget()
        self.nav_layout = QHBoxLayout(self.nav_host)
        self.nav_layout.setContentsMargins(0, 0, 0, 0)
        self.nav_layout.setSpacing(4)
        self.nav_host.setAccessibleName(self.tr("Question navigator"))
        self.nav_host.hide()
        outer.addWidget(self.nav_host)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 8, 8, 8)
        self.body_layout.setSpacing(10)
        self.prompt_label = wrap_label("", 1.4, bold=True)
        self.prompt_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.prompt_label.setAccessibleName(self.tr("Question"))
        self.hint_label = wrap_label("", 1.0)
        self.hint_label.setAccessibleName(self.tr("How to answer"))
        self.rows_host = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_host)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(8)
        self.body_layout.addWidget(self.prompt_label)
        self.body_layout.addWidget(self.hint_label)
        self.body_layout.addWidget(self.rows_host)
        self.certainty_host = QWidget()
        certainty_row = QHBoxLayout(self.certainty_host)
        certainty_row.setContentsMargins(0, 6, 0, 0)
        self.certainty_label = wrap_label(self.tr("How sure are you?"), 1.0, bold=True)
        self.certainty_label.setToolTip(self.tr(CBM_TOOLTIP))
        certainty_row.addWidget(self.certainty_label)
        self.certainty_buttons: dict[int, QPushButton] = {}
        self._certainty_group = QButtonGroup(self)
        self._certainty_group.setExclusive(True)
        for level, text in CERTAINTIES:
            btn = button(self.tr(text))
            btn.setCheckable(True)
            btn.setToolTip(self.tr(CBM_TOOLTIP))
            btn.setProperty("certainty", level)
            btn.setStyleSheet(
                "QPushButton:checked { background: palette(highlight);"
                " color: palette(highlighted-text); border: 2px solid palette(text); }"
            )
            btn.toggled.connect(self._on_certainty_button_toggled)
            self._certainty_group.addButton(btn, level)
            self.certainty_buttons[level] = btn
            certainty_row.addWidget(btn)
        certainty_row.addStretch(1)
        self.certainty_host.hide()
        self.body_layout.addWidget(self.certainty_host)

        self.feedback_panel = card()
        panel = QVBoxLayout(self.feedback_panel)
        panel.setContentsMargins(16, 12, 16, 12)
        panel.setSpacing(8)
        self.verdict_label = wrap_label("", 1.4, bold=True)
        self.verdict_label.setAccessibleName(self.tr("Result of your answer"))
        self.right_answer_label = wrap_label("")
        self.explanation_label = wrap_label("", 1.05)
        self.choice_feedback_label = wrap_label("")
        self.show_in_lesson_button = button(
            self.tr("Show in lesson"),
            "book-open",
            self.tr("Open the lesson at the passage that answers this (L)"),
        )
        panel.addWidget(self.verdict_label)
        panel.addWidget(self.right_answer_label)
        panel.addWidget(self.explanation_label)
        panel.addWidget(self.choice_feedback_label)
        lesson_row = QHBoxLayout()
        lesson_row.addWidget(self.show_in_lesson_button)
        lesson_row.addStretch(1)
        panel.addLayout(lesson_row)
        self.feedback_panel.hide()
        self.body_layout.addWidget(self.feedback_panel)
        self.body_layout.addStretch(1)
        self.scroll_area.setWidget(fit_to_width(self.body))
        self.pages = QStackedWidget()
        self.pages.addWidget(self.scroll_area)
        self.summary_page = QWidget()
        summary = QVBoxLayout(self.summary_page)
        summary.setContentsMargins(0, 8, 8, 8)
        summary.addWidget(wrap_label(self.tr("Summary of your attempt"), 1.4, bold=True))
        self.summary_counts_label = wrap_label("", 1.1)
        summary.addWidget(self.summary_counts_label)
        self.summary_scroll = QScrollArea()
        self.summary_scroll.setWidgetResizable(True)
        self.summary_scroll.setFrameShape(QFrame.Shape.NoFrame)
        summary.addWidget(self.summary_scroll, 1)
        summary.addWidget(
            wrap_label(
                self.tr(
                    "Click a question to go back to it. Once you submit, "
                    "you can no longer change your answers."
                )
            )
        )
        self.pages.addWidget(self.summary_page)
        outer.addWidget(self.pages, 1)

        buttons = QHBoxLayout()
        self.leave_button = button(
            self.tr("Leave quiz"), "home", self.tr("Back to Home; your answers are kept (Esc)")
        )
        self.submit_button = primary_button(self.tr("Submit"), "check")
        self.submit_button.setToolTip(self.tr("Check your answer (Enter)"))
        self.next_button = primary_button(self.tr("Next"), "arrow-right")
        self.next_button.setToolTip(self.tr("Next question (Enter)"))
        self.next_button.hide()
        self.prev_button = button(self.tr("Previous"), "arrow-left", self.tr("Previous question"))
        self.prev_button.hide()
        self.flag_button = button(
            self.tr("Flag"), None, self.tr("Flag this question to come back to it (F)")
        )
        self.flag_button.setCheckable(True)
        self.flag_button.hide()
        self.try_again_button = primary_button(self.tr("Try again"), "rotate-ccw")
        self.try_again_button.setToolTip(self.tr("Answer this question again (Enter)"))
        self.try_again_button.hide()
        self.back_to_questions_button = button(
            self.tr("Back to the questions"), "arrow-left", self.tr("Return to the last question")
        )
        self.back_to_questions_button.hide()
        self.submit_all_button = primary_button(self.tr("Submit all and finish"), "check")
        self.submit_all_button.setToolTip(
            self.tr("Hand in every answer and see your results (asks first)")
        )
        self.submit_all_button.hide()
        # The header's "Leave quiz" (and Esc) leave; this one stays out of sight.
        self.leave_button.hide()
        buttons.addWidget(self.leave_button)
        buttons.addWidget(self.prev_button)
        buttons.addWidget(self.flag_button)
        buttons.addWidget(self.back_to_questions_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.try_again_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.submit_all_button)
        outer.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.leave_button.clicked.connect(self._on_leave_button_clicked)
        self.show_in_lesson_button.clicked.connect(self._on_show_in_lesson_button_clicked)
        self.prev_button.clicked.connect(self._on_prev_button_clicked)
        self.flag_button.toggled.connect(self._on_flag_button_toggled)
        self.try_again_button.clicked.connect(self._on_try_again_button_clicked)
        self.back_to_questions_button.clicked.connect(self._on_back_to_questions_button_clicked)
        self.submit_all_button.clicked.connect(self._on_submit_all_button_clicked)
        self._certainty_group.idClicked.connect(self._on_certainty_group_id_clicked)
        self.timer.timeout.connect(self.tick)

    # ------------------------------------------------------------ public

    @property
    def attempt(self) -> dto.AttemptView | None:
        """The attempt being taken."""
        return self._attempt

    @property
    def index(self) -> int:
        """0-based position of the question shown."""
        return self._index

    @property
    def feedback(self) -> dto.FeedbackView | None:
        """Feedback on the question shown, once submitted."""
        return self._feedback

    def current_slot(self) -> dto.SlotView | None:
        """The question shown."""
        if self._attempt is None or not 0 <= self._index < len(self._attempt.slots):
            return None
        return self._attempt.slots[self._index]

    @property
    def deferred(self) -> bool:
        """True under the deferred behaviours (answers saved, checked at the end)."""
        return self._deferred

    def set_attempt(self, attempt: dto.AttemptView) -> None:
        """Take ``attempt`` from its first unanswered question (resume = same place, same order)."""
        self._attempt = attempt
        self._deferred = attempt.behaviour in (
            Behaviour.DEFERRED_FEEDBACK,
            Behaviour.DEFERRED_CBM,
        )
        self._cbm = attempt.behaviour is Behaviour.DEFERRED_CBM
        self.pages.setCurrentWidget(self.scroll_area)
        self._build_navigator()
        self._start_timer()
        if self._deferred:
            if attempt.current_slot >= len(attempt.slots) and attempt.slots:
                self._index = len(attempt.slots) - 1
                self._show_slot()
                self.show_summary()
                return
            self._index = min(attempt.current_slot, max(0, len(attempt.slots) - 1))
            self._show_slot()
            return
        if attempt.current_slot >= len(attempt.slots):
            # Everything answered but not finished (closed on the last feedback).
            self._index = max(0, len(attempt.slots) - 1)
            self._show_slot()
            last = self.current_slot()
            if last is not None and last.feedback is not None:
                self._feedback = last.feedback
                self._show_feedback(last.feedback)
            return
        self._index = attempt.current_slot
        self._show_slot()

    def choose(self, position: int) -> None:
        """Select (or toggle) the choice at shown ``position`` (0-based), as a key press does."""
        if 0 <= position < len(self.rows) and self._feedback is None:
            self.rows[position].activate()

    def go_to(self, index: int) -> None:
        """Show question ``index`` (0-based); deferred behaviours move freely."""
        if self._attempt is None or not 0 <= index < len(self._attempt.slots):
            return
        self._index = index
        self.pages.setCurrentWidget(self.scroll_area)
        self._show_slot()

    def set_certainty(self, level: int) -> None:
        """Choose a certainty (1–3) for the current answer, as its button does (CBM)."""
        btn = self.certainty_buttons.get(level)
        if btn is not None and self.certainty_host.isVisible():
            btn.click()

    def show_summary(self) -> None:
        """The summary page: every question's state and flag, and "Submit all and finish"."""
        if self._attempt is None:
            return
        attempt_id = self._attempt.id
        summary = common.guarded(self, lambda: self._attempts.summary(attempt_id))
        if summary is None:
            return
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.summary_buttons = []
        words = {
            "answersaved": self.tr("Answer saved"),
            "notanswered": self.tr("Not yet answered"),
        }
        for i, status in enumerate(summary.statuses):
            flag = self.tr("   ⚑ Flagged") if i in summary.flagged else ""
            mark = "●" if i in summary.answered else "○"
            line = self.tr("{mark}  Question {n}: {state}{flag}").format(
                mark=mark, n=i + 1, state=words.get(status, status), flag=flag
            )
            btn = QPushButton(line)
            btn.setObjectName("reviewItem")
            btn.setProperty("slot", i)
            btn.setToolTip(self.tr("Go back to question {n}").format(n=i + 1))
            btn.clicked.connect(self._on_summary_button_clicked)
            layout.addWidget(btn)
            self.summary_buttons.append(btn)
        layout.addStretch(1)
        old = self.summary_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.summary_scroll.setWidget(fit_to_width(content))
        self.summary_counts_label.setText(
            self.tr("{a} answered, {u} not answered, {f} flagged.").format(
                a=len(summary.answered), u=len(summary.unanswered), f=len(summary.flagged)
            )
        )
        self.summary = summary
        self.pages.setCurrentWidget(self.summary_page)
        self.counter_label.setText(self.tr("Summary"))
        for widget in (
            self.submit_button,
            self.next_button,
            self.prev_button,
            self.flag_button,
            self.try_again_button,
        ):
            widget.hide()
        self.back_to_questions_button.show()
        self.submit_all_button.show()
        self.submit_all_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._refresh_navigator()

    def submit_all(self) -> None:
        """Ask, then submit every answer and finish (deferred behaviours)."""
        if self._attempt is None:
            return
        unanswered = len(self.summary.unanswered) if self.summary is not None else 0
        question = self.tr("You cannot change your answers after this.")
        if unanswered:
            question = (
                (
                    self.tr("1 question is not answered yet.")
                    if unanswered == 1
                    else self.tr("{n} questions are not answered yet.").format(n=unanswered)
                )
                + " "
                + question
            )
        if not common.confirm(
            self,
            self.tr("Submit all and finish?"),
            question,
            self.tr("Submit all and finish"),
            self.tr("Go back"),
        ):
            return
        self._finish()

    def tick(self) -> None:
        """Update the countdown from the clock; announce 5 and 1 minutes left; at the
        deadline, submit the attempt with the answers given."""
        attempt = self._attempt
        if attempt is None or attempt.deadline is None:
            self.timer.stop()
            return
        left = (attempt.deadline - self._clock()).total_seconds()
        self.timer_label.setText(self.tr("Time left {t}").format(t=format_countdown(left)))
        before = self._last_left
        self._last_left = left
        if before is not None:
            crossed = [t for t in TIMER_WARNINGS_S if left <= t < before]
            if crossed and left > 0:
                minutes = min(crossed) // 60
                self.announce(
                    self.tr("1 minute left.")
                    if minutes == 1
                    else self.tr("{m} minutes left.").format(m=minutes)
                )
        if left <= 0:
            self.timer.stop()
            self._time_up()

    def announce(self, message: str) -> None:
        """Say ``message`` to screen readers (Qt's accessibility announcement, Qt 6.8+)
        and show it under the progress bar."""
        self.announcements.append(message)
        self.time_notice_label.setText(message)
        self.time_notice_label.show()
        try:
            from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
        except ImportError:  # older Qt: the label is a live region's fallback
            self.time_notice_label.setAccessibleDescription(message)
            return
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.timer_label, message))

    def stop(self) -> None:
        """Stop the countdown (leaving the screen)."""
        self.timer.stop()

    def resume_timer(self) -> None:
        """Run the countdown again (back on the screen); at once submits if time is up."""
        if self._attempt is not None:
            self._start_timer()

    def selected_indices(self) -> tuple[int, ...]:
        """Author-order indices of the selected choices."""
        return tuple(row.choice.index for row in self.rows if row.checked)

    def confirm_leave(self) -> bool:
        """Ask before leaving mid-quiz; True to leave. (Answers given so far are saved.)"""
        if self._attempt is None:
            return True
        return common.confirm(
            self,
            self.tr("Leave the quiz?"),
            self.tr("Your answers so far are saved. You can continue this quiz later from Home."),
            self.tr("Leave"),
            self.tr("Stay"),
        )

    def activate_primary(self) -> None:
        """Enter: submit the answer, or go to the next question after feedback; "Try
        again" between interactive tries; Next (deferred); Submit all on the summary."""
        if self.submit_all_button.isVisible():
            self.submit_all_button.click()
        elif self.try_again_button.isVisible():
            self.try_again_button.click()
        elif self._deferred:
            if self.next_button.isEnabled():
                self.next_button.click()
        elif self._feedback is not None:
            self.next_button.click()
        elif self.submit_button.isEnabled():
            self.submit_button.click()

    # ------------------------------------------------------------ rendering

    def _show_slot(self) -> None:
        slot = self.current_slot()
        assert self._attempt is not None
        total = len(self._attempt.slots)
        self._feedback = None
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        if self._group is not None:
            self._group.deleteLater()
        self._group = None
        self.feedback_panel.hide()
        self.next_button.hide()
        self.try_again_button.hide()
        self.back_to_questions_button.hide()
        self.submit_all_button.hide()
        self.submit_button.setVisible(not self._deferred)
        self.submit_button.setEnabled(False)
        self.prev_button.setVisible(self._deferred)
        self.flag_button.setVisible(self._deferred)
        self.certainty_host.setVisible(self._cbm)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(self._index)
        self.counter_label.setText(
            self.tr("Question {n} of {total}").format(n=self._index + 1, total=total)
        )
        self.score_label.setText("")
        if slot is None:
            self.prompt_label.setTextFormat(Qt.TextFormat.PlainText)
            self.prompt_label.setText(self.tr("This quiz has no questions."))
            self.hint_label.setText("")
            return
        multiple = slot.type is QuestionType.MULTIPLE
        common.set_content_text(self.prompt_label, slot.prompt, slot.text_format)
        self.hint_label.setText(
            self.tr("Select all that apply.") if multiple else self.tr("Choose one answer.")
        )
        common.set_font_scale(self.hint_label, 1.0, bold=multiple)
        self._group = QButtonGroup(self)
        self._group.setExclusive(not multiple)
        for choice in slot.choices:
            row = ChoiceRow(
                choice, multiple, display_text(choice.text, slot.text_format), self.rows_host
            )
            self._group.addButton(row.button)
            row.button.toggled.connect(self._on_choice_toggled)
            self.rows_layout.addWidget(row)
            self.rows.append(row)
        previous: QWidget = self.leave_button
        for row in self.rows:
            QWidget.setTabOrder(previous, row.button)
            previous = row.button
        QWidget.setTabOrder(previous, self.submit_button)
        self.scroll_area.verticalScrollBar().setValue(0)
        if self.rows:
            self.rows[0].button.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._deferred:
            self._show_deferred(slot)
            return
        if slot.feedback is not None:
            # Already answered (reopened on the last question): show it as it was.
            for row in self.rows:
                row.button.setChecked(row.choice.index in slot.feedback.selected)
            self._feedback = slot.feedback
            if slot.feedback.finished:
                self._show_feedback(slot.feedback)
            else:
                self._show_try_feedback(slot.feedback)
        self._refresh_navigator()

    def _show_deferred(self, slot: dto.SlotView) -> None:
        assert self._attempt is not None
        self._loading = True
        try:
            for row in self.rows:
                row.button.setChecked(row.choice.index in slot.selected)
            self._certainty = slot.certainty
            for level, btn in self.certainty_buttons.items():
                btn.setChecked(level == slot.certainty)
            if slot.certainty is None:
                self._certainty_group.setExclusive(False)
                for btn in self.certainty_buttons.values():
                    btn.setChecked(False)
                self._certainty_group.setExclusive(True)
            self.flag_button.setChecked(slot.flagged)
        finally:
            self._loading = False
        self._update_flag_text()
        self.prev_button.setEnabled(self._index > 0)
        last = self._index + 1 >= len(self._attempt.slots)
        self.next_button.setText(self.tr("Finish attempt…") if last else self.tr("Next"))
        self.next_button.setToolTip(
            self.tr("See the summary, then submit all (Enter)")
            if last
            else self.tr("Next question (Enter)")
        )
        self.next_button.show()
        self._update_next_enabled()
        self.progress.setValue(sum(1 for x in self._attempt.slots if x.selected))
        self._refresh_navigator()

    def _update_flag_text(self) -> None:
        self.flag_button.setText(
            self.tr("⚑ Flagged") if self.flag_button.isChecked() else self.tr("Flag")
        )

    def _update_next_enabled(self) -> None:
        """CBM: an answer needs a certainty before moving on."""
        needs = self._cbm and bool(self.selected_indices()) and self._certainty is None
        self.next_button.setEnabled(not needs)
        if needs:
            self.hint_label.setText(self.tr("Now choose how sure you are, below."))
        elif self._cbm:
            slot = self.current_slot()
            multiple = slot is not None and slot.type is QuestionType.MULTIPLE
            self.hint_label.setText(
                self.tr("Select all that apply, then say how sure you are.")
                if multiple
                else self.tr("Choose one answer, then say how sure you are.")
            )

    def _build_navigator(self) -> None:
        while self.nav_layout.count():
            item = self.nav_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.nav_buttons = []
        attempt = self._attempt
        self.nav_host.setVisible(attempt is not None and self._deferred)
        if attempt is None or not self._deferred:
            return
        for i in range(len(attempt.slots)):
            btn = QToolButton()
            btn.setText(str(i + 1))
            btn.setCheckable(True)
            btn.setAutoRaise(False)
            btn.setProperty("slot", i)
            btn.clicked.connect(self._on_nav_button_clicked)
            self.nav_layout.addWidget(btn)
            self.nav_buttons.append(btn)
        self.nav_layout.addStretch(1)

    def _refresh_navigator(self) -> None:
        attempt = self._attempt
        if attempt is None or not self._deferred:
            return
        on_summary = self.pages.currentWidget() is self.summary_page
        for i, (btn, slot) in enumerate(zip(self.nav_buttons, attempt.slots, strict=False)):
            answered = bool(slot.selected)
            flag = "⚑" if slot.flagged else ""
            btn.setText(f"{i + 1}{'•' if answered else ''}{flag}")
            state = self.tr("answer saved") if answered else self.tr("not yet answered")
            extra = self.tr(", flagged") if slot.flagged else ""
            btn.setToolTip(
                self.tr("Question {n}: {state}{extra}").format(n=i + 1, state=state, extra=extra)
            )
            btn.setAccessibleName(btn.toolTip())
            btn.setChecked(i == self._index and not on_summary)

    def _replace_slot(self, slot: dto.SlotView) -> None:
        assert self._attempt is not None
        slots = list(self._attempt.slots)
        slots[slot.slot] = slot
        self._attempt = replace(self._attempt, slots=tuple(slots))

    def _save_current(self) -> None:
        slot = self.current_slot()
        if slot is None or self._attempt is None:
            return
        attempt_id = self._attempt.id
        selected = self.selected_indices()
        certainty = self._certainty if self._cbm and selected else None
        try:
            saved = self._attempts.save_answer(attempt_id, slot.slot, selected, certainty)
        except QuizAppError as error:
            if type(error).__name__ == "TimeUpError":
                self._time_up()
                return
            self.last_error_box = common.show_error(
                self, error, self.tr("Your answer was NOT saved")
            )
            return
        self._replace_slot(saved)
        self._update_next_enabled()
        self.progress.setValue(sum(1 for x in self._attempt.slots if x.selected))
        self._refresh_navigator()
        self.answer_saved.emit(saved)

    def _start_timer(self) -> None:
        attempt = self._attempt
        self._last_left = None
        self.time_notice_label.hide()
        if attempt is None or attempt.deadline is None or attempt.finished_at is not None:
            self.timer.stop()
            self.timer_label.hide()
            return
        self.timer_label.show()
        self.tick()
        if self._attempt is not None:
            self.timer.start()

    def _time_up(self) -> None:
        self.timer.stop()
        if self._attempt is None:
            return
        self.announce(self.tr("Time is up: your answers have been submitted."))
        self._finish()

    def _finish(self) -> None:
        if self._attempt is None:
            return
        attempt_id = self._attempt.id
        summary = common.guarded(self, lambda: self._attempts.finish(attempt_id))
        if summary is not None:
            self.timer.stop()
            self._attempt = None
            self.attempt_finished.emit(summary)

    def _text_format(self) -> TextFormat:
        """The shown question's text format (its explanation, feedback and hints share it)."""
        slot = self.current_slot()
        return slot.text_format if slot is not None else TextFormat.PLAIN

    def _show_try_feedback(self, feedback: dto.FeedbackView) -> None:
        """Interactive, between tries: the picked choices marked, the hint, tries left."""
        _good, bad = status_colors(self.palette())
        for row in self.rows:
            row.lock()
            row.show_outcome(False, row.choice.index in feedback.selected)
        verdict = self.tr("◐ Partly right") if feedback.fraction > 0 else self.tr("✗ Not quite")
        self.verdict_label.setText(verdict)
        palette = self.verdict_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, bad)
        self.verdict_label.setPalette(palette)
        tries = (
            self.tr("1 try left.")
            if feedback.tries_left == 1
            else self.tr("{n} tries left.").format(n=feedback.tries_left)
        )
        self.right_answer_label.setText(tries)
        self.right_answer_label.show()
        text_format = self._text_format()
        common.set_content_text(
            self.explanation_label, feedback.hint or "", text_format, self.tr("Hint: ")
        )
        self.explanation_label.setVisible(bool(feedback.hint))
        common.set_content_text(self.choice_feedback_label, feedback.choice_feedback, text_format)
        self.choice_feedback_label.setVisible(bool(feedback.choice_feedback))
        self.show_in_lesson_button.setVisible(False)
        self.feedback_panel.show()
        self.submit_button.hide()
        self.next_button.hide()
        self.try_again_button.setText(self.tr("Try again"))
        self.try_again_button.show()
        self.try_again_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scroll_to_feedback()

    def _show_feedback(self, feedback: dto.FeedbackView) -> None:
        good, bad = status_colors(self.palette())
        for row in self.rows:
            row.lock()
            row.show_outcome(
                row.choice.index in feedback.correct_indices, row.choice.index in feedback.selected
            )
        if feedback.correct:
            verdict, color = self.tr("✓ Correct!"), good
        elif feedback.fraction > 0:
            verdict, color = self.tr("◐ Partly right"), bad
        else:
            verdict, color = self.tr("✗ Not quite"), bad
        self.verdict_label.setText(verdict)
        palette = self.verdict_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.verdict_label.setPalette(palette)
        right = [row for row in self.rows if row.choice.index in feedback.correct_indices]
        if right and not feedback.correct:
            label = (
                self.tr("The right answer is")
                if len(right) == 1
                else self.tr("The right answers are")
            )
            texts = "; ".join(f"{row.choice.letter}. {row.label.text()}" for row in right)
            self.right_answer_label.setText(f"{label}: {texts}")
            self.right_answer_label.show()
        else:
            self.right_answer_label.hide()
        text_format = self._text_format()
        common.set_content_text(self.explanation_label, feedback.explanation, text_format)
        self.explanation_label.setVisible(bool(feedback.explanation))
        common.set_content_text(self.choice_feedback_label, feedback.choice_feedback, text_format)
        self.choice_feedback_label.setVisible(bool(feedback.choice_feedback))
        # Only where the lesson has a passage to show (an imported bank has none).
        self.show_in_lesson_button.setVisible(bool(feedback.evidence))
        if feedback.answers_hidden:
            self.right_answer_label.setText(
                self.tr("Your teacher will show the right answers later.")
            )
            self.right_answer_label.show()
            self.show_in_lesson_button.setVisible(False)
        elif feedback.try_number > 1 and feedback.mark is not None and feedback.correct:
            self.right_answer_label.setText(
                self.tr("Right at try {n}: {p}% of the marks.").format(
                    n=feedback.try_number, p=round(100 * feedback.mark)
                )
            )
            self.right_answer_label.show()
        self.try_again_button.hide()
        self.feedback_panel.show()
        self.submit_button.hide()
        self.next_button.show()
        assert self._attempt is not None
        last = self._index + 1 >= len(self._attempt.slots)
        self.next_button.setText(self.tr("See my score") if last else self.tr("Next"))
        self.progress.setValue(self._index + 1)
        self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self._scroll_to_feedback()

    def _scroll_to_feedback(self) -> None:
        """Bring the feedback panel (verdict, explanation, "Show in lesson") into view.

        The panel was just shown: let the layouts settle first (pending layout
        requests), or the scroll area would aim at where the panel was before, and
        once more after the event loop has laid out the wrapped labels."""
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll_area.ensureWidgetVisible(self.feedback_panel, 0, 8)
        QTimer.singleShot(0, self._ensure_feedback_visible)

    def _ensure_feedback_visible(self) -> None:
        if self.feedback_panel.isVisible():
            self.scroll_area.ensureWidgetVisible(self.feedback_panel, 0, 8)

    # ------------------------------------------------------------ slots

    def _on_choice_toggled(self, checked: bool) -> None:
        self.submit_button.setEnabled(self._feedback is None and bool(self.selected_indices()))
        if self._deferred and not self._loading:
            slot = self.current_slot()
            if checked or (slot is not None and slot.type is QuestionType.MULTIPLE):
                self._save_current()

    def _on_certainty_button_toggled(self, _checked: bool) -> None:
        # The chosen certainty says so in words too, not by colour alone.
        for level, text in CERTAINTIES:
            btn = self.certainty_buttons.get(level)
            if btn is not None:
                label = self.tr(text)
                btn.setText(f"✓ {label}" if btn.isChecked() else label)

    def _on_certainty_group_id_clicked(self, level: int) -> None:
        if self._loading:
            return
        self._certainty = level
        if self.selected_indices():
            self._save_current()
        self._update_next_enabled()

    def _on_prev_button_clicked(self) -> None:
        self.go_to(self._index - 1)

    def _on_flag_button_toggled(self, checked: bool) -> None:
        self._update_flag_text()
        if self._loading or self._attempt is None:
            return
        slot = self.current_slot()
        if slot is None:
            return
        attempt_id = self._attempt.id

        def flag() -> bool:
            self._attempts.set_flag(attempt_id, slot.slot, checked)
            return True

        done = common.guarded(self, flag)
        if done:
            self._replace_slot(replace(slot, flagged=checked))
            self._refresh_navigator()

    def _on_try_again_button_clicked(self) -> None:
        if self._feedback is None or self._feedback.finished:
            return
        self._feedback = None
        for row in self.rows:
            row.unlock()
        self.feedback_panel.hide()
        self.try_again_button.hide()
        self.submit_button.show()
        self.submit_button.setEnabled(bool(self.selected_indices()))
        if self.rows:
            self.rows[0].button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_nav_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QToolButton):
            self.go_to(int(sender.property("slot")))

    def _on_summary_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.go_to(int(sender.property("slot")))

    def _on_back_to_questions_button_clicked(self) -> None:
        self.go_to(self._index)

    def _on_submit_all_button_clicked(self) -> None:
        self.submit_all()

    def _on_submit_button_clicked(self) -> None:
        slot = self.current_slot()
        if slot is None or self._attempt is None or self._feedback is not None:
            return
        selected = self.selected_indices()
        if not selected:
            return
        attempt_id = self._attempt.id
        try:
            feedback = self._attempts.submit(attempt_id, slot.slot, selected)
        except QuizAppError as error:
            # Never shown as saved: no feedback, the choices stay, Submit can be retried.
            self.last_error_box = common.show_error(
                self, error, self.tr("Your answer was NOT saved")
            )
            if type(error).__name__ != "AlreadyAnsweredError":
                self.last_error_box.setText(
                    self.tr("Your answer was NOT saved.") + "\n\n" + str(error)
                )
            return
        self._feedback = feedback
        self._replace_slot(replace(slot, feedback=feedback, selected=feedback.selected))
        if feedback.finished:
            self._show_feedback(feedback)
        else:
            self._show_try_feedback(feedback)
        self.answer_submitted.emit(feedback)

    def _on_next_button_clicked(self) -> None:
        if self._deferred and self._attempt is not None:
            if self._index + 1 < len(self._attempt.slots):
                self.go_to(self._index + 1)
            else:
                self.show_summary()
            return
        if self._attempt is None or self._feedback is None:
            return
        if self._index + 1 < len(self._attempt.slots):
            self._index += 1
            self._show_slot()
            return
        attempt_id = self._attempt.id
        summary = common.guarded(self, lambda: self._attempts.finish(attempt_id))
        if summary is not None:
            self.timer.stop()
            self._attempt = None
            self.attempt_finished.emit(summary)

    def _on_leave_button_clicked(self) -> None:
        if self.confirm_leave():
            self.leave_requested.emit()

    def _on_show_in_lesson_button_clicked(self) -> None:
        if self._feedback is not None:
            self.evidence_requested.emit(self._feedback.lesson_id, self._feedback.evidence or "")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods == Qt.KeyboardModifier.NoModifier:
            position = DIGIT_KEYS.get(key, LETTER_KEYS.get(key))
            if position is not None and self._feedback is None:
                self.choose(position)
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                focus = self.focusWidget()
                if isinstance(focus, QPushButton) and focus.isVisible() and focus.isEnabled():
                    focus.click()
                else:
                    self.activate_primary()
                return
            if key == Qt.Key.Key_Escape:
                self._on_leave_button_clicked()
                return
            if key == Qt.Key.Key_F and self.flag_button.isVisible():
                self.flag_button.toggle()
                return
            if key == Qt.Key.Key_L and self.show_in_lesson_button.isVisible():
                self._on_show_in_lesson_button_clicked()
                return
        super().keyPressEvent(event)


__all__ = ["ChoiceRow", "QuizView", "display_text", "format_countdown"]
