"""Helpers for the results tests (imported explicitly with :func:`load`; not a conftest
pytest collects). They build data through the real services: students, the small test
pack of ``tests/services/conftest.py`` and attempts taken with ``AttemptService``.

In the test pack the right answer of every question is author choice 0 (choices 0 and 1
for the multiple-answer ones); see that conftest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from quizapp.domain.model import Choice, Pack, QuestionType
from quizapp.services.container import Services
from quizapp.services.dto import AttemptSummary, SlotView


def right(slot: SlotView) -> list[int]:
    """Author-order indices that earn full marks on a test-pack question."""
    return [0, 1] if slot.type is QuestionType.MULTIPLE else [0]


def wrong(slot: SlotView) -> list[int]:
    """Author-order indices that earn nothing on a test-pack question."""
    return [2] if slot.type is QuestionType.MULTIPLE else [1]


def lesson_ids(services: Services, student_id: int) -> list[int]:
    """The lesson ids of the first pack on the student's Home, in order."""
    return [lesson.id for lesson in services.course.home(student_id).packs[0].lessons]


def take_lesson_quiz(
    services: Services,
    advance: Callable[[float], None],
    student_id: int,
    lesson_id: int,
    right_keys: Iterable[str] | Callable[[SlotView], list[int]],
    *,
    seconds_per_answer: float = 30.0,
    finish: bool = True,
) -> AttemptSummary | int:
    """Take a lesson quiz: questions whose key is in ``right_keys`` answered right, the
    others wrong (or ``right_keys`` a function giving the answer of each slot); the clock
    moves ``seconds_per_answer`` before each answer. Returns the finished summary, or the
    attempt id when ``finish`` is false."""
    view = services.attempts.start_lesson_quiz(student_id, lesson_id)
    if callable(right_keys):
        answer = right_keys
    else:
        keys = set(right_keys)

        def answer(slot: SlotView) -> list[int]:
            return right(slot) if slot.question_key in keys else wrong(slot)

    for slot in view.slots:
        advance(seconds_per_answer)
        services.attempts.submit(view.id, slot.slot, answer(slot))
    if not finish:
        return view.id
    return services.attempts.finish(view.id)


def corrected_key(pack: Pack) -> Pack:
    """``pack`` with l1q0's key corrected (version "2"): its second choice is the right
    one, not the first (a regrade's usual cause)."""
    questions = []
    for q in pack.questions:
        if q.id == "l1q0":
            choices = tuple(
                Choice(text=c.text, fraction=1.0 if i == 1 else 0.0, feedback=c.feedback)
                for i, c in enumerate(q.choices)
            )
            q = replace(q, choices=choices)
        questions.append(q)
    return replace(pack, questions=tuple(questions), version="2")
