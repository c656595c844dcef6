"""Recording a response: ``AttemptService.submit`` durably committed, against raw sqlite3.

Run: ``python bench/bench_record.py [--responses 1000] [--json OUT]``.

A fresh file-backed database is opened as the app opens it (WAL, ``synchronous=FULL``,
``BEGIN IMMEDIATE``) with a pack of 50 lessons × 20 questions; one student answers
every question of each lesson quiz in turn, 1,000 answers in all (after
:func:`quizapp.app.freeze_long_lived_objects`, as the app calls it once its services
are loaded), each through
:meth:`quizapp.services.attempts.AttemptService.submit` (which marks the answer and
commits before returning). Starting and finishing attempts are not timed. The
baseline is one raw ``sqlite3`` ``INSERT`` + ``COMMIT`` per response into the same
``responses`` table of another fresh file, with the same pragmas. Median and p99
(nearest rank) of each; the target is p99 ≤ 5 ms.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from _common import Row, median, parser, percentile, print_rows, write_json

from quizapp.app import freeze_long_lived_objects
from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.services.container import build_services
from quizapp.services.packs import install_pack
from quizapp.store.database import open_database, resolve_db_url

TARGET_P99_MS = 5.0
CPU_PER_SUBMIT: list[float] = []
"""Mean CPU seconds of one submit in this process (steadier than wall time under load)."""


def make_pack(lessons: int = 50, per_lesson: int = 20) -> Pack:
    """A pack whose right answer is always choice 0 (single answer, 4 choices)."""
    les = tuple(Lesson(f"l{i}", f"Lesson {i}", "Text.") for i in range(lessons))
    qs = tuple(
        Question(
            id=f"l{i}q{j}", lesson_id=f"l{i}", type=QuestionType.SINGLE,
            prompt=f"Question {j} of lesson {i}?",
            choices=(Choice("Right", 1.0), Choice("Wrong 1", 0.0), Choice("Wrong 2", 0.0),
                     Choice("Wrong 3", 0.0)),
        )
        for i in range(lessons) for j in range(per_lesson)
    )
    return Pack(id="bench-record", title="Bench record", lessons=les, questions=qs)


def service_times(folder: Path, n: int) -> list[float]:
    """Seconds of each of ``n`` ``submit`` calls."""
    database = open_database(resolve_db_url(str(folder / "record.sqlite3")))
    try:
        install_pack(database.sessions, make_pack())
        services = build_services(database)
        freeze_long_lived_objects()  # as the app does once its services are loaded
        student = services.students.create_student("Bench").id
        lesson_ids = [
            lesson.id for pack in services.course.home(student).packs for lesson in pack.lessons
        ]
        times: list[float] = []
        cpu = 0.0
        for lesson_id in lesson_ids:
            attempt = services.attempts.start_lesson_quiz(student, lesson_id)
            for slot in attempt.slots:
                if len(times) >= n:
                    break
                c0 = time.process_time()
                t0 = time.perf_counter()
                services.attempts.submit(attempt.id, slot.slot, [0])
                times.append(time.perf_counter() - t0)
                cpu += time.process_time() - c0
            services.attempts.finish(attempt.id)
            if len(times) >= n:
                break
        CPU_PER_SUBMIT.append(cpu / len(times))
        return times
    finally:
        database.close()


def raw_times(folder: Path, n: int) -> list[float]:
    """Seconds of each of ``n`` raw sqlite3 INSERT + COMMIT into ``responses`` (same
    schema and pragmas; slots and attempts prepared first, not timed)."""
    path = folder / "raw.sqlite3"
    database = open_database(resolve_db_url(str(path)))
    try:
        install_pack(database.sessions, make_pack())
        services = build_services(database)
        student = services.students.create_student("Bench").id
        lesson_ids = [
            lesson.id for pack in services.course.home(student).packs for lesson in pack.lessons
        ]
        attempts = [services.attempts.start_lesson_quiz(student, lid).id for lid in lesson_ids]
    finally:
        database.close()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    marks = ",".join("?" * len(attempts))
    slots = con.execute(
        f"SELECT attempt_id, id FROM attempt_slots WHERE attempt_id IN ({marks}) ORDER BY id",
        attempts,
    ).fetchall()[:n]
    times: list[float] = []
    for attempt_id, slot_id in slots:
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "INSERT INTO responses (uuid, attempt_id, slot_id, try_number, selected, fraction,"
            " certainty, penalty, answered_at, duration_s) VALUES (?,?,?,1,'[0]',1.0,NULL,0,?,1.0)",
            (uuid.uuid4().hex, attempt_id, slot_id, now),
        )
        con.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    con.close()
    return times


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def noise_times(piece_s: float, n: int) -> list[float]:
    """Seconds of each of ``n`` pieces of pure-Python work (no I/O, no allocation to
    speak of) calibrated to last ``piece_s`` each on this machine now: how much the
    machine alone spreads work of an answer's length (its p99 over its median)."""
    loops = 1000
    while True:  # calibrate: loops for one piece
        t0 = time.perf_counter()
        _spin(loops)
        took = time.perf_counter() - t0
        if took > 0.002:
            break
        loops *= 2
    loops = max(1, round(loops * piece_s / took))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        _spin(loops)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--responses", type=int, default=1000)
    args = p.parse_args()
    n = 200 if args.quick else args.responses
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-record-") as tmp:
        ours = service_times(Path(tmp), n)
        raw = raw_times(Path(tmp), n)
    noise = noise_times(median(ours), n)
    ms = 1000.0
    rows = [
        Row(f"record a response, median of {len(ours):,}", "—", median(ours) * ms, "ms",
            median(raw) * ms, "raw sqlite3 insert+commit"),
        Row(f"record a response, p99 of {len(ours):,}", f"≤ {TARGET_P99_MS:g} ms",
            percentile(ours, 99) * ms, "ms", percentile(raw, 99) * ms,
            "raw sqlite3 insert+commit", passed=percentile(ours, 99) * ms <= TARGET_P99_MS,
            note=f"max {max(ours) * ms:.1f} ms; raw max {max(raw) * ms:.1f} ms; "
            f"mean CPU time of one submit {CPU_PER_SUBMIT[0] * ms:.1f} ms"),
        Row(f"machine noise: p99 of {len(noise):,} pieces of pure-Python work as long as "
            "the median answer", "—", percentile(noise, 99) * ms, "ms",
            median(noise) * ms, "their median",
            note=f"max {max(noise) * ms:.1f} ms; what this machine alone makes of work "
            "of that length"),
    ]
    title = "Recording a response (durable commit, synchronous=FULL)"
    print_rows(title, rows)
    write_json(args.json, title, rows)


if __name__ == "__main__":
    main()
