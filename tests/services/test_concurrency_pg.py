"""A classroom on one PostgreSQL server: many computers at once (issue 9).

- 30 separate processes, each a classroom computer, start together (released by an
  advisory-lock gate): each installs the built-in pack if need be, creates its student,
  starts an exam and answers every question. Then every response is stored exactly
  once under its own attempt, no computer saw another's attempt, and the built-in pack
  was installed once.
- A teacher re-importing the pack the class is answering holds no lock a student
  needs: students finish their quizzes while the import's transaction is still open.

PostgreSQL only (SQLite is one computer): skipped, saying how to run it, when
``QUIZAPP_TEST_PG_URL`` is unset.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from quizapp.domain.model import Pack
from quizapp.services.container import build_services
from quizapp.services.packs import install_pack
from quizapp.store import models as m
from quizapp.store.database import open_database

COMPUTERS = 30
ANSWERS = 8
GATE = 0x5155_0009  # advisory lock key the parent holds until everyone is ready

CHILD = r"""
import json, sys
from sqlalchemy import select, text
from quizapp.bundled import builtin_pack_path
from quizapp.services.container import build_services
from quizapp.services.packs import ensure_builtin_pack
from quizapp.store import models as m
from quizapp.store.database import open_database

url, name, gate, answers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = open_database(url, migrate=False)  # a classroom computer never migrates
with db.engine.connect() as conn:       # ready: wait at the gate with the others
    print("ready", flush=True)
    conn.execute(text("SELECT pg_advisory_lock_shared(:k)"), {"k": gate})
    conn.execute(text("SELECT pg_advisory_unlock_shared(:k)"), {"k": gate})
    conn.commit()
ensure_builtin_pack(db.sessions, builtin_pack_path())
services = build_services(db)
student = services.students.create_student(name)
with db.sessions.begin() as s:
    pack_id = s.scalars(select(m.Pack.id).where(m.Pack.is_builtin)).one()
attempt = services.attempts.start_exam(student.id, pack_id, question_count=answers)
given = []
for slot in attempt.slots:
    selected = [slot.choices[0].index]
    feedback = services.attempts.submit(attempt.id, slot.slot, selected)
    given.append([slot.slot, slot.question_id, sorted(feedback.selected)])
seen = [a.id for a in services.attempts.unfinished(student.id)]
seen += [a.id for a in services.attempts.history(student.id)]
again = services.attempts.get(attempt.id)
print(json.dumps({
    "student": student.id, "attempt": attempt.id, "owner": again.student_id,
    "given": given, "seen": seen,
    "answered": sum(1 for x in again.slots if x.feedback is not None),
}), flush=True)
db.close()
"""


def test_thirty_computers_answering_at_once_lose_nothing(pg_db_url: str) -> None:
    open_database(pg_db_url).close()  # the administrator's `quizapp db upgrade`
    gate_db = open_database(pg_db_url, migrate=False)
    gate = gate_db.engine.connect()
    gate.execute(text("SELECT pg_advisory_lock(:k)"), {"k": GATE})
    gate.commit()
    children: list[subprocess.Popen[str]] = []
    try:
        for n in range(COMPUTERS):
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        CHILD,
                        pg_db_url,
                        f"Student {n:02d}",
                        str(GATE),
                        str(ANSWERS),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for child in children:  # everyone connected and waiting at the gate
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == "ready", child.stderr.read() if child.stderr else line
        gate.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": GATE})
        gate.commit()
        results: list[dict[str, Any]] = []
        for child in children:
            out, err = child.communicate(timeout=300)
            assert child.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        gate.close()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    attempts = [r["attempt"] for r in results]
    assert len(set(attempts)) == COMPUTERS
    assert len({r["student"] for r in results}) == COMPUTERS
    for r in results:
        assert r["owner"] == r["student"]
        assert r["seen"] == [r["attempt"]]  # nobody saw another student's attempt
        assert r["answered"] == ANSWERS
        assert [g[0] for g in r["given"]] == list(range(ANSWERS))

    try:
        with gate_db.sessions.begin() as s:
            assert s.scalar(select(func.count(m.Pack.id)).where(m.Pack.is_builtin)) == 1
            builtin = s.scalars(select(m.Pack).where(m.Pack.is_builtin)).one()
            assert builtin.revision == 1  # installed once, never "refreshed" by a rival
            keys = s.scalars(select(m.Question.key).where(m.Question.pack_id == builtin.id))
            assert max(Counter(keys).values()) == 1  # one revision of each question
            stored = s.execute(
                select(
                    m.Response.attempt_id,
                    m.AttemptSlot.slot,
                    m.AttemptSlot.question_id,
                    m.Response.selected,
                    m.Attempt.student_id,
                )
                .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
                .join(m.Attempt, m.Response.attempt_id == m.Attempt.id)
            ).all()
    finally:
        gate_db.close()
    assert len(stored) == COMPUTERS * ANSWERS  # every response, exactly once
    by_attempt: dict[int, list[list[Any]]] = {}
    owner = {r["attempt"]: r["student"] for r in results}
    for attempt_id, slot, question_id, selected, student_id in stored:
        assert owner[attempt_id] == student_id
        by_attempt.setdefault(attempt_id, []).append([slot, question_id, sorted(selected)])
    for r in results:
        assert sorted(by_attempt[r["attempt"]]) == sorted(r["given"])


# ---------------------------------------------------------------- a teacher's import


class _HeldOpen:
    """A session factory whose transactions pause, work done and locks held, just
    before committing, until ``release`` is set: a teacher's import caught mid-way."""

    def __init__(self, sessions: Any, paused: threading.Event, release: threading.Event):
        self._sessions = sessions
        self._paused = paused
        self._release = release

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s
            s.flush()
            self._paused.set()
            assert self._release.wait(timeout=60)


MOMENT_S = 5
"""A student's statement waiting longer than this on a lock fails the test."""


def test_students_are_not_blocked_by_a_teacher_importing_their_pack(
    pg_db_url: str, pack: Pack, answers: tuple[Callable[..., list[int]], Any]
) -> None:
    right_answer, _ = answers
    db = open_database(pg_db_url)

    @event.listens_for(db.engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"SET lock_timeout = '{MOMENT_S}s'")
        dbapi_connection.commit()

    db.engine.dispose()  # every connection from now on gives up on a lock after 5 s
    try:
        pack_id = install_pack(db.sessions, pack).pack_id
        services = build_services(db)
        students = [services.students.create_student(f"Student {n}") for n in range(3)]
        started = services.attempts.start_exam(students[0].id, pack_id, question_count=4)
        lesson_id = started.slots[0].lesson_id

        changed = replace(
            pack,
            version="2",
            questions=tuple(replace(q, prompt=q.prompt + " (revised)") for q in pack.questions),
        )
        paused, release = threading.Event(), threading.Event()
        failures: list[BaseException] = []

        def teacher_imports() -> None:
            try:
                install_pack(_HeldOpen(db.sessions, paused, release), changed)  # type: ignore[arg-type]
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)

        teacher = threading.Thread(target=teacher_imports)
        teacher.start()
        try:
            assert paused.wait(timeout=60)
            # The import holds its locks. Students answer, start and finish quizzes:
            for slot in started.slots:
                services.attempts.submit(started.id, slot.slot, right_answer(slot))
            services.attempts.finish(started.id)
            for student in students[1:]:
                quiz = services.attempts.start_lesson_quiz(student.id, lesson_id)
                for slot in quiz.slots:
                    services.attempts.submit(quiz.id, slot.slot, right_answer(slot))
                services.attempts.finish(quiz.id)
            assert teacher.is_alive()  # all of that happened while the import was open
        finally:
            release.set()
            teacher.join(timeout=60)
        assert failures == []
        assert services.attempts.history(students[0].id)[0].percent == 100
        review = services.attempts.review(started.id)
        assert all("(revised)" not in x.prompt for x in review.slots)  # as it was asked
        fresh = services.attempts.start_lesson_quiz(students[1].id, lesson_id)
        assert all(x.prompt.endswith("(revised)") for x in fresh.slots)
    finally:
        db.close()
