"""Opening the database: where it is, engine set-up, sessions and migration.

- :func:`resolve_db_url` turns ``--db`` / ``QUIZAPP_DB`` / the default into a URL.
- :func:`open_database` builds the engine (SQLite pragmas, ``BEGIN IMMEDIATE``),
  brings the schema to this app's Alembic head (backup first) and hands back a
  :class:`Database` with its session factory.

SQLite (STYLE.md; SQLAlchemy docs, SQLite dialect, "Transactions with SQLite and the
sqlite3 driver"): every new DBAPI connection gets ``foreign_keys=ON``,
``journal_mode=WAL``, ``synchronous=FULL`` (a closed lid is a power loss, which in WAL
mode only FULL survives) and ``busy_timeout=10000`` ms; the driver's own transaction
handling is switched off (``isolation_level=None``) and every transaction starts with
``BEGIN IMMEDIATE``: in WAL mode a deferred transaction that later writes fails with
"database is locked" whatever the busy timeout, whereas an immediate one waits for
the write lock up front. A connection may opt into a plain deferred ``BEGIN`` with
``execution_options(sqlite_begin="DEFERRED")`` for read-only work.

Alembic is imported inside functions only, and not at all when the database is
already at :data:`SCHEMA_HEAD` (the usual start): its revision is read with a plain
query and compared with that constant, which ``tests/store/test_schema_head.py`` keeps
equal to the Alembic head of ``migrations/versions`` (importing Alembic, Mako and
Pygments costs more than painting a bare window on a classroom computer).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.errors import QuizAppError
from quizapp.store.location import default_db_path

_SHIPPED_MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATIONS_DIR = _SHIPPED_MIGRATIONS_DIR
SCHEMA_HEAD = "0004"
"""The Alembic head revision of the shipped migrations (``migrations/versions``).

Update it with every new revision: ``tests/store/test_schema_head.py`` fails until
it equals Alembic's head. Used only while ``MIGRATIONS_DIR`` is the shipped folder
(tests point it elsewhere to play a newer app)."""
BUSY_TIMEOUT_MS = 10_000
_PG_MIGRATION_LOCK = 0x5155_495A  # "QUIZ": pg_advisory_xact_lock key for upgrades


class DatabaseError(QuizAppError):
    """The database cannot be opened or upgraded; the message says why and what to do."""


class DatabaseTooNewError(DatabaseError):
    """The database was written by a newer quizapp (its schema revision is unknown here).

    It is left untouched; ``revision`` is the database's revision."""

    def __init__(self, revision: str, location: str) -> None:
        self.revision = revision
        super().__init__(
            f"The database {location} was created by a newer version of quizapp "
            f"(schema revision {revision!r}). Update quizapp on this computer to open it; "
            "the database has not been changed."
        )


class DatabaseOutOfDateError(DatabaseError):
    """The database's schema is older than this app and opening was asked not to migrate."""


class MigrationError(DatabaseError):
    """Upgrading the schema failed; nothing was changed. ``backup`` is the copy taken
    before trying, when there is one."""

    def __init__(self, message: str, backup: Path | None) -> None:
        self.backup = backup
        where = f" A copy of the database from before the upgrade is at {backup}." if backup else ""
        super().__init__(f"{message}{where}")


@dataclass
class Database:
    """An open database: ``engine``; ``sessions`` the session factory
    (``sessionmaker(engine, expire_on_commit=False)``; use ``with sessions.begin() as s:``);
    ``url`` as given (password hidden when shown); ``backup`` the copy taken before a
    migration at open time, if any."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str = field(repr=False)  # may hold a test server's password: never in a repr
    backup: Path | None = field(default=None)

    @property
    def is_sqlite(self) -> bool:
        """True for a SQLite database."""
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Close every pooled connection (the database file can then be moved or copied)."""
        self.engine.dispose()


def resolve_db_url(db: str | None, env: Mapping[str, str] = os.environ) -> str:
    """The SQLAlchemy URL of the database to open.

    ``db`` (from ``--db``) wins, then ``env["QUIZAPP_DB"]``, then the default file
    (:func:`default_db_path`). A value containing ``://`` is a SQLAlchemy URL taken as
    is (``postgresql+psycopg://user@host/name``); anything else is a file path (``~``
    expanded, made absolute) and becomes ``sqlite:///<absolute path>``.

    A server URL with a password raises :class:`quizapp.store.server.PasswordInUrlError`
    (it would show in ``ps``; libpq reads ``PGPASSWORD`` or ``~/.pgpass`` instead).
    """
    value = db if db else env.get("QUIZAPP_DB") or None
    if value is None:
        return _sqlite_url(default_db_path())
    if "://" in value:
        from quizapp.store.server import refuse_password

        refuse_password(value, "--db" if db else "QUIZAPP_DB")
        return value
    return _sqlite_url(Path(value).expanduser())


def _sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path.resolve())).render_as_string()


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL, or ``None`` for another database or an in-memory one."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    name = u.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (creating if need be) the database at ``url`` and bring its schema to head.

    SQLite: the parent folder is created. An existing non-empty file behind head is
    first copied to ``<name>.before-<head>.sqlite3`` next to it (SQLite backup API),
    then upgraded in one transaction with ``PRAGMA foreign_key_check`` before commit.
    With ``migrate=False`` (e.g. classroom computers on a shared server) a database not
    at head raises :class:`DatabaseOutOfDateError` instead of being upgraded.

    Raises :class:`DatabaseTooNewError` (left untouched) for a schema newer than this
    app, :class:`MigrationError` when an upgrade fails (rolled back; backup named), and
    :class:`DatabaseError` for a file that is not a quizapp database.
    A SQLite disk that refuses a write (full, read-only, data folder removed) raises
    :class:`quizapp.store.health.StorageError`, here and from every later transaction
    (see :func:`quizapp.store.health.install_storage_guards`).
    """
    path = sqlite_path(url)
    precheck: tuple[bool, str | None] | None = None
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # read-only or vanished data folder: say so, in words
            from quizapp.store.health import classify_storage_failure, storage_error

            kind = classify_storage_failure(exc) or "io"
            raise storage_error(kind, str(path.parent)) from exc
        precheck = _inspect_sqlite_file(path)
        if precheck[1] is not None and precheck[1] != _known_head():
            _refuse_unknown_revision(precheck[1], str(path))
    engine = _create_engine(url)
    if path is not None:
        from quizapp.store.health import install_storage_guards

        install_storage_guards(engine, path)
    try:
        backup = _bring_to_head(engine, path, precheck, migrate=migrate)
    except BaseException:
        engine.dispose()
        raise
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Database(engine=engine, sessions=sessions, url=url, backup=backup)


# --------------------------------------------------------------------------- engine


def _create_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        engine = create_engine(
            u,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    from quizapp.store.models import declare_postgresql_options
    from quizapp.store.server import engine_options, install_error_translation

    declare_postgresql_options()
    engine = create_engine(u, **engine_options(u))
    install_error_translation(engine)  # lost connections -> ServerUnavailableError
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    """Pragmas for every new SQLite connection; the driver stops managing transactions."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    """Emit our own BEGIN: IMMEDIATE unless the connection asked for DEFERRED."""
    mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode not in {"IMMEDIATE", "DEFERRED", "EXCLUSIVE"}:
        raise ValueError(f"sqlite_begin must be IMMEDIATE, DEFERRED or EXCLUSIVE, not {mode!r}")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def read_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reading only: on SQLite its transaction starts with a deferred
    ``BEGIN``, so it neither takes nor waits for the write lock (in WAL mode readers see
    the last commit while a writer works: a report, or a page being filled, is not held
    up by a long write such as a regrade). Rolled back on exit; writing through it is a
    mistake (SQLite may refuse the upgrade with "database is locked")."""
    with sessions() as s:
        s.connection(execution_options={"sqlite_begin": "DEFERRED"})
        yield s


# --------------------------------------------------------------------------- migration


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _known_head() -> str | None:
    """:data:`SCHEMA_HEAD` when the migrations in use are the shipped ones, else ``None``
    (then only Alembic knows the head)."""
    return SCHEMA_HEAD if MIGRATIONS_DIR == _SHIPPED_MIGRATIONS_DIR else None


def head_revision() -> str:
    """This app's schema revision (the Alembic head, read from ``MIGRATIONS_DIR``)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _known_revision(revision: str) -> bool:
    if revision == _known_head():
        return True
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises CommandError / ResolutionError for unknown ids
        return False


def _refuse_unknown_revision(revision: str, location: str) -> None:
    if not _known_revision(revision):
        raise DatabaseTooNewError(revision, location)


def _inspect_sqlite_file(path: Path) -> tuple[bool, str | None]:
    """(has tables, alembic revision) of a SQLite file, read-only; (False, None) if absent.

    Raises :class:`DatabaseError` for a file that is not a SQLite database, or one with
    tables but no Alembic revision (not a quizapp database)."""
    if not path.exists() or path.stat().st_size == 0:
        return (False, None)
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = {
                row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            revision = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a quizapp database or is damaged ({exc}).") from exc
    if tables and "alembic_version" not in tables:
        raise DatabaseError(
            f"{path} is a SQLite file but not a quizapp database; choose another file."
        )
    return (bool(tables - {"alembic_version"}), revision)


def _current_revision(conn: Connection) -> str | None:
    """The revision in ``alembic_version`` (``None`` without the table or a row), read
    with a plain query, as Alembic's ``MigrationContext.get_current_revision`` does
    without importing Alembic. Raises :class:`DatabaseError` when the table holds
    several revisions (branches: not something this app makes)."""
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise DatabaseError(
            f"The database has several schema revisions ({', '.join(sorted(rows))}); "
            "it was not made by quizapp."
        )
    return rows[0] if rows else None


def _bring_to_head(
    engine: Engine,
    path: Path | None,
    precheck: tuple[bool, str | None] | None,
    *,
    migrate: bool,
) -> Path | None:
    known = _known_head()
    if known is not None and precheck is not None and precheck[1] == known:
        return None  # read from the file already: no connection, no Alembic
    location = str(path) if path is not None else engine.url.render_as_string(hide_password=True)
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        current = _current_revision(conn)
        conn.rollback()
    if current is not None and current == known:
        return None
    head = head_revision()
    if current == head:
        return None
    if current is not None:
        _refuse_unknown_revision(current, location)
    if not migrate:
        if path is None:  # a shared server: only its administrator upgrades it
            raise DatabaseOutOfDateError(
                f"The school's quizapp database {location} is older than this app (schema "
                f"revision {current or 'none'}; this app needs {head}). The server must be "
                "updated, not this computer: ask your administrator to run "
                "`quizapp db upgrade`. Nothing was changed."
            )
        raise DatabaseOutOfDateError(
            f"The database {location} is at schema revision {current or 'none'}, this app "
            f"needs {head}. Upgrade it first (quizapp db upgrade)."
        )
    backup = None
    if path is not None and precheck is not None and precheck[0]:
        backup = backup_sqlite(path, f"before-{head}")
    try:
        _upgrade(engine)
    except Exception as exc:
        raise MigrationError(f"Upgrading the database {location} failed: {exc}.", backup) from exc
    return backup


def _upgrade(engine: Engine) -> None:
    """``alembic upgrade head`` in one transaction on one connection (see ``env.py``)."""
    from alembic import command

    config = _alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Batch migrations copy and drop tables: foreign keys off, which SQLite
            # ignores inside a transaction, so before BEGIN (no transaction open yet).
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    lock = text("SELECT pg_advisory_xact_lock(:k)")
                    conn.execute(lock, {"k": _PG_MIGRATION_LOCK})
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(
                            f"the upgraded database breaks {len(problems)} foreign key(s) "
                            f"(first: {tuple(problems[0])}); the upgrade was rolled back"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def backup_sqlite(path: Path, label: str) -> Path:
    """Copy a SQLite database with the backup API to ``<stem>.<label>.sqlite3`` beside it
    (``-2``, ``-3``... appended if that exists). Consistent even while others write.
    Returns the copy's path."""
    target = path.with_name(f"{path.stem}.{label}.sqlite3")
    n = 2
    while target.exists():
        target = path.with_name(f"{path.stem}.{label}-{n}.sqlite3")
        n += 1
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target
