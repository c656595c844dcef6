"""Regrading past attempts after a question's key was corrected in a new revision.

Never silent: :meth:`RegradeService.dry_run` lists whose marks would change and how
(student, attempt, old and new marks); :meth:`RegradeService.apply` then applies exactly
that plan, refusing with :class:`StalePlanError` if the responses changed since.

Rules:

- A response is regraded when its slot asked an *older* revision of a question whose
  current revision marks differently. The new fraction is
  :func:`quizapp.domain.scoring.mark_response` of the **current** revision on the same
  answer. The answer is carried over by choice: positions when both revisions have the
  same choice texts in the same order (a key correction), otherwise by choice text; if a
  chosen choice no longer exists (or the question type no longer accepts the answer)
  the response is not regraded and the plan lists it as skipped, with why.
- The slot keeps pointing at the revision the student saw, so review still shows the
  question as it was asked; the response's ``fraction`` becomes the new mark, and the
  attempt's ``marks`` are recomputed (latest try's fraction − penalty, × max mark).
- The original mark is kept: each regraded response gets a record in the ``settings``
  table under ``regrade:<response uuid>`` (JSON: the original fraction, the new one,
  the revision asked and the revision it was regraded with, when). A second regrade
  keeps the first original. :func:`regrade_notes` reads them back for review screens.
  (A dedicated ``responses.original_fraction`` column would be cleaner; asked of the
  store's owner.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, QuizAppError
from quizapp.domain.model import Question
from quizapp.domain.scoring import mark_response, percent
from quizapp.services.results import read_session
from quizapp.store import models as m
from quizapp.store.convert import question_from_row
from quizapp.store.types import utc_now

REGRADE_PREFIX = "regrade:"
_EPS = 1e-9


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
            f"{len(moving)} attempt(s) of {len(self.students)} student(s) would change marks; "
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


def _map_answer(old: m.Question, new: m.Question, selected: list[int]) -> list[int] | None:
    """The answer on ``new``'s choices (author positions), or ``None`` if a chosen
    choice is not in it."""
    old_texts = [c.text for c in sorted(old.choices, key=lambda c: c.position)]
    new_texts = [c.text for c in sorted(new.choices, key=lambda c: c.position)]
    if old_texts == new_texts:
        return list(selected)
    out = []
    for i in selected:
        if not 0 <= i < len(old_texts) or old_texts[i] not in new_texts:
            return None
        out.append(new_texts.index(old_texts[i]))
    return out


class RegradeService:
    """Regrading over ``sessions``; ``clock`` gives aware UTC now."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    def dry_run(self, pack_id: int, question_key: str | None = None) -> RegradePlan:
        """The regrade plan of one question (``question_key``) or of every question of
        the pack. Writes nothing. :class:`NotFoundError` for an unknown pack or key."""
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
                    selectinload(m.AttemptSlot.responses),
                    selectinload(m.AttemptSlot.question).selectinload(m.Question.choices),
                    selectinload(m.AttemptSlot.attempt).selectinload(m.Attempt.student),
                    selectinload(m.AttemptSlot.attempt)
                    .selectinload(m.Attempt.slots)
                    .selectinload(m.AttemptSlot.responses),
                )
            ).all()
            domain: dict[int, Question] = {q.id: question_from_row(q) for q in current.values()}
            changes: list[AttemptChange] = []
            skipped: list[SkippedResponse] = []
            unchanged = 0
            for slot in sorted(slots, key=lambda x: (x.attempt.started_at, x.attempt_id, x.slot)):
                asked = slot.question
                new = current[asked.key]
                attempt = slot.attempt
                response_changes: list[ResponseChange] = []
                problem = None
                for r in slot.responses:
                    answer = _map_answer(asked, new, list(r.selected or []))
                    if answer is None:
                        problem = "a choice they picked is not in the corrected question"
                        break
                    try:
                        fraction = mark_response(domain[new.id], answer) if answer else 0.0
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
                new_fractions = {c.response_id: c.new_fraction for c in response_changes}
                new_marks = _marks(attempt.slots, new_fractions)
                changes.append(
                    AttemptChange(
                        attempt_id=attempt.id,
                        attempt_uuid=attempt.uuid,
                        student_id=attempt.student_id,
                        student_name=attempt.student.name,
                        question_key=asked.key,
                        slot=slot.slot + 1,
                        asked_revision=asked.revision,
                        new_revision=new.revision,
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
        response's new fraction, record its original, recompute the attempts' marks.
        :class:`StalePlanError` when a response no longer has the plan's old fraction."""
        now = self._clock()
        with self._sessions.begin() as s:
            by_attempt: dict[int, dict[int, float]] = defaultdict(dict)
            count = 0
            for change in plan.changes:
                attempt = s.get(m.Attempt, change.attempt_id)
                if attempt is None:
                    raise StalePlanError("An attempt of the plan no longer exists: run it again.")
                for rc in change.responses:
                    response = s.get(m.Response, rc.response_id)
                    if response is None or abs(response.fraction - rc.old_fraction) > _EPS:
                        raise StalePlanError(
                            "Marks changed since the dry run: run the dry run again."
                        )
                    slot = response.slot
                    asked = slot.question
                    new = s.scalars(
                        select(m.Question).where(
                            m.Question.pack_id == asked.pack_id,
                            m.Question.key == asked.key,
                            m.Question.revision == change.new_revision,
                        )
                    ).one()
                    _record(s, response, attempt, asked, new, rc.new_fraction, now)
                    response.fraction = rc.new_fraction
                    by_attempt[attempt.id][response.id] = rc.new_fraction
                    count += 1
            s.flush()
            for attempt_id in by_attempt:
                attempt = s.get(m.Attempt, attempt_id)
                assert attempt is not None
                attempt.marks = _marks(attempt.slots, {})
            return RegradeResult(attempts=len(by_attempt), responses=count)


def _marks(slots: list[m.AttemptSlot], fractions: dict[int, float]) -> float:
    """An attempt's marks: per slot, the latest try's fraction (``fractions`` overrides
    by response id) minus its penalty, never below 0, × max mark."""
    total = 0.0
    for x in slots:
        latest = max(x.responses, key=lambda r: r.try_number, default=None)
        if latest is not None:
            fraction = fractions.get(latest.id, latest.fraction)
            total += max(0.0, fraction - latest.penalty) * x.max_mark
    return total


def _record(
    s: Session,
    response: m.Response,
    attempt: m.Attempt,
    asked: m.Question,
    new: m.Question,
    fraction: float,
    now: datetime,
) -> None:
    key = f"{REGRADE_PREFIX}{response.uuid}"
    existing = s.get(m.Setting, key)
    original = response.fraction
    if existing is not None and isinstance(existing.value, dict):
        original = float(existing.value.get("original_fraction", original))
    value: dict[str, Any] = {
        "response_uuid": str(response.uuid),
        "attempt_uuid": str(attempt.uuid),
        "slot": response.slot.slot,
        "try_number": response.try_number,
        "question_key": asked.key,
        "original_fraction": original,
        "fraction": fraction,
        "asked_question_uuid": str(asked.uuid),
        "asked_revision": asked.revision,
        "regraded_with_question_uuid": str(new.uuid),
        "regraded_with_revision": new.revision,
        "regraded_at": now.isoformat(),
    }
    if existing is None:
        s.add(m.Setting(key=key, value=value, updated_at=now))
    else:
        existing.value = value
        existing.updated_at = now


def regrade_notes(sessions: sessionmaker[Session], attempt_id: int) -> list[RegradeNote]:
    """The regraded responses of an attempt, by slot (empty when none was regraded).
    :class:`NotFoundError` for an unknown attempt."""
    with read_session(sessions) as s:
        attempt = s.get(m.Attempt, attempt_id)
        if attempt is None:
            raise NotFoundError(f"There is no attempt with id {attempt_id}.")
        uuids = [
            f"{REGRADE_PREFIX}{u}"
            for u in s.scalars(select(m.Response.uuid).where(m.Response.attempt_id == attempt_id))
        ]
        notes = []
        for row in s.scalars(select(m.Setting).where(m.Setting.key.in_(uuids))):
            v = row.value
            notes.append(
                RegradeNote(
                    slot=int(v["slot"]) + 1,
                    question_key=str(v["question_key"]),
                    try_number=int(v["try_number"]),
                    original_fraction=float(v["original_fraction"]),
                    fraction=float(v["fraction"]),
                    asked_revision=int(v["asked_revision"]),
                    regraded_with_revision=int(v["regraded_with_revision"]),
                    regraded_at=datetime.fromisoformat(str(v["regraded_at"])),
                )
            )
        return sorted(notes, key=lambda n: (n.slot, n.try_number))
