"""Taking quizzes: start a lesson quiz or an exam, answer, finish, resume, history, review.

An attempt stores its seed, the question revision of each slot and the order its
choices were shown in, so it can be resumed and reviewed exactly as it was taken.
Every response is committed when the student submits it (one transaction per call).
Choice indices in and out are author-order indices of the revision asked.

Marks: each slot is worth ``max_mark`` (1); a slot's mark is the fraction of its
latest response (:func:`quizapp.domain.scoring.mark_response`) minus any penalty,
never below 0, times ``max_mark``; an attempt's marks are the sum over its slots.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, QuizAppError, ValidationError
from quizapp.domain.model import Behaviour, Question, QuestionType, TextFormat
from quizapp.domain.scoring import is_fully_correct, mark_response, percent
from quizapp.domain.shuffle import choice_order, new_seed, shuffled, sub_seed
from quizapp.services.dto import (
    AttemptSummary,
    AttemptView,
    ChoiceView,
    FeedbackView,
    SlotView,
)
from quizapp.services.students import get_student
from quizapp.store import models as m
from quizapp.store.convert import question_from_row
from quizapp.store.types import utc_now

INPROGRESS = "inprogress"
FINISHED = "finished"
DEFAULT_EXAM_QUESTIONS = 20


class AttemptFinishedError(QuizAppError):
    """The attempt is finished: no more answers can be given."""


class AlreadyAnsweredError(QuizAppError):
    """This question has already been answered in this attempt (immediate feedback)."""


class NoQuestionsError(QuizAppError):
    """There are no questions to ask (an empty lesson or pack)."""


class AttemptService:
    """Quizzes a student takes. ``sessions`` is the database's session factory;
    ``clock`` gives the current aware UTC time (a fake one in tests)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    # ------------------------------------------------------------------ starting

    def start_lesson_quiz(self, student_id: int, lesson_id: int) -> AttemptView:
        """Start the quiz of one lesson: the current revision of each of its questions,
        question order and each choice order shuffled from a new seed stored on the
        attempt; immediate feedback.

        Raises :class:`NotFoundError` (unknown student or lesson, or a lesson no longer
        in an enabled pack) and :class:`NoQuestionsError` (lesson without questions).
        """
        with self._sessions.begin() as s:
            get_student(s, student_id)
            lesson = s.get(m.Lesson, lesson_id)
            if lesson is None or lesson.retired or not _available(lesson.pack):
                raise NotFoundError(f"There is no lesson with id {lesson_id} to take.")
            questions = list(
                s.scalars(
                    select(m.Question)
                    .where(m.Question.lesson_id == lesson.id, m.Question.is_current)
                    .order_by(m.Question.position)
                    .options(selectinload(m.Question.choices))
                )
            )
            if not questions:
                raise NoQuestionsError(f"The lesson {lesson.title!r} has no questions yet.")
            seed = new_seed()
            ordered = shuffled(questions, sub_seed(seed, "questions"))
            attempt = self._new_attempt(
                s, student_id, lesson.pack_id, "lesson", seed, ordered, lesson_id=lesson.id
            )
            return _attempt_view(s, attempt)

    def start_exam(
        self, student_id: int, pack_id: int, question_count: int = DEFAULT_EXAM_QUESTIONS
    ) -> AttemptView:
        """Start an exam over every lesson of a pack: ``question_count`` questions drawn
        at random (all of them if the pack has fewer), in random order, choices shuffled,
        all from a new seed stored on the attempt; immediate feedback for now.

        Raises :class:`ValidationError` (count below 1), :class:`NotFoundError` and
        :class:`NoQuestionsError`.
        """
        if question_count < 1:
            raise ValidationError("An exam needs at least one question.")
        with self._sessions.begin() as s:
            get_student(s, student_id)
            pack = s.get(m.Pack, pack_id)
            if pack is None or not _available(pack):
                raise NotFoundError(f"There is no course with id {pack_id} to take.")
            questions = list(
                s.scalars(
                    select(m.Question)
                    .join(m.Lesson, m.Question.lesson_id == m.Lesson.id)
                    .where(
                        m.Question.pack_id == pack.id,
                        m.Question.is_current,
                        m.Lesson.retired.is_(False),
                    )
                    .order_by(m.Lesson.position, m.Question.position)
                    .options(selectinload(m.Question.choices))
                )
            )
            if not questions:
                raise NoQuestionsError(f"The course {pack.title!r} has no questions yet.")
            seed = new_seed()
            ordered = shuffled(questions, sub_seed(seed, "exam"))[:question_count]
            attempt = self._new_attempt(s, student_id, pack.id, "exam", seed, ordered)
            return _attempt_view(s, attempt)

    def _new_attempt(
        self,
        s: Session,
        student_id: int,
        pack_id: int,
        kind: str,
        seed: int,
        questions: Sequence[m.Question],
        *,
        lesson_id: int | None = None,
        behaviour: Behaviour = Behaviour.IMMEDIATE_FEEDBACK,
    ) -> m.Attempt:
        attempt = m.Attempt(
            student_id=student_id,
            pack_id=pack_id,
            lesson_id=lesson_id,
            kind=kind,
            behaviour=behaviour.value,
            seed=seed,
            started_at=self._clock(),
            state=INPROGRESS,
            current_slot=0,
            marks=0.0,
            max_marks=float(len(questions)),
        )
        for index, row in enumerate(questions):
            order = choice_order(question_from_row(row), sub_seed(seed, row.key))
            attempt.slots.append(
                m.AttemptSlot(
                    slot=index, question_id=row.id, choice_order=order, max_mark=1.0
                )
            )
        s.add(attempt)
        s.flush()
        return attempt

    # ------------------------------------------------------------------ answering

    def get(self, attempt_id: int) -> AttemptView:
        """An attempt as it stands (to resume it): its slots in shown order, feedback on
        the answered ones, ``current_slot`` the first unanswered. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            return _attempt_view(s, _get_attempt(s, attempt_id))

    def submit(self, attempt_id: int, slot: int, selected: Sequence[int]) -> FeedbackView:
        """Record the answer to slot ``slot`` (0-based): ``selected`` author-order choice
        indices. Marked on the stored revision and committed before returning; moves
        ``current_slot`` to the next unanswered slot.

        Raises :class:`NotFoundError` (attempt or slot), :class:`AttemptFinishedError`,
        :class:`AlreadyAnsweredError` (immediate feedback allows one answer per question)
        and :class:`ValidationError` (an index out of range, several choices for a
        single-answer question, or nothing chosen).
        """
        chosen = sorted(set(selected))
        try:
            with self._sessions.begin() as s:
                attempt = _get_attempt(s, attempt_id)
                if attempt.state != INPROGRESS:
                    raise AttemptFinishedError("This quiz is finished: it can only be reviewed.")
                slot_row = next((x for x in attempt.slots if x.slot == slot), None)
                if slot_row is None:
                    raise NotFoundError(f"This quiz has no question {slot + 1}.")
                if slot_row.responses:
                    raise AlreadyAnsweredError("This question has already been answered.")
                question = question_from_row(slot_row.question)
                if not chosen:
                    raise ValidationError("Choose an answer first.")
                try:
                    fraction = mark_response(question, chosen)
                except ValueError as exc:
                    raise ValidationError(str(exc)) from exc
                now = self._clock()
                since = max(
                    [attempt.started_at]
                    + [r.answered_at for x in attempt.slots for r in x.responses]
                )
                response = m.Response(
                    attempt_id=attempt.id,
                    try_number=1,
                    selected=chosen,
                    fraction=fraction,
                    penalty=0.0,
                    answered_at=now,
                    duration_s=max(0.0, (now - since).total_seconds()),
                )
                slot_row.responses.append(response)
                s.flush()
                attempt.current_slot = _first_unanswered(attempt.slots)
                attempt.marks = _marks(attempt.slots)
                return _feedback(question, slot_row.question, response)
        except IntegrityError as exc:  # the same answer sent twice at once
            raise AlreadyAnsweredError("This question has already been answered.") from exc

    def finish(self, attempt_id: int) -> AttemptSummary:
        """Finish an attempt: marks = sum over slots of the latest fraction × ``max_mark``.
        Unanswered questions earn 0. Idempotent: finishing a finished attempt returns its
        summary unchanged. :class:`NotFoundError` for an unknown id."""
        with self._sessions.begin() as s:
            attempt = _get_attempt(s, attempt_id)
            if attempt.state != FINISHED:
                attempt.marks = _marks(attempt.slots)
                attempt.max_marks = sum(x.max_mark for x in attempt.slots)
                attempt.state = FINISHED
                attempt.finished_at = self._clock()
                s.flush()
            return summaries(s, [attempt])[0]

    # ------------------------------------------------------------------ lists and review

    def unfinished(self, student_id: int) -> list[AttemptSummary]:
        """A student's attempts still in progress, newest first. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            get_student(s, student_id)
            return unfinished_summaries(s, student_id)

    def history(self, student_id: int) -> list[AttemptSummary]:
        """A student's finished attempts, newest first (by start). :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            get_student(s, student_id)
            rows = s.scalars(
                select(m.Attempt)
                .where(m.Attempt.student_id == student_id, m.Attempt.state == FINISHED)
                .order_by(m.Attempt.started_at.desc(), m.Attempt.id.desc())
            )
            return summaries(s, list(rows))

    def review(self, attempt_id: int) -> AttemptView:
        """An attempt exactly as it was taken: the revisions asked, in the order asked,
        choices in the order shown, with feedback on every answered slot (even after the
        pack was re-imported with changed questions). :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            return _attempt_view(s, _get_attempt(s, attempt_id))


# ---------------------------------------------------------------------- helpers


def _available(pack: m.Pack) -> bool:
    return pack.enabled and pack.deleted_at is None


def _get_attempt(s: Session, attempt_id: int) -> m.Attempt:
    attempt = s.scalars(
        select(m.Attempt)
        .where(m.Attempt.id == attempt_id)
        .options(
            selectinload(m.Attempt.slots).selectinload(m.AttemptSlot.responses),
            selectinload(m.Attempt.slots)
            .selectinload(m.AttemptSlot.question)
            .selectinload(m.Question.choices),
            selectinload(m.Attempt.slots)
            .selectinload(m.AttemptSlot.question)
            .selectinload(m.Question.lesson),
        )
    ).one_or_none()
    if attempt is None:
        raise NotFoundError(f"There is no attempt with id {attempt_id}.")
    return attempt


def _first_unanswered(slots: Iterable[m.AttemptSlot]) -> int:
    ordered = sorted(slots, key=lambda x: x.slot)
    for x in ordered:
        if not x.responses:
            return x.slot
    return len(ordered)


def _latest(slot: m.AttemptSlot) -> m.Response | None:
    return max(slot.responses, key=lambda r: r.try_number, default=None)


def _marks(slots: Iterable[m.AttemptSlot]) -> float:
    total = 0.0
    for x in slots:
        response = _latest(x)
        if response is not None:
            total += max(0.0, response.fraction - response.penalty) * x.max_mark
    return total


def _feedback(question: Question, row: m.Question, response: m.Response) -> FeedbackView:
    selected = tuple(sorted(response.selected))
    return FeedbackView(
        fraction=response.fraction,
        correct=is_fully_correct(response.fraction),
        selected=selected,
        correct_indices=question.correct_indices,
        explanation=question.explanation,
        choice_feedback=tuple(
            question.choices[i].feedback
            for i in selected
            if 0 <= i < len(question.choices) and question.choices[i].feedback
        ),
        evidence=question.evidence,
        lesson_id=row.lesson_id,
    )


def _letter(position: int) -> str:
    letters = string.ascii_uppercase
    return letters[position] if position < len(letters) else str(position + 1)


def _slot_view(x: m.AttemptSlot) -> SlotView:
    row = x.question
    question = question_from_row(row)
    response = _latest(x)
    return SlotView(
        slot=x.slot,
        question_id=row.id,
        question_key=row.key,
        type=QuestionType(row.type),
        prompt=row.prompt,
        text_format=TextFormat(row.text_format),
        choices=tuple(
            ChoiceView(index=index, letter=_letter(shown), text=question.choices[index].text)
            for shown, index in enumerate(x.choice_order)
        ),
        lesson_id=row.lesson_id,
        feedback=_feedback(question, row, response) if response is not None else None,
    )


def _title(attempt: m.Attempt) -> str:
    if attempt.kind == "lesson" and attempt.lesson is not None:
        return attempt.lesson.title
    if attempt.kind == "quiz" and attempt.quiz is not None:
        return attempt.quiz.name
    if attempt.kind == "review":
        return "Review"
    return f"Exam: {attempt.pack.title}"


def _attempt_view(s: Session, attempt: m.Attempt) -> AttemptView:
    slots = sorted(attempt.slots, key=lambda x: x.slot)
    return AttemptView(
        id=attempt.id,
        uuid=attempt.uuid,
        student_id=attempt.student_id,
        kind=attempt.kind,
        title=_title(attempt),
        behaviour=Behaviour(attempt.behaviour),
        seed=attempt.seed,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        slots=tuple(_slot_view(x) for x in slots),
        current_slot=attempt.current_slot,
        marks=attempt.marks,
        max_marks=attempt.max_marks,
    )


def summaries(s: Session, attempts: Sequence[m.Attempt]) -> list[AttemptSummary]:
    """Summaries of ``attempts`` (kept in the given order), counting slots and answers
    with two grouped queries."""
    ids = [a.id for a in attempts]
    if not ids:
        return []
    totals = _pairs(
        s.execute(
            select(m.AttemptSlot.attempt_id, func.count(m.AttemptSlot.id))
            .where(m.AttemptSlot.attempt_id.in_(ids))
            .group_by(m.AttemptSlot.attempt_id)
        )
    )
    answered: dict[int, tuple[int, datetime | None]] = {
        attempt_id: (count, last)
        for attempt_id, count, last in s.execute(
            select(
                m.Response.attempt_id,
                func.count(func.distinct(m.Response.slot_id)),
                func.max(m.Response.answered_at),
            )
            .where(m.Response.attempt_id.in_(ids))
            .group_by(m.Response.attempt_id)
        )
    }
    out = []
    for a in attempts:
        count, last = answered.get(a.id, (0, None))
        if a.finished_at is not None:
            end = a.finished_at
        else:
            # func.max bypasses the column type on some drivers: make it aware UTC.
            end = _as_utc(last) if last is not None else a.started_at
        out.append(
            AttemptSummary(
                id=a.id,
                uuid=a.uuid,
                kind=a.kind,
                title=_title(a),
                pack_id=a.pack_id,
                lesson_id=a.lesson_id,
                behaviour=Behaviour(a.behaviour),
                started_at=a.started_at,
                finished_at=a.finished_at,
                answered=count,
                total=totals.get(a.id, 0),
                marks=a.marks,
                max_marks=a.max_marks,
                percent=percent(a.marks, a.max_marks) if a.state == FINISHED else None,
                duration_s=max(0.0, (end - a.started_at).total_seconds()),
            )
        )
    return out


def unfinished_summaries(s: Session, student_id: int) -> list[AttemptSummary]:
    """A student's attempts in progress, newest first (inside an open session)."""
    rows = s.scalars(
        select(m.Attempt)
        .where(m.Attempt.student_id == student_id, m.Attempt.state == INPROGRESS)
        .order_by(m.Attempt.started_at.desc(), m.Attempt.id.desc())
    )
    return summaries(s, list(rows))


def _as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """``{first column: second column}`` of two-column result rows."""
    return {row[0]: row[1] for row in rows}
