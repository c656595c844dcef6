"""SCHEMA_HEAD, the constant that lets start-up skip Alembic, follows the migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from quizapp.store import database as dbmod
from quizapp.store.database import SCHEMA_HEAD, head_revision, open_database, resolve_db_url


def test_schema_head_is_the_alembic_head_of_the_shipped_migrations() -> None:
    # Fails when a revision is added to migrations/versions without updating SCHEMA_HEAD.
    assert dbmod.MIGRATIONS_DIR == dbmod._SHIPPED_MIGRATIONS_DIR
    assert head_revision() == SCHEMA_HEAD


def test_a_database_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    db = tmp_path / "quizapp.sqlite3"
    database = open_database(resolve_db_url(str(db)))  # created and migrated (Alembic)
    database.close()
    code = (
        "import sys\n"
        "from quizapp.store.database import open_database, resolve_db_url\n"
        "from sqlalchemy import text\n"
        "database = open_database(resolve_db_url(sys.argv[1]))\n"
        "with database.sessions.begin() as s:\n"
        "    tables = s.execute(text('SELECT count(*) FROM students')).scalar()\n"
        "database.close()\n"
        "loaded = [m for m in ('alembic', 'mako', 'pygments') if m in sys.modules]\n"
        "print('LOADED', loaded, tables)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "LOADED [] 0" in result.stdout
