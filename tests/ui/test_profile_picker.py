"""The profile picker with a class on the computer (found by a user test with 500
students): the same column count at launch, after a search and at any list length;
"New student" reachable without scrolling; the keyboard path through the tiles; a typed
name's best match first."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from quizapp.app import create_main_window
from quizapp.services.container import Services
from quizapp.ui.main_window import MainWindow
from quizapp.ui.profile_picker import ProfilePicker
from quizapp.ui.settings import AppSettings

FIRST = ("Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Ida", "Jon", "Kim")
CLASS = [f"{first} {initial}." for initial in "ABCD" for first in FIRST]
"""40 names: more tiles than a 1024x700 window shows at once."""


def launch(qtbot: Any, services: Services, settings: AppSettings, width: int = 1024) -> MainWindow:
    """The app as a class starts it: students already in the database, then the window."""
    window = create_main_window(services, settings)
    qtbot.addWidget(window)
    window.resize(width, 700)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return window


def enter_opens(qtbot: Any, window: MainWindow, student_id: int) -> None:
    """Enter in the name filter signs in the student ``student_id``: Home, as them."""
    qtbot.keyClick(window.picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.id == student_id


def shown_columns(picker: ProfilePicker) -> int:
    """How many columns of tiles are on screen (by the tiles' positions)."""
    QApplication.processEvents()
    return len({tile.x() for tile in picker.tiles()})


@pytest.fixture
def a_class(services: Services) -> Services:
    for name in CLASS:
        services.students.create_student(name)
    return services


def test_the_columns_are_the_same_at_launch_and_after_a_search(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker

    at_launch = shown_columns(picker)
    qtbot.keyClicks(picker.filter_edit, "a")  # still many names
    after_search = shown_columns(picker)
    picker.filter_edit.clear()

    assert at_launch == after_search  # was 2 at launch, 3 after a search
    assert shown_columns(picker) == picker.columns() == 3


@pytest.mark.parametrize("width", [640, 700, 760, 820, 880, 940, 1000])
def test_the_column_count_depends_on_the_width_only(
    qtbot: Any, a_class: Services, app_settings: AppSettings, width: int
) -> None:
    """Whether the list scrolls (40 names) or not (one name found) does not change the
    columns."""
    window = launch(qtbot, a_class, app_settings, width)
    picker = window.picker
    columns = shown_columns(picker)
    tile_width = picker.tiles()[0].width()
    scroll_bar = picker.scroll_area.verticalScrollBar()
    assert scroll_bar.isVisible()

    qtbot.keyClicks(picker.filter_edit, "a")
    assert shown_columns(picker) == columns
    picker.filter_edit.clear()
    qtbot.keyClicks(picker.filter_edit, "Kim D")
    assert len(picker.tiles()) == 1
    QApplication.processEvents()
    assert not scroll_bar.isVisible()
    # wider by at most the scroll bar's room, not by a column's
    assert tile_width <= picker.tiles()[0].width() <= tile_width + scroll_bar.width()
    assert picker.columns() == columns

    picker.filter_edit.clear()
    window.resize(width + 300, 700)
    QApplication.processEvents()
    assert shown_columns(picker) >= columns  # follows the window


def test_new_student_is_found_without_scrolling_in_a_long_list(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    assert picker.scroll_area.verticalScrollBar().maximum() > 0  # the list scrolls
    button = picker.new_button
    assert button.isVisible()
    assert not picker.scroll_area.isAncestorOf(button)  # not scrolled away with the names
    top_left = button.mapTo(window, button.rect().topLeft())
    assert window.rect().contains(top_left)
    assert window.rect().contains(button.mapTo(window, button.rect().bottomRight()))
    assert button.text() == "New student"

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.new_student_dialog is not None)
    dialog = window.new_student_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "Zara")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.name == "Zara"
    assert "Zara" in [s.name for s in a_class.students.list_students()]


def test_tab_and_arrows_go_through_the_tiles_and_enter_picks(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    tiles = picker.tiles()
    columns = picker.columns()
    assert [t.text() for t in tiles[:3]] == ["Ana A.", "Ana B.", "Ana C."]  # A to Z
    picker.filter_edit.setFocus()

    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Tab)
    assert picker.new_button.hasFocus()
    qtbot.keyClick(picker.new_button, Qt.Key.Key_Tab)
    assert tiles[0].hasFocus()

    picker.filter_edit.setFocus()
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    assert tiles[0].hasFocus()
    qtbot.keyClick(tiles[0], Qt.Key.Key_Right)
    assert tiles[1].hasFocus()
    qtbot.keyClick(tiles[1], Qt.Key.Key_Down)
    assert tiles[1 + columns].hasFocus()
    for _ in range(11):  # down the list: the focused tile is scrolled into view
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    focused = QApplication.focusWidget()
    assert focused is tiles[1 + 12 * columns]
    viewport = picker.scroll_area.viewport()
    assert viewport.rect().contains(focused.mapTo(viewport, focused.rect().center()))
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Up)
    assert tiles[1].hasFocus()
    qtbot.keyClick(tiles[1], Qt.Key.Key_Up)
    assert picker.filter_edit.hasFocus()

    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(tiles[0], Qt.Key.Key_Right)
    qtbot.keyClick(tiles[1], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.name == "Ana B."
    assert a_class.students.list_students()[0].name == "Ana B."  # stamped as used


def test_a_name_typed_in_full_comes_before_names_that_contain_it(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    ana = services.students.create_student("Ana")
    hana = services.students.create_student("Hana")
    services.students.create_student("Diana Ruiz")
    services.students.create_student("Lou Anand")
    services.students.select_student(ana.id)
    services.students.select_student(hana.id)  # Hana used last: first in the list
    window = launch(qtbot, services, app_settings)
    picker = window.picker
    assert [t.text() for t in picker.tiles()][:2] == ["Hana", "Ana"]

    qtbot.keyClicks(picker.filter_edit, "ana")

    assert [t.text() for t in picker.tiles()] == ["Ana", "Lou Anand", "Hana", "Diana Ruiz"]
    enter_opens(qtbot, window, ana.id)


def test_a_name_typed_without_its_accents_finds_the_student(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """On a keyboard without accents "lea" must find Léa: otherwise Enter offers a new
    student and Léa gets a second profile (fresh-clone user test)."""
    lea = services.students.create_student("L\u00e9a")
    services.students.create_student("Zo\u00eb")
    services.students.create_student("Ben")
    window = launch(qtbot, services, app_settings)
    picker = window.picker

    qtbot.keyClicks(picker.filter_edit, "LEA")

    assert [t.text() for t in picker.tiles()] == ["L\u00e9a"]
    enter_opens(qtbot, window, lea.id)


def test_a_very_long_name_ends_in_an_ellipsis_and_keeps_the_columns_on_screen(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """A tile was as wide as its name: one 60-character name (the longest allowed) made
    every column wider than the window, two thirds of the class off screen."""
    long_name = "Maximilian-Alexander Christophersen-Vandenberghe de la Tour"
    for name in (long_name, "Ana", "Ben", "Cleo"):
        services.students.create_student(name)
    window = launch(qtbot, services, app_settings)
    picker = window.picker
    QApplication.processEvents()

    assert shown_columns(picker) == 3
    assert picker.grid_host.width() <= picker.scroll_area.viewport().width()
    tile = next(t for t in picker.tiles() if t.accessibleName() == long_name)
    assert tile.text().endswith("…")
    assert long_name.startswith(tile.text()[:-1])
    assert long_name in tile.toolTip()
    assert [t.text() for t in picker.tiles() if t is not tile] == ["Ana", "Ben", "Cleo"]


def test_enter_with_nothing_typed_opens_nobody(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    """On a shared classroom computer a stray Enter on the picker must not sign the next
    student in as the last one (it opened the first tile: the most recent student)."""
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    picker.filter_edit.setFocus()
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Return)
    qtbot.wait(100)
    assert window.current_screen() == "profiles"
    assert window.student is None
    assert window.new_student_dialog is None


def test_nothing_found_says_so_and_enter_offers_a_new_student(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    qtbot.keyClicks(picker.filter_edit, "Zed")
    assert picker.tiles() == []
    assert "No name matches" in picker.empty_label.text()
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.new_student_dialog is not None)
    # The name typed is the new student's, ready to confirm (or to retype: selected).
    dialog = window.new_student_dialog
    assert dialog is not None
    assert dialog.name_edit.text() == "Zed"
    assert dialog.name_edit.selectedText() == "Zed"


def test_the_picker_does_not_repeat_the_header(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    assert window.title_label.text() == "Who is taking the quiz?"
    assert window.picker.heading.text() != window.title_label.text()
