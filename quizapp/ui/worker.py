"""Run slow work off the GUI thread and get the outcome back on it.

One small helper for every screen (imports, exports, statistics over many attempts)::

    task = run_in_background(
        lambda: read_question_set(path),   # runs on a QThreadPool thread
        on_done=self._on_read_done,        # called on the GUI thread with its result
        on_error=self._on_read_failed,     # called on the GUI thread with the exception
        context=self,                      # when this widget is destroyed, nothing is called
    )

Rules for ``fn``: it must not touch widgets (Qt widgets live on the GUI thread) and it
opens its own database session if it needs one (sessions are not shared across
threads; a ``sessionmaker`` is). ``on_done`` / ``on_error`` run on the GUI thread, in
the order the event loop delivers them, exactly one of the two per task.

The returned :class:`BackgroundTask` also emits ``finished(result)`` or
``failed(exception)``, so tests can ``qtbot.waitSignal(task.finished)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_running: set[BackgroundTask] = set()
"""Tasks not yet reported, kept alive here (Python would collect them otherwise)."""


class _Emitter(QObject):
    """Created on the GUI thread; emitted from the pool thread; delivered queued."""

    done = Signal(object)
    error = Signal(object)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], emitter: _Emitter) -> None:
        super().__init__()
        self._fn = fn
        self._emitter = emitter
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # every failure goes back to the GUI as an error
            log.debug("Background task failed", exc_info=True)
            self._emitter.error.emit(exc)
        else:
            self._emitter.done.emit(result)


class BackgroundTask(QObject):
    """One piece of work on the pool; lives on the GUI thread.

    Signals: ``finished(object)`` with the result, ``failed(object)`` with the exception.
    ``is_running`` until one of them has fired.
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        context: QObject | None,
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self._context_alive = True
        self.is_running = True
        self._emitter = _Emitter()
        self._emitter.done.connect(self._deliver_done, Qt.ConnectionType.QueuedConnection)
        self._emitter.error.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)
        if context is not None:
            context.destroyed.connect(self._on_context_destroyed)

    def _on_context_destroyed(self) -> None:
        self._context_alive = False

    @Slot(object)
    def _deliver_done(self, result: object) -> None:
        self._end()
        if self._context_alive and self._on_done is not None:
            self._on_done(result)
        self.finished.emit(result)

    @Slot(object)
    def _deliver_error(self, error: object) -> None:
        self._end()
        if self._context_alive and self._on_error is not None:
            assert isinstance(error, BaseException)
            self._on_error(error)
        self.failed.emit(error)

    def _end(self) -> None:
        self.is_running = False
        _running.discard(self)


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    context: QObject | None = None,
    pool: QThreadPool | None = None,
) -> BackgroundTask:
    """Run ``fn()`` on ``pool`` (default: the global ``QThreadPool``) and report back on the
    GUI thread: ``on_done(result)`` or ``on_error(exception)`` (any ``Exception`` ``fn``
    raises; show :class:`~quizapp.domain.errors.QuizAppError` messages to the user).

    Call it from the GUI thread. When ``context`` (usually the widget waiting for the
    result) is destroyed first, neither callback is called; the task's signals still
    fire. Returns the :class:`BackgroundTask`.
    """
    task = BackgroundTask(on_done, on_error, context)
    _running.add(task)
    (pool or QThreadPool.globalInstance()).start(_Runnable(fn, task._emitter))
    return task


__all__ = ["BackgroundTask", "run_in_background"]
