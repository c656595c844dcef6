"""Student profiles on this computer (or the shared server): list, create, select."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.dto import StudentInfo
from quizapp.store import models as m
from quizapp.store.quick_read import class_order
from quizapp.store.types import utc_now

MAX_NAME_LENGTH = 60
"""Longest student name accepted, in characters (after trimming)."""


def normalise_name(name: str) -> str:
    """A name as stored: Unicode NFC, whitespace runs collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def student_info(row: m.Student) -> StudentInfo:
    """The dataclass of one student row (its class's name read through the
    relationship: load it with the rows when listing many)."""
    school_class = row.school_class if row.class_id is not None else None
    return StudentInfo(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        class_name=school_class.name if school_class is not None else None,
    )


def get_student(s: Session, student_id: int) -> m.Student:
    """The student row with this id; :class:`NotFoundError` if there is none."""
    row = s.get(m.Student, student_id)
    if row is None:
        raise NotFoundError(f"There is no student with id {student_id}.")
    return row


class StudentService:
    """Student profiles. ``sessions`` is the database's session factory; ``clock`` gives
    the current aware UTC time (replaced in tests)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def list_students(self) -> list[StudentInfo]:
        """Every student, as the profile picker lists them: the last used first (most
        recent first), then those who never used the app in alphabetical order, case and
        accents ignored (:func:`quizapp.store.quick_read.class_order`, which the list read
        before SQLAlchemy at start-up follows too)."""
        with self._sessions.begin() as s:
            rows = s.scalars(
                select(m.Student)
                .options(joinedload(m.Student.school_class))
                .order_by(
                    m.Student.last_used_at.is_(None),
                    m.Student.last_used_at.desc(),
                    m.Student.id,
                )
            )
            students = [student_info(r) for r in rows]
        return class_order(students, used=lambda st: st.last_used_at, name=lambda st: st.name)

    def create_student(self, name: str) -> StudentInfo:
        """Create a profile named ``name`` (trimmed, inner spaces collapsed).

        Raises :class:`ValidationError` for an empty name, one over
        :data:`MAX_NAME_LENGTH` characters, one with control characters, or one that
        matches an existing student's name ignoring case. The check is made here, not
        by the database: merged results may bring a namesake from another computer.
        """
        clean = normalise_name(name)
        if not clean:
            raise ValidationError("Please type your name.")
        if len(clean) > MAX_NAME_LENGTH:
            raise ValidationError(
                f"That name is too long: please use at most {MAX_NAME_LENGTH} characters."
            )
        if any(unicodedata.category(ch) == "Cc" for ch in clean):
            raise ValidationError("A name can only contain letters, numbers, spaces and signs.")
        key = clean.casefold()
        with self._sessions.begin() as s:
            for existing in s.scalars(select(m.Student.name)):
                if normalise_name(existing).casefold() == key:
                    raise ValidationError(
                        f"There is already a student called {existing} on this computer. "
                        "If that is you, pick your name from the list; otherwise add "
                        "something to tell you apart, such as your surname's initial."
                    )
            row = m.Student(name=clean, created_at=self._clock())
            s.add(row)
            s.flush()
            return student_info(row)

    def select_student(self, student_id: int) -> StudentInfo:
        """Mark a student as the one now using the app (stamps ``last_used_at``).

        Raises :class:`NotFoundError` for an unknown id."""
        with self._sessions.begin() as s:
            row = get_student(s, student_id)
            row.last_used_at = self._clock()
            s.flush()
            return student_info(row)
