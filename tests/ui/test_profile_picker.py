"""The profile picker with a class on the computer (found by a user test with 500
students): the same column count at launch, after a search and at any list length;
"New student" reachable without scrolling; the keyboard path through the tiles; a typed
name's best match first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QImage
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.app import create_main_window
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.store import models as m
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


def focused_tile(picker: ProfilePicker) -> int:
    """The index (among the tiles shown) of the tile with the focus; it must be on screen."""
    focused = QApplication.focusWidget()
    tiles = picker.tiles()
    assert focused in tiles
    viewport = picker.scroll_area.viewport()
    top_left = focused.mapTo(viewport, focused.rect().topLeft())
    bottom_right = focused.mapTo(viewport, focused.rect().bottomRight())
    assert viewport.rect().contains(top_left)  # wholly on screen
    assert viewport.rect().contains(bottom_right)
    return tiles.index(focused)


def test_coming_back_to_the_picker_keeps_the_tiles_and_shows_what_changed(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    """With 500 students, every return to the picker rebuilt 500 tiles (a GUI stall of a
    quarter to most of a second): the tiles of the students still listed are kept, and
    a new student, a rename, a removal and the new order (last used first) still show."""
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    before = {int(t.property("studentId")): t for t in picker.tiles()}
    by_name = {s.name: s for s in a_class.students.list_students()}
    kim, ben, dev = by_name["Kim D."], by_name["Ben A."], by_name["Dev B."]

    qtbot.mouseClick(before[kim.id], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    classes = ClassService(a_class.database.sessions)
    classes.rename_student(ben.id, "Benjamin A.")
    classes.delete_student(dev.id)
    zara = a_class.students.create_student("Zara")
    qtbot.mouseClick(window.home.switch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "profiles")
    QApplication.processEvents()

    tiles = picker.tiles()
    names = [t.text() for t in tiles]
    assert names[0] == "Kim D."  # used last: first
    assert "Benjamin A." in names
    assert "Ben A." not in names
    assert "Dev B." not in names
    assert "Zara" in names
    assert len(tiles) == len(CLASS)  # one gone, one new
    assert sorted(names[1:]) == names[1:]  # the others alphabetically
    after = {int(t.property("studentId")): t for t in tiles}
    assert all(after[i] is before[i] for i in before if i not in (dev.id,))  # kept
    assert after[ben.id].accessibleName() == "Benjamin A."
    assert "Benjamin A." in after[ben.id].toolTip()
    assert picker.filter_edit.hasFocus()
    assert picker.scroll_area.verticalScrollBar().value() == 0  # the list's top

    qtbot.mouseClick(after[zara.id], Qt.MouseButton.LeftButton)  # the new tile works
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.id == zara.id


def test_esc_in_the_filter_clears_it_and_shows_everyone_again(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    qtbot.keyClicks(picker.filter_edit, "Kim")
    assert [t.text() for t in picker.tiles()] == ["Kim A.", "Kim B.", "Kim C.", "Kim D."]

    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Escape)

    assert picker.filter_edit.text() == ""
    assert len(picker.tiles()) == len(CLASS)
    assert "No name matches" not in picker.empty_label.text()
    assert picker.filter_edit.hasFocus()
    assert window.current_screen() == "profiles"
    # Nothing typed: Esc goes on to the window, as before (nothing to go back to here).
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Escape)
    assert window.current_screen() == "profiles"
    assert len(picker.tiles()) == len(CLASS)


def test_page_down_page_up_home_and_end_move_the_focus_to_a_tile_on_screen(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    """Page Down scrolled the list and left the focus on a tile now off screen."""
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    columns = picker.columns()
    tiles = picker.tiles()
    viewport = picker.scroll_area.viewport()
    pitch = tiles[columns].y() - tiles[0].y()
    page = viewport.height() // pitch  # whole rows on screen
    assert 1 < page < len(tiles) // columns  # the list is several screens long
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(tiles[0], Qt.Key.Key_Right)

    qtbot.keyClick(tiles[1], Qt.Key.Key_PageDown)
    assert focused_tile(picker) == 1 + page * columns  # a screenful down, same column
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown)
    assert focused_tile(picker) == 1 + 2 * page * columns
    for _ in range(len(tiles)):  # to the last row, and no further
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageDown)
    last_row = (len(tiles) - 1) // columns
    last = len(tiles) - 1
    assert last_row * columns + 1 > last  # the last row is short: its last tile
    assert focused_tile(picker) == last
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageUp)  # that tile's column
    assert focused_tile(picker) == (last_row - page) * columns + last % columns
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Home)
    assert focused_tile(picker) == 0
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_End)
    assert focused_tile(picker) == len(tiles) - 1
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_PageUp)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # the one focused opens
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    expected = tiles[(last_row - page) * columns + last % columns]
    assert window.student.id == int(expected.property("studentId"))


def test_namesakes_show_what_tells_them_apart(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """Two students of the same name (a merge of classes brings them) had identical
    tiles: each shows when it was last used (or "new") under the name, and in its
    tooltip and accessible name; a name of its own shows nothing more."""
    used = datetime(2026, 11, 3, 10, 30, tzinfo=UTC)
    with services.database.sessions.begin() as s:  # as a merge brings them
        s.add(m.Student(name="Ana", last_used_at=used))
        s.add(m.Student(name="ana", created_at=datetime(2026, 11, 20, tzinfo=UTC)))
        s.add(m.Student(name="Ben", last_used_at=used))
        s.add(m.Student(name="Ben", last_used_at=used.replace(hour=15)))  # the same day
        s.add(m.Student(name="Cleo"))
    window = launch(qtbot, services, app_settings)
    picker = window.picker
    QApplication.processEvents()
    local = used.astimezone()
    day = f"{local.day}\u00a0{local:%b}"  # 3 Nov (or 2 Nov, west of UTC-10:30)
    if local.year != datetime.now().astimezone().year:
        day += f"\u00a0{local:%Y}"  # the year only when it is not this year's
    at = [f"{day}, {t.astimezone():%H:%M}" for t in (used, used.replace(hour=15))]

    tiles = {(t.full_text, t.detail): t for t in picker.tiles()}  # type: ignore[attr-defined]
    assert set(tiles) == {
        ("Ben", f"used {at[1]}"),  # used the same day: the time tells them apart
        ("Ben", f"used {at[0]}"),
        ("Ana", f"used {day}"),
        ("ana", "new"),
        ("Cleo", ""),
    }
    new_ana, cleo = tiles["ana", "new"], tiles["Cleo", ""]
    assert new_ana.toolTip() == "Continue as ana (new)"
    assert new_ana.accessibleName() == "ana (new)"
    assert tiles["Ana", f"used {day}"].toolTip() == f"Continue as Ana (used {day})"
    assert cleo.toolTip() == "Continue as Cleo"
    assert cleo.accessibleName() == cleo.text() == "Cleo"
    # The two Bens look different: the detail is drawn (on the line under the name).
    bens = [tiles["Ben", f"used {when}"] for when in at]
    assert all(ben.text() == "Ben\n" for ben in bens)  # one line of detail at 12 pt
    width, height = min(b.width() for b in bens), min(b.height() for b in bens)
    assert looks(bens[0], width, height) != looks(bens[1], width, height)

    qtbot.mouseClick(new_ana, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.name == "ana"
    assert window.student.last_used_at is not None  # the new one, now used


def looks(tile: QWidget, width: int, height: int) -> QImage:
    """The tile as drawn on screen, cut to ``width`` x ``height`` (tiles differ by a pixel)."""
    return tile.grab().toImage().copy(0, 0, width, height)


def test_a_namesakes_two_lines_fit_in_a_long_list_at_a_large_text_size(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    """A long list squeezes the tiles to their least height: a fixed 72 px clipped the top
    of a namesake's name at a large text size. Its row is as tall as it needs, and the
    other tiles of that row as tall as it."""
    with a_class.database.sessions.begin() as s:
        s.add(m.Student(name="Ana A."))  # a namesake of CLASS's first name
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    window.apply_font_size(16)
    QApplication.processEvents()
    assert picker.scroll_area.verticalScrollBar().maximum() > 0  # a long list

    tiles = picker.tiles()
    namesake = next(t for t in tiles if t.detail)  # type: ignore[attr-defined]
    name_line = namesake.fontMetrics().lineSpacing()
    detail_line = QFontMetrics(namesake.detail_font()).lineSpacing()  # type: ignore[attr-defined]
    assert namesake.height() >= name_line + detail_line + 2 * 14  # and the style's padding
    row = [t for t in tiles if t.y() == namesake.y()]
    assert len(row) == picker.columns()
    assert {t.height() for t in row} == {namesake.height()}


def test_typing_after_scrolling_shows_the_best_match_at_the_top(
    qtbot: Any, a_class: Services, app_settings: AppSettings
) -> None:
    """Typed on a tile far down the list, a name went to the filter but the list stayed
    scrolled: the best matches were above, off screen."""
    window = launch(qtbot, a_class, app_settings)
    picker = window.picker
    qtbot.keyClick(picker.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(picker.tiles()[0], Qt.Key.Key_End)
    scroll_bar = picker.scroll_area.verticalScrollBar()
    assert scroll_bar.value() > 0

    qtbot.keyClicks(QApplication.focusWidget(), "a")  # typed on the last tile: to the filter
    qtbot.keyClicks(picker.filter_edit, "na")

    assert picker.filter_edit.text() == "ana"
    assert picker.filter_edit.hasFocus()
    assert scroll_bar.value() == 0
    first = picker.tiles()[0]
    assert first.text() == "Ana A."
    viewport = picker.scroll_area.viewport()
    assert viewport.rect().contains(first.mapTo(viewport, first.rect().center()))


def test_the_keyboard_shortcuts_page_names_the_pickers_keys(qtbot) -> None:  # type: ignore[no-untyped-def]
    """F1's list tells a student the picker's keys (they were only in a tooltip)."""
    from PySide6.QtWidgets import QTextBrowser

    from quizapp.ui.main_window import ShortcutsDialog

    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    browser = dialog.findChild(QTextBrowser)
    assert browser is not None
    text = browser.toPlainText()
    assert "Page Up / Page Down" in text
    assert "Esc clears it" in text


def test_at_the_largest_text_size_the_tiles_are_fewer_and_wider_and_their_icons_grow(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """At 32 pt a fixed 220-px least tile width kept 3 columns in a 1024-px window, and
    names read "Amir…", "Gabr…"; the tiles', filter's and "New student"'s icons stayed
    their 12-pt size (a dot beside the words)."""
    names = ("Amir Khan", "Gabriela", "Eliska N.", "Ilyas J.", "Yann", "Zoe")
    for name in names:
        services.students.create_student(name)
    window = launch(qtbot, services, app_settings)
    picker = window.picker
    assert shown_columns(picker) == 3
    small = picker.tiles()[0]
    assert small.iconSize().width() == 32  # the default size as before
    assert picker.filter_edit.icon_size().width() == 16  # type: ignore[attr-defined]
    assert picker.new_button.iconSize().width() == 24

    for _ in range(32 - window.settings.font_point_size):  # Ctrl+= up to the largest size
        qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.font_point_size == 32
    QApplication.processEvents()

    assert window.width() == 1024
    assert 1 <= shown_columns(picker) == picker.columns() < 3
    tiles = picker.tiles()
    assert sorted(t.text() for t in tiles) == sorted(names)  # none cut short
    line = tiles[0].fontMetrics().height()
    assert all(t.iconSize().width() >= line for t in tiles)
    for button in (*tiles, picker.new_button):  # and drawn that big, not a 48-px pixmap
        assert button.icon().actualSize(button.iconSize()) == button.iconSize()
    filter_line = picker.filter_edit.fontMetrics().height()
    assert picker.filter_edit.icon_size().width() >= 0.7 * filter_line  # type: ignore[attr-defined]
    assert picker.new_button.iconSize().width() >= picker.new_button.fontMetrics().height()

    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # back to normal
    QApplication.processEvents()
    assert shown_columns(picker) == 3
    assert picker.tiles()[0].iconSize().width() == 32


def test_a_namesakes_detail_wraps_and_keeps_what_tells_them_apart_at_a_large_text_size(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """Two new Anas added two minutes apart read "new, added 2 No…" at 20 pt, the time
    that tells them apart cut off. The date is short ("2 Nov" this year, with its year
    otherwise) and what does not fit goes on the next line, the tile taller for it."""
    created = datetime(2026, 11, 2, 8, 3, tzinfo=UTC)
    with services.database.sessions.begin() as s:  # as a merge brings them
        s.add(m.Student(name="Ana", created_at=created.replace(minute=5)))
        s.add(m.Student(name="Ana", created_at=created))
        for name in FIRST[1:]:
            s.add(m.Student(name=name))
    window = launch(qtbot, services, app_settings)
    picker = window.picker
    window.apply_font_size(20)
    QApplication.processEvents()
    assert picker.columns() == 3

    anas = [t for t in picker.tiles() if t.detail]  # type: ignore[attr-defined]
    assert len(anas) == 2
    times = {f"{when.astimezone():%H:%M}" for when in (created, created.replace(minute=5))}
    assert len(times) == 2
    for tile in anas:
        detail = tile.detail  # type: ignore[attr-defined]
        lines = tile.detail_lines  # type: ignore[attr-defined]
        assert detail.startswith("new, added ")
        assert " ".join(lines) == detail  # all of it drawn, over more than one line
        assert len(lines) > 1
        assert any(when in lines[-1] for when in times)
        metrics = QFontMetrics(tile.detail_font())  # type: ignore[attr-defined]
        room = tile.width() - tile.iconSize().width() - 2 * 18
        assert all(metrics.horizontalAdvance(line) <= room for line in lines)
        name_line = tile.fontMetrics().lineSpacing()
        assert tile.height() >= name_line + len(lines) * metrics.lineSpacing() + 2 * 14
    width, height = min(t.width() for t in anas), min(t.height() for t in anas)
    assert looks(anas[0], width, height) != looks(anas[1], width, height)

    window.apply_font_size(12)  # back to one line under the name
    QApplication.processEvents()
    assert all(len(t.detail_lines) == 1 for t in anas)  # type: ignore[attr-defined]


def test_namesakes_from_two_classes_show_their_class(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    """Merging two classes' results brings two "Ana"s: their class tells them apart
    best, so their tiles say "7B" and "7C"; namesakes that share a class are told
    apart by their use, after their class when the group spans several."""
    used = datetime(2026, 11, 3, 10, 30, tzinfo=UTC)
    with services.database.sessions.begin() as s:  # as a merge brings them
        b, c = m.SchoolClass(name="7B"), m.SchoolClass(name="7C")
        s.add_all([b, c])
        s.add(m.Student(name="Ana", school_class=b, last_used_at=used))
        s.add(m.Student(name="Ana", school_class=c, last_used_at=used))
        s.add(m.Student(name="Ben", school_class=b, last_used_at=used))
        s.add(m.Student(name="Ben", school_class=b))
        s.add(m.Student(name="Ben"))
    window = launch(qtbot, services, app_settings)
    QApplication.processEvents()
    local = used.astimezone()
    day = f"{local.day}\u00a0{local:%b}"
    if local.year != datetime.now().astimezone().year:
        day += f"\u00a0{local:%Y}"
    shown = {(t.full_text, t.detail) for t in window.picker.tiles()}  # type: ignore[attr-defined]
    assert shown == {
        ("Ana", "7B"),
        ("Ana", "7C"),
        ("Ben", f"7B, used {day}"),
        ("Ben", "7B, new"),
        ("Ben", "no class, new"),
    }
