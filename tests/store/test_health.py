"""Damaged files: the quick check at start tells healthy, damaged and not-a-database
apart, and the ways out (restore the latest backup, start new) keep the damaged file."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.store import models as m
from quizapp.store.backups import daily_backup
from quizapp.store.database import open_database, resolve_db_url
from quizapp.store.health import (
    Health,
    check_database,
    move_aside,
    restore_backup,
    start_new,
)
from quizapp.store.types import utc_now


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _make_db(path: Path, names: list[str]) -> None:
    """A real quizapp database at ``path`` holding students ``names`` (closed after)."""
    db = open_database(resolve_db_url(str(path)))
    try:
        with db.sessions.begin() as s:
            for name in names:
                s.add(m.Student(name=name, created_at=utc_now()))
    finally:
        db.close()


def _names(path: Path) -> list[str]:
    db = open_database(resolve_db_url(str(path)))
    try:
        with db.sessions.begin() as s:
            return sorted(s.scalars(select(m.Student.name)))
    finally:
        db.close()


def _corrupt_middle(path: Path) -> None:
    """Overwrite the start of every page in the middle third of the file with 0xff, as
    bad sectors or a copy cut and patched by a file tool would."""
    con = sqlite3.connect(path)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    data = bytearray(path.read_bytes())
    pages = len(data) // page
    assert pages >= 6, "the database is too small to damage its middle"
    for n in range(pages // 3, 2 * pages // 3):
        data[n * page : n * page + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


@pytest.fixture
def many_names() -> list[str]:
    return [f"Student {i:04d} with a fairly long name" for i in range(1500)]


def test_a_healthy_database_passes(db_path: Path, many_names: list[str]) -> None:
    _make_db(db_path, many_names)
    report = check_database(db_path)
    assert report.health is Health.OK
    assert report.ok
    assert report.exists
    assert report.problems == ()


def test_no_file_yet_is_fine(db_path: Path) -> None:
    report = check_database(db_path)
    assert report.ok
    assert not report.exists


def test_overwritten_pages_are_reported_damaged(db_path: Path, many_names: list[str]) -> None:
    _make_db(db_path, many_names)
    _corrupt_middle(db_path)
    before = _sha(db_path)
    report = check_database(db_path)
    assert report.health is Health.DAMAGED
    assert report.problems
    assert "damaged" in report.describe()
    assert _sha(db_path) == before  # checking wrote nothing


def test_a_text_file_named_sqlite3_is_not_a_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_text("name,score\nAna,8\n" * 200, encoding="utf-8")
    report = check_database(db_path)
    assert report.health is Health.NOT_A_DATABASE
    assert "not a quizapp database" in report.describe()


def test_a_cut_short_database_is_not_healthy(db_path: Path, many_names: list[str]) -> None:
    _make_db(db_path, many_names)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 3])  # a copy interrupted half way
    assert not check_database(db_path).ok


def test_quick_check_reads_a_log_left_by_a_killed_process(db_path: Path) -> None:
    """A WAL file with committed transactions (the writer died before checkpointing)
    is part of a healthy database, not damage."""
    _make_db(db_path, ["Ana"])
    writer = sqlite3.connect(db_path)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute(
        "INSERT INTO students (uuid, name, created_at) VALUES ('u-1', 'Ben', '2024-01-01')"
    )
    writer.commit()
    # The writer is not closed (a closed one would checkpoint): as if it had been killed.
    assert db_path.with_name(db_path.name + "-wal").stat().st_size > 0
    assert check_database(db_path).ok
    writer.close()


def test_move_aside_keeps_the_file_and_its_log_with_a_timestamp(db_path: Path) -> None:
    _make_db(db_path, ["Ana"])
    wal = db_path.with_name(db_path.name + "-wal")
    wal.write_bytes(b"log")
    before = _sha(db_path)
    kept = move_aside(db_path, now=datetime(2024, 9, 2, 8, 30, 5))
    assert kept == db_path.with_name("quizapp.damaged-20240902-083005.sqlite3")
    assert not db_path.exists()
    assert not wal.exists()
    assert _sha(kept) == before
    assert kept.with_name(kept.name + "-wal").read_bytes() == b"log"
    # The same second again: a second name, nothing overwritten.
    db_path.write_bytes(b"other")
    again = move_aside(db_path, now=datetime(2024, 9, 2, 8, 30, 5))
    assert again != kept
    assert again.read_bytes() == b"other"
    assert _sha(kept) == before


def test_restore_the_latest_backup_keeps_the_damaged_file(
    db_path: Path, many_names: list[str]
) -> None:
    _make_db(db_path, many_names[:2])
    daily_backup(db_path, date(2024, 9, 1))
    _make_db(db_path, many_names[2:4])
    newest = daily_backup(db_path, date(2024, 9, 2))
    assert newest is not None
    _make_db(db_path, many_names[4:])  # written after the last backup
    _corrupt_middle(db_path)
    damaged = _sha(db_path)

    kept = restore_backup(db_path, newest)

    assert _sha(kept) == damaged  # the damaged file is kept aside, untouched
    assert check_database(db_path).ok
    assert _names(db_path) == sorted(many_names[:4])  # the newest backup's content
    assert newest.is_file()  # the backup itself stays


def test_start_new_keeps_the_damaged_file_and_the_app_opens_an_empty_one(
    db_path: Path,
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_text("not a database at all", encoding="utf-8")
    kept = start_new(db_path)
    assert kept.read_text(encoding="utf-8") == "not a database at all"
    assert not db_path.exists()
    assert _names(db_path) == []  # a new, working database
