"""Spaced review of answered questions: an adapter over the ``fsrs`` package (FSRS, 6.x).

This is the only module that imports ``fsrs``. Everything it hands out is plain data:
a card state is a JSON-serialisable ``dict`` (``fsrs.Card.to_dict()``: ``card_id``,
``state`` 1 learning / 2 review / 3 relearning, ``step``, ``stability`` in days,
``difficulty`` 1–10, ``due`` and ``last_review`` as ISO 8601 UTC strings) the store
keeps as it is; a review log is ``fsrs.ReviewLog.to_dict()`` (``card_id``, ``rating``
1–4, ``review_datetime``, ``review_duration``).

Scheduling is in days (issue 5): the scheduler has no learning and no relearning steps,
so no card comes back after minutes. A new card answered wrong is due the next day
(FSRS's first-day interval is at least one day); a wrong answer on a card with a
longer memory is also brought back to the next day (FSRS alone might wait longer after
a lapse; quizapp's promise is "what you got wrong comes back tomorrow"); right answers
are spaced out as FSRS computes. Fuzzing (a small random spread of review intervals,
so cards learnt together do not stay together) is on by default and off in tests.

All datetimes are timezone-aware; naive ones are refused with ``ValueError``; results
are in UTC. Source: py-fsrs ``Scheduler`` (``learning_steps``, ``relearning_steps``,
``enable_fuzzing``, ``review_card``), ``Card.to_dict``/``from_dict``, ``Rating``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

import fsrs

from quizapp.domain.behaviours import Certainty

CardState = dict[str, Any]
"""A card as the store keeps it: the JSON-serialisable ``fsrs.Card.to_dict()``."""

ReviewLogRecord = dict[str, Any]
"""A review log as the store keeps it: ``fsrs.ReviewLog.to_dict()``."""

WRONG_COMES_BACK_AFTER = timedelta(days=1)
"""A wrong answer is due again at most this long after it was given."""

Rating = fsrs.Rating
"""FSRS ratings: ``Again`` 1, ``Hard`` 2, ``Good`` 3, ``Easy`` 4 (re-exported so callers
need not import ``fsrs``)."""


def _utc(moment: datetime, name: str = "now") -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got a naive one")
    return moment.astimezone(UTC)


def rating_for(correct: bool, certainty: int | None = None) -> fsrs.Rating:
    """The FSRS rating of an answer.

    Wrong (whatever the certainty) → ``Again``: the question comes back the next day.
    Right at low certainty (1, a lucky guess is likely) → ``Hard``; right with medium
    certainty (2) or none stated → ``Good``; right at high certainty (3) → ``Easy``.
    ``correct`` means full marks (a partly right answer is not correct). Raises
    ``ValueError`` for a certainty other than ``None``, 1, 2 or 3.
    """
    if certainty is not None and certainty not in tuple(Certainty):
        raise ValueError(f"certainty must be 1, 2 or 3, not {certainty!r}")
    if not correct:
        return fsrs.Rating.Again
    if certainty == Certainty.LOW:
        return fsrs.Rating.Hard
    if certainty == Certainty.HIGH:
        return fsrs.Rating.Easy
    return fsrs.Rating.Good


class ReviewResult(NamedTuple):
    """One review's result, a tuple ``(card_state, due, log)``: the card's new state
    (store it), when it is due next (aware, UTC) and the review log (store it too)."""

    card_state: CardState
    due: datetime
    log: ReviewLogRecord


class ReviewScheduler:
    """Schedules reviews in days with FSRS's default parameters and 90% desired retention."""

    def __init__(self, enable_fuzzing: bool = True) -> None:
        self._scheduler = fsrs.Scheduler(
            learning_steps=(),
            relearning_steps=(),
            enable_fuzzing=enable_fuzzing,
        )

    @property
    def enable_fuzzing(self) -> bool:
        """Whether intervals get FSRS's small random spread."""
        return bool(self._scheduler.enable_fuzzing)

    def new_card(self, now: datetime, card_id: int | None = None) -> CardState:
        """A card never reviewed, due at ``now`` (aware; stored in UTC).

        ``card_id`` defaults to a random positive 52-bit integer (JSON- and
        BIGINT-safe); the store identifies cards by its own keys anyway.
        """
        moment = _utc(now)
        if card_id is None:
            card_id = secrets.randbits(52) or 1
        card = fsrs.Card(card_id=card_id, due=moment)
        return dict(card.to_dict())

    def review(
        self, card_state: CardState | None, rating: fsrs.Rating, now: datetime
    ) -> ReviewResult:
        """Review a card (``None``: a new one) with ``rating`` at ``now``.

        Returns ``(new card state, due, log)`` as a :class:`ReviewResult`; ``due`` is
        UTC. Raises ``ValueError`` for a naive ``now`` or a state that is not a card.
        """
        moment = _utc(now)
        if card_state is None:
            card = fsrs.Card(card_id=secrets.randbits(52) or 1, due=moment)
        else:
            card = _card_from_state(card_state)
        card, log = self._scheduler.review_card(card, fsrs.Rating(rating), moment)
        if rating == fsrs.Rating.Again:
            card.due = min(card.due, moment + WRONG_COMES_BACK_AFTER)
        return ReviewResult(dict(card.to_dict()), card.due.astimezone(UTC), dict(log.to_dict()))

    def retrievability(self, card_state: CardState, now: datetime) -> float:
        """FSRS's estimated probability (0–1) that the student recalls the card at ``now``."""
        card = _card_from_state(card_state)
        return float(self._scheduler.get_card_retrievability(card, _utc(now)))


def _card_from_state(card_state: CardState) -> fsrs.Card:
    try:
        card = fsrs.Card.from_dict(card_state)  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"not a card state: {err}") from err
    card.due = _utc(card.due, "due")
    if card.last_review is not None:
        card.last_review = _utc(card.last_review, "last_review")
    return card


def due_of(card_state: CardState) -> datetime:
    """When a stored card is due (aware, UTC). Raises ``ValueError`` for a bad state."""
    return _card_from_state(card_state).due


def is_due(due: datetime, now: datetime, tz: tzinfo | None = None) -> bool:
    """True when a card due at ``due`` should be reviewed on ``now``'s day.

    Days are calendar days in ``tz`` (default: this computer's local time zone), so an
    answer got wrong at 15:00 is due from the next morning, not from 15:00 the next day.
    Both datetimes must be aware (``ValueError`` otherwise).
    """
    due_utc = _utc(due, "due")
    now_utc = _utc(now)
    if tz is None:
        return due_utc.astimezone().date() <= now_utc.astimezone().date()
    return due_utc.astimezone(tz).date() <= now_utc.astimezone(tz).date()
