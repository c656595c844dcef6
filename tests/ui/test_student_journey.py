"""The student's whole journey through the real widgets on a real SQLite file.

Create a student, open a lesson (the notice first), take its quiz by mouse and by
keyboard answering some right and some wrong, see the right score, and find the
attempt and every response in the database; close mid-quiz and resume; history and
review; Esc asks before leaving.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.app import create_main_window, open_services
from quizapp.domain.model import Pack, Question, QuestionType
from quizapp.domain.scoring import format_marks, mark_response, percent
from quizapp.domain.text import normalise_for_match
from quizapp.services import dto
from quizapp.ui import common
from quizapp.ui.main_window import MainWindow
from quizapp.ui.quiz_view import QuizView
from quizapp.ui.settings import AppSettings

# ---------------------------------------------------------------- helpers


def create_student(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    """Through the "New student" button and dialog, as a student would."""
    assert window.current_screen() == "profiles"
    qtbot.mouseClick(window.picker.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.new_student_dialog is not None and window.new_student_dialog.isVisible()
    )
    dialog = window.new_student_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, name)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "home")


def open_first_lesson(qtbot, window: MainWindow) -> dto.LessonProgress:  # type: ignore[no-untyped-def]
    """Click the first lesson's button; accept the pack's notice shown first."""
    assert window.home_data is not None
    lesson = window.home_data.packs[0].lessons[0]
    qtbot.mouseClick(window.home.lesson_buttons[lesson.id], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.notice_dialog is not None and window.notice_dialog.isVisible())
    notice = window.notice_dialog
    assert notice is not None
    assert window.home_data.packs[0].pack.notice.split()[0] in notice.browser.toPlainText()
    qtbot.mouseClick(notice.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    return lesson


def start_quiz(qtbot, window: MainWindow) -> QuizView:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.lesson.quiz_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "quiz")
    assert window.quiz is not None
    return window.quiz


def question(pack: Pack, key: str) -> Question:
    return next(q for q in pack.questions if q.id == key)


def pick(q: Question, right: bool) -> set[int]:
    """Author-order indices to choose: every right choice, or one wrong one."""
    if right:
        return set(q.correct_indices) if q.type is QuestionType.MULTIPLE else {q.correct_indices[0]}
    wrong = next(i for i, c in enumerate(q.choices) if not c.is_correct)
    return {wrong}


def focus_target(quiz: QuizView) -> QWidget:
    """Where a key press goes: the widget with the keyboard focus inside the quiz."""
    return quiz.focusWidget() or quiz


def answer_by_mouse(qtbot, quiz: QuizView, indices: set[int]) -> None:  # type: ignore[no-untyped-def]
    for row in quiz.rows:
        if row.choice.index in indices:
            qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert set(quiz.selected_indices()) == indices
    assert quiz.submit_button.isEnabled()
    with qtbot.waitSignal(quiz.answer_submitted):
        qtbot.mouseClick(quiz.submit_button, Qt.MouseButton.LeftButton)


def answer_by_keyboard(qtbot, quiz: QuizView, indices: set[int], letters: bool) -> None:  # type: ignore[no-untyped-def]
    for position, row in enumerate(quiz.rows):
        if row.choice.index in indices:
            key = (
                getattr(Qt.Key, f"Key_{'ABCDEFGHI'[position]}")
                if letters
                else getattr(Qt.Key, f"Key_{position + 1}")
            )
            qtbot.keyClick(focus_target(quiz), key)
    assert set(quiz.selected_indices()) == indices
    with qtbot.waitSignal(quiz.answer_submitted):
        qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)


def db_rows(db_path: Path, sql: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(db_path) as con:
        return con.execute(sql, args).fetchall()


# ---------------------------------------------------------------- the journey


def test_whole_journey_by_mouse_and_keyboard(
    qtbot, window: MainWindow, db_path: Path, builtin_pack: Pack
) -> None:  # type: ignore[no-untyped-def]
    assert "No students yet" in window.picker.empty_label.text()
    create_student(qtbot, window, "  Ana Lima ")
    assert window.student is not None
    assert window.student.name == "Ana Lima"
    assert window.student_label.text() == "Ana Lima"

    lesson = open_first_lesson(qtbot, window)
    assert window.lesson.title_label.text() == lesson.title
    assert window.lesson.browser.toPlainText().strip()
    quiz = start_quiz(qtbot, window)
    attempt = quiz.attempt
    assert attempt is not None
    total = len(attempt.slots)
    assert total >= 4
    assert quiz.counter_label.text() == f"Question 1 of {total}"

    chosen: dict[str, set[int]] = {}
    expected_marks = 0.0
    for i, slot in enumerate(attempt.slots):
        assert quiz.index == i
        assert quiz.counter_label.text() == f"Question {i + 1} of {total}"
        assert [row.choice.index for row in quiz.rows] == [c.index for c in slot.choices]
        q = question(builtin_pack, slot.question_key)
        right = i % 2 == 0
        indices = pick(q, right)
        method = i % 4
        if method in (0, 1):
            answer_by_mouse(qtbot, quiz, indices)
        else:
            answer_by_keyboard(qtbot, quiz, indices, letters=method == 3)
        feedback = quiz.feedback
        assert feedback is not None
        assert feedback.correct is right
        verdict = quiz.verdict_label.text()
        assert ("Correct" in verdict) if right else ("Not quite" in verdict or "Partly" in verdict)
        assert verdict[0] in "✓✗◐"  # an icon character, never colour alone
        for row in quiz.rows:
            if row.choice.index in q.correct_indices:
                assert row.mark.text().startswith("✓")
            elif row.choice.index in indices:
                assert row.mark.text().startswith("✗")
        chosen[slot.question_key] = indices
        expected_marks += mark_response(q, indices)
        # Enter (or a click on Next) goes on.
        if i % 2:
            qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: window.current_screen() == "results")
    expected_percent = percent(expected_marks, total)
    assert window.results.score_label.text() == (
        f"{format_marks(expected_marks)} / {format_marks(total)} · {expected_percent}%"
    )
    assert len(window.results.items) == total
    first = window.results.items[0]
    assert first.details.isHidden()
    qtbot.mouseClick(first.toggle, Qt.MouseButton.LeftButton)
    assert not first.details.isHidden()

    # The database holds the finished attempt and every response as given.
    (attempt_row,) = db_rows(
        db_path,
        "SELECT a.id, a.finished_at, a.marks, a.max_marks FROM attempts a "
        "JOIN students s ON s.id = a.student_id WHERE s.name = ?",
        "Ana Lima",
    )
    assert attempt_row[1] is not None
    assert attempt_row[2] == pytest.approx(expected_marks)
    assert attempt_row[3] == pytest.approx(total)
    responses = db_rows(
        db_path,
        "SELECT q.key, r.selected, r.fraction FROM responses r "
        "JOIN attempt_slots sl ON sl.id = r.slot_id "
        "JOIN questions q ON q.id = sl.question_id WHERE r.attempt_id = ?",
        attempt_row[0],
    )
    assert len(responses) == total
    for key, selected, fraction in responses:
        assert set(json.loads(selected)) == chosen[key]
        assert fraction == pytest.approx(mark_response(question(builtin_pack, key), chosen[key]))

    # Home now shows the lesson read, with its best score and one attempt.
    qtbot.mouseClick(window.results.home_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.home_data is not None
    progress = window.home_data.packs[0].lessons[0]
    assert progress.read
    assert progress.attempts == 1
    assert progress.best_percent == expected_percent
    assert not window.home_data.unfinished


def test_close_mid_quiz_and_resume_same_question_same_order(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, db_path: Path, app_settings: AppSettings
) -> None:
    create_student(qtbot, window, "Ben")
    open_first_lesson(qtbot, window)
    quiz = start_quiz(qtbot, window)
    attempt = quiz.attempt
    assert attempt is not None
    order = [(s.question_key, [c.index for c in s.choices]) for s in attempt.slots]
    for _ in range(3):
        quiz.choose(0)
        with qtbot.waitSignal(quiz.answer_submitted):
            quiz.submit_button.click()
        quiz.next_button.click()
    assert quiz.index == 3
    window.close()

    # A new run of the app on the same file.
    database, services = open_services(str(db_path))
    try:
        again = create_main_window(services, app_settings)
        qtbot.addWidget(again)
        again.show()
        qtbot.waitExposed(again)
        tiles = again.picker.tiles()
        assert [t.text() for t in tiles] == ["Ben"]
        qtbot.mouseClick(tiles[0], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: again.current_screen() == "home")
        assert again.home_data is not None
        assert len(again.home_data.unfinished) == 1
        assert again.home_data.unfinished[0].answered == 3
        resume = again.home.resume_buttons[again.home_data.unfinished[0].id]
        assert again.home.primary is resume
        qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: again.current_screen() == "quiz")
        assert again.quiz is not None
        resumed = again.quiz.attempt
        assert resumed is not None
        assert resumed.id == attempt.id
        assert again.quiz.index == 3
        assert again.quiz.counter_label.text() == f"Question 4 of {len(order)}"
        assert [(s.question_key, [c.index for c in s.choices]) for s in resumed.slots] == order
        assert [row.choice.index for row in again.quiz.rows] == order[3][1]
        assert again.quiz.feedback is None
        again.close()
    finally:
        database.close()


def test_history_lists_the_attempt_and_opens_its_review(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    create_student(qtbot, window, "Chloe")
    qtbot.mouseClick(window.home.history_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "history")
    assert window.history.stack.currentWidget() is window.history.empty_label
    assert "take its quiz" in window.history.empty_label.text()
    qtbot.keyClick(window.history.back_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.current_screen() == "home")

    open_first_lesson(qtbot, window)
    quiz = start_quiz(qtbot, window)
    attempt = quiz.attempt
    assert attempt is not None
    shown = []
    while window.current_screen() == "quiz":
        slot = quiz.current_slot()
        assert slot is not None
        shown.append((slot.question_key, [c.index for c in slot.choices]))
        qtbot.keyClick(focus_target(quiz), Qt.Key.Key_2)
        qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)
        qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "results")
    score_text = window.results.score_label.text()
    window.results.home_button.click()
    qtbot.mouseClick(window.home.history_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "history")

    model = window.history.model
    assert model.rowCount() == 1
    assert window.home_data is not None
    assert window.home_data.packs[0].lessons[0].title in model.item(0, 1).text()
    assert model.item(0, 2).text() in score_text.replace(" · ", " (") + ")"
    assert model.item(0, 0).text()  # local date and time
    qtbot.keyClick(window.history.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "results")
    assert window.results.review_mode
    review = window.results.items
    assert [(i.slot.question_key, [c.index for c in i.slot.choices]) for i in review] == shown
    for item in review:
        assert item.slot.feedback is not None
        assert item.slot.feedback.selected == (item.slot.choices[1].index,)
        assert item.toggle.text().split()[1] in "✓✗◐"
    qtbot.mouseClick(window.results.back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "history")


def test_escape_asks_before_leaving_and_keeps_progress(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_student(qtbot, window, "Dan")
    open_first_lesson(qtbot, window)
    quiz = start_quiz(qtbot, window)
    quiz.choose(0)
    with qtbot.waitSignal(quiz.answer_submitted):
        qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)
    qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Return)
    asked: list[str] = []
    answer = {"leave": False}

    def fake_confirm(parent, title, question, yes, no):  # type: ignore[no-untyped-def]
        asked.append(question)
        return answer["leave"]

    monkeypatch.setattr(common, "confirm", fake_confirm)
    qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Escape)
    assert len(asked) == 1
    assert "saved" in asked[0]
    assert window.current_screen() == "quiz"
    assert quiz.index == 1

    answer["leave"] = True
    qtbot.keyClick(focus_target(quiz), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert len(asked) == 2
    assert window.home_data is not None
    assert [u.answered for u in window.home_data.unfinished] == [1]


def test_show_in_lesson_highlights_the_evidence_and_comes_back(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, builtin_pack: Pack
) -> None:
    create_student(qtbot, window, "Eve")
    open_first_lesson(qtbot, window)
    quiz = start_quiz(qtbot, window)
    slot = quiz.current_slot()
    assert slot is not None
    quiz.choose(0)
    with qtbot.waitSignal(quiz.answer_submitted):
        quiz.submit_button.click()
    evidence = question(builtin_pack, slot.question_key).evidence
    assert evidence
    qtbot.mouseClick(quiz.show_in_lesson_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "lesson")
    assert normalise_for_match(window.lesson.highlighted_text()) == normalise_for_match(evidence)
    assert window.lesson.return_button.isVisible()
    assert not window.lesson.quiz_button.isVisible()
    qtbot.mouseClick(window.lesson.return_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "quiz")
    assert quiz.index == 0
    assert quiz.feedback is not None
    assert quiz.next_button.isVisible()


def test_new_student_name_is_checked_inline(qtbot, window: MainWindow, services) -> None:  # type: ignore[no-untyped-def]
    services.students.create_student("Farah")
    window.show_profiles()
    qtbot.mouseClick(window.picker.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: window.new_student_dialog is not None and window.new_student_dialog.isVisible()
    )
    dialog = window.new_student_dialog
    assert dialog is not None
    assert not dialog.create_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "   ")
    assert not dialog.create_button.isEnabled()
    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Farah ")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error_label.isVisible()
    assert dialog.error_label.text().startswith("✗")
    assert window.current_screen() == "profiles"
    assert [s.name for s in services.students.list_students()] == ["Farah"]


def test_typing_filters_names_and_enter_picks(qtbot, window: MainWindow, services) -> None:  # type: ignore[no-untyped-def]
    services.students.create_student("Gabriel")
    services.students.create_student("Hana")
    window.show_profiles()
    assert [t.text() for t in window.picker.tiles()] in (["Hana", "Gabriel"], ["Gabriel", "Hana"])
    qtbot.keyClicks(window.picker.filter_edit, "han")
    assert [t.text() for t in window.picker.tiles()] == ["Hana"]
    qtbot.keyClick(window.picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    assert window.student is not None
    assert window.student.name == "Hana"
    window.show_profiles()
    assert window.picker.tiles()[0].text() == "Hana"  # last used first


def test_text_size_shortcuts_are_remembered(
    qtbot, window: MainWindow, app_settings: AppSettings, services
) -> None:  # type: ignore[no-untyped-def]
    start = app_settings.font_point_size
    window.bigger_action.trigger()
    window.bigger_action.trigger()
    assert app_settings.font_point_size == start + 2
    assert QApplication.font().pointSize() == start + 2
    heading = window.picker.heading
    assert heading.font().pointSizeF() == pytest.approx((start + 2) * 1.6)
    window.smaller_action.trigger()
    assert app_settings.font_point_size == start + 1
    window.close()
    again = create_main_window(services, app_settings)
    qtbot.addWidget(again)
    assert QApplication.font().pointSize() == start + 1
    again.reset_text_action.trigger()
    assert app_settings.font_point_size == 12
    assert again.bigger_action.shortcuts()[0].toString() == "Ctrl+="
    assert again.reset_text_action.shortcut().toString() == "Ctrl+0"


def test_enter_in_the_name_boxes_opens_home_and_nothing_more(
    qtbot, window: MainWindow, services
) -> None:  # type: ignore[no-untyped-def]
    """The Enter that picks or creates a student is used up there: it does not go on to
    press Home's first button (which opened lesson 1 unasked and marked it read)."""
    services.students.create_student("Hana")
    window.show_profiles()
    qtbot.keyClicks(window.picker.filter_edit, "han")
    qtbot.keyClick(window.picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    qtbot.wait(50)  # anything the key set off afterwards has run
    assert window.current_screen() == "home"
    assert _open_dialogs() == []  # not the course notice of lesson 1

    window.show_profiles()
    qtbot.keyClicks(window.picker.filter_edit, "Zoe")  # nobody: Enter offers a new student
    qtbot.keyClick(window.picker.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.new_student_dialog is not None)
    dialog = window.new_student_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "Zoe")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_screen() == "home")
    qtbot.wait(50)
    assert window.current_screen() == "home"
    assert window.student is not None
    assert window.student.name == "Zoe"
    assert _open_dialogs() == []
    home = services.course.home(window.student.id)
    assert not any(lesson.read for pack in home.packs for lesson in pack.lessons)


def _open_dialogs() -> list[str]:
    from PySide6.QtWidgets import QDialog

    return [
        w.windowTitle()
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog) and w.isVisible()
    ]


def test_the_answers_of_a_20_question_exam_scroll_and_are_never_squeezed(
    qtbot, window: MainWindow, services
) -> None:  # type: ignore[no-untyped-def]
    """At the window's size, 20 one-line answers do not fit: the list scrolls, and each
    line keeps its full height (they were squeezed to fit, cutting their text)."""
    student = services.students.create_student("Ana")
    pack = services.course.home(student.id).packs[0]
    attempt = services.attempts.start_exam(student.id, pack.pack.id, 20)
    for slot in attempt.slots:
        services.attempts.submit(attempt.id, slot.slot, [0])
    summary = services.attempts.finish(attempt.id)
    window.choose_student(student.id)
    window.show_results(summary)
    qtbot.waitUntil(lambda: window.current_screen() == "results")
    items = window.results.items
    assert len(items) == 20
    qtbot.waitUntil(lambda: items[0].toggle.height() > 0)
    assert all(i.toggle.height() >= i.toggle.minimumSizeHint().height() for i in items)
    assert window.results.scroll_area.verticalScrollBar().maximum() > 0
    # Opening a question's details makes the list taller, not its lines shorter.
    before = window.results.scroll_area.verticalScrollBar().maximum()
    qtbot.mouseClick(items[0].toggle, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.results.scroll_area.verticalScrollBar().maximum() > before)
    assert all(i.toggle.height() >= i.toggle.minimumSizeHint().height() for i in items)
