"""Automatic daily backups (rotating, 7 kept) and the backup taken before a migration."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from quizapp.store import backups
from quizapp.store import database as dbmod
from quizapp.store import models as m
from quizapp.store.database import MigrationError, open_database, resolve_db_url
from quizapp.store.health import check_database
from quizapp.store.types import utc_now


def _add_student(path: Path, name: str) -> None:
    db = open_database(resolve_db_url(str(path)))
    try:
        with db.sessions.begin() as s:
            s.add(m.Student(name=name, created_at=utc_now()))
    finally:
        db.close()


def _names(path: Path) -> list[str]:
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        return sorted(row[0] for row in con.execute("SELECT name FROM students"))
    finally:
        con.close()


def test_first_backup_of_the_day_is_a_consistent_copy(db_path: Path) -> None:
    _add_student(db_path, "Ana")
    copy = backups.daily_backup(db_path, date(2024, 9, 2))
    assert copy == db_path.parent / "backups" / "quizapp-2024-09-02.sqlite3"
    assert check_database(copy).ok
    assert _names(copy) == ["Ana"]
    # A standalone file: no log beside it that it would need.
    assert not copy.with_name(copy.name + "-wal").exists()


def test_only_one_backup_a_day(db_path: Path) -> None:
    _add_student(db_path, "Ana")
    first = backups.daily_backup(db_path, date(2024, 9, 2))
    assert first is not None
    _add_student(db_path, "Ben")
    assert backups.daily_backup(db_path, date(2024, 9, 2)) is None
    assert _names(first) == ["Ana"]  # the morning's copy is not overwritten


def test_no_database_yet_means_no_backup(db_path: Path) -> None:
    assert backups.daily_backup(db_path, date(2024, 9, 2)) is None
    assert not (db_path.parent / "backups").exists()


def test_rotation_keeps_the_newest_seven(db_path: Path) -> None:
    _add_student(db_path, "Ana")
    start = date(2024, 9, 1)
    folder = db_path.parent / "backups"
    folder.mkdir(parents=True)
    stranger = folder / "my-notes.sqlite3"
    stranger.write_text("not ours")
    for day in range(10):
        backups.daily_backup(db_path, start + timedelta(days=day))
    kept = backups.list_backups(db_path)
    assert [p.name for p in kept] == [
        f"quizapp-{(start + timedelta(days=d)).isoformat()}.sqlite3" for d in range(3, 10)
    ]
    assert backups.latest_backup(db_path) == kept[-1]
    assert stranger.read_text() == "not ours"  # other files are never pruned


def test_a_failed_copy_leaves_nothing_that_looks_like_a_backup(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_student(db_path, "Ana")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        backups.daily_backup(db_path, date(2024, 9, 2))
    assert list((db_path.parent / "backups").iterdir()) == []
    assert backups.latest_backup(db_path) is None


# ---------------------------------------------------------------- before a migration

_NEXT_REVISION = '''
"""Test revision: a column added (the table is copied on SQLite). {extra_doc}"""
import sqlalchemy as sa
from alembic import op

revision = "0099"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("students", recreate="always") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))
    {extra}


def downgrade():
    pass
'''


def _scripts_with_next(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(dbmod.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "0099_test.py").write_text(
        _NEXT_REVISION.format(extra=extra, extra_doc="", head=dbmod.SCHEMA_HEAD)
    )
    return folder


def test_start_backs_up_before_upgrading(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy exists, and holds the old schema, by the time the upgrade starts."""
    _add_student(db_path, "Ana")
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", _scripts_with_next(tmp_path))
    seen: list[tuple[bool, list[str]]] = []
    real_upgrade = dbmod._upgrade
    backup = db_path.with_name("quizapp.before-0099.sqlite3")

    def spy(engine: object) -> None:
        seen.append((backup.is_file(), _names(backup) if backup.is_file() else []))
        real_upgrade(engine)  # type: ignore[arg-type]

    monkeypatch.setattr(dbmod, "_upgrade", spy)
    db = open_database(resolve_db_url(str(db_path)))
    try:
        assert seen == [(True, ["Ana"])]
        assert db.backup == backup
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        db.close()


def test_an_upgrade_that_breaks_a_foreign_key_is_rolled_back(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PRAGMA foreign_key_check`` runs after the upgrade: an orphan row it made stops
    the upgrade, the database stays as it was, and the message names the backup."""
    _add_student(db_path, "Ana")
    orphan = (
        'op.execute("INSERT INTO attempts (uuid, student_id, pack_id, kind, behaviour, seed, '
        "started_at, state, current_slot, marks, max_marks) VALUES ('x', 999, 999, 'exam', "
        "'immediatefeedback', 1, '2024-01-01', 'inprogress', 0, 0, 0)\")"
    )
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", _scripts_with_next(tmp_path, orphan))
    with pytest.raises(MigrationError, match="foreign key") as info:
        open_database(resolve_db_url(str(db_path)))
    assert info.value.backup is not None
    assert str(info.value.backup) in str(info.value)
    con = sqlite3.connect(db_path)
    try:
        version = con.execute("SELECT version_num FROM alembic_version").fetchone()
        assert version == (dbmod.SCHEMA_HEAD,)
        assert con.execute("SELECT count(*) FROM attempts").fetchone() == (0,)
    finally:
        con.close()
