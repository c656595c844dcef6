"""A school server: many classroom computers on one PostgreSQL database.

What differs from a SQLite file (issue 9, ``docs/school-server.md``):

- **Passwords** never travel on the command line or into a log. A URL such as
  ``postgresql+psycopg://quizapp@db.school.lan/quizapp`` carries no password; libpq
  takes it from ``PGPASSWORD`` or ``~/.pgpass`` by itself (PostgreSQL docs, "The
  Password File"). :func:`refuse_password` rejects a URL that has one; every URL
  shown or logged goes through :func:`safe_url` (``hide_password=True``).
- **Engine**: a small pool (one person per computer), ``pool_pre_ping`` so a
  connection the server dropped (restart, network blip) is replaced before use, a
  libpq ``connect_timeout`` so an unreachable server fails in seconds, not minutes
  (:func:`engine_options`, :func:`install_error_translation`).
- **Failures**: a lost or impossible connection becomes :class:`ServerUnavailableError`
  (a :class:`QuizAppError` the GUI shows in its usual message box) instead of a raw
  driver error. The transaction it happened in is rolled back by SQLAlchemy, so
  nothing half-done is ever reported as saved. :func:`retry_transient` retries an
  operation that is safe to repeat (a read, or a write keyed by a UUID);
  :func:`retrying` wraps chosen methods of a service that way.
- **Schema**: classroom computers never migrate a shared server (the app opens it
  with ``migrate=False``); the administrator runs ``quizapp db upgrade``, which takes
  a ``pg_dump`` first (:func:`upgrade_server`) and migrates under the advisory lock
  :func:`quizapp.store.database.open_database` already takes. ``quizapp db status``
  is :func:`schema_status`.

Sources: SQLAlchemy "Dealing with Disconnects" (pessimistic ``pool_pre_ping``) and
``DialectEvents.handle_error``; PostgreSQL libpq "Connection Strings"
(``connect_timeout``, ``application_name``) and "Environment Variables"; ``pg_dump``
manual (``--format=custom``, ``--no-password``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from quizapp.domain.errors import QuizAppError

T = TypeVar("T")

CONNECT_TIMEOUT_S = 10
"""libpq ``connect_timeout``: seconds before an unreachable server is reported."""
POOL_SIZE = 2
"""Connections kept per computer (one user, the GUI thread plus one worker)."""
MAX_OVERFLOW = 3
POOL_TIMEOUT_S = 30
RETRY_WAITS_S: tuple[float, ...] = (0.5, 1.0, 2.0)
"""Pauses before each retry of a safe operation (3 retries, 3.5 s at most)."""
APPLICATION_NAME = "quizapp"


class ServerUnavailableError(QuizAppError):
    """The database server cannot be reached, or the connection to it was lost.

    Whatever the failed operation was doing was rolled back (or, if the connection
    dropped during COMMIT, may not have been saved): callers must not report it as
    done. ``connecting`` is True when no connection could be made at all."""

    def __init__(self, message: str, *, connecting: bool) -> None:
        self.connecting = connecting
        super().__init__(message)


class PasswordInUrlError(QuizAppError):
    """A database URL given on the command line or in the environment holds a password."""


# --------------------------------------------------------------------------- URLs


def is_server_url(url: str | URL) -> bool:
    """True for a database other than SQLite (a shared server)."""
    return make_url(url).get_backend_name() != "sqlite"


def safe_url(url: str | URL) -> str:
    """``url`` as text with any password replaced by ``***`` (for messages and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show nothing of it that could be a secret
        return "<unreadable database URL>"


def refuse_password(url: str | URL, source: str = "--db") -> None:
    """Raise :class:`PasswordInUrlError` if ``url`` carries a password.

    ``source`` names where it came from (``--db``, ``QUIZAPP_DB``) for the message.
    A password on the command line shows in every user's process list (``ps``), and
    one in ``QUIZAPP_DB`` ends up in shell histories and system-wide environment files;
    libpq reads it from ``PGPASSWORD`` or ``~/.pgpass`` instead. The message never
    contains the password itself."""
    u = make_url(url)
    if u.password is None or u.get_backend_name() == "sqlite":
        return
    bare = URL.create(
        u.drivername, u.username, None, u.host, u.port, u.database, u.query
    ).render_as_string(hide_password=True)
    raise PasswordInUrlError(
        f"The database URL given by {source} contains a password, which other users "
        "of this computer could read (process list, shell history). Remove it from the "
        f"URL ({bare}) and put it in ~/.pgpass (one line: host:port:database:user:"
        "password, file mode 600) or in the PGPASSWORD environment variable."
    )


def _describe(u: URL) -> str:
    host = u.host or "localhost"
    port = f":{u.port}" if u.port else ""
    return f"{host}{port}/{u.database or ''}"


# --------------------------------------------------------------------------- engine


def engine_options(url: str | URL) -> dict[str, Any]:
    """Keyword arguments for ``create_engine`` on a server URL: a small pool with
    ``pool_pre_ping=True`` (a dropped connection is replaced before use, so a server
    restart between two clicks goes unnoticed), and libpq ``connect_timeout``
    (:data:`CONNECT_TIMEOUT_S` s) and ``application_name`` unless the URL's query
    already sets them."""
    u = make_url(url)
    connect_args: dict[str, Any] = {}
    if u.get_backend_name() == "postgresql":
        if "connect_timeout" not in u.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        if "application_name" not in u.query:
            connect_args["application_name"] = APPLICATION_NAME
    return {
        "pool_pre_ping": True,
        "pool_size": POOL_SIZE,
        "max_overflow": MAX_OVERFLOW,
        "pool_timeout": POOL_TIMEOUT_S,
        "connect_args": connect_args,
    }


def install_error_translation(engine: Engine) -> None:
    """Turn connection failures on ``engine`` into :class:`ServerUnavailableError`.

    A ``handle_error`` listener: a failed connect (no connection yet) or a statement
    whose connection was lost (``is_disconnect``; SQLAlchemy invalidates the pooled
    connection first) raises our error with a message for the user; the pre-ping
    probe is left alone so the pool can reconnect silently. Other database errors
    (integrity, syntax) pass unchanged."""
    where = _describe(engine.url)

    @event.listens_for(engine, "handle_error")
    def _translate(ctx: Any) -> BaseException | None:
        if ctx.is_pre_ping:
            return None
        reason = _first_line(ctx.original_exception)
        if ctx.connection is None and isinstance(ctx.sqlalchemy_exception, OperationalError):
            return ServerUnavailableError(
                f"Cannot connect to the quizapp database server {where} ({reason}). "
                "Check this computer's network connection, or ask the IT administrator "
                "whether the server is running. Nothing is saved on this computer "
                "instead, so no results are lost or split.",
                connecting=True,
            )
        if ctx.is_disconnect:
            return ServerUnavailableError(
                f"The connection to the quizapp database server {where} was lost "
                f"({reason}). What you just did was not saved; try again in a moment.",
                connecting=False,
            )
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- retries


def retry_transient(
    operation: Callable[[], T],
    *,
    waits: Sequence[float] = RETRY_WAITS_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``operation``; when it raises :class:`ServerUnavailableError`, wait
    ``waits[i]`` seconds and run it again, up to ``len(waits)`` more times, then raise
    the last error.

    Only for operations that are safe to repeat: reads, and writes keyed by a UUID
    the caller generated (a repeat finds the first one instead of storing it twice).
    Each try runs in its own transaction, so a failed try left nothing behind."""
    for wait in waits:
        try:
            return operation()
        except ServerUnavailableError:
            sleep(wait)
    return operation()


class _Retrying:
    """Proxy: the named methods of ``target`` go through :func:`retry_transient`."""

    def __init__(self, target: object, safe: frozenset[str], sleep: Callable[[float], None]):
        self._target = target
        self._safe = safe
        self._sleep = sleep

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name not in self._safe or not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            return retry_transient(lambda: attr(*args, **kwargs), sleep=self._sleep)

        return call

    def __repr__(self) -> str:
        return f"retrying({self._target!r}, {sorted(self._safe)})"


def retrying(target: T, safe: Iterable[str], *, sleep: Callable[[float], None] = time.sleep) -> T:
    """``target`` with the methods named in ``safe`` retried on transient server
    failures (:func:`retry_transient`); every other attribute passes through unchanged.

    Name only methods that are safe to repeat. Typed as ``target``'s own type so
    callers keep their annotations. Raises ``AttributeError`` for a name ``target``
    lacks (a renamed method must not silently lose its retries)."""
    names = frozenset(safe)
    missing = sorted(n for n in names if not callable(getattr(target, n, None)))
    if missing:
        raise AttributeError(f"{type(target).__name__} has no method(s) {missing}")
    return _Retrying(target, names, sleep)  # type: ignore[return-value]


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database's schema stands against this app.

    ``location`` the database (password hidden); ``current`` its Alembic revision
    (``None``: empty, no quizapp tables yet); ``head`` this app's; ``state`` one of
    ``"current"``, ``"behind"`` (run ``quizapp db upgrade``), ``"ahead"`` (update the
    app on this computer), ``"empty"`` (``quizapp db upgrade`` creates the tables)."""

    location: str
    current: str | None
    head: str
    state: str

    def describe(self) -> str:
        """One line for the administrator."""
        advice = {
            "current": "up to date",
            "behind": "older than this app: run `quizapp db upgrade`",
            "ahead": "newer than this app: update quizapp on this computer",
            "empty": "no quizapp tables yet: run `quizapp db upgrade` to create them",
        }[self.state]
        return (
            f"{self.location}: schema revision {self.current or 'none'}, "
            f"this app needs {self.head} ({advice})"
        )


def schema_status(url: str) -> SchemaStatus:
    """Read (never change) the schema revision of the database at ``url``.

    Raises :class:`ServerUnavailableError` when the server cannot be reached."""
    from quizapp.store.database import _create_engine, _current_revision, _known_revision
    from quizapp.store.database import head_revision as app_head

    head = app_head()
    engine = _create_engine(url)
    try:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            current = _current_revision(conn)
            conn.rollback()
    finally:
        engine.dispose()
    if current is None:
        state = "empty"
    elif current == head:
        state = "current"
    elif _known_revision(current):
        state = "behind"
    else:
        state = "ahead"
    return SchemaStatus(location=safe_url(url), current=current, head=head, state=state)


@dataclass(frozen=True)
class UpgradeReport:
    """What ``quizapp db upgrade`` did: revisions ``before`` and ``after``; ``backup``
    the ``pg_dump`` file written first (``None`` with ``--no-backup``, when nothing
    needed upgrading, or on SQLite where :func:`open_database` copies the file)."""

    before: SchemaStatus
    after: SchemaStatus
    backup: Path | None


class BackupFailedError(QuizAppError):
    """``pg_dump`` failed or is missing: the upgrade was not attempted."""


def pg_dump_env(url: str | URL, base: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment for a libpq tool (``pg_dump``) to reach ``url``'s database:
    ``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE`` from the URL, ``PGPASSWORD`` only
    when the URL has a password (otherwise libpq reads ``~/.pgpass``). Nothing goes on
    the command line, so nothing secret shows in ``ps``."""
    u = make_url(url)
    env = dict(base)
    for var, value in (
        ("PGHOST", u.host),
        ("PGPORT", str(u.port) if u.port else None),
        ("PGUSER", u.username),
        ("PGDATABASE", u.database),
        ("PGPASSWORD", u.password),
    ):
        if value:
            env[var] = value
    for key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"):
        option = u.query.get(key)
        if isinstance(option, str):
            env[f"PG{key.upper()}"] = option
    return env


def pg_dump(
    url: str, folder: Path, *, now: datetime, program: str = "pg_dump", label: str = ""
) -> Path:
    """Dump the database at ``url`` with ``pg_dump --format=custom`` to
    ``<folder>/quizapp-<database>-<UTC yyyymmdd-HHMMSS>[-label].dump`` and return it
    (restore with ``pg_restore``).

    Raises :class:`BackupFailedError` (program missing, non-zero exit, empty file);
    a partial file is removed. The password never appears in arguments."""
    exe = shutil.which(program)
    if exe is None:
        raise BackupFailedError(
            f"{program} was not found. Install the PostgreSQL client tools (same major "
            "version as the server or newer), or pass --no-backup if you have your own."
        )
    folder.mkdir(parents=True, exist_ok=True)
    name = make_url(url).database or "quizapp"
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"quizapp-{name}-{stamp}{'-' + label if label else ''}.dump"
    result = subprocess.run(
        [exe, "--format=custom", "--no-password", f"--file={target}"],
        env=pg_dump_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        detail = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise BackupFailedError(
            f"pg_dump of {safe_url(url)} failed, so the database was not upgraded: {detail}"
        )
    return target


def upgrade_server(
    url: str,
    *,
    backup_dir: Path,
    backup: bool = True,
    now: Callable[[], datetime] | None = None,
    program: str = "pg_dump",
) -> UpgradeReport:
    """``quizapp db upgrade``: bring the database at ``url`` to this app's schema.

    On a server: nothing to do when current; refused (:class:`DatabaseTooNewError`)
    when newer; otherwise :func:`pg_dump` to ``backup_dir`` first (unless ``backup`` is
    False) and, only if that succeeded, the Alembic upgrade in one transaction under
    the PostgreSQL advisory lock (``open_database(url, migrate=True)``): several
    administrators at once upgrade once. On SQLite, ``open_database`` itself copies
    the file first. Raises :class:`BackupFailedError`, :class:`MigrationError`,
    :class:`ServerUnavailableError`."""
    from quizapp.store.database import DatabaseTooNewError, open_database
    from quizapp.store.types import utc_now

    before = schema_status(url)
    if before.state == "ahead":
        raise DatabaseTooNewError(before.current or "?", before.location)
    dump: Path | None = None
    if before.state == "current":
        return UpgradeReport(before=before, after=before, backup=None)
    if backup and is_server_url(url) and before.state == "behind":
        dump = pg_dump(
            url, backup_dir, now=(now or utc_now)(), program=program, label=f"before-{before.head}"
        )
    open_database(url, migrate=True).close()
    return UpgradeReport(before=before, after=schema_status(url), backup=dump)
