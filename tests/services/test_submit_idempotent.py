"""Retry-safe answers (issue 9): a try sent again with the same response UUID is stored
once and gets the same feedback, also through the app's server retries."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from quizapp.domain.model import Behaviour
from quizapp.services.attempts import AttemptService
from quizapp.services.container import Services
from quizapp.store import models as m
from quizapp.store.database import Database
from quizapp.store.server import ServerUnavailableError


def _responses(database: Database, attempt_id: int) -> int:
    with database.sessions.begin() as s:
        return int(
            s.scalar(select(func.count(m.Response.id)).where(m.Response.attempt_id == attempt_id))
            or 0
        )


def _first_lesson(services: Services) -> tuple[int, int]:
    student = services.students.create_student("Ana").id
    lesson = services.course.home(student).packs[0].lessons[0].id
    return student, lesson


def test_the_same_response_uuid_twice_stores_one_response_and_the_same_feedback(
    database: Database, services: Services, installed: int
) -> None:
    student, lesson = _first_lesson(services)
    view = services.attempts.start_lesson_quiz(student, lesson)
    slot = view.slots[0]
    wrong = next(c.index for c in slot.choices if c.index != 0)
    key = uuid.uuid4()

    first = services.attempts.submit(view.id, slot.slot, [wrong], response_uuid=key)
    again = services.attempts.submit(view.id, slot.slot, [wrong], response_uuid=key)

    assert again == first
    assert not first.correct
    assert _responses(database, view.id) == 1
    with database.sessions.begin() as s:
        assert s.scalar(select(m.Response.uuid).where(m.Response.attempt_id == view.id)) == key
    now = services.attempts.get(view.id)
    assert now.current_slot == 1
    assert now.slots[0].feedback == first


def test_a_response_uuid_of_another_attempt_is_refused(
    services: Services, installed: int
) -> None:
    from quizapp.domain.errors import ValidationError

    student, lesson = _first_lesson(services)
    one = services.attempts.start_lesson_quiz(student, lesson)
    two = services.attempts.start_lesson_quiz(student, lesson)
    key = uuid.uuid4()
    services.attempts.submit(one.id, 0, [0], response_uuid=key)
    with pytest.raises(ValidationError):
        services.attempts.submit(two.id, 0, [0], response_uuid=key)


def test_save_answer_with_the_same_uuid_stores_once(
    database: Database, services: Services, installed: int
) -> None:
    student = services.students.create_student("Ana").id
    view = services.attempts.start_exam(
        student, installed, 4, behaviour=Behaviour.DEFERRED_FEEDBACK
    )
    key = uuid.uuid4()
    first = services.attempts.save_answer(view.id, 0, [1], response_uuid=key)
    again = services.attempts.save_answer(view.id, 0, [1], response_uuid=key)
    assert again == first
    assert first.selected == (1,)
    assert _responses(database, view.id) == 1


def _lost_after_commit(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> list[uuid.UUID | None]:
    """Make ``AttemptService.<method>`` commit, then (the first time only) lose the
    connection before the answer comes back, as a dropped link to a school server
    does. Returns the response UUIDs each call carried."""
    real: Callable[..., object] = getattr(AttemptService, method)
    seen: list[uuid.UUID | None] = []

    def flaky(self: AttemptService, *args: object, **kwargs: object) -> object:
        seen.append(kwargs.get("response_uuid"))  # type: ignore[arg-type]
        result = real(self, *args, **kwargs)
        if len(seen) == 1:
            raise ServerUnavailableError("The connection was lost.", connecting=False)
        return result

    monkeypatch.setattr(AttemptService, method, flaky)
    return seen


def test_the_apps_retried_submit_after_a_lost_connection_stores_once(
    database: Database, services: Services, installed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizapp.app import with_server_retries

    student, lesson = _first_lesson(services)
    view = services.attempts.start_lesson_quiz(student, lesson)
    waits: list[float] = []
    with_server_retries(services, sleep=waits.append)
    seen = _lost_after_commit(monkeypatch, "submit")

    feedback = services.attempts.submit(view.id, 0, [0])  # author choice 0: always right

    assert feedback.fraction > 0
    assert feedback.selected == (0,)
    assert len(seen) == 2  # tried, lost, tried again
    assert seen[0] is not None
    assert seen[0] == seen[1]  # one UUID for both tries
    assert len(waits) == 1
    assert _responses(database, view.id) == 1
    assert services.attempts.get(view.id).slots[0].feedback == feedback


def test_the_apps_retried_save_answer_after_a_lost_connection_stores_once(
    database: Database, services: Services, installed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizapp.app import with_server_retries

    student = services.students.create_student("Ana").id
    view = services.attempts.start_exam(
        student, installed, 4, behaviour=Behaviour.DEFERRED_FEEDBACK
    )
    with_server_retries(services, sleep=lambda _: None)
    seen = _lost_after_commit(monkeypatch, "save_answer")

    slot = services.attempts.save_answer(view.id, 0, [1])

    assert slot.selected == (1,)
    assert seen[0] is not None
    assert seen == [seen[0], seen[0]]
    assert _responses(database, view.id) == 1
