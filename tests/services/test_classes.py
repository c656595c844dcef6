"""Classes and the teacher's changes to profiles: rename, merge, delete."""

from __future__ import annotations

from datetime import timedelta

import conftest_results as h
import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.services.results import ResultsService
from quizapp.store import models as m
from quizapp.store.database import Database

KEYS = [f"l1q{n}" for n in range(8)]


def test_classes_create_rename_assign_delete(services: Services, database: Database) -> None:
    classes = ClassService(database.sessions)
    ana = services.students.create_student("Ana").id
    c = classes.create_class("  5B ")
    assert c.name == "5B"
    with pytest.raises(ValidationError):
        classes.create_class("5b")
    classes.set_class([ana], c.id)
    assert [x.students for x in classes.list_classes()] == [1]
    assert classes.rename_class(c.id, "6B").name == "6B"
    assert [s.name for s in classes.students_of(c.id)] == ["Ana"]
    with pytest.raises(NotFoundError):
        classes.set_class([ana, 999], c.id)
    classes.delete_class(c.id)
    assert classes.list_classes() == []
    assert [s.name for s in classes.students_of(None)] == ["Ana"]


def test_rename_student_refuses_a_name_taken(services: Services, database: Database) -> None:
    classes = ClassService(database.sessions)
    ana = services.students.create_student("Ana").id
    services.students.create_student("Ben")
    assert classes.rename_student(ana, "Ana  Lopez").name == "Ana Lopez"
    with pytest.raises(ValidationError, match="merge"):
        classes.rename_student(ana, "ben")


def _cards(database: Database, student_id: int) -> dict[str, tuple[object, ...]]:
    """A student's cards by question key: (state, due, last review, review dates)."""
    with database.sessions() as s:
        return {
            c.question_key: (c.state, c.due, c.last_review, [g.reviewed_at for g in c.logs])
            for c in s.scalars(select(m.Card).where(m.Card.student_id == student_id))
        }


def test_merging_two_profiles_moves_attempts_reads_and_cards(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    """Answering makes the cards (one per question answered, one review each). Ana
    answered lesson 1; "Ana B" lesson 1 later, and lesson 2. Merged: Ana B's lesson-2
    cards move; for lesson 1 both have a card, the more recently reviewed state wins
    and the review histories join."""
    classes = ClassService(database.sessions)
    ana = services.students.create_student("Ana").id
    ana2 = services.students.create_student("Ana B").id
    lessons = h.lesson_ids(services, ana)
    advance = clock.advance  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, advance, ana, lessons[0], KEYS)
    h.take_lesson_quiz(services, advance, ana2, lessons[0], KEYS[:4])
    h.take_lesson_quiz(services, advance, ana2, lessons[1], [])
    services.course.mark_lesson_read(ana, lessons[0])
    services.course.mark_lesson_read(ana2, lessons[0])
    services.course.mark_lesson_read(ana2, lessons[1])
    # Ana's card of l1q0 was reviewed again after Ana B's (a review session, say).
    with database.sessions.begin() as s:
        card = s.scalars(
            select(m.Card).where(m.Card.student_id == ana, m.Card.question_key == "l1q0")
        ).one()
        card.last_review = clock.now + timedelta(hours=1)  # type: ignore[attr-defined]
        card.due = clock.now + timedelta(days=30)  # type: ignore[attr-defined]
    mine, theirs = _cards(database, ana), _cards(database, ana2)
    assert len(mine) == 8
    assert len(theirs) == 16  # every question answered has a card

    report = classes.merge_students(ana, ana2)
    assert (report.attempts_moved, report.lesson_reads_moved) == (2, 1)
    assert (report.cards_moved, report.cards_combined, report.review_logs_moved) == (8, 8, 8)
    (row,) = ResultsService(database.sessions).students_overview()
    assert (row.name, row.attempts, row.best_percent, row.last_percent) == ("Ana", 3, 100, 0)
    merged = _cards(database, ana)
    assert set(merged) == set(mine) | set(theirs)
    for key, (state, due, last, logs) in merged.items():
        if key.startswith("l2"):
            assert (state, due, last, logs) == theirs[key]  # moved as it was
            continue
        # Both had one: the later review's state, both histories.
        newer = mine[key] if key == "l1q0" else theirs[key]
        assert (state, due, last) == newer[:3]
        assert logs == sorted(mine[key][3] + theirs[key][3])  # type: ignore[operator]
    with database.sessions() as s:
        reads = s.scalar(select(func.count(m.LessonRead.id)).where(m.LessonRead.student_id == ana))
        assert reads == 2
        assert s.get(m.Student, ana2) is None
        assert s.scalar(select(func.count(m.Card.id)).where(m.Card.student_id == ana2)) == 0
    with pytest.raises(ValidationError):
        classes.merge_students(ana, ana)


def test_the_class_list_is_read_while_another_computer_writes(
    services: Services, database: Database
) -> None:
    """A teacher's page lists the classes at once even while a long write (a regrade, the
    first statistics report storing its cells) holds the database: reading takes no
    write lock, so it neither waits out the busy timeout nor fails "database is locked"."""
    if not database.url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    import sqlite3

    from sqlalchemy.engine import make_url

    classes = ClassService(database.sessions)
    classes.set_class([services.students.create_student("Ana").id], classes.create_class("5B").id)
    writer = sqlite3.connect(make_url(database.url).database, isolation_level=None, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE classes SET name = 'being renamed'")
        listed = classes.list_classes()  # before the change: in WAL, readers see the last commit
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert [(c.name, c.students) for c in listed] == [("5B", 1)]
