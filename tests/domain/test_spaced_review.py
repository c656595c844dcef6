"""Spaced review through our FSRS adapter, with a fixed clock and fuzzing off."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from quizapp.domain.spaced_review import (
    Rating,
    ReviewScheduler,
    due_of,
    is_due,
    rating_for,
)

MONDAY_3PM = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


@pytest.fixture
def scheduler() -> ReviewScheduler:
    return ReviewScheduler(enable_fuzzing=False)


@pytest.mark.parametrize(
    ("correct", "certainty", "rating"),
    [
        (False, None, Rating.Again),
        (False, 1, Rating.Again),
        (False, 3, Rating.Again),  # a confident mistake is still a mistake
        (True, 1, Rating.Hard),  # right but unsure
        (True, None, Rating.Good),
        (True, 2, Rating.Good),
        (True, 3, Rating.Easy),
    ],
)
def test_rating_for(correct: bool, certainty: int | None, rating: Rating) -> None:
    assert rating_for(correct, certainty) == rating


def test_rating_for_refuses_unknown_certainty() -> None:
    with pytest.raises(ValueError, match="certainty"):
        rating_for(True, 5)


def test_wrong_answer_is_due_the_next_day(scheduler: ReviewScheduler) -> None:
    card, due, log = scheduler.review(None, rating_for(False, None), MONDAY_3PM)
    assert due == MONDAY_3PM + timedelta(days=1)
    assert due_of(card) == due
    assert log["rating"] == int(Rating.Again)


def test_right_answer_is_due_later_than_a_wrong_one(scheduler: ReviewScheduler) -> None:
    _, wrong_due, _ = scheduler.review(None, rating_for(False, None), MONDAY_3PM)
    _, right_due, _ = scheduler.review(None, rating_for(True, None), MONDAY_3PM)
    _, sure_due, _ = scheduler.review(None, rating_for(True, 3), MONDAY_3PM)
    assert right_due > wrong_due
    assert sure_due > right_due
    # Scheduling is in days: no minute-long learning steps.
    assert (right_due - MONDAY_3PM) % timedelta(days=1) == timedelta(0)


def test_repeated_right_answers_increase_the_interval(scheduler: ReviewScheduler) -> None:
    card = scheduler.new_card(MONDAY_3PM, card_id=1)
    now = MONDAY_3PM
    intervals = []
    for _ in range(5):
        card, due, _ = scheduler.review(card, Rating.Good, now)
        intervals.append(due - now)
        now = due  # the student reviews on the due day
    assert all(b > a for a, b in itertools.pairwise(intervals))
    assert intervals[0] >= timedelta(days=1)


def test_a_lapse_after_long_memory_still_comes_back_the_next_day(
    scheduler: ReviewScheduler,
) -> None:
    card, now = scheduler.new_card(MONDAY_3PM, card_id=1), MONDAY_3PM
    for _ in range(4):
        card, now, _ = scheduler.review(card, Rating.Good, now)
    card, due, _ = scheduler.review(card, Rating.Again, now)
    assert due == now + timedelta(days=1)


def test_card_state_is_json_and_round_trips(scheduler: ReviewScheduler) -> None:
    card, due, log = scheduler.review(None, Rating.Good, MONDAY_3PM)
    stored_card = json.loads(json.dumps(card))
    stored_log = json.loads(json.dumps(log))
    assert stored_card == card
    assert stored_log["review_datetime"] == MONDAY_3PM.isoformat()
    later = due + timedelta(hours=2)
    again_from_memory = scheduler.review(card, Rating.Good, later)
    again_from_store = scheduler.review(stored_card, Rating.Good, later)
    assert again_from_store == again_from_memory


def test_naive_datetimes_are_refused(scheduler: ReviewScheduler) -> None:
    naive = datetime(2025, 3, 3, 15, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.review(None, Rating.Good, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.new_card(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_due(MONDAY_3PM, naive)


def test_other_time_zones_are_converted_to_utc(scheduler: ReviewScheduler) -> None:
    paris = timezone(timedelta(hours=1))
    card, due, _ = scheduler.review(None, Rating.Again, MONDAY_3PM.astimezone(paris))
    assert due.tzinfo == UTC
    assert due == MONDAY_3PM + timedelta(days=1)
    assert card["due"].endswith("+00:00")


def test_a_corrupt_card_state_is_refused(scheduler: ReviewScheduler) -> None:
    with pytest.raises(ValueError, match="not a card state"):
        scheduler.review({"state": 2}, Rating.Good, MONDAY_3PM)


def test_due_counts_by_calendar_day() -> None:
    # Got wrong on Monday 15:00: due Tuesday 15:00, and shown all of Tuesday.
    due = MONDAY_3PM + timedelta(days=1)
    tuesday_9am = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    monday_8pm = datetime(2025, 3, 3, 20, 0, tzinfo=UTC)
    assert is_due(due, tuesday_9am, UTC)
    assert not is_due(due, monday_8pm, UTC)
    # Days are local: 10 h ahead of UTC the card is due on Wednesday 01:00 local time,
    # so at Tuesday 12:00 UTC (22:00 local) it is not due there yet.
    tuesday_noon = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
    assert is_due(due, tuesday_noon, UTC)
    assert not is_due(due, tuesday_noon, timezone(timedelta(hours=10)))


def test_fuzzing_is_on_by_default() -> None:
    assert ReviewScheduler().enable_fuzzing
    assert not ReviewScheduler(enable_fuzzing=False).enable_fuzzing
