"""The paper quiz: what the GUI prints (with ``QPdfWriter``) for a class without computers.

:func:`build_paper_quiz` turns a pack's lessons (or a named quiz) and a seed into a
:class:`PaperQuiz`: questions in shuffled order, each with its choices lettered in
shuffled order (pinned choices and questions with shuffling off keep the author's
order) and "Choose one" / "Choose all that apply", plus the answer key (letters and
explanations). Plain data only.

Versions A and B come from one **base seed**: version ``v`` uses
``sub_seed(base_seed, "paper", v)`` (:func:`quizapp.domain.shuffle.sub_seed`), so the
same base seed always prints the same A and B. When no base seed is given it is derived
from what is stored: the named quiz's UUID, or the pack's UUID and the lesson keys, so
reprinting later gives the same papers. The seed used is on the result (print it on the
key so a paper can be matched to its key).

A named quiz (:mod:`quizapp.services.quizzes`) prints the questions it draws from: the
current revisions of its lessons (every lesson when it names none), ``question_count``
of them drawn by the base seed; with its ``shuffle`` off, the first ones in course order
with choices in the author's order, as students get them (then A and B are the same).
:func:`printable_lessons` lists a course's lessons for the paper-quiz page.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, ValidationError
from quizapp.domain.model import QuestionType, TextFormat
from quizapp.domain.shuffle import choice_order, shuffled, sub_seed
from quizapp.store import models as m
from quizapp.store.convert import question_from_row
from quizapp.store.database import read_session

CHOOSE_ONE = "Choose one"
CHOOSE_ALL = "Choose all that apply"


@dataclass(frozen=True)
class LessonChoice:
    """A lesson the paper-quiz page offers: database ``id``, its ``key`` in the pack,
    ``title`` and ``question_count`` (current questions)."""

    id: int
    key: str
    title: str
    question_count: int


@dataclass(frozen=True)
class PaperChoice:
    """A choice as printed: ``letter`` A, B, C...; ``index`` its author-order index."""

    letter: str
    text: str
    index: int


@dataclass(frozen=True)
class PaperQuestion:
    """A question as printed: ``number`` 1-based; ``instruction`` "Choose one" or
    "Choose all that apply"; ``text_format`` of prompt and choices."""

    number: int
    key: str
    prompt: str
    text_format: TextFormat
    instruction: str
    choices: tuple[PaperChoice, ...]


@dataclass(frozen=True)
class KeyEntry:
    """The answer key of one question: the right ``letters`` on this version's paper."""

    number: int
    key: str
    letters: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class PaperQuiz:
    """One printed version: ``title``, ``version`` ("A", "B"...), ``seed`` it was shuffled
    with and ``base_seed``; ``fields`` the blanks at the top ("Name", "Class", "Date");
    ``questions`` and ``answer_key`` in printed order; ``letters`` the widest choice list,
    for the answer grid."""

    title: str
    pack_title: str
    version: str
    seed: int
    base_seed: int
    fields: tuple[str, ...]
    questions: tuple[PaperQuestion, ...]
    answer_key: tuple[KeyEntry, ...]

    @property
    def letters(self) -> tuple[str, ...]:
        """The letters of the answer grid (as many as the longest question has)."""
        widest = max((len(q.choices) for q in self.questions), default=0)
        return tuple(_letter(i) for i in range(widest))


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else str(i + 1)


def derived_base_seed(*parts: object) -> int:
    """A stable base seed from stored identities (UUIDs, keys): 63 bits of a UUID5."""
    name = ":".join(str(p) for p in parts)
    return uuid_module.uuid5(uuid_module.NAMESPACE_URL, f"quizapp:paper:{name}").int >> 65


def printable_lessons(sessions: sessionmaker[Session], pack_id: int) -> list[LessonChoice]:
    """The lessons of a course that can be printed (not retired), in course order, with
    their number of current questions. :class:`NotFoundError` for an unknown pack."""
    with read_session(sessions) as s:
        if s.get(m.Pack, pack_id) is None:
            raise NotFoundError(f"There is no course with id {pack_id}.")
        counts = dict(
            s.execute(
                select(m.Question.lesson_id, func.count(m.Question.id))
                .where(m.Question.pack_id == pack_id, m.Question.is_current)
                .group_by(m.Question.lesson_id)
            ).all()
        )
        lessons = s.scalars(
            select(m.Lesson)
            .where(m.Lesson.pack_id == pack_id, m.Lesson.retired.is_(False))
            .order_by(m.Lesson.position)
        )
        return [LessonChoice(x.id, x.key, x.title, int(counts.get(x.id, 0))) for x in lessons]


def build_paper_quiz(
    sessions: sessionmaker[Session],
    *,
    pack_id: int | None = None,
    lesson_ids: Sequence[int] | None = None,
    quiz_id: int | None = None,
    version: str = "A",
    base_seed: int | None = None,
    question_count: int | None = None,
) -> PaperQuiz:
    """A paper version of a quiz: either ``quiz_id`` (a named quiz: its pack, its lessons,
    its ``question_count``) or ``pack_id`` with ``lesson_ids`` (``None``: every lesson)
    and an optional ``question_count`` (``None``: every current question). Questions are
    the current revisions. With ``question_count`` below the number available the
    questions are drawn by the base seed, so A and B ask the same questions (only the
    order differs); a named quiz with shuffling off prints its first questions in course
    order, choices in the author's order. :class:`NotFoundError`; :class:`ValidationError`
    when nothing to print or neither ``quiz_id`` nor ``pack_id`` is given."""
    with read_session(sessions) as s:
        title, pack, lessons, count, seed0, shuffle = _scope(s, pack_id, lesson_ids, quiz_id)
        if question_count is not None:
            count = question_count
        base = base_seed if base_seed is not None else seed0
        rows = list(
            s.scalars(
                select(m.Question)
                .join(m.Lesson, m.Question.lesson_id == m.Lesson.id)
                .where(m.Question.is_current, m.Question.lesson_id.in_([x.id for x in lessons]))
                .order_by(m.Lesson.position, m.Question.position)
                .options(selectinload(m.Question.choices), selectinload(m.Question.lesson))
            )
        )
        if not rows:
            raise ValidationError("There are no questions to print.")
        if count is not None and 0 < count < len(rows):
            if shuffle:
                keep = {q.id for q in shuffled(rows, sub_seed(base, "paper-draw"))[:count]}
                rows = [q for q in rows if q.id in keep]
            else:
                rows = rows[:count]
        seed = sub_seed(base, "paper", version)
        questions = []
        key = []
        ordered = shuffled(rows, sub_seed(seed, "questions")) if shuffle else rows
        for number, row in enumerate(ordered, start=1):
            q = question_from_row(row)
            order = (
                choice_order(q, sub_seed(seed, row.key)) if shuffle else list(range(len(q.choices)))
            )
            choices = tuple(
                PaperChoice(_letter(shown), q.choices[index].text, index)
                for shown, index in enumerate(order)
            )
            questions.append(
                PaperQuestion(
                    number=number,
                    key=row.key,
                    prompt=q.prompt,
                    text_format=q.text_format,
                    instruction=CHOOSE_ALL if q.type is QuestionType.MULTIPLE else CHOOSE_ONE,
                    choices=choices,
                )
            )
            right = set(q.correct_indices)
            key.append(
                KeyEntry(
                    number=number,
                    key=row.key,
                    letters=tuple(c.letter for c in choices if c.index in right),
                    explanation=q.explanation,
                )
            )
        return PaperQuiz(
            title=title,
            pack_title=pack.title,
            version=version,
            seed=seed,
            base_seed=base,
            fields=("Name", "Class", "Date"),
            questions=tuple(questions),
            answer_key=tuple(key),
        )


def build_paper_versions(
    sessions: sessionmaker[Session],
    versions: Sequence[str] = ("A", "B"),
    **scope: object,
) -> tuple[PaperQuiz, ...]:
    """Several versions (A and B by default) of the same paper quiz, from one base seed
    (``scope`` as for :func:`build_paper_quiz`)."""
    return tuple(
        build_paper_quiz(sessions, version=v, **scope)  # type: ignore[arg-type]
        for v in versions
    )


def _scope(
    s: Session, pack_id: int | None, lesson_ids: Sequence[int] | None, quiz_id: int | None
) -> tuple[str, m.Pack, list[m.Lesson], int | None, int, bool]:
    """(title, pack, lessons, question count or ``None`` for all, base seed, shuffle)."""
    if quiz_id is not None:
        quiz = s.get(m.Quiz, quiz_id)
        if quiz is None:
            raise NotFoundError(f"There is no quiz with id {quiz_id}.")
        pack = s.get(m.Pack, quiz.pack_id)
        assert pack is not None
        lessons = [
            x
            for x in pack.lessons
            if not x.retired and (not quiz.lesson_keys or x.key in quiz.lesson_keys)
        ]
        seed = derived_base_seed(quiz.uuid)
        return quiz.name, pack, lessons, quiz.question_count, seed, quiz.shuffle
    if pack_id is None:
        raise ValidationError("Choose a quiz, or a course and its lessons, to print.")
    pack = s.get(m.Pack, pack_id)
    if pack is None:
        raise NotFoundError(f"There is no course with id {pack_id}.")
    lessons = [x for x in pack.lessons if not x.retired]
    if lesson_ids is not None:
        wanted = set(lesson_ids)
        lessons = [x for x in lessons if x.id in wanted]
        if len(lessons) != len(wanted):
            raise NotFoundError("A lesson to print is not in this course.")
    title = lessons[0].title if len(lessons) == 1 else pack.title
    seed = derived_base_seed(pack.uuid, *sorted(x.key for x in lessons))
    return title, pack, lessons, None, seed, True
