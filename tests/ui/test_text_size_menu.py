"""The header's Text size menu: its actions show their shortcuts, and the header's icons
grow with the text (at 32 pt they stayed 16 px beside the words)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyleOptionMenuItem

from quizapp.ui.main_window import MainWindow
from quizapp.ui.settings import DEFAULT_FONT_POINT_SIZE, MAX_FONT_POINT_SIZE


@pytest.fixture
def no_context_menu_shortcuts() -> Iterator[None]:
    """A platform that hides shortcuts in context menus (macOS; some Linux themes): a
    tool button's menu counts as one for Qt."""
    attribute = Qt.ApplicationAttribute.AA_DontShowShortcutsInContextMenus
    before = QApplication.testAttribute(attribute)
    QApplication.setAttribute(attribute, True)
    yield
    QApplication.setAttribute(attribute, before)


def test_the_text_size_menu_shows_each_shortcut(
    window: MainWindow, no_context_menu_shortcuts: None
) -> None:
    menu = window.text_size_button.menu()
    shown = []
    for action in menu.actions():
        option = QStyleOptionMenuItem()
        menu.initStyleOption(option, action)  # what the menu paints for the item
        shown.append(option.text)
    assert shown == ["Bigger text\tCtrl+=", "Smaller text\tCtrl+-", "Normal text size\tCtrl+0"]


def _icon_edges(window: MainWindow) -> set[int]:
    buttons = (window.back_button, window.teacher_button, window.text_size_button)
    edges = {b.iconSize().width() for b in (*buttons, window.help_button)}
    edges |= {b.iconSize().height() for b in (*buttons, window.help_button)}
    pixmap = window.student_icon.pixmap()
    return edges | {pixmap.width(), pixmap.height()}


def test_the_headers_icons_grow_with_the_text(window: MainWindow) -> None:
    try:
        assert _icon_edges(window) == {16}  # the default 12 pt: Qt's usual small icons
        window.apply_font_size(MAX_FONT_POINT_SIZE)
        line = QFontMetrics(QApplication.font()).height()
        (edge,) = _icon_edges(window)  # all the same size
        assert edge >= 0.8 * line  # about as tall as the words beside them
        assert edge >= 2.5 * 16
        window.reset_text_action.trigger()
        assert _icon_edges(window) == {16}
    finally:
        window.apply_font_size(DEFAULT_FONT_POINT_SIZE)
