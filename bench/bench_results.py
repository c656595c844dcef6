"""Teacher statistics on a generated class: 500 students × 40 attempts × 20 questions.

Run: ``python bench/bench_results.py [--scales 0.1,1] [--json OUT]``.

The database (400,000 responses at 1×) is generated quickly with SQLAlchemy Core bulk
inserts, not through the services: one pack with one lesson of 20 questions, every
attempt a finished quiz of that lesson asking its questions in an order of its own (as
the app shuffles them). The generated attempts have no stored statistics cells
(``attempt_cells``, which the app writes when an attempt is finished): the first report
reads their responses and stores them, as after upgrading a database from before
migration 0004, and is timed on its own. Then, timed (median of 3, wall and CPU): the
quiz statistics report over every attempt
(:meth:`quizapp.services.statistics_report.StatisticsService.quiz_statistics`,
``AttemptSelection.ALL``; target ≤ 0.5 s) and the results overview
(:meth:`quizapp.services.results.ResultsService.students_overview`; ≤ 0.3 s). The
baseline is a raw ``sqlite3`` ``SELECT count(*), sum(fraction) FROM responses``: one
full pass over the responses. ``EXPLAIN QUERY PLAN`` of every statement the two
services run is printed. Scales other than 1 change the number of students (0.1× = 50
students); 10× (4 million responses) takes minutes to generate: ``--scales 1,10``;
100× (40 million responses, about 5 GB of database) is generated 5,000 students at a
time: ``--scales 0.1,100``.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import Row, median, parser, print_rows, write_json
from sqlalchemy import bindparam, event, func, insert, select, update

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.domain.statistics import AttemptSelection
from quizapp.services.packs import install_pack
from quizapp.services.results import QuizRef, ResultsService
from quizapp.services.statistics_report import StatisticsService
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url

STUDENTS, ATTEMPTS, QUESTIONS = 500, 40, 20


def make_pack() -> Pack:
    """One lesson of 20 single-answer questions (choice 0 right)."""
    return Pack(
        id="bench-results",
        title="Bench results",
        lessons=(Lesson("l1", "Lesson 1", "Text."),),
        questions=tuple(
            Question(
                f"q{j}",
                "l1",
                QuestionType.SINGLE,
                f"Question {j}?",
                (
                    Choice("Right", 1.0),
                    Choice("Wrong A", 0.0),
                    Choice("Wrong B", 0.0),
                    Choice("Wrong C", 0.0),
                ),
            )
            for j in range(QUESTIONS)
        ),
    )


BATCH = 5_000
"""Students generated per transaction: 4 million responses' rows held at once at most, so
100× (50,000 students, 40 million responses) fits in memory. Up to 10× it is one batch."""


def generate(database: Database, students: int, seed: int = 8) -> tuple[int, int]:
    """Fill the database, :data:`BATCH` students per transaction; returns (lesson id,
    responses written)."""
    rng = random.Random(seed)
    install_pack(database.sessions, make_pack())
    with database.engine.begin() as conn:
        pack_id, lesson_id = conn.execute(select(m.Lesson.pack_id, m.Lesson.id)).one()
        qids = list(conn.scalars(select(m.Question.id).order_by(m.Question.position)))
    written = 0
    for first in range(0, students, BATCH):
        with database.engine.begin() as conn:
            written += _generate_batch(
                conn, rng, pack_id, lesson_id, qids, range(first, min(students, first + BATCH))
            )
    return lesson_id, written


def _generate_batch(  # type: ignore[no-untyped-def]
    conn, rng: random.Random, pack_id: int, lesson_id: int, qids: list[int], numbers: range
) -> int:
    """Students ``numbers`` (their names and start offsets), each with :data:`ATTEMPTS`
    finished attempts of :data:`QUESTIONS` responses; returns the responses written."""
    start = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    last_student = conn.scalar(select(func.max(m.Student.id))) or 0
    last_attempt = conn.scalar(select(func.max(m.Attempt.id))) or 0
    last_slot = conn.scalar(select(func.max(m.AttemptSlot.id))) or 0
    conn.execute(
        insert(m.Student),
        [
            {"uuid": uuid.uuid4(), "name": f"Student {i:04d}", "created_at": start}
            for i in numbers
        ],
    )
    sids = list(conn.scalars(
        select(m.Student.id).where(m.Student.id > last_student).order_by(m.Student.id)
    ))
    attempts = []
    for k, sid in zip(numbers, sids, strict=True):
        ability = rng.gauss(0, 1)
        for a in range(ATTEMPTS):
            begun = start + timedelta(days=a, minutes=k)
            attempts.append(
                {
                    "uuid": uuid.uuid4(),
                    "student_id": sid,
                    "pack_id": pack_id,
                    "lesson_id": lesson_id,
                    "kind": "lesson",
                    "behaviour": "immediatefeedback",
                    "seed": rng.getrandbits(62),
                    "started_at": begun,
                    "finished_at": begun + timedelta(minutes=5),
                    "state": "finished",
                    "current_slot": QUESTIONS,
                    "marks": 0.0,
                    "max_marks": float(QUESTIONS),
                    "_ability": ability,
                }
            )
    abilities = [x.pop("_ability") for x in attempts]
    conn.execute(insert(m.Attempt), attempts)
    aids = list(conn.scalars(
        select(m.Attempt.id).where(m.Attempt.id > last_attempt).order_by(m.Attempt.id)
    ))
    # Each attempt asks the questions in its own order, as the app shuffles them.
    slots = [
        {
            "attempt_id": aid,
            "slot": j,
            "question_id": qids[q],
            "choice_order": [0, 1, 2, 3],
            "max_mark": 1.0,
            "flagged": False,
        }
        for aid in aids
        for j, q in enumerate(rng.sample(range(QUESTIONS), QUESTIONS))
    ]
    conn.execute(insert(m.AttemptSlot), slots)
    del slots
    slot_rows = conn.execute(
        select(
            m.AttemptSlot.id,
            m.AttemptSlot.attempt_id,
            m.AttemptSlot.slot,
            m.AttemptSlot.question_id,
        ).where(m.AttemptSlot.id > last_slot).order_by(m.AttemptSlot.id)
    ).all()
    number_of = {qid: q for q, qid in enumerate(qids)}  # question q is harder with q
    ability_of = dict(zip(aids, abilities, strict=True))
    started_of = {aid: x["started_at"] for aid, x in zip(aids, attempts, strict=True)}
    responses = []
    marks: dict[int, float] = {}
    for slot_id, aid, j, qid in slot_rows:
        q = number_of[qid]
        right = rng.random() < 1 / (1 + 2.718 ** (q / 10 - 1 - ability_of[aid]))
        fraction = 1.0 if right else 0.0
        marks[aid] = marks.get(aid, 0.0) + fraction
        responses.append(
            {
                "uuid": uuid.uuid4(),
                "attempt_id": aid,
                "slot_id": slot_id,
                "try_number": 1,
                "selected": [0] if right else [rng.randrange(1, 4)],
                "fraction": fraction,
                "penalty": 0.0,
                "answered_at": started_of[aid] + timedelta(seconds=10 * (j + 1)),
                "duration_s": 10.0,
            }
        )
    conn.execute(insert(m.Response), responses)
    t = m.Attempt.__table__
    conn.execute(
        update(t).where(t.c.id == bindparam("aid")).values(marks=bindparam("mk")),
        [{"aid": aid, "mk": mk} for aid, mk in marks.items()],
    )
    return len(responses)


def timed(fn, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of ``runs`` calls."""
    return timed_cpu(fn, runs)[0]


def timed_cpu(fn, runs: int = 3) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall seconds and median CPU seconds (``time.process_time``: this process,
    all threads) of ``runs`` calls. On a shared machine the wall time includes waiting
    for a core; the CPU time is what the work costs."""
    walls, cpus = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return median(walls), median(cpus)


def explain(database: Database, fn) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Every SELECT ``fn`` runs, with its EXPLAIN QUERY PLAN lines."""
    seen: list[tuple[str, tuple[object, ...]]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # type: ignore
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, tuple(parameters) if not executemany else ()))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        fn()
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    path = database.engine.url.database
    con = sqlite3.connect(path)
    plans = []
    for statement, params in seen:
        try:
            lines = [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
        except sqlite3.Error as exc:
            lines = [f"(cannot explain: {exc})"]
        plans.append((statement, lines))
    con.close()
    return plans


def raw_scan(path: str) -> float:
    """Seconds of one raw full pass over the responses (median of 3)."""
    con = sqlite3.connect(path)
    try:
        query = "SELECT count(*), sum(fraction) FROM responses"
        return timed(lambda: con.execute(query).fetchone())
    finally:
        con.close()


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--scales", default="0.1,1", help="multiples of 500 students (0.1,1,10,100)")
    p.add_argument("--plans", action="store_true", help="print every query plan")
    args = p.parse_args()
    scales = [0.1] if args.quick else [float(x) for x in args.scales.split(",")]
    rows: list[Row] = []
    plans_out: list[tuple[str, list[str]]] = []
    per_response: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="quizapp-bench-results-") as tmp:
        for scale in scales:
            students = max(1, round(STUDENTS * scale))
            path = Path(tmp) / f"results-{scale}.sqlite3"
            database = open_database(resolve_db_url(str(path)))
            try:
                t0 = time.perf_counter()
                lesson_id, n = generate(database, students)
                print(
                    f"  {scale}×: {students} students, {n:,} responses generated in "
                    f"{time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
                stats = StatisticsService(database.sessions)
                results = ResultsService(database.sessions)
                ref = QuizRef.lesson(lesson_id)

                def report(stats=stats, ref=ref):  # type: ignore[no-untyped-def]
                    return stats.quiz_statistics(ref, AttemptSelection.ALL)

                def overview(results=results):  # type: ignore[no-untyped-def]
                    return results.students_overview()

                # Generated rows have no stored cells (the app stores an attempt's
                # when it is finished): the first report reads the responses and stores
                # them, as after upgrading a database from before migration 0004.
                t_first, cpu_first = timed_cpu(report, runs=1)
                t_report, cpu_report = timed_cpu(report)
                t_overview, cpu_overview = timed_cpu(overview)
                base = raw_scan(str(path))
                label = f"{students} students × {ATTEMPTS} × {QUESTIONS} = {n:,} responses"
                for name, value, cpu, target in (
                    ("quiz statistics report", t_report, cpu_report, 0.5),
                    ("results overview", t_overview, cpu_overview, 0.3),
                ):
                    key = name
                    notes = [f"CPU {cpu * 1000:.0f} ms"]
                    if scale != scales[0] and key in per_response:
                        ratio = cpu / n / per_response[key]
                        notes.append(f"{ratio:.2f}× the CPU per response of {scales[0]}×")
                    else:
                        per_response[key] = cpu / n
                    rows.append(
                        Row(
                            f"{name}, {label}",
                            f"≤ {target:g} s" if scale == 1 else "linear",
                            value * 1000,
                            "ms",
                            base * 1000,
                            "raw sqlite3 pass over responses",
                            passed=(value <= target) if scale == 1 else None,
                            note="; ".join(notes),
                            extra={"cpu_ms": cpu * 1000},
                        )
                    )
                rows.append(
                    Row(
                        f"first quiz statistics report after an upgrade (stores the cells), "
                        f"{label}",
                        "—",
                        t_first * 1000,
                        "ms",
                        base * 1000,
                        "raw sqlite3 pass over responses",
                        note=f"CPU {cpu_first * 1000:.0f} ms; once per attempt, not per report",
                        extra={"cpu_ms": cpu_first * 1000},
                    )
                )
                if scale == 1 or scale == scales[-1]:
                    plans_out = explain(database, report) + explain(database, overview)
            finally:
                database.close()
    print("\nEXPLAIN QUERY PLAN of each aggregate query (last scale):")
    for statement, lines in plans_out:
        head = " ".join(statement.split())[:160]
        print(f"  -- {head}{'…' if len(head) == 160 else ''}")
        for line in lines:
            print(f"       {line}")
    title = "Teacher statistics (SQLite, median of 3)"
    print_rows(title, rows)
    write_json(args.json, title, rows, plans=plans_out)


if __name__ == "__main__":
    main()
