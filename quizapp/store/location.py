"""Where the database is, worked out without SQLAlchemy (start-up reads it before the
heavy imports: performance issue 8).

The rules are those of :func:`quizapp.store.database.resolve_db_url`: ``--db`` wins,
then ``QUIZAPP_DB``, then the default file in the user data folder; a value containing
``://`` is a database URL, anything else a file path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DB_ENV = "QUIZAPP_DB"


def default_db_path() -> Path:
    """``<user data dir>/quizapp.sqlite3`` (platformdirs ``user_data_dir("quizapp")``)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("quizapp", appauthor=False)) / "quizapp.sqlite3"


def database_identity(db: str | None, env: Mapping[str, str] = os.environ) -> str:
    """What two starts must share to be "the same database": the absolute file path
    (``db``, else ``env["QUIZAPP_DB"]``, else :func:`default_db_path`) or the URL as
    given."""
    value = db if db else env.get(DB_ENV) or None
    if value is None:
        return str(default_db_path().resolve())
    if "://" in value:
        return value
    return str(Path(value).expanduser().resolve())


def local_sqlite_file(db: str | None, env: Mapping[str, str] = os.environ) -> Path | None:
    """The absolute path of the SQLite file ``db`` (or ``QUIZAPP_DB``, or the default)
    names, or ``None`` when it names a database URL (a server, or a SQLite URL whose
    options only SQLAlchemy should interpret)."""
    identity = database_identity(db, env)
    if "://" in identity:
        return None
    return Path(identity)
