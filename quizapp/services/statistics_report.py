"""Quiz statistics from the database: Moodle's quiz statistics report for one quiz.

A quiz is a :class:`~quizapp.services.results.QuizRef` (a lesson quiz, the exams of a
pack, or a named quiz). The report is built in four steps:

1. **Attempts**: the quiz's finished attempts (narrowed by the filter's class and
   dates); each student's first one by default, or all / highest / last
   (:func:`quizapp.domain.statistics.select_attempts` on the attempts' totals).
2. **Marks matrix**: one row per attempt, one column per *question identity* (pack +
   question key). Each cell is the slot's final mark: the latest response's fraction
   minus its penalty (never below 0) × the slot's ``max_mark``; 0 when unanswered.
   *Revisions are merged*: all revisions of one question count in one column, as
   Moodle's report does per slot (a corrected typo does not split a question's figures);
   prompt and choices shown are those of the latest revision asked.
3. **Figures**: :func:`quizapp.domain.statistics.compute_statistics` on the matrix; the
   random guess score of the latest revision asked. When the attempts did not all ask
   the same questions (exams draw a subset), the matrix is incomplete: each question's
   figures are computed over the attempts that asked it (its marks against the rest of
   those attempts' totals, so facility, sd, discrimination index and efficiency keep
   their meaning), the quiz figures from the totals, and the figures that need one
   common set of questions (CIC, error ratio, standard error, effective weights) are
   left empty (``complete=False``).
4. **Distractors and flags**: how often each choice was picked (counted as
   :func:`~quizapp.domain.statistics.choice_frequencies` counts, tallied per distinct
   selection; choices of different revisions matched by their text), and the flags of
   :func:`~quizapp.domain.statistics.flag_questions`, raised only once the quiz has at
   least 10 first attempts.

Progress is reported once per chunk of attempts; cancelling raises
:class:`~quizapp.services.results.OperationCancelled`.

Cost: one Core query per chunk of 500 attempts returns one row per try (attempt, revision,
weight, mark computed in SQL, the selection's JSON text); no ORM object per slot or
response, and each distinct selection is decoded once. With 400,000 responses the
report takes ~3 s of CPU on the development machine, of which ~0.6 s is the domain's
:func:`~quizapp.domain.statistics.compute_statistics` (``docs/performance.md``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Text, case, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError
from quizapp.domain.model import QuestionType
from quizapp.domain.statistics import (
    MIN_ATTEMPTS_FOR_FLAGS,
    AttemptRef,
    AttemptSelection,
    FlagReason,
    QuestionStatistics,
    QuizStatistics,
    compute_statistics,
    flag_questions,
    question_random_guess_score,
    quiz_statistics,
    select_attempts,
)
from quizapp.services.results import (
    OperationCancelled,
    QuizRef,
    ResultsFilter,
    attempt_conditions,
    read_session,
)
from quizapp.store import models as m
from quizapp.store.convert import question_from_row

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_CHUNK = 500
_Picked = tuple[int, ...] | None
"""An attempt's picks in one column: global choice indices, ``None`` when unanswered."""


@dataclass(frozen=True)
class ChoiceRow:
    """One choice in the distractor analysis: ``letter`` its author-order letter (A, B...
    as the teacher wrote it, not as shuffled), ``fraction`` its credit (-1..1),
    ``count`` attempts that picked it and ``share`` count / attempts asked (0–1)."""

    letter: str
    text: str
    fraction: float
    count: int
    share: float | None


@dataclass(frozen=True)
class QuestionRow:
    """One question of the report (one column of the marks matrix).

    ``pack_key`` and ``key`` its identity; ``revisions`` the revision numbers asked;
    ``attempts`` how many of the selected attempts asked it; ``facility``,
    ``random_guess_score`` and ``sd_fraction`` fractions 0–1; ``sd`` in marks;
    ``discrimination_index``, ``discriminative_efficiency``, ``intended_weight`` and
    ``effective_weight`` percents; ``None`` where undefined. ``choices`` in author order
    (choices only older revisions had come last); ``no_response`` attempts that left it
    blank. ``statistics`` has every figure the domain computes.
    """

    column: int
    pack_key: str
    key: str
    prompt: str
    type: QuestionType
    revisions: tuple[int, ...]
    attempts: int
    max_mark: float
    facility: float | None
    sd: float | None
    sd_fraction: float | None
    random_guess_score: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    intended_weight: float | None
    effective_weight: float | None
    flags: tuple[FlagReason, ...]
    choices: tuple[ChoiceRow, ...]
    no_response: int
    statistics: QuestionStatistics


@dataclass(frozen=True)
class QuizStatisticsReport:
    """The statistics of one quiz.

    ``selection`` which attempts count; ``first_attempts`` the number of students with
    a finished attempt (what the 10-attempt flag rule counts); ``flags_shown`` whether
    that rule is met; ``quiz`` the quiz figures (n, mean, median, sd, skewness,
    kurtosis, CIC, error ratio, standard error: see ``docs/statistics.md``);
    ``complete`` False when the attempts did not all ask the same questions (see the
    module docstring); ``totals`` each selected attempt's total mark, for the score
    distribution chart; ``attempt_ids`` the selected attempts.
    """

    ref: QuizRef
    title: str
    selection: AttemptSelection
    first_attempts: int
    flags_shown: bool
    complete: bool
    quiz: QuizStatistics
    questions: tuple[QuestionRow, ...]
    totals: tuple[float, ...]
    attempt_ids: tuple[int, ...]
    generated_at: datetime


@dataclass
class _Column:
    pack_id: int
    pack_key: str
    key: str
    max_mark: float = 0.0
    latest: m.Question | None = None
    revisions: set[int] | None = None
    texts: list[str] | None = None  # global choice list (latest revision first)
    fractions: list[float] | None = None


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else str(i + 1)


def quiz_title(s: Session, ref: QuizRef) -> str:
    """The title of a quiz (lesson title, ``Exam: <pack>`` or quiz name).
    :class:`NotFoundError` when it does not exist."""
    if ref.kind == "lesson":
        lesson = s.get(m.Lesson, ref.id)
        if lesson is None:
            raise NotFoundError(f"There is no lesson with id {ref.id}.")
        return lesson.title
    if ref.kind == "exam":
        pack = s.get(m.Pack, ref.id)
        if pack is None:
            raise NotFoundError(f"There is no course with id {ref.id}.")
        return f"Exam: {pack.title}"
    quiz = s.get(m.Quiz, ref.id)
    if quiz is None:
        raise NotFoundError(f"There is no quiz with id {ref.id}.")
    return quiz.name


class StatisticsService:
    """Quiz statistics over ``sessions``; ``clock`` stamps ``generated_at``."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] | None = None
    ) -> None:
        from quizapp.store.types import utc_now

        self._sessions = sessions
        self._clock = clock or utc_now

    def quiz_statistics(
        self,
        ref: QuizRef,
        selection: AttemptSelection = AttemptSelection.FIRST,
        f: ResultsFilter | None = None,
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> QuizStatisticsReport:
        """The statistics report of quiz ``ref`` (see the module docstring).

        ``f`` narrows the attempts (class, dates; its ``quiz`` is replaced by ``ref``).
        ``progress(done, total)`` is called with attempts processed; ``cancelled()``
        returning True stops the work with :class:`OperationCancelled`. Safe to run on a
        worker thread (its own session). :class:`NotFoundError` for an unknown quiz.
        """
        base = replace(f or ResultsFilter(), quiz=ref, finished_only=True)
        with read_session(self._sessions) as s:
            title = quiz_title(s, ref)
            a = m.Attempt
            found = s.execute(
                select(a.id, a.student_id, a.started_at, a.marks)
                .join(m.Student, a.student_id == m.Student.id)
                .where(*attempt_conditions(base))
                .order_by(a.started_at, a.id)
            ).all()
            refs = [AttemptRef(aid, sid, started, marks) for aid, sid, started, marks in found]
            first_attempts = len({r.student_id for r in refs})
            chosen = [cast(int, r.attempt_id) for r in select_attempts(refs, selection)]
            columns, cells, picks = self._load(s, chosen, progress, cancelled)
            return _report(
                ref,
                title,
                selection,
                first_attempts,
                chosen,
                columns,
                cells,
                picks,
                self._clock(),
            )

    def _load(
        self,
        s: Session,
        attempt_ids: Sequence[int],
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> tuple[list[_Column], list[dict[int, float]], list[dict[int, _Picked]]]:
        """Columns (question identities, in report order) and, per attempt (in
        ``attempt_ids`` order), each asked column's mark and picked global choice indices
        (``None`` when unanswered), keyed by column index.

        One Core query per chunk of attempts reads each slot with its tries (a few
        columns, ``selected`` as its JSON text, decoded once per distinct value), so the
        cost is one row per try, not ORM objects and JSON decoding per response."""
        total = len(attempt_ids)
        slot, resp = m.AttemptSlot, m.Response
        # Per slot, in attempt then slot order, each try in order (one row, NULLs, when
        # unanswered): the revision asked, its weight, the try's mark and selection. A
        # later try's row comes after and overwrites: the latest try counts.
        # The mark max(0, fraction - penalty) * max_mark is computed in SQL (the same
        # IEEE double operations as in Python; 0 when unanswered).
        kept = resp.fraction - resp.penalty
        mark = case((kept > 0, kept * slot.max_mark), else_=0.0)
        slot_rows: list[Sequence[Any]] = []
        conn = s.connection()  # Core rows: no ORM loading machinery per row
        for start in range(0, total, _CHUNK):
            if cancelled is not None and cancelled():
                raise OperationCancelled("The statistics were cancelled.")
            chunk = attempt_ids[start : start + _CHUNK]
            slot_rows.extend(
                conn.execute(
                    select(
                        slot.attempt_id,
                        slot.question_id,
                        slot.max_mark,
                        mark,
                        sql_cast(resp.selected, Text),
                    )
                    .outerjoin(resp, resp.slot_id == slot.id)
                    .where(slot.attempt_id.in_(chunk))
                    .order_by(slot.attempt_id, slot.slot, resp.try_number)
                ).all()
            )
            if progress is not None:
                progress(min(start + _CHUNK, total), total)
        question_ids = {row[1] for row in slot_rows}
        revisions = {
            q.id: q
            for q in s.scalars(
                select(m.Question)
                .where(m.Question.id.in_(question_ids))
                .options(
                    selectinload(m.Question.choices),
                    selectinload(m.Question.lesson),
                    selectinload(m.Question.pack),
                )
            )
        }
        columns: dict[tuple[int, str], _Column] = {}
        for q in revisions.values():
            col = columns.setdefault((q.pack_id, q.key), _Column(q.pack_id, q.pack.key, q.key))
            col.revisions = (col.revisions or set()) | {q.revision}
            if col.latest is None or q.revision > col.latest.revision:
                col.latest = q
        for col in columns.values():
            assert col.latest is not None
            col.texts = [c.text for c in sorted(col.latest.choices, key=lambda c: c.position)]
            col.fractions = [
                c.fraction for c in sorted(col.latest.choices, key=lambda c: c.position)
            ]
        for q in sorted(revisions.values(), key=lambda q: -q.revision):
            col = columns[(q.pack_id, q.key)]
            assert col.texts is not None
            assert col.fractions is not None
            for c in sorted(q.choices, key=lambda c: c.position):
                if c.text not in col.texts:
                    col.texts.append(c.text)
                    col.fractions.append(c.fraction)
        ordered = sorted(
            columns.items(),
            key=lambda kv: (
                kv[1].latest.lesson.position if kv[1].latest else 0,
                kv[1].latest.position if kv[1].latest else 0,
                kv[0],
            ),
        )
        index_of = {key: j for j, (key, _col) in enumerate(ordered)}
        column_of = {qid: index_of[(q.pack_id, q.key)] for qid, q in revisions.items()}
        # Each revision's choice positions -> the column's global choice indices.
        global_index = {
            qid: {
                c.position: columns[(q.pack_id, q.key)].texts.index(c.text)  # type: ignore[union-attr]
                for c in q.choices
            }
            for qid, q in revisions.items()
        }
        decoded: dict[tuple[int, str], tuple[int, ...]] = {}
        max_marks = [0.0] * len(ordered)
        cells: dict[int, dict[int, float]] = {}
        picks: dict[int, dict[int, _Picked]] = {}
        row_cells: dict[int, float] = {}
        row_picks: dict[int, _Picked] = {}
        current = None
        for attempt_id, qid, max_mark, mark_, selected in slot_rows:
            if attempt_id != current:
                current = attempt_id
                row_cells = cells[attempt_id] = {}
                row_picks = picks[attempt_id] = {}
            j = column_of[qid]
            if max_mark > max_marks[j]:
                max_marks[j] = max_mark
            row_cells[j] = mark_
            if selected is None:  # no response: unanswered
                row_picks[j] = None
                continue
            picked = decoded.get((qid, selected))
            if picked is None:
                positions = global_index[qid]
                picked = decoded[qid, selected] = tuple(
                    positions[i] for i in json.loads(selected or "[]") or [] if i in positions
                )
            row_picks[j] = picked
        for (_key, col), top in zip(ordered, max_marks, strict=True):
            col.max_mark = top
        return (
            [col for _, col in ordered],
            [cells.get(a, {}) for a in attempt_ids],
            [picks.get(a, {}) for a in attempt_ids],
        )


def _report(
    ref: QuizRef,
    title: str,
    selection: AttemptSelection,
    first_attempts: int,
    attempt_ids: Sequence[int],
    columns: Sequence[_Column],
    cells: Sequence[dict[int, float]],
    picks: Sequence[dict[int, _Picked]],
    now: datetime,
) -> QuizStatisticsReport:
    """The report from :meth:`StatisticsService._load`'s columns and per-attempt cells and
    picks (keyed by column index, in ``attempt_ids`` order)."""
    p = len(columns)
    keys = range(p)
    every = set(keys)
    max_marks = [col.max_mark for col in columns]
    guesses = [
        question_random_guess_score(question_from_row(col.latest)) if col.latest else None
        for col in columns
    ]
    complete = all(row.keys() == every for row in cells)
    totals = [sum(row.values()) for row in cells]
    if complete:
        if p == 1:
            matrix: list[Sequence[float]] = [[row[0]] for row in cells]
        else:
            in_order = itemgetter(*keys)
            matrix = [in_order(row) for row in cells]
        report = compute_statistics(matrix, max_marks, guesses)
        quiz = report.quiz
        per_question = list(report.questions)
    else:
        per_question = []
        for j in keys:
            pairs = [[row[j], total - row[j]] for row, total in zip(cells, totals, strict=True)
                     if j in row]
            sub = compute_statistics(pairs, [max_marks[j], 1.0], [guesses[j], None])
            per_question.append(replace(sub.questions[0], index=j, intended_weight=None))
        quiz = quiz_statistics(totals, p, None, max_total=_max_total(cells, columns))
    flags = flag_questions(per_question, first_attempts)
    rows = []
    for j, col in enumerate(columns):
        assert col.latest is not None
        assert col.texts is not None
        assert col.fractions is not None
        counts, no_response, asked = _choice_counts(picks, j, len(col.texts))
        st = per_question[j]
        rows.append(
            QuestionRow(
                column=j,
                pack_key=col.pack_key,
                key=col.key,
                prompt=col.latest.prompt,
                type=QuestionType(col.latest.type),
                revisions=tuple(sorted(col.revisions or ())),
                attempts=asked,
                max_mark=col.max_mark,
                facility=st.facility,
                sd=st.sd,
                sd_fraction=st.sd_fraction,
                random_guess_score=st.random_guess_score,
                discrimination_index=st.discrimination_index,
                discriminative_efficiency=st.discriminative_efficiency,
                intended_weight=st.intended_weight,
                effective_weight=st.effective_weight,
                flags=flags[j],
                choices=tuple(
                    ChoiceRow(
                        _letter(i), col.texts[i], col.fractions[i], count,
                        count / asked if asked else None,
                    )
                    for i, count in enumerate(counts)
                ),
                no_response=no_response,
                statistics=st,
            )
        )
    return QuizStatisticsReport(
        ref=ref,
        title=title,
        selection=selection,
        first_attempts=first_attempts,
        flags_shown=first_attempts >= MIN_ATTEMPTS_FOR_FLAGS,
        complete=complete,
        quiz=quiz,
        questions=tuple(rows),
        totals=tuple(totals),
        attempt_ids=tuple(attempt_ids),
        generated_at=now,
    )


def _choice_counts(
    picks: Sequence[dict[int, _Picked]], column: int, choice_count: int
) -> tuple[list[int], int, int]:
    """``(count per choice, no response, attempts asked)`` of one column: what
    :func:`~quizapp.domain.statistics.choice_frequencies` counts (each attempt's picks as
    a set; no pick counts as no response), tallied per distinct selection."""
    tally = Counter(row[column] for row in picks if column in row)
    counts = [0] * choice_count
    no_response = 0
    for picked, n in tally.items():
        if not picked:
            no_response += n
            continue
        for index in set(picked):
            counts[index] += n
    return counts, no_response, sum(tally.values())


def _max_total(cells: Sequence[dict[int, float]], columns: Sequence[_Column]) -> float:
    """The largest maximum total an attempt had (exams of one pack all ask as many)."""
    return max((sum(columns[j].max_mark for j in row) for row in cells), default=0.0)
