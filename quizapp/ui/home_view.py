"""Home: "Continue where you left off", the lessons as cards in order (with mastery), the
questions due for review, the teacher's named quizzes, the exam, history.

Renders a :class:`quizapp.services.dto.HomeView`; every button emits a ``*_requested``
signal that the main window turns into a service call.

A pack of more than :data:`LONG_PACK_LESSONS` lessons (a teacher's 10,000-question import
is 500) shows its cards a page of :data:`LESSONS_PER_PAGE` at a time, opening on the page
of the student's next lesson, with a pager above and below the cards: a card costs a few
milliseconds of widgets and style, so 500 of them froze the window for seconds, while a
page is built in a few tens of milliseconds whatever the pack's size.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from quizapp.services import dto
from quizapp.ui.common import (
    button,
    card,
    fit_to_width,
    icon,
    plural,
    primary_button,
    wrap_label,
)

EXAM_QUESTIONS = 20
"""Questions in a Home exam, when the pack has that many."""

LONG_PACK_LESSONS = 30
"""A pack with more lessons than this shows them a page at a time; up to it, all at once."""

LESSONS_PER_PAGE = 20
"""Lesson cards on one page of a long pack."""


def exam_size(pack_home: dto.PackHome) -> int:
    """Questions a Home exam over ``pack_home`` asks: 20, or all of them when fewer."""
    return min(EXAM_QUESTIONS, sum(lesson.question_count for lesson in pack_home.lessons))


def page_count(lessons: int) -> int:
    """Pages Home shows ``lessons`` lessons of one pack on: 1 up to
    :data:`LONG_PACK_LESSONS` (all on one), else pages of :data:`LESSONS_PER_PAGE`."""
    if lessons <= LONG_PACK_LESSONS:
        return 1
    return (lessons + LESSONS_PER_PAGE - 1) // LESSONS_PER_PAGE


def next_lesson_index(lessons: tuple[dto.LessonProgress, ...]) -> int:
    """Index in ``lessons`` of where the student is: the first lesson not read yet (a
    lesson with text), else the first question bank (no text) with no quiz taken, else 0."""
    for index, lesson in enumerate(lessons):
        if lesson.has_text and not lesson.read:
            return index
    for index, lesson in enumerate(lessons):
        if not lesson.has_text and lesson.attempts == 0:
            return index
    return 0


class LessonPager(QWidget):
    """Which page of a long pack's lessons Home shows: "Earlier lessons", a list of the
    pages ("Lessons 41–60 of 500"), "Later lessons".

    ``page_chosen(page)`` (0-based) when the student picks another page.
    """

    page_chosen = Signal(int)

    def __init__(self, lessons: int, page: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pages = page_count(lessons)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.earlier = button(
            self.tr("Earlier lessons"),
            "arrow-left",
            self.tr("Show the {n} lessons before these").format(n=LESSONS_PER_PAGE),
        )
        self.later = button(
            self.tr("Later lessons"),
            "arrow-right",
            self.tr("Show the lessons after these"),
        )
        self.choice = QComboBox()
        for index in range(pages):
            first = index * LESSONS_PER_PAGE + 1
            last = min(lessons, first + LESSONS_PER_PAGE - 1)
            self.choice.addItem(
                self.tr("Lessons {first}–{last} of {total}").format(
                    first=first, last=last, total=lessons
                )
            )
        self.choice.setCurrentIndex(page)
        self.choice.setAccessibleName(self.tr("Lessons shown"))
        self.choice.setToolTip(self.tr("Choose which lessons to show"))
        self.earlier.setEnabled(page > 0)
        self.later.setEnabled(page < pages - 1)
        row.addWidget(self.earlier)
        row.addStretch(1)
        row.addWidget(self.choice)
        row.addStretch(1)
        row.addWidget(self.later)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.earlier.clicked.connect(self._on_earlier_clicked)
        self.later.clicked.connect(self._on_later_clicked)
        self.choice.activated.connect(self.page_chosen)

    def _on_earlier_clicked(self) -> None:
        self.page_chosen.emit(self.choice.currentIndex() - 1)

    def _on_later_clicked(self) -> None:
        self.page_chosen.emit(self.choice.currentIndex() + 1)


class HomeView(QWidget):
    """The student's home screen.

    Signals: ``lesson_requested(lesson_id)``, ``resume_requested(attempt_id)``,
    ``exam_requested(pack_id)``, ``history_requested()``, ``switch_student_requested()``,
    ``review_requested()`` (the due questions), ``quiz_requested(quiz_id)`` (a named quiz).
    """

    lesson_requested = Signal(int)
    resume_requested = Signal(int)
    exam_requested = Signal(int)
    history_requested = Signal()
    switch_student_requested = Signal()
    review_requested = Signal()
    quiz_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view: dto.HomeView | None = None
        self.primary: QPushButton | None = None
        self.lesson_buttons: dict[int, QPushButton] = {}
        self.resume_buttons: dict[int, QPushButton] = {}
        self.exam_buttons: dict[int, QPushButton] = {}
        self.quiz_buttons: dict[int, QPushButton] = {}
        self.review_button: QPushButton | None = None
        self.review_label: QLabel | None = None
        self.lesson_pagers: dict[int, tuple[LessonPager, LessonPager]] = {}
        """Per long pack id: its pagers above and below the cards."""
        self._pages: dict[int, int] = {}  # pack id -> page shown (long packs only)
        self._icons: dict[str, QIcon] = {}  # drawn once per render, not once per card
        self._scroll_to: QWidget | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area, 1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(24, 8, 24, 12)
        self.switch_button = button(
            self.tr("Switch student"), "users", self.tr("Back to the list of students")
        )
        self.history_button = button(
            self.tr("My results"), "history", self.tr("Your past quizzes and their scores")
        )
        bottom.addWidget(self.switch_button)
        bottom.addStretch(1)
        bottom.addWidget(self.history_button)
        outer.addLayout(bottom)
        self._content: QWidget | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.switch_button.clicked.connect(self.switch_student_requested)
        self.history_button.clicked.connect(self.history_requested)

    # ------------------------------------------------------------ render

    def set_view(self, view: dto.HomeView) -> None:
        """Show ``view``: unfinished attempts first, then each pack's lessons and exam.

        A pack of more than :data:`LONG_PACK_LESSONS` lessons opens on the page of the
        student's next lesson (:func:`next_lesson_index`); :attr:`lesson_buttons` holds
        the buttons of the lessons shown."""
        self._view = view
        self._pages = {
            pack_home.pack.id: next_lesson_index(pack_home.lessons) // LESSONS_PER_PAGE
            for pack_home in view.packs
            if page_count(len(pack_home.lessons)) > 1
        }
        self._render()
        if self._pages and self.primary is not None:
            self._scroll_into_view(self.primary)

    def show_lesson_page(self, pack_id: int, page: int) -> None:
        """Show page ``page`` (0-based, clamped) of long pack ``pack_id``'s lessons; the
        pager above the cards is scrolled into view. Nothing for a pack shown whole."""
        view = self._view
        if view is None or pack_id not in self._pages:
            return
        lessons = next(len(p.lessons) for p in view.packs if p.pack.id == pack_id)
        self._pages[pack_id] = max(0, min(page, page_count(lessons) - 1))
        self._render()
        self._scroll_into_view(self.lesson_pagers[pack_id][0])

    def _render(self) -> None:
        view = self._view
        assert view is not None
        self.lesson_buttons = {}
        self.resume_buttons = {}
        self.exam_buttons = {}
        self.quiz_buttons = {}
        self.review_button = None
        self.review_label = None
        self.primary = None
        self.lesson_pagers = {}
        self._icons = {name: icon(name) for name in ("play", "book-open")}
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(12)
        layout.addWidget(
            wrap_label(self.tr("Hello, {name}!").format(name=view.student.name), 1.5, bold=True)
        )

        if view.unfinished:
            layout.addWidget(wrap_label(self.tr("Continue where you left off"), 1.2, bold=True))
            for attempt in view.unfinished:
                layout.addWidget(self._resume_card(attempt))

        if view.due_reviews:
            layout.addWidget(self._review_card(view.due_reviews))
        if view.quizzes:
            layout.addWidget(wrap_label(self.tr("Quizzes from your teacher"), 1.2, bold=True))
            for offer in view.quizzes:
                layout.addWidget(self._quiz_card(offer))

        if not view.packs:
            layout.addWidget(
                wrap_label(
                    self.tr(
                        "There are no lessons on this computer yet: "
                        "ask your teacher to load a course."
                    ),
                    1.1,
                )
            )
        for pack_home in view.packs:
            layout.addWidget(wrap_label(pack_home.pack.title, 1.25, bold=True))
            if pack_home.pack.description:
                layout.addWidget(wrap_label(pack_home.pack.description))
            if not pack_home.lessons:
                layout.addWidget(wrap_label(self.tr("This course has no lessons yet.")))
            shown = pack_home.lessons
            page = self._pages.get(pack_home.pack.id)
            if page is not None:
                start = page * LESSONS_PER_PAGE
                shown = shown[start : start + LESSONS_PER_PAGE]
                pagers = (self._pager(pack_home, page), self._pager(pack_home, page))
                self.lesson_pagers[pack_home.pack.id] = pagers
                layout.addWidget(pagers[0])
            for lesson in shown:
                layout.addWidget(self._lesson_card(lesson))
            if page is not None:
                layout.addWidget(pagers[1])
            size = exam_size(pack_home)
            if size == 0:
                continue
            exam_row = QHBoxLayout()
            questions = plural(size, self.tr("question"), self.tr("questions"))
            exam_text = wrap_label(
                self.tr(
                    "Ready to test yourself? The exam asks {questions} drawn from all the lessons."
                ).format(questions=questions)
                if size == EXAM_QUESTIONS
                else self.tr(
                    "Ready to test yourself? The exam asks all {questions} of the lessons."
                ).format(questions=questions)
            )
            exam_row.addWidget(exam_text, 1)
            exam = button(
                self.tr("Exam ({questions})").format(questions=questions),
                "clipboard-list",
                self.tr("{questions} drawn at random from every lesson of {pack}").format(
                    questions=questions, pack=pack_home.pack.title
                ),
            )
            exam.setProperty("packId", pack_home.pack.id)
            exam.clicked.connect(self._on_exam_button_clicked)
            self.exam_buttons[pack_home.pack.id] = exam
            exam_row.addWidget(exam)
            layout.addLayout(exam_row)
        layout.addStretch(1)

        if self.primary is None:
            # The first unread lesson shown is the obvious next step; else the first lesson.
            for pack_home in view.packs:
                for lesson in pack_home.lessons:
                    if not lesson.read and lesson.has_text and lesson.id in self.lesson_buttons:
                        self._make_primary(self.lesson_buttons[lesson.id])
                        break
                if self.primary is not None:
                    break
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(fit_to_width(content))
        self._content = content
        if self.primary is not None:
            self.primary.setFocus()

    def _pager(self, pack_home: dto.PackHome, page: int) -> LessonPager:
        pager = LessonPager(len(pack_home.lessons), page)
        pack_id = pack_home.pack.id
        pager.page_chosen.connect(lambda chosen: self._on_pager_page_chosen(pack_id, chosen))
        return pager

    def _scroll_into_view(self, widget: QWidget) -> None:
        """Scroll ``widget`` into view once the new page is laid out (next event loop
        turn: its geometry is not known before)."""
        self._scroll_to = widget
        QTimer.singleShot(0, self._on_scroll_timer_timeout)

    def _make_primary(self, btn: QPushButton) -> None:
        btn.setObjectName("primary")
        btn.setDefault(True)
        btn.style().unpolish(btn)
        btn.style().polish(btn)
        self.primary = btn

    def _resume_card(self, attempt: dto.AttemptSummary) -> QFrame:
        frame = card()
        row = QHBoxLayout(frame)
        row.setContentsMargins(16, 12, 16, 12)
        text = QVBoxLayout()
        text.addWidget(wrap_label(attempt.title, 1.1, bold=True))
        text.addWidget(
            wrap_label(
                self.tr("{answered} of {questions} answered").format(
                    answered=attempt.answered,
                    questions=plural(attempt.total, self.tr("question"), self.tr("questions")),
                )
            )
        )
        row.addLayout(text, 1)
        resume = (
            primary_button(self.tr("Continue"), "play")
            if self.primary is None
            else button(self.tr("Continue"), "play")
        )
        resume.setToolTip(self.tr("Go back to question {n}").format(n=attempt.answered + 1))
        resume.setAccessibleName(self.tr("Continue {title}").format(title=attempt.title))
        resume.setProperty("attemptId", attempt.id)
        resume.clicked.connect(self._on_resume_button_clicked)
        if self.primary is None:
            self.primary = resume
        self.resume_buttons[attempt.id] = resume
        row.addWidget(resume, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    def _lesson_card(self, lesson: dto.LessonProgress) -> QFrame:
        frame = card()
        row = QHBoxLayout(frame)
        row.setContentsMargins(16, 12, 16, 12)
        row.setSpacing(16)
        text = QVBoxLayout()
        text.setSpacing(4)
        title = wrap_label(f"{lesson.position}. {lesson.title}", 1.1, bold=True)
        text.addWidget(title)
        status = []
        status.append(self.tr("✓ Read") if lesson.read else self.tr("○ Not read yet"))
        if lesson.best_percent is not None:
            status.append(self.tr("Best score {percent}%").format(percent=lesson.best_percent))
        if lesson.mastery_percent is not None:
            status.append(
                self.tr("Mastered {n} of {questions} ({percent}%)").format(
                    n=lesson.mastered,
                    questions=plural(
                        lesson.question_count, self.tr("question"), self.tr("questions")
                    ),
                    percent=lesson.mastery_percent,
                )
            )
        if lesson.attempts == 0:
            status.append(self.tr("No quiz taken yet"))
        elif lesson.attempts == 1:
            status.append(self.tr("1 quiz taken"))
        else:
            status.append(self.tr("{n} quizzes taken").format(n=lesson.attempts))
        status_label = wrap_label("  ·  ".join(status))
        text.addWidget(status_label)
        bar = QProgressBar()
        bar.setRange(0, 100)
        shown = (
            lesson.mastery_percent if lesson.mastery_percent is not None else lesson.best_percent
        )
        bar.setValue(shown or 0)
        bar.setTextVisible(False)
        bar.setMaximumHeight(8)
        bar.setAccessibleName(
            self.tr("Mastery") if lesson.mastery_percent is not None else self.tr("Best score")
        )
        bar.setVisible(shown is not None)
        text.addWidget(bar)
        row.addLayout(text, 1)
        if not lesson.has_text:  # an imported question bank: nothing to read first
            label = self.tr("Start quiz")
            btn = button(label)
            btn.setIcon(self._icons["play"])
            tip = self.tr("Take the quiz of “{title}”").format(title=lesson.title)
        else:
            label = self.tr("Read again") if lesson.read else self.tr("Start lesson")
            btn = button(label)
            btn.setIcon(self._icons["book-open"])
            tip = self.tr("Open the lesson “{title}”, then take its quiz").format(
                title=lesson.title
            )
        btn.setAccessibleName(f"{label}: {lesson.title}")
        btn.setToolTip(tip)
        btn.setProperty("lessonId", lesson.id)
        btn.clicked.connect(self._on_lesson_button_clicked)
        self.lesson_buttons[lesson.id] = btn
        row.addWidget(btn, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    def _review_card(self, due: int) -> QFrame:
        frame = card()
        row = QHBoxLayout(frame)
        row.setContentsMargins(16, 12, 16, 12)
        text = QVBoxLayout()
        label = wrap_label(
            self.tr("1 question due for review")
            if due == 1
            else self.tr("{n} questions due for review").format(n=due),
            1.1,
            bold=True,
        )
        self.review_label = label
        text.addWidget(label)
        text.addWidget(
            wrap_label(
                self.tr("Questions you found hard come back after a while: answer them again.")
            )
        )
        row.addLayout(text, 1)
        review = (
            primary_button(self.tr("Review"), "rotate-ccw")
            if self.primary is None
            else button(self.tr("Review"), "rotate-ccw")
        )
        review.setToolTip(self.tr("Answer the questions due for review today"))
        review.setAccessibleName(label.text())
        review.clicked.connect(self.review_requested)
        if self.primary is None:
            self.primary = review
        self.review_button = review
        row.addWidget(review, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    def _quiz_card(self, offer: dto.QuizOffer) -> QFrame:
        frame = card()
        row = QHBoxLayout(frame)
        row.setContentsMargins(16, 12, 16, 12)
        text = QVBoxLayout()
        text.addWidget(wrap_label(offer.name, 1.1, bold=True))
        facts = [plural(offer.question_count, self.tr("question"), self.tr("questions"))]
        if offer.time_limit_s:
            minutes = max(1, round(offer.time_limit_s / 60))
            facts.append(self.tr("time limit {m} min").format(m=minutes))
        else:
            facts.append(self.tr("no time limit"))
        if offer.attempts_left is None:
            facts.append(self.tr("as many attempts as you like"))
        elif offer.attempts_left == 1:
            facts.append(self.tr("1 attempt left"))
        else:
            facts.append(self.tr("{n} attempts left").format(n=offer.attempts_left))
        text.addWidget(wrap_label("  ·  ".join(facts)))
        row.addLayout(text, 1)
        running = offer.unfinished_attempt_id is not None
        btn = button(
            self.tr("Continue") if running else self.tr("Start"),
            "play",
            self.tr("Start the quiz “{name}”").format(name=offer.name),
        )
        btn.setAccessibleName(f"{btn.text()}: {offer.name}")
        btn.setEnabled(running or offer.attempts_left != 0)
        btn.setProperty("quizId", offer.id)
        btn.clicked.connect(self._on_quiz_button_clicked)
        self.quiz_buttons[offer.id] = btn
        row.addWidget(btn, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame

    # ------------------------------------------------------------ slots

    def _on_pager_page_chosen(self, pack_id: int, page: int) -> None:
        pagers = self.lesson_pagers.get(pack_id)
        focus = self.focusWidget()
        # Keep the keyboard where it was: the same control of the pager above the cards
        # (the new page starts there), so arrow keys on the list keep turning pages.
        control = "choice"
        if pagers is not None:
            for pager in pagers:
                for name in ("earlier", "choice", "later"):
                    if getattr(pager, name) is focus:
                        control = name
        self.show_lesson_page(pack_id, page)
        target: QWidget = getattr(self.lesson_pagers[pack_id][0], control)
        if not target.isEnabled():  # the first or last page: no further that way
            target = self.lesson_pagers[pack_id][0].choice
        target.setFocus()

    def _on_scroll_timer_timeout(self) -> None:
        widget, self._scroll_to = self._scroll_to, None
        content = self._content
        if widget is None or content is None or not content.isAncestorOf(widget):
            return  # Home was shown again meanwhile
        self.scroll_area.ensureWidgetVisible(widget, 0, 24)

    def _on_quiz_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.quiz_requested.emit(int(sender.property("quizId")))

    def _on_lesson_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.lesson_requested.emit(int(sender.property("lessonId")))

    def _on_resume_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.resume_requested.emit(int(sender.property("attemptId")))

    def _on_exam_button_clicked(self) -> None:
        sender = self.sender()
        if isinstance(sender, QPushButton):
            self.exam_requested.emit(int(sender.property("packId")))

    def activate_primary(self) -> None:
        """Enter on Home: the highlighted button (continue, or the next lesson)."""
        if self.primary is not None:
            self.primary.click()


__all__ = [
    "EXAM_QUESTIONS",
    "LESSONS_PER_PAGE",
    "LONG_PACK_LESSONS",
    "HomeView",
    "LessonPager",
    "exam_size",
    "next_lesson_index",
    "page_count",
]
