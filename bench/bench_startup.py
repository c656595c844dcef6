"""Start-up time and memory under Xvfb, against a bare PySide6 window (the floor) and Anki.

Run: ``python bench/bench_startup.py [--runs N] [--anki-python PATH] [--json OUT]``.

Prepares a database with the built-in pack and 10 students, then launches, N times each
and alternating: (a) a bare PySide6 ``QMainWindow`` of quizapp's size, (b) quizapp on
that database (``quizapp.app.main``, what ``python -m quizapp --db`` runs) and, when
Anki's environment exists (``/tmp/venv/anki``, made with ``pip install "aqt[qt6]"``),
(c) Anki's desktop app on a fresh profile. Each launch goes through
``bench/_startup_child.py``, which records when the main window was first painted,
when the profile picker with its students was painted (interactive), when Home was
painted after clicking the first student, and the peak resident set (VmHWM) at Home.

Times are from just before ``fork``/``exec`` in this process to the mark in the child
(``time.monotonic``, one clock across processes on Linux). Medians are reported; the
ratios to the floor's median are the figures that count (issue 8). An Xvfb server is
started on a free display unless ``DISPLAY`` is already set and ``--display`` is not
given.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PYTHON, ROOT, Row, median, parser, print_rows, write_json

CHILD = Path(__file__).resolve().parent / "_startup_child.py"
ANKI_PYTHON = Path("/tmp/venv/anki/bin/python")
STUDENTS = 10


def prepare_db(folder: Path) -> Path:
    """A database with the built-in pack installed and 10 students (in a subprocess, so
    this process stays free of SQLAlchemy and Qt)."""
    db = folder / "startup.sqlite3"
    code = (
        "import sys\n"
        "from quizapp.app import open_services\n"
        "database, services = open_services(sys.argv[1])\n"
        f"for i in range({STUDENTS}):\n"
        "    services.students.create_student(f'Student {i + 1:02d}')\n"
        "database.close()\n"
    )
    subprocess.run([PYTHON, "-c", code, str(db)], check=True, cwd=ROOT)
    return db


def start_xvfb(display: str) -> subprocess.Popen[bytes] | None:
    """Start ``Xvfb display`` (1280×800×24) and wait until it answers; ``None`` if absent."""
    if shutil.which("Xvfb") is None:
        return None
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["xdpyinfo", "-display", display], capture_output=True, check=False
        ) if shutil.which("xdpyinfo") else subprocess.run(
            ["xwininfo", "-root", "-display", display], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return proc
        time.sleep(0.05)  # waiting for a server to come up, not timing anything
    proc.terminate()
    raise RuntimeError(f"Xvfb did not start on {display}")


def launch(cmd: list[str], env: dict[str, str], out: Path, timeout: float = 90) -> dict[str, float]:
    """Run one child, return its marks as seconds since launch, plus ``rss_mib`` (the
    child's ``ru_maxrss`` from ``wait4``) and ``hwm_mib`` (its VmHWM at the last mark)."""
    out.unlink(missing_ok=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)  # polling the child's exit; the marks come from the child itself
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if not out.exists():
        raise RuntimeError(f"{cmd[2]} wrote no marks (exit {proc.returncode}):\n{err[-3000:]}")
    marks = json.loads(out.read_text())
    result: dict[str, float] = {}
    for key, value in marks.items():
        if key in {"vm_hwm_kib", "students_listed", "modules", "tree_processes",
                   "tree_rss_kib", "tree_pss_kib"}:
            continue
        result[key] = float(value) - t0
    result["rss_mib"] = usage.ru_maxrss / 1024
    result["cpu_s"] = usage.ru_utime + usage.ru_stime
    result["hwm_mib"] = marks.get("vm_hwm_kib", 0) / 1024
    result["students_listed"] = float(marks.get("students_listed", 0))
    result["tree_processes"] = float(marks.get("tree_processes", 1))
    result["tree_rss_mib"] = marks.get("tree_rss_kib", 0) / 1024
    result["tree_pss_mib"] = marks.get("tree_pss_kib", 0) / 1024
    result["modules"] = marks.get("modules", [])  # type: ignore[assignment]
    return result


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7, help="launches of each (default 7)")
    p.add_argument("--anki-python", type=Path, default=ANKI_PYTHON)
    p.add_argument("--display", default=None, help="X display to start Xvfb on (default :78)")
    args = p.parse_args()
    runs = 3 if args.quick else args.runs

    work = Path(tempfile.mkdtemp(prefix="quizapp-bench-startup-"))
    xvfb = None
    try:
        display = args.display or (":78" if "DISPLAY" not in os.environ else None)
        if display is not None:
            xvfb = start_xvfb(display)
            if xvfb is None:
                raise SystemExit("Xvfb is not installed: apt-get install xvfb")
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        if display is not None:
            env["DISPLAY"] = display
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                         ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache")):
            env[var] = str(work / sub)
        env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Anki's web engine, when run as root

        # quizapp's bytecode as `pip install .` leaves it (see run_all.py)
        subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "quizapp")], check=False)
        db = prepare_db(work)
        anki = args.anki_python if args.anki_python.exists() else None
        anki_base = work / "anki"
        anki_note = ""
        if anki is not None:
            try:  # first run: creates the profile and collection (not timed)
                launch([str(anki), str(CHILD), "anki", str(work / "k.json"), str(anki_base)],
                       env, work / "k.json")
            except RuntimeError as exc:
                anki_note = f"Anki could not run here: {str(exc).splitlines()[-1][:200]}"
                anki = None
        else:
            anki_note = f"Anki's environment {args.anki_python} is missing (pip install aqt)"
        # one untimed launch of each warms the OS file cache for all
        launch([PYTHON, str(CHILD), "floor", str(work / "f.json")], env, work / "f.json")
        launch([PYTHON, str(CHILD), "app", str(work / "a.json"), str(db)], env, work / "a.json")

        floor_cmd = [PYTHON, str(CHILD), "floor", str(work / "f.json")]
        app_cmd = [PYTHON, str(CHILD), "app", str(work / "a.json"), str(db)]
        floor: list[dict[str, float]] = []
        app: list[dict[str, float]] = []
        peer: list[dict[str, float]] = []
        for i in range(runs):
            floor.append(launch(floor_cmd, env, work / "f.json"))
            app.append(launch(app_cmd, env, work / "a.json"))
            if anki is not None:
                anki_cmd = [str(anki), str(CHILD), "anki", str(work / "k.json"), str(anki_base)]
                try:
                    peer.append(launch(anki_cmd, env, work / "k.json"))
                except RuntimeError as exc:
                    anki_note = f"Anki failed on run {i + 1}: {str(exc).splitlines()[-1][:200]}"
                    anki = None
            nan = float("nan")
            anki_ms = f", Anki {peer[-1].get('painted', nan) * 1000:.0f} ms" if peer else ""
            print(f"  run {i + 1}/{runs}: floor {floor[-1]['painted'] * 1000:.0f} ms, "
                  f"quizapp painted {app[-1].get('painted', nan) * 1000:.0f} ms / "
                  f"picker {app[-1].get('profiles', nan) * 1000:.0f} ms{anki_ms}", flush=True)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)

    def med(samples: list[dict[str, float]], key: str) -> float | None:
        values = [s[key] for s in samples if key in s]
        return median(values) if values else None

    floor_paint = med(floor, "painted")
    floor_rss = med(floor, "hwm_mib")
    ms = 1000.0
    painted = med(app, "painted")
    picker = med(app, "profiles")
    home = med(app, "home")
    rss = med(app, "hwm_mib")
    floor_cpu = med(floor, "cpu_s")
    app_cpu = med(app, "cpu_s")
    listed = min((s.get("students_listed", 0) for s in app), default=0)
    anki_paint = med(peer, "painted")
    anki_deck = med(peer, "deck_list")
    anki_rss = med(peer, "hwm_mib")
    anki_tree = med(peer, "tree_pss_mib")
    anki_procs = med(peer, "tree_processes")

    def scaled(v: float | None) -> float | None:
        return None if v is None else v * ms

    assert floor_paint is not None
    assert floor_rss is not None
    rows = [
        Row("bare PySide6 window painted (the floor)", "—", scaled(floor_paint), "ms",
            note=f"median of {runs}"),
        Row("quizapp first window painted", "≤ 1.5× floor", scaled(painted), "ms",
            scaled(floor_paint), "bare window",
            passed=painted is not None and painted <= 1.5 * floor_paint),
        Row(f"quizapp profile picker interactive ({int(listed)} students listed)", "≤ 3.5× floor",
            scaled(picker), "ms", scaled(floor_paint), "bare window",
            passed=picker is not None and picker <= 3.5 * floor_paint and listed == STUDENTS),
        Row("quizapp Home painted (first student clicked)", "—", scaled(home), "ms",
            scaled(floor_paint), "bare window"),
        Row("CPU time (user+sys) of the bare window, to painted", "—", scaled(floor_cpu), "ms",
            note="CPU time is what a loaded machine cannot hide: its ratio is steadier"),
        Row("CPU time (user+sys) of quizapp, to Home painted", "—", scaled(app_cpu), "ms",
            scaled(floor_cpu), "bare window"),
        Row("quizapp peak RSS up to Home", "≤ 2× floor", rss, "MiB", floor_rss, "bare window",
            passed=rss is not None and rss <= 2 * floor_rss),
    ]
    loaded = app[-1].get("modules", []) if app else []
    rows[-1].note = f"loaded by Home: {', '.join(loaded)}"  # type: ignore[arg-type]
    if anki_paint is not None:
        rows += [
            Row("Anki main window painted (peer)", "—", scaled(anki_paint), "ms",
                scaled(floor_paint), "bare window"),
            Row("Anki deck list painted (peer)", "—", scaled(anki_deck), "ms",
                scaled(floor_paint), "bare window"),
            Row("quizapp picker interactive vs Anki main window painted", "< 0.5× Anki",
                scaled(picker), "ms", scaled(anki_paint), "Anki",
                passed=picker is not None and picker < 0.5 * anki_paint),
            Row("Anki peak RSS, main process alone (peer)", "—", anki_rss, "MiB", floor_rss,
                "bare window"),
            Row("Anki memory, whole app at the deck list (peer)", "—", anki_tree, "MiB",
                floor_rss, "bare window",
                note=f"Pss summed over its {int(anki_procs or 1)} processes (main + Qt "
                     "WebEngine's), each shared page counted once"),
            Row("quizapp peak RSS vs Anki's whole app", "< 0.25× Anki", rss, "MiB", anki_tree,
                "Anki", passed=rss is not None and anki_tree is not None
                and rss < 0.25 * anki_tree),
            Row("quizapp peak RSS vs Anki's main process alone", "—", rss, "MiB", anki_rss,
                "Anki main process"),
        ]
    else:
        rows.append(Row("Anki (peer)", "—", None, "ms", note=anki_note))
    if anki_note and anki_paint is not None:
        rows[-1].note = anki_note
    title = "Start-up and memory (Xvfb, medians)"
    print_rows(title, rows)
    write_json(args.json, title, rows, samples={"floor": floor, "quizapp": app, "anki": peer})


if __name__ == "__main__":
    sys.exit(main())
