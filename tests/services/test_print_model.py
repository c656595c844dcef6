"""The paper quiz model: versions A and B, same questions, different order, consistent key."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quizapp.domain.errors import NotFoundError
from quizapp.domain.model import Pack
from quizapp.services.container import Services
from quizapp.services.packs import install_pack
from quizapp.services.print_model import (
    CHOOSE_ALL,
    CHOOSE_ONE,
    LessonChoice,
    build_paper_quiz,
    build_paper_versions,
    printable_lessons,
)
from quizapp.services.quizzes import QuizSpec
from quizapp.store.database import Database


def test_versions_a_and_b_ask_the_same_questions_in_another_order_with_matching_keys(
    database: Database, installed: int, pack: Pack
) -> None:
    a, b = build_paper_versions(database.sessions, pack_id=installed)

    assert (a.version, b.version) == ("A", "B")
    assert a.base_seed == b.base_seed
    assert a.seed != b.seed
    assert sorted(q.key for q in a.questions) == sorted(q.key for q in b.questions)
    assert len(a.questions) == len(pack.questions)
    assert [q.key for q in a.questions] != [q.key for q in b.questions]
    assert [q.number for q in a.questions] == list(range(1, len(a.questions) + 1))
    by_id = {q.id: q for q in pack.questions}
    for paper in (a, b):
        for question, entry in zip(paper.questions, paper.answer_key, strict=True):
            source = by_id[question.key]
            assert entry.key == question.key
            assert entry.number == question.number
            # The key's letters are exactly the printed letters of the right choices.
            right = {c.letter for c in question.choices if source.choices[c.index].is_correct}
            assert set(entry.letters) == right
            assert [c.letter for c in question.choices] == list("ABCD"[: len(question.choices)])
            assert question.instruction == (
                CHOOSE_ALL if source.type.value == "multiple" else CHOOSE_ONE
            )
            assert entry.explanation == source.explanation
    assert a.fields == ("Name", "Class", "Date")
    assert a.letters == ("A", "B", "C", "D")


def test_same_stored_seed_prints_the_same_paper_again(database: Database, installed: int) -> None:
    first = build_paper_quiz(database.sessions, pack_id=installed, version="A")
    again = build_paper_quiz(database.sessions, pack_id=installed, version="A")
    assert first == again
    other = build_paper_quiz(database.sessions, pack_id=installed, version="A", base_seed=7)
    assert [q.key for q in other.questions] != [q.key for q in first.questions]


def test_a_drawn_subset_is_the_same_for_both_versions(database: Database, installed: int) -> None:
    a, b = build_paper_versions(database.sessions, pack_id=installed, question_count=5)
    assert len(a.questions) == 5
    assert sorted(q.key for q in a.questions) == sorted(q.key for q in b.questions)


def test_printable_lessons_list_the_course_lessons_in_order_with_their_questions(
    database: Database, installed: int, pack: Pack
) -> None:
    lessons = printable_lessons(database.sessions, installed)
    assert [(x.key, x.title, x.question_count) for x in lessons] == [
        ("lesson-1", "Lesson 1", 8),
        ("lesson-2", "Lesson 2", 8),
        ("lesson-3", "Lesson 3", 8),
    ]
    assert all(isinstance(x, LessonChoice) for x in lessons)
    # The page passes the ids back: printing two of them asks their questions only.
    paper = build_paper_quiz(
        database.sessions, pack_id=installed, lesson_ids=[lessons[0].id, lessons[2].id]
    )
    assert {q.key[:2] for q in paper.questions} == {"l1", "l3"}
    assert len(paper.questions) == 16
    # A lesson dropped by a re-import is no longer offered.
    dropped = replace(
        pack,
        lessons=pack.lessons[:2],
        questions=tuple(q for q in pack.questions if q.lesson_id != "lesson-3"),
        version="2",
    )
    install_pack(database.sessions, dropped)
    assert [x.key for x in printable_lessons(database.sessions, installed)] == [
        "lesson-1",
        "lesson-2",
    ]
    with pytest.raises(NotFoundError):
        printable_lessons(database.sessions, 999)


def test_a_named_quiz_prints_its_lessons_and_question_count(
    services: Services, database: Database, installed: int
) -> None:
    quiz = services.quizzes.create(
        QuizSpec(
            pack_id=installed,
            name="Unit test: lessons 2 and 3",
            question_count=6,
            lesson_keys=("lesson-2", "lesson-3"),
        )
    )
    a, b = build_paper_versions(database.sessions, quiz_id=quiz.id)
    assert (a.title, b.title) == ("Unit test: lessons 2 and 3", "Unit test: lessons 2 and 3")
    assert len(a.questions) == 6
    assert {q.key[:2] for q in a.questions} <= {"l2", "l3"}
    assert sorted(q.key for q in a.questions) == sorted(q.key for q in b.questions)
    assert [q.key for q in a.questions] != [q.key for q in b.questions]
    # Printing again later gives the same papers (seed from the quiz's UUID).
    assert build_paper_quiz(database.sessions, quiz_id=quiz.id, version="A") == a
    with pytest.raises(NotFoundError):
        build_paper_quiz(database.sessions, quiz_id=999)


def test_a_named_quiz_without_shuffling_prints_as_students_get_it(
    services: Services, database: Database, installed: int
) -> None:
    quiz = services.quizzes.create(
        QuizSpec(
            pack_id=installed,
            name="Fixed order",
            question_count=3,
            lesson_keys=("lesson-1",),
            shuffle=False,
        )
    )
    a, b = build_paper_versions(database.sessions, quiz_id=quiz.id)
    assert [q.key for q in a.questions] == ["l1q0", "l1q1", "l1q2"]
    assert a.questions == b.questions
    for q in a.questions:
        assert [c.index for c in q.choices] == list(range(len(q.choices)))
    started = services.quizzes.start_quiz(services.students.create_student("Ana").id, quiz.id)
    assert [x.question_key for x in started.slots] == [q.key for q in a.questions]
