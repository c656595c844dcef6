"""The final mark of a question in a stored attempt: one rule for everything that reads
marks back (exports, regrading, statistics).

A slot's mark is what :func:`quizapp.domain.behaviours.mark_tries` gives its stored
responses under the attempt's behaviour, exactly as :mod:`quizapp.services.attempts`
marks it while the student answers and on finish:

* immediate feedback and interactive: the submitted tries in order (each response row
  is one try); tries after the one that finished the question (fully right, or the last
  allowed) are discarded, as Moodle's regrade discards them. A question left between
  tries in a finished attempt is graded on its last try with the penalties of the tries
  used (``0.5 − 0.3333333``), not "latest fraction − its penalty";
* deferred feedback and deferred CBM: the last saved response (an empty one means the
  answer was cleared: 0); under CBM with the last certainty stated (low when none), so
  the mark is the CBM mark, −6 to 3 (Moodle's ``question_cbm::adjust_fraction``).

The *marking revision* of a slot is the revision the student was asked, or the revision
a teacher regraded it with (``responses.regraded_question_id``, see
:mod:`quizapp.services.regrade`); the stored answers (author positions of the revision
asked) are carried over to it by :func:`map_answer`.

A slot's marks are ``fraction × max_mark``; an attempt's are the sum over its slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quizapp.domain.behaviours import QuestionMark, mark_tries, tries_allowed
from quizapp.domain.model import Behaviour, Question
from quizapp.domain.scoring import is_fully_correct, mark_response
from quizapp.store import models as m
from quizapp.store.convert import question_from_row

FINISHED = "finished"
_DEFERRED = (Behaviour.DEFERRED_FEEDBACK, Behaviour.DEFERRED_CBM)

StoredTry = tuple[Sequence[int], int | None]
"""One stored response: (selected author-order choice indices, certainty 1–3 or ``None``)."""


class QuestionCache:
    """Domain questions of revision rows, built once per row id (an export reads the
    same revision for every student)."""

    def __init__(self) -> None:
        self._questions: dict[int, Question] = {}

    def get(self, row: m.Question) -> Question:
        """The domain :class:`Question` of revision ``row``."""
        question = self._questions.get(row.id)
        if question is None:
            question = question_from_row(row)
            self._questions[row.id] = question
        return question


@dataclass(frozen=True)
class SlotMark:
    """The mark of one slot: ``mark`` as the domain gives it (``mark.fraction`` 0–1, or
    −6 to 3 under CBM); ``marks`` = ``mark.fraction × max_mark``; ``marked_with`` the id
    of the revision that marked it (the one asked unless regraded)."""

    mark: QuestionMark
    max_mark: float
    marks: float
    marked_with: int


def question_mark(
    question: Question,
    behaviour: Behaviour,
    tries: Sequence[StoredTry],
    *,
    finished: bool,
) -> QuestionMark:
    """The mark of ``question`` under ``behaviour`` from its stored responses ``tries``
    (in the order given, i.e. by ``try_number``; selections are author-order indices of
    ``question``). ``finished``: the attempt was submitted (an interactive question
    still between tries is then graded on its last try). Raises ``ValueError`` for a
    selection ``question`` does not accept."""
    if behaviour in _DEFERRED:
        last = tuple(sorted(set(tries[-1][0]))) if tries else ()
        certainty = None
        if behaviour is Behaviour.DEFERRED_CBM:
            stated = [c for _, c in tries if c is not None]
            certainty = stated[-1] if stated else None
        return mark_tries(
            question, [last] if last else [], behaviour, certainty=certainty, finished=finished
        )
    allowed = tries_allowed(question, behaviour)
    selections: list[tuple[int, ...]] = []
    for selected, _ in tries:
        selection = tuple(sorted(set(selected)))
        if not selection:
            continue
        selections.append(selection)
        if is_fully_correct(mark_response(question, selection)) or len(selections) >= allowed:
            break  # later tries came after the question finished: discarded
    return mark_tries(question, selections, behaviour, finished=finished)


def map_answer(asked: m.Question, other: m.Question, selected: Sequence[int]) -> list[int] | None:
    """``selected`` (author positions in revision ``asked``) as positions in revision
    ``other``: the same positions when both have the same choice texts in the same
    order (a key correction), otherwise by choice text; ``None`` when a chosen choice
    is not in ``other``."""
    if asked.id == other.id:
        return list(selected)
    old_texts = [c.text for c in sorted(asked.choices, key=lambda c: c.position)]
    new_texts = [c.text for c in sorted(other.choices, key=lambda c: c.position)]
    if old_texts == new_texts:
        return list(selected)
    out = []
    for i in selected:
        if not 0 <= i < len(old_texts) or old_texts[i] not in new_texts:
            return None
        out.append(new_texts.index(old_texts[i]))
    return out


def marking_revision(slot: m.AttemptSlot) -> m.Question:
    """The revision that marks ``slot``: the latest one it was regraded with, else the
    one asked."""
    regraded = [r.regraded_question for r in slot.responses if r.regraded_question is not None]
    if not regraded:
        return slot.question
    return max(regraded, key=lambda q: q.revision)


def stored_tries(slot: m.AttemptSlot) -> list[tuple[list[int], int | None]]:
    """The slot's responses as (selection, certainty), by try number, in the
    positions of the revision asked."""
    ordered = sorted(slot.responses, key=lambda r: r.try_number)
    return [(list(r.selected or []), r.certainty) for r in ordered]


def slot_mark(
    attempt: m.Attempt,
    slot: m.AttemptSlot,
    cache: QuestionCache | None = None,
    *,
    revision: m.Question | None = None,
) -> SlotMark:
    """The final mark of ``slot`` of ``attempt`` (see the module docstring), marked by
    ``revision`` when given (a regrade's dry run), else by :func:`marking_revision`.
    Reads ``attempt.behaviour``/``state``, the slot's responses, question and choices
    (load them eagerly when marking many). Raises ``ValueError`` when an answer cannot
    be carried over to the marking revision."""
    cache = cache if cache is not None else QuestionCache()
    marker = revision if revision is not None else marking_revision(slot)
    tries = stored_tries(slot)
    if marker.id != slot.question_id:
        mapped: list[tuple[Sequence[int], int | None]] = []
        for selected, certainty in tries:
            answer = map_answer(slot.question, marker, selected)
            if answer is None:
                raise ValueError(
                    f"an answer to {slot.question.key!r} is not in revision {marker.revision}"
                )
            mapped.append((answer, certainty))
        tries_on_marker: Sequence[StoredTry] = mapped
    else:
        tries_on_marker = tries
    mark = question_mark(
        cache.get(marker),
        Behaviour(attempt.behaviour),
        tries_on_marker,
        finished=attempt.state == FINISHED,
    )
    return SlotMark(
        mark=mark,
        max_mark=slot.max_mark,
        marks=mark.fraction * slot.max_mark,
        marked_with=marker.id,
    )


def attempt_marks(
    attempt: m.Attempt,
    cache: QuestionCache | None = None,
    revisions: dict[int, m.Question] | None = None,
) -> float:
    """An attempt's marks: the sum of its slots' :func:`slot_mark` marks. ``revisions``
    (slot id -> revision) marks those slots with another revision (a dry run)."""
    cache = cache if cache is not None else QuestionCache()
    revisions = revisions or {}
    return sum(
        slot_mark(attempt, x, cache, revision=revisions.get(x.id)).marks for x in attempt.slots
    )
