"""GUI responsiveness while a long job runs in the background: the longest event-loop stall.

Run: ``python bench/bench_responsiveness.py [--json OUT]`` (``QT_QPA_PLATFORM=offscreen``
unless a display is given).

A ``QTimer`` probe fires every 10 ms on the GUI thread and records the longest gap
between two firings (a stall) while a job runs the way the GUI runs it:

1. importing the generated 10,000-question GIFT file (read, validate, store) on
   ``QThreadPool`` through a ``QRunnable`` (the pattern of STYLE.md, as
   :func:`quizapp.ui.worker.run_in_background` does);
2. exporting the 400,000 responses of issue 8 (500 students × 40 attempts × 20
   questions, generated as ``bench_results.py`` does) to CSV in a child process, exactly
   as the Results page's Export menu does: :func:`quizapp.ui.worker.run_in_process` with
   :func:`quizapp.services.exports.export_from_database`, progress coming back through
   its pipe to the GUI thread. ``--thread`` also runs the same export on a
   ``QThreadPool`` thread, for comparison (a thread shares the GIL with the GUI).

The baseline is the longest stall of the probe with nothing running (the timer's own
jitter). Target: no stall over 100 ms. ``--quick``: 2,000 questions and 4,000 responses.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import Row, parser, print_rows, write_json

TARGET_MS = 100.0


def _probe(start: Callable[[Callable[[], None]], None]) -> tuple[float, float]:
    """(longest gap between 10 ms probe ticks in ms, job seconds): ``start(finish)``
    begins the job, which calls ``finish()`` (from any thread) when it is over."""
    from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert app is not None

    class Done(QObject):
        finished = Signal()

    done = Done()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(tick)
    loop = QEventLoop()
    done.finished.connect(loop.quit)
    probe.start()
    t0 = last[0] = time.perf_counter()
    start(done.finished.emit)
    loop.exec()
    took = time.perf_counter() - t0
    probe.stop()
    return (max(gaps) * 1000 if gaps else float("nan")), took


def longest_stall(job: Callable[[], object] | None, idle_s: float = 1.0) -> tuple[float, float]:
    """(longest gap between 10 ms probe ticks in ms, job seconds) while ``job`` runs on
    the thread pool; with ``job=None``, for ``idle_s`` seconds of nothing."""
    from PySide6.QtCore import QRunnable, QThreadPool, QTimer

    def start(finish: Callable[[], None]) -> None:
        if job is None:
            QTimer.singleShot(int(idle_s * 1000), finish)
            return

        class Job(QRunnable):
            def run(self) -> None:
                try:
                    job()
                finally:
                    finish()

        QThreadPool.globalInstance().start(Job())

    stall, took = _probe(start)
    QThreadPool.globalInstance().waitForDone()
    return stall, took


def longest_stall_in_process(job: object) -> tuple[float, float, object]:
    """(longest stall in ms, seconds, result or exception) while the
    :class:`quizapp.ui.worker.ChildJob` ``job`` runs in a child process through
    :func:`quizapp.ui.worker.run_in_process`, progress delivered to the GUI thread."""
    from quizapp.ui.worker import ChildJob, run_in_process

    assert isinstance(job, ChildJob)
    outcome: list[object] = []
    progress: list[tuple[int, int]] = []

    def start(finish: Callable[[], None]) -> None:
        task = run_in_process(
            job, on_progress=lambda done, total: progress.append((done, total))
        )
        task.finished.connect(lambda result: (outcome.append(result), finish()))
        task.failed.connect(lambda error: (outcome.append(error), finish()))

    stall, took = _probe(start)
    return stall, took, outcome[0]


def _export_rows(folder: Path, students: int, idle: float, thread: bool) -> list[Row]:
    """The export figures: the child process (as the GUI), and with ``thread`` the same
    export on a pool thread."""
    from bench_results import generate

    from quizapp.services.exports import export_from_database, export_responses
    from quizapp.services.results import ResultsFilter
    from quizapp.store.database import open_database, resolve_db_url
    from quizapp.ui.worker import ChildJob

    url = resolve_db_url(str(folder / "export.sqlite3"))
    db = open_database(url)
    try:
        _lesson, responses = generate(db, students)
    finally:
        db.close()
    out = folder / "responses.csv"
    rows: list[Row] = []
    job = ChildJob(export_from_database, (url, "responses", out, ResultsFilter()))
    stall, took, result = longest_stall_in_process(job)
    if isinstance(result, BaseException):
        raise SystemExit(f"The export failed: {type(result).__name__}: {result}")
    assert result == responses, (result, responses)
    rows.append(Row(
        f"longest GUI stall while exporting {responses:,} responses (CSV)", "≤ 100 ms",
        stall, "ms", idle, "probe idle", passed=stall <= TARGET_MS,
        note=f"the export took {took:.1f} s in a child process, as the Results page runs "
        f"it ({responses / took:,.0f} rows/s, process start included)"))
    if thread:
        db = open_database(url)
        try:
            stall, took = longest_stall(
                lambda: export_responses(db.sessions, out, ResultsFilter(),
                                         progress=lambda done, total: None))
        finally:
            db.close()
        rows.append(Row(
            "  same export on a QThreadPool thread (comparison)", "—", stall, "ms", idle,
            "probe idle", note=f"took {took:.1f} s; a thread shares the GIL with the GUI"))
    return rows


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--thread", action="store_true",
                   help="also run the export on a pool thread, for comparison")
    args = p.parse_args()
    from bench_import import fresh_db, make_pack, read

    from quizapp.formats.registry import write_question_set
    from quizapp.services.packs import install_pack
    from quizapp.store.database import open_database, resolve_db_url

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-resp-") as tmp:
        folder = Path(tmp)
        idle, _ = longest_stall(None)
        n = 2_000 if args.quick else 10_000
        gift = folder / "bench.gift"
        write_question_set(make_pack(n), gift)
        db = open_database(resolve_db_url(str(fresh_db(folder, "import"))))
        try:
            stall, took = longest_stall(lambda: install_pack(db.sessions, read(gift)))
        finally:
            db.close()
        rows.append(Row(f"longest GUI stall while importing {n:,} GIFT questions", "≤ 100 ms",
                        stall, "ms", idle, "probe idle", passed=stall <= TARGET_MS,
                        note=f"the import took {took:.1f} s on a QThreadPool worker"))
        rows.extend(_export_rows(folder, 5 if args.quick else 500, idle, args.thread))
    title = "Responsiveness (10 ms QTimer probe on the GUI thread)"
    print_rows(title, rows)
    write_json(args.json, title, rows)


if __name__ == "__main__":
    main()
