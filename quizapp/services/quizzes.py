"""Named quizzes a teacher builds (the exam builder) and students take from Home.

A named quiz picks questions from some lessons of one pack (all of them when none is
chosen): ``question_count`` of their current revisions, drawn at random and shuffled
(question order and choice order) when ``shuffle`` is on, else the first ones in course
order with choices in the author's order. It runs under one question behaviour, with an
optional time limit (seconds), a number of attempts allowed per student (``None``:
unlimited) and a review policy: when students may see the right answers
(``after_attempt``, ``after_close`` once the teacher closes it, or ``never``).
A closed quiz cannot be started; its attempts stay reviewable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.errors import NotFoundError, QuizAppError, ValidationError
from quizapp.domain.model import Behaviour
from quizapp.domain.shuffle import new_seed, shuffled, sub_seed
from quizapp.services.attempts import (
    INPROGRESS,
    REVIEW_POLICIES,
    AttemptService,
    NoQuestionsError,
    current_questions,
)
from quizapp.services.dto import (
    AttemptView,
    CourseOutline,
    LessonOutline,
    QuizInfo,
    QuizOffer,
)
from quizapp.services.students import get_student
from quizapp.store import models as m
from quizapp.store.types import utc_now

MAX_NAME = 200


class NoAttemptsLeftError(QuizAppError):
    """The student has used every attempt the quiz allows."""


class QuizClosedError(QuizAppError):
    """The teacher has closed this quiz: it can no longer be taken."""


@dataclass(frozen=True)
class QuizSpec:
    """What the exam builder saves.

    ``lesson_keys`` lesson ids of the pack (empty: every lesson); ``question_count`` ≥ 1;
    ``time_limit_s`` seconds (``None`` or 0: untimed); ``attempts_allowed`` ≥ 1 or
    ``None`` (unlimited); ``review_policy`` one of :data:`REVIEW_POLICIES`.
    """

    pack_id: int
    name: str
    question_count: int
    behaviour: Behaviour = Behaviour.DEFERRED_FEEDBACK
    lesson_keys: tuple[str, ...] = field(default_factory=tuple)
    time_limit_s: int | None = None
    shuffle: bool = True
    attempts_allowed: int | None = None
    review_policy: str = "after_attempt"


def _info(row: m.Quiz, attempts: int = 0) -> QuizInfo:
    return QuizInfo(
        id=row.id,
        uuid=row.uuid,
        pack_id=row.pack_id,
        name=row.name,
        behaviour=Behaviour(row.behaviour),
        lesson_keys=tuple(row.lesson_keys or ()),
        question_count=row.question_count,
        time_limit_s=row.time_limit_s,
        shuffle=row.shuffle,
        attempts_allowed=row.attempts_allowed,
        review_policy=row.review_policy,
        created_at=row.created_at,
        closed_at=row.closed_at,
        attempts=attempts,
    )


def _check(s: Session, spec: QuizSpec) -> QuizSpec:
    name = " ".join(spec.name.split())
    if not name:
        raise ValidationError("Give the quiz a name.")
    if len(name) > MAX_NAME:
        raise ValidationError(f"A quiz name has at most {MAX_NAME} characters.")
    if spec.question_count < 1:
        raise ValidationError("A quiz needs at least one question.")
    if spec.time_limit_s is not None and spec.time_limit_s < 0:
        raise ValidationError("A time limit cannot be negative.")
    if spec.attempts_allowed is not None and spec.attempts_allowed < 1:
        raise ValidationError("Allow at least one attempt (or leave it unlimited).")
    if spec.review_policy not in REVIEW_POLICIES:
        raise ValidationError(f"Unknown review policy {spec.review_policy!r}.")
    try:
        behaviour = Behaviour(spec.behaviour)
    except ValueError as exc:
        raise ValidationError(f"Unknown behaviour {spec.behaviour!r}.") from exc
    pack = s.get(m.Pack, spec.pack_id)
    if pack is None or pack.deleted_at is not None:
        raise NotFoundError(f"There is no course with id {spec.pack_id}.")
    keys = set(
        s.scalars(
            select(m.Lesson.key).where(m.Lesson.pack_id == pack.id, m.Lesson.retired.is_(False))
        )
    )
    unknown = [k for k in spec.lesson_keys if k not in keys]
    if unknown:
        raise ValidationError(f"The course has no lesson {unknown[0]!r}.")
    if not current_questions(s, pack.id, spec.lesson_keys):
        raise NoQuestionsError("The lessons chosen have no questions.")
    return QuizSpec(
        pack_id=pack.id,
        name=name,
        question_count=spec.question_count,
        behaviour=behaviour,
        lesson_keys=tuple(dict.fromkeys(spec.lesson_keys)),
        time_limit_s=spec.time_limit_s or None,
        shuffle=spec.shuffle,
        attempts_allowed=spec.attempts_allowed,
        review_policy=spec.review_policy,
    )


def _apply(row: m.Quiz, spec: QuizSpec) -> None:
    row.pack_id = spec.pack_id
    row.name = spec.name
    row.kind = "exam"
    row.behaviour = spec.behaviour.value
    row.lesson_keys = list(spec.lesson_keys)
    row.question_count = spec.question_count
    row.time_limit_s = spec.time_limit_s
    row.shuffle = spec.shuffle
    row.attempts_allowed = spec.attempts_allowed
    row.review_policy = spec.review_policy


def quiz_offers(s: Session, student_id: int) -> list[QuizOffer]:
    """The open named quizzes (of enabled packs) as a student sees them on Home, by name:
    attempts used and left, and the attempt in progress to continue (inside a session)."""
    rows = list(
        s.scalars(
            select(m.Quiz)
            .join(m.Pack, m.Quiz.pack_id == m.Pack.id)
            .where(m.Quiz.closed_at.is_(None), m.Pack.enabled, m.Pack.deleted_at.is_(None))
            .order_by(m.Quiz.name, m.Quiz.id)
        )
    )
    used: dict[int, int] = {}
    open_attempt: dict[int, int] = {}
    for quiz_id, attempt_id, state in s.execute(
        select(m.Attempt.quiz_id, m.Attempt.id, m.Attempt.state)
        .where(m.Attempt.student_id == student_id, m.Attempt.quiz_id.is_not(None))
        .order_by(m.Attempt.id)
    ):
        assert quiz_id is not None
        used[quiz_id] = used.get(quiz_id, 0) + 1
        if state == INPROGRESS:
            open_attempt[quiz_id] = attempt_id
    out = []
    for row in rows:
        n = used.get(row.id, 0)
        left = None if row.attempts_allowed is None else max(0, row.attempts_allowed - n)
        out.append(
            QuizOffer(
                id=row.id,
                name=row.name,
                pack_id=row.pack_id,
                behaviour=Behaviour(row.behaviour),
                question_count=row.question_count,
                time_limit_s=row.time_limit_s,
                attempts_allowed=row.attempts_allowed,
                attempts_used=n,
                attempts_left=left,
                unfinished_attempt_id=open_attempt.get(row.id),
            )
        )
    return out


class QuizService:
    """Create, edit, list and close named quizzes; start one for a student.
    ``attempts`` builds the attempts; ``clock`` gives aware UTC now."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        attempts: AttemptService,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._attempts = attempts
        self._clock = clock

    def create(self, spec: QuizSpec) -> QuizInfo:
        """Save a new named quiz (name spaces collapsed). Raises :class:`ValidationError`
        (empty name, count below 1, bad limit, attempts or policy, unknown lesson),
        :class:`NotFoundError` (pack) and :class:`NoQuestionsError` (lessons without
        questions)."""
        with self._sessions.begin() as s:
            checked = _check(s, spec)
            row = m.Quiz(created_at=self._clock())
            _apply(row, checked)
            s.add(row)
            s.flush()
            return _info(row)

    def update(self, quiz_id: int, spec: QuizSpec) -> QuizInfo:
        """Change a quiz; attempts already started keep their questions and time limit.
        Errors as :meth:`create`, and :class:`NotFoundError` for an unknown quiz."""
        with self._sessions.begin() as s:
            row = _get(s, quiz_id)
            _apply(row, _check(s, spec))
            s.flush()
            return _info(row, _attempt_count(s, row.id))

    def get(self, quiz_id: int) -> QuizInfo:
        """One quiz. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            row = _get(s, quiz_id)
            return _info(row, _attempt_count(s, row.id))

    def list_quizzes(self, include_closed: bool = True) -> list[QuizInfo]:
        """Every named quiz, open ones first, then by name, with its number of attempts."""
        with self._sessions.begin() as s:
            query = select(m.Quiz).order_by(m.Quiz.closed_at.is_not(None), m.Quiz.name, m.Quiz.id)
            if not include_closed:
                query = query.where(m.Quiz.closed_at.is_(None))
            rows = list(s.scalars(query))
            counts: dict[int | None, int] = {
                quiz_id: count
                for quiz_id, count in s.execute(
                    select(m.Attempt.quiz_id, func.count(m.Attempt.id))
                    .where(m.Attempt.quiz_id.is_not(None))
                    .group_by(m.Attempt.quiz_id)
                )
            }
            return [_info(r, counts.get(r.id, 0)) for r in rows]

    def close(self, quiz_id: int) -> QuizInfo:
        """Close a quiz: students can no longer start it, and under the ``after_close``
        review policy they may now see the right answers. Idempotent."""
        with self._sessions.begin() as s:
            row = _get(s, quiz_id)
            if row.closed_at is None:
                row.closed_at = self._clock()
            return _info(row, _attempt_count(s, row.id))

    def reopen(self, quiz_id: int) -> QuizInfo:
        """Open a closed quiz again."""
        with self._sessions.begin() as s:
            row = _get(s, quiz_id)
            row.closed_at = None
            return _info(row, _attempt_count(s, row.id))

    def courses(self) -> list[CourseOutline]:
        """The packs a quiz can be built on (not deleted; enabled first, then by title),
        each with its lessons in order and their current question counts."""
        with self._sessions.begin() as s:
            packs = list(
                s.scalars(
                    select(m.Pack)
                    .where(m.Pack.deleted_at.is_(None))
                    .order_by(m.Pack.enabled.desc(), m.Pack.is_builtin.desc(), m.Pack.title)
                )
            )
            counts: dict[int, int] = {
                lesson_id: n
                for lesson_id, n in s.execute(
                    select(m.Question.lesson_id, func.count(m.Question.id))
                    .where(m.Question.is_current)
                    .group_by(m.Question.lesson_id)
                )
            }
            out = []
            for pack in packs:
                lessons = s.scalars(
                    select(m.Lesson)
                    .where(m.Lesson.pack_id == pack.id, m.Lesson.retired.is_(False))
                    .order_by(m.Lesson.position)
                )
                out.append(
                    CourseOutline(
                        pack_id=pack.id,
                        title=pack.title,
                        enabled=pack.enabled,
                        lessons=tuple(
                            LessonOutline(les.key, les.title, counts.get(les.id, 0))
                            for les in lessons
                        ),
                    )
                )
            return out

    def offers(self, student_id: int) -> list[QuizOffer]:
        """The open quizzes as ``student_id`` sees them on Home. :class:`NotFoundError`."""
        with self._sessions.begin() as s:
            get_student(s, student_id)
            return quiz_offers(s, student_id)

    def start_quiz(self, student_id: int, quiz_id: int) -> AttemptView:
        """Start (or continue) the quiz for a student: an attempt in progress is returned
        as it stands; otherwise a new attempt (kind ``"quiz"``) with the quiz's questions,
        behaviour and time limit. Raises :class:`QuizClosedError`,
        :class:`NoAttemptsLeftError`, :class:`NotFoundError` and
        :class:`NoQuestionsError`."""
        self._attempts.finish_expired(student_id)
        with self._sessions.begin() as s:
            get_student(s, student_id)
            row = _get(s, quiz_id)
            if row.closed_at is not None:
                raise QuizClosedError(f"The quiz {row.name!r} is closed.")
            attempts = list(
                s.execute(
                    select(m.Attempt.id, m.Attempt.state).where(
                        m.Attempt.student_id == student_id, m.Attempt.quiz_id == row.id
                    )
                )
            )
            running = [a.id for a in attempts if a.state == INPROGRESS]
            if not running and (
                row.attempts_allowed is not None and len(attempts) >= row.attempts_allowed
            ):
                raise NoAttemptsLeftError(
                    f"You have used all {row.attempts_allowed} attempts at {row.name!r}."
                )
            questions = current_questions(s, row.pack_id, tuple(row.lesson_keys or ()))
            if row.shuffle:
                questions = shuffled(questions, sub_seed(new_seed(), "quiz-draw"))
            ids: Sequence[int] = [q.id for q in questions[: row.question_count]]
            pack_id, behaviour, limit, shuffle = (
                row.pack_id,
                Behaviour(row.behaviour),
                row.time_limit_s,
                row.shuffle,
            )
        if running:
            return self._attempts.get(running[-1])
        return self._attempts.start_questions(
            student_id,
            pack_id,
            ids,
            kind="quiz",
            behaviour=behaviour,
            time_limit_s=limit,
            quiz_id=quiz_id,
            shuffle=shuffle,
        )


def _get(s: Session, quiz_id: int) -> m.Quiz:
    row = s.get(m.Quiz, quiz_id)
    if row is None:
        raise NotFoundError(f"There is no quiz with id {quiz_id}.")
    return row


def _attempt_count(s: Session, quiz_id: int) -> int:
    return int(s.scalar(select(func.count(m.Attempt.id)).where(m.Attempt.quiz_id == quiz_id)) or 0)
