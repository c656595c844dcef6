"""The question model: packs, lessons, questions and choices as frozen dataclasses.

A pack is what a question set file describes once read and validated. Credit
fractions are already resolved here (readers turn ``correct`` flags into fractions
with :func:`quizapp.domain.scoring.default_fractions`), so every consumer sees one
shape whatever the source format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class QuestionType(StrEnum):
    """``single``: one right choice; ``multiple``: select all that apply; ``true_false``."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class TextFormat(StrEnum):
    """How a prompt, choice or explanation is written. ``html`` only comes from imports."""

    PLAIN = "plain"
    MARKDOWN = "markdown"
    HTML = "html"


class Scoring(StrEnum):
    """``partial``: sum of chosen credit fractions clamped to [0, 1] (Moodle's default);
    ``all_or_nothing``: full marks only for exactly the right set of choices."""

    PARTIAL = "partial"
    ALL_OR_NOTHING = "all_or_nothing"


class Behaviour(StrEnum):
    """Moodle's question behaviours, chosen per quiz."""

    IMMEDIATE_FEEDBACK = "immediatefeedback"
    DEFERRED_FEEDBACK = "deferredfeedback"
    INTERACTIVE = "interactive"
    DEFERRED_CBM = "deferredcbm"


FULL_MARKS_THRESHOLD = 0.999999
"""A response whose chosen fractions sum to at least this gets full marks (as Moodle)."""


@dataclass(frozen=True)
class Choice:
    """One choice of a question.

    ``fraction`` is the credit in [-1, 1] (not percent); ``feedback`` is shown when
    the student picks it; ``pinned`` keeps it in place when choices are shuffled.
    """

    text: str
    fraction: float
    feedback: str = ""
    pinned: bool = False

    @property
    def is_correct(self) -> bool:
        """True when choosing it earns credit (fraction > 0)."""
        return self.fraction > 0


@dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    ``id`` is unique within its pack; ``lesson_id`` names a lesson of the same pack;
    ``choices`` keep the author's order (index = the choice's identity within this
    revision); ``evidence`` is a phrase of the lesson that supports the answer.
    """

    id: str
    lesson_id: str
    type: QuestionType
    prompt: str
    choices: tuple[Choice, ...]
    explanation: str = ""
    text_format: TextFormat = TextFormat.PLAIN
    hints: tuple[str, ...] = ()
    shuffle: bool = True
    scoring: Scoring = Scoring.PARTIAL
    evidence: str | None = None
    difficulty: str | None = None
    tags: tuple[str, ...] = ()
    title: str = ""
    line: int | None = field(default=None, compare=False)
    """1-based line where the question starts in its source file, for reports."""

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """Indices (author order) of the choices with a positive fraction."""
        return tuple(i for i, c in enumerate(self.choices) if c.is_correct)


@dataclass(frozen=True)
class Lesson:
    """A lesson: ``body`` is Markdown."""

    id: str
    title: str
    body: str


@dataclass(frozen=True)
class Pack:
    """A question set: lessons in order and their questions.

    ``id`` is a slug; ``language`` a BCP 47 tag; ``version`` the author's version string.
    """

    id: str
    title: str
    lessons: tuple[Lesson, ...]
    questions: tuple[Question, ...]
    language: str = "en"
    version: str = "1"
    description: str = ""
    source: str = ""
    notice: str = ""

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id; raises ``KeyError`` if there is none."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def questions_of(self, lesson_id: str) -> tuple[Question, ...]:
        """The questions of one lesson, in pack order."""
        return tuple(q for q in self.questions if q.lesson_id == lesson_id)


@dataclass(frozen=True)
class SkippedItem:
    """Something a reader met and did not import (e.g. a GIFT essay question), with why."""

    line: int | None
    kind: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What a reader gives back: the pack plus warnings and skipped items for the report."""

    pack: Pack
    skipped: tuple[SkippedItem, ...] = ()
    warnings: tuple[str, ...] = ()
