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
4. **Distractors and flags**: how often each choice was picked
   (:func:`~quizapp.domain.statistics.choice_frequencies`; choices of different
   revisions matched by their text), and the flags of
   :func:`~quizapp.domain.statistics.flag_questions`, raised only once the quiz has at
   least 10 first attempts.

Progress is reported once per chunk of attempts; cancelling raises
:class:`~quizapp.services.results.OperationCancelled`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import cast

from sqlalchemy import select
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
    choice_frequencies,
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
    ) -> tuple[
        list[_Column],
        dict[int, dict[tuple[int, str], float]],
        dict[int, dict[tuple[int, str], tuple[int, ...] | None]],
    ]:
        """Columns (question identities) and, per attempt, each asked column's mark and
        picked global choice indices (``None`` when unanswered)."""
        total = len(attempt_ids)
        cells: dict[int, dict[tuple[int, str], float]] = defaultdict(dict)
        picks: dict[int, dict[tuple[int, str], tuple[int, ...] | None]] = defaultdict(dict)
        slot_info: list[tuple[int, int, int, float]] = []  # attempt, slot id, question id, max
        latest_try: dict[int, tuple[int, float, float, list[int]]] = {}
        for start in range(0, total, _CHUNK):
            if cancelled is not None and cancelled():
                raise OperationCancelled("The statistics were cancelled.")
            chunk = attempt_ids[start : start + _CHUNK]
            slot_info.extend(
                s.execute(
                    select(
                        m.AttemptSlot.attempt_id,
                        m.AttemptSlot.id,
                        m.AttemptSlot.question_id,
                        m.AttemptSlot.max_mark,
                    ).where(m.AttemptSlot.attempt_id.in_(chunk))
                ).all()
            )
            for slot_id, try_no, fraction, penalty, selected in s.execute(
                select(
                    m.Response.slot_id,
                    m.Response.try_number,
                    m.Response.fraction,
                    m.Response.penalty,
                    m.Response.selected,
                ).where(m.Response.attempt_id.in_(chunk))
            ):
                known = latest_try.get(slot_id)
                if known is None or try_no > known[0]:
                    latest_try[slot_id] = (try_no, fraction, penalty, list(selected or []))
            if progress is not None:
                progress(min(start + _CHUNK, total), total)
        question_ids = {qid for _, _, qid, _ in slot_info}
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
        for attempt_id, slot_id, qid, max_mark in slot_info:
            q = revisions[qid]
            key = (q.pack_id, q.key)
            col = columns[key]
            assert col.texts is not None
            col.max_mark = max(col.max_mark, max_mark)
            response = latest_try.get(slot_id)
            if response is None:
                cells[attempt_id][key] = 0.0
                picks[attempt_id][key] = None
                continue
            _, fraction, penalty, selected = response
            cells[attempt_id][key] = max(0.0, fraction - penalty) * max_mark
            by_position = {c.position: c.text for c in q.choices}
            picks[attempt_id][key] = tuple(
                col.texts.index(by_position[i]) for i in selected if i in by_position
            )
        ordered = sorted(
            columns.items(),
            key=lambda kv: (
                kv[1].latest.lesson.position if kv[1].latest else 0,
                kv[1].latest.position if kv[1].latest else 0,
                kv[0],
            ),
        )
        return [col for _, col in ordered], cells, picks


def _report(
    ref: QuizRef,
    title: str,
    selection: AttemptSelection,
    first_attempts: int,
    attempt_ids: Sequence[int],
    columns: Sequence[_Column],
    cells: dict[int, dict[tuple[int, str], float]],
    picks: dict[int, dict[tuple[int, str], tuple[int, ...] | None]],
    now: datetime,
) -> QuizStatisticsReport:
    keys = [(col.pack_id, col.key) for col in columns]
    max_marks = [col.max_mark for col in columns]
    guesses = [
        question_random_guess_score(question_from_row(col.latest)) if col.latest else None
        for col in columns
    ]
    complete = all(
        len(cells[a]) == len(keys) and all(k in cells[a] for k in keys) for a in attempt_ids
    )
    totals = [sum(cells[a].values()) for a in attempt_ids]
    if complete:
        matrix = [[cells[a][k] for k in keys] for a in attempt_ids]
        report = compute_statistics(matrix, max_marks, guesses)
        quiz = report.quiz
        per_question = list(report.questions)
    else:
        per_question = []
        for j, k in enumerate(keys):
            asked = [a for a in attempt_ids if k in cells[a]]
            pairs = [[cells[a][k], sum(cells[a].values()) - cells[a][k]] for a in asked]
            sub = compute_statistics(pairs, [max_marks[j], 1.0], [guesses[j], None])
            per_question.append(replace(sub.questions[0], index=j, intended_weight=None))
        quiz = quiz_statistics(
            totals, len(keys), None, max_total=_max_total(cells, attempt_ids, columns)
        )
    flags = flag_questions(per_question, first_attempts)
    rows = []
    for j, (col, k) in enumerate(zip(columns, keys, strict=True)):
        assert col.latest is not None
        assert col.texts is not None
        assert col.fractions is not None
        asked = [a for a in attempt_ids if k in cells[a]]
        (freq,) = choice_frequencies([[picks[a][k]] for a in asked], [len(col.texts)])
        st = per_question[j]
        rows.append(
            QuestionRow(
                column=j,
                pack_key=col.pack_key,
                key=col.key,
                prompt=col.latest.prompt,
                type=QuestionType(col.latest.type),
                revisions=tuple(sorted(col.revisions or ())),
                attempts=len(asked),
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
                    ChoiceRow(_letter(i), col.texts[i], col.fractions[i], c.count, c.share)
                    for i, c in enumerate(freq.choices)
                ),
                no_response=freq.no_response.count,
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


def _max_total(
    cells: dict[int, dict[tuple[int, str], float]],
    attempt_ids: Sequence[int],
    columns: Sequence[_Column],
) -> float:
    """The largest maximum total an attempt had (exams of one pack all ask as many)."""
    by_key = {(c.pack_id, c.key): c.max_mark for c in columns}
    return max((sum(by_key[k] for k in cells[a]) for a in attempt_ids), default=0.0)
