"""Plain data the services hand to the GUI and the command line.

Everything here is a frozen dataclass built inside one unit of work, so no lazy
load or detached ORM instance ever reaches a widget. Times are timezone-aware UTC
``datetime``; fractions are 0–1; percents are whole numbers 0–100 (rounded half up,
see :func:`quizapp.domain.scoring.percent`); durations are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from quizapp.domain.model import Behaviour, QuestionType, TextFormat


@dataclass(frozen=True)
class StudentInfo:
    """A student profile on this computer (or the shared server)."""

    id: int
    uuid: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class PackSummary:
    """A pack students can see: its identity and the notice shown before the first lesson."""

    id: int
    key: str
    title: str
    version: str
    language: str
    notice: str
    description: str


@dataclass(frozen=True)
class LessonProgress:
    """One lesson on Home: whether the student opened it, their best score and attempts."""

    id: int
    key: str
    title: str
    position: int
    question_count: int
    read: bool
    attempts: int
    best_percent: int | None


@dataclass(frozen=True)
class AttemptSummary:
    """One attempt, as listed on Home (to resume) and in History.

    ``kind`` is ``"lesson"`` or ``"exam"``; ``title`` the lesson title or ``"Exam: <pack>"``;
    ``duration_s`` is from start to finish (or to the last response while unfinished);
    ``percent`` is ``None`` while the attempt is unfinished.
    """

    id: int
    uuid: UUID
    kind: str
    title: str
    pack_id: int
    lesson_id: int | None
    behaviour: Behaviour
    started_at: datetime
    finished_at: datetime | None
    answered: int
    total: int
    marks: float
    max_marks: float
    percent: int | None
    duration_s: float


@dataclass(frozen=True)
class PackHome:
    """A pack on Home with its lessons in order; ``notice_seen`` once the student acknowledged it."""

    pack: PackSummary
    lessons: tuple[LessonProgress, ...]
    notice_seen: bool


@dataclass(frozen=True)
class HomeView:
    """Everything Home shows for one student."""

    student: StudentInfo
    packs: tuple[PackHome, ...]
    unfinished: tuple[AttemptSummary, ...]


@dataclass(frozen=True)
class LessonView:
    """A lesson to read: ``body`` is Markdown; ``position`` is 1-based of ``lesson_count``."""

    id: int
    key: str
    pack_id: int
    pack_title: str
    title: str
    body: str
    position: int
    lesson_count: int
    question_count: int


@dataclass(frozen=True)
class ChoiceView:
    """A choice as shown: ``index`` is its author-order index (what a response records);
    ``letter`` its shown label (A, B, C...)."""

    index: int
    letter: str
    text: str


@dataclass(frozen=True)
class FeedbackView:
    """What the student learns after submitting a response.

    ``fraction`` 0–1; ``correct`` when full marks; ``selected`` and ``correct_indices``
    are author-order choice indices; ``choice_feedback`` the feedback of each selected
    choice that has some; ``evidence`` a phrase of lesson ``lesson_id`` supporting the answer.
    """

    fraction: float
    correct: bool
    selected: tuple[int, ...]
    correct_indices: tuple[int, ...]
    explanation: str
    choice_feedback: tuple[str, ...]
    evidence: str | None
    lesson_id: int


@dataclass(frozen=True)
class SlotView:
    """One question of an attempt, in shown order; ``slot`` is 0-based.

    ``choices`` are in the order this attempt shows them; ``feedback`` is set once the
    question has been answered.
    """

    slot: int
    question_id: int
    question_key: str
    type: QuestionType
    prompt: str
    text_format: TextFormat
    choices: tuple[ChoiceView, ...]
    lesson_id: int
    feedback: FeedbackView | None


@dataclass(frozen=True)
class AttemptView:
    """An attempt being taken (or reviewed): its questions in shown order.

    ``current_slot`` is the first unanswered slot (== ``len(slots)`` when all are answered).
    """

    id: int
    uuid: UUID
    student_id: int
    kind: str
    title: str
    behaviour: Behaviour
    seed: int
    started_at: datetime
    finished_at: datetime | None
    slots: tuple[SlotView, ...]
    current_slot: int
    marks: float
    max_marks: float


@dataclass(frozen=True)
class PackInstallReport:
    """What installing (or re-importing) a pack did.

    ``created`` for a pack new to this database; ``changed`` when anything students see
    changed (``False`` for a re-import of identical content). Question counts: ``added``
    (new ids), ``revised`` (content changed: a new revision became current),
    ``unchanged``, ``removed`` (ids no longer in the pack: no longer current; history
    keeps them). Lesson counts likewise; a removed lesson is ``retired``.
    """

    pack_id: int
    key: str
    title: str
    version: str
    created: bool
    changed: bool
    lessons_added: int
    lessons_updated: int
    lessons_retired: int
    questions_added: int
    questions_revised: int
    questions_unchanged: int
    questions_removed: int
