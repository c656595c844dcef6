"""Bulk inserts: many rows of one table in one driver call, for imports and merges.

SQLAlchemy's Core ``insert()`` with a list of parameter sets already makes one
``executemany``, but it builds a parameter dictionary per row and runs every column's
bind processor through generic machinery, which costs more than SQLite itself (10,000
questions and their 40,000 choices: about 0.6 s of CPU against 0.25 s for the driver).
On SQLite, :func:`insert_rows` therefore renders the ``INSERT`` once, converts only
the columns whose type has a bind processor (UUIDs, JSON, UTC times, booleans; using
those same processors, so the stored values are exactly SQLAlchemy's) and hands the
tuples to the driver's ``executemany``. Elsewhere (PostgreSQL) it is the Core
``insert()``, with ``RETURNING`` where ids are wanted.

Source: SQLAlchemy 2 "ORM Bulk INSERT" / "insertmanyvalues" (``Insert.returning(...,
sort_by_parameter_order=True)``), ``TypeEngine.bind_processor``,
``Connection.exec_driver_sql``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from operator import is_
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

_log = logging.getLogger(__name__)

BULK_PAGE_CACHE_KIB = 256 * 1024
"""How large SQLite's page cache may grow during bulk writes, KiB (256 MiB)."""


def table_of(model: type[Any]) -> Table:
    """The Core table of a declarative model class (``Model.__table__``, typed)."""
    return cast(Table, model.__table__)


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    return_ids: bool = False,
) -> list[int]:
    """Insert ``rows`` (each a sequence of Python values in ``columns`` order, as given
    to a Core ``insert()``: ``UUID``, aware ``datetime``, lists for JSON…) into
    ``table``, inside the caller's transaction on ``conn``.

    With ``return_ids`` the table's integer primary key ``id`` (not among ``columns``)
    is returned for each row, in row order; on SQLite the ids are assigned here as
    ``max(id) + 1 …``, so call it only inside a write transaction (the app's
    ``sessions.begin()`` opens SQLite's with ``BEGIN IMMEDIATE``: it holds the write
    lock, and no other writer can take those ids).
    Without ``return_ids`` returns ``[]``. A column left out gets its default (through
    Core ``insert()``, on SQLite too, when the table gives it a Python-side default).
    Raises what the driver raises (as
    :class:`sqlalchemy.exc.DBAPIError`), e.g. ``IntegrityError`` on a duplicate.
    """
    if not rows:
        return []
    dialect = conn.dialect
    given = set(columns)
    defaulted = any(
        c.default is not None and c.key not in given and c.key != "id" for c in table.c
    )
    if dialect.name != "sqlite" or defaulted:
        # Columns left to their Python-side defaults: Core computes them per row.
        params = [dict(zip(columns, row, strict=True)) for row in rows]
        if not return_ids:
            conn.execute(insert(table), params)
            return []
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [id_ for (id_,) in conn.execute(stmt, params)]

    ids: list[int] = []
    names = list(columns)
    if return_ids:
        first = (conn.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        names.insert(0, "id")
    processors = [
        (i, proc)
        for i, name in enumerate(columns)
        if (proc := _processor(table, name, dialect)) is not None
    ]
    # Column by column: transposed and put back together by zip (C), each converted
    # column in one map; a column holding one object throughout (one ``now``, ``True``)
    # is converted once.
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for i, proc in processors:
        column = values[i]
        first = column[0]
        if all(map(is_, column, repeat(first))):  # the same object (not merely equal: 1 == True)
            values[i] = [proc(first)] * len(column)
        else:
            values[i] = list(map(proc, column))
    if return_ids:
        values.insert(0, ids)
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join('?' * len(names))})"
    )
    conn.exec_driver_sql(sql, list(zip(*values, strict=True)))
    return ids


@contextmanager
def large_page_cache(conn: Connection, kib: int = BULK_PAGE_CACHE_KIB) -> Iterator[None]:
    """On SQLite, let ``conn``'s page cache grow to ``kib`` KiB while the block runs, then
    put back the size it had (``PRAGMA cache_size``); elsewhere, nothing.

    SQLite's default cache is 2,000 KiB. Past about 100,000 questions (or a bundle of as
    many responses) the rows' indexes, random UUIDs above all, no longer fit in it, and
    every insert goes back to the operating system for its index pages: storing a
    million questions with plain ``sqlite3`` took 40–44 s of CPU with the default cache
    and 33–34 s with this one (bench/bench_import.py's baseline at 100×). SQLite takes
    the memory only as pages are used (a 10,000-question import touches about 7 MiB)
    and gives it back when the size is put back. Errors putting it back are logged,
    not raised: the block's own error, if any, is the one that matters.

    Source: SQLite, "PRAGMA cache_size" (https://sqlite.org/pragma.html#pragma_cache_size).
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
    finally:
        try:
            conn.exec_driver_sql(f"PRAGMA cache_size={before}")
        except DBAPIError:  # pragma: no cover - a connection SQLite already gave up on
            _log.warning("could not put SQLite's page cache back to %s", before, exc_info=True)


def uuid4s(count: int) -> list[uuid.UUID]:
    """``count`` random (version 4) UUIDs, as :func:`uuid.uuid4` makes them (from
    ``os.urandom``), about twice as fast for many at once."""
    raw = os.urandom(16 * count)
    from_bytes = int.from_bytes
    make = uuid.UUID
    return [
        make(int=(from_bytes(raw[i:i + 16]) & _UUID_CLEAR) | _UUID_V4)
        for i in range(0, 16 * count, 16)
    ]


_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_V4 = (0x8000 << 48) | (0x4000 << 64)  # RFC 4122 variant, version 4


def _processor(table: Table, name: str, dialect: Dialect) -> Any:
    """The bind processor SQLAlchemy runs on ``table.<name>`` values for ``dialect``."""
    type_ = table.c[name].type
    return type_.dialect_impl(dialect).bind_processor(dialect)
