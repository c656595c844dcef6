"""Durability: an answer acknowledged on screen survives the process being killed.

A "zygote" subprocess imports the app once, then forks short-lived writers on demand.
Each writer opens the database, records answers through ``AttemptService.submit``
(finishing and starting lesson quizzes as it goes) and prints ``ack <attempt> <slot>``
after each call returns: the moment the screen would say "saved". The test kills each
writer with SIGKILL at a random moment (while opening, mid-transaction, between
answers), 200 times, then checks that every acknowledged answer is in the database,
that no question was answered twice, and that ``PRAGMA integrity_check`` is ``ok``.

Run as a script, this file is the zygote (``python test_durability.py zygote <db>``).
"""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

KILLS = 200
MAX_DELAY_S = 0.12
"""A writer killed before its first answer dies within this long after it starts (it
takes some 50-100 ms to open the database), so some kills land while it opens."""
ANSWER_S = 0.03
"""Other kills land up to this long after the writer's 1st, 2nd or 3rd acknowledgement
(an answer takes 10-20 ms with ``synchronous=FULL``): mid-transaction or between two."""

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="the writers are forked (POSIX); SIGKILL is POSIX too"
)


# ---------------------------------------------------------------- child side


def _writer(url: str, student_id: int, lesson_id: int) -> None:  # pragma: no cover - child
    """Answer questions forever, acknowledging each one after ``submit`` returns."""
    from quizapp.services.container import build_services
    from quizapp.store.database import open_database

    services = build_services(open_database(url))
    out = sys.stdout
    while True:
        unfinished = services.attempts.unfinished(student_id)
        if unfinished:
            attempt = services.attempts.get(unfinished[0].id)
        else:
            attempt = services.attempts.start_lesson_quiz(student_id, lesson_id)
        for slot in attempt.slots[attempt.current_slot :]:
            services.attempts.submit(attempt.id, slot.slot, [0])
            out.write(f"ack {attempt.id} {slot.slot}\n")
            out.flush()
        services.attempts.finish(attempt.id)


def _zygote(url: str, student_id: int, lesson_id: int) -> None:  # pragma: no cover - child
    """Import everything once, then fork a writer for each ``fork`` line on stdin and
    report ``exit <pid> <status>`` when it has died."""
    import tempfile

    from quizapp.services.container import build_services
    from quizapp.store.database import backup_sqlite, open_database, sqlite_path

    # Warm up (imports, ORM mappers, compiled SQL) by answering one question in a copy,
    # so that each forked writer starts in milliseconds; no connection survives the fork.
    source = sqlite_path(url)
    assert source is not None
    with tempfile.TemporaryDirectory() as folder:
        copy = backup_sqlite(source, "warmup")
        warm = Path(folder) / "warm.sqlite3"
        os.replace(copy, warm)
        db = open_database(f"sqlite:///{warm}")
        services = build_services(db)
        attempt = services.attempts.start_lesson_quiz(student_id, lesson_id)
        services.attempts.submit(attempt.id, 0, [0])
        services.attempts.finish(attempt.id)
        services.attempts.unfinished(student_id)
        services.attempts.get(attempt.id)
        db.close()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        if line.strip() != "fork":
            break
        pid = os.fork()
        if pid == 0:
            try:
                out.write(f"pid {os.getpid()}\n")
                out.flush()
                _writer(url, student_id, lesson_id)
            finally:
                os._exit(3)
        _, status = os.waitpid(pid, 0)
        out.write(f"exit {pid} {status}\n")
        out.flush()


# ---------------------------------------------------------------- parent side


class _Lines:
    """Whole lines from a pipe, with a deadline (select, no sleeping)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def next(self, deadline: float | None) -> str | None:
        """The next complete line, or ``None`` once ``deadline`` (monotonic) passes."""
        while b"\n" not in self.buffer:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError("the zygote closed its output")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[str, int, int]:
    """A database with the built-in course and one student: (url, student id, lesson id)."""
    from quizapp.bundled import builtin_pack_path
    from quizapp.services.container import build_services
    from quizapp.services.packs import ensure_builtin_pack
    from quizapp.store.database import open_database, resolve_db_url

    url = resolve_db_url(str(tmp_path / "quizapp.sqlite3"))
    db = open_database(url)
    try:
        ensure_builtin_pack(db.sessions, builtin_pack_path())
        services = build_services(db)
        student = services.students.create_student("Ana")
        lesson = services.course.home(student.id).packs[0].lessons[0]
        return url, student.id, lesson.id
    finally:
        db.close()


@pytest.fixture
def zygote(prepared: tuple[str, int, int]) -> Iterator[subprocess.Popen[bytes]]:
    url, student_id, lesson_id = prepared
    proc = subprocess.Popen(
        [sys.executable, __file__, "zygote", url, str(student_id), str(lesson_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    yield proc
    if proc.stdin is not None:
        proc.stdin.close()
    try:
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_acknowledged_answers_survive_sigkill(
    prepared: tuple[str, int, int], zygote: subprocess.Popen[bytes]
) -> None:
    url, _, _ = prepared
    path = Path(url.removeprefix("sqlite:///"))
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    lines = _Lines(zygote.stdout.fileno())
    assert lines.next(time.monotonic() + 30) == "ready"
    rng = random.Random(20240902)
    acked: list[tuple[int, int]] = []
    killed_while_acking = 0
    for _ in range(KILLS):
        zygote.stdin.write(b"fork\n")
        zygote.stdin.flush()
        first = lines.next(time.monotonic() + 30)
        assert first is not None
        assert first.startswith("pid ")
        pid = int(first.split()[1])
        # A random moment: after 0 to 3 acknowledged answers, plus up to an answer's time.
        wait_for = rng.choice([0, 0, 1, 2, 3])
        extra = rng.uniform(0, MAX_DELAY_S if wait_for == 0 else ANSWER_S)
        before = len(acked)
        deadline = None if wait_for else time.monotonic() + extra
        while (line := lines.next(deadline)) is not None:
            kind, attempt_id, slot = line.split()
            assert kind == "ack", line
            acked.append((int(attempt_id), int(slot)))
            if deadline is None and len(acked) - before >= wait_for:
                deadline = time.monotonic() + extra
        os.kill(pid, signal.SIGKILL)
        # Whatever the writer acknowledged before it died is still in the pipe.
        while (line := lines.next(time.monotonic() + 30)) is not None:
            if line.startswith("exit "):
                status = int(line.split()[2])
                assert os.WIFSIGNALED(status), f"a writer stopped by itself: {line}"
                assert os.WTERMSIG(status) == signal.SIGKILL
                break
            kind, attempt_id, slot = line.split()
            acked.append((int(attempt_id), int(slot)))
        else:
            pytest.fail("the zygote did not report the writer's death")
        killed_while_acking += len(acked) > before

    # The kills really interrupted a stream of answers.
    assert len(acked) > KILLS
    assert killed_while_acking > KILLS // 2

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = con.execute(
            "SELECT r.attempt_id, s.slot FROM responses r "
            "JOIN attempt_slots s ON s.id = r.slot_id"
        ).fetchall()
    finally:
        con.close()
    assert len(stored) == len(set(stored)), "a question was answered twice"
    assert len(acked) == len(set(acked)), "a writer acknowledged an answer twice"
    missing = set(acked) - set(stored)
    assert not missing, f"acknowledged answers lost: {sorted(missing)[:10]}"


if __name__ == "__main__":  # pragma: no cover - the zygote subprocess
    if sys.argv[1] == "zygote":
        _zygote(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
