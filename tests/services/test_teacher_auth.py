"""The teacher PIN: hashed not stored, refused when wrong, a growing delay that survives a
restart, change and reset, and never written to the log."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sqlalchemy import select

from quizapp.domain.errors import ValidationError
from quizapp.services.teacher_auth import (
    PIN_FAILURES_KEY,
    PIN_HASH_KEY,
    TeacherAuth,
    VerifyResult,
    lockout_delay,
)
from quizapp.store import models as m
from quizapp.store.database import Database

PIN = "482913"


@pytest.fixture
def auth(database: Database, clock: Callable[[], object]) -> TeacherAuth:
    return TeacherAuth(database.sessions, clock=clock)  # type: ignore[arg-type]


def _settings(database: Database) -> dict[str, object]:
    with database.sessions() as s:
        return {row.key: row.value for row in s.scalars(select(m.Setting))}


def test_no_pin_at_first_then_only_a_salted_scrypt_hash_is_stored(
    auth: TeacherAuth, database: Database
) -> None:
    assert not auth.has_pin()
    assert auth.verify(PIN) == VerifyResult(ok=False, locked_for_s=0)
    auth.set_pin(PIN)
    assert auth.has_pin()
    stored = _settings(database)[PIN_HASH_KEY]
    assert isinstance(stored, dict)
    assert stored["algorithm"] == "scrypt"
    assert (stored["n"], stored["r"], stored["p"]) == (2**14, 8, 1)
    assert len(bytes.fromhex(stored["salt"])) == 16
    assert PIN not in repr(_settings(database))
    assert auth.verify(PIN) == VerifyResult(ok=True, locked_for_s=0)


def test_the_same_pin_set_twice_gets_a_new_salt_and_hash(database: Database) -> None:
    first = TeacherAuth(database.sessions)
    first.set_pin(PIN)
    one = _settings(database)[PIN_HASH_KEY]
    first.reset_pin()
    first.set_pin(PIN)
    two = _settings(database)[PIN_HASH_KEY]
    assert isinstance(one, dict)
    assert isinstance(two, dict)
    assert one["salt"] != two["salt"]
    assert one["hash"] != two["hash"]


@pytest.mark.parametrize("bad", ["", "123", "1234567890123", "12a4", "12 34", "١٢٣٤"])
def test_a_pin_must_be_4_to_12_ascii_digits(auth: TeacherAuth, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        auth.set_pin(bad)
    assert not auth.has_pin()
    if bad:
        assert bad not in str(caught.value)


def test_a_second_set_pin_is_refused(auth: TeacherAuth) -> None:
    auth.set_pin(PIN)
    with pytest.raises(ValidationError):
        auth.set_pin("1111")
    assert auth.verify(PIN).ok


def test_wrong_pins_are_refused_with_a_growing_delay(auth: TeacherAuth, clock) -> None:  # type: ignore[no-untyped-def]
    auth.set_pin(PIN)
    assert auth.verify("0000") == VerifyResult(ok=False, locked_for_s=0)
    assert auth.verify("0001") == VerifyResult(ok=False, locked_for_s=0)
    assert auth.verify("0002") == VerifyResult(ok=False, locked_for_s=1)
    # Locked: even the right PIN is not compared until the delay has passed.
    assert auth.verify(PIN) == VerifyResult(ok=False, locked_for_s=1)
    clock.advance(1)
    assert auth.verify("0003") == VerifyResult(ok=False, locked_for_s=2)
    clock.advance(1)
    assert auth.locked_for() == 1
    clock.advance(1)
    assert auth.verify("0004") == VerifyResult(ok=False, locked_for_s=4)
    clock.advance(4)
    assert auth.verify(PIN) == VerifyResult(ok=True, locked_for_s=0)
    # The right PIN clears the count: the next mistake is free again.
    assert auth.verify("0000") == VerifyResult(ok=False, locked_for_s=0)


def test_the_delay_is_capped_at_30_seconds() -> None:
    assert [lockout_delay(n) for n in range(1, 10)] == [0, 0, 1, 2, 4, 8, 16, 30, 30]
    assert lockout_delay(1000) == 30


def test_the_delay_survives_a_restart(
    auth: TeacherAuth, reopen: Callable[[], object], database: Database, clock  # type: ignore[no-untyped-def]
) -> None:
    auth.set_pin(PIN)
    for wrong in ("1000", "1001", "1002", "1003"):
        clock.advance(5)
        auth.verify(wrong)
    assert auth.locked_for() == 2
    reopen()  # the same file opened again, as after restarting the app
    again = TeacherAuth(database.sessions, clock=clock)
    assert again.locked_for() == 2
    assert again.verify(PIN) == VerifyResult(ok=False, locked_for_s=2)
    failures = _settings(database)[PIN_FAILURES_KEY]
    assert isinstance(failures, dict)
    assert failures["count"] == 4


def test_a_clock_set_backwards_never_locks_longer_than_the_delay(
    auth: TeacherAuth, clock  # type: ignore[no-untyped-def]
) -> None:
    auth.set_pin(PIN)
    for wrong in ("1000", "1001", "1002"):
        auth.verify(wrong)
    clock.advance(-3600)
    assert auth.locked_for() == 1


def test_wait_sleeps_out_the_lockout_through_the_sleeper(database: Database, clock) -> None:  # type: ignore[no-untyped-def]
    slept: list[float] = []

    def sleeper(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    auth = TeacherAuth(database.sessions, clock=clock, sleeper=sleeper)
    auth.set_pin(PIN)
    for wrong in ("1000", "1001", "1002"):
        auth.verify(wrong)
    assert auth.verify(PIN, wait=True).ok
    assert slept == [1]


def test_change_pin_needs_the_old_one(auth: TeacherAuth) -> None:
    auth.set_pin(PIN)
    assert auth.change_pin("9999", "13579") == VerifyResult(ok=False, locked_for_s=0)
    assert auth.verify(PIN).ok
    assert auth.change_pin(PIN, "13579").ok
    assert not auth.verify(PIN).ok
    assert auth.verify("13579").ok


def test_change_pin_refuses_a_bad_new_pin_without_costing_a_try(
    auth: TeacherAuth, database: Database
) -> None:
    auth.set_pin(PIN)
    with pytest.raises(ValidationError):
        auth.change_pin(PIN, "12")
    assert PIN_FAILURES_KEY not in _settings(database)
    assert auth.verify(PIN).ok


def test_reset_removes_the_pin_and_the_delay(auth: TeacherAuth, database: Database) -> None:
    auth.set_pin(PIN)
    for wrong in ("1000", "1001", "1002", "1003"):
        auth.verify(wrong)
    assert auth.reset_pin() is True
    assert not auth.has_pin()
    assert auth.locked_for() == 0
    assert _settings(database) == {}
    assert auth.reset_pin() is False
    auth.set_pin("2468")
    assert auth.verify("2468").ok


def test_a_hash_with_older_parameters_still_works_and_is_upgraded(
    auth: TeacherAuth, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizapp.services.teacher_auth as ta

    monkeypatch.setattr(ta, "SCRYPT_N", 2**10)
    auth.set_pin(PIN)
    monkeypatch.undo()
    assert auth.verify(PIN).ok
    stored = _settings(database)[PIN_HASH_KEY]
    assert isinstance(stored, dict)
    assert stored["n"] == 2**14
    assert auth.verify(PIN).ok


def test_the_pin_never_reaches_the_log(
    auth: TeacherAuth, caplog: pytest.LogCaptureFixture, database: Database
) -> None:
    caplog.set_level(logging.DEBUG)
    auth.set_pin(PIN)
    stored = _settings(database)[PIN_HASH_KEY]
    assert isinstance(stored, dict)
    auth.verify("771122")
    auth.verify(PIN)
    auth.change_pin(PIN, "55554444")
    auth.reset_pin()
    text = caplog.text
    assert "Wrong teacher PIN" in text
    for secret in (PIN, "771122", "55554444", stored["hash"], stored["salt"]):
        assert secret not in text
