"""Home and lessons: lessons in order, read flags, attempts and best score, the notice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from quizapp.domain.errors import NotFoundError
from quizapp.domain.model import Pack
from quizapp.services.container import Services
from quizapp.services.dto import SlotView
from quizapp.services.packs import install_pack
from quizapp.store.database import Database

Answer = Callable[[SlotView], list[int]]


@pytest.fixture
def student(services: Services, installed: int) -> int:
    return services.students.create_student("Ana").id


def test_home_lists_lessons_in_order_before_any_work(
    services: Services, student: int, installed: int
) -> None:
    home = services.course.home(student)
    assert home.student.name == "Ana"
    assert home.unfinished == ()
    (pack_home,) = home.packs
    assert pack_home.pack.id == installed
    assert pack_home.pack.notice == "This course talks about a hard topic."
    assert not pack_home.notice_seen
    assert [(les.title, les.position) for les in pack_home.lessons] == [
        ("Lesson 1", 1),
        ("Lesson 2", 2),
        ("Lesson 3", 3),
    ]
    for les in pack_home.lessons:
        assert (les.read, les.attempts, les.best_percent, les.question_count) == (
            False,
            0,
            None,
            8,
        )


def test_reading_acknowledging_and_scores_show_on_home(
    services: Services, student: int, answers: tuple[Answer, Answer]
) -> None:
    right, wrong = answers
    home = services.course.home(student)
    pack_id = home.packs[0].pack.id
    first = home.packs[0].lessons[0]

    services.course.acknowledge_notice(student, pack_id)
    services.course.acknowledge_notice(student, pack_id)  # idempotent
    services.course.mark_lesson_read(student, first.id)
    services.course.mark_lesson_read(student, first.id)

    # Two finished attempts (3/8 and 6/8) and one unfinished.
    for n_right in (3, 6):
        view = services.attempts.start_lesson_quiz(student, first.id)
        for slot in view.slots:
            answer = right(slot) if slot.slot < n_right else wrong(slot)
            services.attempts.submit(view.id, slot.slot, answer)
        services.attempts.finish(view.id)
    open_attempt = services.attempts.start_lesson_quiz(student, first.id)

    home = services.course.home(student)
    assert home.packs[0].notice_seen
    lesson = home.packs[0].lessons[0]
    assert lesson.read
    assert lesson.attempts == 2
    assert lesson.best_percent == 75
    assert not home.packs[0].lessons[1].read
    assert [a.id for a in home.unfinished] == [open_attempt.id]

    # Another student sees none of it.
    ben = services.students.create_student("Ben").id
    other = services.course.home(ben)
    assert not other.packs[0].notice_seen
    assert not other.packs[0].lessons[0].read
    assert other.packs[0].lessons[0].attempts == 0
    assert other.unfinished == ()


def test_lesson_view(services: Services, student: int) -> None:
    second = services.course.home(student).packs[0].lessons[1]
    view = services.course.lesson(second.id)
    assert view.title == "Lesson 2"
    assert view.pack_title == "Test course"
    assert (view.position, view.lesson_count, view.question_count) == (2, 3, 8)
    assert "The fact l2q0 matters." in view.body
    with pytest.raises(NotFoundError):
        services.course.lesson(9999)


def test_disabled_pack_and_retired_lesson_leave_home(
    services: Services, student: int, database: Database, pack: Pack
) -> None:
    install_pack(
        database.sessions,
        replace(
            pack,
            lessons=pack.lessons[:2],
            questions=tuple(q for q in pack.questions if q.lesson_id != "lesson-3"),
            version="2",
        ),
    )
    assert [les.title for les in services.course.home(student).packs[0].lessons] == [
        "Lesson 1",
        "Lesson 2",
    ]
    install_pack(database.sessions, pack, enabled=False)
    assert services.course.home(student).packs == ()


def test_unknown_ids(services: Services, student: int) -> None:
    with pytest.raises(NotFoundError):
        services.course.home(999)
    with pytest.raises(NotFoundError):
        services.course.mark_lesson_read(student, 999)
    with pytest.raises(NotFoundError):
        services.course.acknowledge_notice(student, 999)


def test_mastery_follows_each_question_to_its_current_revision_and_lesson(
    services: Services, student: int, database: Database, pack: Pack, answers: tuple[Answer, Answer]
) -> None:
    """Right answers count for the question identity: a re-import that rewrites l1q0 and
    moves it to lesson 2 keeps it mastered (now in lesson 2); l1q1, gone from the pack,
    counts nowhere."""
    right, _wrong = answers
    first = services.course.home(student).packs[0].lessons[0]
    view = services.attempts.start_lesson_quiz(student, first.id)
    for slot in view.slots:
        services.attempts.submit(view.id, slot.slot, right(slot))
    services.attempts.finish(view.id)
    lesson_1, lesson_2, lesson_3 = services.course.home(student).packs[0].lessons
    assert (lesson_1.mastered, lesson_1.question_count, lesson_1.mastery_percent) == (8, 8, 100)
    assert (lesson_2.mastered, lesson_2.mastery_percent) == (0, None)

    questions = tuple(
        replace(q, prompt="Rewritten?", lesson_id="lesson-2") if q.id == "l1q0" else q
        for q in pack.questions
        if q.id != "l1q1"
    )
    install_pack(database.sessions, replace(pack, questions=questions, version="2"))
    lesson_1, lesson_2, lesson_3 = services.course.home(student).packs[0].lessons
    assert (lesson_1.mastered, lesson_1.question_count, lesson_1.mastery_percent) == (6, 6, 100)
    assert (lesson_2.mastered, lesson_2.question_count, lesson_2.mastery_percent) == (1, 9, 11)
    assert (lesson_3.mastered, lesson_3.mastery_percent) == (0, None)
