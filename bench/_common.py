"""Shared helpers of the benchmarks (not a test): rows, printing, JSON hand-off, stats.

Every bench script builds a list of :class:`Row` (one figure each: what, target,
measured, the baseline measured in the same run, their ratio, pass/fail), prints them,
and with ``--json PATH`` also writes them for ``bench/run_all.py``, which assembles the
table of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (``bench/..``)."""

PYTHON = sys.executable
"""The interpreter the benches run child processes with (the project venv's)."""


@dataclass
class Row:
    """One figure of the table.

    ``measured`` and ``baseline`` are in ``unit``; ``ratio`` is measured / baseline
    (``None`` without a baseline); ``passed`` ``None`` when the figure has no target.
    ``target`` is the human-readable target (``"≤ 1.5× floor"``, ``"≤ 5 ms"``).
    """

    figure: str
    target: str
    measured: float | None
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    passed: bool | None = None
    note: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """measured / baseline, or ``None``."""
        if self.measured is None or not self.baseline:
            return None
        return self.measured / self.baseline


def fmt(value: float | None, unit: str) -> str:
    """A value with its unit, three significant figures (``—`` for ``None``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "q/s":
        return f"{value:,.0f} q/s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    if abs(value) >= 10:
        return f"{value:.1f} {unit}"
    return f"{value:.2f} {unit}"


def verdict(passed: bool | None) -> str:
    """``pass`` / ``FAIL`` / ``—``."""
    return "—" if passed is None else ("pass" if passed else "FAIL")


def print_rows(title: str, rows: Sequence[Row]) -> None:
    """Print the figures of one bench, each with its target and ratio to its baseline."""
    print(f"\n== {title}")
    for r in rows:
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "—"
        base = f"{fmt(r.baseline, r.unit)} ({r.baseline_name})" if r.baseline is not None else "—"
        print(
            f"  {r.figure:<58} {fmt(r.measured, r.unit):>12}  target {r.target:<22} "
            f"baseline {base:<34} ratio {ratio:>8}  {verdict(r.passed)}"
        )
        if r.note:
            print(f"      note: {r.note}")


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every bench shares (``--json``, ``--quick``)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    p.add_argument(
        "--quick", action="store_true", help="fewer repetitions and sizes (a smoke run)"
    )
    return p


def write_json(path: Path | None, title: str, rows: Sequence[Row], **info: object) -> None:
    """Write ``{"title", "rows": [...], **info}`` for ``run_all.py`` when ``path`` is set."""
    if path is None:
        return
    data = {"title": title, "rows": [asdict(r) | {"ratio": r.ratio} for r in rows], **info}
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


def median(values: Sequence[float]) -> float:
    """The median."""
    return statistics.median(values)


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), nearest-rank (so p99 of 1,000 is the 990th)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def machine() -> dict[str, str]:
    """What the figures were measured on: cores, CPU, memory, OS, Python, Qt, SQLite."""
    import sqlite3

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        qt = subprocess.run(
            [PYTHON, "-c",
             "import PySide6, PySide6.QtCore as c; print(PySide6.__version__, c.qVersion())"],
            capture_output=True, text=True, timeout=60, check=False,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        qt = []
    try:
        import sqlalchemy

        sa = sqlalchemy.__version__
    except ImportError:
        sa = "?"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": qt[0] if qt else "?",
        "qt": qt[1] if len(qt) > 1 else "?",
        "sqlalchemy": sa,
        "sqlite": sqlite3.sqlite_version,
    }
