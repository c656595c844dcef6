"""GUI responsiveness while a long job runs in the background: the longest event-loop stall.

Run: ``python bench/bench_responsiveness.py [--json OUT]`` (``QT_QPA_PLATFORM=offscreen``
unless a display is given).

A ``QTimer`` probe fires every 10 ms on the GUI thread and records the longest gap
between two firings (a stall) while a job runs on ``QThreadPool`` through a
``QRunnable`` (the pattern of STYLE.md; the GUI's own worker helper, when there is one
in ``quizapp.ui``, runs the same way): (1) importing the generated 10,000-question GIFT
file (read, validate, store); (2) exporting 40,000 responses (50 students × 40 × 20)
with :func:`quizapp.services.exports.export_responses` when it exists. The baseline is
the longest stall of the probe with nothing running (the timer's own jitter). Target:
no stall over 100 ms.
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


def longest_stall(job: Callable[[], object] | None, idle_s: float = 1.0) -> tuple[float, float]:
    """(longest gap between 10 ms probe ticks in ms, job seconds) while ``job`` runs on
    the thread pool; with ``job=None``, for ``idle_s`` seconds of nothing."""
    from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, QTimer, Signal
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
    took = [0.0]

    class Job(QRunnable):
        def run(self) -> None:
            t0 = time.perf_counter()
            try:
                if job is not None:
                    job()
            finally:
                took[0] = time.perf_counter() - t0
                done.finished.emit()

    probe.start()
    last[0] = time.perf_counter()
    if job is None:
        QTimer.singleShot(int(idle_s * 1000), loop.quit)
    else:
        QThreadPool.globalInstance().start(Job())
    loop.exec()
    probe.stop()
    QThreadPool.globalInstance().waitForDone()
    return (max(gaps) * 1000 if gaps else float("nan")), took[0]


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    args = p.parse_args()
    from bench_import import fresh_db, make_pack, read
    from bench_results import generate

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
        try:
            from quizapp.services.exports import export_responses
        except ImportError:
            export_responses = None  # type: ignore[assignment]
        if export_responses is not None:
            from quizapp.services.results import ResultsFilter

            db = open_database(resolve_db_url(str(folder / "export.sqlite3")))
            try:
                _lesson, responses = generate(db, 5 if args.quick else 50)

                def export() -> object:
                    return export_responses(db.sessions, folder / "out.csv", ResultsFilter())

                try:
                    stall, took = longest_stall(export)
                    rows.append(Row(
                        f"longest GUI stall while exporting {responses:,} responses (CSV)",
                        "≤ 100 ms", stall, "ms", idle, "probe idle", passed=stall <= TARGET_MS,
                        note=f"the export took {took:.1f} s on a QThreadPool worker"))
                except TypeError as exc:
                    rows.append(Row("GUI stall while exporting", "≤ 100 ms", None, "ms",
                                    note=f"export_responses signature not as expected: {exc}"))
            finally:
                db.close()
    title = "Responsiveness (10 ms QTimer probe on the GUI thread)"
    print_rows(title, rows)
    write_json(args.json, title, rows)


if __name__ == "__main__":
    main()
