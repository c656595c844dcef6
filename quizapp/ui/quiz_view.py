"""Quiz: one question at a time, choices as full-width rows, feedback after each answer.

Keyboard: 1–9 or A–I choose (toggle in a multiple-answer question), Space toggles
the focused choice, Enter submits and then goes on, Esc asks before leaving (every
answer is already saved, so leaving loses nothing). Each answer goes to the service
(and so to the database) the moment it is submitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
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
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import QuestionType, TextFormat
from quizapp.domain.text import markdown_to_plain
from quizapp.services import dto
from quizapp.ui import common
from quizapp.ui.common import button, card, primary_button, repolish, status_colors, wrap_label

if TYPE_CHECKING:
    from quizapp.services.attempts import AttemptService

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
        row.setContentsMargins(12, 10, 12, 10)
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
        self.setStyleSheet(f"QFrame#choiceRow {{ border: 3px solid {color.name()}; }}")

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
        return False

    def _on_button_toggled(self, checked: bool) -> None:
        self.setProperty("checked", checked)
        repolish(self)


class QuizView(QWidget):
    """Takes one attempt, question by question, through :class:`AttemptService`.

    Signals: ``attempt_finished(AttemptSummary)``, ``evidence_requested(lesson_id, evidence)``
    (evidence is ``''`` when the question has none), ``leave_requested()`` (after the
    student agreed to leave).
    """

    attempt_finished = Signal(object)
    evidence_requested = Signal(int, str)
    leave_requested = Signal()
    answer_submitted = Signal(object)  # FeedbackView

    def __init__(self, attempts: AttemptService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._attempts = attempts
        self._attempt: dto.AttemptView | None = None
        self._index = 0
        self._feedback: dto.FeedbackView | None = None
        self.rows: list[ChoiceRow] = []
        self._group: QButtonGroup | None = None
        self.last_error_box: QMessageBox | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 12, 24, 12)
        outer.setSpacing(8)
        top = QHBoxLayout()
        self.counter_label = wrap_label("", 1.0, bold=True)
        top.addWidget(self.counter_label, 1)
        self.score_label = wrap_label("")
        self.score_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        top.addWidget(self.score_label)
        outer.addLayout(top)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.progress.setAccessibleName(self.tr("Progress through the quiz"))
        outer.addWidget(self.progress)

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
        self.scroll_area.setWidget(self.body)
        outer.addWidget(self.scroll_area, 1)

        buttons = QHBoxLayout()
        self.leave_button = button(
            self.tr("Leave quiz"), "home", self.tr("Back to Home; your answers are kept (Esc)")
        )
        self.submit_button = primary_button(self.tr("Submit"), "check")
        self.submit_button.setToolTip(self.tr("Check your answer (Enter)"))
        self.next_button = primary_button(self.tr("Next"), "arrow-right")
        self.next_button.setToolTip(self.tr("Next question (Enter)"))
        self.next_button.hide()
        # The header's "Leave quiz" (and Esc) leave; this one stays out of sight.
        self.leave_button.hide()
        buttons.addWidget(self.leave_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.next_button)
        outer.addLayout(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.leave_button.clicked.connect(self._on_leave_button_clicked)
        self.show_in_lesson_button.clicked.connect(self._on_show_in_lesson_button_clicked)

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

    def set_attempt(self, attempt: dto.AttemptView) -> None:
        """Take ``attempt`` from its first unanswered question (resume = same place, same order)."""
        self._attempt = attempt
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
        """Enter: submit the answer, or go to the next question after feedback."""
        if self._feedback is not None:
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
        self.submit_button.show()
        self.submit_button.setEnabled(False)
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(self._index)
        self.counter_label.setText(
            self.tr("Question {n} of {total}").format(n=self._index + 1, total=total)
        )
        self.score_label.setText("")
        if slot is None:
            self.prompt_label.setText(self.tr("This quiz has no questions."))
            self.hint_label.setText("")
            return
        multiple = slot.type is QuestionType.MULTIPLE
        self.prompt_label.setText(display_text(slot.prompt, slot.text_format))
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
        if slot.feedback is not None:
            # Already answered (reopened on the last question): show it as it was.
            for row in self.rows:
                row.button.setChecked(row.choice.index in slot.feedback.selected)
            self._feedback = slot.feedback
            self._show_feedback(slot.feedback)

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
        self.explanation_label.setText(feedback.explanation)
        self.explanation_label.setVisible(bool(feedback.explanation))
        self.choice_feedback_label.setText("\n".join(feedback.choice_feedback))
        self.choice_feedback_label.setVisible(bool(feedback.choice_feedback))
        self.show_in_lesson_button.setVisible(True)
        self.feedback_panel.show()
        self.submit_button.hide()
        self.next_button.show()
        assert self._attempt is not None
        last = self._index + 1 >= len(self._attempt.slots)
        self.next_button.setText(self.tr("See my score") if last else self.tr("Next"))
        self.progress.setValue(self._index + 1)
        self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll_area.ensureWidgetVisible(self.feedback_panel, 0, 0)

    # ------------------------------------------------------------ slots

    def _on_choice_toggled(self, _checked: bool) -> None:
        self.submit_button.setEnabled(self._feedback is None and bool(self.selected_indices()))

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
        self._show_feedback(feedback)
        self.answer_submitted.emit(feedback)

    def _on_next_button_clicked(self) -> None:
        if self._attempt is None or self._feedback is None:
            return
        if self._index + 1 < len(self._attempt.slots):
            self._index += 1
            self._show_slot()
            return
        attempt_id = self._attempt.id
        summary = common.guarded(self, lambda: self._attempts.finish(attempt_id))
        if summary is not None:
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
            if key == Qt.Key.Key_L and self._feedback is not None:
                self._on_show_in_lesson_button_clicked()
                return
        super().keyPressEvent(event)


__all__ = ["ChoiceRow", "QuizView", "display_text"]
