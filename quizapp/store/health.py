"""The health of the database file: quick check at start, recovery, storage failures.

- :func:`check_database` runs ``PRAGMA quick_check`` on a SQLite file without writing
  to it and says whether it is healthy, damaged, or not a database at all.
- :func:`move_aside`, :func:`restore_backup` and :func:`start_new` are the ways out of
  a damaged file (the recovery dialog offers them): the damaged file is always kept,
  renamed with a timestamp beside the original, never deleted.
- :class:`StorageError` is what a write that the disk refused becomes (full disk,
  read-only folder, data folder removed while running): a :class:`QuizAppError` whose
  message says what happened and what to do. :func:`install_storage_guards` hooks an
  engine so every such failure surfaces as one, and refuses to write into a database
  file that has disappeared (SQLite would otherwise keep writing into the deleted
  file, and everything written after the deletion would be lost at exit).

SQLite reference: https://www.sqlite.org/pragma.html#pragma_quick_check (``ok`` or a
list of problems), result codes SQLITE_FULL ("database or disk is full"),
SQLITE_READONLY ("attempt to write a readonly database"), SQLITE_CANTOPEN ("unable to
open database file"), SQLITE_IOERR ("disk I/O error"), SQLITE_NOTADB ("file is not a
database"), SQLITE_CORRUPT ("database disk image is malformed").
"""

from __future__ import annotations

import enum
import errno
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quizapp.domain.errors import QuizAppError

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""

SIDE_FILES = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside a database; they travel with it when it is moved."""


# ---------------------------------------------------------------- storage failures


class StorageError(QuizAppError):
    """The computer refused to store data: ``kind`` is ``"full"``, ``"readonly"``,
    ``"missing"``, ``"io"`` or ``"busy"``. Whatever was being saved was not saved (the
    transaction was rolled back); the message says what to do."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


_MESSAGES = {
    "full": (
        "The disk is full, so quizapp could not save to {where}. Nothing from this last "
        "step was saved. Free some space (or ask your teacher to), then try again."
    ),
    "readonly": (
        "quizapp is not allowed to write to {where} (the folder or file is read-only). "
        "Nothing from this last step was saved. Ask your teacher to check the data "
        "folder's permissions, or start quizapp with another database (--db)."
    ),
    "missing": (
        "The data file {where} or its folder is gone (removed or on a disconnected "
        "drive). Nothing from this last step was saved. Close quizapp and open it again; "
        "if the folder was on a USB stick or network drive, reconnect it first."
    ),
    "io": (
        "The disk reported an error while quizapp was saving to {where}. Nothing from "
        "this last step was saved. Close quizapp and open it again; if this keeps "
        "happening, the disk may be failing: ask your teacher."
    ),
    "busy": (
        "Another program kept the database {where} busy for too long, so nothing from "
        "this last step was saved. Try again in a moment."
    ),
}


def storage_error(kind: str, where: str) -> StorageError:
    """A :class:`StorageError` of ``kind`` (see the class) about the file or folder ``where``."""
    return StorageError(kind, _MESSAGES[kind].format(where=where))


_SQLITE_KINDS = (
    ("database or disk is full", "full"),
    ("disk is full", "full"),
    ("readonly database", "readonly"),
    ("read-only", "readonly"),
    ("unable to open database file", "missing"),
    ("disk i/o error", "io"),
    ("database is locked", "busy"),
    ("database table is locked", "busy"),
)

_ERRNO_KINDS = {
    errno.ENOSPC: "full",
    getattr(errno, "EDQUOT", errno.ENOSPC): "full",
    errno.EROFS: "readonly",
    errno.EACCES: "readonly",
    errno.EPERM: "readonly",
    errno.ENOENT: "missing",
    errno.EIO: "io",
}


def classify_storage_failure(exc: BaseException) -> str | None:
    """The :class:`StorageError` kind of an exception raised by SQLite or the file
    system, or ``None`` when it is not a storage failure (e.g. a constraint violation).

    Looks through SQLAlchemy's wrapper (``.orig``) and the exception chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageError):
            return current.kind
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and orig is not current:
            kind = classify_storage_failure(orig)
            if kind is not None:
                return kind
        if isinstance(current, sqlite3.OperationalError):
            text = str(current).lower()
            for needle, kind in _SQLITE_KINDS:
                if needle in text:
                    return kind
        elif isinstance(current, OSError) and current.errno in _ERRNO_KINDS:
            return _ERRNO_KINDS[current.errno]
        current = current.__cause__ or current.__context__
    return None


def install_storage_guards(engine: Any, path: Path) -> None:
    """Make ``engine`` (a SQLite engine on the file ``path``) report storage failures
    as :class:`StorageError`, and refuse to begin a transaction once ``path`` has
    disappeared (removed, or its drive disconnected) instead of writing into a file
    nobody will ever read again."""
    from sqlalchemy import event

    where = str(path)

    def on_error(context: Any) -> BaseException | None:
        kind = classify_storage_failure(context.original_exception)
        if kind is None:
            return None
        return storage_error(kind, where)

    def on_begin(conn: Any) -> None:
        if not path.exists():
            raise storage_error("missing", where)

    event.listen(engine, "handle_error", on_error)
    event.listen(engine, "begin", on_begin, insert=True)


# ---------------------------------------------------------------- quick check


class Health(enum.Enum):
    """What :func:`check_database` found."""

    OK = "ok"
    """A SQLite database whose quick check passed (or no file yet: a new one will be made)."""
    DAMAGED = "damaged"
    """A SQLite database whose quick check found problems (or could not read it)."""
    NOT_A_DATABASE = "not_a_database"
    """Not a SQLite file at all (another kind of file with the database's name)."""


@dataclass(frozen=True)
class HealthReport:
    """The outcome of :func:`check_database`: ``health``; ``path`` checked; ``exists``
    False when there is no file yet; ``problems`` the quick check's first messages (or
    the error that stopped it), empty when healthy."""

    health: Health
    path: Path
    exists: bool
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the database can be opened as it is."""
        return self.health is Health.OK

    def describe(self) -> str:
        """One paragraph for the user: what is wrong with the file."""
        if self.health is Health.OK:
            return f"The database {self.path} is healthy."
        if self.health is Health.NOT_A_DATABASE:
            return (
                f"The file {self.path} is not a quizapp database (it holds something else, "
                "or it was cut short)."
            )
        first = f" ({self.problems[0]})" if self.problems else ""
        return f"The database {self.path} is damaged{first}."


def check_database(path: Path, max_problems: int = 5) -> HealthReport:
    """Quick-check the SQLite file ``path`` without changing its content.

    Runs ``PRAGMA quick_check(max_problems)`` (O(N), skips index cross-checks; on a
    10 MB database a few tens of milliseconds). A missing or empty file is ``OK`` (a
    new database will be created). Opens the file read-write only so that SQLite can
    read the write-ahead log a killed process left behind; nothing is written.
    """
    if not path.exists():
        return HealthReport(Health.OK, path, exists=False)
    try:
        size = path.stat().st_size
        if size == 0:
            return HealthReport(Health.OK, path, exists=True)
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        return HealthReport(Health.DAMAGED, path, True, (f"cannot read the file: {exc}",))
    if header != SQLITE_MAGIC:
        return HealthReport(Health.NOT_A_DATABASE, path, True, ("no SQLite header",))
    try:
        con = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True)
        try:
            rows = [row[0] for row in con.execute(f"PRAGMA quick_check({int(max_problems)})")]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "file is not a database" in text.lower():
            return HealthReport(Health.NOT_A_DATABASE, path, True, (text,))
        return HealthReport(Health.DAMAGED, path, True, (text,))
    if rows == ["ok"]:
        return HealthReport(Health.OK, path, True)
    return HealthReport(Health.DAMAGED, path, True, tuple(str(r) for r in rows))


# ---------------------------------------------------------------- recovery


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now()).strftime("%Y%m%d-%H%M%S")


def move_aside(path: Path, reason: str = "damaged", now: datetime | None = None) -> Path:
    """Rename the database ``path`` (and its ``-wal``/``-shm``/``-journal`` files) to
    ``<stem>.<reason>-<YYYYmmdd-HHMMSS>.sqlite3`` beside it; never deletes anything.

    Returns the new path of the database file. Raises :class:`StorageError` when the
    folder does not allow it."""
    base = f"{path.stem}.{reason}-{_stamp(now)}"
    target = path.with_name(f"{base}{path.suffix or '.sqlite3'}")
    n = 2
    while target.exists():
        target = path.with_name(f"{base}-{n}{path.suffix or '.sqlite3'}")
        n += 1
    try:
        os.replace(path, target)
        for side in SIDE_FILES:
            extra = path.with_name(path.name + side)
            if extra.exists():
                os.replace(extra, target.with_name(target.name + side))
    except OSError as exc:
        raise storage_error(classify_storage_failure(exc) or "io", str(path.parent)) from exc
    return target


def restore_backup(path: Path, backup: Path, now: datetime | None = None) -> Path:
    """Put the copy ``backup`` in place of the database ``path``; the file that was at
    ``path`` is moved aside first (:func:`move_aside`). The backup itself is kept.

    The copy is written to a temporary name with SQLite's backup API, then renamed, so
    a failure leaves no half-written database. Returns where the old file went (or
    ``path`` itself if there was none). Raises :class:`StorageError`."""
    kept = move_aside(path, now=now) if path.exists() else path
    temporary = path.with_name(path.name + ".restoring")
    try:
        temporary.unlink(missing_ok=True)
        source = sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(temporary)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except (OSError, sqlite3.Error) as exc:
        temporary.unlink(missing_ok=True)
        raise storage_error(classify_storage_failure(exc) or "io", str(path)) from exc
    return kept


def start_new(path: Path, now: datetime | None = None) -> Path:
    """Move the database ``path`` aside (:func:`move_aside`) so that the next start
    creates a new, empty one. Returns where the old file went."""
    return move_aside(path, now=now)

