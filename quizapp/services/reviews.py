"""Spaced review of answered questions: cards, review logs, due counts, review sessions.

When a card is reviewed (quizapp's choice, see ``docs/learning-modes.md``): once per
question per attempt, when its mark becomes final. Under immediate feedback and
interactive that is the submit that finishes the question (so a practice left half way
still counts); under the deferred behaviours, and for a question still between tries,
it is when the attempt is submitted. A question never answered gets no card.

A card follows the question *identity* (pack key + question key), so a re-imported,
revised question keeps its schedule; a review session asks the latest revision. The
rating is :func:`quizapp.domain.spaced_review.rating_for` of "full marks" (after
interactive penalties: right only at a later try counts as wrong) and, under
certainty-based marking, the certainty stated. Card states and review logs are stored
with aware UTC times (:class:`quizapp.store.types.UTCDateTime`).

FSRS (``fsrs``, through :mod:`quizapp.domain.spaced_review`) is imported inside the
functions that schedule or test due dates, not at module level: the profile picker and
Home of a student with no cards never load it (start-up, performance issue 8).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Executable,
    Insert,
    Table,
    Update,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.model import Behaviour
from quizapp.services.students import get_student
from quizapp.store import models as m
from quizapp.store.types import utc_now

if TYPE_CHECKING:
    from quizapp.domain.spaced_review import CardState, ReviewScheduler
    from quizapp.services.attempts import AttemptService
    from quizapp.services.dto import AttemptView


def _state_of(card: Any) -> CardState:
    """The FSRS card state of a stored card (an ORM row or a row of its columns)."""
    return {
        "card_id": card.id,
        "state": card.state,
        "step": card.step,
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
    }


CARD_COLUMNS = ("id", "state", "step", "stability", "difficulty", "due", "last_review")
"""The card columns :func:`review_card` reads (a caller that joined them into its own
query passes them as ``card``, each labelled ``card_<name>``)."""

_READ_CARD: Any = object()
"""``card`` default of :func:`review_card`: read it."""


def card_columns() -> list[Any]:
    """The Card columns :func:`review_card` needs, labelled ``card_<name>``, for a query
    that outer-joins ``cards`` (then :func:`card_in_row` takes them out of its row)."""
    return [getattr(m.Card, name).label(f"card_{name}") for name in CARD_COLUMNS]


def card_in_row(row: Any) -> SimpleNamespace | None:
    """The card whose :func:`card_columns` are in ``row``; ``None`` when the outer join
    found none (``card_id`` NULL)."""
    if row.card_id is None:
        return None
    return SimpleNamespace(**{name: getattr(row, f"card_{name}") for name in CARD_COLUMNS})


@cache
def _card_stmt() -> Executable:
    """The card of student :student_id for question identity (:pack_key, :question_key)."""
    c = m.Card.__table__.c
    return select(*(c[name] for name in CARD_COLUMNS)).where(
        c.student_id == bindparam("student_id"),
        c.pack_key == bindparam("pack_key"),
        c.question_key == bindparam("question_key"),
    )


def _table(model: type[m.Base]) -> Table:
    """The Core table of a mapped class."""
    return cast(Table, model.__table__)


@cache
def _card_insert_stmt() -> Insert:
    return insert(_table(m.Card))


@cache
def _card_update_stmt() -> Update:
    c = _table(m.Card).c
    return (
        update(_table(m.Card))
        .where(c.id == bindparam("card_id"))
        .values({name: bindparam(f"new_{name}") for name in _SCHEDULE_COLUMNS})
    )


@cache
def _log_insert_stmt() -> Insert:
    return insert(_table(m.ReviewLog))


_SCHEDULE_COLUMNS = CARD_COLUMNS[1:]
"""The columns a review rewrites: the card's FSRS state (all but its id)."""


def review_card(
    s: Session | Connection,
    scheduler: ReviewScheduler,
    student_id: int,
    pack_key: str,
    question_key: str,
    *,
    correct: bool,
    certainty: int | None,
    now: datetime,
    response_id: int | None = None,
    card: Any = _READ_CARD,
) -> int:
    """Review the student's card for question identity (``pack_key``, ``question_key``)
    inside the open session ``s`` (or its connection): create it on the first answer,
    reschedule it with FSRS (``correct`` = full marks; ``certainty`` 1–3 under CBM,
    else ``None``) at ``now`` (aware), and log the review (``response_id`` the response
    it came from). Returns the card's id. Three SQL statements (select, insert or
    update, insert log), no ORM objects: it runs inside every answer's transaction.
    ``card``: the card as the caller already read it in this transaction
    (:func:`card_in_row`; ``None``: the student has none yet), saving the select."""
    from quizapp.domain.spaced_review import rating_for

    key = {"student_id": student_id, "pack_key": pack_key, "question_key": question_key}
    if card is _READ_CARD:
        card = s.execute(_card_stmt(), key).one_or_none()
    rating = rating_for(correct, certainty)
    result = scheduler.review(None if card is None else _state_of(card), rating, now)
    state = result.card_state
    values = {
        "state": int(state["state"]),
        "step": state["step"],
        "stability": state["stability"],
        "difficulty": state["difficulty"],
        "due": result.due,
        "last_review": (
            datetime.fromisoformat(state["last_review"]) if state["last_review"] else None
        ),
    }
    if card is None:
        inserted: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            _card_insert_stmt(), {**key, **values, "created_at": now}
        )
        key_row = inserted.inserted_primary_key
        assert key_row is not None
        card_id = int(key_row[0])
    else:
        card_id = int(card.id)
        new = {f"new_{name}": value for name, value in values.items()}
        s.execute(_card_update_stmt(), {**new, "card_id": card_id})
    s.execute(
        _log_insert_stmt(),
        {
            "card_id": card_id,
            "response_id": response_id,
            "rating": int(rating),
            "reviewed_at": now,
            "review_duration_ms": None,
        },
    )
    return card_id


def due_questions(
    s: Session, student_id: int, now: datetime, tz: tzinfo | None = None
) -> list[m.Question]:
    """The latest revision of every question due for review on ``now``'s day (calendar
    days in ``tz``, default local time: :func:`quizapp.domain.spaced_review.is_due`),
    earliest due first; questions no longer in an enabled pack, or in a retired lesson,
    are left out."""
    rows = s.execute(
        select(m.Question, m.Card.due)
        .join(m.Pack, m.Question.pack_id == m.Pack.id)
        .join(m.Lesson, m.Question.lesson_id == m.Lesson.id)
        .join(
            m.Card,
            (m.Card.pack_key == m.Pack.key) & (m.Card.question_key == m.Question.key),
        )
        .where(
            m.Card.student_id == student_id,
            m.Question.is_current,
            m.Pack.enabled,
            m.Pack.deleted_at.is_(None),
            m.Lesson.retired.is_(False),
        )
        .order_by(m.Card.due, m.Question.id)
    ).all()
    if not rows:
        return []  # no cards: FSRS need not be loaded at all
    from quizapp.domain.spaced_review import is_due

    return [question for question, due in rows if is_due(due, now, tz)]


class ReviewService:
    """Spaced review for a student. ``attempts`` starts the review sessions; ``clock``
    gives aware UTC now; ``tz`` the zone whose calendar days decide what is due
    (``None``: this computer's local zone)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        attempts: AttemptService,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        self._sessions = sessions
        self._attempts = attempts
        self._clock = clock
        self._tz = tz

    def due_count(self, student_id: int, now: datetime | None = None) -> int:
        """How many questions are due for review on ``now``'s day (default: the clock).
        :class:`NotFoundError` for an unknown student."""
        moment = now if now is not None else self._clock()
        with self._sessions.begin() as s:
            get_student(s, student_id)
            return len(due_questions(s, student_id, moment, self._tz))

    def start_review(self, student_id: int) -> AttemptView:
        """A review session (attempt of kind ``"review"``, immediate feedback) over exactly
        the questions due today, latest revisions, shuffled. Its ``pack_id`` is the pack
        most of them come from. Raises :class:`NotFoundError` (student) and
        :class:`~quizapp.services.attempts.NoQuestionsError` when nothing is due."""
        from quizapp.services.attempts import NoQuestionsError

        with self._sessions.begin() as s:
            get_student(s, student_id)
            due = due_questions(s, student_id, self._clock(), self._tz)
            if not due:
                raise NoQuestionsError("Nothing is due for review today. Well done!")
            pack_id = Counter(q.pack_id for q in due).most_common(1)[0][0]
            ids = [q.id for q in due]
        return self._attempts.start_questions(
            student_id, pack_id, ids, kind="review", behaviour=Behaviour.IMMEDIATE_FEEDBACK
        )
