"""The teacher's tables (:class:`DataTable` over its rows model): what a teacher sees and
does with a table, on rows made the way the pages make them.

Sorting is by value (9 before 10 before 100, blanks first), stable (rows of equal value
keep the order they were given in), and an id stays with its row whatever the order;
numbers are right-aligned, tooltips and the flag icon are shown; columns are as wide as
Qt's own measure of every row would make them, though only a few cells are measured.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QTableView

from quizapp.ui.teacher.data_table import DataTable, cell, number_cell

HEADERS = ("Student", "Attempts", "Best", "Note")
# name, attempts, best percent (None: no attempt), note
PEOPLE = [
    ("Dan", 10, 75, ""),
    ("ana", 9, None, "new this term"),
    ("Chloé", 100, 50, ""),
    ("Ben", 9, 75, ""),
]
IDS = [41, 42, 43, 44]


def _rows(people=PEOPLE):  # type: ignore[no-untyped-def]
    return [
        (
            cell(name, tip=note),
            number_cell(attempts),
            number_cell(best, "–" if best is None else f"{best}%"),
            cell(note),
        )
        for name, attempts, best, note in people
    ]


@pytest.fixture
def table(qtbot) -> DataTable:  # type: ignore[no-untyped-def]
    t = DataTable(HEADERS)
    qtbot.addWidget(t)
    t.resize(600, 300)
    t.show()
    t.set_rows(_rows(), IDS)
    return t


def _shown(t: DataTable, column: int, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> list:  # type: ignore[type-arg]
    return [t.proxy.index(r, column).data(role) for r in range(t.proxy.rowCount())]


def test_names_sort_case_blind_and_numbers_by_value_not_text(table: DataTable) -> None:
    assert table.shown_texts(0) == ["ana", "Ben", "Chloé", "Dan"]
    table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    # By value: 9, 9, 10, 100 (as text "10" < "100" < "9").
    assert table.shown_texts(1) == ["9", "9", "10", "100"]
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert table.shown_texts(2) == ["–", "50%", "75%", "75%"]  # no attempt first
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert table.shown_texts(2) == ["75%", "75%", "50%", "–"]


def test_equal_values_keep_the_order_they_were_given_in_both_directions(table: DataTable) -> None:
    # Dan and Ben both 75%, given Dan first; ana and Ben both 9 attempts, ana first.
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert table.shown_texts(0)[:2] == ["Dan", "Ben"]
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert table.shown_texts(0)[2:] == ["Dan", "Ben"]
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert table.shown_texts(0) == ["Chloé", "Dan", "ana", "Ben"]


def test_a_rows_id_follows_it_whatever_the_order(table: DataTable) -> None:
    by_name = dict(zip((p[0] for p in PEOPLE), IDS, strict=True))
    for column, order in ((0, Qt.SortOrder.AscendingOrder), (1, Qt.SortOrder.DescendingOrder)):
        table.sortByColumn(column, order)
        names = table.shown_texts(0)
        ids = [table.row_id(table.source_row(r)) for r in range(len(names))]
        assert ids == [by_name[n] for n in names]
    # The selection stays on its row, and its id, when the teacher re-sorts.
    table.selectRow(table.shown_texts(0).index("Chloé"))
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    row = table.current_source_row()
    assert row is not None
    assert table.row_id(row) == by_name["Chloé"]
    assert table.selectionModel().selectedRows()[0].data() == "Chloé"


def test_new_rows_keep_the_teachers_sort(table: DataTable) -> None:
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    table.set_rows(_rows([*PEOPLE, ("Eve", 50, 25, "")]), [*IDS, 45])
    assert table.shown_texts(1) == ["100", "50", "10", "9", "9"]
    assert table.row_id(table.source_row(1)) == 45
    assert table.horizontalHeader().sortIndicatorSection() == 1


def test_numbers_are_right_aligned_text_left_and_tooltips_shown(table: DataTable) -> None:
    right = _shown(table, 1, Qt.ItemDataRole.TextAlignmentRole)
    assert all(Qt.AlignmentFlag(a) & Qt.AlignmentFlag.AlignRight for a in right)
    assert _shown(table, 0, Qt.ItemDataRole.TextAlignmentRole) == [None] * 4  # Qt's default: left
    tips = _shown(table, 0, Qt.ItemDataRole.ToolTipRole)
    assert tips == ["new this term", None, None, None]  # ana first; no empty tooltips
    table.set_header_tips(["Who", "How many"])
    header = table.model().headerData
    assert header(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Who"
    assert header(1, Qt.Orientation.Horizontal) == "Attempts"
    assert header(3, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_an_icon_is_drawn_only_where_given(qtbot) -> None:  # type: ignore[no-untyped-def]
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.red)
    flag = QIcon(pixmap)
    t = DataTable(("#", "Flags"))
    qtbot.addWidget(t)
    t.set_rows([(number_cell(1), cell("Too easy", 1, icon=flag)), (number_cell(2), cell("", 0))])
    icons = _shown(t, 1, Qt.ItemDataRole.DecorationRole)
    assert not icons[0].isNull()
    assert icons[1] is None


def test_cells_are_read_only_and_selectable(table: DataTable) -> None:
    flags = table.model().flags(table.proxy.index(0, 0))
    assert flags & Qt.ItemFlag.ItemIsSelectable
    assert not flags & Qt.ItemFlag.ItemIsEditable
    table.setCurrentIndex(table.proxy.index(0, 0))
    table.edit(table.proxy.index(0, 0))
    assert table.state() != QAbstractItemView.State.EditingState


def test_the_filter_hides_rows_and_enter_opens_the_row_shown(qtbot, table: DataTable) -> None:  # type: ignore[no-untyped-def]
    table.proxy.setFilterFixedString("AN")  # case-blind, on the first column
    assert table.shown_texts(0) == ["ana", "Dan"]
    table.proxy.setFilterFixedString("")
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    table.setFocus()
    table.setCurrentIndex(table.proxy.index(0, 0))  # Chloé, 100 attempts
    with qtbot.waitSignal(table.row_activated) as activated:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert table.row_id(activated.args[0]) == 43


def test_a_column_mixing_numbers_and_texts_sorts_without_error(table: DataTable) -> None:
    table.set_rows(
        [
            (cell("b"), cell("x"), cell("–", 2.0), cell("")),
            (cell("a"), cell("y"), cell("", "~"), cell("")),
        ]
    )
    table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert table.shown_texts(0) == ["b", "a"]  # numbers first


def test_columns_are_as_wide_as_measuring_every_row_would_make_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Only a few cells per column are measured; the widths are Qt's own full measure,
    also for a long name far down the list, the icon column and after a filter."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.blue)
    flag = QIcon(pixmap)
    names = [f"Student {i:03d} {'il' * (i % 7)}" for i in range(300)]
    names[271] = "Wolfgang Amadeus Mozart-Wimmelbach"  # wide letters, late in the list
    for i in range(150, 160):  # more letters, narrow ones
        names[i] = "Lili Ilii-Fillilli " + "il" * 10 + str(i)
    rows = [
        (
            cell(name),
            number_cell(i * 37 % 1000),
            cell(
                "Too easy, weak discrimination" if i == 90 else ("Too hard" if i % 5 else ""),
                i % 5,
                icon=flag if i % 5 else None,
            ),
        )
        for i, name in enumerate(names)
    ]
    t = DataTable(("Student", "Attempts", "Flags"), stretch=1)
    qtbot.addWidget(t)
    t.resize(900, 400)
    t.show()
    t.set_rows(rows)
    qtbot.waitExposed(t)
    for column in range(3):
        assert t.sizeHintForColumn(column) == QTableView.sizeHintForColumn(t, column)
    assert t.columnWidth(0) >= t.fontMetrics().horizontalAdvance(names[271])
    t.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # the rows change places
    for column in range(3):
        assert t.sizeHintForColumn(column) == QTableView.sizeHintForColumn(t, column)
    t.proxy.setFilterFixedString("Student 01")
    for column in range(3):
        assert t.sizeHintForColumn(column) == QTableView.sizeHintForColumn(t, column)
    font = t.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)  # the teacher makes text larger
    t.setFont(font)
    for column in range(3):
        assert t.sizeHintForColumn(column) == QTableView.sizeHintForColumn(t, column)


def test_accented_names_sort_among_their_letters_not_after_z(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A class list reads A to Z as a teacher expects: "Élodie" among the E's and
    "Łukasz" among the L's (by code point both came after "Zoé")."""
    t = DataTable(("Student",))
    qtbot.addWidget(t)
    names = ["Zoé", "Łukasz", "Élodie", "emma", "Lea", "Ömer", "Oscar"]
    t.set_rows([(cell(n),) for n in names], list(range(len(names))))
    t.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert t.shown_texts(0) == ["Élodie", "emma", "Lea", "Łukasz", "Ömer", "Oscar", "Zoé"]


def test_the_names_column_stays_readable_when_the_table_is_too_narrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    """On a narrow screen the other columns took the room and the names shrank to "A…":
    the names column keeps its contents' width (up to 16 characters) and the table
    scrolls sideways instead; given room again, it stretches to fill it."""
    from PySide6.QtWidgets import QHeaderView

    headers = ("Student", *(f"Column {n}" for n in range(7)))
    t = DataTable(headers)
    qtbot.addWidget(t)
    names = ["Amira Benali", "Chloé", "Dario"]
    t.set_rows(
        [(cell(n), *(number_cell(123456.0 + i) for i in range(7))) for n in names], [1, 2, 3]
    )
    t.resize(400, 300)
    t.show()
    qtbot.waitExposed(t)
    header = t.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionResizeMode(0) == QHeaderView.ResizeMode.Interactive)
    assert header.sectionSize(0) >= t.fontMetrics().horizontalAdvance("Amira Benali")
    assert t.horizontalScrollBar().maximum() > 0  # the rest is a scroll away

    t.resize(1600, 300)
    qtbot.waitUntil(lambda: header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch)
    others = sum(header.sectionSize(c) for c in range(1, len(headers)))
    assert header.sectionSize(0) + others >= t.viewport().width() - 1  # fills the width
