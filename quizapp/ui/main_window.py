"""The main window: a header (where you are, who you are, back), and a stack of screens.

It is the one place that moves between screens and turns their ``*_requested``
signals into service calls; every call is guarded so a :class:`QuizAppError` becomes
a message box, never a crash. Text size (Ctrl+= / Ctrl+- / Ctrl+0) applies to the whole
app and is remembered in :class:`~quizapp.ui.settings.AppSettings`; F1 lists the
keyboard shortcuts.

Start-up (performance issue 8): this module imports only what the first paint needs
(the header, "Opening…"); the profile picker and Home are built after the window has
been painted, either by :meth:`MainWindow.show_students_early` (the picker with the
students read without SQLAlchemy, while the services load on a worker thread) or by
:meth:`set_services`; the other screens when first shown, and the teacher area (with
its pages, the pack readers and charts) the first time it is used
(:meth:`MainWindow._teacher_area`). A choice made on the picker before the services
are ready waits, with a busy cursor, and is carried out when they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quizapp.ui import common
from quizapp.ui.common import (
    STYLE_SHEET,
    button,
    icon,
    rescale_fonts,
    set_font_scale,
    wrap_label,
)
from quizapp.ui.settings import DEFAULT_FONT_POINT_SIZE, AppSettings

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent

    from quizapp.services import dto
    from quizapp.services.container import Services
    from quizapp.services.pack_admin import PackAdmin
    from quizapp.services.teacher_auth import TeacherAuth
    from quizapp.ui.history_view import HistoryView
    from quizapp.ui.home_view import HomeView
    from quizapp.ui.lesson_view import LessonView, NoticeDialog
    from quizapp.ui.profile_picker import NewStudentDialog, ProfilePicker
    from quizapp.ui.quiz_view import QuizView
    from quizapp.ui.results_view import ResultsView
    from quizapp.ui.teacher.packs_page import PacksPage
    from quizapp.ui.teacher.settings_page import TeacherSettingsPage
    from quizapp.ui.teacher.teacher_area import TeacherArea

SHORTCUTS: tuple[tuple[str, str], ...] = (
    (
        "1 – 9  or  A – I",
        "Choose an answer (in a “Select all that apply” question, press again to untick)",
    ),
    ("Space", "Tick or untick the answer that has the focus"),
    (
        "Enter",
        "Submit your answer, then go to the next question; elsewhere, the highlighted button",
    ),
    ("L", "After answering: show the passage in the lesson"),
    ("Esc", "Go back (in a quiz, asks first; your answers are kept)"),
    ("Tab / Shift+Tab", "Move between buttons and answers"),
    (
        "Arrows, Page Up / Page Down, Home / End",
        "Choosing who you are: move between the names (typing filters them; Esc clears it)",
    ),
    ("Ctrl+=  /  Ctrl+-", "Bigger / smaller text"),
    ("Ctrl+0", "Normal text size"),
    ("Ctrl+Shift+T", "Teacher area (asks for the teacher PIN); Esc leaves it and locks it"),
    ("F1", "This list"),
    ("Ctrl+Q", "Quit (every answer is already saved)"),
)


class ShortcutsDialog(QDialog):
    """The "Keyboard shortcuts" help page (F1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        layout.addWidget(wrap_label(self.tr("Keyboard shortcuts"), 1.3, bold=True))
        from PySide6.QtWidgets import QDialogButtonBox, QTextBrowser

        browser = QTextBrowser()
        browser.setOpenLinks(False)
        rows = "".join(
            f"<tr><td style='padding:4px 16px 4px 0'><b>{keys}</b></td>"
            f"<td style='padding:4px 0'>{self.tr(what)}</td></tr>"
            for keys, what in SHORTCUTS
        )
        browser.setHtml(f"<table>{rows}</table>")
        browser.setAccessibleName(self.tr("Keyboard shortcuts"))
        layout.addWidget(browser, 1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        box.button(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        layout.addWidget(box)
        self.resize(620, 440)


class MainWindow(QMainWindow):
    """The app's window. Build it with settings, show it, then hand it the services.

    ``set_services`` may come after ``show()`` (start-up paints first, opens the
    database next). ``screen_changed(name)`` fires on every move between screens.
    """

    screen_changed = Signal(str)

    def __init__(
        self, settings: AppSettings, services: Services | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.services: Services | None = None
        self.student: dto.StudentInfo | None = None
        self.home_data: dto.HomeView | None = None
        self.notice_dialog: NoticeDialog | None = None
        self.new_student_dialog: NewStudentDialog | None = None
        self.picker: ProfilePicker
        self.home: HomeView
        self._lesson: LessonView | None = None
        self._quiz: QuizView | None = None
        self._results: ResultsView | None = None
        self._history: HistoryView | None = None
        self._teacher: TeacherArea | None = None
        self._pending: Callable[[], object] | None = None
        self._built = False
        self.setWindowTitle("quizapp")
        self.setMinimumSize(QSize(760, 560))
        # Before the first paint, only "Opening…", centred by stretches (performance
        # issue 8: Qt's namespace of enums, the header's icons and the shortcuts cost
        # ~100 ms to set up; build() adds them right after).
        self.opening_label = QLabel(self.tr("Opening…"))
        set_font_scale(self.opening_label, 1.6, bold=True)
        opening = QWidget()
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.opening_label)
        row.addStretch(1)
        column = QVBoxLayout(opening)
        column.addStretch(1)
        column.addLayout(row)
        column.addStretch(1)
        self._opening_page = opening
        self.setCentralWidget(opening)
        self.apply_font_size(settings.font_point_size)
        geometry = settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1024, 700)
        if services is not None:
            self.set_services(services)

    def build(self) -> None:
        """Add the header, the screens' stack and the keyboard shortcuts to the window
        (once; :func:`quizapp.app.main` calls it right after the first paint, and
        :meth:`set_services` / :meth:`show_students_early` when it was not)."""
        if self._built:
            return
        self._built = True
        self.setStyleSheet(STYLE_SHEET)
        self._build_header()
        self.stack = QStackedWidget()
        self.opening_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.takeCentralWidget()  # not deleted: setCentralWidget would delete it
        self.stack.addWidget(self._opening_page)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_actions()
        rescale_fonts(self)
        self._update_header("opening")

    # ------------------------------------------------------------ building

    def _build_header(self) -> None:
        self.header = QFrame()
        self.header.setObjectName("headerBar")
        row = QHBoxLayout(self.header)
        row.setContentsMargins(12, 8, 12, 8)
        row.setSpacing(10)
        self.back_button = button(self.tr("Back"), "arrow-left", self.tr("Go back (Esc)"))
        self.title_label = wrap_label("", 1.2, bold=True)
        self.title_label.setAccessibleName(self.tr("Where you are"))
        self.student_icon = QLabel()
        self.student_label = QLabel("")
        self.student_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.student_label.setToolTip(self.tr("The student using quizapp now"))
        self.text_size_button = QToolButton()
        self.text_size_button.setIcon(icon("type"))
        self.text_size_button.setText(self.tr("Text size"))
        self.text_size_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.text_size_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.text_size_button.setToolTip(self.tr("Bigger (Ctrl+=) or smaller (Ctrl+-) text"))
        self.help_button = QToolButton()
        self.help_button.setIcon(icon("help-circle"))
        self.help_button.setText(self.tr("Help"))
        self.help_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.help_button.setToolTip(self.tr("Keyboard shortcuts (F1)"))
        self.teacher_button = QToolButton()
        self.teacher_button.setIcon(icon("lock"))
        self.teacher_button.setText(self.tr("Teacher"))
        self.teacher_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.teacher_button.setToolTip(
            self.tr("Teacher area: asks for the teacher PIN (Ctrl+Shift+T)")
        )
        row.addWidget(self.back_button)
        row.addWidget(self.title_label, 1)
        row.addWidget(self.student_icon)
        row.addWidget(self.student_label)
        row.addSpacing(8)
        row.addWidget(self.teacher_button)
        row.addWidget(self.text_size_button)
        row.addWidget(self.help_button)
        self._fit_header_icons()

    def header_icon_size(self) -> QSize:
        """The header's icons' size, px, square: 0.85 of a line of the base text (its
        ``QFontMetrics.height()``; at least 16): 16 px at the default 12 pt, as Qt's own
        size was, 42 px at the largest 32 pt, where they stayed 16 px beside the words."""
        edge = common.icon_edge(16, 0.85)
        return QSize(edge, edge)

    def _fit_header_icons(self) -> None:
        """Size the header's icons to the current text size (:meth:`header_icon_size`)."""
        size = self.header_icon_size()
        buttons = (self.back_button, self.teacher_button, self.text_size_button, self.help_button)
        for widget in buttons:
            widget.setIconSize(size)
        self.student_icon.setPixmap(icon("user", size=2 * size.width()).pixmap(size))

    def _build_actions(self) -> None:
        from PySide6.QtGui import QKeySequence

        self.bigger_action = QAction(self.tr("Bigger text"), self)
        self.bigger_action.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.smaller_action = QAction(self.tr("Smaller text"), self)
        self.smaller_action.setShortcuts([QKeySequence("Ctrl+-")])
        self.reset_text_action = QAction(self.tr("Normal text size"), self)
        self.reset_text_action.setShortcuts([QKeySequence("Ctrl+0")])
        self.help_action = QAction(icon("help-circle"), self.tr("Keyboard shortcuts"), self)
        self.help_action.setShortcuts([QKeySequence(QtCore.Qt.Key.Key_F1)])
        menu = QMenu(self)
        for action in (self.bigger_action, self.smaller_action, self.reset_text_action):
            action.setShortcutVisibleInContextMenu(True)
            menu.addAction(action)
            self.addAction(action)
        self.addAction(self.help_action)
        self.teacher_action = QAction(icon("lock"), self.tr("Teacher area"), self)
        self.teacher_action.setShortcuts([QKeySequence("Ctrl+Shift+T")])
        self.addAction(self.teacher_action)
        # Ctrl+Q, as in every desktop app: closes the window (answers are already saved).
        self.quit_action = QAction(self.tr("Quit"), self)
        # Spelled out: the platform's StandardKey.Quit is empty on some (offscreen, bare X).
        self.quit_action.setShortcuts([QKeySequence("Ctrl+Q")])
        self.quit_action.setShortcutContext(QtCore.Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
        self.text_size_button.setMenu(menu)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.bigger_action.triggered.connect(self._on_bigger_action_triggered)
        self.smaller_action.triggered.connect(self._on_smaller_action_triggered)
        self.reset_text_action.triggered.connect(self._on_reset_text_action_triggered)
        self.help_action.triggered.connect(self._on_help_action_triggered)
        self.help_button.clicked.connect(self._on_help_action_triggered)
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.teacher_action.triggered.connect(self._on_teacher_action_triggered)
        self.teacher_button.clicked.connect(self._on_teacher_action_triggered)

    def _build_screens(self) -> None:
        """The profile picker and Home, once (imported here: after the first paint). The
        lesson, quiz, results and history screens are built when first shown."""
        if hasattr(self, "picker"):
            return
        from quizapp.ui.home_view import HomeView
        from quizapp.ui.profile_picker import ProfilePicker

        self.picker = ProfilePicker()
        self.home = HomeView()
        for screen in (self.picker, self.home):
            self.stack.addWidget(screen)
        self.picker.student_chosen.connect(self._on_picker_student_chosen)
        self.picker.new_student_requested.connect(self._on_picker_new_student_requested)
        self.home.lesson_requested.connect(self._on_home_lesson_requested)
        self.home.resume_requested.connect(self._on_home_resume_requested)
        self.home.exam_requested.connect(self._on_home_exam_requested)
        self.home.history_requested.connect(self._on_home_history_requested)
        self.home.switch_student_requested.connect(self._on_home_switch_student_requested)
        self.home.review_requested.connect(self._on_home_review_requested)
        self.home.quiz_requested.connect(self._on_home_quiz_requested)

    def _add_screen(self, screen: QWidget) -> None:
        """A screen built after start-up joins the stack at the current text size."""
        self.stack.addWidget(screen)
        rescale_fonts(screen)

    @property
    def lesson(self) -> LessonView:
        """The lesson reader (built on first use)."""
        if self._lesson is None:
            from quizapp.ui.lesson_view import LessonView

            view = LessonView()
            self._add_screen(view)
            view.quiz_requested.connect(self._on_lesson_quiz_requested)
            view.back_requested.connect(self._on_lesson_back_requested)
            self._lesson = view
        return self._lesson

    @property
    def quiz(self) -> QuizView:
        """The quiz screen (built on first use, over ``services.attempts``)."""
        if self._quiz is None:
            from quizapp.ui.quiz_view import QuizView

            view = QuizView(self._svc().attempts)
            self._add_screen(view)
            view.attempt_finished.connect(self._on_quiz_attempt_finished)
            view.evidence_requested.connect(self._on_quiz_evidence_requested)
            view.leave_requested.connect(self._on_quiz_leave_requested)
            self._quiz = view
        return self._quiz

    @property
    def results(self) -> ResultsView:
        """The results and review screen (built on first use)."""
        if self._results is None:
            from quizapp.ui.results_view import ResultsView

            view = ResultsView()
            self._add_screen(view)
            view.retry_requested.connect(self._on_results_retry_requested)
            view.home_requested.connect(self._on_results_home_requested)
            view.back_requested.connect(self._on_results_back_requested)
            self._results = view
        return self._results

    @property
    def history(self) -> HistoryView:
        """The student's history screen (built on first use)."""
        if self._history is None:
            from quizapp.ui.history_view import HistoryView

            view = HistoryView()
            self._add_screen(view)
            view.review_requested.connect(self._on_history_review_requested)
            view.resume_requested.connect(self._on_home_resume_requested)
            view.back_requested.connect(self._on_history_back_requested)
            self._history = view
        return self._history

    def _teacher_area(self) -> TeacherArea:
        """The teacher area, built the first time it is needed (opening it, a dropped
        file, a test or another page asking for it), not at start-up."""
        if self._teacher is None:
            self._build_teacher_area(self._svc())
        assert self._teacher is not None
        return self._teacher

    @property
    def teacher(self) -> TeacherArea:
        """The teacher area widget (built on first use)."""
        return self._teacher_area()

    @property
    def teacher_auth(self) -> TeacherAuth:
        """The PIN service the teacher area uses (built with the area)."""
        self._teacher_area()
        return self._teacher_auth

    @property
    def pack_admin(self) -> PackAdmin:
        """The packs service of the teacher area (built with the area)."""
        self._teacher_area()
        return self._pack_admin

    @property
    def packs_page(self) -> PacksPage:
        """The teacher area's Packs page (built with the area)."""
        self._teacher_area()
        return self._packs_page

    @property
    def teacher_settings_page(self) -> TeacherSettingsPage:
        """The teacher area's Settings page (built with the area)."""
        self._teacher_area()
        return self._teacher_settings_page

    @property
    def results_pages(self) -> dict[str, QWidget]:
        """What ``register_pages`` returned for the results pages (built with the area)."""
        self._teacher_area()
        return self._results_pages

    def _build_teacher_area(self, services: Services) -> None:
        """The teacher area and its pages (behind the PIN: see :meth:`open_teacher_area`).

        Uses ``services.teacher_auth`` / ``services.pack_admin`` when the container has
        them, else builds them over the same database. Imported and built on first use
        (:meth:`_teacher_area`), not at start-up: it loads the readers, openpyxl and the
        charts, none of which the students' screens need."""
        from quizapp.services.pack_admin import PackAdmin
        from quizapp.services.teacher_auth import TeacherAuth
        from quizapp.ui.teacher.packs_page import PacksPage
        from quizapp.ui.teacher.quizzes_page import QuizzesPage
        from quizapp.ui.teacher.results_page import register_pages
        from quizapp.ui.teacher.settings_page import TeacherSettingsPage
        from quizapp.ui.teacher.teacher_area import TeacherArea

        sessions = services.database.sessions
        auth = getattr(services, "teacher_auth", None)
        self._teacher_auth: TeacherAuth = auth if auth is not None else TeacherAuth(sessions)
        admin = getattr(services, "pack_admin", None)
        self._pack_admin: PackAdmin = admin if admin is not None else PackAdmin(sessions)
        area = TeacherArea()
        self._packs_page: PacksPage = PacksPage(self._pack_admin)
        self._teacher_settings_page: TeacherSettingsPage = TeacherSettingsPage(self._teacher_auth)
        area.add_page(self.tr("Packs"), "package", self._packs_page)
        area.add_page(self.tr("Quizzes"), "clipboard-list", QuizzesPage(services.quizzes))
        self._results_pages: dict[str, QWidget] = register_pages(area, services)
        area.add_page(self.tr("Settings"), "sliders", self._teacher_settings_page)
        self.stack.addWidget(area)
        area.leave_requested.connect(self._on_teacher_leave_requested)
        rescale_fonts(area)
        self._teacher = area

    # ------------------------------------------------------------ services

    def set_services(self, services: Services) -> None:
        """Attach the services (once) and show the profile picker."""
        if self.services is not None:
            raise RuntimeError("services are already set")
        self.services = services
        self.build()
        early = self.current_screen() == "profiles"  # show_students_early came first
        self._build_screens()
        rescale_fonts(self)
        self.setAcceptDrops(True)  # question files dropped on the window: teacher import
        if early:
            students = common.guarded(self, services.students.list_students)
            if students is not None and students != self.picker.students():
                self.picker.set_students(students)
        else:
            self.show_profiles()
        pending, self._pending = self._pending, None
        if pending is not None:
            QApplication.restoreOverrideCursor()
            pending()

    def show_students_early(self, students: Sequence[dto.StudentInfo]) -> None:
        """Before :meth:`set_services`: show the profile picker with ``students`` (read
        without SQLAlchemy: :func:`quizapp.services.quick_start.early_students`). Picking
        a student, "New student" or the teacher area then waits for the services."""
        if self.services is not None:
            return
        self.build()
        self._build_screens()
        rescale_fonts(self)
        self.student = None
        self.picker.set_students(students)
        self._show(self.picker, "profiles", self.tr("Who is taking the quiz?"))
        self.picker.filter_edit.setFocus()

    def set_opening_message(self, text: str) -> None:
        """Show "Opening…" replaced by ``text`` (e.g. what went wrong); a choice
        waiting for the services is dropped."""
        self.build()
        self.opening_label.setText(text)
        if self._pending is not None:
            self._pending = None
            QApplication.restoreOverrideCursor()
        if self.stack.currentWidget() is not self._opening_page:
            self._show(self._opening_page, "opening")

    def _when_ready(self, action: Callable[[], object]) -> None:
        """Run ``action`` now if the services are here; otherwise keep it (the latest
        choice wins) for :meth:`set_services`, with a busy cursor meanwhile."""
        if self.services is not None:
            action()
            return
        if self._pending is None:
            QApplication.setOverrideCursor(QtCore.Qt.CursorShape.BusyCursor)
        self._pending = action

    def _svc(self) -> Services:
        if self.services is None:
            raise RuntimeError("services are not set yet")
        return self.services

    # ------------------------------------------------------------ navigation

    def current_screen(self) -> str:
        """Name of the screen shown: opening, profiles, home, lesson, quiz, results, history,
        teacher."""
        if not self._built:
            return "opening"
        widget = self.stack.currentWidget()
        names = {
            "opening": self._opening_page,
            "profiles": getattr(self, "picker", None),
            "home": getattr(self, "home", None),
            "lesson": self._lesson,
            "quiz": self._quiz,
            "results": self._results,
            "history": self._history,
            "teacher": self._teacher,
        }
        for name, screen in names.items():
            if screen is not None and screen is widget:
                return name
        return "opening"

    def _show(self, widget: QWidget, name: str, title: str = "") -> None:
        quiz = self._quiz  # not built just to be stopped
        if quiz is not None and name != "quiz":
            quiz.stop()  # the countdown runs again when the quiz is back on screen
        elif quiz is not None and not quiz.timer.isActive():
            quiz.resume_timer()
        self.stack.setCurrentWidget(widget)
        self._update_header(name, title)
        self.screen_changed.emit(name)

    def _update_header(self, name: str, title: str = "") -> None:
        self.back_button.setVisible(name in {"lesson", "quiz", "results", "history"})
        if name == "quiz":
            self.back_button.setText(self.tr("Leave quiz"))
        else:
            self.back_button.setText(self.tr("Back"))
        self.title_label.setText(title)
        # The teacher area is nobody's: the last student's name does not stay in its header.
        has_student = self.student is not None and name not in {"opening", "profiles", "teacher"}
        self.student_label.setText(self.student.name if has_student and self.student else "")
        self.student_label.setVisible(has_student)
        self.student_icon.setVisible(has_student)
        self.teacher_button.setVisible(name in {"profiles", "home"})
        self.setWindowTitle(f"{title} – quizapp" if title else "quizapp")

    def show_profiles(self) -> None:
        """The profile picker, with the students last used first."""
        students = common.guarded(self, lambda: self._svc().students.list_students())
        self.student = None
        self.picker.set_students(students or [])
        self._show(self.picker, "profiles", self.tr("Who is taking the quiz?"))
        self.picker.filter_edit.setFocus()

    def choose_student(self, student_id: int) -> None:
        """Make ``student_id`` the current student and go Home."""
        student = common.guarded(self, lambda: self._svc().students.select_student(student_id))
        if student is not None:
            self.student = student
            self.show_home()

    def show_home(self) -> None:
        """Home for the current student (data refreshed)."""
        student = self.student
        if student is None:
            self.show_profiles()
            return
        from quizapp.domain.errors import NotFoundError, QuizAppError

        try:
            view = self._svc().course.home(student.id)
        except NotFoundError:
            # The student was merged into another profile or deleted (teacher area):
            # choose again rather than stay stuck on an error.
            self.show_profiles()
            return
        except QuizAppError as error:
            common.show_error(self, error)
            return
        self.home_data = view
        self.home.set_view(view)
        self._show(self.home, "home", self.tr("Home"))

    def open_lesson(self, lesson_id: int) -> None:
        """Open a lesson; the pack's notice comes first if this student has not seen it."""
        pack = self._pack_of_lesson(lesson_id)
        if pack is not None and not pack.notice_seen and pack.pack.notice.strip():
            from quizapp.ui.lesson_view import NoticeDialog

            dialog = NoticeDialog(pack.pack.title, pack.pack.notice, self)
            dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            pack_id = pack.pack.id
            dialog.accepted.connect(lambda: self._on_notice_accepted(pack_id, lesson_id))
            dialog.finished.connect(self._on_notice_finished)
            self.notice_dialog = dialog
            dialog.open()
            return
        self._show_lesson(lesson_id)

    def _pack_of_lesson(self, lesson_id: int) -> dto.PackHome | None:
        if self.home_data is None:
            return None
        for pack in self.home_data.packs:
            if any(lesson.id == lesson_id for lesson in pack.lessons):
                return pack
        return None

    def _show_lesson(self, lesson_id: int, evidence: str | None = None) -> bool:
        svc = self._svc()
        lesson = common.guarded(self, lambda: svc.course.lesson(lesson_id))
        if lesson is None:
            return False
        if evidence is None and not lesson.body.strip():
            # An imported question bank: no text to read, so straight to its quiz.
            self.start_lesson_quiz(lesson_id)
            return True
        student = self.student
        if student is not None and evidence is None:
            common.guarded(self, lambda: svc.course.mark_lesson_read(student.id, lesson_id))
        self.lesson.set_lesson(lesson)
        title = self.tr("Lesson {n} of {count}: {title}").format(
            n=lesson.position, count=lesson.lesson_count, title=lesson.title
        )
        self._show(self.lesson, "lesson", title)
        if evidence is not None:
            self.lesson.set_return_to_quiz(True)
            if evidence:
                self.lesson.show_evidence(evidence)
            self.lesson.return_button.setFocus()
        else:
            self.lesson.browser.setFocus()
        return True

    def show_evidence(self, lesson_id: int, evidence: str) -> None:
        """From feedback: the lesson scrolled to ``evidence``, highlighted, with a way back."""
        self._show_lesson(lesson_id, evidence=evidence)

    def start_lesson_quiz(self, lesson_id: int) -> None:
        """A new attempt at the quiz of ``lesson_id``."""
        student = self.student
        if student is None:
            return
        attempt = common.guarded(
            self, lambda: self._svc().attempts.start_lesson_quiz(student.id, lesson_id)
        )
        if attempt is not None:
            self._take(attempt)

    def start_exam(self, pack_id: int) -> None:
        """A new exam of 20 random questions over the pack."""
        student = self.student
        if student is None:
            return
        attempt = common.guarded(
            self, lambda: self._svc().attempts.start_exam(student.id, pack_id, 20)
        )
        if attempt is not None:
            self._take(attempt)

    def resume_attempt(self, attempt_id: int) -> None:
        """Continue an unfinished attempt at its first unanswered question, same order."""
        attempt = common.guarded(self, lambda: self._svc().attempts.get(attempt_id))
        if attempt is not None:
            self._take(attempt)

    def start_review(self) -> None:
        """A review session over the questions due today."""
        student = self.student
        if student is None:
            return
        attempt = common.guarded(self, lambda: self._svc().reviews.start_review(student.id))
        if attempt is not None:
            self._take(attempt)

    def start_named_quiz(self, quiz_id: int) -> None:
        """Start (or continue) one of the teacher's named quizzes."""
        student = self.student
        if student is None:
            return
        attempt = common.guarded(self, lambda: self._svc().quizzes.start_quiz(student.id, quiz_id))
        if attempt is not None:
            self._take(attempt)

    def _take(self, attempt: dto.AttemptView) -> None:
        if attempt.finished_at is not None:  # a timed attempt found past its deadline
            summary = common.guarded(self, lambda: self._svc().attempts.finish(attempt.id))
            if summary is not None:
                self.show_results(summary)
            return
        self.quiz.set_attempt(attempt)
        self._show(self.quiz, "quiz", self.tr("Quiz: {title}").format(title=attempt.title))

    def show_results(self, summary: dto.AttemptSummary) -> None:
        """The score and review of a finished attempt."""
        review = common.guarded(self, lambda: self._svc().attempts.review(summary.id))
        if review is None:
            return
        self.results.set_results(summary, review)
        self._show(self.results, "results", self.tr("Results: {title}").format(title=summary.title))

    def show_history(self) -> None:
        """The student's attempts, newest first."""
        student = self.student
        if student is None:
            return
        attempts = common.guarded(self, lambda: self._svc().attempts.history(student.id))
        if attempts is None:
            return
        self.history.set_attempts(attempts)
        self._show(self.history, "history", self.tr("My results"))

    def review_attempt(self, attempt_id: int) -> None:
        """A past attempt, read-only, exactly as it was taken."""
        summary = next((a for a in self.history.attempts if a.id == attempt_id), None)
        review = common.guarded(self, lambda: self._svc().attempts.review(attempt_id))
        if review is None or summary is None:
            return
        self.results.set_results(summary, review, review_mode=True)
        self._show(self.results, "results", self.tr("Review: {title}").format(title=summary.title))

    # ------------------------------------------------------------ teacher area

    def open_teacher_area(self, page: QWidget | None = None) -> bool:
        """Open the teacher area (on ``page`` if given) after the PIN gate; every entry
        asks for the PIN. Returns True when the area is shown."""
        if self.services is None:
            return False
        from quizapp.ui.teacher.pin_dialog import PinDialog

        if self.current_screen() != "teacher":
            if not PinDialog.ask(self, self.teacher_auth):
                return False
            self._show(self.teacher, "teacher", self.tr("Teacher area"))
        if page is not None:
            self.teacher.show_page(page)
        else:
            self.teacher.refresh()
        return True

    def leave_teacher_area(self) -> None:
        """Lock the teacher area and go back to the students' screens (data refreshed)."""
        if self.student is not None:
            self.show_home()
        if self.current_screen() == "teacher":  # no student, or Home could not be shown
            self.show_profiles()

    def add_teacher_page(self, title: str, icon_name: str, widget: QWidget) -> int:
        """Add a page to the teacher area (see :meth:`TeacherArea.add_page`)."""
        return self.teacher.add_page(title, icon_name, widget)

    def import_file(self, path: str) -> None:
        """A question file dropped on the window: through the PIN gate to the packs page
        and the import preview."""
        if self.open_teacher_area(self.packs_page):
            self.packs_page.start_import(path)

    def go_back(self) -> None:
        """What Esc and the header's Back do on the current screen."""
        name = self.current_screen()
        if name == "lesson":
            quiz = self._quiz
            attempt = quiz.attempt if quiz is not None else None
            if self.lesson.returns_to_quiz and quiz is not None and attempt is not None:
                self._show(quiz, "quiz", self.tr("Quiz: {title}").format(title=attempt.title))
                quiz.next_button.setFocus()
            else:
                self.show_home()
        elif name == "quiz":
            if self.quiz.confirm_leave():
                self.show_home()
        elif name == "results":
            if self.results.review_mode:
                self.show_history()
            else:
                self.show_home()
        elif name == "history":
            self.show_home()
        elif name == "teacher":
            self.leave_teacher_area()

    # ------------------------------------------------------------ text size

    def apply_font_size(self, point_size: int) -> None:
        """Set the whole app's base text size (points) and remember it."""
        self.settings.font_point_size = point_size
        common.apply_text_size(self.settings.font_point_size)
        if self._built:
            self._fit_header_icons()

    # ------------------------------------------------------------ slots

    def _on_bigger_action_triggered(self) -> None:
        self.apply_font_size(self.settings.font_point_size + 1)

    def _on_smaller_action_triggered(self) -> None:
        self.apply_font_size(self.settings.font_point_size - 1)

    def _on_reset_text_action_triggered(self) -> None:
        self.apply_font_size(DEFAULT_FONT_POINT_SIZE)

    def _on_help_action_triggered(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _on_back_button_clicked(self) -> None:
        self.go_back()

    def _on_teacher_action_triggered(self) -> None:
        self._when_ready(self.open_teacher_area)

    def _on_teacher_leave_requested(self) -> None:
        self.leave_teacher_area()

    def _on_picker_student_chosen(self, student_id: int) -> None:
        self._when_ready(lambda: self.choose_student(student_id))

    def _on_picker_new_student_requested(self) -> None:
        self._when_ready(self._open_new_student_dialog)

    def _open_new_student_dialog(self) -> None:
        from quizapp.ui.profile_picker import NewStudentDialog

        svc = self._svc()
        dialog = NewStudentDialog(svc.students.create_student, self)
        # A name typed in the picker's filter that found nobody is the new name, likely.
        dialog.name_edit.setText(self.picker.filter_edit.text().strip())
        dialog.name_edit.selectAll()
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.student_created.connect(self._on_new_student_dialog_student_created)
        dialog.destroyed.connect(self._on_new_student_dialog_destroyed)
        self.new_student_dialog = dialog
        dialog.open()

    def _on_new_student_dialog_student_created(self, student: dto.StudentInfo) -> None:
        self.choose_student(student.id)

    def _on_new_student_dialog_destroyed(self) -> None:
        self.new_student_dialog = None

    def _on_notice_accepted(self, pack_id: int, lesson_id: int) -> None:
        student = self.student
        if student is None:
            return
        common.guarded(self, lambda: self._svc().course.acknowledge_notice(student.id, pack_id))
        if self.home_data is not None:
            refreshed = common.guarded(self, lambda: self._svc().course.home(student.id))
            if refreshed is not None:
                self.home_data = refreshed
        self._show_lesson(lesson_id)

    def _on_notice_finished(self, _result: int) -> None:
        self.notice_dialog = None

    def _on_home_lesson_requested(self, lesson_id: int) -> None:
        self.open_lesson(lesson_id)

    def _on_home_resume_requested(self, attempt_id: int) -> None:
        self.resume_attempt(attempt_id)

    def _on_home_exam_requested(self, pack_id: int) -> None:
        self.start_exam(pack_id)

    def _on_home_history_requested(self) -> None:
        self.show_history()

    def _on_home_switch_student_requested(self) -> None:
        self.show_profiles()

    def _on_lesson_quiz_requested(self, lesson_id: int) -> None:
        self.start_lesson_quiz(lesson_id)

    def _on_lesson_back_requested(self) -> None:
        self.go_back()

    def _on_quiz_attempt_finished(self, summary: dto.AttemptSummary) -> None:
        self.show_results(summary)

    def _on_quiz_evidence_requested(self, lesson_id: int, evidence: str) -> None:
        self.show_evidence(lesson_id, evidence)

    def _on_quiz_leave_requested(self) -> None:
        self.show_home()

    def _on_home_review_requested(self) -> None:
        self.start_review()

    def _on_home_quiz_requested(self, quiz_id: int) -> None:
        self.start_named_quiz(quiz_id)

    def _on_results_retry_requested(self, summary: dto.AttemptSummary) -> None:
        if summary.kind == "quiz" and summary.quiz_id is not None:
            self.start_named_quiz(summary.quiz_id)
        elif summary.kind == "review":
            self.start_review()
        elif summary.kind == "exam" or summary.lesson_id is None:
            self.start_exam(summary.pack_id)
        else:
            self.start_lesson_quiz(summary.lesson_id)

    def _on_results_home_requested(self) -> None:
        self.show_home()

    def _on_results_back_requested(self) -> None:
        self.go_back()

    def _on_history_review_requested(self, attempt_id: int) -> None:
        self.review_attempt(attempt_id)

    def _on_history_back_requested(self) -> None:
        self.show_home()

    # ------------------------------------------------------------ events

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys no widget used: Esc goes back; Enter presses the focused or the primary button."""
        key = event.key()
        if not self._built or event.modifiers() & ~QtCore.Qt.KeyboardModifier.KeypadModifier:
            super().keyPressEvent(event)
            return
        if key == QtCore.Qt.Key.Key_Escape:
            self.go_back()
            return
        if key in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            focus = QApplication.focusWidget()
            if isinstance(focus, QAbstractButton) and focus.isVisible() and focus.isEnabled():
                focus.click()
                return
            screen = self.stack.currentWidget()
            activate = getattr(screen, "activate_primary", None)
            if callable(activate):
                activate()
                return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept question files (by extension) dragged over the window."""
        from quizapp.ui.teacher.teacher_area import question_files

        if self.services is not None and question_files(event.mimeData().urls()):
            event.acceptProposedAction()
            return
        super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """A dropped question file opens its import preview (after the PIN gate)."""
        from quizapp.ui.teacher.teacher_area import question_files

        files = question_files(event.mimeData().urls())
        if not files:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        path = files[0]
        # Leave the drop handler first: the PIN gate is a modal dialog.
        QTimer.singleShot(0, lambda: self.import_file(path))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the window's place. Answers are already saved, so nothing to ask."""
        self.settings.window_geometry = self.saveGeometry()
        self.settings.sync()
        super().closeEvent(event)


__all__ = ["MainWindow", "ShortcutsDialog"]
