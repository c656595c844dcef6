"""What a tester found trying the screens as a new user (polish and bugs), each pinned by
a test on the real widgets over a real database under tmp_path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from quizapp.ui.main_window import MainWindow
from quizapp.ui.teacher.pin_dialog import PinDialog


@pytest.fixture
def let_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PIN gate opens (the gate itself is tested in test_teacher_area)."""
    monkeypatch.setattr(PinDialog, "ask", lambda parent, auth: True)


def _open_dialogs(window: MainWindow) -> list[QMessageBox]:
    return [w for w in window.findChildren(QMessageBox) if w.isVisible()]


# ---------------------------------------------------------------- 1. merged-away student


@pytest.mark.parametrize("how", ["button", "esc"])
def test_leaving_the_teacher_area_after_the_signed_in_student_was_merged_away(
    qtbot, window: MainWindow, let_in: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui import common
    from quizapp.ui.teacher import students_page as module

    svc = window.services
    assert svc is not None
    kept = svc.students.create_student("Ada").id
    gone = svc.students.create_student("Ada L").id
    window.choose_student(gone)
    assert window.current_screen() == "home"
    page = window.results_pages["students"]
    with qtbot.waitSignal(page.loader.loaded, timeout=10_000):
        assert window.open_teacher_area(page)
    page.select_students([kept, gone])
    keep_first = page.selected()[0].student_id == kept
    monkeypatch.setattr(module, "ask_item", lambda *a: 0 if keep_first else 1)
    monkeypatch.setattr(common, "confirm", lambda *a: True)
    qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in svc.students.list_students()] == [kept]

    if how == "button":
        qtbot.mouseClick(window.teacher.leave_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current_screen() == "profiles"
    assert window.student is None
    assert window.picker.isVisible()
    assert not _open_dialogs(window)


# ---------------------------------------------------------------- 2. text size, whole app


def _quiz_on_first_lesson(window: MainWindow) -> None:
    svc = window.services
    assert svc is not None
    window.choose_student(svc.students.create_student("Ada").id)
    assert window.home_data is not None
    lesson = window.home_data.packs[0].lessons[0]
    window.show_evidence(lesson.id, "")  # the lesson reader, built and filled
    window.start_lesson_quiz(lesson.id)
    assert window.current_screen() == "quiz"


def _sizes(window: MainWindow) -> dict[str, float]:
    quiz = window.quiz
    return {
        "choice": quiz.rows[0].label.font().pointSizeF(),
        "prompt": quiz.prompt_label.font().pointSizeF(),
        "submit": quiz.submit_button.font().pointSizeF(),
        "lesson": window.lesson.browser.font().pointSizeF(),
        "title": window.title_label.font().pointSizeF(),
    }


def test_text_size_scales_the_whole_app_at_once_and_ctrl0_restores_it(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    _quiz_on_first_lesson(window)
    before = _sizes(window)
    assert before["prompt"] > before["choice"] >= before["lesson"] >= 11
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    bigger = _sizes(window)
    for name, size in before.items():
        assert bigger[name] > size, name
    assert bigger["prompt"] / bigger["lesson"] == pytest.approx(
        before["prompt"] / before["lesson"], rel=0.02
    )
    assert window.settings.font_point_size == 13
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert _sizes(window) == pytest.approx(before)


def test_after_a_restart_at_a_large_size_ctrl0_shrinks_body_text_too(
    qtbot, services, app_settings
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.app import create_main_window

    app_settings.font_point_size = 18
    window = create_main_window(services, app_settings)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    _quiz_on_first_lesson(window)
    large = _sizes(window)
    assert large["lesson"] == pytest.approx(18)
    window.text_size_button.menu().actions()[2].trigger()  # Text size > Normal text size
    normal = _sizes(window)
    for name, size in large.items():
        assert normal[name] < size, name
    assert normal["lesson"] == pytest.approx(12)
    assert normal["submit"] == pytest.approx(12)


# ---------------------------------------------------------------- 3. HTML feedback


def _shown_text(label) -> str:  # type: ignore[no-untyped-def]
    """What a label shows a reader: rich text rendered, plain text as it is."""
    from PySide6.QtGui import QTextDocumentFragment

    if label.textFormat() == Qt.TextFormat.PlainText:
        return str(label.text())
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def _imported_bank(opened) -> int:  # type: ignore[no-untyped-def]
    """An imported bank as GIFT gives it: one lesson with no text, an [html] question
    with HTML feedback, and a plain question whose prompt holds ``<b>``."""
    from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType, TextFormat
    from quizapp.services.packs import install_pack

    database, _ = opened
    html_q = Question(
        id="planet",
        lesson_id="bank",
        type=QuestionType.SINGLE,
        prompt="<p>Which planet is the <b>largest</b>?</p>",
        choices=(
            Choice("Jupiter", 1.0, feedback="<p>Yes: <i>Jupiter</i>.</p>"),
            Choice("Mars", 0.0, feedback="<p>No: Mars is small.</p>"),
        ),
        explanation="<p>Jupiter is the largest planet.</p>",
        text_format=TextFormat.HTML,
        shuffle=False,
    )
    plain_q = Question(
        id="tag",
        lesson_id="bank",
        type=QuestionType.SINGLE,
        prompt="Is <b> an HTML tag?",
        choices=(Choice("Yes", 1.0), Choice("No", 0.0)),
        explanation="<b> makes text bold.",
        shuffle=False,
    )
    pack = Pack(
        id="bank-pack",
        title="Imported bank",
        lessons=(Lesson(id="bank", title="Planets", body=""),),
        questions=(html_q, plain_q),
    )
    return install_pack(database.sessions, pack).pack_id


def _start_bank_quiz(window: MainWindow, pack_id: int):  # type: ignore[no-untyped-def]
    svc = window.services
    assert svc is not None
    window.choose_student(svc.students.create_student("Ada").id)
    assert window.home_data is not None
    pack = next(p for p in window.home_data.packs if p.pack.id == pack_id)
    window.start_lesson_quiz(pack.lessons[0].id)
    return window.quiz


def _answer(qtbot, quiz, index: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(quiz.rows[index], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(quiz.submit_button, Qt.MouseButton.LeftButton)


def test_html_feedback_is_rendered_not_shown_as_tags(
    qtbot, window: MainWindow, opened
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services.print_model import build_paper_versions
    from quizapp.ui.printing import paper_quiz_html

    pack_id = _imported_bank(opened)
    quiz = _start_bank_quiz(window, pack_id)
    seen_plain = seen_html = False
    for _ in range(2):
        slot = quiz.current_slot()
        assert slot is not None
        if slot.question_key == "planet":
            assert _shown_text(quiz.prompt_label) == "Which planet is the largest?"
            _answer(qtbot, quiz, [r.choice.index for r in quiz.rows].index(1))  # Mars
            assert _shown_text(quiz.explanation_label) == "Jupiter is the largest planet."
            assert _shown_text(quiz.choice_feedback_label) == "No: Mars is small."
            seen_html = True
        else:
            assert _shown_text(quiz.prompt_label) == "Is <b> an HTML tag?"
            _answer(qtbot, quiz, 0)
            assert _shown_text(quiz.explanation_label) == "<b> makes text bold."
            seen_plain = True
        qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    assert seen_html
    assert seen_plain
    qtbot.waitUntil(lambda: window.current_screen() == "results")
    shown = [_shown_text(label) for label in window.results.findChildren(type(quiz.prompt_label))]
    assert "Jupiter is the largest planet." in shown
    assert "No: Mars is small." in shown
    assert not any("<p>" in text for text in shown)

    database, _ = opened
    html_doc = paper_quiz_html(build_paper_versions(database.sessions, pack_id=pack_id))
    assert "&lt;p&gt;" not in html_doc
    assert "Jupiter is the largest planet." in html_doc
    assert "Is &lt;b&gt; an HTML tag?" in html_doc


# ---------------------------------------------------------------- 4. exam size


def test_exam_button_says_how_many_questions_the_pack_really_has(
    qtbot, window: MainWindow, opened
) -> None:  # type: ignore[no-untyped-def]
    pack_id = _imported_bank(opened)  # 2 questions
    svc = window.services
    assert svc is not None
    window.choose_student(svc.students.create_student("Ada").id)
    exam = window.home.exam_buttons[pack_id]
    assert exam.text() == "Exam (2 questions)"
    assert "20" not in exam.toolTip()
    builtin = next(k for k in window.home.exam_buttons if k != pack_id)
    assert window.home.exam_buttons[builtin].text() == "Exam (20 questions)"
    qtbot.mouseClick(exam, Qt.MouseButton.LeftButton)
    assert window.current_screen() == "quiz"
    assert window.quiz.counter_label.text() == "Question 1 of 2"


# ---------------------------------------------------------------- 5. lessons with no text


def test_a_lesson_with_no_text_goes_straight_to_its_quiz_without_show_in_lesson(
    qtbot, window: MainWindow, opened
) -> None:  # type: ignore[no-untyped-def]
    pack_id = _imported_bank(opened)
    svc = window.services
    assert svc is not None
    window.choose_student(svc.students.create_student("Ada").id)
    assert window.home_data is not None
    pack = next(p for p in window.home_data.packs if p.pack.id == pack_id)
    lesson = pack.lessons[0]
    card_button = window.home.lesson_buttons[lesson.id]
    assert card_button.text() == "Start quiz"
    builtin = next(p for p in window.home_data.packs if p.pack.id != pack_id).lessons[0]
    assert window.home.lesson_buttons[builtin.id].text() == "Start lesson"
    qtbot.mouseClick(card_button, Qt.MouseButton.LeftButton)
    assert window.current_screen() == "quiz"
    quiz = window.quiz
    _answer(qtbot, quiz, 0)
    assert quiz.feedback_panel.isVisible()
    assert not quiz.show_in_lesson_button.isVisible()
    qtbot.keyClick(quiz, Qt.Key.Key_L)
    assert window.current_screen() == "quiz"


# ---------------------------------------------------------------- 7. no text cursor in a lesson


def test_the_lesson_text_shows_no_cursor_but_scrolls_by_keyboard(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window.resize(800, 600)
    svc = window.services
    assert svc is not None
    window.choose_student(svc.students.create_student("Ada").id)
    assert window.home_data is not None
    lesson = window.home_data.packs[0].lessons[0]
    window.show_evidence(lesson.id, "")
    browser = window.lesson.browser
    assert browser.cursorWidth() == 0
    assert browser.isReadOnly()
    browser.setFocus()
    bar = browser.verticalScrollBar()
    assert bar.maximum() > 0
    qtbot.keyClick(browser, Qt.Key.Key_PageDown)
    assert bar.value() > 0


# ---------------------------------------------------------------- 6. feedback scrolled into view


def _feedback_in_view(quiz) -> bool:  # type: ignore[no-untyped-def]
    """The whole feedback panel is inside the scroll area's viewport (or starts at its
    top when taller than it)."""
    panel, viewport = quiz.feedback_panel, quiz.scroll_area.viewport()
    top = panel.mapTo(viewport, panel.rect().topLeft()).y()
    bottom = panel.mapTo(viewport, panel.rect().bottomLeft()).y()
    return top >= 0 and (bottom <= viewport.height() or top == 0)


def test_at_800x600_the_feedback_is_scrolled_into_view_after_submit(
    qtbot, window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    window.resize(800, 600)
    _quiz_on_first_lesson(window)
    quiz = window.quiz
    for _ in range(3):  # a few questions: long and short ones
        _answer(qtbot, quiz, 1)
        qtbot.waitUntil(lambda: _feedback_in_view(quiz))
        qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
