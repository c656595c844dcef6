"""What the first screen can show before the services are built (performance issue 8).

:func:`early_students` gives the profile picker its list straight from the SQLite file
with the standard library alone, so the picker is on screen (and clickable) while
SQLAlchemy, the schema check and the services load. The full list from
:meth:`quizapp.services.students.StudentService.list_students` replaces it as soon as
the services are ready; the two agree (a test compares them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from uuid import UUID

from quizapp.services.dto import StudentInfo
from quizapp.store.location import local_sqlite_file
from quizapp.store.quick_read import read_student_rows


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def early_students(db: str | None, env: Mapping[str, str] = os.environ) -> list[StudentInfo] | None:
    """The students of the local SQLite database ``db`` (path; ``None``: ``QUIZAPP_DB``
    or the default file), the last used first, as ``list_students`` orders them; times
    aware UTC.

    ``None`` when there is nothing to show early: a server URL, no file yet (first
    start), or a file that cannot be read this way (the ordinary start then reports
    what is wrong). Never raises for a bad file."""
    path = local_sqlite_file(db, env)
    if path is None:
        return None
    rows = read_student_rows(path)
    if rows is None:
        return None
    try:
        return [
            StudentInfo(
                id=row_id,
                uuid=UUID(hex=uuid_hex),
                name=name,
                created_at=_utc(created),
                last_used_at=_utc(used) if used is not None else None,
                class_name=class_name,
            )
            for row_id, uuid_hex, name, created, used, class_name in rows
        ]
    except ValueError:  # not text we wrote: let the ordinary start look at it
        return None
