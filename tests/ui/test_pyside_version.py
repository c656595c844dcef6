"""The installed PySide6 does not corrupt the interpreter when signals are emitted.

PySide6 6.12.0 drops one reference to ``True`` on every ``Signal.emit()`` from Python;
after a few hundred to a few thousand emits (a lesson's worth of clicks) the
interpreter aborts with "Fatal Python error: bool_dealloc". ``pyproject.toml`` excludes
that release (``PySide6-Essentials>=6.8,!=6.12.0``); this test fails on any release
with the same fault."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ticked = Signal(int)
    bare = Signal()


def test_emitting_signals_leaves_the_interpreter_intact(qapp: Any) -> None:
    emitter = _Emitter()
    seen: list[int] = []
    emitter.ticked.connect(seen.append)
    emitter.bare.connect(lambda: seen.append(-1))
    before = sys.getrefcount(True)
    for i in range(500):
        emitter.ticked.emit(i)
        emitter.bare.emit()
    assert len(seen) == 1000
    assert abs(sys.getrefcount(True) - before) < 50  # 6.12.0: 1,000 fewer
