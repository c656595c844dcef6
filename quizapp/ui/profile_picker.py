"""Profile picker: large name tiles, the last used first then the others alphabetically;
"New student" beside the name filter, above the list; typing filters.

Also the new-student dialog, which validates the name through the service and shows
the refusal inline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.text import fold_name
from quizapp.services.dto import StudentInfo
from quizapp.ui.common import icon, set_font_scale, wrap_label

TILE_MIN_WIDTH = 220
"""Narrowest name tile, in pixels: :func:`columns_for_width` fits as many as it can."""
MAX_COLUMNS = 3
"""Most columns of name tiles, however wide the window."""


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


class _NameList(QScrollArea):
    """The scrolling list of name tiles; says when its width changes."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class _Tile(QPushButton):
    """A name tile: hands the arrow keys to ``on_arrow(tile, key) -> used``.

    A name too long for the tile's width ends in "…" (the whole name stays in the tile's
    accessible name and tooltip): a button is otherwise as wide as its text, and one
    60-character name made every column wider than the window."""

    def __init__(
        self, text: str, parent: QWidget, on_arrow: Callable[[QPushButton, int], bool]
    ) -> None:
        super().__init__(text, parent)
        self._on_arrow = on_arrow
        self.full_text = text

    def minimumSizeHint(self) -> QSize:
        return QSize(TILE_MIN_WIDTH // 2, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), TILE_MIN_WIDTH), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Text size
            self._elide()

    def _elide(self) -> None:
        # The style sheet's 18 px padding each side, the icon and the gap after it.
        room = self.width() - self.iconSize().width() - 2 * 18 - 2 * 12
        if not self.isVisible() or room < TILE_MIN_WIDTH // 4:
            shown = self.full_text  # not laid out yet: no width to fit
        else:
            shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and self._on_arrow(self, event.key()):
            return
        super().keyPressEvent(event)


class ProfilePicker(QWidget):
    """The first screen: pick your name, or make a new student.

    "New student" is a button beside the name filter, above the list, so a new student
    finds it at once however long the class list is. The tiles fill as many columns as
    the list's width allows (:func:`columns_for_width`), the same at launch, after a
    search and after a resize. Keyboard: typing filters; Enter opens the first match of
    the name typed (a new student when nothing matches; nobody when nothing is typed, so
    a stray Enter never signs in the last student); Tab goes filter -> "New student" ->
    tiles; Down from the filter goes to the first tile, and the arrow keys move between
    tiles by row and column (Up from the first row back to the filter).

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
        self.heading = wrap_label(self.tr("Hello!"), 1.6, bold=True)
        outer.addWidget(self.heading)
        filter_row = QHBoxLayout()
        filter_row.setSpacing(12)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Type your name to find it"))
        self.filter_edit.setAccessibleName(self.tr("Find your name"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_edit.setToolTip(
            self.tr("Type to filter the names; Enter opens the first match, Down goes to the list")
        )
        set_font_scale(self.filter_edit, 1.15)
        # as tall as "New student" beside it
        self.filter_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        filter_row.addWidget(self.filter_edit, 1)
        self.new_button = QPushButton(icon("user-plus"), self.tr("New student"))
        self.new_button.setObjectName("newStudent")
        self.new_button.setIconSize(QSize(24, 24))
        self.new_button.setToolTip(self.tr("Not in the list? Add a new student on this computer"))
        set_font_scale(self.new_button, 1.15, bold=True)
        filter_row.addWidget(self.new_button)
        outer.addLayout(filter_row)
        self.empty_label = wrap_label("", 1.1)
        outer.addWidget(self.empty_label)
        self.scroll_area = _NameList()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(12)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.scroll_area.setWidget(self.grid_host)
        outer.addWidget(self.scroll_area, 1)
        QWidget.setTabOrder(self.filter_edit, self.new_button)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_edit_changed)
        # Enter is handled here and used up: a QLineEdit passes it on after returnPressed,
        # and the main window would take it for "press Home's first button" once the
        # student's Home is showing (it opened lesson 1 unasked).
        self.filter_edit.installEventFilter(self)
        # The column count follows the list's own width: the picker's size alone missed
        # the first layout (made before the list had its width).
        self.scroll_area.resized.connect(self._on_scroll_area_resized)
        self.new_button.clicked.connect(self._on_new_button_clicked)

    # ------------------------------------------------------------ public

    def set_students(self, students: Sequence[StudentInfo]) -> None:
        """Show these students, in this order (:meth:`StudentService.list_students`'s:
        the last used first, then the others alphabetically)."""
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

    def columns(self) -> int:
        """How many columns of tiles the list has now."""
        return self._columns

    # ------------------------------------------------------------ slots

    def _on_tile_clicked(self) -> None:
        tile = self.sender()
        if isinstance(tile, QPushButton):
            self.student_chosen.emit(int(tile.property("studentId")))

    def _on_new_button_clicked(self) -> None:
        self.new_student_requested.emit()

    def _on_filter_edit_changed(self, _text: str) -> None:
        self._layout_tiles(force=True)

    def _on_scroll_area_resized(self) -> None:
        self._layout_tiles()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the name filter does what :meth:`_on_filter_edit_return` says, and
        only that; Down there goes to the first tile."""
        if (
            watched is self.filter_edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_filter_edit_return()
                return True
            if event.key() == Qt.Key.Key_Down and self._shown:
                self._focus_tile(0)
                return True
        return super().eventFilter(watched, event)

    def _on_tile_arrow(self, tile: QPushButton, key: int) -> bool:
        """Arrow keys on a name tile: Left/Right the previous/next name, Up/Down the
        name above/below (Up from the first row: the filter). True if the key was used."""
        if tile not in self._shown:
            return False
        return self._move_from_tile(self._shown.index(tile), key)

    def _move_from_tile(self, index: int, key: int) -> bool:
        """Arrow keys on the tile at ``index`` (of those shown): True if used."""
        steps: dict[int, int] = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_Up: -self._columns,
            Qt.Key.Key_Down: self._columns,
        }
        if key not in steps:
            return False
        target = index + steps[key]
        if target < 0:
            if key == Qt.Key.Key_Up:
                self.filter_edit.setFocus(Qt.FocusReason.BacktabFocusReason)
            return True
        if target >= len(self._shown):
            if (
                key == Qt.Key.Key_Down
                and index // self._columns < (len(self._shown) - 1) // self._columns
            ):
                target = len(self._shown) - 1  # the last row is short: its last tile
            else:
                return True
        self._focus_tile(target)
        return True

    def _focus_tile(self, index: int) -> None:
        tile = self._shown[index]
        tile.setFocus(Qt.FocusReason.TabFocusReason)
        self.scroll_area.ensureWidgetVisible(tile)

    def _on_filter_edit_return(self) -> None:
        typed = bool(self.filter_edit.text().strip())
        shown = self.tiles()
        if shown and typed:
            shown[0].click()
        elif not shown and (typed or not self._students):
            self.new_button.click()
        # Enter with nothing typed opens nobody: on a shared computer a stray Enter
        # would sign the next student in as the last one.

    # ------------------------------------------------------------ layout

    def _make_tile(self, text: str, icon_name: str) -> QPushButton:
        tile = _Tile(text, self.grid_host, self._on_tile_arrow)
        tile.setObjectName("tile")
        tile.setIcon(icon(icon_name))
        tile.setIconSize(QSize(32, 32))
        tile.setMinimumHeight(72)
        tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        set_font_scale(tile, 1.3, bold=True)
        return tile

    def _visible_tiles(self) -> list[QPushButton]:
        needle = fold_name(self.filter_edit.text().strip())
        ranked: list[tuple[int, int, QPushButton]] = []
        for position, (tile, student) in enumerate(zip(self._tiles, self._students, strict=True)):
            rank = match_rank(student.name, needle)
            tile.setHidden(rank is None)
            if rank is not None:
                ranked.append((rank, position, tile))
        self._shown = [tile for _rank, _position, tile in sorted(ranked)]
        return self._shown

    def _layout_tiles(self, force: bool = False) -> None:
        scroll_bar = self.scroll_area.style().pixelMetric(
            QStyle.PixelMetric.PM_ScrollBarExtent, None, self.scroll_area
        )
        columns = columns_for_width(self.scroll_area.width(), scroll_bar)
        if not force and columns == self._columns:
            return
        self._columns = columns
        while self.grid.count():
            self.grid.takeAt(0)
        shown = self._visible_tiles()
        for i, tile in enumerate(shown):
            self.grid.addWidget(tile, i // columns, i % columns)
        rows = (len(shown) + columns - 1) // columns
        for r in range(rows + 1):
            self.grid.setRowStretch(r, 0)
        self.grid.setRowStretch(rows, 1)
        for c in range(MAX_COLUMNS):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)
        # Tab order follows reading order.
        previous: QWidget = self.new_button
        for tile in shown:
            QWidget.setTabOrder(previous, tile)
            previous = tile
        needle = self.filter_edit.text().strip()
        if not self._students:
            self.empty_label.setText(
                self.tr("No students yet: add the first one with “New student”.")
            )
        elif needle and not shown:
            self.empty_label.setText(
                self.tr(
                    "No name matches “{text}”. Check the spelling, or add a new student."
                ).format(text=needle)
            )
        else:
            self.empty_label.setText(self.tr("Click your name, or type it and press Enter."))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Typing anywhere on the picker goes to the name filter."""
        text = event.text()
        if text and text.isprintable() and not text.isspace() and not self.filter_edit.hasFocus():
            self.filter_edit.setFocus()
            self.filter_edit.insert(text)
            return
        super().keyPressEvent(event)


def match_rank(name: str, needle: str) -> int | None:
    """How well ``name`` matches the typed ``needle`` (already folded with
    :func:`~quizapp.domain.text.fold_name`: case and accents ignored, so "lea" finds
    Léa): 0 when the name starts with it, 1 when a later word does, 2 when it is inside
    a word, ``None`` when it is not in the name. The picker shows the better matches
    first, so "ana" puts Ana before Hana and Enter opens Ana (in a class of 500 there
    are many Hanas)."""
    folded = fold_name(name)
    if folded.startswith(needle):
        return 0
    if any(word.startswith(needle) for word in folded.split()[1:]):
        return 1
    return 2 if needle in folded else None


def columns_for_width(width: int, scroll_bar: int = 0) -> int:
    """Columns of name tiles for a list ``width`` pixels wide: as many
    :data:`TILE_MIN_WIDTH`-wide tiles as fit, 1 to :data:`MAX_COLUMNS`. The room of a
    vertical scroll bar (``scroll_bar`` pixels) is always kept, so the count does not
    change with the number of names shown (10 names or 500, before and after a search)."""
    return max(1, min(MAX_COLUMNS, (width - scroll_bar) // TILE_MIN_WIDTH))
