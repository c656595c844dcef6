"""Column types that mean the same on SQLite and PostgreSQL.

Sources: SQLAlchemy "Augmenting Existing Types" (``TypeDecorator``) and the SQLite
dialect notes (the ``sqlite3`` driver hands back naive datetimes, whatever was stored).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC, always read back timezone-aware in UTC.

    Writing a naive ``datetime`` raises ``ValueError`` (its zone is unknown, so it
    cannot be converted); an aware one in any zone is converted to UTC. On SQLite the
    value is stored as naive UTC text (so it sorts and compares correctly), on
    PostgreSQL as ``TIMESTAMP WITH TIME ZONE``; both give back aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware datetime (any zone) -> UTC; ``None`` passes; naive -> ``ValueError``."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Stored value -> aware UTC datetime (naive values are UTC by construction)."""
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)
