"""The child side of :func:`quizapp.ui.worker.run_in_process`: what runs in the separate
process. It imports no Qt (the child starts with multiprocessing's ``spawn`` and loads
only this module, the job's module and what they import).

The child talks to the GUI through one ``multiprocessing`` pipe. Messages, each a tuple:

- child to GUI: ``("progress", done, total)`` (at most every :data:`PROGRESS_EVERY_S`,
  and always the last one), then exactly one of ``("done", result)`` or
  ``("error", exception)``;
- GUI to child: ``("cancel",)``: the job's ``cancelled()`` turns true.

An exception that does not survive pickling is replaced by one that does, with the same
message: :class:`~quizapp.domain.errors.QuizAppError` for the app's own errors (so the
user still sees their words), :class:`ChildFailure` for anything else.

``SIGTERM`` (what ``Process.terminate()`` sends on POSIX) raises
:class:`~quizapp.services.results.OperationCancelled` in the job, so its ``finally``
and ``except BaseException`` clean-ups run: an export's temporary file is removed.
"""

from __future__ import annotations

import logging
import pickle
import signal
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from quizapp.domain.errors import QuizAppError
from quizapp.services.results import OperationCancelled

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.05
"""Least time between two progress messages (the GUI's progress bar needs no more)."""


class ChildFailure(Exception):
    """A job in a child process failed with an exception that could not be sent back
    as it was: ``str()`` is ``"<type>: <message>"``; ``details`` the child's traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details

    def __reduce__(self) -> tuple[Any, ...]:
        return (ChildFailure, (str(self), self.details))


def sendable(exc: BaseException) -> BaseException:
    """``exc`` itself when it pickles and unpickles back, else a stand-in with its
    message (:class:`QuizAppError` for the app's errors, :class:`ChildFailure` else)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        if isinstance(exc, QuizAppError):
            return QuizAppError(str(exc))
        details = "".join(traceback.format_exception(exc))
        return ChildFailure(f"{type(exc).__name__}: {exc}", details)
    return exc


def _on_sigterm(signum: int, frame: object) -> None:
    raise OperationCancelled("Cancelled; nothing was written.")


def child_main(conn: Connection, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run ``target(*args, progress=..., cancelled=...)`` and send its outcome on
    ``conn`` (see the module docstring); the process's entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    cancel_asked = False
    last_sent = 0.0

    def cancelled() -> bool:
        nonlocal cancel_asked
        while not cancel_asked and conn.poll():
            message = conn.recv()
            cancel_asked = message[0] == "cancel"
        return cancel_asked

    def progress(done: int, total: int) -> None:
        nonlocal last_sent
        now = time.monotonic()
        if now - last_sent >= PROGRESS_EVERY_S or done >= total:
            last_sent = now
            conn.send(("progress", int(done), int(total)))

    try:
        result = target(*args, progress=progress, cancelled=cancelled)
    except BaseException as exc:
        if not isinstance(exc, QuizAppError):
            log.exception("Job %s failed in a child process", getattr(target, "__name__", target))
        conn.send(("error", sendable(exc)))
    else:
        conn.send(("done", result))
    finally:
        conn.close()


__all__ = ["PROGRESS_EVERY_S", "ChildFailure", "child_main", "sendable"]
