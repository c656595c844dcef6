"""Work in a child process (quizapp.ui.worker.run_in_process): result, progress, errors
with their messages, a crash, and cancel, with the real multiprocessing 'spawn'."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import child_jobs
import pytest

from quizapp.domain.errors import QuizAppError, ValidationError
from quizapp.services.results import OperationCancelled
from quizapp.ui.process_child import ChildFailure, sendable
from quizapp.ui.worker import ChildJob, ChildProcessStopped, run_in_process

TIMEOUT_MS = 30000  # a spawned interpreter imports SQLAlchemy: seconds on a busy machine


def test_the_result_and_progress_come_back_and_the_child_loads_no_qt(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    done: list[object] = []
    task = run_in_process(
        ChildJob(child_jobs.count_to, (5,)),
        done.append,
        on_progress=lambda d, t: seen.append((d, t)),
    )
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS) as blocker:
        pass
    result = blocker.args[0]
    assert done == [result]
    assert result["n"] == 5
    assert result["qt_loaded"] is False
    assert seen[-1] == (5, 5)  # progress is thinned out, but the last one always arrives
    assert not task.is_running
    # paused only while a message is unpickled (waited for: a reader still running on a
    # thread from an earlier test may hold its own pause for a moment)
    qtbot.waitUntil(gc.isenabled, timeout=TIMEOUT_MS)


def test_an_app_error_comes_back_with_its_type_and_message(qtbot) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    task = run_in_process(ChildJob(child_jobs.fail_with, ("No such class.",)), None, errors.append)
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS):
        pass
    (error,) = errors
    assert isinstance(error, ValidationError)
    assert str(error) == "No such class."


def test_an_error_that_cannot_travel_keeps_its_message(qtbot) -> None:  # type: ignore[no-untyped-def]
    task = run_in_process(ChildJob(child_jobs.fail_unpicklably, ("The disk is full.",)))
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS) as blocker:
        pass
    error = blocker.args[0]
    assert type(error) is QuizAppError
    assert str(error) == "The disk is full."


def test_sendable_replaces_a_foreign_unpicklable_error_by_its_type_and_message() -> None:
    import threading

    class Odd(Exception):
        def __init__(self, lock: object) -> None:
            super().__init__("odd failure")
            self.lock = lock

    out = sendable(Odd(threading.Lock()))
    assert isinstance(out, ChildFailure)
    assert str(out) == "Odd: odd failure"
    assert "odd failure" in out.details


def test_a_child_that_dies_is_reported_with_its_exit_code(qtbot) -> None:  # type: ignore[no-untyped-def]
    task = run_in_process(ChildJob(child_jobs.die))
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS) as blocker:
        pass
    error = blocker.args[0]
    assert isinstance(error, ChildProcessStopped)
    assert "exit code 3" in str(error)


def test_cancel_stops_the_child_and_it_cleans_up(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "partial.txt"
    task = run_in_process(ChildJob(child_jobs.write_until_cancelled, (str(path),)))
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS) as blocker:
        task.cancel()
    assert isinstance(blocker.args[0], OperationCancelled)
    assert not path.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="terminate() is SIGTERM on POSIX only")
def test_a_child_that_ignores_cancel_is_terminated_and_still_cleans_up(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.worker import ProcessTask

    monkeypatch.setattr(ProcessTask, "TERMINATE_AFTER_MS", 100)
    path = tmp_path / "partial.txt"
    task = run_in_process(ChildJob(child_jobs.ignore_cancel, (str(path),)))
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS) as blocker:
        task.cancel()
    assert isinstance(blocker.args[0], OperationCancelled)
    assert not path.exists()  # SIGTERM became OperationCancelled: the finally ran


def test_a_child_that_stops_soon_after_cancel_is_not_terminated_later(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The terminate timer of cancel() finds the child already reaped: nothing happens
    (it used to raise "process object is closed" on the GUI thread)."""
    from quizapp.ui.worker import ProcessTask

    monkeypatch.setattr(ProcessTask, "TERMINATE_AFTER_MS", 300)
    path = tmp_path / "partial.txt"
    task = run_in_process(ChildJob(child_jobs.write_until_cancelled, (str(path),)))
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(task.failed, timeout=TIMEOUT_MS):
        task.cancel()
    qtbot.waitUntil(lambda: task.pid is None, timeout=TIMEOUT_MS)  # reaped
    qtbot.wait(600)  # past the terminate timer: pytest-qt fails on an error in the loop
    assert not task.is_running


def test_background_tasks_nobody_keeps_end_cleanly(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A caller may drop the task ``run_in_background`` returns (a page's data loads): the
    task must outlive the delivery of its own result. It was freed inside that delivery,
    with its emitter, and Qt crashed (segmentation fault) in the Results page's tests."""
    from PySide6.QtCore import QObject, Signal

    from quizapp.ui.worker import run_in_background

    class Page(QObject):
        loaded = Signal()

    page = Page()
    results: list[int] = []

    def show(value: int) -> None:
        results.append(value)
        page.loaded.emit()  # ends the test's wait inside the task's delivery

    for i in range(300):
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            run_in_background(lambda i=i: i, show)  # nothing kept
    gc.collect()
    qtbot.wait(50)  # the tasks are let go on the next turns of the event loop
    assert results == list(range(300))
