"""Alembic environment for quizapp: runs on the connection it is handed.

``quizapp.store.database`` opens the connection (with SQLite's foreign keys off and a
transaction begun), puts it in ``config.attributes["connection"]`` and calls
``alembic.command.upgrade``; this file only configures the context on it. Batch mode
(``render_as_batch``) so that table changes work on SQLite too.
"""

from __future__ import annotations

from alembic import context

from quizapp.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "quizapp's migrations run through quizapp.store.database.open_database "
        "(they need the connection it opens); offline SQL generation is not supported"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
