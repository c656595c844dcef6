"""Lesson reader: the Markdown body as comfortable prose, "Take the quiz", and evidence.

The body is rendered by Qt's own Markdown support into a read-only ``QTextBrowser``
that fetches nothing (``loadResource`` returns nothing, links are not followed), with
lines of about 70 characters and generous line spacing. ``show_evidence`` scrolls to
a phrase of the lesson and highlights it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import (
    QFontMetricsF,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QTextBrowser,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.text import normalise_for_match
from quizapp.services import dto
from quizapp.ui.common import button, primary_button, wrap_label

LINE_CHARACTERS = 70

INERT_MARKDOWN = (
    QTextDocument.MarkdownFeature.MarkdownDialectCommonMark
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)
"""CommonMark with raw HTML shown as its text: a lesson's ``<img src=...>`` line is inert
and, unlike an HTML block, never swallows the text that follows it."""
"""Longest line of lesson text, in average characters."""


class InertTextBrowser(QTextBrowser):
    """A read-only text browser that never loads a resource (images, style sheets, links)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # Keyboard selection and scrolling stay, but a read-only text shows no blinking
        # text cursor (it looked editable).
        self.setCursorWidth(0)

    def loadResource(self, type: int, name: QUrl | str) -> object:
        """Nothing is ever fetched: lesson text comes from files we do not trust."""
        return None


def find_phrase(document: QTextDocument, phrase: str) -> QTextCursor | None:
    """A cursor selecting ``phrase`` in ``document``, matched as evidence is matched.

    Whitespace is collapsed and typographic quotes unified on both sides (see
    :func:`quizapp.domain.text.normalise_for_match`), case-sensitively; the match may
    cross line and paragraph breaks. Returns ``None`` when it is not there.
    """
    needle = normalise_for_match(phrase)
    if not needle:
        return None
    text = document.toPlainText()
    # Normalise the document's text character by character, keeping each kept
    # character's position in the document.
    chars: list[str] = []
    positions: list[int] = []
    pending_space = False
    for pos, ch in enumerate(text):
        if ch.isspace() or ch in "\u2029\u2028\ufffc":
            pending_space = bool(chars)
            continue
        if pending_space:
            chars.append(" ")
            positions.append(pos - 1)
            pending_space = False
        chars.append(normalise_for_match(ch) or ch)
        positions.append(pos)
    haystack = "".join(chars)
    start = haystack.find(needle)
    if start < 0:
        start = haystack.lower().find(needle.lower())
        if start < 0:
            return None
    end = start + len(needle) - 1
    cursor = QTextCursor(document)
    cursor.setPosition(positions[start])
    cursor.setPosition(positions[end] + 1, QTextCursor.MoveMode.KeepAnchor)
    return cursor


class LessonView(QWidget):
    """The lesson reader.

    Signals: ``quiz_requested(lesson_id)``; ``back_requested()`` (to Home, or to the quiz
    when the lesson was opened from feedback: see :meth:`set_return_to_quiz`).
    """

    quiz_requested = Signal(int)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lesson: dto.LessonView | None = None
        self._return_to_quiz = False
        self.evidence_cursor: QTextCursor | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        self.title_label = wrap_label("", 1.6, bold=True)
        self.position_label = wrap_label("")
        self.evidence_label = wrap_label("")
        self.evidence_label.hide()
        self.browser = InertTextBrowser()
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.browser.setAccessibleName(self.tr("Lesson text"))
        self.browser.document().setDocumentMargin(12)
        column = QVBoxLayout()
        column.setSpacing(6)
        column.addWidget(self.position_label)
        column.addWidget(self.title_label)
        column.addWidget(self.evidence_label)
        column.addWidget(self.browser, 1)
        self.column_host = QWidget()
        self.column_host.setLayout(column)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(self.column_host, 100)
        center.addStretch(1)
        outer.addLayout(center, 1)
        buttons = QHBoxLayout()
        self.back_button = button(self.tr("Back"), "arrow-left", self.tr("Back (Esc)"))
        self.quiz_button = primary_button(self.tr("Take the quiz"), "play")
        self.quiz_button.setToolTip(self.tr("Answer the questions of this lesson (Ctrl+Enter)"))
        self.return_button = primary_button(self.tr("Back to the question"), "arrow-left")
        self.return_button.setToolTip(self.tr("Go back to the quiz where you were (Esc)"))
        self.return_button.hide()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.quiz_button)
        buttons.addWidget(self.return_button)
        outer.addLayout(buttons)
        self._connect_signals()
        self._update_width()

    def _connect_signals(self) -> None:
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.return_button.clicked.connect(self._on_back_button_clicked)
        self.quiz_button.clicked.connect(self._on_quiz_button_clicked)

    # ------------------------------------------------------------ public

    @property
    def lesson(self) -> dto.LessonView | None:
        """The lesson shown."""
        return self._lesson

    @property
    def returns_to_quiz(self) -> bool:
        """True while the lesson was opened from a quiz's feedback."""
        return self._return_to_quiz

    def set_lesson(self, lesson: dto.LessonView) -> None:
        """Show ``lesson`` from the top, with no highlight."""
        self._lesson = lesson
        self.title_label.setText(lesson.title)
        self.position_label.setText(
            self.tr("{pack} · Lesson {n} of {count}").format(
                pack=lesson.pack_title, n=lesson.position, count=lesson.lesson_count
            )
        )
        document = self.browser.document()
        document.setMarkdown(lesson.body, INERT_MARKDOWN)
        self._space_out(document)
        self.evidence_cursor = None
        self.evidence_label.hide()
        self.browser.setExtraSelections([])
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        self.browser.verticalScrollBar().setValue(0)
        if lesson.question_count:
            self.quiz_button.setText(
                self.tr("Take the quiz ({n} questions)").format(n=lesson.question_count)
            )
        else:
            self.quiz_button.setText(self.tr("Take the quiz"))
        self.quiz_button.setEnabled(lesson.question_count > 0)
        self.set_return_to_quiz(False)

    def set_return_to_quiz(self, value: bool) -> None:
        """Opened from feedback: offer "Back to the question" instead of "Take the quiz"."""
        self._return_to_quiz = value
        self.return_button.setVisible(value)
        self.quiz_button.setVisible(not value)
        # "Back" is in the window's header; the bottom row keeps the one primary action.
        self.back_button.setVisible(False)
        (self.return_button if value else self.quiz_button).setDefault(True)

    def show_evidence(self, text: str) -> bool:
        """Scroll to ``text`` in the lesson and highlight it; False when it is not found."""
        cursor = find_phrase(self.browser.document(), text)
        self.evidence_cursor = cursor
        if cursor is None:
            self.browser.setExtraSelections([])
            self.evidence_label.setText(
                self.tr("The passage that answers this question is in this lesson.")
            )
            self.evidence_label.show()
            return False
        selection = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        palette = self.palette()
        fmt.setBackground(palette.color(QPalette.ColorRole.Highlight))
        fmt.setForeground(palette.color(QPalette.ColorRole.HighlightedText))
        fmt.setFontUnderline(True)
        fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
        selection.format = fmt
        selection.cursor = cursor
        self.browser.setExtraSelections([selection])
        self.evidence_label.setText(self.tr("▶ The highlighted passage answers the question."))
        self.evidence_label.show()
        # Scroll so the passage sits in the upper third, not at the very edge.
        end = QTextCursor(cursor)
        end.clearSelection()
        self.browser.setTextCursor(end)
        rect = self.browser.cursorRect(end)
        bar = self.browser.verticalScrollBar()
        bar.setValue(bar.value() + rect.top() - self.browser.viewport().height() // 3)
        return True

    def highlighted_text(self) -> str:
        """The text currently highlighted as evidence ('' when none)."""
        selections = self.browser.extraSelections()
        if not selections:
            return ""
        return selections[0].cursor.selectedText().replace("\u2029", " ")

    # ------------------------------------------------------------ slots

    def _on_back_button_clicked(self) -> None:
        self.back_requested.emit()

    def _on_quiz_button_clicked(self) -> None:
        if self._lesson is not None and self.quiz_button.isEnabled():
            self.quiz_requested.emit(self._lesson.id)

    def activate_primary(self) -> None:
        """Enter on the lesson: take the quiz (or go back to the question)."""
        if self._return_to_quiz:
            self.return_button.click()
        else:
            self._on_quiz_button_clicked()

    # ------------------------------------------------------------ layout

    def _space_out(self, document: QTextDocument) -> None:
        """Line height 150% and a blank half-line after each paragraph."""
        cursor = QTextCursor(document)
        cursor.select(QTextCursor.SelectionType.Document)
        fmt = QTextBlockFormat()
        fmt.setLineHeight(150.0, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        fmt.setBottomMargin(self.fontMetrics().height() * 0.6)
        cursor.mergeBlockFormat(fmt)

    def _update_width(self) -> None:
        metrics = QFontMetricsF(self.browser.font())
        width = (
            metrics.averageCharWidth() * LINE_CHARACTERS
            + 2 * self.browser.document().documentMargin()
            + 24
        )
        self.column_host.setMaximumWidth(int(width))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._update_width()
            if self._lesson is not None:
                self._space_out(self.browser.document())


class NoticeDialog(QDialog):
    """The pack's notice, shown before its first lesson is opened the first time.

    Window-modal and non-blocking: open it with :meth:`open` and listen to
    ``accepted`` / ``rejected``.
    """

    def __init__(self, pack_title: str, notice: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Before you start"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(
            wrap_label(self.tr("Before you start: {pack}").format(pack=pack_title), 1.3, bold=True)
        )
        self.browser = InertTextBrowser()
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.browser.setAccessibleName(self.tr("Notice"))
        self.browser.document().setMarkdown(notice, INERT_MARKDOWN)
        document = self.browser.document()
        document.setTextWidth(500)
        self.browser.setMinimumHeight(min(420, int(document.size().height()) + 24))
        palette = self.browser.palette()
        palette.setColor(QPalette.ColorRole.Base, palette.color(QPalette.ColorRole.Window))
        self.browser.setPalette(palette)
        layout.addWidget(self.browser, 1)
        box = QDialogButtonBox()
        self.continue_button = box.addButton(
            self.tr("I understand, continue"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.continue_button.setObjectName("primary")
        self.continue_button.setDefault(True)
        self.back_button = box.addButton(self.tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(box)
        self.resize(560, self.sizeHint().height())
        self.continue_button.clicked.connect(self.accept)
        self.back_button.clicked.connect(self.reject)
        self.continue_button.setFocus()
