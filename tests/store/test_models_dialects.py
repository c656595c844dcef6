"""The schema's PostgreSQL-only option (the partial index's WHERE) is declared when a
PostgreSQL engine is made, so a SQLite start-up never loads SQLAlchemy's PostgreSQL
dialect (performance issue 8), and the index is partial on both databases."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

from quizapp.store import models as m


def _current_index() -> object:
    (index,) = [
        i for i in m.Base.metadata.tables["questions"].indexes if i.name == "uq_questions_current"
    ]
    return index


def test_the_models_alone_do_not_load_the_postgresql_dialect() -> None:
    code = (
        "import sys, quizapp.store.models, quizapp.store.database;"
        "print('sqlalchemy.dialects.postgresql' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_current_revision_index_is_partial_on_both_databases() -> None:
    m.declare_postgresql_options()
    m.declare_postgresql_options()  # idempotent
    index = _current_index()
    pg = str(CreateIndex(index).compile(dialect=postgresql.dialect()))  # type: ignore[arg-type]
    lite = str(CreateIndex(index).compile(dialect=sqlite.dialect()))  # type: ignore[arg-type]
    assert pg.endswith("WHERE is_current")
    assert lite.endswith("WHERE is_current")
