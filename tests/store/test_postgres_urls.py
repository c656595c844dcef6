"""School-server rules that need no server: passwords, safe URLs, retries, engine options.

These run everywhere (no ``QUIZAPP_TEST_PG_URL`` needed): no connection is ever made.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

import pytest

from quizapp import app, cli
from quizapp.store.database import Database, open_database, resolve_db_url
from quizapp.store.server import (
    PasswordInUrlError,
    ServerUnavailableError,
    engine_options,
    is_server_url,
    pg_dump_env,
    retry_transient,
    retrying,
    safe_url,
)

SECRET = "S3cret-pw"
WITH_PASSWORD = f"postgresql+psycopg://teacher:{SECRET}@db.school.lan:5433/quizapp"
WITHOUT_PASSWORD = "postgresql+psycopg://teacher@db.school.lan:5433/quizapp"


# ---------------------------------------------------------------- passwords


def test_a_url_without_password_is_taken_as_is() -> None:
    assert resolve_db_url(WITHOUT_PASSWORD) == WITHOUT_PASSWORD
    assert resolve_db_url(None, {"QUIZAPP_DB": WITHOUT_PASSWORD}) == WITHOUT_PASSWORD
    assert is_server_url(WITHOUT_PASSWORD)
    assert not is_server_url(resolve_db_url("class.sqlite3"))


@pytest.mark.parametrize("where", ["--db", "QUIZAPP_DB"])
def test_a_password_in_the_url_is_refused_without_repeating_it(where: str) -> None:
    arg, env = (WITH_PASSWORD, {}) if where == "--db" else (None, {"QUIZAPP_DB": WITH_PASSWORD})
    with pytest.raises(PasswordInUrlError) as info:
        resolve_db_url(arg, env)
    message = str(info.value)
    assert SECRET not in message
    assert f"given by {where} contains a password" in message
    assert WITHOUT_PASSWORD in message  # what to use instead
    assert "~/.pgpass" in message
    assert "PGPASSWORD" in message


def test_the_command_line_refuses_it_before_connecting_and_never_logs_it(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for argv in (["db", "status", "--db", WITH_PASSWORD], ["--db", WITH_PASSWORD, "db", "upgrade"]):
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert err.startswith("quizapp: The database URL given by --db contains a password")
        assert SECRET not in err
    assert SECRET not in caplog.text


def test_the_app_refuses_it_before_connecting(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PasswordInUrlError) as info:
        app.open_services(WITH_PASSWORD)
    assert SECRET not in str(info.value)
    assert SECRET not in caplog.text


def test_shown_urls_hide_the_password(tmp_path: Path) -> None:
    assert safe_url(WITH_PASSWORD) == WITHOUT_PASSWORD.replace("teacher@", "teacher:***@")
    assert safe_url("not a url") == "<unreadable database URL>"
    db = open_database(resolve_db_url(str(tmp_path / "q.sqlite3")))
    try:
        # A Database never shows its url in a repr (a test server's may hold a password).
        shown = Database(engine=db.engine, sessions=db.sessions, url=WITH_PASSWORD)
        assert SECRET not in repr(shown)
    finally:
        db.close()


def test_pg_dump_gets_the_connection_through_its_environment() -> None:
    env = pg_dump_env(WITH_PASSWORD + "?sslmode=require", base={"PATH": "/usr/bin"})
    assert env == {
        "PATH": "/usr/bin",
        "PGHOST": "db.school.lan",
        "PGPORT": "5433",
        "PGUSER": "teacher",
        "PGDATABASE": "quizapp",
        "PGPASSWORD": SECRET,
        "PGSSLMODE": "require",
    }
    assert "PGPASSWORD" not in pg_dump_env(WITHOUT_PASSWORD, base={})  # ~/.pgpass then


# ---------------------------------------------------------------- engine options


def test_server_engine_options() -> None:
    options = engine_options(WITHOUT_PASSWORD)
    assert options["pool_pre_ping"] is True
    assert options["pool_size"] <= 3
    assert options["connect_args"] == {"connect_timeout": 10, "application_name": "quizapp"}
    own = engine_options(WITHOUT_PASSWORD + "?connect_timeout=3&application_name=lab")
    assert own["connect_args"] == {}


# ---------------------------------------------------------------- retries


def _blip() -> ServerUnavailableError:
    return ServerUnavailableError("lost", connecting=False)


def test_retry_transient_retries_server_failures_then_gives_up() -> None:
    calls: list[int] = []
    waits: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _blip()
        return "ok"

    assert retry_transient(flaky, sleep=waits.append) == "ok"
    assert waits == [0.5, 1.0]

    def down() -> str:
        calls.append(1)
        raise _blip()

    calls.clear()
    waits.clear()
    with pytest.raises(ServerUnavailableError):
        retry_transient(down, sleep=waits.append)
    assert len(calls) == 4  # the first try and three retries
    assert waits == [0.5, 1.0, 2.0]


def test_retry_transient_does_not_retry_other_errors() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("a bug, not a blip")

    with pytest.raises(ValueError, match="a bug"):
        retry_transient(broken, sleep=lambda _: None)
    assert calls == [1]


class _Service:
    def __init__(self) -> None:
        self.reads = 0
        self.writes = 0
        self.label = "svc"

    def read(self) -> int:
        self.reads += 1
        if self.reads == 1:
            raise _blip()
        return self.reads

    def write(self) -> None:
        self.writes += 1
        raise _blip()


def test_retrying_wraps_only_the_named_methods() -> None:
    service = retrying(_Service(), ["read"], sleep=lambda _: None)
    assert service.read() == 2
    with pytest.raises(ServerUnavailableError):
        service.write()  # not safe to repeat: shown at once
    assert service.writes == 1
    assert service.label == "svc"
    with pytest.raises(AttributeError, match="no method"):
        retrying(_Service(), ["reed"])


def test_the_app_wraps_real_service_methods_on_a_server(tmp_path: Path) -> None:
    """Every method the app declares safe exists (a rename fails here, not in a school)."""
    from quizapp.services.container import build_services

    db = open_database(resolve_db_url(str(tmp_path / "q.sqlite3")))
    try:
        services = app.with_server_retries(build_services(db))
        assert services.students.list_students() == []
        for name in app.SERVER_RETRY_SAFE:
            assert "retrying(" in repr(getattr(services, name))
        # Answers are retried only with one response UUID made before the retry loop
        # (the repeat of a lost commit is found, not stored twice: test_submit_idempotent).
        assert "submit" in app.SERVER_RETRY_SAFE["attempts"]
        submit = type(build_services(db).attempts).submit
        assert "response_uuid" in inspect.signature(submit).parameters
    finally:
        db.close()
