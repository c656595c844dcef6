"""Taking quizzes: lesson quizzes, exams, named quizzes and review sessions, under every
question behaviour; answer, finish, resume, history, review.

An attempt stores its seed, the question revision of each slot and the order its
choices were shown in, so it can be resumed and reviewed exactly as it was taken.
Every response is committed when the student gives it (one transaction per call).
Choice indices in and out are author-order indices of the revision asked.

Behaviours (``quizapp.domain.behaviours``, ``docs/question-behaviours.md``):

* immediate feedback and interactive: :meth:`AttemptService.submit` stores each try
  as its own ``responses`` row (``try_number`` 1, 2, …; ``fraction`` the raw mark;
  ``penalty`` = penalty × tries used before it) and returns its feedback;
* deferred feedback and deferred CBM: :meth:`AttemptService.save_answer` stores every
  saved answer as a new row (with its ``certainty`` under CBM); the last one counts when
  the attempt is submitted; nothing about correctness is shown before that.

Marks: a slot's mark is what :func:`quizapp.domain.behaviours.mark_tries` gives its
responses (under CBM the CBM mark, −6..3), times ``max_mark``; an attempt's marks are
the sum over its slots (kept up to date while answering under the feedback behaviours,
set on finish under the deferred ones).

Time limit: ``time_limit_s`` on the attempt; the deadline is the stored ``started_at``
plus the limit, so a closed app does not stop the clock. An attempt found past its
deadline when it is opened (:meth:`~AttemptService.get`,
:meth:`~AttemptService.unfinished`, Home) or answered is submitted with the answers
given, its ``finished_at`` the deadline.

Spaced review: see :mod:`quizapp.services.reviews` (a card per answered question
identity, reviewed when its mark is final).
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import (
    Executable,
    Insert,
    Table,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from quizapp.domain.behaviours import (
    CbmItem,
    Certainty,
    QuestionMark,
    TryOutcome,
    allows_certainty,
    penalty_for,
    shows_feedback_during_attempt,
    submit_try,
    summarise_cbm,
    tries_allowed,
)
from quizapp.domain.errors import NotFoundError, QuizAppError, ValidationError
from quizapp.domain.model import Behaviour, Question, QuestionType, TextFormat
from quizapp.domain.quiz_flow import (
    FlagChanged,
    QuizFlow,
    ResponseSaved,
    Slot,
    SlotStatus,
    TrySubmitted,
)
from quizapp.domain.scoring import is_fully_correct, mark_response, percent
from quizapp.domain.shuffle import choice_order, new_seed, shuffled, sub_seed
from quizapp.services.attempt_cells import store_cells
from quizapp.services.dto import (
    AttemptSummary,
    AttemptView,
    CbmResult,
    ChoiceView,
    FeedbackView,
    SlotView,
    SummaryView,
)
from quizapp.services.reviews import card_columns, card_in_row, review_card
from quizapp.services.students import get_student
from quizapp.store import models as m
from quizapp.store.convert import question_from_row
from quizapp.store.types import utc_now

if TYPE_CHECKING:
    from quizapp.domain.spaced_review import ReviewScheduler

INPROGRESS = "inprogress"
FINISHED = "finished"
DEFAULT_EXAM_QUESTIONS = 20
REVIEW_POLICIES = ("after_attempt", "after_close", "never")
"""When students may see right answers of a named quiz: right after their attempt, once
the teacher closes the quiz, or never."""

_DEFERRED = (Behaviour.DEFERRED_FEEDBACK, Behaviour.DEFERRED_CBM)
_QUESTION_CACHE_SIZE = 2_000
"""Domain questions an :class:`AttemptService` keeps for answering (revisions are
immutable, so a cached one never goes stale); cleared when full."""


@dataclass(frozen=True)
class _Try:
    """A try just stored (what :func:`_feedback` reads of a response row)."""

    selected: tuple[int, ...]
    fraction: float
    penalty: float
    try_number: int
    certainty: int | None


class AttemptFinishedError(QuizAppError):
    """The attempt is finished: no more answers can be given."""


class TimeUpError(AttemptFinishedError):
    """The time limit has passed: the attempt was submitted with the answers given."""


class AlreadyAnsweredError(QuizAppError):
    """This question takes no more answers in this attempt (immediate feedback: one;
    interactive: it was answered right or has no tries left)."""


class NoQuestionsError(QuizAppError):
    """There are no questions to ask (an empty lesson or pack, nothing due)."""


class AttemptService:
    """Quizzes a student takes. ``sessions`` is the database's session factory;
    ``clock`` gives the current aware UTC time (a fake one in tests); ``scheduler``
    schedules spaced-review cards (default: FSRS, with its random spread of intervals
    when ``review_fuzzing``, as in the app; made on the first review, so fsrs is not
    imported before a card is reviewed)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = utc_now,
        scheduler: ReviewScheduler | None = None,
        *,
        review_fuzzing: bool = True,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._scheduler_given = scheduler
        self._review_fuzzing = review_fuzzing
        self._questions: dict[tuple[int, uuid.UUID], Question] = {}

    @property
    def _scheduler(self) -> ReviewScheduler:
        """The FSRS scheduler (imported and made on first use)."""
        if self._scheduler_given is None:
            from quizapp.domain.spaced_review import ReviewScheduler

            self._scheduler_given = ReviewScheduler(enable_fuzzing=self._review_fuzzing)
        return self._scheduler_given

    @property
    def clock(self) -> Callable[[], datetime]:
        """The clock this service reads (aware UTC now); screens count down with it."""
        return self._clock

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
            return _attempt_view(s, attempt, self._clock())

    def start_exam(
        self,
        student_id: int,
        pack_id: int,
        question_count: int = DEFAULT_EXAM_QUESTIONS,
        behaviour: Behaviour = Behaviour.IMMEDIATE_FEEDBACK,
        time_limit_s: int | None = None,
    ) -> AttemptView:
        """Start an exam over every lesson of a pack: ``question_count`` questions drawn
        at random (all of them if the pack has fewer), in random order, choices shuffled,
        all from a new seed stored on the attempt; under ``behaviour``, timed when
        ``time_limit_s`` (seconds) is given.

        Raises :class:`ValidationError` (count below 1, limit not positive),
        :class:`NotFoundError` and :class:`NoQuestionsError`.
        """
        if question_count < 1:
            raise ValidationError("An exam needs at least one question.")
        if time_limit_s is not None and time_limit_s <= 0:
            raise ValidationError("A time limit must be at least one second.")
        with self._sessions.begin() as s:
            get_student(s, student_id)
            pack = s.get(m.Pack, pack_id)
            if pack is None or not _available(pack):
                raise NotFoundError(f"There is no course with id {pack_id} to take.")
            questions = current_questions(s, pack.id)
            if not questions:
                raise NoQuestionsError(f"The course {pack.title!r} has no questions yet.")
            seed = new_seed()
            ordered = shuffled(questions, sub_seed(seed, "exam"))[:question_count]
            attempt = self._new_attempt(
                s,
                student_id,
                pack.id,
                "exam",
                seed,
                ordered,
                behaviour=behaviour,
                time_limit_s=time_limit_s,
            )
            return _attempt_view(s, attempt, self._clock())

    def start_questions(
        self,
        student_id: int,
        pack_id: int,
        question_ids: Sequence[int],
        *,
        kind: str,
        behaviour: Behaviour = Behaviour.IMMEDIATE_FEEDBACK,
        time_limit_s: int | None = None,
        quiz_id: int | None = None,
        shuffle: bool = True,
    ) -> AttemptView:
        """Start an attempt over exactly the question revisions ``question_ids`` (kind
        ``"review"`` or ``"quiz"``; ``pack_id`` the pack it is filed under). ``shuffle``:
        question order and choice orders from a new seed; off: the order given and each
        question's author order. Raises :class:`NotFoundError` (student or a question)
        and :class:`NoQuestionsError` (empty list)."""
        if not question_ids:
            raise NoQuestionsError("There are no questions to ask.")
        with self._sessions.begin() as s:
            get_student(s, student_id)
            rows = {
                q.id: q
                for q in s.scalars(
                    select(m.Question)
                    .where(m.Question.id.in_(list(question_ids)))
                    .options(selectinload(m.Question.choices))
                )
            }
            missing = [i for i in question_ids if i not in rows]
            if missing:
                raise NotFoundError(f"There is no question with id {missing[0]}.")
            seed = new_seed()
            ordered = [rows[i] for i in question_ids]
            if shuffle:
                ordered = shuffled(ordered, sub_seed(seed, kind))
            attempt = self._new_attempt(
                s,
                student_id,
                pack_id,
                kind,
                seed,
                ordered,
                behaviour=behaviour,
                time_limit_s=time_limit_s,
                quiz_id=quiz_id,
                shuffle_choices=shuffle,
            )
            return _attempt_view(s, attempt, self._clock())

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
        time_limit_s: int | None = None,
        quiz_id: int | None = None,
        shuffle_choices: bool = True,
    ) -> m.Attempt:
        attempt = m.Attempt(
            student_id=student_id,
            pack_id=pack_id,
            lesson_id=lesson_id,
            quiz_id=quiz_id,
            kind=kind,
            behaviour=behaviour.value,
            seed=seed,
            started_at=self._clock(),
            time_limit_s=time_limit_s,
            state=INPROGRESS,
            current_slot=0,
            marks=0.0,
            max_marks=float(len(questions)),
        )
        for index, row in enumerate(questions):
            question = question_from_row(row)
            self._remember(row, question)
            order = (
                choice_order(question, sub_seed(seed, row.key))
                if shuffle_choices
                else list(range(len(question.choices)))
            )
            attempt.slots.append(
                m.AttemptSlot(slot=index, question_id=row.id, choice_order=order, max_mark=1.0)
            )
        s.add(attempt)
        s.flush()
        return attempt

    # ------------------------------------------------------------------ answering

    def get(self, attempt_id: int) -> AttemptView:
        """An attempt as it stands (to resume it): its slots in shown order, the answers
        saved, flags, feedback where the behaviour shows it, ``current_slot`` the first
        open slot. A timed attempt found past its deadline is submitted first (then the
        view is finished). :class:`NotFoundError`."""
        self._finish_if_expired(attempt_id)
        with self._sessions.begin() as s:
            return _attempt_view(s, _get_attempt(s, attempt_id), self._clock())

    def submit(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        response_uuid: uuid.UUID | None = None,
    ) -> FeedbackView:
        """Submit a try at slot ``slot`` (0-based), immediate feedback or interactive:
        ``selected`` author-order choice indices. Marked on the stored revision, stored as
        its own response row and committed before returning; moves ``current_slot`` to
        the next open slot. The feedback says whether another try is allowed (interactive:
        then with the next hint and the picked choices' feedback, not the answer).

        ``response_uuid``: an id the caller made for this try, once, before any retry
        (a school server whose connection dropped while committing). When a response
        with that UUID is already stored for this attempt, its feedback is returned and
        nothing is stored again; a UUID stored for another attempt raises
        :class:`ValidationError`. ``None``: a new UUID is made here.

        Loads only the slot answered (its responses, question revision and choices),
        not the whole attempt; marks and ``current_slot`` are updated from SQL.

        Raises :class:`NotFoundError` (attempt or slot), :class:`AttemptFinishedError`
        (:class:`TimeUpError` when the deadline passed: the attempt is then submitted),
        :class:`AlreadyAnsweredError` (no more tries) and :class:`ValidationError` (a
        deferred behaviour, an index out of range, several choices for a single-answer
        question, or nothing chosen).
        """
        return _or_time_up(self._submit(attempt_id, slot, selected, response_uuid))

    def _submit(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        response_uuid: uuid.UUID | None,
    ) -> FeedbackView | None:
        chosen = sorted(set(selected))
        try:
            with self._sessions.begin() as s:
                if response_uuid is not None:
                    stored = _stored_response(s, attempt_id, response_uuid)
                    if stored is not None:
                        return _replayed_feedback(s, stored)
                # Core statements on the session's connection: no ORM object is loaded
                # or pending here, so the session's execution layer adds nothing. One
                # row: the attempt's state and the slot answered, not the whole attempt.
                conn = s.connection()
                ctx = conn.execute(
                    _answer_context_stmt(), {"attempt_id": attempt_id, "slot": slot}
                ).one_or_none()
                if ctx is None:
                    raise NotFoundError(f"There is no attempt with id {attempt_id}.")
                if ctx.state == INPROGRESS and ctx.time_limit_s:
                    deadline = ctx.started_at + timedelta(seconds=ctx.time_limit_s)
                    if self._clock() >= deadline:
                        self._finish(s, _get_attempt(s, attempt_id))
                        return None  # committed below, then refused
                if ctx.state != INPROGRESS:
                    raise AttemptFinishedError("This quiz is finished: it can only be reviewed.")
                if ctx.slot_id is None:
                    raise NotFoundError(f"This quiz has no question {slot + 1}.")
                behaviour = Behaviour(ctx.behaviour)
                if behaviour in _DEFERRED:
                    raise ValidationError(
                        "In this quiz answers are saved and checked when you submit them all."
                    )
                question = self._question(s, ctx.question_id, ctx.question_uuid)
                previous = (
                    [
                        tuple(row.selected)
                        for row in conn.execute(_slot_tries_stmt(), {"slot_id": ctx.slot_id})
                    ]
                    if ctx.tries
                    else []
                )
                if previous and _tries_over(question, previous, behaviour):
                    raise AlreadyAnsweredError("This question has already been answered.")
                if not chosen:
                    raise ValidationError("Choose an answer first.")
                try:
                    mark_response(question, chosen)
                    outcome = submit_try(question, previous, chosen, behaviour)
                except ValueError as exc:
                    raise ValidationError(str(exc)) from exc
                now = self._clock()
                penalty = (
                    round(penalty_for(question) * len(previous), 7)
                    if behaviour is Behaviour.INTERACTIVE
                    else 0.0
                )
                last = ctx.last_answered
                since = ctx.started_at if last is None else max(last, ctx.started_at)
                response = _Try(
                    selected=tuple(chosen),
                    fraction=outcome.raw_fraction,
                    penalty=penalty,
                    try_number=len(previous) + 1,
                    certainty=None,
                )
                inserted = conn.execute(
                    _insert_stmt(m.Response),
                    {
                        "uuid": response_uuid if response_uuid is not None else uuid.uuid4(),
                        "attempt_id": attempt_id,
                        "slot_id": ctx.slot_id,
                        "try_number": response.try_number,
                        "selected": chosen,
                        "fraction": response.fraction,
                        "certainty": None,
                        "penalty": penalty,
                        "answered_at": now,
                        "duration_s": max(0.0, (now - since).total_seconds()),
                    },
                )
                key_row = inserted.inserted_primary_key
                assert key_row is not None
                response_id = int(key_row[0])
                # A question's mark counts once, when it becomes final (immediate
                # feedback: its only try; interactive: the try that ends it).
                gained = (
                    max(0.0, outcome.raw_fraction - penalty) * ctx.max_mark
                    if outcome.finished
                    else 0.0
                )
                if behaviour is Behaviour.INTERACTIVE:
                    conn.execute(
                        _progress_stmt(),
                        {
                            "attempt_id": attempt_id,
                            "gained": gained,
                            "current": _first_open_sql(s, attempt_id, behaviour),
                        },
                    )
                else:  # immediate feedback (with or without certainty): one try closes it
                    conn.execute(
                        _immediate_progress_stmt(), {"attempt_id": attempt_id, "gained": gained}
                    )
                if outcome.finished:
                    assert outcome.fraction is not None
                    review_card(
                        conn,
                        self._scheduler,
                        ctx.student_id,
                        ctx.pack_key,
                        ctx.question_key,
                        correct=is_fully_correct(outcome.fraction),
                        certainty=None,
                        now=now,
                        response_id=response_id,
                        card=card_in_row(ctx),
                    )
                hidden = _policy_hides_answers(ctx.review_policy, ctx.quiz_closed_at)
                return _feedback(question, ctx.lesson_id, response, outcome=outcome, hidden=hidden)
        except IntegrityError as exc:  # the same answer sent twice at once
            if response_uuid is not None:
                with self._sessions.begin() as s:
                    stored = _stored_response(s, attempt_id, response_uuid)
                    if stored is not None:
                        return _replayed_feedback(s, stored)
            raise AlreadyAnsweredError("This question has already been answered.") from exc

    def _remember(self, row: m.Question, question: Question) -> None:
        """Keep the domain question of revision ``row`` for answering (see :meth:`_question`)."""
        if len(self._questions) >= _QUESTION_CACHE_SIZE:
            self._questions.clear()
        self._questions[(row.id, row.uuid)] = question

    def _question(self, s: Session, question_id: int, question_uuid: uuid.UUID) -> Question:
        """The domain question of a stored revision, from a small cache keyed by its id
        and UUID (a revision never changes once written; see ``models.Question``)."""
        key = (question_id, question_uuid)
        question = self._questions.get(key)
        if question is None:
            row = s.scalars(
                select(m.Question)
                .where(m.Question.id == question_id)
                .options(selectinload(m.Question.choices), joinedload(m.Question.lesson))
            ).one()
            question = question_from_row(row)
            self._remember(row, question)
        return question

    def save_answer(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        certainty: int | None = None,
        response_uuid: uuid.UUID | None = None,
    ) -> SlotView:
        """Save the answer to slot ``slot`` (deferred feedback, deferred CBM): a new
        response row each time it changes (``selected`` empty clears the answer), with
        ``certainty`` 1–3 under CBM. The last saved answer is the one marked at the end.
        Committed before returning; returns the slot as the screen shows it (no
        correctness).

        ``response_uuid``: an id the caller made once for this save, before any retry;
        when a response with that UUID is already stored for this attempt, nothing is
        stored again and the slot is returned as it stands (a UUID stored for another
        attempt raises :class:`ValidationError`). Loads only the slot saved.

        Raises :class:`NotFoundError`, :class:`AttemptFinishedError`
        (:class:`TimeUpError` past the deadline) and :class:`ValidationError` (a
        behaviour with feedback, a bad index or certainty)."""
        return _or_time_up(self._save_answer(attempt_id, slot, selected, certainty, response_uuid))

    def _save_answer(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        certainty: int | None,
        response_uuid: uuid.UUID | None,
    ) -> SlotView | None:
        chosen = sorted(set(selected))
        try:
            with self._sessions.begin() as s:
                if response_uuid is not None:
                    stored = _stored_response(s, attempt_id, response_uuid)
                    if stored is not None:
                        return _slot_now(s, stored.slot.attempt, stored.slot)
                attempt = _attempt_row(s, attempt_id)
                if self._finished_now_if_expired(s, attempt):
                    return None  # committed below, then refused
                slot_row = _answer_slot(s, attempt, slot)
                behaviour = Behaviour(attempt.behaviour)
                if behaviour not in _DEFERRED:
                    raise ValidationError("In this quiz each answer is checked with Submit.")
                if certainty is not None and not allows_certainty(behaviour):
                    raise ValidationError("This quiz does not ask how sure you are.")
                if certainty is not None and certainty not in tuple(Certainty):
                    raise ValidationError("Certainty must be 1, 2 or 3.")
                question = question_from_row(slot_row.question)
                try:
                    raw = mark_response(question, chosen)
                except ValueError as exc:
                    raise ValidationError(str(exc)) from exc
                latest = _latest(slot_row)
                unchanged = latest is not None and (
                    sorted(latest.selected) == chosen and latest.certainty == certainty
                )
                if not unchanged and (latest is not None or chosen):
                    now = self._clock()
                    slot_row.responses.append(
                        m.Response(
                            uuid=response_uuid if response_uuid is not None else uuid.uuid4(),
                            attempt_id=attempt.id,
                            try_number=len(slot_row.responses) + 1,
                            selected=chosen,
                            fraction=raw,
                            certainty=certainty,
                            penalty=0.0,
                            answered_at=now,
                            duration_s=_seconds_since_last(s, attempt, now),
                        )
                    )
                    s.flush()
                    attempt.current_slot = _first_open_sql(s, attempt.id, behaviour)
                return _slot_now(s, attempt, slot_row)
        except IntegrityError as exc:
            if response_uuid is not None:
                with self._sessions.begin() as s:
                    stored = _stored_response(s, attempt_id, response_uuid)
                    if stored is not None:
                        return _slot_now(s, stored.slot.attempt, stored.slot)
            raise ValidationError("That answer was saved twice at once; try again.") from exc

    def set_flag(self, attempt_id: int, slot: int, flagged: bool) -> None:
        """Flag (or unflag) slot ``slot`` to come back to it; stored on the slot.
        :class:`NotFoundError`, :class:`AttemptFinishedError`."""
        with self._sessions.begin() as s:
            attempt = _get_attempt(s, attempt_id)
            _open_slot(attempt, slot).flagged = bool(flagged)

    def summary(self, attempt_id: int) -> SummaryView:
        """The summary page before "Submit all and finish": answered, unanswered and
        flagged slots (an interactive question between tries counts as answered).
        :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            view = _attempt_view(s, _get_attempt(s, attempt_id), self._clock())
        answered = tuple(x.slot for x in view.slots if x.status != SlotStatus.NOT_ANSWERED)
        return SummaryView(
            answered=answered,
            unanswered=tuple(x.slot for x in view.slots if x.slot not in answered),
            flagged=tuple(x.slot for x in view.slots if x.flagged),
            statuses=tuple(x.status for x in view.slots),
        )

    def finish(self, attempt_id: int) -> AttemptSummary:
        """Submit all and finish: every slot marked under the attempt's behaviour with the
        answers given (unanswered questions earn 0); after the deadline, ``finished_at``
        is the deadline. Cards of the questions whose mark became final now are reviewed.
        Idempotent: finishing a finished attempt returns its summary unchanged.
        :class:`NotFoundError` for an unknown id."""
        with self._sessions.begin() as s:
            attempt = _get_attempt(s, attempt_id)
            if attempt.state != FINISHED:
                self._finish(s, attempt)
            return summaries(s, [attempt])[0]

    def finish_expired(self, student_id: int) -> list[int]:
        """Submit every attempt of the student found past its deadline (with the answers
        given); returns their ids. :class:`NotFoundError` for an unknown student."""
        now = self._clock()
        done = []
        with self._sessions.begin() as s:
            get_student(s, student_id)
            timed = s.scalars(
                select(m.Attempt.id).where(
                    m.Attempt.student_id == student_id,
                    m.Attempt.state == INPROGRESS,
                    m.Attempt.time_limit_s.is_not(None),
                )
            ).all()
            for attempt_id in timed:
                attempt = _get_attempt(s, attempt_id)
                deadline = _deadline(attempt)
                if deadline is not None and now >= deadline:
                    self._finish(s, attempt)
                    done.append(attempt_id)
        return done

    def _finish_if_expired(self, attempt_id: int) -> bool:
        with self._sessions.begin() as s:
            row = s.execute(
                select(m.Attempt.state, m.Attempt.started_at, m.Attempt.time_limit_s).where(
                    m.Attempt.id == attempt_id
                )
            ).one_or_none()
            if row is None or row.state != INPROGRESS or not row.time_limit_s:
                return False
            return self._finished_now_if_expired(s, _get_attempt(s, attempt_id))

    def _finished_now_if_expired(self, s: Session, attempt: m.Attempt) -> bool:
        deadline = _deadline(attempt)
        if attempt.state == INPROGRESS and deadline is not None and self._clock() >= deadline:
            # Marking needs every slot: load them all at once (the caller may hold the
            # attempt row alone).
            self._finish(s, _get_attempt(s, attempt.id, refresh=True))
            return True
        return False

    def _finish(self, s: Session, attempt: m.Attempt) -> None:
        flow = _flow(attempt, self._clock)
        result = flow.finish(self._clock())
        behaviour = Behaviour(attempt.behaviour)
        slots = sorted(attempt.slots, key=lambda x: x.slot)
        for slot_row, mark in zip(slots, result.marks, strict=True):
            if not mark.answered:
                continue
            responses = _responses(slot_row)
            if behaviour in _DEFERRED:
                certainty = mark.certainty if not mark.certainty_assumed else None
                fraction = mark.raw_fraction
            else:
                question = question_from_row(slot_row.question)
                previous = [tuple(r.selected) for r in responses]
                if _tries_over(question, previous, behaviour):
                    continue  # reviewed when its last try was submitted
                certainty, fraction = None, mark.fraction
            last = responses[-1] if responses else None
            self._review(
                s,
                attempt,
                slot_row,
                fraction,
                certainty,
                result.finished_at,
                last.id if last else None,
            )
        attempt.marks = result.score.marks
        attempt.max_marks = result.score.max_marks
        attempt.state = FINISHED
        attempt.finished_at = result.finished_at
        s.flush()
        store_cells(s.connection(), [attempt.id])  # what the statistics report reads

    def _review(
        self,
        s: Session,
        attempt: m.Attempt,
        slot_row: m.AttemptSlot,
        fraction: float,
        certainty: int | None,
        now: datetime,
        response_id: int | None,
    ) -> None:
        review_card(
            s,
            self._scheduler,
            attempt.student_id,
            slot_row.question.pack.key,
            slot_row.question.key,
            correct=is_fully_correct(fraction),
            certainty=certainty,
            now=now,
            response_id=response_id,
        )

    # ------------------------------------------------------------------ lists and review

    def unfinished(self, student_id: int) -> list[AttemptSummary]:
        """A student's attempts still in progress, newest first (timed ones past their
        deadline are submitted first). :class:`NotFoundError`."""
        self.finish_expired(student_id)
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
        pack was re-imported with changed questions), the CBM results under CBM. Right
        answers, explanations and choice feedback are left out when the quiz's review
        policy does not allow them yet (``answers_hidden``). :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            return _attempt_view(s, _get_attempt(s, attempt_id), self._clock())


# ---------------------------------------------------------------------- helpers


T = TypeVar("T")


def _or_time_up(result: T | None) -> T:
    if result is None:
        raise TimeUpError("Time is up: your answers were submitted.")
    return result


def current_questions(
    s: Session, pack_id: int, lesson_keys: Sequence[str] = ()
) -> list[m.Question]:
    """The current revisions of a pack's questions in lessons still in it (only those of
    ``lesson_keys`` when given), in course order (lesson, then question position)."""
    query = (
        select(m.Question)
        .join(m.Lesson, m.Question.lesson_id == m.Lesson.id)
        .where(
            m.Question.pack_id == pack_id,
            m.Question.is_current,
            m.Lesson.retired.is_(False),
        )
        .order_by(m.Lesson.position, m.Question.position)
        .options(selectinload(m.Question.choices))
    )
    if lesson_keys:
        query = query.where(m.Lesson.key.in_(list(lesson_keys)))
    return list(s.scalars(query))


def _available(pack: m.Pack) -> bool:
    return pack.enabled and pack.deleted_at is None


def _get_attempt(s: Session, attempt_id: int, *, refresh: bool = False) -> m.Attempt:
    """The attempt with all its slots, responses and question revisions loaded
    (``refresh``: reload an attempt already in the session, e.g. after
    :func:`_attempt_row`). :class:`NotFoundError`."""
    query = (
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
            selectinload(m.Attempt.slots)
            .selectinload(m.AttemptSlot.question)
            .selectinload(m.Question.pack),
            selectinload(m.Attempt.quiz),
        )
    )
    if refresh:
        query = query.execution_options(populate_existing=True)
    attempt = s.scalars(query).one_or_none()
    if attempt is None:
        raise NotFoundError(f"There is no attempt with id {attempt_id}.")
    return attempt


def _attempt_row(s: Session, attempt_id: int) -> m.Attempt:
    """The attempt row alone (no slots), for recording one answer. :class:`NotFoundError`."""
    attempt = s.get(m.Attempt, attempt_id)
    if attempt is None:
        raise NotFoundError(f"There is no attempt with id {attempt_id}.")
    return attempt


def _answer_slot(s: Session, attempt: m.Attempt, slot: int) -> m.AttemptSlot:
    """Slot ``slot`` of an attempt in progress with what answering it needs: its
    responses, its question revision (choices, lesson, pack). Raises
    :class:`AttemptFinishedError` and :class:`NotFoundError`."""
    if attempt.state != INPROGRESS:
        raise AttemptFinishedError("This quiz is finished: it can only be reviewed.")
    slot_row = s.scalars(
        select(m.AttemptSlot)
        .where(m.AttemptSlot.attempt_id == attempt.id, m.AttemptSlot.slot == slot)
        .options(
            selectinload(m.AttemptSlot.responses),
            joinedload(m.AttemptSlot.question).selectinload(m.Question.choices),
            joinedload(m.AttemptSlot.question).joinedload(m.Question.lesson),
            joinedload(m.AttemptSlot.question).joinedload(m.Question.pack),
        )
    ).one_or_none()
    if slot_row is None:
        raise NotFoundError(f"This quiz has no question {slot + 1}.")
    return slot_row


def _stored_response(s: Session, attempt_id: int, response_uuid: uuid.UUID) -> m.Response | None:
    """The response stored with ``response_uuid`` for this attempt, or ``None``; one
    stored for another attempt raises :class:`ValidationError`."""
    response = s.scalars(select(m.Response).where(m.Response.uuid == response_uuid)).one_or_none()
    if response is not None and response.attempt_id != attempt_id:
        raise ValidationError("This answer's id belongs to another quiz; it was not saved.")
    return response


def _replayed_feedback(s: Session, response: m.Response) -> FeedbackView:
    """The feedback :meth:`AttemptService.submit` gave when it stored ``response``
    (its try rebuilt from the tries before it)."""
    slot_row = _answer_slot_any(s, response.slot_id)
    attempt = slot_row.attempt
    behaviour = Behaviour(attempt.behaviour)
    question = question_from_row(slot_row.question)
    before = [
        tuple(sorted(r.selected))
        for r in _responses(slot_row)
        if r.try_number < response.try_number
    ]
    outcome = submit_try(question, before, tuple(sorted(response.selected)), behaviour)
    return _feedback(
        question,
        slot_row.question.lesson_id,
        response,
        outcome=outcome,
        hidden=answers_hidden(attempt),
    )


def _answer_slot_any(s: Session, slot_id: int) -> m.AttemptSlot:
    """A slot by id with its responses and question (whatever its attempt's state)."""
    return s.scalars(
        select(m.AttemptSlot)
        .where(m.AttemptSlot.id == slot_id)
        .options(
            selectinload(m.AttemptSlot.responses),
            joinedload(m.AttemptSlot.question).selectinload(m.Question.choices),
            joinedload(m.AttemptSlot.question).joinedload(m.Question.lesson),
        )
    ).one()


def _slot_now(s: Session, attempt: m.Attempt, slot_row: m.AttemptSlot) -> SlotView:
    """One slot of an attempt as :meth:`AttemptService.get` would show it now."""
    if attempt.state == FINISHED:
        view = _attempt_view(s, _get_attempt(s, attempt.id, refresh=True))
        return view.slots[slot_row.slot]
    return _slot_view(attempt, slot_row, None, answers_hidden(attempt))


def _seconds_since_last(s: Session, attempt: m.Attempt, now: datetime) -> float:
    """Seconds from the attempt's last stored answer (or its start) to ``now``, ≥ 0."""
    last = s.scalars(
        select(m.Response.answered_at)
        .where(m.Response.attempt_id == attempt.id)
        .order_by(m.Response.answered_at.desc())
        .limit(1)
    ).first()
    since = attempt.started_at if last is None else max(last, attempt.started_at)
    return max(0.0, (now - since).total_seconds())


@cache
def _insert_stmt(model: type[m.Base]) -> Insert:
    """``INSERT INTO`` the table of ``model``, built once (values are passed at execute)."""
    return insert(_table(model))


def _table(model: type[m.Base]) -> Table:
    """The Core table of a mapped class."""
    return cast(Table, model.__table__)


@cache
def _answer_context_stmt() -> Executable:
    """Attempt :attempt_id (its state, times, student, quiz) with slot :slot of it
    (``slot_id`` NULL when it has no such slot), the slot's question identity, when
    the attempt was last answered (``last_answered``, NULL: never), its named quiz's
    review policy (NULL: no named quiz), how many tries the slot has (``tries``) and the
    student's card for the question (``card_*``,
    :func:`~quizapp.services.reviews.card_columns`): everything an answer needs, in one
    query (the tries' choices are read only when there are some)."""
    return (
        select(
            m.Attempt.state,
            m.Attempt.behaviour,
            m.Attempt.started_at,
            m.Attempt.time_limit_s,
            m.Attempt.student_id,
            m.Attempt.quiz_id,
            m.AttemptSlot.id.label("slot_id"),
            m.AttemptSlot.max_mark,
            m.AttemptSlot.question_id,
            m.Question.uuid.label("question_uuid"),
            m.Question.key.label("question_key"),
            m.Question.lesson_id,
            m.Pack.key.label("pack_key"),
            select(func.max(m.Response.answered_at))
            .where(m.Response.attempt_id == m.Attempt.id)
            .scalar_subquery()
            .label("last_answered"),
            m.Quiz.review_policy,
            m.Quiz.closed_at.label("quiz_closed_at"),
            select(func.count(m.Response.id))
            .where(m.Response.slot_id == m.AttemptSlot.id)
            .scalar_subquery()
            .label("tries"),
            *card_columns(),
        )
        .select_from(m.Attempt)
        .outerjoin(
            m.AttemptSlot,
            and_(
                m.AttemptSlot.attempt_id == m.Attempt.id,
                m.AttemptSlot.slot == bindparam("slot"),
            ),
        )
        .outerjoin(m.Question, m.Question.id == m.AttemptSlot.question_id)
        .outerjoin(m.Pack, m.Pack.id == m.Question.pack_id)
        .outerjoin(m.Quiz, m.Quiz.id == m.Attempt.quiz_id)
        .outerjoin(
            m.Card,
            and_(
                m.Card.student_id == m.Attempt.student_id,
                m.Card.pack_key == m.Pack.key,
                m.Card.question_key == m.Question.key,
            ),
        )
        .where(m.Attempt.id == bindparam("attempt_id"))
    )


@cache
def _slot_tries_stmt() -> Executable:
    """The choices of each try at slot :slot_id, in try order."""
    return (
        select(m.Response.selected)
        .where(m.Response.slot_id == bindparam("slot_id"))
        .order_by(m.Response.try_number)
    )


@cache
def _progress_stmt() -> Executable:
    """Add :gained to attempt :attempt_id's marks and set its current slot to :current."""
    table = _table(m.Attempt)
    return (
        update(table)
        .where(table.c.id == bindparam("attempt_id"))
        .values(marks=table.c.marks + bindparam("gained"), current_slot=bindparam("current"))
    )


@cache
def _immediate_progress_stmt() -> Executable:
    """Add :gained to attempt :attempt_id's marks and move its current slot to the first
    slot without a response (the slot count when every slot has one): immediate
    feedback, where one try closes a slot, so the next open slot is found in the same
    statement (it sees the response inserted before it in the transaction)."""
    table = _table(m.Attempt)
    answered = select(m.Response.id).where(m.Response.slot_id == m.AttemptSlot.id).exists()
    first_unanswered = (
        select(func.min(m.AttemptSlot.slot))
        .where(m.AttemptSlot.attempt_id == table.c.id, ~answered)
        .scalar_subquery()
    )
    slot_count = (
        select(func.count(m.AttemptSlot.id))
        .where(m.AttemptSlot.attempt_id == table.c.id)
        .scalar_subquery()
    )
    return (
        update(table)
        .where(table.c.id == bindparam("attempt_id"))
        .values(
            marks=table.c.marks + bindparam("gained"),
            current_slot=func.coalesce(first_unanswered, slot_count),
        )
    )


@cache
def _slot_states_stmt() -> Executable:
    """Each slot of attempt :attempt_id in order: its question, how many tries it has
    (NULL: none) and its latest try's choices and raw fraction."""
    latest = (
        select(m.Response.slot_id, func.max(m.Response.try_number).label("tries"))
        .where(m.Response.attempt_id == bindparam("attempt_id"))
        .group_by(m.Response.slot_id)
        .subquery()
    )
    return (
        select(
            m.AttemptSlot.slot,
            m.AttemptSlot.question_id,
            latest.c.tries,
            m.Response.selected,
            m.Response.fraction,
        )
        .select_from(m.AttemptSlot)
        .outerjoin(latest, latest.c.slot_id == m.AttemptSlot.id)
        .outerjoin(
            m.Response,
            and_(m.Response.slot_id == m.AttemptSlot.id, m.Response.try_number == latest.c.tries),
        )
        .where(m.AttemptSlot.attempt_id == bindparam("attempt_id"))
        .order_by(m.AttemptSlot.slot)
    )


def _first_open_sql(s: Session, attempt_id: int, behaviour: Behaviour) -> int:
    """The first slot still open (as :func:`_first_open`) of an attempt under a deferred
    behaviour or interactive; the slot count when none is. One query over the
    attempt's slots and each one's latest try; interactive questions between tries load
    their revision to count tries allowed. (Under immediate feedback one try closes a
    slot, and :func:`_immediate_progress_stmt` finds the next open one in its UPDATE.)"""
    rows = s.execute(_slot_states_stmt(), {"attempt_id": attempt_id}).all()
    for slot, question_id, tries, chosen, fraction in rows:
        if tries is None:
            return int(slot)
        if behaviour in _DEFERRED:
            if not chosen:
                return int(slot)
        elif behaviour is Behaviour.INTERACTIVE and not is_fully_correct(fraction):
            row = s.get(m.Question, question_id)
            assert row is not None
            if tries < tries_allowed(question_from_row(row), behaviour):
                return int(slot)
    return len(rows)


def _quiz_hides_answers(quiz: m.Quiz | None) -> bool:
    """True when named quiz ``quiz`` does not let students see right answers now."""
    if quiz is None:
        return False
    return _policy_hides_answers(quiz.review_policy, quiz.closed_at)


def _policy_hides_answers(review_policy: str | None, closed_at: datetime | None) -> bool:
    """True when a quiz with ``review_policy`` (``None``: no named quiz), closed at
    ``closed_at`` (``None``: open), does not let students see right answers now."""
    if review_policy == "never":
        return True
    return review_policy == "after_close" and closed_at is None


def answers_hidden(attempt: m.Attempt) -> bool:
    """True when the attempt's named quiz does not let the student see right answers
    now (review policy ``never``, or ``after_close`` while the quiz is open)."""
    return _quiz_hides_answers(attempt.quiz)


def _deadline(attempt: m.Attempt) -> datetime | None:
    if not attempt.time_limit_s:
        return None
    return attempt.started_at + timedelta(seconds=attempt.time_limit_s)


def _open_slot(attempt: m.Attempt, slot: int) -> m.AttemptSlot:
    if attempt.state != INPROGRESS:
        raise AttemptFinishedError("This quiz is finished: it can only be reviewed.")
    slot_row = next((x for x in attempt.slots if x.slot == slot), None)
    if slot_row is None:
        raise NotFoundError(f"This quiz has no question {slot + 1}.")
    return slot_row


def _responses(slot_row: m.AttemptSlot) -> list[m.Response]:
    return sorted(slot_row.responses, key=lambda r: r.try_number)


def _tries_over(
    question: Question, previous: Sequence[Sequence[int]], behaviour: Behaviour
) -> bool:
    """True when a feedback-behaviour question takes no more tries."""
    if not previous:
        return False
    if behaviour is Behaviour.IMMEDIATE_FEEDBACK:
        return True
    if is_fully_correct(mark_response(question, previous[-1])):
        return True
    return len(previous) >= tries_allowed(question, behaviour)


def _slot_done(attempt: m.Attempt, x: m.AttemptSlot) -> bool:
    behaviour = Behaviour(attempt.behaviour)
    if behaviour in _DEFERRED:
        latest = _latest(x)
        return latest is not None and bool(latest.selected)
    if behaviour is Behaviour.INTERACTIVE:
        previous = [tuple(r.selected) for r in _responses(x)]
        return _tries_over(question_from_row(x.question), previous, behaviour)
    return bool(x.responses)


def _first_open(attempt: m.Attempt) -> int:
    ordered = sorted(attempt.slots, key=lambda x: x.slot)
    for x in ordered:
        if not _slot_done(attempt, x):
            return x.slot
    return len(ordered)


def _latest(slot: m.AttemptSlot) -> m.Response | None:
    return max(slot.responses, key=lambda r: r.try_number, default=None)


def _flow(attempt: m.Attempt, clock: Callable[[], datetime]) -> QuizFlow:
    """The attempt's :class:`QuizFlow`, rebuilt from its stored responses and flags."""
    behaviour = Behaviour(attempt.behaviour)
    ordered = sorted(attempt.slots, key=lambda x: x.slot)
    slots = [
        Slot(question_from_row(x.question), tuple(x.choice_order), x.max_mark) for x in ordered
    ]
    events: list[ResponseSaved | TrySubmitted | FlagChanged] = []
    stored = sorted(
        ((r, x.slot) for x in ordered for r in x.responses),
        key=lambda pair: (pair[0].answered_at, pair[0].id or 0, pair[0].try_number),
    )
    tries: dict[int, list[tuple[int, ...]]] = {}
    for response, index in stored:
        selection = tuple(sorted(response.selected))
        if behaviour in _DEFERRED:
            certainty = response.certainty if allows_certainty(behaviour) else None
            events.append(ResponseSaved(index, selection, certainty))
        else:
            before = tries.setdefault(index, [])
            outcome = submit_try(slots[index].question, before, selection, behaviour)
            before.append(selection)
            events.append(TrySubmitted(index, selection, outcome))
    events.extend(FlagChanged(x.slot, True) for x in ordered if x.flagged)
    limit = timedelta(seconds=attempt.time_limit_s) if attempt.time_limit_s else None
    return QuizFlow.restore(
        slots,
        behaviour,
        events,
        started_at=attempt.started_at,
        time_limit=limit,
        clock=clock,
        current=0,
    )


def _feedback(
    question: Question,
    lesson_id: int,
    response: m.Response | _Try,
    *,
    outcome: TryOutcome | None = None,
    mark: QuestionMark | None = None,
    hidden: bool = False,
) -> FeedbackView:
    selected = tuple(sorted(response.selected))
    finished = outcome is None or outcome.finished
    show_answer = finished and not hidden
    final: float | None = None
    if mark is not None:
        final = mark.fraction
    elif outcome is not None and outcome.fraction is not None:
        final = outcome.fraction
    elif finished:
        final = max(0.0, response.fraction - response.penalty)
    return FeedbackView(
        fraction=response.fraction,
        correct=is_fully_correct(response.fraction),
        selected=selected,
        correct_indices=question.correct_indices if show_answer else (),
        explanation=question.explanation if show_answer else "",
        choice_feedback=()
        if hidden
        else tuple(
            question.choices[i].feedback
            for i in selected
            if 0 <= i < len(question.choices) and question.choices[i].feedback
        ),
        evidence=question.evidence if show_answer else None,
        lesson_id=lesson_id,
        finished=finished,
        try_number=response.try_number,
        tries_left=outcome.tries_left if outcome is not None else 0,
        hint=outcome.hint if outcome is not None and not hidden else None,
        mark=final,
        certainty=response.certainty,
        answers_hidden=hidden,
    )


def _letter(position: int) -> str:
    letters = string.ascii_uppercase
    return letters[position] if position < len(letters) else str(position + 1)


_MARK_STATUS = {
    "notanswered": SlotStatus.NOT_ANSWERED,
    "todo": SlotStatus.ANSWER_SAVED,
    "correct": SlotStatus.CORRECT,
    "partial": SlotStatus.PARTIAL,
    "wrong": SlotStatus.WRONG,
}


def _slot_view(
    attempt: m.Attempt, x: m.AttemptSlot, mark: QuestionMark | None, hidden: bool
) -> SlotView:
    """One slot; ``mark`` is its final mark once the attempt is finished."""
    row = x.question
    question = question_from_row(row)
    behaviour = Behaviour(attempt.behaviour)
    responses = _responses(x)
    latest = responses[-1] if responses else None
    feedback: FeedbackView | None = None
    tries_left = tries_allowed(question, behaviour)
    if mark is not None:
        status = _MARK_STATUS[mark.state.value]
        tries_left = 0
        if latest is not None and (latest.selected or behaviour not in _DEFERRED):
            feedback = _feedback(question, row.lesson_id, latest, mark=mark, hidden=hidden)
    elif shows_feedback_during_attempt(behaviour) and latest is not None:
        outcome: TryOutcome | None = None
        before: list[tuple[int, ...]] = []
        for r in responses:
            selection = tuple(sorted(r.selected))
            outcome = submit_try(question, before, selection, behaviour)
            before.append(selection)
        assert outcome is not None
        feedback = _feedback(question, row.lesson_id, latest, outcome=outcome, hidden=hidden)
        tries_left = outcome.tries_left
        if not outcome.finished:
            status = SlotStatus.TRY_AGAIN
        elif outcome.correct:
            status = SlotStatus.CORRECT
        else:
            status = SlotStatus.PARTIAL if outcome.raw_fraction > 0 else SlotStatus.WRONG
    elif latest is not None and latest.selected:
        status = SlotStatus.ANSWER_SAVED
    else:
        status = SlotStatus.NOT_ANSWERED
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
        feedback=feedback,
        selected=tuple(sorted(latest.selected)) if latest is not None else (),
        certainty=latest.certainty if latest is not None else None,
        flagged=x.flagged,
        status=status.value,
        tries_left=tries_left,
    )


def _title(attempt: m.Attempt) -> str:
    if attempt.kind == "lesson" and attempt.lesson is not None:
        return attempt.lesson.title
    if attempt.kind == "quiz" and attempt.quiz is not None:
        return attempt.quiz.name
    if attempt.kind == "review":
        return "Review"
    return f"Exam: {attempt.pack.title}"


def _cbm_result(flow: QuizFlow, marks: Sequence[QuestionMark]) -> CbmResult:
    summary = summarise_cbm(
        CbmItem(mk.raw_fraction if mk.answered else None, mk.certainty, slot.max_mark)
        for mk, slot in zip(marks, flow.slots, strict=True)
    )
    whole = summary.whole
    return CbmResult(
        average_cbm=whole.average_cbm,
        accuracy=whole.accuracy,
        bonus=whole.bonus,
        accuracy_with_bonus=whole.accuracy_with_bonus,
        by_certainty=tuple(
            (b.certainty, b.responses, b.accuracy, b.judgement) for b in summary.by_certainty
        ),
    )


def _attempt_view(s: Session, attempt: m.Attempt, now: datetime | None = None) -> AttemptView:
    slots = sorted(attempt.slots, key=lambda x: x.slot)
    behaviour = Behaviour(attempt.behaviour)
    hidden = answers_hidden(attempt)
    marks: Sequence[QuestionMark | None] = [None] * len(slots)
    cbm = None
    if attempt.state == FINISHED and slots:
        flow = _flow(attempt, lambda: attempt.started_at)
        final = flow.marks(finished=True)
        marks = final
        if behaviour is Behaviour.DEFERRED_CBM:
            cbm = _cbm_result(flow, final)
    current = attempt.current_slot
    if attempt.state == INPROGRESS and slots:
        current = _first_open(attempt)
    return AttemptView(
        id=attempt.id,
        uuid=attempt.uuid,
        student_id=attempt.student_id,
        kind=attempt.kind,
        title=_title(attempt),
        behaviour=behaviour,
        seed=attempt.seed,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        slots=tuple(_slot_view(attempt, x, mk, hidden) for x, mk in zip(slots, marks, strict=True)),
        current_slot=current,
        marks=attempt.marks,
        max_marks=attempt.max_marks,
        time_limit_s=attempt.time_limit_s,
        deadline=_deadline(attempt),
        quiz_id=attempt.quiz_id,
        cbm=cbm,
        answers_hidden=hidden,
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
                quiz_id=a.quiz_id,
                time_limit_s=a.time_limit_s,
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
