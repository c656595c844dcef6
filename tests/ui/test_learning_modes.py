"""Learning modes through the real widgets on a real SQLite file, with a fake clock
injected through the services: deferred navigation with flags and the summary page,
certainty-based marking, a review session the next day, and a timed exam's countdown
with its automatic submission (no sleeping: the test moves the clock and ticks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from quizapp.app import create_main_window
from quizapp.domain.model import Behaviour, Pack, Question, QuestionType
from quizapp.services.container import Services, build_services
from quizapp.services.quizzes import QuizSpec
from quizapp.store.database import Database
from quizapp.ui import common
from quizapp.ui.main_window import MainWindow
from quizapp.ui.quiz_view import QuizView
from quizapp.ui.settings import AppSettings


class FakeClock:
    """Aware UTC time that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_services(opened: tuple[Database, Services], clock: FakeClock) -> Services:
    """The services over the test database on the fake clock (FSRS fuzzing off, days
    counted in UTC)."""
    return build_services(opened[0], clock, review_fuzzing=False, review_tz=UTC)


@pytest.fixture
def win(qtbot, fake_services: Services, app_settings: AppSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = create_main_window(fake_services, app_settings)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    student = fake_services.students.create_student("Ana")
    window.choose_student(student.id)
    assert window.current_screen() == "home"
    return window


@pytest.fixture
def agree(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answer every confirmation with yes; the titles asked are recorded."""
    asked: list[str] = []

    def fake_confirm(parent, title, question, yes, no):  # type: ignore[no-untyped-def]
        asked.append(title)
        return True

    monkeypatch.setattr(common, "confirm", fake_confirm)
    return asked


def _named_quiz(services: Services, window: MainWindow, **kw: object) -> int:
    assert window.home_data is not None
    pack_id = window.home_data.packs[0].pack.id
    spec = QuizSpec(pack_id=pack_id, name=str(kw.pop("name", "Test exam")), **kw)  # type: ignore[arg-type]
    return services.quizzes.create(spec).id


def _start_from_home(qtbot, window: MainWindow, quiz_id: int) -> QuizView:  # type: ignore[no-untyped-def]
    window.show_home()
    btn = window.home.quiz_buttons[quiz_id]
    qtbot.mouseClick(btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "quiz")
    assert window.quiz is not None
    return window.quiz


def _question(pack: Pack, key: str) -> Question:
    return next(q for q in pack.questions if q.id == key)


def _pick(q: Question, right: bool) -> set[int]:
    if right:
        return set(q.correct_indices) if q.type is QuestionType.MULTIPLE else {q.correct_indices[0]}
    return {next(i for i, c in enumerate(q.choices) if not c.is_correct)}


def _click_choices(qtbot, quiz: QuizView, indices: set[int]) -> None:  # type: ignore[no-untyped-def]
    for row in quiz.rows:
        if row.choice.index in indices:
            qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    assert set(quiz.selected_indices()) == indices


# ---------------------------------------------------------------- deferred


def test_deferred_navigation_flags_and_the_summary_page(
    qtbot, win: MainWindow, fake_services: Services, agree: list[str]
) -> None:  # type: ignore[no-untyped-def]
    quiz_id = _named_quiz(
        fake_services, win, question_count=4, behaviour=Behaviour.DEFERRED_FEEDBACK
    )
    quiz = _start_from_home(qtbot, win, quiz_id)
    assert quiz.deferred
    assert quiz.attempt is not None
    attempt_id = quiz.attempt.id
    assert not quiz.submit_button.isVisible()  # nothing is checked before the end
    assert quiz.nav_host.isVisible()
    assert len(quiz.nav_buttons) == 4
    assert quiz.counter_label.text() == "Question 1 of 4"

    # Q1: answer, flag, Next.
    with qtbot.waitSignal(quiz.answer_saved):
        qtbot.mouseClick(quiz.rows[0], Qt.MouseButton.LeftButton)
    assert not quiz.feedback_panel.isVisible()
    qtbot.mouseClick(quiz.flag_button, Qt.MouseButton.LeftButton)
    assert quiz.flag_button.isChecked()
    assert "⚑" in quiz.nav_buttons[0].text()
    qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    assert quiz.index == 1
    # Q2 left blank; Q3 answered, then change of mind on Q3.
    qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    assert quiz.index == 2
    qtbot.mouseClick(quiz.rows[1], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(quiz.rows[0], Qt.MouseButton.LeftButton)
    # Previous, then the navigator.
    qtbot.mouseClick(quiz.prev_button, Qt.MouseButton.LeftButton)
    assert quiz.index == 1
    assert quiz.selected_indices() == ()
    qtbot.mouseClick(quiz.nav_buttons[0], Qt.MouseButton.LeftButton)
    assert quiz.index == 0
    assert quiz.flag_button.isChecked()
    assert len(quiz.selected_indices()) == 1  # the saved answer is back
    qtbot.mouseClick(quiz.nav_buttons[3], Qt.MouseButton.LeftButton)
    assert quiz.next_button.text() == "Finish attempt…"
    qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)

    # The summary page.
    assert quiz.pages.currentWidget() is quiz.summary_page
    assert quiz.summary_counts_label.text() == "2 answered, 2 not answered, 1 flagged."
    lines = [b.text() for b in quiz.summary_buttons]
    assert "Question 1: Answer saved" in lines[0]
    assert "⚑ Flagged" in lines[0]
    assert "Question 2: Not yet answered" in lines[1]
    assert "Question 3: Answer saved" in lines[2]
    assert quiz.submit_all_button.isVisible()
    # Back to question 2 from the summary, answer it, and submit all.
    qtbot.mouseClick(quiz.summary_buttons[1], Qt.MouseButton.LeftButton)
    assert quiz.index == 1
    qtbot.mouseClick(quiz.rows[0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(quiz.nav_buttons[3], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    assert quiz.summary_counts_label.text() == "3 answered, 1 not answered, 1 flagged."
    qtbot.mouseClick(quiz.submit_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.current_screen() == "results")
    assert agree == ["Submit all and finish?"]

    # The database holds every saved answer, the flag and the finished attempt.
    review = fake_services.attempts.review(attempt_id)
    assert review.finished_at is not None
    assert [s.flagged for s in review.slots] == [True, False, False, False]
    assert [bool(s.selected) for s in review.slots] == [True, True, True, False]
    assert len(win.results.items) == 4


# ---------------------------------------------------------------- CBM


def test_cbm_needs_a_certainty_and_results_show_the_cbm_average(
    qtbot, win: MainWindow, fake_services: Services, builtin_pack: Pack, agree: list[str]
) -> None:  # type: ignore[no-untyped-def]
    quiz_id = _named_quiz(fake_services, win, question_count=3, behaviour=Behaviour.DEFERRED_CBM)
    quiz = _start_from_home(qtbot, win, quiz_id)
    assert quiz.certainty_host.isVisible()
    assert "Very sure: right 3, wrong −6" in quiz.certainty_buttons[3].toolTip()
    plan = [(True, 3), (False, 2), (True, 1)]  # marks 3, −2, 1
    assert quiz.attempt is not None
    for n, (right, level) in enumerate(plan):
        slot = quiz.current_slot()
        assert slot is not None
        _click_choices(qtbot, quiz, _pick(_question(builtin_pack, slot.question_key), right))
        assert not quiz.next_button.isEnabled()  # how sure? first
        assert "how sure" in quiz.hint_label.text()
        qtbot.mouseClick(quiz.certainty_buttons[level], Qt.MouseButton.LeftButton)
        assert quiz.next_button.isEnabled()
        assert fake_services.attempts.get(quiz.attempt.id).slots[n].certainty == level
        qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    assert quiz.pages.currentWidget() is quiz.summary_page
    qtbot.mouseClick(quiz.submit_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.current_screen() == "results")
    assert win.results.cbm_label.isVisible()
    assert win.results.cbm_label.text() == ("Average CBM mark 0.67 (from −6 to 3) · Accuracy 67%")
    assert win.results.score_label.text().startswith("2 / 3")


# ---------------------------------------------------------------- review


def test_the_next_day_review_takes_exactly_the_questions_answered_wrong(
    qtbot, win: MainWindow, fake_services: Services, builtin_pack: Pack, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    assert win.home.review_button is None  # nothing due yet
    assert win.home_data is not None
    lesson = win.home_data.packs[0].lessons[0]
    view = fake_services.attempts.start_lesson_quiz(win.home_data.student.id, lesson.id)
    wrong_keys = {s.question_key for s in view.slots[:3]}
    for slot in view.slots:
        q = _question(builtin_pack, slot.question_key)
        fake_services.attempts.submit(
            view.id, slot.slot, sorted(_pick(q, slot.question_key not in wrong_keys))
        )
    fake_services.attempts.finish(view.id)
    win.show_home()
    assert win.home.review_button is None  # not today

    clock.advance(24 * 3600)  # the next day
    win.show_home()
    assert win.home.review_label is not None
    assert win.home.review_label.text() == "3 questions due for review"
    assert win.home.review_button is not None
    qtbot.mouseClick(win.home.review_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.current_screen() == "quiz")
    quiz = win.quiz
    assert quiz is not None
    assert quiz.attempt is not None
    assert quiz.attempt.kind == "review"
    assert {s.question_key for s in quiz.attempt.slots} == wrong_keys
    # Answer them right: nothing is due any more.
    for _ in range(3):
        slot = quiz.current_slot()
        assert slot is not None
        _click_choices(qtbot, quiz, _pick(_question(builtin_pack, slot.question_key), True))
        with qtbot.waitSignal(quiz.answer_submitted):
            qtbot.mouseClick(quiz.submit_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(quiz.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.current_screen() == "results")
    win.show_home()
    assert win.home.review_button is None


# ---------------------------------------------------------------- timed


def test_countdown_announcements_and_automatic_submission(
    qtbot, win: MainWindow, fake_services: Services, builtin_pack: Pack, clock: FakeClock
) -> None:  # type: ignore[no-untyped-def]
    quiz_id = _named_quiz(
        fake_services,
        win,
        question_count=5,
        behaviour=Behaviour.DEFERRED_FEEDBACK,
        time_limit_s=360,
    )
    win.show_home()
    texts = [label.text() for label in win.home.findChildren(QLabel)]
    assert "5 questions  ·  time limit 6 min  ·  as many attempts as you like" in texts
    quiz = _start_from_home(qtbot, win, quiz_id)
    assert quiz.attempt is not None
    attempt_id = quiz.attempt.id
    assert quiz.timer_label.isVisible()
    assert quiz.timer_label.text() == "Time left 6:00"
    assert quiz.timer.isActive()
    slot = quiz.current_slot()
    assert slot is not None
    _click_choices(qtbot, quiz, _pick(_question(builtin_pack, slot.question_key), True))

    clock.advance(61)
    quiz.tick()
    assert quiz.timer_label.text() == "Time left 4:59"
    assert quiz.announcements == ["5 minutes left."]
    assert quiz.time_notice_label.text() == "5 minutes left."
    clock.advance(240)
    quiz.tick()
    assert quiz.announcements == ["5 minutes left.", "1 minute left."]
    clock.advance(60)
    quiz.tick()  # time is up: submitted with the answers given
    qtbot.waitUntil(lambda: win.current_screen() == "results")
    assert "Time was up" in win.results.notice_label.text()
    review = fake_services.attempts.review(attempt_id)
    assert review.deadline is not None
    assert review.finished_at == review.deadline
    assert review.marks == 1.0
