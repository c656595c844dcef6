"""Jobs for the child-process tests (tests/ui/test_worker.py): module-level functions of
a module without Qt, as :class:`quizapp.ui.worker.ChildJob` needs (the child imports
them by name; ``tests`` is on pytest's ``pythonpath``)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from quizapp.domain.errors import QuizAppError, ValidationError
from quizapp.services.results import OperationCancelled


def count_to(
    n: int, *, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> dict[str, object]:
    """Report progress up to ``n``; return what the child process had loaded."""
    for i in range(1, n + 1):
        progress(i, n)
    return {"n": n, "qt_loaded": "PySide6" in sys.modules, "pid": os.getpid()}


def fail_with(
    message: str, *, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> None:
    """Raise one of the app's errors."""
    raise ValidationError(message)


class _Unpicklable(QuizAppError):
    def __init__(self, message: str, handle: object) -> None:
        super().__init__(message)
        self.handle = handle


def fail_unpicklably(
    message: str, *, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> None:
    """Raise an app error that cannot be sent back as it is (it holds a lock)."""
    import threading

    raise _Unpicklable(message, threading.Lock())


def die(*, progress: Callable[[int, int], None], cancelled: Callable[[], bool]) -> None:
    """End the process at once, without a word (as a crash would)."""
    os._exit(3)


def write_until_cancelled(
    path: str, *, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> None:
    """Write ``path`` then wait, checking ``cancelled()``; on cancel remove the file and
    raise :class:`OperationCancelled` (as an export leaves nothing behind)."""
    target = Path(path)
    target.write_text("started", encoding="utf-8")
    try:
        while not cancelled():
            time.sleep(0.01)
    finally:
        target.unlink()
    raise OperationCancelled("Cancelled; nothing was written.")


def ignore_cancel(
    path: str, *, progress: Callable[[int, int], None], cancelled: Callable[[], bool]
) -> None:
    """Never check ``cancelled()`` (a long C call); clean up only when terminated."""
    target = Path(path)
    target.write_text("started", encoding="utf-8")
    try:
        time.sleep(60)
    finally:
        target.unlink()
