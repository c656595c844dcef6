"""The teacher's PIN: set at first use, kept only as a salted slow hash, tried with a delay.

The PIN keeps students out of the teacher's screens on a shared computer (issue 4). It
is 4 to 12 ASCII digits. What is stored, in the ``settings`` table:

- ``teacher_pin_hash``: ``{"algorithm": "scrypt", "n": 16384, "r": 8, "p": 1,
  "dklen": 32, "salt": <hex of 16 random bytes>, "hash": <hex>}``. The parameters are
  stored with the hash, so they can be raised later: a PIN checked against older
  parameters is re-hashed with the current ones on its next successful check.
- ``teacher_pin_failures``: ``{"count": <failed tries in a row>, "last_failed_at":
  <ISO 8601 UTC>}``, so restarting the app does not reset the delay.

After a failed try the next one is refused for :func:`lockout_delay` seconds (0, 0, 1,
2, 4, 8 ... capped at 30). The service never sleeps: it returns the seconds left and
the GUI disables the field with a countdown. The PIN and its hash never go into logs,
exceptions or return values.

The command line (``quizapp reset-pin``) removes the PIN without asking for it: it is
for whoever administers the computer's account.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.errors import ValidationError
from quizapp.store import models as m
from quizapp.store.types import utc_now

log = logging.getLogger(__name__)

PIN_HASH_KEY = "teacher_pin_hash"
"""``settings`` key of the stored hash and its parameters."""

PIN_FAILURES_KEY = "teacher_pin_failures"
"""``settings`` key of the failed-try counter."""

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 12

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
SALT_BYTES = 16

MAX_LOCKOUT_S = 30
"""Longest delay between two tries, in seconds."""

FREE_TRIES = 2
"""Failed tries in a row before any delay."""

_PIN_RE = re.compile(rf"[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}")


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of a PIN check.

    ``ok``: the PIN was right. ``locked_for_s``: whole seconds before the next try is
    accepted (0 when a try can be made now); after a refused try during a lockout the
    PIN was not even compared.
    """

    ok: bool
    locked_for_s: int


def lockout_delay(failures: int) -> int:
    """Seconds to wait after ``failures`` failed tries in a row: 0, 0, 1, 2, 4, 8 ... 30."""
    if failures <= FREE_TRIES:
        return 0
    return min(MAX_LOCKOUT_S, int(2 ** (failures - FREE_TRIES - 1)))


def check_pin_format(pin: str) -> None:
    """Raise :class:`ValidationError` unless ``pin`` is 4 to 12 digits (0-9).

    The message never repeats the PIN."""
    if not _PIN_RE.fullmatch(pin):
        raise ValidationError(
            f"The PIN must be {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9), nothing else."
        )


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    # maxmem: scrypt needs 128 * r * n bytes (16 MiB at the defaults); allow headroom.
    return hashlib.scrypt(
        pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=256 * r * n + 2**20
    )


def _new_record(pin: str) -> dict[str, Any]:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN)
    return {
        "algorithm": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "dklen": SCRYPT_DKLEN,
        "salt": salt.hex(),
        "hash": digest.hex(),
    }


def _matches(pin: str, record: dict[str, Any]) -> bool:
    if record.get("algorithm") != "scrypt" or not _PIN_RE.fullmatch(pin):
        return False
    try:
        salt = bytes.fromhex(str(record["salt"]))
        expected = bytes.fromhex(str(record["hash"]))
        digest = _scrypt(
            pin, salt, int(record["n"]), int(record["r"]), int(record["p"]), len(expected)
        )
    except (KeyError, ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def _outdated(record: dict[str, Any]) -> bool:
    return (record.get("n"), record.get("r"), record.get("p"), record.get("dklen")) != (
        SCRYPT_N,
        SCRYPT_R,
        SCRYPT_P,
        SCRYPT_DKLEN,
    )


class TeacherAuth:
    """The teacher PIN over one database.

    ``sessions``: the database's session factory. ``clock``: aware UTC now (tests pass
    a fake). ``sleeper``: called with seconds by :meth:`verify` only when it is asked to
    ``wait`` out a lockout (never by the GUI; default :func:`time.sleep`).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = utc_now,
        sleeper: Callable[[float], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        if sleeper is None:
            import time

            sleeper = time.sleep
        self._sleeper = sleeper

    # ------------------------------------------------------------ queries

    def has_pin(self) -> bool:
        """True once a PIN has been set (and not reset)."""
        with self._sessions() as s:
            return s.get(m.Setting, PIN_HASH_KEY) is not None

    def locked_for(self) -> int:
        """Whole seconds before the next try is accepted (0: a try can be made now)."""
        with self._sessions() as s:
            return self._remaining(s.get(m.Setting, PIN_FAILURES_KEY))

    # ------------------------------------------------------------ changes

    def set_pin(self, new: str) -> None:
        """Set the first PIN. Raises :class:`ValidationError` when a PIN is already set
        (change it with :meth:`change_pin`) or ``new`` is not 4 to 12 digits."""
        check_pin_format(new)
        record = _new_record(new)
        with self._sessions.begin() as s:
            if s.get(m.Setting, PIN_HASH_KEY) is not None:
                raise ValidationError("A teacher PIN is already set: change it instead.")
            s.add(m.Setting(key=PIN_HASH_KEY, value=record, updated_at=self._clock()))
            self._clear_failures(s)
        log.info("Teacher PIN set")

    def verify(self, pin: str, *, wait: bool = False) -> VerifyResult:
        """Check ``pin`` against the stored hash (constant-time comparison).

        During a lockout the PIN is not compared and ``VerifyResult(False, seconds
        left)`` comes back, unless ``wait`` is true (command-line use): then the
        ``sleeper`` waits the lockout out first. A wrong PIN counts a failure and
        returns the delay before the next try; a right one clears the count (and
        re-hashes a PIN stored with older parameters). Without a PIN set, every PIN is
        refused (``ok`` false, no delay).
        """
        if wait:
            remaining = self.locked_for()
            if remaining:
                self._sleeper(remaining)
        with self._sessions.begin() as s:
            stored = s.get(m.Setting, PIN_HASH_KEY)
            if stored is None:
                return VerifyResult(ok=False, locked_for_s=0)
            failures = s.get(m.Setting, PIN_FAILURES_KEY)
            remaining = self._remaining(failures)
            if remaining:
                return VerifyResult(ok=False, locked_for_s=remaining)
            record = dict(stored.value or {})
            if _matches(pin, record):
                if _outdated(record):
                    stored.value = _new_record(pin)
                    stored.updated_at = self._clock()
                self._clear_failures(s)
                log.info("Teacher PIN accepted")
                return VerifyResult(ok=True, locked_for_s=0)
            count = self._failure_count(failures) + 1
            value = {"count": count, "last_failed_at": self._clock().isoformat()}
            if failures is None:
                s.add(m.Setting(key=PIN_FAILURES_KEY, value=value, updated_at=self._clock()))
            else:
                failures.value = value
                failures.updated_at = self._clock()
            delay = lockout_delay(count)
        log.warning("Wrong teacher PIN (%d failed tries in a row; next try in %d s)", count, delay)
        return VerifyResult(ok=False, locked_for_s=delay)

    def change_pin(self, old: str, new: str) -> VerifyResult:
        """Replace the PIN when ``old`` is right; the result is that of checking ``old``
        (``ok`` false: nothing changed). Raises :class:`ValidationError` when ``new`` is
        not 4 to 12 digits (checked first, so a typo in ``new`` costs no try)."""
        check_pin_format(new)
        result = self.verify(old)
        if not result.ok:
            return result
        record = _new_record(new)
        with self._sessions.begin() as s:
            stored = s.get(m.Setting, PIN_HASH_KEY)
            if stored is None:  # reset from the command line in between
                s.add(m.Setting(key=PIN_HASH_KEY, value=record, updated_at=self._clock()))
            else:
                stored.value = record
                stored.updated_at = self._clock()
        log.info("Teacher PIN changed")
        return result

    def reset_pin(self) -> bool:
        """Remove the PIN and the failure count (``quizapp reset-pin``); the next opening
        of the teacher area asks for a new PIN. Returns whether a PIN was set."""
        with self._sessions.begin() as s:
            stored = s.get(m.Setting, PIN_HASH_KEY)
            if stored is not None:
                s.delete(stored)
            self._clear_failures(s)
        log.info("Teacher PIN reset")
        return stored is not None

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _failure_count(row: m.Setting | None) -> int:
        if row is None or not isinstance(row.value, dict):
            return 0
        try:
            return max(0, int(row.value.get("count", 0)))
        except (TypeError, ValueError):
            return 0

    def _remaining(self, row: m.Setting | None) -> int:
        count = self._failure_count(row)
        delay = lockout_delay(count)
        if not delay or row is None:
            return 0
        try:
            last = datetime.fromisoformat(str(row.value["last_failed_at"]))
        except (KeyError, TypeError, ValueError):
            return delay
        elapsed = (self._clock() - last).total_seconds()
        # A clock set backwards never locks for longer than the delay itself.
        left = min(float(delay), delay - elapsed)
        return max(0, math.ceil(left))

    @staticmethod
    def _clear_failures(s: Session) -> None:
        row = s.get(m.Setting, PIN_FAILURES_KEY)
        if row is not None:
            s.delete(row)


__all__ = [
    "MAX_LOCKOUT_S",
    "PIN_FAILURES_KEY",
    "PIN_HASH_KEY",
    "TeacherAuth",
    "VerifyResult",
    "check_pin_format",
    "lockout_delay",
]
