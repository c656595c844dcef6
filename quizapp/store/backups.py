"""Automatic rotating backups of the SQLite database: one a day, the last 7 kept.

``<database folder>/backups/<stem>-YYYY-MM-DD.sqlite3`` (``quizapp-2024-09-02.sqlite3``
for the default ``quizapp.sqlite3``), made with SQLite's online backup API
(https://docs.python.org/3/library/sqlite3.html#sqlite3.Connection.backup), which gives
a consistent copy even while the app writes. Taken at start, at most once per day,
off the GUI thread (``quizapp.app`` runs :func:`daily_backup` on a worker thread); the
oldest copies beyond :data:`KEEP` are deleted (only files matching our own name
pattern, never anything else in the folder).

A copy is written under a temporary name, synced, quick-checked and then renamed, so
a crash or a full disk mid-copy never leaves a half-written file that looks like a
backup.
"""

from __future__ import annotations

import os
import re
import sqlite3
from datetime import date
from pathlib import Path

KEEP = 7
"""How many daily backups are kept."""

FOLDER = "backups"
"""Name of the backups folder, beside the database file."""


def backups_folder(db_path: Path) -> Path:
    """Where the automatic backups of the database ``db_path`` go."""
    return db_path.parent / FOLDER


def _pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(db_path.stem)}-(\d{{4}}-\d{{2}}-\d{{2}})\.sqlite3$")


def list_backups(db_path: Path) -> list[Path]:
    """The automatic backups of ``db_path``, oldest first (by the date in the name)."""
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return []
    pattern = _pattern(db_path)
    found = [(m.group(1), p) for p in folder.iterdir() if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def latest_backup(db_path: Path) -> Path | None:
    """The newest automatic backup of ``db_path``, or ``None`` when there is none."""
    backups = list_backups(db_path)
    return backups[-1] if backups else None


def daily_backup(db_path: Path, today: date | None = None, keep: int = KEEP) -> Path | None:
    """Back up ``db_path`` as today's copy unless there is one already; prune to ``keep``.

    ``today`` defaults to the local date. Returns the new copy, or ``None`` when none
    was made (already done today, or no database file yet). Raises ``OSError`` or
    ``sqlite3.Error`` when the copy fails (nothing half-written is left behind); the
    caller logs it: a missing backup must never stop the app.
    """
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return None
    day = (today or date.today()).isoformat()
    folder = backups_folder(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db_path.stem}-{day}.sqlite3"
    if target.exists():
        prune(db_path, keep)
        return None
    temporary = folder / f".{target.name}.partial"
    try:
        temporary.unlink(missing_ok=True)
        source = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(temporary)
            try:
                source.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")
                check = dest.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                dest.close()
        finally:
            source.close()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the backup copy failed its check: {check}")
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    prune(db_path, keep)
    return target


def prune(db_path: Path, keep: int = KEEP) -> list[Path]:
    """Delete the oldest automatic backups of ``db_path`` beyond the newest ``keep``.

    Returns the deleted paths. Files that do not match ``<stem>-YYYY-MM-DD.sqlite3``
    are never touched."""
    backups = list_backups(db_path)
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
