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

A thread shares the GIL with the GUI: long pure-Python work (an export of 400,000
rows) can still hold up the event loop for a tenth of a second now and then on a busy
two-core computer. Such work goes to a child process instead, with
:func:`run_in_process` (multiprocessing's ``spawn``: a fresh interpreter that imports no
Qt). Its :class:`ProcessTask` has the same signals, reports progress, and can be
cancelled (the child is asked to stop, then terminated, then killed)::

    task = run_in_process(
        ChildJob(export_from_database, (url, "responses", path, f)),
        on_done=..., on_error=..., on_progress=self._on_progress, context=self,
    )
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from quizapp.domain.errors import QuizAppError
from quizapp.services.results import OperationCancelled

log = logging.getLogger(__name__)

_running: set[BackgroundTask | ProcessTask] = set()
"""Tasks not yet reported, kept alive here (Python would collect them otherwise)."""


def _release_later(task: BackgroundTask | ProcessTask) -> None:
    """Let ``task`` go from :data:`_running` on the next turn of the event loop. It ends
    inside the delivery of its own signal: were the last reference dropped there (a
    caller that kept no reference, as a page's data load), Qt would destroy the task
    while still delivering to it, and crash now and then."""
    QTimer.singleShot(0, partial(_running.discard, task))


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
            self._report(self._emitter.error, exc)
        else:
            self._report(self._emitter.done, result)

    @staticmethod
    def _report(signal: Any, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the app is closing: its objects are gone, nobody to tell
            log.debug("Background task ended after its receiver was deleted")


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
        # The pool thread's runnable also holds the emitter and may let go of it last,
        # which would destroy a GUI-thread object on the pool thread: destroyed here
        # instead (the runnable's reference is then to a dead wrapper, which it never uses
        # again: it has emitted).
        self._emitter.deleteLater()
        _release_later(self)


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


# --------------------------------------------------------------------------- processes


class ChildProcessStopped(QuizAppError):
    """A child process ended without sending its result (crashed, killed by the system)."""


@dataclass(frozen=True)
class ChildJob:
    """Work for :func:`run_in_process`: ``target(*args, progress=p, cancelled=c)`` in a
    child process. ``target`` is a module-level function of a module that imports no
    Qt (it is imported by name in the child); ``args`` and the result are pickled, so
    keep them small (paths, URLs, filters, counts). ``p(done, total)`` and ``c()`` are
    as for the services' long operations."""

    target: Callable[..., Any]
    args: tuple[Any, ...] = ()


class ProcessTask(QObject):
    """A :class:`ChildJob` running in a child process; lives on the GUI thread, which
    reads the child's messages every :attr:`POLL_MS` without ever waiting on it.

    Signals: ``finished(object)`` with the result or
    ``failed(object)`` with the exception (the child's own, re-raised there and sent
    back; :class:`OperationCancelled` after :meth:`cancel`; :class:`ChildProcessStopped`
    when the child died without a word). ``is_running`` until one of them has fired.
    Progress goes to the ``on_progress`` callback only, not to a signal: PySide6 6.12.0
    drops a reference to ``True`` on every ``emit()`` from Python, so an export's
    hundreds of progress emits would bring the interpreter down (``bool_dealloc``).
    """

    POLL_MS = 50
    TERMINATE_AFTER_MS = 1000
    """After :meth:`cancel`, how long the child has to stop by itself before ``SIGTERM``."""
    KILL_AFTER_MS = 5000
    """... and then before it is killed."""

    finished = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        job: ChildJob,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int], None] | None,
        context: QObject | None,
    ) -> None:
        super().__init__()
        from quizapp.ui.process_child import child_main

        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self._context_alive = True
        self.is_running = True
        self.cancel_requested = False
        if context is not None:
            context.destroyed.connect(self._on_context_destroyed)
        spawn = multiprocessing.get_context("spawn")
        self._conn, child_conn = spawn.Pipe()
        # daemon: terminated (SIGTERM, so it cleans up) if the app quits first.
        self._process = spawn.Process(
            target=child_main, args=(child_conn, job.target, job.args), daemon=True
        )
        self._process.start()
        self._reaped = False  # set once the Process object is closed (then unusable)
        child_conn.close()  # the child holds its own end; EOF here when it exits
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()

    @property
    def pid(self) -> int | None:
        """The child's process id (``None`` once it is reaped)."""
        return None if self._reaped else self._process.pid

    def cancel(self) -> None:
        """Ask the child to stop at its next check of ``cancelled()``; terminate it if
        it has not stopped after :attr:`TERMINATE_AFTER_MS`, kill it after
        :attr:`KILL_AFTER_MS` more. ``failed(OperationCancelled)`` follows (unless the
        job finished first)."""
        if not self.is_running or self.cancel_requested:
            return
        self.cancel_requested = True
        with contextlib.suppress(OSError):  # the child is already gone: _poll reports it
            self._conn.send(("cancel",))
        QTimer.singleShot(self.TERMINATE_AFTER_MS, self, self._terminate)

    def _terminate(self) -> None:
        # The child may have stopped, and been reaped, since cancel() was asked.
        if not self._reaped and self._process.is_alive() and self._process.exitcode is None:
            self._process.terminate()
            QTimer.singleShot(self.KILL_AFTER_MS, self, self._kill)

    def _kill(self) -> None:
        if not self._reaped and self._process.is_alive():
            self._process.kill()

    def _on_context_destroyed(self) -> None:
        self._context_alive = False

    def _poll(self) -> None:
        outcome: tuple[str, Any] | None = None
        try:
            while outcome is None and self._conn.poll():
                message = _receive(self._conn)
                if message[0] == "progress":
                    self._deliver_progress(message[1], message[2])
                else:
                    outcome = (message[0], message[1])
        except (EOFError, OSError):  # the child exited without a last word
            outcome = ("error", self._stopped())
        if outcome is None:
            if self._process.is_alive():
                return
            outcome = ("error", self._stopped())
        self._end()
        kind, value = outcome
        if kind == "done":
            if self._context_alive and self._on_done is not None:
                self._on_done(value)
            self.finished.emit(value)
        else:
            if self._context_alive and self._on_error is not None:
                self._on_error(value)
            self.failed.emit(value)

    def _stopped(self) -> BaseException:
        self._process.join(0.1)  # it has closed its end: exiting
        if self.cancel_requested:
            return OperationCancelled("Cancelled; nothing was written.")
        return ChildProcessStopped(
            f"The background task stopped unexpectedly (exit code {self._process.exitcode})."
        )

    def _deliver_progress(self, done: int, total: int) -> None:
        if self._context_alive and self._on_progress is not None:
            self._on_progress(done, total)

    def _end(self) -> None:
        self.is_running = False
        self._timer.stop()
        self._conn.close()
        # The child sent its last message and is exiting: reap it without waiting on
        # the GUI thread (is_alive() polls waitpid), then release its resources.
        QTimer.singleShot(0, self, self._reap)
        _release_later(self)

    def _reap(self) -> None:
        if self._process.is_alive():
            QTimer.singleShot(self.POLL_MS, self, self._reap)
            return
        self._process.join()
        self._process.close()
        self._reaped = True


def _receive(conn: Connection) -> Any:
    """``conn.recv()`` with Python's cyclic garbage collector paused: unpickling a result
    of many small objects (the 10,000 located problems of a broken file) would otherwise
    set off full collections over the whole GUI heap in the middle of it (64 + 104 ms
    measured, against 20 ms for the unpickling itself). The collector is back on after,
    if it was on; a cycle made meanwhile is collected later."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return conn.recv()
    finally:
        if was_enabled:
            gc.enable()


def run_in_process(
    job: ChildJob,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    context: QObject | None = None,
) -> ProcessTask:
    """Run ``job`` in a child process (see :class:`ChildJob`) and report back on the GUI
    thread: ``on_progress(done, total)`` as it goes, then ``on_done(result)`` or
    ``on_error(exception)`` (the job's exception; show
    :class:`~quizapp.domain.errors.QuizAppError` messages to the user). For work that
    would hold the GIL for long in a thread. The child starts in about half a second
    (a fresh interpreter importing the job's module).

    Call it from the GUI thread. When ``context`` is destroyed first, no callback is
    called; the task's signals still fire. Returns the :class:`ProcessTask`.
    """
    task = ProcessTask(job, on_done, on_error, on_progress, context)
    _running.add(task)
    return task


__all__ = [
    "BackgroundTask",
    "ChildJob",
    "ChildProcessStopped",
    "ProcessTask",
    "run_in_background",
    "run_in_process",
]
