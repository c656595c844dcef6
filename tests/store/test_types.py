"""UTCDateTime: times go in as aware datetimes in any zone and come out aware in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from quizapp.store import models as m
from quizapp.store.database import Database
from quizapp.store.types import UTCDateTime


def test_aware_datetime_round_trips_as_aware_utc(database: Database) -> None:
    paris_summer = timezone(timedelta(hours=2))
    moment = datetime(2024, 6, 1, 14, 30, 15, 123456, tzinfo=paris_summer)
    with database.sessions.begin() as s:
        s.add(m.Student(name="Ana", created_at=moment))
    with database.sessions.begin() as s:
        created = s.scalars(select(m.Student.created_at)).one()
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert created == moment
    assert created.hour == 12  # stored in UTC


def test_sqlite_stores_utc_text_that_sorts(database: Database) -> None:
    """On SQLite the raw column holds the UTC wall time, so ORDER BY is chronological."""
    early = datetime(2024, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))  # 04:00 UTC next day
    late = datetime(2024, 1, 2, 5, 0, tzinfo=UTC)
    with database.sessions.begin() as s:
        s.add_all(
            [m.Student(name="late", created_at=late), m.Student(name="early", created_at=early)]
        )
    with database.sessions.begin() as s:
        names = s.scalars(select(m.Student.name).order_by(m.Student.created_at)).all()
        raw = s.connection().exec_driver_sql(
            "SELECT created_at FROM students WHERE name = 'early'"
        ).scalar_one()
    assert names == ["early", "late"]
    assert raw.startswith("2024-01-02 04:00:00")


def test_naive_datetime_is_refused(database: Database) -> None:
    def write_naive() -> None:
        with database.sessions.begin() as s:
            s.add(m.Student(name="Ben", created_at=datetime(2024, 6, 1, 12, 0)))

    with pytest.raises(StatementError) as info:
        write_naive()
    assert isinstance(info.value.orig, ValueError)
    with database.sessions.begin() as s:
        assert s.scalars(select(m.Student)).all() == []


def test_type_decorator_directly() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    t = UTCDateTime()
    aware = datetime(2024, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    assert t.process_bind_param(aware, sqlite.dialect()) == datetime(2024, 3, 1, 8, 0)
    assert t.process_bind_param(aware, postgresql.dialect()) == aware
    assert t.process_bind_param(None, sqlite.dialect()) is None
    back = t.process_result_value(datetime(2024, 3, 1, 8, 0), sqlite.dialect())
    assert back == aware
    assert back is not None
    assert back.tzinfo == UTC
    with pytest.raises(ValueError, match="naive"):
        t.process_bind_param(datetime(2024, 3, 1, 8, 0), sqlite.dialect())
