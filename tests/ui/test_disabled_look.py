"""Disabled looks disabled, focus looks like focus (user test: the quiz's Submit button,
disabled until an answer is chosen, had a dashed border like the keyboard focus ring of
the choice rows). Checked on the pixels the app draws, in the real main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.services.container import Services
from quizapp.ui.main_window import MainWindow
from quizapp.ui.quiz_view import QuizView


def open_quiz(qtbot: Any, window: MainWindow, services: Services) -> QuizView:
    """A student's first quiz, on its first question, nothing chosen yet."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # focus (and its look) settled
    student = services.students.create_student("Ana")
    window.choose_student(student.id)
    assert window.home_data is not None
    window.open_lesson(window.home_data.packs[0].lessons[0].id)
    if window.notice_dialog is not None:
        window.notice_dialog.continue_button.click()
    qtbot.mouseClick(window.lesson.quiz_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "quiz")
    quiz = window.quiz
    assert quiz is not None
    return quiz


def image(widget: QWidget) -> QImage:
    QApplication.processEvents()
    return widget.grab().toImage()


def top_edge(img: QImage) -> list[set[str]]:
    """The colours along each of the top 3 pixel rows, corners left out."""
    return [{img.pixelColor(x, y).name() for x in range(14, img.width() - 14)} for y in range(3)]


def dashed(img: QImage) -> bool:
    """True if a border line along the top changes colour on its way (dashes, dots)."""
    return any(len(colours) > 1 for colours in top_edge(img))


def test_a_disabled_submit_has_no_dashes(
    qtbot: Any, window: MainWindow, services: Services
) -> None:
    """Dashes are the keyboard focus ring of a choice row; a disabled button had them."""
    quiz = open_quiz(qtbot, window, services)
    submit = quiz.submit_button
    assert not submit.isEnabled()

    assert not dashed(image(submit))


def test_a_disabled_submit_is_grey_and_an_enabled_one_filled(
    qtbot: Any, window: MainWindow, services: Services
) -> None:
    quiz = open_quiz(qtbot, window, services)
    submit = quiz.submit_button
    active = QPalette.ColorGroup.Active
    highlight = submit.palette().color(active, QPalette.ColorRole.Highlight).name()
    x, y = submit.width() // 2, submit.height() - 6  # inside, under the text

    disabled = image(submit)
    assert disabled.pixelColor(x, y).name() != highlight
    assert len(top_edge(disabled)[0]) == 1  # one solid border colour

    quiz.choose(1)
    assert submit.isEnabled()
    assert image(submit).pixelColor(x, y).name() == highlight


def test_the_disabled_submit_icon_stays_visible(
    qtbot: Any, window: MainWindow, services: Services
) -> None:
    """Disabled, the check mark is drawn like the grey text, not white on light grey."""
    quiz = open_quiz(qtbot, window, services)
    submit = quiz.submit_button
    background = image(submit).pixelColor(submit.width() // 2, 4)  # inside the border
    pixmap = submit.icon().pixmap(QSize(24, 24), QIcon.Mode.Disabled)
    icon = pixmap.toImage()
    strokes = [
        icon.pixelColor(x, y)
        for x in range(icon.width())
        for y in range(icon.height())
        if icon.pixelColor(x, y).alpha() > 200
    ]
    assert strokes
    assert max(lightness_gap(c, background) for c in strokes) >= 40


def lightness_gap(a: QColor, b: QColor) -> int:
    return abs(a.lightness() - b.lightness())


def test_the_text_size_menus_arrow_is_beside_the_text_not_in_the_corner(
    window: MainWindow,
) -> None:
    """The header's "Text size" opens a menu: its arrow sits at the right, level with
    the text (it was a small mark squeezed into the bottom corner, against "size")."""
    img = image(window.text_size_button)
    background = img.pixelColor(img.width() // 2, 3).lightness()

    def inked(x: int, y: int) -> bool:
        return img.pixelColor(x, y).lightness() < background - 60

    inside_x, inside_y = range(3, img.width() - 3), range(3, img.height() - 3)
    columns = [x for x in inside_x if any(inked(x, y) for y in inside_y)]
    runs: list[list[int]] = []  # inked runs of columns, as [first, last]
    for x in columns:
        if runs and runs[-1][1] == x - 1:
            runs[-1][1] = x
        else:
            runs.append([x, x])
    arrow, text = runs[-1], runs[-2]
    rows_of = {
        name: [y for y in inside_y if any(inked(x, y) for x in range(first, last + 1))]
        for name, (first, last) in (("arrow", arrow), ("text", text))
    }
    middle = lambda ys: (min(ys) + max(ys)) / 2  # noqa: E731
    assert abs(middle(rows_of["arrow"]) - middle(rows_of["text"])) <= 2
    assert arrow[0] - text[1] >= 8  # px of nothing between "size" and the arrow
