"""Bulk inserts store exactly what SQLAlchemy's own ``insert()`` stores.

On SQLite, ``insert_rows`` bypasses SQLAlchemy's per-row machinery for speed (pack
imports of 10,000 questions); a row written that way must be byte for byte the row a
Core ``insert()`` writes, and read back the same through the ORM.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from quizapp.store import models as m
from quizapp.store.bulk import BULK_PAGE_CACHE_KIB, insert_rows, large_page_cache, uuid4s
from quizapp.store.convert import QUESTION_COLUMNS
from quizapp.store.database import Database


def _pack_and_lesson(database: Database) -> tuple[int, int]:
    with database.sessions.begin() as s:
        pack = m.Pack(key="p", title="P", content_hash="0" * 64)
        s.add(pack)
        s.flush()
        lesson = m.Lesson(
            pack_id=pack.id, key="l", position=0, title="L", body="", content_hash="0" * 64
        )
        s.add(lesson)
        s.flush()
        return pack.id, lesson.id


def _values(pack_id: int, lesson_id: int, key: str, u: uuid.UUID) -> dict[str, object]:
    # A time in another zone: stored as UTC either way.
    when = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    return {
        "uuid": u, "pack_id": pack_id, "lesson_id": lesson_id, "key": key, "revision": 1,
        "is_current": True, "content_hash": "a" * 64, "position": 3, "type": "single",
        "prompt": "Où ? \"quoted\" ✓", "text_format": "plain", "explanation": "",
        "hints": ["h1", "é"], "shuffle": False, "scoring": "partial", "evidence": None,
        "difficulty": "hard", "tags": (), "title": "T", "created_at": when,
    }


def test_rows_written_in_bulk_equal_rows_written_by_core_insert(database: Database) -> None:
    pack_id, lesson_id = _pack_and_lesson(database)
    bulk_uuid, core_uuid = uuid4s(2)
    bulk = _values(pack_id, lesson_id, "bulk", bulk_uuid)
    core = _values(pack_id, lesson_id, "core", core_uuid)
    table = m.Question.__table__
    with database.sessions.begin() as s:
        ids = insert_rows(
            s.connection(), table, QUESTION_COLUMNS,
            [[bulk[c] for c in QUESTION_COLUMNS]], return_ids=True,
        )
        s.execute(insert(table), [core])
    with database.sessions.begin() as s:
        raw = {
            row[4]: row  # by key
            for row in s.connection().exec_driver_sql("SELECT * FROM questions").all()
        }
        assert raw["bulk"][0] == ids[0]
        skip = {0, 1, 4}  # id, uuid, key
        assert [v for i, v in enumerate(raw["bulk"]) if i not in skip] == [
            v for i, v in enumerate(raw["core"]) if i not in skip
        ]
        assert raw["bulk"][1] == bulk_uuid.hex  # the same text form as Core's
        assert raw["core"][1] == core_uuid.hex
        row = s.scalars(select(m.Question).where(m.Question.key == "bulk")).one()
        assert row.uuid == bulk_uuid
        assert row.created_at == datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=UTC)
        assert (row.hints, row.tags, row.is_current, row.shuffle) == (["h1", "é"], [], True, False)


def test_bulk_ids_follow_the_rows_in_order(database: Database) -> None:
    pack_id, lesson_id = _pack_and_lesson(database)
    table = m.Question.__table__
    rows = [
        [_values(pack_id, lesson_id, f"k{i}", u)[c] for c in QUESTION_COLUMNS]
        for i, u in enumerate(uuid4s(5))
    ]
    with database.sessions.begin() as s:
        first = insert_rows(s.connection(), table, QUESTION_COLUMNS, rows[:2], return_ids=True)
        second = insert_rows(s.connection(), table, QUESTION_COLUMNS, rows[2:], return_ids=True)
    with database.sessions.begin() as s:
        stored = dict(s.execute(select(m.Question.key, m.Question.id)).all())
    assert [stored[f"k{i}"] for i in range(5)] == first + second
    assert len(set(first + second)) == 5


def test_uuid4s_are_random_version_4() -> None:
    made = uuid4s(1000)
    assert len(set(made)) == 1000
    assert {(u.version, u.variant) for u in made} == {(4, uuid.RFC_4122)}


def _cache_size(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())


def test_large_page_cache_grows_for_the_block_and_is_put_back(database: Database) -> None:
    with database.engine.connect() as conn:
        before = _cache_size(conn)
        with large_page_cache(conn):
            assert _cache_size(conn) == -BULK_PAGE_CACHE_KIB
        assert _cache_size(conn) == before


def test_large_page_cache_is_put_back_when_the_block_fails(database: Database) -> None:
    with database.engine.connect() as conn:
        before = _cache_size(conn)
        with pytest.raises(ZeroDivisionError), large_page_cache(conn):
            1 / 0  # noqa: B018
        assert _cache_size(conn) == before


def test_a_pack_install_stores_with_the_large_cache_and_leaves_the_pool_as_it_was(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big import keeps its index pages in memory; the pooled connection it used goes
    back with SQLite's default cache, so the app does not keep 256 MiB after it."""
    from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
    from quizapp.services import packs

    seen: list[int] = []
    used: list[Any] = []  # the driver connections the install wrote through
    real = packs.insert_rows

    def spy(conn: Connection, *args: Any, **kwargs: Any) -> list[int]:
        seen.append(_cache_size(conn))
        used.append(conn.connection.driver_connection)
        return real(conn, *args, **kwargs)

    monkeypatch.setattr(packs, "insert_rows", spy)
    with database.engine.connect() as conn:
        default = _cache_size(conn)
    pack = Pack(
        id="p", title="P", lessons=(Lesson("l", "L", "Body."),),
        questions=(Question("q", "l", QuestionType.SINGLE, "Q?",
                            (Choice("a", 1.0), Choice("b", 0.0))),),
    )
    packs.install_pack(database.sessions, pack)
    assert set(seen) == {-BULK_PAGE_CACHE_KIB}  # the questions and the choices
    # That very connection, back in the pool, has the default cache again.
    (driver,) = set(used)
    assert driver.execute("PRAGMA cache_size").fetchone()[0] == default
    with database.engine.connect() as conn:
        assert _cache_size(conn) == default




def test_a_column_of_equal_but_distinct_values_is_converted_value_by_value(
    database: Database,
) -> None:
    """A column is converted once only when every row holds the very same object: hints
    [1] and [True] are equal in Python but stored as different JSON."""
    pack_id, lesson_id = _pack_and_lesson(database)
    rows = []
    for key, hints, u in zip(("one", "true"), ([1], [True]), uuid4s(2), strict=True):
        values = _values(pack_id, lesson_id, key, u) | {"hints": hints}
        rows.append([values[c] for c in QUESTION_COLUMNS])
    with database.sessions.begin() as s:
        insert_rows(s.connection(), m.Question.__table__, QUESTION_COLUMNS, rows)
    with database.sessions.begin() as s:
        stored = dict(s.connection().exec_driver_sql("SELECT key, hints FROM questions").all())
    assert stored == {"one": "[1]", "true": "[true]"}
