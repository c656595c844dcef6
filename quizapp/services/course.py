"""What a student sees of the course: Home (packs, lessons, progress), a lesson, reading."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from quizapp.domain.errors import NotFoundError
from quizapp.domain.model import Behaviour
from quizapp.domain.scoring import is_fully_correct, percent
from quizapp.services.attempts import FINISHED, unfinished_summaries
from quizapp.services.dto import HomeView, LessonProgress, LessonView, PackHome, PackSummary
from quizapp.services.quizzes import quiz_offers
from quizapp.services.reviews import due_questions
from quizapp.services.students import get_student, student_info
from quizapp.store import models as m
from quizapp.store.types import utc_now

if TYPE_CHECKING:
    from quizapp.services.attempts import AttemptService


def pack_summary(row: m.Pack) -> PackSummary:
    """The dataclass of one pack row."""
    return PackSummary(
        id=row.id,
        key=row.key,
        title=row.title,
        version=row.version,
        language=row.language,
        notice=row.notice,
        description=row.description,
    )


def _visible_packs(s: Session) -> list[m.Pack]:
    return list(
        s.scalars(
            select(m.Pack)
            .where(m.Pack.enabled, m.Pack.deleted_at.is_(None))
            .order_by(m.Pack.is_builtin.desc(), m.Pack.title, m.Pack.id)
        )
    )


def _question_counts(s: Session, pack_ids: list[int]) -> dict[int, int]:
    """Current questions per lesson id."""
    return _pairs(
        s.execute(
            select(m.Question.lesson_id, func.count(m.Question.id))
            .where(m.Question.pack_id.in_(pack_ids), m.Question.is_current)
            .group_by(m.Question.lesson_id)
        )
    )


def _mastered(s: Session, student_id: int, pack_ids: list[int]) -> dict[int, int]:
    """Per lesson id: current questions whose latest graded response was fully right.

    A response counts once its feedback may be shown: any response of a finished
    attempt, and the tries of an attempt in progress under immediate feedback or
    interactive (a deferred answer still open is not graded yet). Responses to older
    revisions count for the question identity (pack + key). The current revision is
    joined to the student's responses in SQL, so the cost follows the responses, not
    the size of the packs (a 10,000-question pack is not read for a new student).
    """
    asked = aliased(m.Question)
    current = aliased(m.Question)
    latest: dict[tuple[int, str], tuple[int, float]] = {}
    shown = (Behaviour.IMMEDIATE_FEEDBACK.value, Behaviour.INTERACTIVE.value)
    for pack_id, key, lesson_id, fraction in s.execute(
        select(asked.pack_id, asked.key, current.lesson_id, m.Response.fraction)
        .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
        .join(m.Attempt, m.Response.attempt_id == m.Attempt.id)
        .join(asked, m.AttemptSlot.question_id == asked.id)
        .join(
            current,
            (current.pack_id == asked.pack_id) & (current.key == asked.key) & current.is_current,
        )
        .where(
            m.Attempt.student_id == student_id,
            asked.pack_id.in_(pack_ids),
            (m.Attempt.state == FINISHED) | m.Attempt.behaviour.in_(shown),
        )
        .order_by(m.Response.answered_at, m.Response.id)
    ):
        latest[(pack_id, key)] = (lesson_id, fraction)
    out: dict[int, int] = defaultdict(int)
    for lesson_id, fraction in latest.values():
        if is_fully_correct(fraction):
            out[lesson_id] += 1
    return out


class CourseService:
    """Home and lessons for a student. ``clock`` gives the current aware UTC time;
    ``attempts`` (when given) submits timed attempts found past their deadline before
    Home lists them; ``review_tz`` is the zone whose calendar days decide which reviews
    are due (``None``: local time)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime] = utc_now,
        attempts: AttemptService | None = None,
        review_tz: tzinfo | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._attempts = attempts
        self._review_tz = review_tz

    def home(self, student_id: int) -> HomeView:
        """Everything Home shows: the enabled packs (built-in first, then by title), each
        with its lessons in order (read or not, number of finished attempts, best percent
        of the finished attempts, ``None`` before any) and whether the student has seen
        its notice (``True`` when it has none), and its mastery (current questions
        whose latest graded response was right); then the unfinished attempts, newest
        first (timed ones past their deadline are submitted first, with the answers
        given); the number of questions due for review today; the open named quizzes.
        :class:`NotFoundError` for an unknown student."""
        if self._attempts is not None:
            self._attempts.finish_expired(student_id)
        with self._sessions.begin() as s:
            student = get_student(s, student_id)
            packs = _visible_packs(s)
            pack_ids = [p.id for p in packs]
            # Columns, not ORM rows: a teacher's pack may have thousands of lessons.
            lessons_by_pack: dict[int, list[tuple[int, str, str, bool]]] = defaultdict(list)
            for les_id, pack_id, key, title, body in s.execute(
                select(m.Lesson.id, m.Lesson.pack_id, m.Lesson.key, m.Lesson.title, m.Lesson.body)
                .where(m.Lesson.pack_id.in_(pack_ids), m.Lesson.retired.is_(False))
                .order_by(m.Lesson.position)
            ):
                lessons_by_pack[pack_id].append((les_id, key, title, bool(body.strip())))
            counts = _question_counts(s, pack_ids)
            read = set(
                s.scalars(
                    select(m.LessonRead.lesson_id).where(m.LessonRead.student_id == student_id)
                )
            )
            acked = set(
                s.scalars(select(m.NoticeAck.pack_id).where(m.NoticeAck.student_id == student_id))
            )
            tries: dict[int, int] = defaultdict(int)
            best: dict[int, int] = {}
            for lesson_id, marks, max_marks in s.execute(
                select(m.Attempt.lesson_id, m.Attempt.marks, m.Attempt.max_marks).where(
                    m.Attempt.student_id == student_id,
                    m.Attempt.kind == "lesson",
                    m.Attempt.state == FINISHED,
                    m.Attempt.lesson_id.is_not(None),
                )
            ):
                assert lesson_id is not None
                tries[lesson_id] += 1
                best[lesson_id] = max(best.get(lesson_id, 0), percent(marks, max_marks))
            mastered = _mastered(s, student_id, pack_ids) if pack_ids else {}
            answered_lessons = _answered_lessons(s, student_id, pack_ids) if pack_ids else set()
            pack_homes = tuple(
                PackHome(
                    pack=pack_summary(p),
                    lessons=tuple(
                        LessonProgress(
                            id=lesson_id,
                            key=key,
                            title=title,
                            position=index + 1,
                            question_count=counts.get(lesson_id, 0),
                            read=lesson_id in read,
                            attempts=tries.get(lesson_id, 0),
                            best_percent=best.get(lesson_id),
                            mastered=mastered.get(lesson_id, 0),
                            mastery_percent=percent(
                                mastered.get(lesson_id, 0), counts.get(lesson_id, 0)
                            )
                            if lesson_id in answered_lessons and counts.get(lesson_id, 0)
                            else None,
                            has_text=has_text,
                        )
                        for index, (lesson_id, key, title, has_text) in enumerate(
                            lessons_by_pack[p.id]
                        )
                    ),
                    notice_seen=p.id in acked or not p.notice.strip(),
                )
                for p in packs
            )
            return HomeView(
                student=student_info(student),
                packs=pack_homes,
                unfinished=tuple(unfinished_summaries(s, student_id)),
                due_reviews=len(due_questions(s, student_id, self._clock(), self._review_tz)),
                quizzes=tuple(quiz_offers(s, student_id)),
            )

    def lesson(self, lesson_id: int) -> LessonView:
        """A lesson to read, with its 1-based place among its pack's lessons.
        :class:`NotFoundError` for an unknown or retired lesson."""
        with self._sessions.begin() as s:
            lesson = s.get(m.Lesson, lesson_id)
            if lesson is None or lesson.retired:
                raise NotFoundError(f"There is no lesson with id {lesson_id}.")
            siblings = list(
                s.scalars(
                    select(m.Lesson.id)
                    .where(m.Lesson.pack_id == lesson.pack_id, m.Lesson.retired.is_(False))
                    .order_by(m.Lesson.position)
                )
            )
            count = s.scalar(
                select(func.count(m.Question.id)).where(
                    m.Question.lesson_id == lesson.id, m.Question.is_current
                )
            )
            return LessonView(
                id=lesson.id,
                key=lesson.key,
                pack_id=lesson.pack_id,
                pack_title=lesson.pack.title,
                title=lesson.title,
                body=lesson.body,
                position=siblings.index(lesson.id) + 1,
                lesson_count=len(siblings),
                question_count=count or 0,
            )

    def mark_lesson_read(self, student_id: int, lesson_id: int) -> None:
        """Record that the student opened the lesson (the first time only).
        :class:`NotFoundError` for an unknown student or lesson."""
        with self._sessions.begin() as s:
            get_student(s, student_id)
            if s.get(m.Lesson, lesson_id) is None:
                raise NotFoundError(f"There is no lesson with id {lesson_id}.")
            exists = s.scalar(
                select(m.LessonRead.id).where(
                    m.LessonRead.student_id == student_id, m.LessonRead.lesson_id == lesson_id
                )
            )
            if exists is None:
                s.add(
                    m.LessonRead(
                        student_id=student_id, lesson_id=lesson_id, first_read_at=self._clock()
                    )
                )

    def acknowledge_notice(self, student_id: int, pack_id: int) -> None:
        """Record that the student has seen the pack's notice (idempotent).
        :class:`NotFoundError` for an unknown student or pack."""
        with self._sessions.begin() as s:
            get_student(s, student_id)
            if s.get(m.Pack, pack_id) is None:
                raise NotFoundError(f"There is no course with id {pack_id}.")
            exists = s.scalar(
                select(m.NoticeAck.id).where(
                    m.NoticeAck.student_id == student_id, m.NoticeAck.pack_id == pack_id
                )
            )
            if exists is None:
                s.add(
                    m.NoticeAck(
                        student_id=student_id, pack_id=pack_id, acknowledged_at=self._clock()
                    )
                )


def _answered_lessons(s: Session, student_id: int, pack_ids: list[int]) -> set[int]:
    """Lesson ids (current lessons of the questions) the student has answered any
    question of, in any revision."""
    current = (
        select(m.Question.pack_id, m.Question.key, m.Question.lesson_id)
        .where(m.Question.pack_id.in_(pack_ids), m.Question.is_current)
        .subquery()
    )
    asked = m.Question.__table__.alias("asked")
    rows = s.execute(
        select(current.c.lesson_id)
        .distinct()
        .select_from(m.Response)
        .join(m.AttemptSlot, m.Response.slot_id == m.AttemptSlot.id)
        .join(m.Attempt, m.Response.attempt_id == m.Attempt.id)
        .join(asked, m.AttemptSlot.question_id == asked.c.id)
        .join(
            current,
            (current.c.pack_id == asked.c.pack_id) & (current.c.key == asked.c.key),
        )
        .where(m.Attempt.student_id == student_id)
    )
    return {lesson_id for (lesson_id,) in rows}


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """``{first column: second column}`` of two-column result rows."""
    return {row[0]: row[1] for row in rows}
