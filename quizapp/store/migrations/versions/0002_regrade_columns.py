"""Regrades in real columns of ``responses``; an index for a lesson's attempts by state.

``responses`` gains ``original_fraction`` (the fraction before the first regrade),
``regraded_question_id`` (the revision that now marks it; FK to ``questions``) and
``regraded_at``. The notes quizapp 0.1 kept in ``settings`` under
``regrade:<response uuid>`` (JSON: ``original_fraction``, ``regraded_with_question_uuid``,
``regraded_with_revision``, ``regraded_at``...) are moved into them and removed; a note
whose response no longer exists is dropped. ``attempts`` gains the index
``ix_attempts_lesson_id_kind_state``.

Runs on SQLite (batch: the ``responses`` table is copied, with foreign keys off, by
``quizapp.store.database``) and PostgreSQL. Downgrade writes the notes back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "regrade:"

settings = sa.table(
    "settings",
    sa.column("key", sa.String(100)),
    sa.column("value", sa.JSON()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
questions = sa.table(
    "questions",
    sa.column("id", sa.Integer()),
    sa.column("uuid", sa.Uuid()),
    sa.column("pack_id", sa.Integer()),
    sa.column("key", sa.String(200)),
    sa.column("revision", sa.Integer()),
)
slots = sa.table(
    "attempt_slots",
    sa.column("id", sa.Integer()),
    sa.column("slot", sa.Integer()),
    sa.column("question_id", sa.Integer()),
)
attempts = sa.table("attempts", sa.column("id", sa.Integer()), sa.column("uuid", sa.Uuid()))
responses = sa.table(
    "responses",
    sa.column("id", sa.Integer()),
    sa.column("uuid", sa.Uuid()),
    sa.column("attempt_id", sa.Integer()),
    sa.column("slot_id", sa.Integer()),
    sa.column("try_number", sa.Integer()),
    sa.column("fraction", sa.Float()),
    sa.column("original_fraction", sa.Float()),
    sa.column("regraded_question_id", sa.Integer()),
    sa.column("regraded_at", sa.DateTime(timezone=True)),
)


def _stored_time(moment: datetime, dialect: str) -> datetime:
    """As ``quizapp.store.types.UTCDateTime`` stores it: naive UTC on SQLite."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(tzinfo=None) if dialect == "sqlite" else moment


def _read_time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def upgrade() -> None:
    op.create_index(
        "ix_attempts_lesson_id_kind_state",
        "attempts",
        ["lesson_id", "kind", "state"],
        unique=False,
    )
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("original_fraction", sa.Float(), nullable=True))
        batch.add_column(sa.Column("regraded_question_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("regraded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(
            op.f("ix_responses_regraded_question_id"), ["regraded_question_id"], unique=False
        )
        batch.create_foreign_key(
            op.f("fk_responses_regraded_question_id_questions"),
            "questions",
            ["regraded_question_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _move_settings_notes()


def _move_settings_notes() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    notes = bind.execute(
        sa.select(settings.c.key, settings.c.value).where(settings.c.key.like(f"{PREFIX}%"))
    ).all()
    for key, value in notes:
        note = value if isinstance(value, dict) else {}
        response_uuid = _uuid(key[len(PREFIX) :]) or _uuid(note.get("response_uuid"))
        row = None
        if response_uuid is not None:
            row = bind.execute(
                sa.select(responses.c.id, responses.c.fraction, slots.c.question_id)
                .join(slots, slots.c.id == responses.c.slot_id)
                .where(responses.c.uuid == response_uuid)
            ).one_or_none()
        if row is not None:
            question_id = _regraded_question(bind, note, row.question_id)
            original = note.get("original_fraction")
            when = note.get("regraded_at")
            bind.execute(
                responses.update()
                .where(responses.c.id == row.id)
                .values(
                    original_fraction=float(original) if original is not None else row.fraction,
                    regraded_question_id=question_id,
                    regraded_at=_stored_time(_read_time(when), dialect) if when else None,
                )
            )
        bind.execute(settings.delete().where(settings.c.key == key))


def _regraded_question(bind: Any, note: dict[str, Any], asked_id: int) -> int | None:
    """The revision a note says it regraded with: by UUID, else by revision number of
    the same question (pack and key of the revision asked)."""
    wanted = _uuid(note.get("regraded_with_question_uuid"))
    if wanted is not None:
        found = bind.execute(
            sa.select(questions.c.id).where(questions.c.uuid == wanted)
        ).scalar_one_or_none()
        if found is not None:
            return int(found)
    number = note.get("regraded_with_revision")
    if number is None:
        return None
    asked = questions.alias("asked")
    found = bind.execute(
        sa.select(questions.c.id)
        .join(
            asked,
            sa.and_(asked.c.pack_id == questions.c.pack_id, asked.c.key == questions.c.key),
        )
        .where(asked.c.id == asked_id, questions.c.revision == int(number))
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def downgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    asked = questions.alias("asked")
    used = questions.alias("used")
    rows = bind.execute(
        sa.select(
            responses.c.uuid,
            responses.c.try_number,
            responses.c.fraction,
            responses.c.original_fraction,
            responses.c.regraded_at,
            attempts.c.uuid.label("attempt_uuid"),
            slots.c.slot,
            asked.c.key,
            asked.c.uuid.label("asked_uuid"),
            asked.c.revision.label("asked_revision"),
            used.c.uuid.label("used_uuid"),
            used.c.revision.label("used_revision"),
        )
        .join(slots, slots.c.id == responses.c.slot_id)
        .join(attempts, attempts.c.id == responses.c.attempt_id)
        .join(asked, asked.c.id == slots.c.question_id)
        .join(used, used.c.id == responses.c.regraded_question_id)
    ).all()
    for r in rows:
        when = _read_time(r.regraded_at) if r.regraded_at is not None else datetime.now(UTC)
        bind.execute(
            settings.insert().values(
                key=f"{PREFIX}{r.uuid}",
                value={
                    "response_uuid": str(r.uuid),
                    "attempt_uuid": str(r.attempt_uuid),
                    "slot": r.slot,
                    "try_number": r.try_number,
                    "question_key": r.key,
                    "original_fraction": r.original_fraction,
                    "fraction": r.fraction,
                    "asked_question_uuid": str(r.asked_uuid),
                    "asked_revision": r.asked_revision,
                    "regraded_with_question_uuid": str(r.used_uuid),
                    "regraded_with_revision": r.used_revision,
                    "regraded_at": when.isoformat(),
                },
                updated_at=_stored_time(when, dialect),
            )
        )
    with op.batch_alter_table("responses") as batch:
        batch.drop_constraint(
            op.f("fk_responses_regraded_question_id_questions"), type_="foreignkey"
        )
        batch.drop_index(op.f("ix_responses_regraded_question_id"))
        batch.drop_column("regraded_at")
        batch.drop_column("regraded_question_id")
        batch.drop_column("original_fraction")
    op.drop_index("ix_attempts_lesson_id_kind_state", table_name="attempts")
