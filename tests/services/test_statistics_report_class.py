"""The statistics report on a varied class equals the definitions computed slot by slot.

The report reads each attempt's slots in one row (marks and selections as text) and
counts them in batches; this checks it against a plain reading of the same rows: each
slot's latest try, mark max(0, fraction - penalty) × weight, totals summed attempt by
attempt, then :func:`~quizapp.domain.statistics.compute_statistics` on the marks matrix
(or on each question's marks against the rest of the test when attempts asked different
questions) and choices counted by their text. The class has shuffled slots, second and
third tries with penalties, blanks (no response, or an empty selection), partial credit
and negative (certainty-based) fractions, weights other than 1, two revisions of one
question whose choices differ, and exams that draw different questions.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from quizapp.domain.model import Choice, Pack
from quizapp.domain.statistics import (
    AttemptRef,
    AttemptSelection,
    compute_statistics,
    quiz_statistics,
    select_attempts,
)
from quizapp.services import statistics_report
from quizapp.services.packs import install_pack
from quizapp.services.results import QuizRef
from quizapp.services.statistics_report import QuizStatisticsReport, StatisticsService
from quizapp.store import models as m
from quizapp.store.database import Database

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
REL = 1e-12
QUESTION_FIGURES = (
    "n",
    "mean_mark",
    "facility",
    "sd",
    "mark_variance",
    "other_mark_variance",
    "covariance",
    "covariance_max",
    "covariance_with_total",
    "discrimination_index",
    "discriminative_efficiency",
)
QUIZ_FIGURES = ("n", "max_total", "mean", "median", "sd", "skewness", "kurtosis", "cic")


@dataclass
class _Revision:
    id: int
    pack_id: int
    lesson_id: int
    key: str
    multiple: bool
    texts: list[str]  # by author position


def _revised(pack: Pack) -> Pack:
    """Version 2: l1q0 with a reworded prompt and its last choice rewritten."""
    questions = []
    for q in pack.questions:
        if q.id == "l1q0":
            last = q.choices[-1]
            choices = (*q.choices[:-1], Choice("l1q0 wrong 3, reworded", last.fraction))
            q = replace(q, prompt="Prompt of l1q0, reworded?", choices=choices)
        questions.append(q)
    return replace(pack, questions=tuple(questions), version="2")


def _revisions(database: Database) -> list[_Revision]:
    with database.sessions() as s:
        rows = s.scalars(select(m.Question).order_by(m.Question.id)).all()
        return [
            _Revision(
                q.id,
                q.pack_id,
                q.lesson_id,
                q.key,
                q.type == "multiple",
                [c.text for c in sorted(q.choices, key=lambda c: c.position)],
            )
            for q in rows
        ]


def _fill(database: Database, seed: int, whole: bool) -> dict[str, int]:
    """40 students taking lesson 1's quiz three times each (all eight questions, l1q0 at
    either revision) and the pack's exam twice (five questions drawn from all 24).
    ``whole``: most answers one choice earning 0 or 1 (the usual quiz), else a mix."""
    rng = random.Random(seed)
    revisions = _revisions(database)
    by_key: dict[str, list[_Revision]] = defaultdict(list)
    for r in revisions:
        by_key[r.key].append(r)
    lesson_keys = sorted(k for k in by_key if k.startswith("l1q"))
    pack_id, lesson_id = by_key["l1q1"][0].pack_id, by_key["l1q1"][0].lesson_id
    attempts: list[dict[str, Any]] = []
    plans: list[list[_Revision]] = []
    with database.engine.begin() as conn:
        conn.execute(
            insert(m.Student),
            [{"uuid": uuid.uuid4(), "name": f"S{i:02}", "created_at": START} for i in range(40)],
        )
        students = list(conn.scalars(select(m.Student.id).order_by(m.Student.id)))
        for k, sid in enumerate(students):  # 3 lesson attempts, then 2 exams
            for a in range(5):
                exam = a >= 3
                keys = rng.sample(sorted(by_key), 5) if exam else lesson_keys
                if exam and k == 0 and a == 3:
                    keys = []  # an exam with no questions at all
                plan = [rng.choice(by_key[key]) for key in keys]
                rng.shuffle(plan)
                begun = START + timedelta(days=a, minutes=k)
                attempts.append(
                    {
                        "uuid": uuid.uuid4(),
                        "student_id": sid,
                        "pack_id": pack_id,
                        "lesson_id": None if exam else lesson_id,
                        "kind": "exam" if exam else "lesson",
                        "behaviour": "interactive",
                        "seed": rng.getrandbits(62),
                        "started_at": begun,
                        "finished_at": begun + timedelta(minutes=9),
                        "state": "finished",
                        "current_slot": len(plan),
                        "marks": 0.0,
                        "max_marks": float(len(plan)),
                    }
                )
                plans.append(plan)
        conn.execute(insert(m.Attempt), attempts)
        attempt_ids = list(conn.scalars(select(m.Attempt.id).order_by(m.Attempt.id)))
        weighted = {aid: rng.randrange(5) for aid in attempt_ids if rng.random() < 0.15}
        conn.execute(
            insert(m.AttemptSlot),
            [
                {
                    "attempt_id": aid,
                    "slot": j,
                    "question_id": q.id,
                    "choice_order": list(range(len(q.texts))),
                    "max_mark": 2.0 if weighted.get(aid) == j else 1.0,
                    "flagged": False,
                }
                for aid, plan in zip(attempt_ids, plans, strict=True)
                for j, q in enumerate(plan)
            ],
        )
        slots = conn.execute(
            select(m.AttemptSlot.id, m.AttemptSlot.attempt_id, m.AttemptSlot.question_id)
        ).all()
        revision_of = {r.id: r for r in revisions}
        silent = {aid for aid in attempt_ids if rng.random() < 0.03}  # nothing answered
        responses = []
        for slot_id, aid, qid in slots:
            q = revision_of[qid]
            if rng.random() < 0.08 or aid in silent:
                continue  # never answered
            tries = 1 if rng.random() < 0.95 else rng.choice([2, 2, 3])
            for t in range(1, tries + 1):
                if rng.random() < (0.005 if whole else 0.04):
                    picked: list[int] = []
                elif q.multiple and (not whole or rng.random() < 0.02):
                    picked = sorted(rng.sample(range(len(q.texts)), rng.randint(1, 3)))
                else:
                    picked = [rng.randrange(len(q.texts))]
                fraction = rng.choice(
                    [0.0, 1.0] * (100 if whole else 4) + [0.5, 0.3333333, 0.6666667, 0.05, -0.5]
                )
                penalty = 0.3333333 * (t - 1) or (0.1 if rng.random() < 0.05 else 0.0)
                responses.append(
                    {
                        "uuid": uuid.uuid4(),
                        "attempt_id": aid,
                        "slot_id": slot_id,
                        "try_number": t,
                        "selected": picked,
                        "fraction": 0.0 if not picked else fraction,
                        "penalty": penalty,
                        "answered_at": START,
                        "duration_s": 5.0,
                    }
                )
        conn.execute(insert(m.Response), responses)
    return {"pack": pack_id, "lesson": lesson_id}


@dataclass
class _Expected:
    report: Any  # StatisticsReport or None
    per_question: dict[str, Any]
    quiz: Any
    totals: list[float]
    choices: dict[str, Counter[str]]
    blanks: dict[str, int]
    asked: dict[str, int]
    max_marks: dict[str, float]
    complete: bool


def _expected(database: Database, ref: QuizRef, selection: AttemptSelection) -> _Expected:
    """The figures read slot by slot, try by try, as the definitions say."""
    a, sl, rp = m.Attempt, m.AttemptSlot, m.Response
    revisions = {r.id: r for r in _revisions(database)}
    with database.sessions() as s:
        kind = a.lesson_id == ref.id if ref.kind == "lesson" else a.pack_id == ref.id
        found = s.execute(
            select(a.id, a.student_id, a.started_at, a.marks)
            .where(a.kind == ref.kind, kind, a.state == "finished")
            .order_by(a.started_at, a.id)
        ).all()
        chosen = [
            r.attempt_id for r in select_attempts([AttemptRef(*row) for row in found], selection)
        ]
        slot_rows = s.execute(
            select(sl.id, sl.attempt_id, sl.question_id, sl.max_mark).where(
                sl.attempt_id.in_(chosen)
            )
        ).all()
        tries: dict[int, list[tuple[int, float, float, list[int]]]] = defaultdict(list)
        for slot_id, t, f, p, picked in s.execute(
            select(rp.slot_id, rp.try_number, rp.fraction, rp.penalty, rp.selected).where(
                rp.attempt_id.in_(chosen)
            )
        ):
            tries[slot_id].append((t, f, p, picked))
    cells: dict[int, dict[str, float]] = {aid: {} for aid in chosen}
    weights: dict[str, float] = defaultdict(float)
    choices: dict[str, Counter[str]] = defaultdict(Counter)
    blanks: Counter[str] = Counter()
    for slot_id, aid, qid, weight in slot_rows:
        q = revisions[qid]
        latest = max(tries[slot_id], default=None)  # highest try number
        mark = 0.0 if latest is None else max(0.0, latest[1] - latest[2]) * weight
        cells[aid][q.key] = mark
        weights[q.key] = max(weights[q.key], weight)
        if latest is None or not latest[3]:
            blanks[q.key] += 1
        for index in set(latest[3] if latest else ()):
            choices[q.key][q.texts[index]] += 1
    totals = [sum(cells[aid].values()) for aid in chosen]
    keys = sorted({k for row in cells.values() for k in row})
    complete = all(sorted(row) == keys for row in cells.values())
    asked = {k: sum(1 for row in cells.values() if k in row) for k in keys}
    if complete:
        expected = compute_statistics(
            [[cells[aid][k] for k in keys] for aid in chosen], [weights[k] for k in keys]
        )
        per_question = dict(zip(keys, expected.questions, strict=True))
        quiz = expected.quiz
    else:
        per_question = {}
        for k in keys:
            pairs = [
                [cells[aid][k], total - cells[aid][k]]
                for aid, total in zip(chosen, totals, strict=True)
                if k in cells[aid]
            ]
            per_question[k] = compute_statistics(pairs, [weights[k], 1.0]).questions[0]
        max_total = max(sum(weights[k] for k in row) for row in cells.values())
        quiz = quiz_statistics(totals, len(keys), None, max_total=max_total)
        expected = None
    return _Expected(
        expected, per_question, quiz, totals, choices, blanks, asked, weights, complete
    )


def _close(got: float | None, want: float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return got == pytest.approx(want, rel=REL, abs=REL)


def _check(report: QuizStatisticsReport, want: _Expected) -> None:
    assert report.complete is want.complete
    assert [_close(g, w) for g, w in zip(report.totals, want.totals, strict=True)] == [True] * len(
        want.totals
    )
    for name in QUIZ_FIGURES:
        assert _close(getattr(report.quiz, name), getattr(want.quiz, name)), name
    assert [row.key for row in report.questions] == sorted(want.per_question, key=_order)
    for row in report.questions:
        expected = want.per_question[row.key]
        for name in QUESTION_FIGURES:
            assert _close(getattr(row.statistics, name), getattr(expected, name)), (
                row.key,
                name,
            )
        if want.complete:
            assert _close(row.effective_weight, expected.effective_weight), row.key
            assert _close(row.intended_weight, expected.intended_weight), row.key
        else:  # need one common set of questions
            assert row.effective_weight is None
            assert row.intended_weight is None
        assert row.max_mark == want.max_marks[row.key]
        assert row.attempts == want.asked[row.key]
        assert row.no_response == want.blanks[row.key]
        counted = {c.text: c.count for c in row.choices if c.count}
        assert counted == dict(want.choices[row.key]), row.key


def _order(key: str) -> tuple[int, int]:
    lesson, number = key[1:].split("q")
    return int(lesson), int(number)


@pytest.mark.parametrize(
    ("seed", "batch", "whole"), [(1, 8, False), (2, 1, False), (3, 10**9, False), (4, 8, True)]
)
def test_report_equals_the_slot_by_slot_definitions(
    database: Database,
    pack: Pack,
    seed: int,
    batch: int,
    whole: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches of attempts with the same slots and total are counted slot by slot from
    # _BATCH attempts on, cell by cell below: 1 and 10**9 force one way for all. With
    # whole marks and single choices most attempts take the quickest way.
    monkeypatch.setattr(statistics_report, "_BATCH", batch)
    install_pack(database.sessions, pack)
    install_pack(database.sessions, _revised(pack))
    ids = _fill(database, seed, whole)
    stats = StatisticsService(database.sessions)

    lesson = QuizRef.lesson(ids["lesson"])
    for selection in (AttemptSelection.ALL, AttemptSelection.FIRST, AttemptSelection.LAST):
        report = stats.quiz_statistics(lesson, selection)
        _check(report, _expected(database, lesson, selection))
    l1q0 = next(row for row in report.questions if row.key == "l1q0")
    assert l1q0.revisions == (1, 2)
    assert l1q0.prompt == "Prompt of l1q0, reworded?"
    # Choices matched by text across revisions; the one only revision 1 had comes last.
    assert l1q0.choices[-1].text == "l1q0 wrong 3"
    assert l1q0.choices[-2].text == "l1q0 wrong 3, reworded"

    exam = QuizRef.exam(ids["pack"])
    report = stats.quiz_statistics(exam, AttemptSelection.ALL)
    assert not report.complete
    _check(report, _expected(database, exam, AttemptSelection.ALL))
