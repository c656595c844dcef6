"""Merged-away student profiles: ``merged_students`` maps each removed profile's UUID to
the profile it was merged into.

When the teacher merges two profiles of the same student, the removed profile's UUID
is recorded here with the kept student's id, so a results bundle that still carries
the removed profile (merged again later) adds its attempts, lesson reads and cards to
the kept profile instead of bringing the removed one back
(``quizapp.services.classes.ClassService.merge_students``,
``quizapp.services.bundles.merge_bundles``). The kept student's deletion deletes its
mappings (``ON DELETE CASCADE``). A new table only: no copy of an existing table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merged_students",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("kept_student_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kept_student_id"],
            ["students.id"],
            name=op.f("fk_merged_students_kept_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merged_students")),
        sa.UniqueConstraint("uuid", name=op.f("uq_merged_students_uuid")),
    )
    op.create_index(
        op.f("ix_merged_students_kept_student_id"),
        "merged_students",
        ["kept_student_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_merged_students_kept_student_id"), table_name="merged_students")
    op.drop_table("merged_students")
