"""Stored statistics cells: ``attempt_cells`` keeps each finished attempt's slots, marks
and selections as the quiz statistics report reads them (derived data; see
``quizapp.store.models.AttemptCells``).

A new table only, empty after the upgrade: the first statistics report of a quiz fills
the rows of its attempts from their responses
(``quizapp.services.attempt_cells.fill_missing_cells``), as it would read them anyway.
Rows are deleted with their attempt (``ON DELETE CASCADE``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attempt_cells",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("marks", sa.Text(), nullable=False),
        sa.Column("picks", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempts.id"],
            name=op.f("fk_attempt_cells_attempt_id_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_attempt_cells")),
    )


def downgrade() -> None:
    op.drop_table("attempt_cells")
