"""Two processes writing at once: the command line importing question sets while the
GUI records answers. Nothing is lost and neither fails with "database is locked"
(``BEGIN IMMEDIATE`` + a 10 s busy timeout + one short transaction per action).

Run as a script, this file is one of the two writers (``importer`` or ``answerer``).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

IMPORTS = 10
"""The importer installs at least this many times, then goes on until the answerer is done."""
QUIZZES = 4


def _pack(version: int):  # type: ignore[no-untyped-def]  # pragma: no cover - child
    from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType

    lesson = Lesson(id="l1", title="Lesson", body="The sky is blue. " * 50)
    questions = tuple(
        Question(
            id=f"q{n}",
            lesson_id="l1",
            type=QuestionType.SINGLE,
            prompt=f"Question {n}, edition {version if n % 3 == 0 else 0}?",
            choices=(Choice(text="Blue", fraction=1.0), Choice(text="Green", fraction=0.0)),
            explanation="Because.",
        )
        for n in range(60)
    )
    return Pack(id="imported", title="Imported", lessons=(lesson,), questions=questions,
                version=str(version))


def _importer(url: str) -> None:  # pragma: no cover - child
    """Install the same pack again and again, a third of its questions changed each time."""
    import select

    from quizapp.formats.registry import read_question_set, write_question_set
    from quizapp.services.packs import install_pack
    from quizapp.store.database import open_database

    db = open_database(url)
    print("ready", flush=True)
    sys.stdin.readline()
    version = 0
    # At least IMPORTS times, and on until told to stop (after the answerer is done).
    while version < IMPORTS or not select.select([sys.stdin], [], [], 0)[0]:
        version += 1
        # As `quizapp import` does: write then read a real file (work outside the lock).
        path = Path(url.removeprefix("sqlite:///")).with_name(f"import-{version}.json")
        write_question_set(_pack(version), path)
        report = install_pack(db.sessions, read_question_set(path).pack)
        print(f"imported {report.key} {report.version} {time.monotonic()}", flush=True)
    db.close()


def _answerer(url: str, student_id: int, lesson_id: int) -> None:  # pragma: no cover
    """Take whole lesson quizzes, acknowledging each answer after ``submit`` returns."""
    from quizapp.services.container import build_services
    from quizapp.store.database import open_database

    db = open_database(url)
    services = build_services(db)
    print("ready", flush=True)
    sys.stdin.readline()
    import select

    done = 0
    # At least QUIZZES whole quizzes, and on until told to stop (after the importer has
    # done its share too), so the two really write at the same time however fast each is.
    while done < QUIZZES or not select.select([sys.stdin], [], [], 0)[0]:
        attempt = services.attempts.start_lesson_quiz(student_id, lesson_id)
        for slot in attempt.slots:
            services.attempts.submit(attempt.id, slot.slot, [0])
            print(f"ack {attempt.id} {slot.slot} {time.monotonic()}", flush=True)
        services.attempts.finish(attempt.id)
        done += 1
        print(f"done {attempt.id} {done} {time.monotonic()}", flush=True)
    db.close()


def _collect(
    proc: subprocess.Popen[str], lines: list[str], changed: threading.Condition
) -> None:
    """Read a writer's stdout lines as they come (run on a thread), waking the test."""
    assert proc.stdout is not None
    for line in proc.stdout:
        with changed:
            lines.append(line.strip())
            changed.notify_all()
    with changed:
        changed.notify_all()  # the writer ended


def test_importing_while_answering_loses_nothing(tmp_path: Path) -> None:
    import sqlite3

    from quizapp.bundled import builtin_pack_path
    from quizapp.services.container import build_services
    from quizapp.services.packs import ensure_builtin_pack
    from quizapp.store.database import open_database, resolve_db_url

    url = resolve_db_url(str(tmp_path / "quizapp.sqlite3"))
    db = open_database(url)
    ensure_builtin_pack(db.sessions, builtin_pack_path())
    services = build_services(db)
    student = services.students.create_student("Ana")
    lesson = services.course.home(student.id).packs[0].lessons[0]
    db.close()

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, __file__, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )

    importer = start("importer", url)
    answerer = start("answerer", url, str(student.id), str(lesson.id))
    procs = (importer, answerer)
    try:
        for proc in procs:  # both have the database open before either writes
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        # Each writer goes on until both have done their minimum, then both are stopped.
        outputs: dict[str, list[str]] = {"importer": [], "answerer": []}
        changed = threading.Condition()
        readers = [
            threading.Thread(target=_collect, args=(proc, outputs[name], changed), daemon=True)
            for name, proc in (("importer", importer), ("answerer", answerer))
        ]
        for reader in readers:
            reader.start()

        def both_did_their_share_or_one_ended() -> bool:
            imports = sum(line.startswith("imported") for line in outputs["importer"])
            quizzes = sum(line.startswith("done") for line in outputs["answerer"])
            ended = any(not reader.is_alive() for reader in readers)
            return ended or (imports >= IMPORTS and quizzes >= QUIZZES)

        with changed:
            changed.wait_for(both_did_their_share_or_one_ended, timeout=120)
        for proc in procs:
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write("stop\n")
                proc.stdin.flush()
        for proc in procs:
            proc.wait(timeout=120)
        for reader in readers:  # every line read, up to the end of each stdout
            reader.join(timeout=30)
        errors = [proc.stderr.read() if proc.stderr is not None else "" for proc in procs]
        for proc in procs:
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
        results = [
            ("\n".join(outputs["importer"]), errors[0]),
            ("\n".join(outputs["answerer"]), errors[1]),
        ]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for proc, (_, err) in zip(procs, results, strict=True):
        assert "locked" not in err.lower()
        assert proc.returncode == 0, err

    imported = [line.split() for line in results[0][0].splitlines()]
    versions = [(w[0], w[2]) for w in imported]
    assert len(versions) >= IMPORTS
    assert versions == [("imported", str(v)) for v in range(1, len(versions) + 1)]
    answer_lines = [line.split() for line in results[1][0].splitlines()]
    assert {w[0] for w in answer_lines} == {"ack", "done"}
    answered = [w for w in answer_lines if w[0] == "ack"]
    quizzes_done = sum(1 for w in answer_lines if w[0] == "done")
    acked = {(int(w[1]), int(w[2])) for w in answered}
    # The two really wrote at the same time (CLOCK_MONOTONIC is shared by processes).
    import_times = [float(w[3]) for w in imported]
    answer_times = [float(w[3]) for w in answered]
    assert import_times[0] < answer_times[-1]
    assert answer_times[0] < import_times[-1]
    con = sqlite3.connect(tmp_path / "quizapp.sqlite3")
    try:
        stored = set(
            con.execute(
                "SELECT r.attempt_id, s.slot FROM responses r "
                "JOIN attempt_slots s ON s.id = r.slot_id"
            ).fetchall()
        )
        finished = con.execute("SELECT count(*) FROM attempts WHERE state = 'finished'")
        assert finished.fetchone() == (quizzes_done,)
        (pack_revision,) = con.execute(
            "SELECT revision FROM packs WHERE key = 'imported'"
        ).fetchone()
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
    assert quizzes_done >= QUIZZES
    assert len(acked) > QUIZZES
    assert acked == stored
    assert pack_revision == len(versions)


if __name__ == "__main__":  # pragma: no cover - the writer subprocesses
    if sys.argv[1] == "importer":
        _importer(sys.argv[2])
    elif sys.argv[1] == "answerer":
        _answerer(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
