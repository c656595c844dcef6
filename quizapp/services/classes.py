"""Classes and student profiles as the teacher manages them.

Create, rename and delete classes; put students in a class; rename a student; merge two
profiles of the same student; delete a student with all their data (after the GUI has
offered :func:`quizapp.services.exports.export_student_data`).

Merging keeps one profile (``keep_id``) and moves everything of the other to it:
attempts (with their responses), lesson reads and notice acknowledgements (the earlier
one kept where both have one), spaced-review cards (where both have a card for the same
question, the one reviewed more recently is kept and the other's review history is moved
onto it); the kept profile takes the other's class if it has none, the earliest creation
and the latest use. The other profile is then deleted, and its UUID recorded in
``merged_students`` with the kept profile (those merged into it earlier follow), so
merging a results bundle that still carries it adds to the kept profile instead of
bringing it back (:func:`quizapp.services.bundles.merge_bundles`). One transaction: all
or nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.services.dto import StudentInfo
from quizapp.services.students import MAX_NAME_LENGTH, get_student, normalise_name, student_info
from quizapp.store import models as m
from quizapp.store.database import read_session

MAX_CLASS_NAME_LENGTH = 60
"""Longest class name accepted, in characters (after trimming)."""


@dataclass(frozen=True)
class ClassInfo:
    """A class: ``students`` is how many students are in it."""

    id: int
    uuid: UUID
    name: str
    students: int


@dataclass(frozen=True)
class StudentMergeReport:
    """What merging ``removed_id`` into ``kept_id`` moved: counts of attempts, lesson
    reads, cards moved, cards combined (both had one: histories joined) and review logs."""

    kept_id: int
    removed_id: int
    attempts_moved: int
    lesson_reads_moved: int
    cards_moved: int
    cards_combined: int
    review_logs_moved: int


@dataclass(frozen=True)
class StudentDeletionReport:
    """What deleting a student removed (counts)."""

    student_id: int
    name: str
    attempts: int
    responses: int
    cards: int


def _clean(name: str, what: str, limit: int) -> str:
    clean = normalise_name(name)
    if not clean:
        raise ValidationError(f"Please type a name for the {what}.")
    if len(clean) > limit:
        raise ValidationError(f"That name is too long: please use at most {limit} characters.")
    if any(unicodedata.category(ch) == "Cc" for ch in clean):
        raise ValidationError("A name can only contain letters, numbers, spaces and signs.")
    return clean


def _get_class(s: Session, class_id: int) -> m.SchoolClass:
    row = s.get(m.SchoolClass, class_id)
    if row is None:
        raise NotFoundError(f"There is no class with id {class_id}.")
    return row


def _class_info(s: Session, row: m.SchoolClass) -> ClassInfo:
    count = s.scalar(select(func.count(m.Student.id)).where(m.Student.class_id == row.id))
    return ClassInfo(id=row.id, uuid=row.uuid, name=row.name, students=int(count or 0))


class ClassService:
    """Classes and the teacher's changes to student profiles, over ``sessions``. Each
    method is one transaction."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # ------------------------------------------------------------------ classes

    def list_classes(self) -> list[ClassInfo]:
        """Every class by name, with its number of students (one grouped query).
        Reads without waiting for a writer (:func:`~quizapp.store.database.read_session`)."""
        with read_session(self._sessions) as s:
            counts = dict(
                s.execute(
                    select(m.Student.class_id, func.count(m.Student.id))
                    .where(m.Student.class_id.is_not(None))
                    .group_by(m.Student.class_id)
                ).all()
            )
            rows = s.scalars(select(m.SchoolClass).order_by(func.lower(m.SchoolClass.name)))
            return [ClassInfo(r.id, r.uuid, r.name, int(counts.get(r.id, 0))) for r in rows]

    def create_class(self, name: str) -> ClassInfo:
        """A new class. :class:`ValidationError` for an empty, too long or duplicate name
        (ignoring case)."""
        clean = _clean(name, "class", MAX_CLASS_NAME_LENGTH)
        with self._sessions.begin() as s:
            self._refuse_duplicate_class(s, clean, None)
            row = m.SchoolClass(name=clean)
            s.add(row)
            s.flush()
            return _class_info(s, row)

    def rename_class(self, class_id: int, name: str) -> ClassInfo:
        """Rename a class. :class:`NotFoundError`; :class:`ValidationError` as for create."""
        clean = _clean(name, "class", MAX_CLASS_NAME_LENGTH)
        with self._sessions.begin() as s:
            row = _get_class(s, class_id)
            self._refuse_duplicate_class(s, clean, class_id)
            row.name = clean
            s.flush()
            return _class_info(s, row)

    def delete_class(self, class_id: int) -> None:
        """Delete a class; its students stay, in no class. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            _get_class(s, class_id)
            s.execute(update(m.Student).where(m.Student.class_id == class_id).values(class_id=None))
            s.execute(delete(m.SchoolClass).where(m.SchoolClass.id == class_id))

    def set_class(self, student_ids: Iterable[int], class_id: int | None) -> None:
        """Put students in a class (``None``: in no class). :class:`NotFoundError` for an
        unknown class or student (nothing is changed then)."""
        ids = list(dict.fromkeys(student_ids))
        with self._sessions.begin() as s:
            if class_id is not None:
                _get_class(s, class_id)
            found = set(s.scalars(select(m.Student.id).where(m.Student.id.in_(ids))))
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFoundError(f"There is no student with id {missing[0]}.")
            s.execute(update(m.Student).where(m.Student.id.in_(ids)).values(class_id=class_id))

    def students_of(self, class_id: int | None) -> list[StudentInfo]:
        """The students of a class (``None``: those in no class), by name."""
        with self._sessions.begin() as s:
            cond = (
                m.Student.class_id.is_(None) if class_id is None else m.Student.class_id == class_id
            )
            rows = s.scalars(
                select(m.Student)
                .options(joinedload(m.Student.school_class))
                .where(cond)
                .order_by(func.lower(m.Student.name))
            )
            return [student_info(r) for r in rows]

    @staticmethod
    def _refuse_duplicate_class(s: Session, name: str, own_id: int | None) -> None:
        key = name.casefold()
        for cid, existing in s.execute(select(m.SchoolClass.id, m.SchoolClass.name)):
            if cid != own_id and normalise_name(existing).casefold() == key:
                raise ValidationError(f"There is already a class called {existing}.")

    # ------------------------------------------------------------------ students

    def rename_student(self, student_id: int, name: str) -> StudentInfo:
        """Rename a student. :class:`NotFoundError`; :class:`ValidationError` for an empty
        or too long name, or one another student already has (ignoring case)."""
        clean = _clean(name, "student", MAX_NAME_LENGTH)
        key = clean.casefold()
        with self._sessions.begin() as s:
            row = get_student(s, student_id)
            for sid, existing in s.execute(select(m.Student.id, m.Student.name)):
                if sid != student_id and normalise_name(existing).casefold() == key:
                    raise ValidationError(
                        f"There is already a student called {existing}. To join the two "
                        "profiles, merge them instead."
                    )
            row.name = clean
            s.flush()
            return student_info(row)

    def merge_students(self, keep_id: int, remove_id: int) -> StudentMergeReport:
        """Merge profile ``remove_id`` into ``keep_id`` (see the module docstring) and
        delete it. :class:`ValidationError` when both ids are the same;
        :class:`NotFoundError` for an unknown id."""
        if keep_id == remove_id:
            raise ValidationError("Choose two different students to merge.")
        with self._sessions.begin() as s:
            keep = get_student(s, keep_id)
            other = get_student(s, remove_id)
            attempts = s.scalar(
                select(func.count(m.Attempt.id)).where(m.Attempt.student_id == remove_id)
            )
            s.execute(
                update(m.Attempt)
                .where(m.Attempt.student_id == remove_id)
                .values(student_id=keep_id)
                .execution_options(synchronize_session=False)
            )
            reads = _move_unique(s, m.LessonRead, "lesson_id", "first_read_at", keep_id, remove_id)
            _move_unique(s, m.NoticeAck, "pack_id", "acknowledged_at", keep_id, remove_id)
            cards_moved, combined, logs = _move_cards(s, keep_id, remove_id)
            if keep.class_id is None:
                keep.class_id = other.class_id
            keep.created_at = min(keep.created_at, other.created_at)
            uses = [t for t in (keep.last_used_at, other.last_used_at) if t is not None]
            keep.last_used_at = max(uses) if uses else None
            # Remember the removed profile (and those merged into it before), so a results
            # bundle that still carries it merges into the kept profile, not back.
            s.execute(
                update(m.MergedStudent)
                .where(m.MergedStudent.kept_student_id == remove_id)
                .values(kept_student_id=keep_id)
                .execution_options(synchronize_session=False)
            )
            s.add(m.MergedStudent(uuid=other.uuid, kept_student_id=keep_id))
            s.flush()
            s.execute(delete(m.Student).where(m.Student.id == remove_id))
            s.expunge(other)
            return StudentMergeReport(
                kept_id=keep_id,
                removed_id=remove_id,
                attempts_moved=int(attempts or 0),
                lesson_reads_moved=reads,
                cards_moved=cards_moved,
                cards_combined=combined,
                review_logs_moved=logs,
            )

    def delete_student(self, student_id: int) -> StudentDeletionReport:
        """Delete a student and all their data (attempts, responses, lesson reads, cards
        and review logs: the database cascades). Offer
        :func:`quizapp.services.exports.export_student_data` first. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            row = get_student(s, student_id)
            name = row.name
            attempt_ids = select(m.Attempt.id).where(m.Attempt.student_id == student_id)
            n_attempts = s.scalar(select(func.count()).select_from(attempt_ids.subquery()))
            n_responses = s.scalar(
                select(func.count(m.Response.id)).where(m.Response.attempt_id.in_(attempt_ids))
            )
            n_cards = s.scalar(select(func.count(m.Card.id)).where(m.Card.student_id == student_id))
            s.expunge(row)
            s.execute(delete(m.Student).where(m.Student.id == student_id))
            return StudentDeletionReport(
                student_id=student_id,
                name=name,
                attempts=int(n_attempts or 0),
                responses=int(n_responses or 0),
                cards=int(n_cards or 0),
            )


def _move_unique(
    s: Session,
    model: Any,
    key: str,
    when: str,
    keep_id: int,
    remove_id: int,
) -> int:
    """Move rows unique per (student, ``key``) to ``keep_id``; where both have one, keep
    the earlier ``when`` on the kept row and drop the other. Returns how many moved."""
    kept = {getattr(r, key): r for r in s.scalars(select(model).where(model.student_id == keep_id))}
    moved = 0
    for row in list(s.scalars(select(model).where(model.student_id == remove_id))):
        mine = kept.get(getattr(row, key))
        if mine is None:
            row.student_id = keep_id
            moved += 1
        else:
            setattr(mine, when, min(getattr(mine, when), getattr(row, when)))
            s.delete(row)
    s.flush()
    return moved


def _move_cards(s: Session, keep_id: int, remove_id: int) -> tuple[int, int, int]:
    """Move the cards of ``remove_id`` to ``keep_id``; for a question both have a card
    for, keep the more recently reviewed card's state and join the review histories.
    Returns (cards moved, cards combined, review logs moved)."""
    mine = {
        (c.pack_key, c.question_key): c
        for c in s.scalars(select(m.Card).where(m.Card.student_id == keep_id))
    }
    moved = combined = logs = 0
    for card in list(s.scalars(select(m.Card).where(m.Card.student_id == remove_id))):
        target = mine.get((card.pack_key, card.question_key))
        if target is None:
            card.student_id = keep_id
            moved += 1
            continue
        combined += 1
        if _later(card.last_review, target.last_review):
            for field in ("state", "step", "stability", "difficulty", "due", "last_review"):
                setattr(target, field, getattr(card, field))
        logs += len(card.logs)
        s.execute(
            update(m.ReviewLog)
            .where(m.ReviewLog.card_id == card.id)
            .values(card_id=target.id)
            .execution_options(synchronize_session=False)
        )
        s.expire(card, ["logs"])
        s.flush()
        s.execute(delete(m.Card).where(m.Card.id == card.id))
        s.expunge(card)
    s.flush()
    return moved, combined, logs


def _later(a: datetime | None, b: datetime | None) -> bool:
    """True when ``a`` is a later time than ``b`` (a missing time is the earliest)."""
    return a is not None and (b is None or a > b)
