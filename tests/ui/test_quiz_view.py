"""The quiz screen on its own: text shown inert, rows, keys; and the app's start-up imports."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from quizapp.domain.model import Behaviour, QuestionType, TextFormat
from quizapp.services import dto
from quizapp.ui.lesson_view import InertTextBrowser, find_phrase
from quizapp.ui.quiz_view import QuizView


class StubAttempts:
    """Stands in for AttemptService: records submissions, marks choice 0 as right."""

    def __init__(self) -> None:
        self.submitted: list[tuple[int, int, tuple[int, ...]]] = []

    def submit(self, attempt_id: int, slot: int, selected: Sequence[int]) -> dto.FeedbackView:
        self.submitted.append((attempt_id, slot, tuple(selected)))
        return dto.FeedbackView(
            fraction=1.0 if tuple(selected) == (0,) else 0.0,
            correct=tuple(selected) == (0,),
            selected=tuple(selected),
            correct_indices=(0,),
            explanation="<i>Because</i>",
            choice_feedback=(),
            evidence=None,
            lesson_id=1,
        )


def attempt_with(
    prompt: str, choices: Sequence[str], qtype: QuestionType = QuestionType.SINGLE
) -> dto.AttemptView:
    shown = tuple(
        dto.ChoiceView(index=i, letter="ABCDEFGHI"[pos], text=text)
        for pos, (i, text) in enumerate(reversed(list(enumerate(choices))))
    )
    slot = dto.SlotView(
        slot=0,
        question_id=1,
        question_key="q1",
        type=qtype,
        prompt=prompt,
        text_format=TextFormat.PLAIN,
        choices=shown,
        lesson_id=1,
        feedback=None,
    )
    return dto.AttemptView(
        id=7,
        uuid=uuid4(),
        student_id=1,
        kind="lesson",
        title="Test",
        behaviour=Behaviour.IMMEDIATE_FEEDBACK,
        seed=1,
        started_at=datetime.now(UTC),
        finished_at=None,
        slots=(slot,),
        current_slot=0,
        marks=0.0,
        max_marks=1.0,
    )


def test_markup_in_a_prompt_and_choices_is_shown_literally(qtbot) -> None:  # type: ignore[no-untyped-def]
    stub = StubAttempts()
    quiz = QuizView(stub)  # type: ignore[arg-type]
    qtbot.addWidget(quiz)
    quiz.set_attempt(
        attempt_with(
            "Is <b>this</b> bold? <img src='http://example.com/x.png'>", ["<i>no</i>", "yes"]
        )
    )
    quiz.show()
    assert quiz.prompt_label.text() == "Is <b>this</b> bold? <img src='http://example.com/x.png'>"
    assert quiz.prompt_label.textFormat() == Qt.TextFormat.PlainText
    texts = {row.choice.index: row.label.text() for row in quiz.rows}
    assert texts[0] == "<i>no</i>"
    for row in quiz.rows:
        assert row.label.textFormat() == Qt.TextFormat.PlainText
        assert row.button.accessibleName() == row.label.text()
        assert row.button.text() == ""
    assert quiz.hint_label.text() == "Choose one answer."


def test_shown_order_letters_keys_and_submit(qtbot) -> None:  # type: ignore[no-untyped-def]
    stub = StubAttempts()
    quiz = QuizView(stub)  # type: ignore[arg-type]
    qtbot.addWidget(quiz)
    quiz.set_attempt(attempt_with("Pick", ["zero", "one", "two"]))
    quiz.show()
    # Shown order is the attempt's (reversed here), not the author's.
    assert [row.choice.index for row in quiz.rows] == [2, 1, 0]
    assert [row.badge.text() for row in quiz.rows] == ["A", "B", "C"]
    assert not quiz.submit_button.isEnabled()
    qtbot.keyClick(quiz, Qt.Key.Key_C)  # third shown row = author index 0
    assert quiz.selected_indices() == (0,)
    assert quiz.submit_button.isEnabled()
    qtbot.keyClick(quiz, Qt.Key.Key_1)  # single answer: the choice moves
    assert quiz.selected_indices() == (2,)
    qtbot.mouseClick(quiz.rows[2].label, Qt.MouseButton.LeftButton)  # a click on the text selects
    assert quiz.selected_indices() == (0,)
    qtbot.keyClick(quiz, Qt.Key.Key_Enter)
    assert stub.submitted == [(7, 0, (0,))]
    assert quiz.verdict_label.text().startswith("✓")
    assert quiz.explanation_label.text() == "<i>Because</i>"
    assert quiz.explanation_label.textFormat() == Qt.TextFormat.PlainText
    qtbot.keyClick(quiz, Qt.Key.Key_2)  # locked after feedback
    assert quiz.selected_indices() == (0,)
    assert quiz.next_button.text() == "See my score"


def test_a_new_questions_first_choice_shows_the_keyboard_focus_ring(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """In the app, each question opens with the keyboard focus on its first choice, and
    that row wears the focus ring (its ``focused`` style) at once; the ring follows the
    focus (a user test doubted it: it was checked under Xvfb too)."""
    window.activateWindow()
    qtbot.waitActive(window)
    window.choose_student(window.services.students.create_student("Ada").id)
    window.start_lesson_quiz(window.home_data.packs[0].lessons[0].id)
    quiz = window.quiz
    qtbot.waitUntil(quiz.rows[0].button.hasFocus)
    assert [row.property("focused") for row in quiz.rows] == [True] + [False] * (len(quiz.rows) - 1)
    quiz.rows[1].button.setFocus(Qt.FocusReason.TabFocusReason)  # the ring follows the focus
    assert [row.property("focused") for row in quiz.rows][:2] == [False, True]


def test_multiple_answer_says_select_all_and_toggles(qtbot) -> None:  # type: ignore[no-untyped-def]
    quiz = QuizView(StubAttempts())  # type: ignore[arg-type]
    qtbot.addWidget(quiz)
    quiz.set_attempt(attempt_with("Pick some", ["a", "b", "c"], QuestionType.MULTIPLE))
    assert quiz.hint_label.text() == "Select all that apply."
    qtbot.keyClick(quiz, Qt.Key.Key_1)
    qtbot.keyClick(quiz, Qt.Key.Key_3)
    assert set(quiz.selected_indices()) == {2, 0}
    qtbot.keyClick(quiz, Qt.Key.Key_1)
    assert quiz.selected_indices() == (0,)


def test_lesson_browser_fetches_nothing_and_finds_evidence_across_markup(qtbot) -> None:  # type: ignore[no-untyped-def]
    browser = InertTextBrowser()
    qtbot.addWidget(browser)
    assert (
        browser.loadResource(
            QTextDocument.ResourceType.ImageResource.value, QUrl("http://example.com/x.png")
        )
        is None
    )
    assert not browser.openLinks()
    browser.document().setMarkdown(
        "Some **27.6 million**\npeople are ‘victims’ today.\n\nNext paragraph."
    )
    cursor = find_phrase(browser.document(), "27.6 million people are 'victims'")
    assert cursor is not None
    assert cursor.selectedText() == "27.6 million people are ‘victims’"
    assert find_phrase(browser.document(), "not in the lesson") is None


def test_main_window_module_does_not_import_the_database_layer() -> None:
    """The first window can paint before SQLAlchemy is imported (start-up target)."""
    code = (
        "import sys, quizapp.app, quizapp.ui.main_window;"
        "bad = [m for m in ('sqlalchemy', 'alembic', 'openpyxl', 'pyqtgraph') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_choices_indicator_is_level_with_its_letter_and_text(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """The radio button sits on the same line as the letter badge and a one-line
    choice's text, at the normal and a larger text size (it sat ~5 px above them: it
    was top-aligned and shorter than the badge)."""
    window.choose_student(window.services.students.create_student("Ada").id)
    window.start_lesson_quiz(window.home_data.packs[0].lessons[0].id)
    quiz = window.quiz
    qtbot.waitUntil(quiz.rows[0].isVisible)

    def centres(row):  # type: ignore[no-untyped-def]
        return row.badge.geometry().center().y(), row.button.geometry().center().y()

    for _ in range(2):
        for row in quiz.rows:
            badge, button = centres(row)
            assert abs(badge - button) <= 1, (row.badge.text(), badge, button)
        window.bigger_action.trigger()  # Ctrl+=
        window.bigger_action.trigger()
        qtbot.wait(10)  # the rows lay out again at the new size


def test_picking_focusing_and_marking_a_choice_does_not_shift_its_text(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A choice's border grows when it is picked, focused or marked after feedback; its
    letter and text stay where they were (they moved right by the border's growth)."""
    from quizapp.ui.common import STYLE_SHEET

    quiz = QuizView(StubAttempts())  # type: ignore[arg-type]
    qtbot.addWidget(quiz)
    quiz.setStyleSheet(STYLE_SHEET)  # as the main window has it
    quiz.set_attempt(attempt_with("Pick", ["zero", "one", "two"]))
    quiz.resize(800, 500)
    quiz.show()
    qtbot.waitExposed(quiz)

    def places() -> list[tuple[int, int]]:
        qtbot.wait(10)  # a state change repolishes the row; let it lay out again
        return [(row.badge.x(), row.label.x()) for row in quiz.rows]

    plain = places()
    assert len(set(plain)) == 1  # every row alike
    qtbot.keyClick(quiz, Qt.Key.Key_A)  # picked and focused
    assert quiz.rows[0].property("checked")
    assert places() == plain
    quiz.rows[1].button.setFocus(Qt.FocusReason.TabFocusReason)  # picked, not focused
    assert places() == plain
    qtbot.keyClick(quiz, Qt.Key.Key_Enter)  # marked: wrong pick and right answer
    assert quiz.rows[0].mark.isVisible()
    assert places() == plain
