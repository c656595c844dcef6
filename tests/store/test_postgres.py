"""The store on a real PostgreSQL server (the school-server set-up of issue 9).

The PostgreSQL variants of ``test_database.py`` / ``test_types.py`` where they mean
something on a server, and what only a server has: the engine's pool and timeouts,
schema checks that send classroom computers to the administrator, ``quizapp db
upgrade`` with its ``pg_dump`` first, and lost connections. Skipped, with how to run
them, when ``QUIZAPP_TEST_PG_URL`` is unset (see ``conftest.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError

from quizapp import cli
from quizapp.store import database as dbmod
from quizapp.store import models as m
from quizapp.store.database import (
    Database,
    DatabaseOutOfDateError,
    DatabaseTooNewError,
    head_revision,
    open_database,
)
from quizapp.store.server import (
    BackupFailedError,
    ServerUnavailableError,
    retry_transient,
    schema_status,
    upgrade_server,
)

# ---------------------------------------------------------------- helpers


def _revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _kill_backend(server_url: str, pid: int) -> None:
    """Terminate one server process, as a server restart or a dropped link does to it."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        admin.dispose()


CURRENT = dbmod.SCHEMA_HEAD
NEXT = f"{int(CURRENT) + 1:04d}"
NEXT_REVISION = '''"""Test-only revision {next}: a nullable column, as a next release might add."""

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{current}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("classes") as batch:
        batch.add_column(sa.Column("room", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("classes") as batch:
        batch.drop_column("room")
'''


@pytest.fixture
def newer_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make this process an app one schema revision ahead (``NEXT``), as after installing
    the next release: a copy of the migrations with one more revision."""
    folder = tmp_path / "migrations"
    shutil.copytree(dbmod.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / f"{NEXT}_test_room.py").write_text(
        NEXT_REVISION.format(next=NEXT, current=CURRENT), encoding="utf-8"
    )
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", folder)
    assert head_revision() == NEXT
    return NEXT


# ---------------------------------------------------------------- engine


def test_engine_has_a_small_pre_pinged_pool_and_a_connect_timeout(
    pg_database: Database,
) -> None:
    pool = pg_database.engine.pool
    assert pool.size() == 2  # type: ignore[attr-defined]
    assert pool._pre_ping  # type: ignore[attr-defined]
    with pg_database.engine.connect() as conn:
        params = conn.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
        assert params["connect_timeout"] == "10"
        assert conn.exec_driver_sql("SHOW application_name").scalar() == "quizapp"


def test_the_server_url_keeps_its_own_timeout(pg_url: str) -> None:
    url = make_url(pg_url).update_query_dict({"connect_timeout": "3"})
    db = open_database(url.render_as_string(hide_password=False))
    try:
        with db.engine.connect() as conn:
            params = conn.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
            assert params["connect_timeout"] == "3"
    finally:
        db.close()


# ---------------------------------------------------------------- schema and types


def test_migration_creates_exactly_the_models(pg_database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with pg_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, m.Base.metadata) == []


def test_constraints_have_the_same_names_as_on_sqlite(pg_database: Database) -> None:
    insp = inspect(pg_database.engine)
    uniques = {u["name"] for u in insp.get_unique_constraints("responses")}
    assert "uq_responses_slot_id_try_number" in uniques
    fks = {f["name"] for f in insp.get_foreign_keys("attempt_slots")}
    assert fks == {
        "fk_attempt_slots_attempt_id_attempts",
        "fk_attempt_slots_question_id_questions",
    }
    assert insp.get_pk_constraint("students")["name"] == "pk_students"


def test_native_types_for_uuids_times_and_booleans(pg_database: Database) -> None:
    with pg_database.engine.connect() as conn:
        types = dict(
            conn.execute(
                text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'packs'"
                )
            ).all()
        )
    assert types["uuid"] == "uuid"
    assert types["imported_at"] == "timestamp with time zone"
    assert types["enabled"] == "boolean"


def test_foreign_keys_are_enforced(pg_database: Database) -> None:
    def orphan_attempt() -> None:
        with pg_database.sessions.begin() as s:
            s.add(m.Attempt(student_id=999, pack_id=999, kind="lesson", behaviour="x", seed=1))

    with pytest.raises(IntegrityError):
        orphan_attempt()


def test_transaction_rolls_back_as_a_whole(pg_database: Database) -> None:
    def crash_after_a_write() -> None:
        with pg_database.sessions.begin() as s:
            s.add(m.Student(name="Ana"))
            s.flush()
            raise RuntimeError("crash mid-transaction")

    with pytest.raises(RuntimeError):
        crash_after_a_write()
    with pg_database.sessions.begin() as s:
        assert s.scalar(select(func.count(m.Student.id))) == 0


def test_aware_times_round_trip_as_utc_and_naive_ones_are_refused(
    pg_database: Database,
) -> None:
    paris_summer = timezone(timedelta(hours=2))
    moment = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=paris_summer)
    with pg_database.sessions.begin() as s:
        s.add(m.Student(name="Ana", created_at=moment))
    with pg_database.sessions.begin() as s:
        created = s.scalars(select(m.Student.created_at)).one()
    assert created == moment
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert created.hour == 12

    def write_naive() -> None:
        with pg_database.sessions.begin() as s:
            s.add(m.Student(name="Ben", created_at=datetime(2024, 6, 1, 12, 0)))

    with pytest.raises(StatementError):
        write_naive()


def test_uuids_round_trip(pg_database: Database) -> None:
    with pg_database.sessions.begin() as s:
        student = m.Student(name="Ana")
        s.add(student)
        s.flush()
        made = student.uuid
    with pg_database.sessions.begin() as s:
        assert s.scalars(select(m.Student.uuid)).one() == made


# ---------------------------------------------------------------- versions


def test_an_empty_server_is_not_migrated_by_a_classroom_computer(pg_url: str) -> None:
    with pytest.raises(DatabaseOutOfDateError) as info:
        open_database(pg_url, migrate=False)
    message = str(info.value)
    assert "ask your administrator to run `quizapp db upgrade`" in message
    assert "quizapp:quizapp@" not in message  # the test server's password stays hidden
    assert _revision(pg_url) is None


def test_an_older_server_schema_sends_the_classroom_to_the_administrator(
    pg_url: str, newer_app: str
) -> None:
    """The app was updated before the server: it says so and which side to update."""
    with pytest.MonkeyPatch.context() as mp:  # the old app: server at CURRENT
        mp.setattr(dbmod, "MIGRATIONS_DIR", Path(dbmod.__file__).parent / "migrations")
        open_database(pg_url).close()
    assert _revision(pg_url) == CURRENT
    with pytest.raises(DatabaseOutOfDateError) as info:
        open_database(pg_url, migrate=False)
    message = str(info.value)
    assert "ask your administrator to run `quizapp db upgrade`" in message
    assert CURRENT in message
    assert NEXT in message
    assert _revision(pg_url) == CURRENT


def test_a_newer_server_schema_asks_to_update_this_app(pg_url: str) -> None:
    open_database(pg_url).close()
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff0009'"))
    engine.dispose()
    for migrate in (False, True):
        with pytest.raises(DatabaseTooNewError, match="Update quizapp on this computer"):
            open_database(pg_url, migrate=migrate)
    assert _revision(pg_url) == "ffff0009"
    assert schema_status(pg_url).state == "ahead"


def test_many_computers_migrating_an_empty_server_at_once_migrate_it_once(
    pg_url: str,
) -> None:
    """The upgrade runs under an advisory lock: the others wait, then find it done."""
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_and_close() -> None:
        try:
            start.wait(timeout=30)
            open_database(pg_url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert _revision(pg_url) == head_revision()
    assert schema_status(pg_url).state == "current"


# ---------------------------------------------------------------- quizapp db status / upgrade


def _cli_env(monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    """The URL without its password, which goes to PGPASSWORD (as an administrator's
    ~/.pgpass would); ``--db`` refuses a URL with a password."""
    u = make_url(url)
    if u.password:
        monkeypatch.setenv("PGPASSWORD", str(u.password))
    return u.set(password="").render_as_string(hide_password=False).replace(":@", "@", 1)


def test_db_status_and_upgrade_on_the_command_line(
    pg_url: str,
    newer_app: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump (PostgreSQL client tools) is not installed")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dbmod, "MIGRATIONS_DIR", Path(dbmod.__file__).parent / "migrations")
        old = open_database(pg_url)
        with old.sessions.begin() as s:
            s.add(m.SchoolClass(name="5B"))
        old.close()
    url = _cli_env(monkeypatch, pg_url)
    assert ":" not in (make_url(url).password or "")

    assert cli.main(["db", "status", "--db", url]) == 1
    out = capsys.readouterr().out
    assert f"schema revision {CURRENT}, this app needs {NEXT}" in out
    assert "quizapp db upgrade" in out

    backups = tmp_path / "backups"
    assert cli.main(["db", "upgrade", "--db", url, "--backup-dir", str(backups)]) == 0
    out = capsys.readouterr().out
    dumps = list(backups.glob(f"quizapp-*-before-{NEXT}.dump"))
    assert len(dumps) == 1
    assert f"Backup written: {dumps[0]}" in out
    assert f"Upgraded from {CURRENT} to {NEXT}" in out
    assert _revision(pg_url) == NEXT
    # The dump is a real, restorable archive holding the class row.
    listing = subprocess.run(
        ["pg_restore", "--list", str(dumps[0])], capture_output=True, text=True, check=True
    )
    assert "TABLE DATA public classes" in listing.stdout
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, room FROM classes")).all() == [("5B", None)]
    engine.dispose()

    assert cli.main(["db", "status", "--db", url]) == 0
    assert "up to date" in capsys.readouterr().out
    assert cli.main(["db", "upgrade", "--db", url, "--backup-dir", str(backups)]) == 0
    assert "Nothing to do" in capsys.readouterr().out
    assert len(list(backups.iterdir())) == 1  # no dump when there is nothing to upgrade


def test_upgrade_is_refused_when_pg_dump_fails(pg_url: str, newer_app: str, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dbmod, "MIGRATIONS_DIR", Path(dbmod.__file__).parent / "migrations")
        open_database(pg_url).close()
    failing = tmp_path / "bin" / "pg_dump"
    failing.parent.mkdir()
    failing.write_text("#!/bin/sh\necho 'pg_dump: error: server version mismatch' >&2\nexit 1\n")
    failing.chmod(0o755)
    with pytest.raises(BackupFailedError, match="not upgraded: pg_dump: error: server version"):
        upgrade_server(pg_url, backup_dir=tmp_path / "out", program=str(failing))
    assert _revision(pg_url) == CURRENT
    assert not list((tmp_path / "out").glob("*"))  # no partial file left
    with pytest.raises(BackupFailedError, match="was not found"):
        upgrade_server(pg_url, backup_dir=tmp_path / "out", program="no-such-pg-dump-here")
    assert _revision(pg_url) == CURRENT

    report = upgrade_server(pg_url, backup_dir=tmp_path / "out", backup=False, program=str(failing))
    assert report.backup is None
    assert (report.before.current, report.after.current) == (CURRENT, NEXT)
    assert _revision(pg_url) == NEXT


# ---------------------------------------------------------------- lost connections


def test_a_connection_lost_mid_transaction_saves_nothing_and_says_so(
    pg_database: Database, pg_server_url: str
) -> None:
    def write_while_the_server_drops_us() -> None:
        with pg_database.sessions.begin() as s:
            s.add(m.Student(name="Ana"))
            s.flush()
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _kill_backend(pg_server_url, pid)
            s.add(m.Student(name="Ben"))
            s.flush()  # the next statement finds the connection gone

    with pytest.raises(ServerUnavailableError, match="was lost") as info:
        write_while_the_server_drops_us()
    assert not info.value.connecting
    # The pool replaced the dead connection: the next action works, and nothing of the
    # interrupted one was kept.
    with pg_database.sessions.begin() as s:
        assert s.scalars(select(m.Student.name)).all() == []


def test_a_dropped_idle_connection_is_replaced_silently(
    pg_database: Database, pg_server_url: str
) -> None:
    """A server restart between two clicks: pre-ping notices and reconnects."""
    with pg_database.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    _kill_backend(pg_server_url, pid)  # the pooled connection is now dead
    with pg_database.sessions.begin() as s:
        s.add(m.Student(name="Ana"))
    with pg_database.sessions.begin() as s:
        assert s.scalars(select(m.Student.name)).all() == ["Ana"]


def test_a_safe_read_is_retried_through_a_blip(pg_database: Database, pg_server_url: str) -> None:
    with pg_database.sessions.begin() as s:
        s.add(m.Student(name="Ana"))
    blips = {"left": 1}

    @event.listens_for(pg_database.engine, "before_cursor_execute")
    def drop_once(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if blips["left"] and "FROM students" in statement:
            blips["left"] -= 1
            _kill_backend(pg_server_url, conn.connection.driver_connection.info.backend_pid)

    waits: list[float] = []

    def names() -> list[str]:
        with pg_database.sessions.begin() as s:
            return list(s.scalars(select(m.Student.name)))

    assert retry_transient(names, sleep=waits.append) == ["Ana"]
    assert waits == [0.5]  # failed once, waited, succeeded


def test_an_unreachable_server_is_reported_at_once_without_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    started = datetime.now(UTC)
    with pytest.raises(ServerUnavailableError) as info:
        open_database("postgresql+psycopg://teacher:S3cret-pw@127.0.0.1:1/quizapp")
    assert (datetime.now(UTC) - started).total_seconds() < 10
    assert info.value.connecting
    message = str(info.value)
    assert "Cannot connect to the quizapp database server 127.0.0.1:1/quizapp" in message
    assert "Nothing is saved on this computer instead" in message
    assert "S3cret-pw" not in message
    assert "S3cret-pw" not in caplog.text


# ---------------------------------------------------------------- the app on a server


def test_the_app_never_migrates_a_server_and_opens_an_upgraded_one(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizapp import app

    url = _cli_env(monkeypatch, pg_url)  # as a classroom computer: password in PGPASSWORD
    with pytest.raises(DatabaseOutOfDateError, match="ask your administrator"):
        app.open_services(url)
    assert _revision(pg_url) is None  # the classroom computer created nothing
    assert cli.main(["db", "upgrade", "--db", url, "--no-backup"]) == 0
    database, services = app.open_services(url)
    try:
        assert not database.is_sqlite
        assert "retrying(" in repr(services.attempts)
        with database.sessions.begin() as s:
            assert s.scalar(select(func.count(m.Pack.id)).where(m.Pack.is_builtin)) == 1
    finally:
        database.close()
