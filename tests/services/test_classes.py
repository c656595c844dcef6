"""Classes and the teacher's changes to profiles: rename, merge, delete."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.services.results import ResultsService
from quizapp.store import models as m
from quizapp.store.database import Database


def _load_helpers() -> ModuleType:
    name = "conftest_results"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


h = _load_helpers()
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


def test_merging_two_profiles_moves_attempts_reads_and_cards(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    classes = ClassService(database.sessions)
    ana = services.students.create_student("Ana").id
    ana2 = services.students.create_student("Ana B").id
    lessons = h.lesson_ids(services, ana)
    h.take_lesson_quiz(services, clock.advance, ana, lessons[0], KEYS)  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, clock.advance, ana2, lessons[0], KEYS[:4])  # type: ignore[attr-defined]
    services.course.mark_lesson_read(ana, lessons[0])
    services.course.mark_lesson_read(ana2, lessons[0])
    services.course.mark_lesson_read(ana2, lessons[1])
    now = clock.now  # type: ignore[attr-defined]
    with database.sessions.begin() as s:
        for sid, last in ((ana, now - timedelta(days=2)), (ana2, now)):
            card = m.Card(
                student_id=sid,
                pack_key="test-pack",
                question_key="l1q0",
                state=2,
                due=now + timedelta(days=3),
                last_review=last,
            )
            card.logs.append(m.ReviewLog(rating=3, reviewed_at=last))
            s.add(card)
        s.add(m.Card(student_id=ana2, pack_key="test-pack", question_key="l1q1", due=now))

    report = classes.merge_students(ana, ana2)
    assert (report.attempts_moved, report.lesson_reads_moved) == (1, 1)
    assert (report.cards_moved, report.cards_combined, report.review_logs_moved) == (1, 1, 1)
    (row,) = ResultsService(database.sessions).students_overview()
    assert (row.name, row.attempts, row.best_percent, row.last_percent) == ("Ana", 2, 100, 50)
    with database.sessions() as s:
        cards = s.scalars(select(m.Card).where(m.Card.student_id == ana)).all()
        assert len(cards) == 2
        combined = next(c for c in cards if c.question_key == "l1q0")
        assert combined.last_review == now  # the more recent review's state
        assert len(combined.logs) == 2
        reads = s.scalar(select(func.count(m.LessonRead.id)).where(m.LessonRead.student_id == ana))
        assert reads == 2
        assert s.get(m.Student, ana2) is None
    with pytest.raises(ValidationError):
        classes.merge_students(ana, ana)
