"""The teacher's tables: plain rows of cells in one table model, shown sorted and filtered.

A teacher table (Results, Students, Statistics, the regrade dry run) is a
:class:`DataTable`: a read-only ``QTableView`` over a ``QSortFilterProxyModel`` over a
:class:`RowsModel`, which holds the rows as given, a tuple of :class:`Cell` per row
(text shown, value sorted by, right alignment, tooltip, icon) and one id per row.

Why not a ``QStandardItemModel``: a class's Results table is 500 rows × 8 columns. Its
4,000 ``QStandardItem`` objects, each filled by several calls into Qt, and the proxy's
sort took ~60 ms of the GUI thread whenever the page's data arrived, and sizing the
columns to their contents, by measuring every cell, ~35 ms more (CPU time, 500 students,
issue 8). Here a fill is one model reset over tuples, the model sorts its rows itself
(:meth:`RowsModel.sort`), and a column is sized from the few cells an estimate says are
widest (:meth:`DataTable.sizeHintForColumn`): ~20–30 ms in all.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from functools import cache
from typing import Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QHelpEvent, QIcon, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QWidget,
)

from quizapp.domain.text import fold_name

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""Role holding the value a column sorts by (numbers as numbers, dates as timestamps)."""
ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""Role holding a row's id (student id, attempt id...) in its first column."""

# The roles as plain ints, compared once per call of ``RowsModel.data`` (a view asks for
# seven roles per cell it paints).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_SORT = int(SORT_ROLE)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_DECORATION = int(Qt.ItemDataRole.DecorationRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ID = int(ID_ROLE)

STRETCH_LEAST_CHARS = 16
"""The stretching column (names) is never narrower than its contents up to this many
average characters; the table scrolls sideways instead."""

SIZE_SAMPLE = 5
"""How many cells of a column, the widest by estimate, are measured to size it."""


class Cell(NamedTuple):
    """One read-only table cell: ``text`` shown, ``sort`` the value its column sorts by
    (any values Qt compares: numbers, strings; the same kind down a column), ``align_right``
    for numbers, ``tip`` its tooltip (``""``: none), ``icon`` drawn before the text."""

    text: str
    sort: Any
    align_right: bool = False
    tip: str = ""
    icon: QIcon | None = None


Row = Sequence[Cell]


@cache
def _right_aligned() -> Qt.AlignmentFlag:
    """Right and vertically centred: combined once (a Python enum ``|`` costs ~7 µs)."""
    return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def cell(
    text: str,
    sort: Any = None,
    *,
    align_right: bool = False,
    tip: str = "",
    icon: QIcon | None = None,
) -> Cell:
    """A cell showing ``text`` and sorting by ``sort`` (default: the text with case and
    accents dropped, :func:`~quizapp.domain.text.fold_name`, so "Élodie" sorts among the
    E's, not after Z). Use ``float("-inf")`` to sort a number column's blanks first."""
    if sort is None:
        sort = fold_name(text)
    return Cell(text, sort, align_right, tip, icon)


def number_cell(value: float | None, text: str | None = None, suffix: str = "") -> Cell:
    """A right-aligned number cell showing ``text`` (default: ``value`` with ``suffix``);
    "–" when ``value`` is ``None``, sorted first (as -inf)."""
    if value is None:
        return Cell("–", float("-inf"), True)
    return Cell(text if text is not None else f"{value:g}{suffix}", float(value), True)


class RowsModel(QAbstractTableModel):
    """Read-only rows of :class:`Cell` under fixed column headers, with one id per row,
    kept sorted by one column's values.

    Roles: display (the text), :data:`SORT_ROLE` (the sort value), text alignment,
    decoration (the icon), tooltip, and :data:`ID_ROLE` (the row's id, first column).
    Header tooltips are set with :meth:`set_header_tips`.

    :meth:`sort` orders the rows by the column's :attr:`Cell.sort` values, stably (rows
    of equal value keep the order they were given in, in either direction, as
    ``QSortFilterProxyModel`` does), and :meth:`set_rows` keeps that order. A model row
    is a row's place in this sorted order."""

    def __init__(self, headers: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._tips: tuple[str, ...] = ()
        self._given: list[Row] = []  # as given to set_rows
        self._given_ids: list[Any] = []
        self._order: list[int] = []  # model row -> place in _given
        self._rows: list[Row] = []  # in model (sorted) order
        self._ids: list[Any] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self.generation = 0
        """Counts changes of the rows or of their order (caches of model rows key on it)."""

    def set_rows(self, rows: Sequence[Row], ids: Sequence[Any] | None = None) -> None:
        """Replace every row (one model reset), sorted as the last :meth:`sort` asked;
        ``ids`` one per row (``None`` each when not given). ``ValueError`` when ``ids``
        and ``rows`` differ in length."""
        given = list(rows)
        if ids is not None and len(ids) != len(given):
            raise ValueError(f"{len(ids)} ids for {len(given)} rows")
        self.beginResetModel()
        self._given = given
        self._given_ids = list(ids) if ids is not None else [None] * len(given)
        self._arrange(self._sorted_order())
        self.generation += 1
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column``'s sort values (``-1``: as given); selections and
        other persistent indexes follow their rows. 500 rows take well under 1 ms (a
        ``QSortFilterProxyModel`` sorting through this model's ``data`` took ~27 ms)."""
        self._sort_column, self._sort_order = column, order
        if not self._given:
            return
        self.layoutAboutToBeChanged.emit()
        before = self._order
        persistent = self.persistentIndexList()
        self._arrange(self._sorted_order())
        self.generation += 1
        row_of = {place: row for row, place in enumerate(self._order)}
        self.changePersistentIndexList(
            persistent,
            [self.index(row_of[before[p.row()]], p.column()) for p in persistent],
        )
        self.layoutChanged.emit()

    def _sorted_order(self) -> list[int]:
        """Places in ``_given``, in the order of the sort column (as given without one)."""
        n = len(self._given)
        column = self._sort_column
        if not 0 <= column < len(self._headers):
            return list(range(n))
        values = [r[column].sort for r in self._given]
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        try:  # Python's sort is stable, also with reverse=True
            return sorted(range(n), key=values.__getitem__, reverse=descending)
        except TypeError:  # numbers and texts in one column: numbers first
            keys = [_mixed_key(v) for v in values]
            return sorted(range(n), key=keys.__getitem__, reverse=descending)

    def _arrange(self, order: list[int]) -> None:
        self._order = order
        self._rows = [self._given[i] for i in order]
        self._ids = [self._given_ids[i] for i in order]

    def set_header_tips(self, tips: Sequence[str]) -> None:
        """Tooltips of the column headers, in column order."""
        self._tips = tuple(tips)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._headers) - 1)

    def cell_at(self, row: int, column: int) -> Cell:
        """The cell at model row ``row``, column ``column``."""
        return self._rows[row][column]

    def column(self, column: int) -> list[Cell]:
        """The cells of ``column`` in model order."""
        return [r[column] for r in self._rows]

    def row_id(self, row: int) -> Any:
        """The id given with the row now at model row ``row``."""
        return self._ids[row]

    # ---------------------------------------------------------------- Qt's model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        c = self._rows[index.row()][index.column()]
        if role == _DISPLAY:
            return c.text
        if role == _SORT:
            return c.sort
        if role == _ALIGN:
            return _right_aligned() if c.align_right else None
        if role == _DECORATION:
            return c.icon
        if role == _TOOLTIP:
            return c.tip or None
        if role == _ID and index.column() == 0:
            return self._ids[index.row()]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._headers):
            return None
        if role == _DISPLAY:
            return self._headers[section]
        if role == _TOOLTIP and section < len(self._tips):
            return self._tips[section] or None
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return _item_flags()


def _mixed_key(value: Any) -> tuple[int, float, str]:
    """A sort key that orders numbers (by value) before anything else (by its text)."""
    if isinstance(value, int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


@cache
def _item_flags() -> Qt.ItemFlag:
    return (
        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
    )


class _SortingProxy(QSortFilterProxyModel):
    """Filters rows as ``QSortFilterProxyModel`` does, and leaves sorting to the
    :class:`RowsModel` under it: its own sort calls the model's ``data`` from C++ twice
    per comparison, ~27 ms for 500 rows on every fill and header click; the model sorts
    the same values in Python in well under 1 ms. Rows are shown in the model's order."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if source is not None:
            source.sort(column, order)


class _CharWidths(dict[str, int]):
    """Advance widths of single characters in one font, measured on first use."""

    def __init__(self, metrics: QFontMetrics) -> None:
        super().__init__()
        self._metrics = metrics

    def __missing__(self, char: str) -> int:
        width = self[char] = self._metrics.horizontalAdvance(char)
        return width


class DataTable(QTableView):
    """A sortable, read-only table of :class:`Cell` rows over a proxy; Enter or
    double-click emits ``row_activated(source_row)``; Esc is left to the parent.

    ``source`` is the :class:`RowsModel`, ``proxy`` the ``QSortFilterProxyModel`` the
    view shows: it filters on the first column's text, case-insensitively, and passes a
    sort (a click on a header, :meth:`sortByColumn`) to the model, which orders its rows
    by the cells' sort values (:data:`SORT_ROLE`), stably. Every column is sized to its
    contents (:meth:`sizeHintForColumn`) except ``stretch``, which takes the room left;
    pages may change the header's resize modes."""

    row_activated = Signal(int)

    def __init__(
        self, headers: Sequence[str], parent: QWidget | None = None, *, stretch: int = 0
    ) -> None:
        super().__init__(parent)
        self.source = RowsModel(headers, self)
        self.proxy: QSortFilterProxyModel = _SortingProxy(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(0)
        self.setModel(self.proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        self._stretch = stretch
        self.doubleClicked.connect(self._on_double_clicked)
        self._estimates: dict[int, list[int]] = {}  # column -> estimated width per row
        self._estimated: tuple[int, str] = (-1, "")  # the model generation and font they fit
        self._char_widths: dict[str, _CharWidths] = {}  # font key -> its character widths
        self._hints: dict[int, int] = {}  # column -> its size hint, px
        self._hints_for: tuple[Any, ...] = ()  # what the hints were measured on

    def set_rows(self, rows: Sequence[Row], ids: Sequence[Any] | None = None) -> None:
        """Replace the rows (``ids``: one per row, for :meth:`row_id`), keeping the
        current sort column and order."""
        self.source.set_rows(rows, ids)
        QTimer.singleShot(0, self, self._keep_stretch_readable)  # once the header resized

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_stretch_readable()

    def _keep_stretch_readable(self) -> None:
        """The ``stretch`` column takes the room left, but never less than its contents
        up to :data:`STRETCH_LEAST_CHARS` average characters: on a narrow screen (a
        class's 8 columns at 1024 px) the names stayed readable and the table scrolls
        sideways, where they had shrunk to "A…"."""
        header = self.horizontalHeader()
        column = self._stretch
        if not 0 <= column < header.count() or header.isSectionHidden(column):
            return
        others = sum(
            header.sectionSize(c)
            for c in range(header.count())
            if c != column and not header.isSectionHidden(c)
        )
        least = min(
            max(self.sizeHintForColumn(column), header.sectionSizeHint(column)),
            self.fontMetrics().averageCharWidth() * STRETCH_LEAST_CHARS,
        )
        fits = self.viewport().width() - others >= least
        mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.Interactive
        if header.sectionResizeMode(column) != mode:
            header.setSectionResizeMode(column, mode)
        if not fits:
            header.resizeSection(column, least)

    def set_header_tips(self, tips: Sequence[str]) -> None:
        """Tooltips of the column headers, in column order."""
        self.source.set_header_tips(tips)

    def source_row(self, proxy_row: int) -> int:
        """The model row shown at view row ``proxy_row``."""
        return self.proxy.mapToSource(self.proxy.index(proxy_row, 0)).row()

    def current_source_row(self) -> int | None:
        """The selected row in model order, or ``None``."""
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        return self.proxy.mapToSource(rows[0]).row()

    def row_id(self, source_row: int) -> Any:
        """The id given with model row ``source_row``."""
        return self.source.row_id(source_row)

    def shown_texts(self, column: int) -> list[str]:
        """The texts of ``column`` in the order shown (sorted and filtered)."""
        cells = self.source.column(column)
        return [cells[self.source_row(r)].text for r in range(self.proxy.rowCount())]

    def sizeHintForColumn(self, column: int) -> int:
        """The width ``column``'s cells need, as ``QTableView`` gives it (the widest
        delegate size hint of the rows shown, plus the grid line), but measured on
        :data:`SIZE_SAMPLE` cells, those whose text is widest by an estimate (the sum of
        its characters' advances in the view's font), instead of on every row. The
        header asks for this on each layout of a column sized to its contents; Qt's own
        way measured all 500 rows of a class through the model, tens of ms each time."""
        n = self.source.rowCount()
        if n == 0 or not 0 <= column < self.source.columnCount():
            return 0
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        # The header asks again on every layout (~20 times as a page is shown): the
        # answer holds until the rows, their order, the filter or the font change.
        key = (
            self.source.generation,
            option.font.key(),
            self.proxy.rowCount(),
            self.proxy.filterRegularExpression().pattern(),
            self.showGrid(),
        )
        if self._hints_for != key:
            self._hints_for, self._hints = key, {}
        if column not in self._hints:
            self._hints[column] = self._measure_column(column, option)
        return self._hints[column]

    def _measure_column(self, column: int, option: QStyleOptionViewItem) -> int:
        n = self.source.rowCount()
        estimates = self._column_estimates(column, option)
        rows: Sequence[int] = range(n)
        if self.proxy.rowCount() != n:  # filtered: only the rows shown count
            rows = [self.source_row(r) for r in range(self.proxy.rowCount())]
        delegate = self.itemDelegateForColumn(column) or self.itemDelegate()
        hint = 0
        for row in heapq.nlargest(SIZE_SAMPLE, rows, key=estimates.__getitem__):
            index = self.proxy.mapFromSource(self.source.index(row, column))
            hint = max(hint, delegate.sizeHint(option, index).width())
        return hint + 1 if self.showGrid() else hint

    def _column_estimates(self, column: int, option: QStyleOptionViewItem) -> list[int]:
        """Per model row, the estimated width of ``column``'s text (and icon), px."""
        font = option.font.key()
        if self._estimated != (self.source.generation, font):
            self._estimates = {}
            self._estimated = (self.source.generation, font)
        if column not in self._estimates:
            widths = self._char_widths.get(font)
            if widths is None:
                widths = self._char_widths[font] = _CharWidths(QFontMetrics(option.font))
            get = widths.__getitem__
            icon = option.decorationSize.width() + 4
            self._estimates[column] = [
                sum(map(get, c.text)) + (0 if c.icon is None else icon)
                for c in self.source.column(column)
            ]
        return self._estimates[column]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_activated.emit(self.proxy.mapToSource(self.currentIndex()).row())
            return
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.row_activated.emit(self.proxy.mapToSource(index).row())


class CappedWidthDelegate(QStyledItemDelegate):
    """Draws a column's cells as usual but asks for at most ``chars`` average characters
    of the view's font (plus the cell's margins), so a table sized to its contents keeps
    that column narrow: the view elides a longer text ("7B – Mme Dupont-Le…") and its
    tooltip shows it whole, unless the cell has a tooltip of its own.

    For a class column: one long class name ("7B – Mme Dupont-Lefèvre's very long class
    name") made the column ~400 px wide, pushing the scores past the right edge at
    1180 px while the Student column had room to spare."""

    def __init__(self, chars: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.chars = chars

    def cap(self, option: QStyleOptionViewItem) -> int:
        """The widest this column asks to be, px, in ``option``'s font."""
        return QFontMetrics(option.font).averageCharWidth() * self.chars + 12

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(min(size.width(), self.cap(option)), size.height())

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        """A tooltip event over an elided cell with no tooltip of its own shows its text."""
        text = index.data(Qt.ItemDataRole.DisplayRole) if index.isValid() else None
        if (
            event.type() == QEvent.Type.ToolTip
            and text
            and not index.data(Qt.ItemDataRole.ToolTipRole)
            and self._whole_width(option, index) > view.visualRect(index).width()
        ):
            QToolTip.showText(event.globalPos(), str(text), view, view.visualRect(index))
            return True
        return super().helpEvent(event, view, option, index)

    def _whole_width(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> int:
        """The width the cell's whole text needs, px (the style measures within
        ``option.rect`` when it has one: here the cell's own, elided width)."""
        unbounded = QStyleOptionViewItem(option)
        unbounded.rect = QRect()
        return super().sizeHint(unbounded, index).width()


def cap_column(table: QAbstractItemView, column: int, chars: int = 18) -> CappedWidthDelegate:
    """Keep ``table``'s ``column`` at most ``chars`` average characters wide, eliding
    longer texts with their whole text as tooltip (:class:`CappedWidthDelegate`)."""
    delegate = CappedWidthDelegate(chars, table)
    table.setItemDelegateForColumn(column, delegate)
    return delegate


__all__ = [
    "ID_ROLE",
    "SORT_ROLE",
    "CappedWidthDelegate",
    "Cell",
    "DataTable",
    "RowsModel",
    "cap_column",
    "cell",
    "number_cell",
]
