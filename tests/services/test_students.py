"""Student profiles: names a student can type, no namesakes on one computer, last used first."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.container import Services
from quizapp.store import models as m
from quizapp.store.database import Database


def test_create_trims_and_lists(services: Services) -> None:
    ana = services.students.create_student("  Ana   María ")
    assert ana.name == "Ana María"
    assert ana.last_used_at is None
    assert ana.created_at.tzinfo is not None
    assert [s.name for s in services.students.list_students()] == ["Ana María"]


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_name_is_refused(services: Services, name: str) -> None:
    with pytest.raises(ValidationError, match="type your name"):
        services.students.create_student(name)


def test_too_long_name_is_refused(services: Services) -> None:
    services.students.create_student("A" * 60)
    with pytest.raises(ValidationError, match="at most 60"):
        services.students.create_student("B" * 61)


@pytest.mark.parametrize("again", ["ana", "ANA", " Ana ", "Ana"])
def test_same_name_ignoring_case_is_refused(services: Services, again: str) -> None:
    services.students.create_student("Ana")
    with pytest.raises(ValidationError, match="already a student called Ana"):
        services.students.create_student(again)
    assert len(services.students.list_students()) == 1


def test_namesake_from_another_computer_is_allowed_in_the_database(
    services: Services, database: Database
) -> None:
    """The duplicate check is the service's, not a constraint: merged results may bring one."""
    services.students.create_student("Ana")
    with database.sessions.begin() as s:
        s.add(m.Student(name="Ana"))
    with database.sessions.begin() as s:
        assert s.scalars(select(m.Student.name)).all() == ["Ana", "Ana"]


def test_last_used_first_then_alphabetical(services: Services, clock: Any) -> None:
    """A class of new students is listed alphabetically (not newest first, which put the
    last one added at the top); those who used the app come first, most recent first."""
    ben = services.students.create_student("Ben")
    clock.advance(60)
    ana = services.students.create_student("Ana")
    clock.advance(60)
    services.students.create_student("Cleo")
    clock.advance(60)
    assert [s.name for s in services.students.list_students()] == ["Ana", "Ben", "Cleo"]

    selected = services.students.select_student(ana.id)
    assert selected.last_used_at == clock.now
    clock.advance(60)
    services.students.select_student(ben.id)
    assert [s.name for s in services.students.list_students()] == ["Ben", "Ana", "Cleo"]


def test_select_unknown_student(services: Services) -> None:
    with pytest.raises(NotFoundError):
        services.students.select_student(12345)
