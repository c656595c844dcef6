"""Home with a teacher's long pack (more than LONG_PACK_LESSONS lessons): a page of cards
that opens where the student is, and pagers that reach every lesson, by mouse and by
keyboard. A normal pack still shows all its lessons at once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.services import dto
from quizapp.services.container import Services
from quizapp.services.packs import install_pack
from quizapp.ui.home_view import LESSONS_PER_PAGE, LONG_PACK_LESSONS, next_lesson_index
from quizapp.ui.main_window import MainWindow

LESSONS = 45  # three pages: 1-20, 21-40, 41-45


def _long_pack(lessons: int = LESSONS, with_text: bool = True) -> Pack:
    return Pack(
        id="long",
        title="Long course",
        lessons=tuple(
            Lesson(f"l{i}", f"Topic {i}", f"Text of topic {i}." if with_text else "")
            for i in range(1, lessons + 1)
        ),
        questions=tuple(
            Question(
                f"q{i}",
                f"l{i}",
                QuestionType.SINGLE,
                f"Question on topic {i}?",
                (Choice("Right", 1.0), Choice("Wrong", 0.0)),
            )
            for i in range(1, lessons + 1)
        ),
    )


@pytest.fixture
def long_home(services: Services, window: MainWindow) -> dict[str, Any]:
    """The long pack installed; Ana has read the built-in course and the first 24
    lessons of the long one, and is Home."""
    pack_id = install_pack(services.database.sessions, _long_pack()).pack_id
    ana = services.students.create_student("Ana").id
    home = services.course.home(ana)
    (long,) = [p for p in home.packs if p.pack.id == pack_id]
    for pack in home.packs:
        read = pack.lessons[:24] if pack is long else pack.lessons
        for lesson in read:
            services.course.mark_lesson_read(ana, lesson.id)
    window.choose_student(ana)
    assert window.current_screen() == "home"
    return {"student": ana, "pack": pack_id, "lessons": [les.id for les in long.lessons]}


def test_a_long_pack_opens_on_the_students_next_lesson_and_enter_starts_it(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, services: Services, long_home: dict[str, Any]
) -> None:
    home = window.home
    lessons = long_home["lessons"]
    top, bottom = home.lesson_pagers[long_home["pack"]]
    # The page of lesson 25 (21-40), not every card of the pack.
    assert top.choice.currentText() == f"Lessons 21–40 of {LESSONS}"
    assert bottom.choice.currentText() == f"Lessons 21–40 of {LESSONS}"
    shown = [lid for lid in home.lesson_buttons if lid in lessons]
    assert shown == lessons[20:40]
    assert top.earlier.isEnabled()
    assert top.later.isEnabled()
    # The next lesson is the primary button, focused and scrolled into view.
    nxt = home.lesson_buttons[lessons[24]]
    assert home.primary is nxt
    assert nxt.text() == "Start lesson"
    assert home.lesson_buttons[lessons[23]].text() == "Read again"
    qtbot.waitUntil(lambda: nxt.visibleRegion().boundingRect().height() == nxt.height())

    qtbot.keyClick(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    assert window.lesson.title_label.text() == "Topic 25"
    assert window.title_label.text() == f"Lesson 25 of {LESSONS}: Topic 25"
    (long,) = [
        p
        for p in services.course.home(long_home["student"]).packs
        if p.pack.id == long_home["pack"]
    ]
    assert long.lessons[24].read


def test_the_pagers_reach_the_last_lesson_and_its_button_starts_it(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, services: Services, long_home: dict[str, Any]
) -> None:
    home = window.home
    lessons = long_home["lessons"]
    pack_id = long_home["pack"]
    # "Later lessons" under the cards: the next page, shown from its top.
    qtbot.mouseClick(home.lesson_pagers[pack_id][1].later, Qt.MouseButton.LeftButton)
    top, bottom = home.lesson_pagers[pack_id]
    assert top.choice.currentText() == f"Lessons 41–45 of {LESSONS}"
    assert [lid for lid in home.lesson_buttons if lid in lessons] == lessons[40:]
    assert not top.later.isEnabled()
    assert not bottom.later.isEnabled()
    assert top.earlier.isEnabled()
    qtbot.waitUntil(lambda: top.visibleRegion().boundingRect().height() == top.height())
    # The first unread lesson of the page shown is the one Enter opens.
    assert home.primary is home.lesson_buttons[lessons[40]]

    last = home.lesson_buttons[lessons[-1]]
    qtbot.mouseClick(last, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    assert window.lesson.title_label.text() == f"Topic {LESSONS}"
    (long,) = [p for p in services.course.home(long_home["student"]).packs if p.pack.id == pack_id]
    assert long.lessons[-1].read


def test_the_page_list_turns_pages_from_the_keyboard(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, long_home: dict[str, Any]
) -> None:
    home = window.home
    lessons = long_home["lessons"]
    pack_id = long_home["pack"]
    home.lesson_pagers[pack_id][0].choice.setFocus()
    qtbot.waitUntil(lambda: home.lesson_pagers[pack_id][0].choice.hasFocus())

    qtbot.keyClick(home.lesson_pagers[pack_id][0].choice, Qt.Key.Key_Home)
    top = home.lesson_pagers[pack_id][0]
    assert top.choice.currentText() == f"Lessons 1–20 of {LESSONS}"
    assert [lid for lid in home.lesson_buttons if lid in lessons] == lessons[:20]
    assert not top.earlier.isEnabled()
    assert top.choice.hasFocus()  # the keyboard stays on the list of pages

    qtbot.keyClick(top.choice, Qt.Key.Key_End)
    top = home.lesson_pagers[pack_id][0]
    assert top.choice.currentText() == f"Lessons 41–45 of {LESSONS}"
    assert top.choice.hasFocus()
    # Tab goes from the pager above into this page's cards, in order.
    qtbot.keyClick(top.choice, Qt.Key.Key_Tab)  # -> "Later lessons" is disabled: skipped
    assert home.lesson_buttons[lessons[40]].hasFocus()
    qtbot.keyClick(home.lesson_buttons[lessons[40]], Qt.Key.Key_Tab)
    assert home.lesson_buttons[lessons[41]].hasFocus()
    qtbot.keyClick(window, Qt.Key.Key_Return)  # Enter presses the focused button
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    assert window.lesson.title_label.text() == "Topic 42"


def test_back_home_after_a_lesson_opens_on_the_next_one_again(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, long_home: dict[str, Any]
) -> None:
    lessons = long_home["lessons"]
    pack_id = long_home["pack"]
    window.home.show_lesson_page(pack_id, 2)
    qtbot.mouseClick(window.home.lesson_buttons[lessons[40]], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    window.show_home()
    top = window.home.lesson_pagers[pack_id][0]
    assert top.choice.currentText() == f"Lessons 21–40 of {LESSONS}"
    assert window.home.primary is window.home.lesson_buttons[lessons[24]]


def test_a_pack_up_to_the_limit_shows_all_its_lessons_without_a_pager(  # type: ignore[no-untyped-def]
    window: MainWindow, services: Services
) -> None:
    pack_id = install_pack(services.database.sessions, _long_pack(LONG_PACK_LESSONS)).pack_id
    window.choose_student(services.students.create_student("Ben").id)
    assert window.home_data is not None
    (long,) = [p for p in window.home_data.packs if p.pack.id == pack_id]
    assert len(long.lessons) == LONG_PACK_LESSONS
    assert all(lesson.id in window.home.lesson_buttons for lesson in long.lessons)
    assert window.home.lesson_pagers == {}


def _progress(i: int, *, read: bool = False, has_text: bool = True, attempts: int = 0) -> Any:
    return dto.LessonProgress(
        id=i,
        key=f"l{i}",
        title=f"T{i}",
        position=i,
        question_count=1,
        read=read,
        attempts=attempts,
        best_percent=None,
        has_text=has_text,
    )


def test_where_the_student_is_in_a_question_bank_is_the_first_quiz_not_taken() -> None:
    bank = tuple(_progress(i, has_text=False, attempts=1 if i < 27 else 0) for i in range(45))
    assert next_lesson_index(bank) == 27
    assert next_lesson_index(bank) // LESSONS_PER_PAGE == 1
    done = tuple(_progress(i, read=True, attempts=1) for i in range(45))
    assert next_lesson_index(done) == 0  # all done: the first page
    mixed = (*done[:3], _progress(3, read=False), _progress(4, has_text=False))
    assert next_lesson_index(mixed) == 3
