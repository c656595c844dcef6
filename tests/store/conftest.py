"""Fixtures for the store tests: a fresh file-backed SQLite database per test, and for
the PostgreSQL variants (``test_postgres*.py``) a fresh PostgreSQL database per test.

PostgreSQL tests run when ``QUIZAPP_TEST_PG_URL`` names a server and a role allowed to
create databases (``.ci/postgres.sh`` starts one and prints the line); otherwise they
are skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_helpers import new_pg_database

from quizapp.store.database import Database, open_database, resolve_db_url

PG_URL_ENV = "QUIZAPP_TEST_PG_URL"
PG_SKIP_REASON = (
    f"no PostgreSQL server: set {PG_URL_ENV}=postgresql+psycopg://USER:PASSWORD@HOST/DB "
    "(a role that may create databases; .ci/postgres.sh prints one) to run this test"
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file goes (in a folder that does not exist yet)."""
    return tmp_path / "data" / "quizapp.sqlite3"


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    """A new database, migrated to head, closed after the test."""
    db = open_database(resolve_db_url(str(db_path)))
    yield db
    db.close()


@pytest.fixture
def pg_server_url() -> str:
    """The test server's URL (``QUIZAPP_TEST_PG_URL``); skips the test when unset."""
    server = os.environ.get(PG_URL_ENV)
    if not server:
        pytest.skip(PG_SKIP_REASON)
    return server


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database made for this test and dropped after
    it (connections and all). It carries the server URL's password, as a test may."""
    with new_pg_database(pg_server_url) as url:
        yield url


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    """A new PostgreSQL database, migrated to head, closed after the test."""
    db = open_database(pg_url)
    yield db
    db.close()
