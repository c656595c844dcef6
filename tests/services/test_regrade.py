"""Regrading after a key correction: dry run first, then apply; originals kept."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from quizapp.domain.model import Choice, Pack
from quizapp.services.container import Services
from quizapp.services.packs import install_pack
from quizapp.services.regrade import RegradeService, StalePlanError, regrade_notes
from quizapp.services.results import ResultsService
from quizapp.store.database import Database


def _load_helpers() -> ModuleType:
    name = "conftest_results"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


h = _load_helpers()
KEYS = [f"l1q{n}" for n in range(8)]


def _corrected(pack: Pack) -> Pack:
    """l1q0's key corrected: its second choice is the right one, not the first."""
    questions = []
    for q in pack.questions:
        if q.id == "l1q0":
            choices = tuple(
                Choice(text=c.text, fraction=1.0 if i == 1 else 0.0, feedback=c.feedback)
                for i, c in enumerate(q.choices)
            )
            q = replace(q, choices=choices)
        questions.append(q)
    return replace(pack, questions=tuple(questions), version="2")


def test_dry_run_lists_whose_marks_change_then_apply_changes_exactly_that(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    ana = services.students.create_student("Ana").id
    ben = services.students.create_student("Ben").id
    lesson = h.lesson_ids(services, ana)[0]
    # Ana picks choice B on l1q0 (wrong under the old key), Ben picks A (right then).
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS[1:])  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, clock.advance, ben, lesson, KEYS)  # type: ignore[attr-defined]
    install_pack(database.sessions, _corrected(pack))
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
