"""The database schema as SQLAlchemy 2 typed models.

Conventions (DESIGN.md, "Data"):

- Every row that travels between computers (classes, students, packs, lessons,
  question revisions, quizzes, attempts, responses, cards, review logs) has a ``uuid``
  (SQLAlchemy ``Uuid``: native on PostgreSQL, 32-char text on SQLite), so results
  merged from several machines never duplicate. Integer ``id`` keys are local only.
- Every time is a :class:`~quizapp.store.types.UTCDateTime` (aware UTC in and out).
- Enumerations are stored as their string values (``String``), not database enums,
  so adding a value (a new behaviour) needs no migration.
- ``questions`` holds question *revisions*: a question's identity is (pack, ``key``);
  a new row with ``revision + 1`` is made whenever its content changes; exactly one
  revision per identity is ``is_current`` while the question is in its pack. Attempts
  point at the revision they asked, so history shows what the student saw.
- Choice indices everywhere (``choice_order``, ``selected``) are author-order
  positions within that revision (``choices.position``).
- Every constraint and index is named by the metadata's naming convention
  (Alembic batch migrations on SQLite need names).

The schema is created by the Alembic revision ``0001`` and changed by the later ones
(``migrations/versions``); a change here needs a new revision there.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from quizapp.store.types import UTCDateTime, utc_now

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base: named constraints; every ``Mapped[datetime]`` is UTC."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's documented class attribute
        datetime: UTCDateTime(),
        uuid_module.UUID: Uuid(),
    }


def _uuid_column() -> Mapped[uuid_module.UUID]:
    return mapped_column(Uuid(), unique=True, default=uuid_module.uuid4, nullable=False)


# --------------------------------------------------------------------------- people


class SchoolClass(Base):
    """A class (group of students) a teacher creates."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    students: Mapped[list[Student]] = relationship(back_populates="school_class")


class Student(Base):
    """A student profile. Names are not unique in the database: merged results may
    bring a namesake from another computer; the services refuse duplicates on creation."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    name: Mapped[str] = mapped_column(String(100))
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None]

    school_class: Mapped[SchoolClass | None] = relationship(back_populates="students")
    attempts: Mapped[list[Attempt]] = relationship(back_populates="student")


class MergedStudent(Base):
    """A student profile merged into another (migration ``0003``): ``uuid`` is the
    removed profile's UUID, ``kept_student_id`` the profile that now holds its data.

    A results bundle that still carries the removed profile is merged into the kept one
    instead of bringing it back. Deleting the kept student deletes these rows.
    """

    __tablename__ = "merged_students"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(Uuid(), unique=True, nullable=False)
    kept_student_id: Mapped[int] = mapped_column(
        ForeignKey("students.id", ondelete="CASCADE"), index=True
    )
    merged_at: Mapped[datetime] = mapped_column(default=utc_now)


# --------------------------------------------------------------------------- content


class Pack(Base):
    """An installed question set. ``key`` is the pack's own id (slug), unique here.

    ``revision`` counts installs that changed its content; ``content_hash`` is the
    SHA-256 of the pack's canonical content (see ``quizapp.services.packs``);
    ``deleted_at`` hides a deleted pack while keeping past attempts reviewable.
    """

    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35), default="en")
    version: Mapped[str] = mapped_column(String(100), default="1")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    notice: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    is_builtin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    content_hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)
    deleted_at: Mapped[datetime | None]

    lessons: Mapped[list[Lesson]] = relationship(back_populates="pack", order_by="Lesson.position")


class Lesson(Base):
    """A lesson of a pack; ``body`` is Markdown; ``retired`` once a re-import drops it."""

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("pack_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    pack: Mapped[Pack] = relationship(back_populates="lessons")


class Question(Base):
    """One revision of a question (immutable once written, except ``is_current`` and
    ``position``). ``hints`` and ``tags`` are JSON lists of strings; enumerations hold
    the values of :class:`~quizapp.domain.model.QuestionType`,
    :class:`~quizapp.domain.model.TextFormat` and :class:`~quizapp.domain.model.Scoring`.
    """

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("pack_id", "key", "revision"),
        # At most one current revision per question identity (settles install races).
        # Its PostgreSQL WHERE is added by declare_postgresql_options() (below).
        Index(
            "uq_questions_current",
            "pack_id",
            "key",
            unique=True,
            sqlite_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(20), default="plain")
    explanation: Mapped[str] = mapped_column(Text, default="")
    hints: Mapped[list[str]] = mapped_column(JSON, default=list)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    scoring: Mapped[str] = mapped_column(String(20), default="partial")
    evidence: Mapped[str | None] = mapped_column(Text)
    difficulty: Mapped[str | None] = mapped_column(String(50))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    lesson: Mapped[Lesson] = relationship()
    pack: Mapped[Pack] = relationship()
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", order_by="Choice.position", cascade="all, delete-orphan"
    )


class Choice(Base):
    """A choice of one question revision; ``position`` is its author-order index;
    ``fraction`` its credit in [-1, 1]."""

    __tablename__ = "choices"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    fraction: Mapped[float] = mapped_column(Float)
    feedback: Mapped[str] = mapped_column(Text, default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


class LessonRead(Base):
    """When a student first opened a lesson."""

    __tablename__ = "lesson_reads"
    __table_args__ = (UniqueConstraint("student_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_read_at: Mapped[datetime] = mapped_column(default=utc_now)


class NoticeAck(Base):
    """A student has seen a pack's notice (shown before its first lesson)."""

    __tablename__ = "notice_acks"
    __table_args__ = (UniqueConstraint("student_id", "pack_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(default=utc_now)


# --------------------------------------------------------------------------- quizzes


class Quiz(Base):
    """A named quiz a teacher builds (learning-modes issue).

    ``kind``: ``"exam"`` or ``"practice"``; ``behaviour`` a
    :class:`~quizapp.domain.model.Behaviour` value; ``lesson_keys`` a JSON list of
    lesson keys (empty = every lesson of the pack); ``time_limit_s`` seconds or
    ``None``; ``attempts_allowed`` ``None`` = unlimited; ``review_policy``
    ``"after_attempt"`` | ``"after_close"`` | ``"never"``.
    """

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="exam")
    behaviour: Mapped[str] = mapped_column(String(30))
    lesson_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    question_count: Mapped[int] = mapped_column(Integer)
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=True)
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)
    review_policy: Mapped[str] = mapped_column(String(20), default="after_attempt")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    closed_at: Mapped[datetime | None]


class Attempt(Base):
    """One sitting of a lesson quiz, an exam, a review session or a teacher's quiz.

    ``kind``: ``"lesson"`` | ``"exam"`` | ``"review"`` | ``"quiz"``; ``behaviour`` a
    :class:`~quizapp.domain.model.Behaviour` value; ``seed`` the seed every shuffle of
    the attempt derives from; ``state`` ``"inprogress"`` | ``"finished"``;
    ``current_slot`` the first unanswered slot (0-based); ``marks`` / ``max_marks``
    the score (set on finish, kept up to date while answering).
    """

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_student_id_started_at", "student_id", "started_at"),
        Index("ix_attempts_student_id_state", "student_id", "state"),
        # A lesson's quiz attempts by state (results and statistics of one lesson).
        Index("ix_attempts_lesson_id_kind_state", "lesson_id", "kind", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    # RESTRICT: a pack is soft-deleted (``deleted_at``) so its attempts stay reviewable.
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="RESTRICT"), index=True)
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="SET NULL"), index=True
    )
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    behaviour: Mapped[str] = mapped_column(String(30))
    seed: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    time_limit_s: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="inprogress")
    current_slot: Mapped[int] = mapped_column(Integer, default=0)
    marks: Mapped[float] = mapped_column(Float, default=0.0)
    max_marks: Mapped[float] = mapped_column(Float, default=0.0)

    student: Mapped[Student] = relationship(back_populates="attempts")
    pack: Mapped[Pack] = relationship()
    lesson: Mapped[Lesson | None] = relationship()
    quiz: Mapped[Quiz | None] = relationship()
    slots: Mapped[list[AttemptSlot]] = relationship(
        back_populates="attempt", order_by="AttemptSlot.slot", cascade="all, delete-orphan"
    )


class AttemptSlot(Base):
    """One question of an attempt, in shown order: the revision asked and the order its
    choices were shown in (JSON list of author-order indices); ``max_mark`` its weight."""

    __tablename__ = "attempt_slots"
    __table_args__ = (UniqueConstraint("attempt_id", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    choice_order: Mapped[list[int]] = mapped_column(JSON)
    max_mark: Mapped[float] = mapped_column(Float, default=1.0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    question: Mapped[Question] = relationship()
    responses: Mapped[list[Response]] = relationship(
        back_populates="slot", order_by="Response.try_number", cascade="all, delete-orphan"
    )


class Response(Base):
    """One try at one slot, written when the student submits it.

    ``selected`` JSON list of author-order choice indices; ``fraction`` the raw mark
    0–1 from :func:`quizapp.domain.scoring.mark_response`; ``certainty`` 1–3 for
    certainty-based marking or ``None``; ``penalty`` fraction lost to earlier tries;
    ``duration_s`` seconds spent on it when known. Unique per (slot, try): a response
    is never stored twice.

    Regrading (:mod:`quizapp.services.regrade`): ``regraded_question_id`` the revision
    that now marks the response (the slot still points at the one asked),
    ``regraded_at`` when, and ``original_fraction`` the fraction it had before its first
    regrade; all ``None`` for a response never regraded.
    """

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("slot_id", "try_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("attempt_slots.id", ondelete="CASCADE"))
    try_number: Mapped[int] = mapped_column(Integer, default=1)
    selected: Mapped[list[int]] = mapped_column(JSON)
    fraction: Mapped[float] = mapped_column(Float)
    certainty: Mapped[int | None] = mapped_column(Integer)
    penalty: Mapped[float] = mapped_column(Float, default=0.0)
    answered_at: Mapped[datetime] = mapped_column(default=utc_now)
    duration_s: Mapped[float | None] = mapped_column(Float)
    original_fraction: Mapped[float | None] = mapped_column(Float)
    regraded_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    regraded_at: Mapped[datetime | None]

    slot: Mapped[AttemptSlot] = relationship(back_populates="responses")
    regraded_question: Mapped[Question | None] = relationship()


class AttemptCells(Base):
    """A finished attempt's cells as the quiz statistics report reads them: derived
    data, one row per attempt, so a report over 400,000 responses reads 20,000 short
    rows instead of joining every response to its slot (performance issue 8).

    ``slots`` the slots' question ids (``id*weight`` when the weight is not 1),
    ``marks`` each slot's final mark as text, ``picks`` each try's selection JSON
    (``""`` unanswered), comma-, comma- and ``"|"``-separated, a slot's tries one after
    the other (:func:`quizapp.services.attempt_cells.cells_sql`). Written when the
    attempt is finished and again whenever its responses change (regrade, results
    merged from another computer); deleted with the attempt. An attempt without a row
    is read from its responses (and its row written) by the next report.
    """

    __tablename__ = "attempt_cells"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    slots: Mapped[str] = mapped_column(Text)
    marks: Mapped[str] = mapped_column(Text)
    picks: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- spaced review


class Card(Base):
    """A spaced-review card (FSRS) of one student for one question *identity*
    (pack key + question key, so it follows the question across revisions).

    Fields mirror ``fsrs.Card``: ``state`` 1 learning / 2 review / 3 relearning;
    ``step`` learning step or ``None``; ``stability`` and ``difficulty`` or ``None``
    before the first review; ``due`` and ``last_review`` UTC.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("student_id", "pack_key", "question_key"),
        Index("ix_cards_student_id_due", "student_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    pack_key: Mapped[str] = mapped_column(String(200))
    question_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime]
    last_review: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    logs: Mapped[list[ReviewLog]] = relationship(
        back_populates="card", order_by="ReviewLog.reviewed_at", cascade="all, delete-orphan"
    )


class ReviewLog(Base):
    """One FSRS review of a card: ``rating`` 1 Again / 2 Hard / 3 Good / 4 Easy;
    ``response_id`` the response that produced it, when there is one."""

    __tablename__ = "review_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = _uuid_column()
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="SET NULL"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime]
    review_duration_ms: Mapped[int | None] = mapped_column(Integer)

    card: Mapped[Card] = relationship(back_populates="logs")


# --------------------------------------------------------------------------- settings


class Setting(Base):
    """A key/value setting kept with the data (e.g. ``teacher_pin_hash``); UI preferences
    live in QSettings instead. ``value`` is JSON (any JSON value)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


def declare_postgresql_options() -> None:
    """Add the PostgreSQL-only options of the schema: the WHERE of the partial unique
    index ``uq_questions_current`` (migration 0001 creates it with that WHERE on both
    databases). Idempotent.

    Called when an engine for a PostgreSQL server is made
    (:func:`quizapp.store.database.open_database`), not at import: naming a dialect's
    options loads that dialect, and SQLAlchemy's PostgreSQL dialect (with its four
    drivers' modules) is ~2.4 MiB and ~30 ms that a SQLite classroom computer never
    needs (performance issue 8: memory at start-up)."""
    for index in Base.metadata.tables["questions"].indexes:
        if index.name == "uq_questions_current":
            index.dialect_options["postgresql"]["where"] = text("is_current")
