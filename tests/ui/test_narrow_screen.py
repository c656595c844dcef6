"""The app on an old classroom screen, 1024 px wide, at the default text size.

Opening the teacher area made a 1024-px window 1129 px wide (its right edge, with
"Print report", off the screen), and it stayed so back on the students' picker: a
stack of pages is as wide as its widest page, shown or not. Now each page fits or
scrolls inside the area, and the pages owned here fit without scrolling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from quizapp.services.container import Services
from quizapp.ui.main_window import MainWindow
from quizapp.ui.teacher.pin_dialog import PinDialog

SCREEN = 1024


@pytest.fixture
def teacher(qtbot, window: MainWindow, services: Services, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The teacher area open in the 1024x700 window, after a student took every quiz of
    the built-in course (so the Statistics and Results lists hold real, long titles)."""
    monkeypatch.setattr(PinDialog, "ask", lambda *a, **k: True)
    sid = services.students.create_student("Ana").id
    for lesson in services.course.home(sid).packs[0].lessons:
        view = services.attempts.start_lesson_quiz(sid, lesson.id)
        for slot in view.slots:
            services.attempts.submit(view.id, slot.slot, [slot.choices[0].index])
        services.attempts.finish(view.id)
    assert window.open_teacher_area()
    return window.teacher


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_no_teacher_page_widens_the_window(qtbot, window: MainWindow, teacher) -> None:  # type: ignore[no-untyped-def]
    for index, title in enumerate(teacher.page_titles()):
        teacher.show_page(index)
        _settle()
        assert window.minimumSizeHint().width() <= SCREEN, title
        assert window.width() == SCREEN, title
    window.show_profiles()
    _settle()
    assert window.minimumSizeHint().width() <= SCREEN
    assert window.width() == SCREEN


@pytest.mark.parametrize(
    "title",
    [
        "Packs",
        "Quizzes",
        "Results",
        "Statistics",
        "Students",
        "Paper quiz",
        "Merge results",
        "Settings",
    ],
)
def test_the_page_fits_beside_the_page_list_without_scrolling(
    qtbot, window: MainWindow, teacher, title: str
) -> None:  # type: ignore[no-untyped-def]
    """Statistics' row of pickers (the quiz "title (n attempts, n students) · course" and
    "Highest-scoring attempt of each student") alone was 820 px: 1057 px with the list."""
    page = teacher.pages[teacher.page_titles().index(title)]
    teacher.show_page(page)
    _settle()
    room = window.width() - teacher.nav.width()
    assert page.minimumSizeHint().width() <= room
    assert page.width() <= room  # not scrolled sideways
    if title == "Statistics":  # a quiz cut short in the picker is whole in its tooltip
        combo = page.quiz_combo
        assert combo.toolTip() == combo.currentText()
        assert "attempt" in combo.toolTip()


def test_a_page_too_wide_for_the_room_scrolls_inside_the_area(
    qtbot, window: MainWindow, teacher
) -> None:  # type: ignore[no-untyped-def]
    wide = QWidget()
    layout = QVBoxLayout(wide)
    edge = QLabel("The right edge")
    layout.addWidget(edge)
    wide.setMinimumWidth(1500)
    index = teacher.add_page("Wide", "eye", wide)
    teacher.show_page(index)
    _settle()
    assert window.width() == SCREEN
    assert teacher.current_page() is wide
    scroller = teacher.stack.currentWidget()
    bar = scroller.horizontalScrollBar()
    assert bar.isVisible()
    assert bar.maximum() >= 1500 - scroller.viewport().width()
    assert wide.height() == scroller.viewport().height()  # no needless vertical scrolling


def test_the_teacher_areas_icons_grow_with_the_text(qtbot, window: MainWindow, teacher) -> None:  # type: ignore[no-untyped-def]
    """The page list's icons, the strip's lock and "Leave teacher area"'s icon stayed
    20, 22 and 16 px at 32 pt, dots beside the words."""
    at_normal = (
        teacher.nav.iconSize().width(),
        teacher.lock_icon.pixmap().width(),
        teacher.leave_button.iconSize().width(),
    )
    assert at_normal == (20, 22, 16)  # as before at the default size
    for _ in range(32 - window.settings.font_point_size):  # Ctrl+= up to the largest size
        qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    _settle()
    assert window.settings.font_point_size == 32
    line = QFontMetrics(QApplication.font()).height()
    assert teacher.nav.iconSize().width() >= line
    assert teacher.lock_icon.pixmap().width() >= line
    assert teacher.leave_button.iconSize().width() >= 0.8 * line
    leave = teacher.leave_button
    assert leave.icon().actualSize(leave.iconSize()) == leave.iconSize()  # drawn that big
    item = teacher.nav.item(0)
    assert item.icon().actualSize(teacher.nav.iconSize()) == teacher.nav.iconSize()
