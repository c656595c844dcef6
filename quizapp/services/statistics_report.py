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
3. **Figures**: :func:`quizapp.domain.statistics.compute_statistics` on the matrix
   (computed from its columns tallied against the totals); the random guess score of
   the latest revision asked. When the attempts did not all ask the same questions
   (exams draw a subset), the matrix is incomplete: each question's figures are
   computed over the attempts that asked it (its marks against the rest of those
   attempts' totals, so facility, sd, discrimination index and efficiency keep their
   meaning), the quiz figures from the totals, and the figures that need one common set
   of questions (CIC, error ratio, standard error, intended and effective weights) are
   left empty (``complete=False``).
4. **Distractors and flags**: how often each choice was picked (counted as
   :func:`~quizapp.domain.statistics.choice_frequencies` counts, tallied per distinct
   selection; choices of different revisions matched by their text), and the flags of
   :func:`~quizapp.domain.statistics.flag_questions`, raised only once the quiz has at
   least 10 first attempts.

Progress is reported once per chunk of attempts; cancelling raises
:class:`~quizapp.services.results.OperationCancelled`.

Cost: each finished attempt's cells are stored as one row when it is finished
(:mod:`quizapp.services.attempt_cells`: its slots' question ids, marks and selections
as text, slots in question order), so the report reads one short row per attempt, 500
attempts per query, and Python never handles a row per slot. Attempts without a row
(a database from before they were stored) are stored first, from their responses
(SQLite's ``group_concat``, PostgreSQL's ``string_agg``, marks computed in SQL); if the
database cannot be written they are read from the responses. Attempts with the same
slots and total are batched, and each batch's marks and selections are counted per
slot by ``Counter`` (C) or ``str.count``; the figures come from the resulting tallies
(:func:`~quizapp.domain.statistics.compute_statistics_from_tallies`), exactly the sums
over attempts. Attempts with several tries at a slot are read again a row per try.
400,000 responses: ~0.3 s from stored cells, ~1-2 s the first time
(``docs/performance.md``).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import cycle, groupby, repeat
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Dialect, String, Text, case, select, type_coerce
from sqlalchemy import cast as sql_cast
from sqlalchemy.exc import DBAPIError
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
    compute_statistics_from_tallies,
    flag_questions,
    question_random_guess_score,
    question_statistics,
    quiz_statistics,
    select_attempts,
)
from quizapp.services.attempt_cells import (
    CELLS_SQL,
    STORED_CELLS_SQL,
    attempts_without_cells,
    fill_missing_cells,
)
from quizapp.services.results import (
    OperationCancelled,
    QuizRef,
    ResultsFilter,
    attempt_conditions,
    quiz_condition,
)
from quizapp.store import models as m
from quizapp.store.convert import question_from_row
from quizapp.store.database import read_session
from quizapp.store.types import UTCDateTime

_log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_CHUNK = 500
_Picked = tuple[int, ...] | None
"""An attempt's picks in one column: global choice indices, ``None`` when unanswered."""
_UTC = UTCDateTime()


def _moment(value: Any, dialect: Dialect) -> datetime:
    """A start time as the driver gave it -> aware UTC datetime (as the column reads)."""
    moment = _UTC.process_result_value(value, dialect)
    assert moment is not None  # started_at is NOT NULL
    return moment


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


@dataclass
class _Batch:
    """The cells of the attempts asked the same slots that have the same total.

    ``order``: the slots (``question id`` or ``question id*weight`` tokens) in the order
    the first attempt listed them, ``text`` that list as the database sent it;
    ``attempts``. Their cells, each in
    ``order`` (attempts listing their slots in another order are rearranged): for an
    attempt whose marks are all 0 or 1 and whose selections are all one choice
    ``[d]``, a character each in ``whole_marks`` and ``single_picks`` (so the cells of
    ``order[k]`` are every ``len(order)``-th character from ``k``); for the others the
    database's texts in ``marks`` (``","``-separated) and ``picks`` (selection JSON,
    ``""`` when unanswered, ``"|"``-separated).
    """

    order: tuple[str, ...]
    text: str
    attempts: list[int] = field(default_factory=list)
    whole_marks: list[str] = field(default_factory=list)
    single_picks: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    picks: list[str] = field(default_factory=list)


_Signature = frozenset[str]
"""The slot tokens an attempt was asked, in any order."""


@dataclass
class _Cells:
    """What :meth:`StatisticsService._load` gathers.

    ``batches`` by (signature, total); the attempts whose slots need the slot-by-slot
    rules (a question id twice: several tries at a slot, or a question asked twice) as
    ``others``: rows of ``(attempt, question id, weight, mark, selection JSON text or
    None)`` in slot then try order, their totals in ``other_totals``.
    """

    batches: dict[tuple[_Signature, float], _Batch] = field(default_factory=dict)
    others: list[Sequence[Any]] = field(default_factory=list)
    other_totals: dict[int, float] = field(default_factory=dict)
    _seen: dict[str, tuple[_Signature, int] | None] = field(default_factory=dict)

    def add(self, rows: Sequence[Sequence[Any]], others: list[int], blanks: list[int]) -> None:
        """File rows of :func:`~quizapp.services.attempt_cells.cells_sql` (or stored
        cells, read by slot): attempts with a question id twice go to
        ``others`` (to be read slot by slot), those read by response with a slot not
        answered to ``blanks`` (to be read by slot). An attempt with whole marks and
        single choices in its batch's order costs a few calls in C; one listing its
        slots in another order is rearranged with one ``itemgetter``."""
        seen, batches = self._seen, self.batches
        for aid, slot_text, marks, picks, last_slot in rows:
            known = seen.get(slot_text, _UNSEEN)
            slots = None
            if known is _UNSEEN:
                slots = slot_text.split(",")
                signature = frozenset(slots)
                known = (signature, len(slots)) if len(signature) == len(slots) else None
                if len(seen) < _SEEN_TEXTS:
                    seen[slot_text] = known
            if known is None:
                others.append(aid)
                continue
            signature, width = known
            if last_slot is not None and last_slot + 1 != width:
                blanks.append(aid)
                continue
            ones = marks.count("1")
            # Every mark "0" or "1": the total is the count of ones.
            whole = len(marks) == 2 * width - 1 and ones + marks.count("0") == width
            attempt_total = float(ones) if whole else math.fsum(map(float, marks.split(",")))
            batch = batches.get((signature, attempt_total))
            if batch is None:
                batch = batches[signature, attempt_total] = _Batch(
                    tuple(slot_text.split(",")), slot_text
                )
            batch.attempts.append(aid)
            take = None
            if slot_text != batch.text:  # the same slots in another order (so 2 or more)
                where = dict(zip(slots or slot_text.split(","), range(width), strict=True))
                take = itemgetter(*map(where.__getitem__, batch.order))
            if whole and len(picks) == 4 * width - 1 and picks.count("[") == width:
                marks, picks = marks[::2], picks[1::4]  # one character per slot
                if take is not None:
                    marks, picks = "".join(take(marks)), "".join(take(picks))
                batch.whole_marks.append(marks)
                batch.single_picks.append(picks)
                continue
            if take is not None:
                marks = ",".join(take(marks.split(",")))
                picks = "|".join(take(picks.split("|")))
            batch.marks.append(marks)
            batch.picks.append(picks)

    def signatures(self) -> dict[_Signature, tuple[tuple[str, ...], list[int]]]:
        """Each signature's slot tokens and attempts."""
        out: dict[_Signature, tuple[tuple[str, ...], list[int]]] = {}
        for (signature, _total), batch in self.batches.items():
            out.setdefault(signature, (batch.order, []))[1].extend(batch.attempts)
        return out

    def totals(self) -> dict[int, float]:
        """Each attempt's total (attempts without slots have none)."""
        out = {aid: total for (_sig, total), b in self.batches.items() for aid in b.attempts}
        out.update(self.other_totals)
        return out


_UNSEEN: Any = object()
_SEEN_TEXTS = 4096
"""How many distinct slot lists to remember (a shuffled quiz gives one per attempt)."""
_BATCH = 8
"""A batch with at least this many attempts' cells as text is counted slot by slot, one
``Counter`` call per slot over their marks and one over their selections; smaller
batches' cells are counted together, by (slot, mark) and (slot, selection)."""


def _slot_token(token: str) -> tuple[int, float]:
    """``question id`` or ``question id*weight`` -> (question id, weight)."""
    qid, _star, weight = token.partition("*")
    return int(qid), float(weight) if weight else 1.0


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
        self._fill_cells(ref, progress, cancelled)
        with read_session(self._sessions) as s:
            title = quiz_title(s, ref)
            a = m.Attempt
            # Core rows (no ORM loading), started_at as the driver gives it (text on
            # SQLite): converted only when the selection compares start times. Students
            # are joined only to filter by class.
            query = select(a.id, a.student_id, type_coerce(a.started_at, String), a.marks)
            if base.class_id is not None:
                query = query.join(m.Student, a.student_id == m.Student.id)
            found = (
                s.connection()
                .execute(query.where(*attempt_conditions(base)).order_by(a.started_at, a.id))
                .all()
            )
            first_attempts = len({row[1] for row in found})
            if selection is AttemptSelection.ALL:
                chosen = [row[0] for row in found]
            else:
                dialect = s.get_bind().dialect
                refs = [
                    AttemptRef(aid, sid, _moment(started, dialect), marks)
                    for aid, sid, started, marks in found
                ]
                chosen = [cast(int, r.attempt_id) for r in select_attempts(refs, selection)]
            cells = self._load(s, chosen, progress, cancelled)
            columns = _columns(s, cells)
            return _report(
                ref, title, selection, first_attempts, chosen, columns, cells, self._clock()
            )

    def _fill_cells(
        self, ref: QuizRef, progress: Progress | None, cancelled: Cancelled | None
    ) -> None:
        """Store the cells of the quiz's finished attempts that have none (a database
        from before they were stored, results merged by an older version): read once
        from their responses here rather than at every report, 500 attempts at a time,
        ``progress(done, total)`` after each (so a first report on a large class moves
        its progress twice: storing, then reading); ``cancelled()`` stops it with
        :class:`OperationCancelled` and nothing stored. Best effort: a database that
        cannot be written now (locked beyond the busy timeout, a read-only server role)
        is only read, each report reading those attempts from their responses."""
        with read_session(self._sessions) as s:
            missing = attempts_without_cells(s.connection(), quiz_condition(ref))
        if not missing:
            return
        try:
            with self._sessions.begin() as s:
                conn = s.connection()
                for start in range(0, len(missing), _CHUNK):
                    if cancelled is not None and cancelled():
                        raise OperationCancelled("The statistics were cancelled.")
                    fill_missing_cells(conn, missing[start : start + _CHUNK])
                    if progress is not None:
                        progress(min(start + _CHUNK, len(missing)), len(missing))
        except DBAPIError as exc:
            _log.warning("Statistics cells not stored (%s); read from the responses.", exc)

    def _load(
        self,
        s: Session,
        attempt_ids: Sequence[int],
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> _Cells:
        """Each attempt's cells (see :class:`_Cells`): its stored row
        (:mod:`quizapp.services.attempt_cells`), one query per chunk of attempts; an
        attempt without one is read from its responses
        (:func:`~quizapp.services.attempt_cells.cells_sql`); the attempts with several
        tries at a slot are read again a row per try.

        (Running the next chunk's query on a worker thread while this one is filed was
        slower on a busy 2-core machine: handing the GIL over for every row costs more
        than the little Python work it overlaps.)"""
        total = len(attempt_ids)
        conn = s.connection()
        sqlite = conn.dialect.name == "sqlite"
        cells = _Cells()
        others: list[int] = []  # several tries at a slot
        blanks: list[int] = []  # a slot without a response
        unstored: list[int] = []  # no stored cells: read from the responses
        for start in range(0, total, _CHUNK):
            if cancelled is not None and cancelled():
                raise OperationCancelled("The statistics were cancelled.")
            chunk = attempt_ids[start : start + _CHUNK]
            ids = ",".join(str(int(a)) for a in chunk)
            rows = conn.exec_driver_sql(STORED_CELLS_SQL.format(ids=ids)).all()
            cells.add(rows, others, [])
            if len(rows) < len(chunk):
                stored = {row[0] for row in rows}
                unstored += [aid for aid in chunk if aid not in stored]
            if progress is not None:
                progress(min(start + _CHUNK, total), total)
        for start in range(0, len(unstored), _CHUNK):
            if cancelled is not None and cancelled():
                raise OperationCancelled("The statistics were cancelled.")
            chunk = unstored[start : start + _CHUNK]
            sql = CELLS_SQL[sqlite, True].format(ids=",".join(str(int(a)) for a in chunk))
            rows = conn.exec_driver_sql(sql).all()
            cells.add(rows, others, blanks)
            answered = {row[0] for row in rows}
            blanks += [aid for aid in chunk if aid not in answered]  # no response at all
        for start in range(0, len(blanks), _CHUNK):
            ids = ",".join(str(int(aid)) for aid in blanks[start : start + _CHUNK])
            cells.add(
                conn.exec_driver_sql(CELLS_SQL[sqlite, False].format(ids=ids)).all(), others, []
            )
        for start in range(0, len(others), _CHUNK):
            cells.others.extend(_slot_rows(conn, others[start : start + _CHUNK]))
        return cells


def _slot_rows(conn: Connection, attempt_ids: Sequence[int]) -> list[Sequence[Any]]:
    """``(attempt, question id, weight, mark, selection JSON text or None)`` per try of
    each slot of these attempts, in attempt, slot and try order (one row, with no
    selection, for an unanswered slot)."""
    slot, resp = m.AttemptSlot, m.Response
    kept = resp.fraction - resp.penalty
    return list(
        conn.execute(
            select(
                slot.attempt_id,
                slot.question_id,
                slot.max_mark,
                case((kept > 0, kept * slot.max_mark), else_=0.0),
                sql_cast(resp.selected, Text),
            )
            .outerjoin(resp, resp.slot_id == slot.id)
            .where(slot.attempt_id.in_(attempt_ids))
            .order_by(slot.attempt_id, slot.slot, resp.try_number)
        )
    )


@dataclass
class _Columns:
    """The report's columns (question identities, in report order), each asked
    revision's column index and map from its choice positions to the column's global
    choice indices, and what each slot token stands for."""

    columns: list[_Column]
    column_of: dict[int, int]
    global_index: dict[int, dict[int, int]]
    where: dict[str, tuple[int, int, float]]  # slot token -> (column, question id, weight)


def _columns(s: Session, cells: _Cells) -> _Columns:
    """Load the revisions the cells asked and merge them into columns by identity; the
    attempts asked two revisions of one question (never, when the app builds attempts)
    are moved to ``cells.others``."""
    signatures = cells.signatures()
    tokens = {token: _slot_token(token) for order, _ in signatures.values() for token in order}
    question_ids = {qid for qid, _weight in tokens.values()}
    question_ids |= {row[1] for row in cells.others}
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
        col.fractions = [c.fraction for c in sorted(col.latest.choices, key=lambda c: c.position)]
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
    where = {token: (column_of[qid], qid, weight) for token, (qid, weight) in tokens.items()}
    result = _Columns([col for _, col in ordered], column_of, global_index, where)
    for signature, (order, attempts) in signatures.items():
        if len({where[token][0] for token in order}) != len(order):
            for key in [key for key in cells.batches if key[0] == signature]:
                del cells.batches[key]
            for start in range(0, len(attempts), _CHUNK):
                cells.others.extend(_slot_rows(s.connection(), attempts[start : start + _CHUNK]))
    for token in {token for batch in cells.batches.values() for token in batch.order}:
        j, _qid, weight = where[token]
        result.columns[j].max_mark = max(result.columns[j].max_mark, weight)
    for row in cells.others:
        col = result.columns[column_of[row[1]]]
        col.max_mark = max(col.max_mark, row[2])
    return result


def _report(
    ref: QuizRef,
    title: str,
    selection: AttemptSelection,
    first_attempts: int,
    attempt_ids: Sequence[int],
    loaded: _Columns,
    cells: _Cells,
    now: datetime,
) -> QuizStatisticsReport:
    """The report from :meth:`StatisticsService._load`'s cells and their columns.

    Each column's marks are tallied against the attempts' totals
    (:data:`~quizapp.domain.statistics.MarkTally`) and its selections per distinct
    text, so the figures and choice counts cost a pass over the cells in C
    (``Counter``) and then work per distinct value, not per attempt."""
    columns = loaded.columns
    p = len(columns)
    every = frozenset(range(p))
    marks, picks, asked = _tally(cells, loaded)
    tallies = [_as_numbers(tally) for tally in marks]
    of_attempt = cells.totals()
    totals = [of_attempt.get(aid, 0.0) for aid in attempt_ids]
    max_marks = [col.max_mark for col in columns]
    guesses = [
        question_random_guess_score(question_from_row(col.latest)) if col.latest else None
        for col in columns
    ]
    seen = sum(n for _cols, n in asked)
    complete = all(cols == every for cols, _n in asked) and (seen == len(attempt_ids) or not p)
    if complete:
        report = compute_statistics_from_tallies(tallies, totals, max_marks, guesses)
        quiz = report.quiz
        per_question = list(report.questions)
    else:
        per_question = [
            question_statistics(j, tallies[j], max_marks[j], guesses[j]) for j in range(p)
        ]
        max_total = max((math.fsum(max_marks[j] for j in cols) for cols, _n in asked), default=0.0)
        quiz = quiz_statistics(totals, p, None, max_total=max_total)
    flags = flag_questions(per_question, first_attempts)
    chosen_by_column = _picks_by_column(picks, loaded)
    rows: list[QuestionRow] = []
    for j, col in enumerate(columns):
        assert col.latest is not None
        assert col.texts is not None
        assert col.fractions is not None
        counts, no_response, n_asked = _choice_counts(chosen_by_column[j], len(col.texts))
        st = per_question[j]
        rows.append(
            QuestionRow(
                column=j,
                pack_key=col.pack_key,
                key=col.key,
                prompt=col.latest.prompt,
                type=QuestionType(col.latest.type),
                revisions=tuple(sorted(col.revisions or ())),
                attempts=n_asked,
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
                        _letter(i),
                        col.texts[i],
                        col.fractions[i],
                        count,
                        count / n_asked if n_asked else None,
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


def _tally(
    cells: _Cells, loaded: _Columns
) -> tuple[
    list[Counter[tuple[str | float, float]]],
    dict[int, Counter[str]],
    list[tuple[frozenset[int], int]],
]:
    """Each column's :data:`~quizapp.domain.statistics.MarkTally` (marks still as the
    database's text), each revision's selections counted per JSON text (``""`` when
    unanswered), and the column sets the attempts were asked with how many attempts
    each (for completeness); the totals of ``cells.others`` go to
    ``cells.other_totals``. Whole marks and single choices are counted slot by slot
    with ``str.count`` over a slice; other cells by ``Counter`` (see :data:`_BATCH`),
    each distinct (slot, mark) or (slot, selection) then filed once."""
    where, column_of = loaded.where, loaded.column_of
    marks: list[Counter[tuple[str | float, float]]] = [Counter() for _ in loaded.columns]
    picks: dict[int, Counter[str]] = {}
    loose_marks: list[tuple[str, str, float]] = []  # (slot token, mark, total)
    loose_picks: list[tuple[str, str]] = []  # (slot token, selection)
    for (_signature, attempt_total), batch in cells.batches.items():
        width = len(batch.order)
        if batch.whole_marks:
            whole, single = "".join(batch.whole_marks), "".join(batch.single_picks)
            n = len(batch.whole_marks)
            for k, token in enumerate(batch.order):
                j, qid, _weight = where[token]
                ones = whole[k::width].count("1")
                marks[j]["1", attempt_total] += ones
                marks[j]["0", attempt_total] += n - ones
                chosen = single[k::width]
                counted = picks.setdefault(qid, Counter())
                for digit in set(chosen):
                    counted["[" + digit + "]"] += chosen.count(digit)
        if not batch.marks:
            continue
        batch_marks = ",".join(batch.marks).split(",")
        batch_picks = "|".join(batch.picks).split("|")
        if len(batch.marks) >= _BATCH:
            for k, token in enumerate(batch.order):
                j, qid, _weight = where[token]
                tally = marks[j]
                for text, count in Counter(batch_marks[k::width]).items():
                    tally[text, attempt_total] += count
                picks.setdefault(qid, Counter()).update(batch_picks[k::width])
        else:
            loose_marks += zip(cycle(batch.order), batch_marks, repeat(attempt_total))
            loose_picks += zip(cycle(batch.order), batch_picks)
    for (token, text, attempt_total), count in Counter(loose_marks).items():
        marks[where[token][0]][text, attempt_total] += count
    for (token, selected), count in Counter(loose_picks).items():
        picks.setdefault(where[token][1], Counter())[selected] += count
    asked = [
        (frozenset(where[token][0] for token in batch.order), len(batch.attempts))
        for batch in cells.batches.values()
    ]
    for aid, slot_rows in groupby(cells.others, key=itemgetter(0)):
        latest: dict[int, tuple[int, float, str | None]] = {}
        for _aid, qid, _weight, mark, json_text in slot_rows:
            latest[column_of[qid]] = (qid, mark, json_text)  # a later try overwrites
        attempt_total = math.fsum(mark for _qid, mark, _sel in latest.values())
        cells.other_totals[aid] = attempt_total
        for j, (qid, mark, json_text) in latest.items():
            marks[j][mark, attempt_total] += 1
            picks.setdefault(qid, Counter())[json_text or ""] += 1
        asked.append((frozenset(latest), 1))
    return marks, picks, asked


def _as_numbers(tally: Counter[tuple[str | float, float]]) -> Counter[tuple[float, float]]:
    """A mark tally keyed by the marks' numbers (the database's texts read as doubles;
    ``"0"``, ``"0.0"`` and ``0.0`` are one key)."""
    numbers: Counter[tuple[float, float]] = Counter()
    for (mark, attempt_total), n in tally.items():
        numbers[float(mark), attempt_total] += n
    return numbers


def _picks_by_column(picks: dict[int, Counter[str]], loaded: _Columns) -> list[Counter[_Picked]]:
    """Per column, the attempts' picks (global choice indices, ``None`` unanswered)
    counted: each distinct selection text decoded once with its revision's positions."""
    out: list[Counter[_Picked]] = [Counter() for _ in loaded.columns]
    for qid, tally in picks.items():
        positions = loaded.global_index[qid]
        column = out[loaded.column_of[qid]]
        for selected, n in tally.items():
            picked = (
                tuple(positions[i] for i in json.loads(selected) or [] if i in positions)
                if selected
                else None
            )
            column[picked] += n
    return out


def _choice_counts(tally: Counter[_Picked], choice_count: int) -> tuple[list[int], int, int]:
    """``(count per choice, no response, attempts asked)`` of one column: what
    :func:`~quizapp.domain.statistics.choice_frequencies` counts (each attempt's picks as
    a set; no pick counts as no response), from the picks tallied."""
    counts = [0] * choice_count
    no_response = 0
    for picked, n in tally.items():
        if not picked:
            no_response += n
            continue
        for index in set(picked):
            counts[index] += n
    return counts, no_response, sum(tally.values())
