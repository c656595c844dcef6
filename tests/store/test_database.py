"""Opening the database: where it lives, pragmas, transactions, migrations, backups."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from quizapp.store import database as dbmod
from quizapp.store import models as m
from quizapp.store.database import (
    Database,
    DatabaseOutOfDateError,
    DatabaseTooNewError,
    MigrationError,
    head_revision,
    open_database,
    resolve_db_url,
)
from quizapp.store.types import utc_now


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _revision(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------- where


def test_resolve_default_is_in_the_user_data_folder(tmp_path: Path) -> None:
    from platformdirs import user_data_dir

    url = resolve_db_url(None, env={})
    assert url.startswith("sqlite:///")
    assert Path(url.removeprefix("sqlite:///")) == Path(
        user_data_dir("quizapp", appauthor=False)
    ).resolve() / "quizapp.sqlite3"


def test_resolve_prefers_argument_then_environment(tmp_path: Path) -> None:
    env = {"QUIZAPP_DB": str(tmp_path / "env.sqlite3")}
    assert resolve_db_url(None, env) == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert resolve_db_url(str(tmp_path / "arg.db"), env) == f"sqlite:///{tmp_path / 'arg.db'}"
    server = "postgresql+psycopg://teacher@school-server/quizapp"
    assert resolve_db_url(server, env) == server
    assert resolve_db_url(None, {"QUIZAPP_DB": server}) == server


def test_relative_path_becomes_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_db_url("class.sqlite3", {}) == f"sqlite:///{tmp_path / 'class.sqlite3'}"


# ---------------------------------------------------------------- engine


def test_new_file_is_created_with_its_folder_and_migrated(db_path: Path) -> None:
    assert not db_path.parent.exists()
    db = open_database(resolve_db_url(str(db_path)))
    try:
        assert db_path.is_file()
        assert db.backup is None  # nothing to back up in a new database
        assert _revision(db_path) == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert {"students", "packs", "questions", "attempts", "responses", "cards"} <= tables
    finally:
        db.close()


def test_pragmas_on_every_connection(database: Database) -> None:
    for _ in range(2):  # a second pooled or fresh connection gets them too
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_foreign_keys_are_enforced(database: Database) -> None:
    def orphan_attempt() -> None:
        with database.sessions.begin() as s:
            s.add(m.Attempt(student_id=999, pack_id=999, kind="lesson", behaviour="x", seed=1))

    with pytest.raises(IntegrityError):
        orphan_attempt()


def test_transaction_rolls_back_as_a_whole(database: Database) -> None:
    def crash_after_a_write() -> None:
        with database.sessions.begin() as s:
            s.add(m.Student(name="Ana"))
            s.flush()
            raise RuntimeError("crash mid-transaction")

    with pytest.raises(RuntimeError):
        crash_after_a_write()
    with database.sessions.begin() as s:
        assert s.scalar(select(func.count(m.Student.id))) == 0


def test_write_transactions_begin_immediate(database: Database, db_path: Path) -> None:
    """BEGIN takes the write lock at once: another writer is refused while it is held."""
    with database.sessions.begin() as s:
        s.execute(select(m.Student.id))  # a read-only statement, yet the lock is taken
        other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_second_writer_waits_instead_of_failing(database: Database) -> None:
    """Two sessions that read then write: with deferred transactions the second would get
    "database is locked" (a WAL deadlock no timeout solves); with BEGIN IMMEDIATE it
    waits for the first to commit, then succeeds."""
    errors: list[BaseException] = []
    done = threading.Event()

    first = database.sessions()
    first.begin()
    first.execute(select(func.count(m.Student.id)))

    def second_writer() -> None:
        try:
            with database.sessions.begin() as s:
                s.execute(select(func.count(m.Student.id)))
                s.add(m.Student(name="second"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    # The second writer cannot get past BEGIN while the first transaction is open.
    assert not done.wait(timeout=0.5)
    first.add(m.Student(name="first"))
    first.commit()
    first.close()
    thread.join(timeout=20)
    assert done.is_set()
    assert errors == []
    with database.sessions.begin() as s:
        assert sorted(s.scalars(select(m.Student.name))) == ["first", "second"]


def test_naming_convention_names_every_constraint(database: Database) -> None:
    for table in m.Base.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
        for index in table.indexes:
            assert index.name
    insp = inspect(database.engine)
    uniques = {u["name"] for u in insp.get_unique_constraints("responses")}
    assert "uq_responses_slot_id_try_number" in uniques
    fks = {f["name"] for f in insp.get_foreign_keys("attempt_slots")}
    assert fks == {
        "fk_attempt_slots_attempt_id_attempts",
        "fk_attempt_slots_question_id_questions",
    }


def test_migration_creates_exactly_the_models(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, m.Base.metadata) == []


# ---------------------------------------------------------------- versions


def test_reopening_at_head_takes_no_backup(db_path: Path) -> None:
    open_database(resolve_db_url(str(db_path))).close()
    db = open_database(resolve_db_url(str(db_path)))
    db.close()
    assert db.backup is None
    assert sorted(p.name for p in db_path.parent.iterdir() if ".before-" in p.name) == []


def test_newer_database_is_refused_untouched(db_path: Path) -> None:
    db = open_database(resolve_db_url(str(db_path)))
    with db.sessions.begin() as s:
        s.add(m.Student(name="Ana"))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    db.close()
    before = _sha(db_path)
    files_before = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(DatabaseTooNewError, match="newer version of quizapp") as info:
        open_database(resolve_db_url(str(db_path)))
    assert info.value.revision == "9999_from_the_future"
    assert _sha(db_path) == before
    # No backup, and nothing written (a reader of a WAL database may leave an empty log).
    after = {p.name: p.stat().st_size for p in db_path.parent.iterdir()}
    assert {name for name in after if name not in files_before} <= {
        "quizapp.sqlite3-wal",
        "quizapp.sqlite3-shm",
    }
    assert after.get("quizapp.sqlite3-wal", 0) == 0
    assert _revision(db_path) == "9999_from_the_future"


def test_a_sqlite_file_that_is_not_ours_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    con = sqlite3.connect(db_path)
    con.execute("CREATE TABLE recipes (name TEXT)")
    con.commit()
    con.close()
    with pytest.raises(dbmod.DatabaseError, match="not a quizapp database"):
        open_database(resolve_db_url(str(db_path)))


def test_a_file_that_is_not_a_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"these are my holiday photos, not a database" * 100)
    before = _sha(db_path)
    with pytest.raises(dbmod.DatabaseError):
        open_database(resolve_db_url(str(db_path)))
    assert _sha(db_path) == before


_REVISION_0003 = '''
"""Test revision: a column added through a batch operation (copies the table on SQLite)."""
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


def _scripts_with_0003(tmp_path: Path, extra: str = "") -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(
        dbmod.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    (folder / "versions" / "0099_test.py").write_text(
        _REVISION_0003.format(extra=extra, head=dbmod.SCHEMA_HEAD)
    )
    return folder


def _old_database_with_data(db_path: Path) -> None:
    db = open_database(resolve_db_url(str(db_path)))
    with db.sessions.begin() as s:
        student = m.Student(name="Ana", created_at=utc_now())
        s.add(student)
        s.flush()
        pack = m.Pack(key="p", title="P", content_hash="0" * 64)
        s.add(pack)
        s.flush()
        s.add(m.Attempt(student_id=student.id, pack_id=pack.id, kind="exam",
                        behaviour="immediatefeedback", seed=2**62 + 5))
    db.close()


def test_older_database_is_backed_up_then_upgraded_with_its_data(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_database_with_data(db_path)
    assert _revision(db_path) == dbmod.SCHEMA_HEAD
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", _scripts_with_0003(tmp_path))

    db = open_database(resolve_db_url(str(db_path)))
    try:
        backup = db_path.with_name("quizapp.before-0099.sqlite3")
        assert db.backup == backup
        assert _revision(backup) == dbmod.SCHEMA_HEAD  # the copy is the database as it was
        assert _revision(db_path) == "0099"
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name, nickname FROM students").all() == [
                ("Ana", None)
            ]
            # The attempt still points at its student after the table was copied.
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("SELECT seed FROM attempts").scalar() == 2**62 + 5
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.close()


def test_failed_upgrade_rolls_back_and_names_the_backup(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_database_with_data(db_path)
    scripts = _scripts_with_0003(tmp_path, extra='raise RuntimeError("disk on fire")')
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", scripts)

    with pytest.raises(MigrationError, match="disk on fire") as info:
        open_database(resolve_db_url(str(db_path)))
    assert info.value.backup == db_path.with_name("quizapp.before-0099.sqlite3")
    assert str(info.value.backup) in str(info.value)
    # Transactional DDL: the half-done batch copy was rolled back.
    assert _revision(db_path) == dbmod.SCHEMA_HEAD
    con = sqlite3.connect(db_path)
    try:
        columns = [row[1] for row in con.execute("PRAGMA table_info(students)")]
        assert "nickname" not in columns
        assert con.execute("SELECT name FROM students").fetchall() == [("Ana",)]
    finally:
        con.close()


def test_without_migrate_an_old_database_is_not_upgraded(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_database_with_data(db_path)
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", _scripts_with_0003(tmp_path))
    with pytest.raises(DatabaseOutOfDateError, match="0099"):
        open_database(resolve_db_url(str(db_path)), migrate=False)
    assert _revision(db_path) == dbmod.SCHEMA_HEAD


def test_odd_characters_in_the_path(tmp_path: Path) -> None:
    path = tmp_path / "Mrs O'Neil's class #2 (ü)" / "quiz?app=1.sqlite3"
    db = open_database(resolve_db_url(str(path)))
    db.close()
    assert path.is_file()
    assert dbmod.sqlite_path(resolve_db_url(str(path))) == path


def test_alembic_is_loaded_only_when_migrating() -> None:
    """Start-up cost: importing the store and the services does not import Alembic."""
    import subprocess
    import sys

    code = (
        "import sys, quizapp.store.database, quizapp.services.container, "
        "quizapp.services.packs; print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
