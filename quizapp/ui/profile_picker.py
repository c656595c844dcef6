"""Profile picker: large name tiles, the last used first then the others alphabetically;
"New student" beside the name filter, above the list; typing filters.

Also the new-student dialog, which validates the name through the service and shows
the refusal inline.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStyleOptionFrame,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.text import fold_name
from quizapp.services.dto import StudentInfo
from quizapp.ui.common import icon, icon_edge, set_font_scale, wrap_label

TILE_MIN_WIDTH = 220
"""Narrowest name tile, in pixels, at any text size (:func:`tile_min_width`)."""
TILE_MIN_CHARS = 10
"""A name tile has room for at least this many average characters of its name."""
TILE_FONT_SCALE = 1.3
"""A name tile's text, bold, in this many times the base text size."""
TILE_PADDING = 2 * 18 + 2 * 12
"""A name tile's width besides its icon and text, px: the style sheet's 18 px padding
each side and 12 px of the style's own (the gap after the icon, the text's margins)."""
NEW_BUTTON_FONT_SCALE = 1.15
""""New student" and the name filter: bold for the button, this many times the base size."""
ICON_PIXELS = 128
"""The side, px, the picker's icons are drawn at: a QIcon made of a pixmap is never
painted bigger than it, and they grow with the text (64 px for a tile at 32 pt)."""
MAX_COLUMNS = 3
"""Most columns of name tiles, however wide the window."""


def scaled_font(scale: float, bold: bool = False) -> QFont:
    """The font :func:`~quizapp.ui.common.set_font_scale` gives a widget at the current
    text size: ``scale`` times the application font's point size."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(1.0, font.pointSizeF() * scale))
    font.setBold(bold)
    return font


def tile_font() -> QFont:
    """A name tile's font at the current text size: :data:`TILE_FONT_SCALE` times the
    application font, bold."""
    return scaled_font(TILE_FONT_SCALE, bold=True)


def tile_icon_edge(font: QFont) -> int:
    """A name tile's icon's side, px, for a tile in ``font``: as tall as a line of the
    name (``QFontMetrics.height()``), at least 32 (24 px at the default 12 pt: 32; 64 at
    the largest 32 pt, where it stayed 32 px beside a name twice its height)."""
    return icon_edge(32, font=font)


def tile_min_width(font: QFont) -> int:
    """The narrowest name tile, px, for a tile in ``font``: its icon
    (:func:`tile_icon_edge`), padding (:data:`TILE_PADDING`) and
    :data:`TILE_MIN_CHARS` average characters of the name; at least
    :data:`TILE_MIN_WIDTH`. 220 px at the default 12 pt; 444 px at the largest 32 pt,
    so the list has fewer, wider columns there (a fixed 220 px kept 3 columns of
    "Amir…", "Gabr…" at 32 pt in a 1024-px window)."""
    metrics = QFontMetrics(font)
    room = TILE_MIN_CHARS * metrics.averageCharWidth()
    return max(TILE_MIN_WIDTH, tile_icon_edge(font) + TILE_PADDING + room)


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
    """A name tile: hands the keys that move between tiles to ``on_key(tile, key) -> used``.

    Shows a name and, under it in smaller plain type, a ``detail`` when there is one
    (what tells namesakes apart: :func:`namesake_details`). The button's text is the
    name, followed by as many line breaks as the detail needs lines of the name's type,
    so the style keeps them free, where :meth:`paintEvent` writes the detail. A detail
    too long for the tile's width goes on over more lines, broken at its spaces
    (:func:`wrap_words`; at 20 pt "new, added 2 Nov 2026, 08:05" read "new, added 2
    No…" on both Anas, the time that tells them apart cut off). A name too long for the
    tile's width ends in "…" (the whole name stays in the tile's accessible name and
    tooltip): a button is otherwise as wide as its text, and one 60-character name made
    every column wider than the window."""

    def __init__(self, parent: QWidget, on_key: Callable[[QPushButton, int], bool]) -> None:
        super().__init__(parent)
        self._on_key = on_key
        self.full_text = ""  # the whole name (the text shown may be cut short)
        self.detail = ""  # the whole second line ("": none)
        self.detail_lines: list[str] = []  # the detail as drawn, one line each
        self._fitted: tuple[int, str, str] | None = None  # (room, name, detail) of the text

    def set_label(self, name: str, detail: str = "") -> None:
        """Show ``name``, and ``detail`` under it unless it is ``""``."""
        if (name, detail) != (self.full_text, self.detail):
            self.full_text = name
            self.detail = detail
            self._elide()

    MIN_HEIGHT = 72
    """The least height of a tile, in pixels: one line of name, or a name and its
    detail in the base text size. Larger text sizes make a namesake's tile taller (a
    fixed minimum height clipped its two lines in a long list)."""

    def minimumSizeHint(self) -> QSize:  # never shorter than its lines
        return QSize(tile_min_width(self.font()) // 2, self._height(super().sizeHint()))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), tile_min_width(self.font())), self._height(hint))

    def _height(self, hint: QSize) -> int:
        """The height for the style's ``hint``, which counts the lines kept for the
        detail as lines of the name's larger type: less what the detail's smaller lines
        leave over, up to 20 px (the style centres the name and those lines, so the name
        then goes up into the tile's 14-px padding by half of that, never further)."""
        height = hint.height()
        if self.detail:
            kept = self.text().count("\n") * self.fontMetrics().lineSpacing()
            needed = len(self.detail_lines) * QFontMetrics(self.detail_font()).lineSpacing()
            height -= min(20, max(0, kept - needed))
        return max(self.MIN_HEIGHT, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Text size
            edge = tile_icon_edge(self.font())
            self.setIconSize(QSize(edge, edge))
            self._fitted = None
            self._elide()

    def _room(self) -> int:
        """The text's width in pixels: the icon and :data:`TILE_PADDING` taken off; 0
        before the tile is laid out."""
        room = self.width() - self.iconSize().width() - TILE_PADDING
        return room if self.isVisible() and room >= TILE_MIN_WIDTH // 4 else 0

    def _elide(self) -> None:
        room = self._room()
        fitted = (room, self.full_text, self.detail)
        if fitted == self._fitted:  # shown again, same width: the same text
            return
        self._fitted = fitted
        shown = self.full_text
        if room:
            shown = self.fontMetrics().elidedText(shown, Qt.TextElideMode.ElideRight, room)
        self.detail_lines = []
        if self.detail:
            detail = QFontMetrics(self.detail_font())
            self.detail_lines = wrap_words(self.detail, detail, room) if room else [self.detail]
            # the detail's lines (paintEvent), counted in lines of the name's type
            kept = len(self.detail_lines) * detail.lineSpacing() / self.fontMetrics().lineSpacing()
            shown += "\n" * max(1, math.ceil(kept - 0.01))
        if shown != self.text():
            self.setText(shown)
        else:
            self.updateGeometry()  # the same text, perhaps fewer lines of detail

    def detail_font(self) -> QFont:
        """The detail's type: the name's, not bold, four fifths of its size."""
        font = QFont(self.font())
        font.setBold(False)
        font.setPointSizeF(max(1.0, font.pointSizeF() * 0.8))
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.detail:
            return
        option = QStyleOptionButton()
        self.initStyleOption(option)
        contents = self.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, self
        )
        # The style centres the name and the lines kept after it, and puts the text
        # 4 px after the icon: the detail goes right under the name.
        left = contents.left() + self.iconSize().width() + 4
        room = contents.right() - left
        font = self.detail_font()
        metrics = QFontMetrics(font)
        line = self.fontMetrics().lineSpacing()
        kept = self.text().count("\n")
        top = contents.center().y() + 1 - (kept - 1) * line // 2
        painter = QPainter(self)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for text in self.detail_lines:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            area = QRect(left, top, room, metrics.lineSpacing())
            painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
            top += metrics.lineSpacing()
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and self._on_key(self, event.key()):
            return
        super().keyPressEvent(event)


class _FilterEdit(QLineEdit):
    """The name filter, a magnifier drawn at its left as big as its text asks
    (:meth:`icon_size`): a line edit's own icons (``addAction``) stay 16 px at any text
    size, a dot beside 32-pt words."""

    def __init__(self) -> None:
        super().__init__()
        self._search = icon("search", size=ICON_PIXELS)
        self._fit_icon()

    def icon_size(self) -> QSize:
        """The magnifier's size, px, square: three quarters of a line of the filter's
        text (its ``QFontMetrics.height()``), at least 16 (16 px at the default text
        size, as before; 43 px at the largest)."""
        edge = icon_edge(16, 0.75, self.font())
        return QSize(edge, edge)

    def _inset(self) -> int:
        """The room, px, left of the magnifier (and right of it, before the text)."""
        return max(4, self.icon_size().width() // 5)

    def _fit_icon(self) -> None:
        self.setTextMargins(self.icon_size().width() + 2 * self._inset(), 0, 0, 0)
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_icon()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        box = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        size = self.icon_size()
        painter = QPainter(self)
        top = box.center().y() - size.height() // 2 + 1
        area = QRect(box.left() + self._inset(), top, size.width(), size.height())
        self._search.paint(painter, area)
        painter.end()


class ProfilePicker(QWidget):
    """The first screen: pick your name, or make a new student.

    "New student" is a button beside the name filter, above the list, so a new student
    finds it at once however long the class list is. The tiles fill as many columns as
    the list's width allows (:func:`columns_for_width`), the same at launch, after a
    search and after a resize; what is typed shows its best matches at the top of the
    list. Namesakes (a merge of classes can bring two Anas) show
    what tells them apart under their name (:func:`namesake_details`).

    Keyboard: typing filters; Enter opens the first match of the name typed (a new
    student when nothing matches; nobody when nothing is typed, so a stray Enter never
    signs in the last student); Esc clears what is typed (with nothing typed it goes on
    to the window, as any key the picker does not use); Tab goes filter -> "New
    student" -> tiles; Down from the filter goes to the first tile, the arrow keys move
    between tiles by row and column (Up from the first row back to the filter), Page
    Down/Page Up by a screenful of rows and Home/End to the first/last tile; the tile
    given the focus is scrolled into view.

    Showing the picker again is cheap: :meth:`set_students` keeps the tile of every
    student still listed and makes tiles only for new ones.

    Emits ``student_chosen(id)`` and ``new_student_requested()``.
    """

    student_chosen = Signal(int)
    new_student_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._students: list[StudentInfo] = []
        self._tiles: list[QPushButton] = []
        self._tile_of: dict[int, _Tile] = {}  # by student id
        self._shown: list[QPushButton] = []
        self._columns = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(12)
        self.heading = wrap_label(self.tr("Hello!"), 1.6, bold=True)
        outer.addWidget(self.heading)
        filter_row = QHBoxLayout()
        filter_row.setSpacing(12)
        self.filter_edit = _FilterEdit()
        self.filter_edit.setPlaceholderText(self.tr("Type your name to find it"))
        self.filter_edit.setAccessibleName(self.tr("Find your name"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(
            self.tr(
                "Type to filter the names; Enter opens the first match, Esc clears, "
                "Down goes to the list (then Page Down / Page Up, Home / End)"
            )
        )
        set_font_scale(self.filter_edit, NEW_BUTTON_FONT_SCALE)
        # as tall as "New student" beside it
        self.filter_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        filter_row.addWidget(self.filter_edit, 1)
        # drawn big enough for the largest text size (a QIcon of a pixmap never grows)
        self.new_button = QPushButton(icon("user-plus", size=ICON_PIXELS), self.tr("New student"))
        self.new_button.setObjectName("newStudent")
        self.new_button.setToolTip(self.tr("Not in the list? Add a new student on this computer"))
        set_font_scale(self.new_button, NEW_BUTTON_FONT_SCALE, bold=True)
        self._fit_new_button_icon()
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

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Text size: the tiles' width too
            self._fit_new_button_icon()
            self._layout_tiles()

    def _fit_new_button_icon(self) -> None:
        """The icon of "New student" as tall as a line of its text, at least 24 px."""
        # from the application font: the button's own may not be rescaled yet
        edge = icon_edge(24, font=scaled_font(NEW_BUTTON_FONT_SCALE, bold=True))
        self.new_button.setIconSize(QSize(edge, edge))

    # ------------------------------------------------------------ public

    def set_students(self, students: Sequence[StudentInfo]) -> None:
        """Show these students, in this order (:meth:`StudentService.list_students`'s:
        the last used first, then the others alphabetically), with nothing typed in the
        filter and the list scrolled to its top.

        Tiles are kept by student id: a student already shown keeps their tile (its
        label updated after a rename), only new students get one, and the grid is laid
        out again only when the order or the list changed. With 500 students, returning
        to the picker rebuilt 500 tiles, a GUI stall of a quarter to most of a second."""
        students = list(students)
        details = namesake_details(students)
        kept = self._tile_of
        self._tile_of = {}
        user_icon: QIcon | None = None  # drawn once, for the new tiles only
        tiles: list[QPushButton] = []
        for student in students:
            tile = kept.pop(student.id, None)
            if tile is None:
                if user_icon is None:
                    user_icon = icon("user", size=ICON_PIXELS)
                tile = self._make_tile(user_icon)
                tile.setProperty("studentId", student.id)
                tile.clicked.connect(self._on_tile_clicked)
            self._label_tile(tile, student.name, details.get(student.id, ""))
            self._tile_of[student.id] = tile
            tiles.append(tile)
        for gone in kept.values():
            self.grid.removeWidget(gone)
            gone.hide()
            gone.deleteLater()
        changed = tiles != self._tiles or not students
        self._students = students
        self._tiles = tiles
        if self.filter_edit.text():
            self.filter_edit.clear()  # lays the tiles out again
        elif changed:
            self._layout_tiles(force=True)
        self.scroll_area.verticalScrollBar().setValue(0)
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
        # The best matches come first: show them (typed after scrolling down, they were
        # above, off screen).
        self.scroll_area.verticalScrollBar().setValue(0)

    def _on_scroll_area_resized(self) -> None:
        self._layout_tiles()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the name filter does what :meth:`_on_filter_edit_return` says, and
        only that; Down there goes to the first tile; Esc clears what is typed (and goes
        on to the window when nothing is)."""
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
            if event.key() == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()  # every student shown again
                return True
        return super().eventFilter(watched, event)

    def _on_tile_key(self, tile: QPushButton, key: int) -> bool:
        """Keys on a name tile: Left/Right the previous/next name, Up/Down the name
        above/below (Up from the first row: the filter), Page Down/Page Up a screenful of
        rows down/up (:meth:`_rows_per_page`; the same column, or the last tile of a
        short last row), Home/End the first/last name. True if the key was used."""
        if tile not in self._shown:
            return False
        index = self._shown.index(tile)
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            self._focus_tile(0 if key == Qt.Key.Key_Home else len(self._shown) - 1)
            return True
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            rows = self._rows_per_page() * (1 if key == Qt.Key.Key_PageDown else -1)
            last_row = (len(self._shown) - 1) // self._columns
            row = min(max(index // self._columns + rows, 0), last_row)
            self._focus_tile(min(row * self._columns + index % self._columns, len(self._shown) - 1))
            return True
        return self._move_from_tile(index, key)

    def _rows_per_page(self) -> int:
        """How many whole rows of tiles the list shows at once (at least 1)."""
        if not self._shown:
            return 1
        pitch = self._shown[0].height() + max(0, self.grid.verticalSpacing())
        return max(1, self.scroll_area.viewport().height() // max(1, pitch))

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

    def _make_tile(self, user_icon: QIcon) -> _Tile:
        tile = _Tile(self.grid_host, self._on_tile_key)
        tile.setObjectName("tile")
        tile.setIcon(user_icon)
        # a row as tall as its tallest tile (a namesake's two lines), all its tiles alike
        tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        set_font_scale(tile, TILE_FONT_SCALE, bold=True)
        edge = tile_icon_edge(tile.font())
        tile.setIconSize(QSize(edge, edge))
        return tile

    def _label_tile(self, tile: _Tile, name: str, detail: str) -> None:
        """Name ``tile`` (and ``detail`` under the name, for a namesake), in its text,
        tooltip and accessible name."""
        if (name, detail) == (tile.full_text, tile.detail):
            return
        tile.set_label(name, detail)
        whole = f"{name} ({detail})" if detail else name
        tile.setAccessibleName(whole)
        tile.setToolTip(self.tr("Continue as {name}").format(name=whole))

    def _visible_tiles(self) -> list[QPushButton]:
        needle = fold_name(self.filter_edit.text().strip())
        if not needle:  # everyone, in the list's order
            for tile in self._tiles:
                tile.setHidden(False)
            self._shown = list(self._tiles)
            return self._shown
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
        columns = columns_for_width(
            self.scroll_area.width(), scroll_bar, tile_min_width(tile_font())
        )
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


def namesake_key(name: str) -> str:
    """What makes two names the same to a reader: Unicode NFC, whitespace runs as one
    space, trimmed, case ignored (as :meth:`StudentService.create_student` compares
    them before refusing a namesake)."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def namesake_details(students: Sequence[StudentInfo], year: int | None = None) -> dict[int, str]:
    """What tells namesakes apart, by student id; a student whose name no one else has
    (:func:`namesake_key`) is not in it.

    Namesakes each in a class of their own get their class's name ("7B", or "no
    class"): a merge of two classes' results is the usual way namesakes arrive.
    Otherwise each gets "used <local date>" (e.g. "used 3 Nov": when they last used the
    app), or "new" when never used, after their class when the group spans several
    ("7B, used 3 Nov"); when that still leaves two of them alike, the time is added
    ("used 3 Nov, 14:05"; "new, added 2 Nov, 09:00"). Dates in ``year`` (by
    default this year, locally) go without it, others with it ("used 3 Nov 2025"): see
    :func:`local_text`. Short, to fit under the name on a narrow tile (a longer detail
    wraps there). A merge of classes can bring two students of the same name; without
    this their tiles look identical."""
    if year is None:
        year = datetime.now().astimezone().year
    groups: dict[str, list[StudentInfo]] = {}
    for student in students:
        groups.setdefault(namesake_key(student.name), []).append(student)
    details: dict[int, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        classes = {s.id: _class_label(s) for s in group}
        if len(set(classes.values())) == len(group):  # one class each: that says it
            details.update(classes)
            continue
        several = len(set(classes.values())) > 1
        for with_time in (False, True):
            labels = {
                s.id: (f"{classes[s.id]}, " if several else "") + _use_label(s, with_time, year)
                for s in group
            }
            if len(set(labels.values())) == len(labels):
                break
        details.update(labels)
    return details


def _class_label(student: StudentInfo) -> str:
    if student.class_name is None:
        return QCoreApplication.translate("ProfilePicker", "no class")
    return student.class_name


def _use_label(student: StudentInfo, with_time: bool, year: int) -> str:
    tr = QCoreApplication.translate
    if student.last_used_at is None:
        if not with_time:
            return tr("ProfilePicker", "new")
        return tr("ProfilePicker", "new, added {when}").format(
            when=local_text(student.created_at, with_time, year)
        )
    return tr("ProfilePicker", "used {when}").format(
        when=local_text(student.last_used_at, with_time, year)
    )


def local_text(moment: datetime, with_time: bool, year: int) -> str:
    """An aware UTC time as a short local date: "3 Nov" in the local ``year`` (this
    year), "3 Nov 2025" in another, with ", 14:05" if asked. The date's spaces are
    no-break spaces: a tile breaks a long detail before or after the date, never inside
    it."""
    local = moment.astimezone()
    text = f"{local.day}\u00a0{local:%b}"
    if local.year != year:
        text += f"\u00a0{local:%Y}"
    return f"{text}, {local:%H:%M}" if with_time else text


def wrap_words(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """``text`` in lines at most ``width`` px wide in ``metrics``' font, broken at its
    spaces (not at no-break spaces, as inside "2\u00a0Nov\u00a02026"); a word wider
    than ``width`` has a line of its own (:meth:`_Tile.paintEvent` ends it in "…")."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


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


def columns_for_width(width: int, scroll_bar: int = 0, tile_width: int = TILE_MIN_WIDTH) -> int:
    """Columns of name tiles for a list ``width`` pixels wide: as many ``tile_width``-wide
    tiles as fit (:func:`tile_min_width` at the current text size), 1 to
    :data:`MAX_COLUMNS`. The room of a vertical scroll bar (``scroll_bar`` pixels) is
    always kept, so the count does not change with the number of names shown (10 names
    or 500, before and after a search)."""
    return max(1, min(MAX_COLUMNS, (width - scroll_bar) // max(1, tile_width)))
