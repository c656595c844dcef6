"""The student list read with the standard ``sqlite3`` module alone, before SQLAlchemy
is imported (performance issue 8: the profile picker is on screen while the rest of the
app loads).

Read-only (``mode=ro``): nothing is created or written. Any problem (no file yet, a
schema without the table, a locked or damaged file) gives ``None``, and the caller
takes the ordinary path through SQLAlchemy, which reports it properly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

StudentRow = tuple[int, str, str, str, str | None]
"""(id, uuid as 32 hex digits, name, created_at, last_used_at): the stored text of the
``students`` row; times are naive UTC ISO text, as :class:`quizapp.store.types.UTCDateTime`
stores them on SQLite."""

STUDENTS_SQL = (
    "SELECT id, uuid, name, created_at, last_used_at FROM students "
    "ORDER BY last_used_at IS NULL, last_used_at DESC, created_at DESC, id DESC"
)
"""The order of :meth:`quizapp.services.students.StudentService.list_students`: the
last used first, then those never used, newest first."""


def read_student_rows(path: Path) -> list[StudentRow] | None:
    """Every row of ``students`` in the SQLite file at ``path``, in
    :data:`STUDENTS_SQL`'s order, or ``None`` when the file is missing or cannot be read
    that way (see the module docstring). Never raises ``sqlite3.Error``."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return None
    try:
        return [
            (int(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4])
            for row in connection.execute(STUDENTS_SQL)
        ]
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        connection.close()
