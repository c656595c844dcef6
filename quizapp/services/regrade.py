"""Regrading past attempts after a question's key was corrected in a new revision.

Never silent: :meth:`RegradeService.dry_run` lists whose marks would change and how
(student, attempt, old and new marks); :meth:`RegradeService.apply` then applies exactly
that plan, refusing with :class:`StalePlanError` if the responses changed since.

Rules:

- A slot is regraded when it asked an *older* revision of a question whose current
  revision marks one of its responses differently. Each response's new raw fraction is
  :func:`quizapp.domain.scoring.mark_response` of the **current** revision on the same
  answer, carried over by :func:`quizapp.services.marks.map_answer` (positions when the
  choice texts are unchanged, a key correction; otherwise by choice text). If a chosen
  choice no longer exists (or the question type no longer accepts the answer) the slot
  is not regraded and the plan lists it as skipped, with why; so is an attempt still in
  progress (regrade it once it is finished).
- The slot keeps pointing at the revision the student saw, so review still shows the
  question as it was asked. The responses' ``fraction`` become the new raw marks and
  the slot is then *marked with* the current revision (``responses.regraded_question_id``)
  under the attempt's behaviour, by :func:`quizapp.services.marks.slot_mark`: the
  interactive penalties and CBM marks stay as they were earned (a CBM answer made right
  by the correction earns its certainty's right mark, 1/2/3, not 1). The attempt's
  ``marks`` are the sum of its slots' marks again.
- The original mark is kept: ``responses.original_fraction`` holds the fraction before
  the first regrade (a second regrade keeps it), ``regraded_at`` when.
  :func:`regrade_notes` reads them back for review screens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, QuizAppError
from quizapp.domain.scoring import mark_response, percent
from quizapp.domain.text import plural
from quizapp.services.attempt_cells import store_cells
from quizapp.services.marks import QuestionCache, attempt_marks, map_answer
from quizapp.store import models as m
from quizapp.store.database import read_session
from quizapp.store.types import utc_now

_EPS = 1e-9
_FINISHED = "finished"


class StalePlanError(QuizAppError):
    """The responses changed since the dry run; run the dry run again."""


@dataclass(frozen=True)
class ResponseChange:
    """One response whose fraction changes (0–1 fractions)."""

    response_id: int
    response_uuid: UUID
    try_number: int
    old_fraction: float
    new_fraction: float


@dataclass(frozen=True)
class AttemptChange:
    """One attempt's question that would be regraded: ``slot`` 1-based as shown;
    ``asked_revision`` the revision the student saw, ``new_revision`` the one that marks
    it; ``old_marks``/``new_marks`` the attempt's totals (of ``max_marks``) and percents."""

    attempt_id: int
    attempt_uuid: UUID
    student_id: int
    student_name: str
    question_key: str
    slot: int
    asked_revision: int
    new_revision: int
    old_marks: float
    new_marks: float
    max_marks: float
    old_percent: int
    new_percent: int
    responses: tuple[ResponseChange, ...]

    @property
    def marks_change(self) -> bool:
        """True when the attempt's total changes (not only an earlier try's fraction)."""
        return abs(self.new_marks - self.old_marks) > _EPS


@dataclass(frozen=True)
class SkippedResponse:
    """A response that cannot be regraded automatically, with the reason."""

    attempt_id: int
    student_name: str
    question_key: str
    asked_revision: int
    reason: str


@dataclass(frozen=True)
class RegradePlan:
    """What :meth:`RegradeService.apply` would do. ``changes`` one entry per attempt
    and question; ``unchanged`` how many older-revision slots keep their marks;
    ``skipped`` those that cannot be regraded."""

    pack_id: int
    pack_key: str
    question_key: str | None
    changes: tuple[AttemptChange, ...]
    unchanged: int
    skipped: tuple[SkippedResponse, ...]
    created_at: datetime

    @property
    def students(self) -> tuple[str, ...]:
        """Names of the students whose marks change, sorted."""
        return tuple(sorted({c.student_name for c in self.changes if c.marks_change}))

    def summary(self) -> str:
        """One paragraph for a confirmation dialog."""
        moving = [c for c in self.changes if c.marks_change]
        return (
            f"{plural(len(moving), 'attempt', 'attempts')} of "
            f"{plural(len(self.students), 'student', 'students')} would change marks; "
            f"{self.unchanged} keep their marks; {len(self.skipped)} cannot be regraded."
        )


@dataclass(frozen=True)
class RegradeResult:
    """What :meth:`RegradeService.apply` changed."""

    attempts: int
    responses: int


@dataclass(frozen=True)
class RegradeNote:
    """A regraded response of an attempt, for review: ``slot`` 1-based."""

    slot: int
    question_key: str
    try_number: int
    original_fraction: float
    fraction: float
    asked_revision: int
    regraded_with_revision: int
    regraded_at: datetime


class RegradeService:
    """Regrading over ``sessions``; ``clock`` gives aware UTC now."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def dry_run(self, pack_id: int, question_key: str | None = None) -> RegradePlan:
        """The regrade plan of one question (``question_key``) or of every question of
        the pack. Writes nothing. An attempt with several regraded questions has one
        :class:`AttemptChange` per question, each giving the attempt's totals with all
        of them regraded. :class:`NotFoundError` for an unknown pack or key."""
        with read_session(self._sessions) as s:
            pack = s.get(m.Pack, pack_id)
            if pack is None:
                raise NotFoundError(f"There is no course with id {pack_id}.")
            current_q = select(m.Question).where(
                m.Question.pack_id == pack_id, m.Question.is_current
            )
            if question_key is not None:
                current_q = current_q.where(m.Question.key == question_key)
            current = {
                q.key: q for q in s.scalars(current_q.options(selectinload(m.Question.choices)))
            }
            if question_key is not None and question_key not in current:
                raise NotFoundError(f"The course has no question {question_key!r} now.")
            slots = s.scalars(
                select(m.AttemptSlot)
                .join(m.Question, m.AttemptSlot.question_id == m.Question.id)
                .where(
                    m.Question.pack_id == pack_id,
                    m.Question.key.in_(list(current)),
                    m.Question.is_current.is_(False),
                )
                .options(
                    selectinload(m.AttemptSlot.question).selectinload(m.Question.choices),
                    selectinload(m.AttemptSlot.attempt).selectinload(m.Attempt.student),
                    selectinload(m.AttemptSlot.attempt)
                    .selectinload(m.Attempt.slots)
                    .selectinload(m.AttemptSlot.responses)
                    .selectinload(m.Response.regraded_question)
                    .selectinload(m.Question.choices),
                    selectinload(m.AttemptSlot.attempt)
                    .selectinload(m.Attempt.slots)
                    .selectinload(m.AttemptSlot.question)
                    .selectinload(m.Question.choices),
                )
            ).all()
            cache = QuestionCache()
            planned: dict[int, list[tuple[m.AttemptSlot, list[ResponseChange]]]] = defaultdict(list)
            skipped: list[SkippedResponse] = []
            unchanged = 0
            for slot in sorted(slots, key=lambda x: (x.attempt.started_at, x.attempt_id, x.slot)):
                asked = slot.question
                new = current[asked.key]
                attempt = slot.attempt
                response_changes: list[ResponseChange] = []
                problem = None
                if attempt.state != _FINISHED:
                    problem = "the attempt is still in progress: regrade it once it is finished"
                for r in sorted(slot.responses, key=lambda r: r.try_number):
                    if problem is not None:
                        break
                    answer = map_answer(asked, new, list(r.selected or []))
                    if answer is None:
                        problem = "a choice they picked is not in the corrected question"
                        break
                    try:
                        fraction = mark_response(cache.get(new), answer) if answer else 0.0
                    except ValueError as exc:
                        problem = f"the corrected question does not accept their answer ({exc})"
                        break
                    if abs(fraction - r.fraction) > _EPS:
                        response_changes.append(
                            ResponseChange(r.id, r.uuid, r.try_number, r.fraction, fraction)
                        )
                if problem is not None:
                    skipped.append(
                        SkippedResponse(
                            attempt.id, attempt.student.name, asked.key, asked.revision, problem
                        )
                    )
                    continue
                if not response_changes:
                    unchanged += 1
                    continue
                planned[attempt.id].append((slot, response_changes))
            changes: list[AttemptChange] = []
            for items in planned.values():
                attempt = items[0][0].attempt
                new_marks = _marks_with(attempt, items, current, cache)
                for slot, response_changes in items:
                    asked = slot.question
                    changes.append(
                        AttemptChange(
                            attempt_id=attempt.id,
                            attempt_uuid=attempt.uuid,
                            student_id=attempt.student_id,
                            student_name=attempt.student.name,
                            question_key=asked.key,
                            slot=slot.slot + 1,
                            asked_revision=asked.revision,
                            new_revision=current[asked.key].revision,
                            old_marks=attempt.marks,
                            new_marks=new_marks,
                            max_marks=attempt.max_marks,
                            old_percent=percent(attempt.marks, attempt.max_marks),
                            new_percent=percent(new_marks, attempt.max_marks),
                            responses=tuple(response_changes),
                        )
                    )
            return RegradePlan(
                pack_id=pack_id,
                pack_key=pack.key,
                question_key=question_key,
                changes=tuple(changes),
                unchanged=unchanged,
                skipped=tuple(skipped),
                created_at=self._clock(),
            )

    def apply(self, plan: RegradePlan) -> RegradeResult:
        """Apply a dry run's plan in one transaction (all or nothing): set each
        response's new fraction, keep its original, mark the slot with the corrected
        revision and recompute the attempts' marks (:mod:`quizapp.services.marks`).
        :class:`StalePlanError` when a response no longer has the plan's old fraction
        or an attempt is gone."""
        now = self._clock()
        with self._sessions.begin() as s:
            touched: set[int] = set()
            count = 0
            for change in plan.changes:
                attempt = s.get(m.Attempt, change.attempt_id)
                if attempt is None or attempt.state != _FINISHED:
                    raise StalePlanError("An attempt of the plan changed: run the dry run again.")
                new: m.Question | None = None
                for rc in change.responses:
                    response = s.get(m.Response, rc.response_id)
                    if (
                        response is None
                        or response.attempt_id != attempt.id
                        or abs(response.fraction - rc.old_fraction) > _EPS
                    ):
                        raise StalePlanError(
                            "Marks changed since the dry run: run the dry run again."
                        )
                    asked = response.slot.question
                    if new is None:
                        new = s.scalars(
                            select(m.Question).where(
                                m.Question.pack_id == asked.pack_id,
                                m.Question.key == asked.key,
                                m.Question.revision == change.new_revision,
                            )
                        ).one()
                    if response.original_fraction is None:
                        response.original_fraction = response.fraction
                    response.fraction = rc.new_fraction
                    response.regraded_question = new
                    response.regraded_at = now
                    count += 1
                    # Earlier regrades of the slot now point at the revision marking it.
                    for other in response.slot.responses:
                        if other.regraded_question is not None:
                            other.regraded_question = new
                touched.add(attempt.id)
            s.flush()
            store_cells(s.connection(), touched)  # the statistics report's cells
            cache = QuestionCache()
            for attempt_id in touched:
                attempt = s.get(m.Attempt, attempt_id)
                assert attempt is not None
                attempt.marks = attempt_marks(attempt, cache)
            return RegradeResult(attempts=len(touched), responses=count)


def _marks_with(
    attempt: m.Attempt,
    items: list[tuple[m.AttemptSlot, list[ResponseChange]]],
    current: dict[str, m.Question],
    cache: QuestionCache,
) -> float:
    """The attempt's marks with the planned slots marked by the current revisions."""
    revisions = {slot.id: current[slot.question.key] for slot, _ in items}
    return attempt_marks(attempt, cache, revisions)


def regrade_notes(sessions: sessionmaker[Session], attempt_id: int) -> list[RegradeNote]:
    """The regraded responses of an attempt, by slot and try (empty when none was
    regraded), read from ``responses.original_fraction``/``regraded_question_id``/
    ``regraded_at``. :class:`NotFoundError` for an unknown attempt."""
    with read_session(sessions) as s:
        attempt = s.get(m.Attempt, attempt_id)
        if attempt is None:
            raise NotFoundError(f"There is no attempt with id {attempt_id}.")
        asked = m.Question.__table__.alias("asked")
        used = m.Question.__table__.alias("used")
        rows = s.execute(
            select(
                m.AttemptSlot.slot,
                m.Response.try_number,
                m.Response.original_fraction,
                m.Response.fraction,
                m.Response.regraded_at,
                asked.c.key,
                asked.c.revision.label("asked_revision"),
                used.c.revision.label("used_revision"),
            )
            .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
            .join(asked, asked.c.id == m.AttemptSlot.question_id)
            .join(used, used.c.id == m.Response.regraded_question_id)
            .where(m.Response.attempt_id == attempt_id)
            .order_by(m.AttemptSlot.slot, m.Response.try_number)
        ).all()
        return [
            RegradeNote(
                slot=int(r.slot) + 1,
                question_key=str(r.key),
                try_number=int(r.try_number),
                original_fraction=float(
                    r.original_fraction if r.original_fraction is not None else r.fraction
                ),
                fraction=float(r.fraction),
                asked_revision=int(r.asked_revision),
                regraded_with_revision=int(r.used_revision),
                regraded_at=r.regraded_at if r.regraded_at is not None else attempt.started_at,
            )
            for r in rows
        ]
