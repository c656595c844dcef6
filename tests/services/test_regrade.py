"""Regrading after a key correction: dry run first, then apply; originals kept."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import conftest_results as h
import pytest
from sqlalchemy import select

from quizapp.domain.model import Behaviour, Choice, Pack
from quizapp.services.container import Services
from quizapp.services.exports import export_responses
from quizapp.services.packs import install_pack
from quizapp.services.regrade import RegradeService, StalePlanError, regrade_notes
from quizapp.services.results import ResultsService
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url

KEYS = [f"l1q{n}" for n in range(8)]


def test_dry_run_lists_whose_marks_change_then_apply_changes_exactly_that(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    ana = services.students.create_student("Ana").id
    ben = services.students.create_student("Ben").id
    lesson = h.lesson_ids(services, ana)[0]
    # Ana picks choice B on l1q0 (wrong under the old key), Ben picks A (right then).
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS[1:])  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, clock.advance, ben, lesson, KEYS)  # type: ignore[attr-defined]
    install_pack(database.sessions, h.corrected_key(pack))
    regrade = RegradeService(database.sessions)

    plan = regrade.dry_run(installed, "l1q0")
    changes = {c.student_name: c for c in plan.changes}
    assert set(changes) == {"Ana", "Ben"}
    assert (changes["Ana"].old_marks, changes["Ana"].new_marks) == (7.0, 8.0)
    assert (changes["Ben"].old_marks, changes["Ben"].new_marks) == (8.0, 7.0)
    assert (changes["Ana"].asked_revision, changes["Ana"].new_revision) == (1, 2)
    assert (changes["Ana"].old_percent, changes["Ana"].new_percent) == (88, 100)
    assert plan.students == ("Ana", "Ben")
    # The dry run wrote nothing.
    results = ResultsService(database.sessions)
    assert [a.marks for a in results.student_attempts(ana)] == [7.0]

    result = regrade.apply(plan)
    assert (result.attempts, result.responses) == (2, 2)
    (ana_attempt,) = results.student_attempts(ana)
    (ben_attempt,) = results.student_attempts(ben)
    assert (ana_attempt.marks, ben_attempt.marks) == (8.0, 7.0)

    # Review still shows the revision asked; the original mark is kept in a note.
    review = results.review(ana_attempt.id)
    slot = next(s for s in review.slots if s.question_key == "l1q0")
    assert slot.feedback is not None
    assert slot.feedback.fraction == 1.0
    assert slot.feedback.correct_indices == (0,)  # the old key, as the student saw it
    (note,) = regrade_notes(database.sessions, ana_attempt.id)
    assert (note.original_fraction, note.fraction, note.question_key) == (0.0, 1.0, "l1q0")
    assert (note.asked_revision, note.regraded_with_revision) == (1, 2)

    # Never twice: the same plan is stale now, and a new dry run finds nothing to do.
    with pytest.raises(StalePlanError):
        regrade.apply(plan)
    again = regrade.dry_run(installed)
    assert again.changes == ()
    assert again.unchanged == 2


def test_an_answer_whose_choice_disappeared_is_skipped_not_guessed(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    ana = services.students.create_student("Ana").id
    lesson = h.lesson_ids(services, ana)[0]
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS[1:])  # B on l1q0
    questions = tuple(
        replace(q, choices=(q.choices[0], Choice("A new choice", 1.0), *q.choices[2:]))
        if q.id == "l1q0"
        else q
        for q in pack.questions
    )
    install_pack(database.sessions, replace(pack, questions=questions, version="2"))
    plan = RegradeService(database.sessions).dry_run(installed)
    assert plan.changes == ()
    (skip,) = plan.skipped
    assert skip.student_name == "Ana"
    assert "not in the corrected question" in skip.reason


# ---------------------------------------------------------------- behaviours


def _question_id(database: Database, key: str) -> int:
    with database.sessions() as s:
        return int(
            s.scalars(
                select(m.Question.id).where(m.Question.key == key, m.Question.is_current)
            ).one()
        )


def test_regrading_a_cbm_attempt_keeps_cbm_marks(
    services: Services, installed: int, database: Database, pack: Pack, tmp_path: Path
) -> None:
    """Sure (C=3) of choice B, wrong under the old key: −6. Once B is the key it is a
    right answer at C=3: 3 marks, not the raw 1."""
    ana = services.students.create_student("Ana").id
    ids = [_question_id(database, k) for k in ("l1q0", "l1q1")]
    view = services.attempts.start_questions(
        ana, installed, ids, kind="quiz", behaviour=Behaviour.DEFERRED_CBM, shuffle=False
    )
    services.attempts.save_answer(view.id, 0, [1], certainty=3)  # l1q0: B, sure
    services.attempts.save_answer(view.id, 1, [0], certainty=2)  # l1q1: right, C=2
    done = services.attempts.finish(view.id)
    assert done.marks == pytest.approx(-6 + 2)
    install_pack(database.sessions, h.corrected_key(pack))

    regrade = RegradeService(database.sessions)
    (change,) = regrade.dry_run(installed, "l1q0").changes
    assert (change.old_marks, change.new_marks) == (pytest.approx(-4.0), pytest.approx(5.0))
    regrade.apply(regrade.dry_run(installed, "l1q0"))
    (row,) = ResultsService(database.sessions).student_attempts(ana)
    assert row.marks == pytest.approx(5.0)  # 3 (right at C=3) + 2
    (note,) = regrade_notes(database.sessions, row.id)
    assert (note.original_fraction, note.fraction) == (0.0, 1.0)
    # Exports read the same marks, and the corrected key's letter.
    path = tmp_path / "responses.csv"
    export_responses(database.sessions, path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["question_key"]: r for r in csv.DictReader(fh)}
    assert (rows["l1q0"]["marks"], rows["l1q0"]["correct_letters"]) == ("3.0", "B")
    assert rows["l1q0"]["answer_letters"] == "B"


def test_interactive_regrade_discards_tries_after_the_one_now_right(
    services: Services, installed: int, database: Database, pack: Pack
) -> None:
    """B then A under the old key: right at the second try, 0.6666667. With B the key,
    the first try was right: full marks, the second try no longer counts."""
    ana = services.students.create_student("Ana").id
    view = services.attempts.start_questions(
        ana,
        installed,
        [_question_id(database, "l1q0")],
        kind="quiz",
        behaviour=Behaviour.INTERACTIVE,
        shuffle=False,
    )
    services.attempts.submit(view.id, 0, [1])
    services.attempts.submit(view.id, 0, [0])
    assert services.attempts.finish(view.id).marks == pytest.approx(0.6666667)
    install_pack(database.sessions, h.corrected_key(pack))

    regrade = RegradeService(database.sessions)
    plan = regrade.dry_run(installed)
    (change,) = plan.changes
    assert [(r.try_number, r.old_fraction, r.new_fraction) for r in change.responses] == [
        (1, 0.0, 1.0),
        (2, 1.0, 0.0),
    ]
    assert change.new_marks == pytest.approx(1.0)
    assert regrade.apply(plan).responses == 2
    (row,) = ResultsService(database.sessions).student_attempts(ana)
    assert row.marks == pytest.approx(1.0)


def test_an_attempt_in_progress_is_listed_as_skipped(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    ana = services.students.create_student("Ana").id
    lesson = h.lesson_ids(services, ana)[0]
    advance = clock.advance  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, advance, ana, lesson, KEYS[1:], finish=False)
    install_pack(database.sessions, h.corrected_key(pack))
    plan = RegradeService(database.sessions).dry_run(installed)
    assert plan.changes == ()
    (skip,) = plan.skipped
    assert "in progress" in skip.reason


def test_regrading_twice_keeps_the_first_original_in_columns(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    ana = services.students.create_student("Ana").id
    lesson = h.lesson_ids(services, ana)[0]
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS[1:])  # type: ignore[attr-defined]
    regrade = RegradeService(database.sessions, clock=clock)  # type: ignore[arg-type]
    install_pack(database.sessions, h.corrected_key(pack))
    regrade.apply(regrade.dry_run(installed))
    clock.advance(60)  # type: ignore[attr-defined]
    # Version 3: both A and B are accepted.
    both = tuple(
        replace(
            q,
            choices=tuple(
                replace(c, fraction=1.0 if i < 2 else 0.0) for i, c in enumerate(q.choices)
            ),
        )
        if q.id == "l1q0"
        else q
        for q in pack.questions
    )
    install_pack(database.sessions, replace(pack, questions=both, version="3"))
    plan = regrade.dry_run(installed)
    assert plan.changes == ()  # B was already worth 1
    assert plan.unchanged == 1
    with database.sessions() as s:
        (response,) = s.scalars(
            select(m.Response)
            .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
            .join(m.Question, m.AttemptSlot.question_id == m.Question.id)
            .where(m.Question.key == "l1q0")
        ).all()
        assert (response.original_fraction, response.fraction) == (0.0, 1.0)
        assert response.regraded_question is not None
        assert response.regraded_question.revision == 2
        assert response.regraded_at == clock.now - timedelta(seconds=60)  # type: ignore[attr-defined]
        assert s.scalars(select(m.Setting.key).where(m.Setting.key.like("regrade:%"))).all() == []


# ---------------------------------------------------------------- migration 0002


FIXTURE_0001 = Path(__file__).parents[1] / "store" / "data" / "quizapp-0001.sqlite3"


def test_regrade_notes_in_settings_move_to_response_columns_on_upgrade(tmp_path: Path) -> None:
    """A database of quizapp 0.1 kept regrades as ``regrade:<response uuid>`` settings
    rows: the upgrade moves them into the response's columns and removes them; a note
    whose response is gone is dropped."""
    path = tmp_path / "quizapp.sqlite3"
    shutil.copyfile(FIXTURE_0001, path)
    con = sqlite3.connect(path)
    try:
        response_uuid, question_uuid, slot = con.execute(
            "SELECT r.uuid, q.uuid, s.slot FROM responses r "
            "JOIN attempt_slots s ON s.id = r.slot_id JOIN questions q ON q.id = s.question_id "
            "WHERE q.key = 'l1q0'"
        ).fetchone()
        note = {
            "response_uuid": str(UUID(response_uuid)),
            "slot": slot,
            "try_number": 1,
            "question_key": "l1q0",
            "original_fraction": 0.25,
            "fraction": 1.0,
            "asked_revision": 1,
            "regraded_with_question_uuid": str(UUID(question_uuid)),
            "regraded_with_revision": 1,
            "regraded_at": "2024-09-03T10:00:00+00:00",
        }
        con.executemany(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
            [
                (f"regrade:{UUID(response_uuid)}", json.dumps(note), "2024-09-03 10:00:00"),
                (f"regrade:{uuid4()}", json.dumps(note), "2024-09-03 10:00:00"),
                ("teacher_pin_hash", json.dumps("kept"), "2024-09-03 10:00:00"),
            ],
        )
        con.commit()
    finally:
        con.close()

    db = open_database(resolve_db_url(str(path)))
    try:
        with db.sessions() as s:
            assert s.scalars(select(m.Setting.key)).all() == ["teacher_pin_hash"]
            response = s.scalars(
                select(m.Response).where(m.Response.uuid == UUID(response_uuid))
            ).one()
            attempt_id = response.attempt_id
            assert response.original_fraction == 0.25
            assert response.regraded_question is not None
            assert response.regraded_question.key == "l1q0"
            assert response.regraded_at == datetime(2024, 9, 3, 10, tzinfo=UTC)
        (read,) = regrade_notes(db.sessions, attempt_id)
        assert (read.slot, read.question_key, read.original_fraction) == (slot + 1, "l1q0", 0.25)
        assert (read.asked_revision, read.regraded_with_revision) == (1, 1)
    finally:
        db.close()
