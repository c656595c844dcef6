"""Fixtures for the store tests: a fresh file-backed SQLite database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from quizapp.store.database import Database, open_database, resolve_db_url


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
