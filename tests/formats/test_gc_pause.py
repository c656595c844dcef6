"""The readers pause the cyclic garbage collector while they parse and always give it back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from quizapp.domain.errors import PackError
from quizapp.formats.gc_pause import gc_paused
from quizapp.formats.gift import parse_gift
from quizapp.formats.json_pack import parse_pack


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:  # as it was before the test, whatever the test did
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost() -> None:
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_readers_give_the_collector_back_after_success_and_after_a_pack_error() -> None:
    result = parse_gift("::q1:: Two and two make four {T}", "t.gift")
    assert [q.id for q in result.pack.questions] == ["q1"]
    assert gc.isenabled()
    with pytest.raises(PackError):
        parse_pack('{"format": "quizapp-pack"}', "bad.json")
    assert gc.isenabled()
