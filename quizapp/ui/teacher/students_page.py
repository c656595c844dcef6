"""The teacher's Students page: classes, and the students in them.

Left: the classes ("All students", "No class", then each class, each with its size) and New,
Rename, Delete. Right: the students of the chosen class (name, class, attempts, last
active), with Put in class…, Rename…, Merge… (two profiles into one) and Delete….

Destructive actions name exactly what will go and ask first: merging names both
profiles (with class and attempts, since two profiles may share a name) and which one
is kept; deleting a student first *offers* to save their data (JSON, CSV or XLSX) and
then says how many attempts, answers and review cards will be deleted.

Every question to the teacher goes through a module-level function (:func:`ask_text`,
:func:`ask_item`, :func:`offer_export`, and :func:`quizapp.ui.common.confirm`), so tests
replace exactly one function.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.services.classes import ClassInfo, ClassService
from quizapp.services.results import ResultsService, StudentOverview
from quizapp.ui import common
from quizapp.ui.common import button, plural, primary_button, wrap_label
from quizapp.ui.results_view import local_datetime
from quizapp.ui.teacher.data_table import ID_ROLE, DataTable, cap_column, cell, number_cell
from quizapp.ui.teacher.results_page import (
    LatestLoad,
    ask_save_path,
    heading,
    search_row,
    sessions_of,
)

if TYPE_CHECKING:
    from quizapp.services.container import Services

ALL = "all"
NO_CLASS = "none"


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """Ask for one line of text; ``None`` on cancel. Tests monkeypatch this."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def ask_item(parent: QWidget | None, title: str, label: str, items: Sequence[str]) -> int | None:
    """Ask to choose one of ``items``; its index, or ``None`` on cancel. Tests patch this."""
    value, ok = QInputDialog.getItem(parent, title, label, list(items), 0, False)
    if not ok:
        return None
    return list(items).index(value)


def offer_export(parent: QWidget | None, name: str) -> bool | None:
    """Before deleting ``name``: True to save their data first, False to go on without,
    ``None`` to stop. Tests monkeypatch this."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Delete a student")
    box.setText(
        f"Before {name} is deleted, save a copy of everything recorded about them "
        "(attempts, answers, marks)?"
    )
    save = box.addButton("Save a copy first…", QMessageBox.ButtonRole.AcceptRole)
    skip = box.addButton("Do not save", QMessageBox.ButtonRole.DestructiveRole)
    stop = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(stop)
    box.exec()
    clicked = box.clickedButton()
    if clicked is save:
        return True
    if clicked is skip:
        return False
    return None


def describe(student: StudentOverview) -> str:
    """A student as the teacher tells two namesakes apart: name, class, attempts."""
    klass = student.class_name or "no class"
    return f"{student.name} ({klass}, {plural(student.attempts, 'attempt', 'attempts')})"


class StudentsPage(QWidget):
    """Classes and students (see the module docstring); ``refresh()`` reloads, in the
    background (``loader``: a class of 500 students' figures take a few tenths of a
    second to read); choosing a class in the list only filters what was read."""

    HEADERS = ("Student", "Class", "Attempts", "Last active")

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        sessions = sessions_of(services)
        self.services = services
        self.sessions = sessions
        self.classes = ClassService(sessions)
        self.results = ResultsService(sessions)
        self.class_rows: list[ClassInfo] = []
        self.everyone: list[StudentOverview] = []  # as last read, every class
        self.students: list[StudentOverview] = []  # those of the chosen class
        self.loader = LatestLoad(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.addWidget(heading(self.tr("Students and classes")))
        self.status_label = wrap_label("")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        left_layout.addWidget(wrap_label(self.tr("Classes"), bold=True))
        self.class_list = QListWidget()
        self.class_list.setAccessibleName(self.tr("Classes"))
        left_layout.addWidget(self.class_list, 1)
        self.new_class_button = button(self.tr("New class…"), "users", self.tr("Create a class"))
        self.rename_class_button = button(self.tr("Rename…"), "type", self.tr("Rename the class"))
        self.delete_class_button = button(
            self.tr("Delete…"), "trash", self.tr("Delete the class (its students stay)")
        )
        for b in (self.new_class_button, self.rename_class_button, self.delete_class_button):
            left_layout.addWidget(b)
        splitter.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(8, 0, 0, 0)
        row, self.search_edit, self.count_label = search_row(self.tr("Find a student"))
        right_layout.addLayout(row)
        self.table = DataTable(self.HEADERS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAccessibleName(self.tr("Students"))
        cap_column(self.table, 1)  # a long class name squeezed the names to one letter
        self.table.setToolTip(self.tr("Select two students (Ctrl+click) to merge their profiles"))
        right_layout.addWidget(self.table, 1)
        self.empty_label = wrap_label(
            self.tr(
                "No students yet: students add themselves on the first screen with “New student”."
            )
        )
        self.empty_label.hide()  # until a load finds no students
        right_layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        self.move_button = primary_button(self.tr("Put in class…"), "users")
        self.move_button.setToolTip(self.tr("Put the selected students in a class"))
        self.rename_button = button(self.tr("Rename…"), "type", self.tr("Rename the student"))
        self.merge_button = button(  # "Merge two profiles…" made the row too wide at 1024 px
            self.tr("Merge…"),
            "copy",
            self.tr("Merge two profiles of the same student into one"),
        )
        self.delete_button = button(
            self.tr("Delete…"), "trash", self.tr("Delete the student and all their data")
        )
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.move_button)
        right_layout.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        outer.addWidget(splitter, 1)
        outer.addWidget(self.status_label)
        self._connect_signals()
        self._update_buttons()

    def _connect_signals(self) -> None:
        self.class_list.currentRowChanged.connect(self._on_class_list_current_row_changed)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.new_class_button.clicked.connect(self.new_class)
        self.rename_class_button.clicked.connect(self.rename_class)
        self.delete_class_button.clicked.connect(self.delete_class)
        self.move_button.clicked.connect(self.move_to_class)
        self.rename_button.clicked.connect(self.rename_student)
        self.merge_button.clicked.connect(self.merge_students)
        self.delete_button.clicked.connect(self.delete_student)

    # ------------------------------------------------------------ data

    def refresh(self, select: Any = None) -> None:
        """Reload classes and students in the background, keeping the chosen class (or
        choosing ``select``: ``"all"``, ``"none"`` or a class id)."""
        classes, results = self.classes, self.results
        self.loader.start(
            (classes.list_classes, results.students_overview),
            lambda loaded: self._on_refreshed(select, *loaded),
        )

    def _on_refreshed(
        self, select: Any, classes: list[ClassInfo], everyone: list[StudentOverview]
    ) -> None:
        # The class chosen now, not when the load began: the teacher may have clicked
        # another one meanwhile.
        keep = self.current_class_key() if select is None else select
        self.class_rows = classes
        self.everyone = everyone
        self.class_list.blockSignals(True)
        self.class_list.clear()
        unplaced = sum(1 for s in everyone if s.class_id is None)
        for key, text, n in (
            (ALL, self.tr("All students"), len(everyone)),
            (NO_CLASS, self.tr("No class"), unplaced),
        ):
            item = QListWidgetItem(f"{text} ({n})")
            item.setData(ID_ROLE, key)
            self.class_list.addItem(item)
        for c in classes:
            item = QListWidgetItem(f"{c.name} ({c.students})")
            item.setData(ID_ROLE, c.id)
            self.class_list.addItem(item)
        row = next(
            (
                i
                for i in range(self.class_list.count())
                if self.class_list.item(i).data(ID_ROLE) == keep
            ),
            0,
        )
        self.class_list.setCurrentRow(row)
        self.class_list.blockSignals(False)
        self._show_students()

    def current_class_key(self) -> Any:
        """``"all"``, ``"none"`` or a class id."""
        item = self.class_list.currentItem()
        return ALL if item is None else item.data(ID_ROLE)

    def select_class(self, key: Any) -> None:
        """Choose ``"all"``, ``"none"`` or a class id in the list."""
        for i in range(self.class_list.count()):
            if self.class_list.item(i).data(ID_ROLE) == key:
                self.class_list.setCurrentRow(i)
                return

    def _show_students(self) -> None:
        """The students of the chosen class, from those last read."""
        everyone = self.everyone
        key = self.current_class_key()
        if key == NO_CLASS:
            shown = [s for s in everyone if s.class_id is None]
        elif key == ALL:
            shown = everyone
        else:
            shown = [s for s in everyone if s.class_id == key]
        self.students = shown
        never = self.tr("never")
        rows = []
        for s in shown:
            rows.append(
                (
                    cell(s.name),
                    cell(s.class_name or "–"),
                    number_cell(s.attempts),
                    cell(
                        local_datetime(s.last_active) if s.last_active else never,
                        s.last_active.timestamp() if s.last_active else float("-inf"),
                    ),
                )
            )
        self.table.set_rows(rows, [s.student_id for s in shown])
        self.empty_label.setVisible(not everyone)
        self._update_count()
        self._update_buttons()

    def _update_count(self) -> None:
        n = self.table.proxy.rowCount()
        self.count_label.setText(plural(n, self.tr("student"), self.tr("students")))

    def selected(self) -> list[StudentOverview]:
        """The selected students, in the order shown."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        ids = [self.table.row_id(self.table.proxy.mapToSource(i).row()) for i in rows]
        by_id = {s.student_id: s for s in self.students}
        return [by_id[i] for i in ids if i in by_id]

    def select_students(self, ids: Sequence[int]) -> None:
        """Select the rows of these students (tests, and after an action)."""
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for r in range(self.table.proxy.rowCount()):
            if self.table.row_id(self.table.source_row(r)) in ids:
                self.table.selectRow(r)
        self.table.setSelectionMode(mode)

    def _update_buttons(self, *_: object) -> None:
        n = len(self.selected())
        self.move_button.setEnabled(n >= 1)
        self.rename_button.setEnabled(n == 1)
        self.delete_button.setEnabled(n == 1)
        self.merge_button.setEnabled(n == 2)
        is_class = isinstance(self.current_class_key(), int)
        self.rename_class_button.setEnabled(is_class)
        self.delete_class_button.setEnabled(is_class)

    def _done(self, text: str, select: Any = None) -> None:
        self.status_label.setText(text)
        self.refresh(select)

    # ------------------------------------------------------------ classes

    def new_class(self) -> None:
        """Ask for a name and create a class."""
        name = ask_text(self, self.tr("New class"), self.tr("Name of the class (e.g. 7B):"))
        if name is None:
            return
        made = common.guarded(self, lambda: self.classes.create_class(name))
        if made is not None:
            self._done(self.tr("Class {name} created.").format(name=made.name), select=made.id)

    def _current_class(self) -> ClassInfo | None:
        key = self.current_class_key()
        return next((c for c in self.class_rows if c.id == key), None)

    def rename_class(self) -> None:
        """Rename the chosen class."""
        current = self._current_class()
        if current is None:
            return
        name = ask_text(self, self.tr("Rename class"), self.tr("New name:"), current.name)
        if name is None:
            return
        done = common.guarded(self, lambda: self.classes.rename_class(current.id, name))
        if done is not None:
            self._done(self.tr("Class renamed to {name}.").format(name=done.name))

    def delete_class(self) -> None:
        """Delete the chosen class after confirmation (its students stay, in no class)."""
        current = self._current_class()
        if current is None:
            return
        if not common.confirm(
            self,
            self.tr("Delete class"),
            self.tr(
                "Delete the class {name}? Its {students} stay, in no class; their results are kept."
            ).format(
                name=current.name,
                students=plural(current.students, self.tr("student"), self.tr("students")),
            ),
            self.tr("Delete class"),
            self.tr("Cancel"),
        ):
            return
        try:
            self.classes.delete_class(current.id)
        except QuizAppError as error:
            common.show_error(self, error)
            return
        self._done(self.tr("Class {name} deleted.").format(name=current.name))

    # ------------------------------------------------------------ students

    def move_to_class(self) -> None:
        """Put the selected students in a class chosen from a list (or in no class)."""
        chosen = self.selected()
        if not chosen:
            return
        if not self.class_rows:
            common.show_error(
                self, QuizAppError(self.tr("Create a class first with “New class…”."))
            )
            return
        names = [c.name for c in self.class_rows] + [self.tr("(no class)")]
        index = ask_item(
            self,
            self.tr("Put in class"),
            self.tr("Class for {who}:").format(who=", ".join(s.name for s in chosen)),
            names,
        )
        if index is None:
            return
        class_id = self.class_rows[index].id if index < len(self.class_rows) else None
        ids = [s.student_id for s in chosen]
        try:
            self.classes.set_class(ids, class_id)
        except QuizAppError as error:
            common.show_error(self, error)
            return
        self._done(
            self.tr("{students} put in {cls}.").format(
                students=plural(len(ids), self.tr("student"), self.tr("students")), cls=names[index]
            )
        )

    def rename_student(self) -> None:
        """Rename the selected student."""
        chosen = self.selected()
        if len(chosen) != 1:
            return
        s = chosen[0]
        name = ask_text(self, self.tr("Rename student"), self.tr("New name:"), s.name)
        if name is None:
            return
        done = common.guarded(self, lambda: self.classes.rename_student(s.student_id, name))
        if done is not None:
            self._done(self.tr("{old} is now {new}.").format(old=s.name, new=done.name))

    def merge_students(self) -> None:
        """Merge the two selected profiles: ask which to keep, confirm naming both."""
        chosen = self.selected()
        if len(chosen) != 2:
            return
        options = [
            self.tr("Keep {a}; move {b} into it").format(a=describe(x), b=describe(y))
            for x, y in (chosen, chosen[::-1])
        ]
        index = ask_item(
            self, self.tr("Merge two profiles"), self.tr("Which profile stays?"), options
        )
        if index is None:
            return
        keep, other = (chosen[0], chosen[1]) if index == 0 else (chosen[1], chosen[0])
        if not common.confirm(
            self,
            self.tr("Merge two profiles"),
            self.tr(
                "Merge {other} into {keep}?\n\nThe {attempts}, lesson reads and review "
                "cards of {other} move to {keep}, and the profile {other} is deleted. Do "
                "this only if they are the same person."
            ).format(
                other=describe(other),
                keep=describe(keep),
                attempts=plural(other.attempts, self.tr("attempt"), self.tr("attempts")),
            ),
            self.tr("Merge"),
            self.tr("Cancel"),
        ):
            return
        report = common.guarded(
            self, lambda: self.classes.merge_students(keep.student_id, other.student_id)
        )
        if report is not None:
            self._done(
                self.tr("Merged: {attempts} moved to {keep}.").format(
                    attempts=plural(report.attempts_moved, self.tr("attempt"), self.tr("attempts")),
                    keep=keep.name,
                )
            )

    def delete_student(self) -> None:
        """Delete the selected student: offer to save their data, then confirm naming
        what goes."""
        from quizapp.services.exports import export_student_data

        chosen = self.selected()
        if len(chosen) != 1:
            return
        s = chosen[0]
        save = offer_export(self, s.name)
        if save is None:
            return
        if save:
            path = ask_save_path(
                self,
                self.tr("Save {name}'s data").format(name=s.name),
                f"{s.name}.json",
                "JSON (*.json);;CSV (*.csv);;Excel workbook (*.xlsx)",
            )
            if path is None:
                return
            try:
                export_student_data(self.sessions, s.student_id, Path(path))
            except (QuizAppError, OSError) as error:
                common.show_error(self, error)
                return
            self.status_label.setText(self.tr("Saved to {file}.").format(file=Path(path).name))
        if not common.confirm(
            self,
            self.tr("Delete a student"),
            self.tr(
                "Delete {who} and everything recorded about them: all their attempts "
                "({n} finished), every answer and mark, their lesson progress and review "
                "cards? This cannot be undone."
            ).format(who=describe(s), n=s.attempts),
            self.tr("Delete {name}").format(name=s.name),
            self.tr("Cancel"),
        ):
            return
        report = common.guarded(self, lambda: self.classes.delete_student(s.student_id))
        if report is not None:
            self._done(
                self.tr("{name} deleted ({attempts}, {answers}).").format(
                    name=report.name,
                    attempts=plural(report.attempts, self.tr("attempt"), self.tr("attempts")),
                    answers=plural(report.responses, self.tr("answer"), self.tr("answers")),
                )
            )

    # ------------------------------------------------------------ slots

    def _on_class_list_current_row_changed(self, _row: int) -> None:
        self._show_students()

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.table.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def on_shown(self) -> None:
        """The teacher area shows this page: reload."""
        self.refresh()


__all__ = ["StudentsPage", "ask_item", "ask_text", "describe", "offer_export"]
