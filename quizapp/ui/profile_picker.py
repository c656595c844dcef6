"""Profile picker: large name tiles, most recent first, "New student" last; typing filters.

Also the new-student dialog, which validates the name through the service and shows
the refusal inline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.services.dto import StudentInfo
from quizapp.ui.common import icon, set_font_scale, wrap_label

TILE_MIN_WIDTH = 220


class NewStudentDialog(QDialog):
    """Asks for a new student's name; ``create`` is called on OK and may refuse it.

    ``create(name) -> StudentInfo`` raises :class:`QuizAppError` (e.g. ValidationError)
    whose message is shown under the field; the dialog stays open until it succeeds.
    ``created`` is set once a student was made.
    """

    student_created = Signal(object)  # StudentInfo

    def __init__(self, create: Callable[[str], StudentInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._create = create
        self.created: StudentInfo | None = None
        self.setWindowTitle(self.tr("New student"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        heading = wrap_label(self.tr("What is your name?"), 1.3, bold=True)
        layout.addWidget(heading)
        hint = wrap_label(
            self.tr(
                "Use the name your teacher will recognise, for example your first name "
                "and the first letter of your surname."
            )
        )
        layout.addWidget(hint)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("Your name"))
        self.name_edit.setAccessibleName(self.tr("Your name"))
        self.name_edit.setMaxLength(80)
        set_font_scale(self.name_edit, 1.2)
        heading.setBuddy(self.name_edit)
        layout.addWidget(self.name_edit)
        self.error_label = wrap_label("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.setAccessibleName(self.tr("Problem with the name"))
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox()
        self.create_button = self.buttons.addButton(
            self.tr("Create"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.create_button.setObjectName("primary")
        self.create_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(
            self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        layout.addWidget(self.buttons)
        self._connect_signals()
        self._on_name_edit_changed("")

    def _connect_signals(self) -> None:
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.name_edit.textChanged.connect(self._on_name_edit_changed)

    def _on_name_edit_changed(self, text: str) -> None:
        self.create_button.setEnabled(bool(text.strip()))
        self.error_label.hide()

    def _on_create_button_clicked(self) -> None:
        try:
            student = self._create(self.name_edit.text())
        except QuizAppError as error:
            self.error_label.setText("✗ " + str(error))
            self.error_label.show()
            self.name_edit.setFocus()
            self.name_edit.selectAll()
            return
        self.created = student
        self.student_created.emit(student)
        self.accept()


class ProfilePicker(QWidget):
    """The first screen: pick your name, or make a new student.

    Emits ``student_chosen(id)`` and ``new_student_requested()``.
    """

    student_chosen = Signal(int)
    new_student_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._students: list[StudentInfo] = []
        self._tiles: list[QPushButton] = []
        self._shown: list[QPushButton] = []
        self._columns = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(12)
        self.heading = wrap_label(self.tr("Who is taking the quiz?"), 1.6, bold=True)
        outer.addWidget(self.heading)
        filter_row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Type your name to find it"))
        self.filter_edit.setAccessibleName(self.tr("Find your name"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setToolTip(
            self.tr("Type to filter the names; Enter opens the first match")
        )
        set_font_scale(self.filter_edit, 1.15)
        filter_row.addWidget(self.filter_edit, 1)
        outer.addLayout(filter_row)
        self.empty_label = wrap_label("", 1.1)
        outer.addWidget(self.empty_label)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(12)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.scroll_area.setWidget(self.grid_host)
        outer.addWidget(self.scroll_area, 1)
        self.new_tile = self._make_tile(self.tr("New student"), "user-plus")
        self.new_tile.setToolTip(self.tr("Add a new student on this computer"))
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_edit_changed)
        # Enter is handled here and used up: a QLineEdit passes it on after returnPressed,
        # and the main window would take it for "press Home's first button" once the
        # student's Home is showing (it opened lesson 1 unasked).
        self.filter_edit.installEventFilter(self)
        self.new_tile.clicked.connect(self._on_new_tile_clicked)

    # ------------------------------------------------------------ public

    def set_students(self, students: Sequence[StudentInfo]) -> None:
        """Show these students (already ordered last used first)."""
        self._students = list(students)
        for tile in self._tiles:
            tile.deleteLater()
        self._tiles = []
        for student in self._students:
            tile = self._make_tile(student.name, "user")
            tile.setProperty("studentId", student.id)
            tile.setAccessibleName(student.name)
            tile.setToolTip(self.tr("Continue as {name}").format(name=student.name))
            tile.clicked.connect(self._on_tile_clicked)
            self._tiles.append(tile)
        self.filter_edit.clear()
        self._layout_tiles(force=True)
        self.filter_edit.setFocus()

    def students(self) -> list[StudentInfo]:
        """The students given to :meth:`set_students`, in their order."""
        return list(self._students)

    def tiles(self) -> list[QPushButton]:
        """The student tiles currently shown (filtered), in order."""
        return list(self._shown)

    # ------------------------------------------------------------ slots

    def _on_tile_clicked(self) -> None:
        tile = self.sender()
        if isinstance(tile, QPushButton):
            self.student_chosen.emit(int(tile.property("studentId")))

    def _on_new_tile_clicked(self) -> None:
        self.new_student_requested.emit()

    def _on_filter_edit_changed(self, _text: str) -> None:
        self._layout_tiles(force=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the name filter opens the first match (or a new student), and only that."""
        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self._on_filter_edit_return()
            return True
        return super().eventFilter(watched, event)

    def _on_filter_edit_return(self) -> None:
        shown = self.tiles()
        if shown:
            shown[0].click()
        elif not self._students or self.filter_edit.text().strip():
            self.new_tile.click()

    # ------------------------------------------------------------ layout

    def _make_tile(self, text: str, icon_name: str) -> QPushButton:
        tile = QPushButton(text, self.grid_host)
        tile.setObjectName("tile")
        tile.setIcon(icon(icon_name))
        tile.setIconSize(QSize(32, 32))
        tile.setMinimumHeight(72)
        tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        set_font_scale(tile, 1.3, bold=True)
        return tile

    def _visible_tiles(self) -> list[QPushButton]:
        needle = self.filter_edit.text().strip().casefold()
        shown = []
        for tile, student in zip(self._tiles, self._students, strict=True):
            match = not needle or needle in student.name.casefold()
            tile.setHidden(not match)
            if match:
                shown.append(tile)
        self._shown = shown
        return shown

    def _layout_tiles(self, force: bool = False) -> None:
        columns = max(1, min(3, (self.scroll_area.viewport().width() or 800) // TILE_MIN_WIDTH))
        if not force and columns == self._columns:
            return
        self._columns = columns
        while self.grid.count():
            self.grid.takeAt(0)
        shown = [*self._visible_tiles(), self.new_tile]
        for i, tile in enumerate(shown):
            self.grid.addWidget(tile, i // columns, i % columns)
        rows = (len(shown) + columns - 1) // columns
        for r in range(rows + 1):
            self.grid.setRowStretch(r, 0)
        self.grid.setRowStretch(rows, 1)
        for c in range(3):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        # Tab order follows reading order.
        previous: QWidget = self.filter_edit
        for tile in shown:
            QWidget.setTabOrder(previous, tile)
            previous = tile
        needle = self.filter_edit.text().strip()
        if not self._students:
            self.empty_label.setText(
                self.tr("No students yet: add the first one with “New student”.")
            )
        elif needle and len(shown) == 1:
            self.empty_label.setText(
                self.tr(
                    "No name matches “{text}”. Check the spelling, or add a new student."
                ).format(text=needle)
            )
        else:
            self.empty_label.setText(self.tr("Click your name, or type it and press Enter."))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout_tiles()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Typing anywhere on the picker goes to the name filter."""
        text = event.text()
        if text and text.isprintable() and not text.isspace() and not self.filter_edit.hasFocus():
            self.filter_edit.setFocus()
            self.filter_edit.insert(text)
            return
        super().keyPressEvent(event)
