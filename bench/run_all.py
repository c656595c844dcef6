"""Run every benchmark and write the table of ``docs/performance.md``.

Run: ``/path/to/venv/bin/python bench/run_all.py [--quick] [--only startup,import,...]``.

Each bench runs in its own process (``bench/bench_<name>.py --json``); their rows are
gathered into one Markdown table (figure, target, measured, baseline, ratio, pass/fail)
with the machine it ran on, and written between the ``<!-- bench:begin -->`` and
``<!-- bench:end -->`` markers of ``docs/performance.md`` (the text around them, with the
profiles and proposed fixes, is kept). ``bench/bench_statistics.py`` (the domain
statistics alone) runs last and its output is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PYTHON, ROOT, fmt, machine, parser, verdict

BENCHES = ("startup", "import", "record", "results", "responsiveness", "print")
FULL_ARGS: dict[str, list[str]] = {
    "import": ["--sizes", "1,10,100"],  # growth (issue 8, item 7): up to a million questions
    "results": ["--scales", "0.1,1,10"],  # growth: 40,000, 400,000, 4 million responses
}
"""Arguments of the full run (not ``--quick``) beyond each bench's defaults."""
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def table(results: list[dict[str, object]], info: dict[str, str], loads: list[str]) -> str:
    """The Markdown of the machine, the load it carried, and the figures."""
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {info['nproc']} cores "
        f"({info['cpu']}), {info['memory']}, {info['os']}; Python {info['python']}, "
        f"PySide6 {info['pyside6']} (Qt {info['qt']}), SQLAlchemy {info['sqlalchemy']}, "
        f"SQLite {info['sqlite']}. Load average (1 min) before each bench: "
        f"{', '.join(loads)}.",
        "",
        "| figure | target | measured | baseline | ratio | result |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        for r in result["rows"]:  # type: ignore[attr-defined]
            ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else "—"
            base = (f"{fmt(r['baseline'], r['unit'])} ({r['baseline_name']})"
                    if r["baseline"] is not None else "—")
            note = f"<br><small>{r['note']}</small>" if r["note"] else ""
            lines.append(
                f"| {r['figure']}{note} | {r['target']} | {fmt(r['measured'], r['unit'])} "
                f"| {base} | {ratio} | {verdict(r['passed'])} |"
            )
    return "\n".join(lines)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(BENCHES))
    args = p.parse_args()
    wanted = [b for b in args.only.split(",") if b]
    # As `pip install .` does: quizapp's modules compiled to bytecode before any launch
    # (an editable install under PYTHONDONTWRITEBYTECODE would compile them at every start).
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "quizapp")], check=False)
    results: list[dict[str, object]] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-") as tmp:
        for name in wanted:
            loads.append(f"{name} {os.getloadavg()[0]:.2f}")
            script = Path(__file__).with_name(f"bench_{name}.py")
            if not script.exists():
                print(f"(skipped: {script.name} does not exist)")
                continue
            out = Path(tmp) / f"{name}.json"
            extra = ["--quick"] if args.quick else FULL_ARGS.get(name, [])
            cmd = [PYTHON, str(script), "--json", str(out), *extra]
            print(f"\n>>> {' '.join(cmd[1:])}", flush=True)
            done = subprocess.run(cmd, cwd=ROOT, check=False)
            if done.returncode != 0 or not out.exists():
                results.append({"title": name, "rows": [{
                    "figure": f"{name}: the bench failed (exit {done.returncode})",
                    "target": "—", "measured": None, "unit": "", "baseline": None,
                    "baseline_name": "", "ratio": None, "passed": False, "note": "",
                }]})
                continue
            results.append(json.loads(out.read_text()))
    subprocess.run([PYTHON, str(Path(__file__).with_name("bench_statistics.py"))],
                   cwd=ROOT, check=False)
    body = table(results, machine(), loads)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _old, tail = rest.split(END, 1)
        text = f"{head}{BEGIN}\n{body}\n{END}{tail}"
    else:
        text += f"\n{BEGIN}\n{body}\n{END}\n"
    if not args.quick:
        DOC.write_text(text, encoding="utf-8")
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    else:
        print("\n(--quick: docs/performance.md left as it is)\n" + body)
    sys.exit(0)


if __name__ == "__main__":
    main()
