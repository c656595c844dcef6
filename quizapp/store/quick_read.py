"""The student list read with the standard ``sqlite3`` module alone, before SQLAlchemy
is imported (performance issue 8: the profile picker is on screen while the rest of the
app loads).

Read-only (``mode=ro``): nothing is created or written. Any problem (no file yet, a
schema without the table, a locked or damaged file) gives ``None``, and the caller
takes the ordinary path through SQLAlchemy, which reports it properly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from quizapp.domain.text import fold_name

T = TypeVar("T")

StudentRow = tuple[int, str, str, str, str | None, str | None]
"""(id, uuid as 32 hex digits, name, created_at, last_used_at, class name): the stored
text of the ``students`` row and its class's name (``None``: no class); times are naive
UTC ISO text, as :class:`quizapp.store.types.UTCDateTime` stores them on SQLite."""

STUDENTS_SQL = (
    "SELECT s.id, s.uuid, s.name, s.created_at, s.last_used_at, c.name FROM students s "
    "LEFT JOIN classes c ON c.id = s.class_id "
    "ORDER BY s.last_used_at IS NULL, s.last_used_at DESC, s.id"
)
"""The students, the last used first, then those never used (by id); :func:`class_order`
then puts the never-used ones in alphabetical order."""


def name_order_key(name: str) -> tuple[str, str]:
    """Where ``name`` goes in alphabetical order: case and accents ignored first
    ("émile" between "Dev" and "Farah", not after "Zoe"), then the exact text to break
    ties. The same on every computer and database (no locale or collation involved)."""
    return fold_name(name), name


def class_order(
    rows: Iterable[T], used: Callable[[T], object], name: Callable[[T], str]
) -> list[T]:
    """The profile picker's order, for a class of any size: the students who used the
    app, as ``rows`` gives them (most recent first: :data:`STUDENTS_SQL`), then those who
    never did in alphabetical order (:func:`name_order_key`; namesakes keep their order
    in ``rows``). ``used(row)`` is the row's last-used time, ``None`` if never;
    ``name(row)`` its name. Both :func:`read_student_rows` and
    :meth:`quizapp.services.students.StudentService.list_students` order this way."""
    rows = list(rows)
    recent = [row for row in rows if used(row) is not None]
    never = [row for row in rows if used(row) is None]
    return recent + sorted(never, key=lambda row: name_order_key(name(row)))


def read_student_rows(path: Path) -> list[StudentRow] | None:
    """Every row of ``students`` in the SQLite file at ``path`` in :func:`class_order`
    (the last used first, then the others alphabetically), or ``None`` when the file is
    missing or cannot be read that way (see the module docstring). Never raises
    ``sqlite3.Error``."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error:
        return None
    try:
        rows = [
            (int(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4], row[5])
            for row in connection.execute(STUDENTS_SQL)
        ]
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        connection.close()
    return class_order(rows, used=lambda row: row[4], name=lambda row: row[2])
