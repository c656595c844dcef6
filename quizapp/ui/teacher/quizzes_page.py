"""The teacher's "Quizzes" page (the exam builder): named quizzes students see on Home.

A table of the quizzes (name, course, behaviour, questions, time limit, attempts allowed,
review policy, attempts taken, open or closed) with New, Edit and Close (or Reopen).
New and Edit open :class:`QuizDialog`: the course, its lessons as a checkable list
(none ticked: every lesson), the number of questions, the behaviour, the time limit in
minutes (0: none), shuffle, attempts allowed (0: unlimited), when students may see the
right answers, and the name.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import Behaviour
from quizapp.services import dto
from quizapp.services.quizzes import QuizService, QuizSpec
from quizapp.ui import common
from quizapp.ui.common import button, primary_button, wrap_label

BEHAVIOURS: tuple[tuple[Behaviour, str], ...] = (
    (Behaviour.DEFERRED_FEEDBACK, "Exam: deferred feedback (results at the end)"),
    (Behaviour.IMMEDIATE_FEEDBACK, "Practice: immediate feedback"),
    (Behaviour.INTERACTIVE, "Practice: interactive with multiple tries"),
    (Behaviour.DEFERRED_CBM, "Exam with certainty-based marking"),
)
"""Behaviours offered, with how the builder names them."""

POLICIES: tuple[tuple[str, str], ...] = (
    ("after_attempt", "Right after their attempt"),
    ("after_close", "After I close the quiz"),
    ("never", "Never"),
)
"""Review policies: when students may see the right answers."""

_SHORT_BEHAVIOUR = {
    Behaviour.DEFERRED_FEEDBACK: "Deferred feedback",
    Behaviour.IMMEDIATE_FEEDBACK: "Immediate feedback",
    Behaviour.INTERACTIVE: "Interactive",
    Behaviour.DEFERRED_CBM: "Deferred CBM",
}


class QuizDialog(QDialog):
    """The form of one named quiz. Use :meth:`ask`."""

    def __init__(
        self,
        courses: list[dto.CourseOutline],
        quiz: dto.QuizInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.courses = courses
        self.setWindowTitle(self.tr("Edit quiz") if quiz else self.tr("New quiz"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name_edit = QLineEdit(quiz.name if quiz else "")
        self.name_edit.setPlaceholderText(self.tr("e.g. End of term exam"))
        self.name_edit.setMaxLength(200)
        self.course_combo = QComboBox()
        for course in courses:
            label = (
                course.title if course.enabled else self.tr("{t} (hidden)").format(t=course.title)
            )
            self.course_combo.addItem(label, course.pack_id)
        self.lessons_list = QListWidget()
        self.lessons_list.setAccessibleName(self.tr("Lessons to draw questions from"))
        self.lessons_list.setToolTip(self.tr("Tick the lessons to use; none ticked: all of them"))
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 500)
        self.count_spin.setValue(quiz.question_count if quiz else 10)
        self.behaviour_combo = QComboBox()
        for behaviour, text in BEHAVIOURS:
            self.behaviour_combo.addItem(self.tr(text), behaviour.value)
        self.time_spin = QSpinBox()
        self.time_spin.setRange(0, 600)
        self.time_spin.setSuffix(self.tr(" min"))
        self.time_spin.setSpecialValueText(self.tr("No time limit"))
        self.time_spin.setValue(round((quiz.time_limit_s or 0) / 60) if quiz else 0)
        self.shuffle_check = QCheckBox(self.tr("Shuffle questions and answers"))
        self.shuffle_check.setChecked(quiz.shuffle if quiz else True)
        self.attempts_spin = QSpinBox()
        self.attempts_spin.setRange(0, 99)
        self.attempts_spin.setSpecialValueText(self.tr("Unlimited"))
        self.attempts_spin.setValue((quiz.attempts_allowed or 0) if quiz else 1)
        self.policy_combo = QComboBox()
        for value, text in POLICIES:
            self.policy_combo.addItem(self.tr(text), value)
        form.addRow(self.tr("Name:"), self.name_edit)
        form.addRow(self.tr("Course:"), self.course_combo)
        form.addRow(self.tr("Lessons:"), self.lessons_list)
        form.addRow(self.tr("Number of questions:"), self.count_spin)
        form.addRow(self.tr("Behaviour:"), self.behaviour_combo)
        form.addRow(self.tr("Time limit:"), self.time_spin)
        form.addRow("", self.shuffle_check)
        form.addRow(self.tr("Attempts allowed:"), self.attempts_spin)
        form.addRow(self.tr("Students see the right answers:"), self.policy_combo)
        layout.addLayout(form)
        self.available_label = wrap_label("")
        layout.addWidget(self.available_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.course_combo.currentIndexChanged.connect(self._on_course_combo_changed)
        self.lessons_list.itemChanged.connect(self._on_lessons_list_item_changed)
        self.name_edit.textChanged.connect(self._on_name_edit_text_changed)
        if quiz is not None:
            self.course_combo.setCurrentIndex(max(0, self.course_combo.findData(quiz.pack_id)))
            self.behaviour_combo.setCurrentIndex(
                max(0, self.behaviour_combo.findData(quiz.behaviour.value))
            )
            self.policy_combo.setCurrentIndex(
                max(0, self.policy_combo.findData(quiz.review_policy))
            )
        self._fill_lessons(set(quiz.lesson_keys) if quiz else set())
        self._on_name_edit_text_changed(self.name_edit.text())
        self.resize(560, 620)

    def _course(self) -> dto.CourseOutline | None:
        pack_id = self.course_combo.currentData()
        return next((c for c in self.courses if c.pack_id == pack_id), None)

    def _fill_lessons(self, ticked: set[str]) -> None:
        self.lessons_list.blockSignals(True)
        self.lessons_list.clear()
        course = self._course()
        for lesson in course.lessons if course else ():
            item = QListWidgetItem(
                self.tr("{title} ({questions})").format(
                    title=lesson.title,
                    questions=common.plural(
                        lesson.question_count, self.tr("question"), self.tr("questions")
                    ),
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, lesson.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if lesson.key in ticked else Qt.CheckState.Unchecked
            )
            self.lessons_list.addItem(item)
        self.lessons_list.blockSignals(False)
        self._update_available()

    def lesson_keys(self) -> tuple[str, ...]:
        """Keys of the ticked lessons, in course order."""
        out = []
        for i in range(self.lessons_list.count()):
            item = self.lessons_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return tuple(out)

    def _update_available(self) -> None:
        course = self._course()
        keys = set(self.lesson_keys())
        lessons = course.lessons if course else ()
        n = sum(les.question_count for les in lessons if not keys or les.key in keys)
        self.available_label.setText(
            self.tr("{questions} available in the lessons chosen.").format(
                questions=common.plural(n, self.tr("question"), self.tr("questions"))
            )
        )

    def spec(self) -> QuizSpec:
        """What the form says, as the service takes it."""
        minutes = self.time_spin.value()
        attempts = self.attempts_spin.value()
        return QuizSpec(
            pack_id=int(self.course_combo.currentData() or 0),
            name=self.name_edit.text(),
            question_count=self.count_spin.value(),
            behaviour=Behaviour(self.behaviour_combo.currentData()),
            lesson_keys=self.lesson_keys(),
            time_limit_s=minutes * 60 if minutes else None,
            shuffle=self.shuffle_check.isChecked(),
            attempts_allowed=attempts or None,
            review_policy=str(self.policy_combo.currentData()),
        )

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        courses: list[dto.CourseOutline],
        quiz: dto.QuizInfo | None = None,
    ) -> QuizSpec | None:
        """Show the form; the spec when saved, ``None`` when cancelled."""
        dialog = cls(courses, quiz, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.spec()
            return None
        finally:
            dialog.deleteLater()

    def _on_course_combo_changed(self, _index: int) -> None:
        self._fill_lessons(set())

    def _on_lessons_list_item_changed(self, _item: QListWidgetItem) -> None:
        self._update_available()

    def _on_name_edit_text_changed(self, text: str) -> None:
        if self.save_button is not None:
            self.save_button.setEnabled(bool(text.strip()))


class QuizzesPage(QWidget):
    """Named quizzes: list, New, Edit, Close / Reopen."""

    HEADERS = (
        "Name",
        "Course",
        "Behaviour",
        "Questions",
        "Time limit",
        "Attempts allowed",
        "Right answers shown",
        "Attempts taken",
        "State",
    )

    def __init__(self, quizzes: QuizService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quizzes = quizzes
        self.rows: list[dto.QuizInfo] = []
        self._courses: dict[int, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(wrap_label(self.tr("Quizzes"), 1.3, bold=True))
        layout.addWidget(
            wrap_label(
                self.tr(
                    "Build a named quiz from some lessons: students find it on Home. "
                    "Close it when the exam is over."
                )
            )
        )
        self.count_label = wrap_label("")
        layout.addWidget(self.count_label)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in self.HEADERS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(False)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName(self.tr("Named quizzes"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.empty_label = wrap_label(
            self.tr("No quizzes yet: press “New quiz…” to build an exam from your lessons."),
            1.1,
        )
        layout.addWidget(self.empty_label)
        # Takes the room only while the table is hidden, so the empty state stays compact
        # at the top with the buttons, not spread over the page.
        layout.addStretch(0)
        row = QHBoxLayout()
        self.edit_button: QPushButton = button(self.tr("Edit…"), "file-text")
        self.close_button: QPushButton = button(self.tr("Close quiz"), "lock")
        self.close_button.setToolTip(self.tr("Students can no longer start it; its results stay"))
        self.new_button: QPushButton = primary_button(self.tr("New quiz…"), "clipboard-list")
        row.addWidget(self.edit_button)
        row.addWidget(self.close_button)
        row.addStretch(1)
        row.addWidget(self.new_button)
        layout.addLayout(row)
        self._connect_signals()
        self.refresh()

    def _connect_signals(self) -> None:
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_edit_button_clicked)

    def on_shown(self) -> None:
        """Refresh each time the page is shown."""
        self.refresh()

    def activate_primary(self) -> None:
        """Enter: New quiz."""
        self.new_button.click()

    def refresh(self) -> None:
        """Reload the list from the database, keeping the selection."""
        selected = self.selected()
        courses = common.guarded(self, self.quizzes.courses) or []
        self._courses = {c.pack_id: c.title for c in courses}
        self.rows = common.guarded(self, self.quizzes.list_quizzes) or []
        self.table.setRowCount(len(self.rows))
        behaviours = dict(_SHORT_BEHAVIOUR)
        policies = dict(POLICIES)
        for r, quiz in enumerate(self.rows):
            minutes = round((quiz.time_limit_s or 0) / 60)
            values = (
                quiz.name,
                self._courses.get(quiz.pack_id, "?"),
                self.tr(behaviours[quiz.behaviour]),
                str(quiz.question_count),
                self.tr("{m} min").format(m=minutes) if quiz.time_limit_s else self.tr("None"),
                str(quiz.attempts_allowed) if quiz.attempts_allowed else self.tr("Unlimited"),
                self.tr(policies.get(quiz.review_policy, quiz.review_policy)),
                str(quiz.attempts),
                self.tr("Closed") if quiz.closed_at else self.tr("Open"),
            )
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.count_label.setText(
            self.tr("{quizzes}, {o} open.").format(
                quizzes=common.plural(len(self.rows), self.tr("quiz"), self.tr("quizzes")),
                o=sum(1 for q in self.rows if q.closed_at is None),
            )
        )
        self.count_label.setVisible(bool(self.rows))
        self.table.setVisible(bool(self.rows))
        self.empty_label.setVisible(not self.rows)
        if selected is not None:
            for r, quiz in enumerate(self.rows):
                if quiz.id == selected.id:
                    self.table.selectRow(r)
        self._on_table_selection_changed()

    def selected(self) -> dto.QuizInfo | None:
        """The quiz of the selected row."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        index = rows[0].row()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _on_table_selection_changed(self) -> None:
        quiz = self.selected()
        self.edit_button.setEnabled(quiz is not None)
        self.close_button.setEnabled(quiz is not None)
        self.close_button.setText(
            self.tr("Reopen quiz") if quiz and quiz.closed_at else self.tr("Close quiz")
        )

    def _on_new_button_clicked(self) -> None:
        courses = common.guarded(self, self.quizzes.courses) or []
        if not courses:
            common.show_error(self, QuizAppError(self.tr("Load a course first (Packs page).")))
            return
        spec = QuizDialog.ask(self, courses)
        if spec is None:
            return
        if common.guarded(self, lambda: self.quizzes.create(spec)) is not None:
            self.refresh()

    def _on_edit_button_clicked(self) -> None:
        quiz = self.selected()
        if quiz is None:
            return
        courses = common.guarded(self, self.quizzes.courses) or []
        spec = QuizDialog.ask(self, courses, quiz)
        if spec is None:
            return
        if common.guarded(self, lambda: self.quizzes.update(quiz.id, spec)) is not None:
            self.refresh()

    def _on_close_button_clicked(self) -> None:
        quiz = self.selected()
        if quiz is None:
            return
        if quiz.closed_at is not None:
            common.guarded(self, lambda: self.quizzes.reopen(quiz.id))
        elif common.confirm(
            self,
            self.tr("Close the quiz?"),
            self.tr(
                "Students will no longer be able to start “{name}”. Their results stay, and "
                "if right answers are shown after closing, they can now see them."
            ).format(name=quiz.name),
            self.tr("Close quiz"),
            self.tr("Cancel"),
        ):
            common.guarded(self, lambda: self.quizzes.close(quiz.id))
        self.refresh()


__all__ = ["BEHAVIOURS", "POLICIES", "QuizDialog", "QuizzesPage"]
