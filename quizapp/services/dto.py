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
    """A student profile on this computer (or the shared server): ``created_at`` and
    ``last_used_at`` aware UTC (``None``: never used); ``class_name`` the name of the
    student's class (``None``: in no class), which tells namesakes apart."""

    id: int
    uuid: UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    class_name: str | None = None


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
    mastered: int = 0
    mastery_percent: int | None = None
    has_text: bool = True
    """``mastered``: current questions of the lesson whose latest graded response (any
    attempt whose feedback was shown) was fully right; ``mastery_percent`` that share of
    ``question_count`` as a whole percent (``None`` before any answer); ``has_text``
    False when the lesson has no text to read (an imported question bank): Home offers
    its quiz straight away."""


@dataclass(frozen=True)
class AttemptSummary:
    """One attempt, as listed on Home (to resume) and in History.

    ``kind`` is ``"lesson"``, ``"exam"``, ``"quiz"`` (a named quiz) or ``"review"``;
    ``title`` the lesson title, the quiz name, ``"Review"`` or ``"Exam: <pack>"``;
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
    quiz_id: int | None = None
    time_limit_s: int | None = None
    """The named quiz it belongs to, and its time limit in seconds (``None``: untimed)."""


@dataclass(frozen=True)
class QuizOffer:
    """A named quiz a student may take, as Home lists it.

    ``time_limit_s`` seconds or ``None``; ``attempts_left`` ``None`` when unlimited;
    ``unfinished_attempt_id`` the attempt to continue, when one is in progress.
    """

    id: int
    name: str
    pack_id: int
    behaviour: Behaviour
    question_count: int
    time_limit_s: int | None
    attempts_allowed: int | None
    attempts_used: int
    attempts_left: int | None
    unfinished_attempt_id: int | None


@dataclass(frozen=True)
class QuizInfo:
    """A named quiz as the teacher's exam builder edits it.

    ``lesson_keys`` (empty: every lesson of the pack); ``time_limit_s`` ``None`` when
    untimed; ``attempts_allowed`` ``None`` when unlimited; ``review_policy`` one of
    ``"after_attempt"``, ``"after_close"``, ``"never"``; ``closed_at`` UTC once closed.
    """

    id: int
    uuid: UUID
    pack_id: int
    name: str
    behaviour: Behaviour
    lesson_keys: tuple[str, ...]
    question_count: int
    time_limit_s: int | None
    shuffle: bool
    attempts_allowed: int | None
    review_policy: str
    created_at: datetime
    closed_at: datetime | None
    attempts: int = 0


@dataclass(frozen=True)
class LessonOutline:
    """A lesson as the exam builder lists it: its key (id in the pack), title, and how
    many current questions it has."""

    key: str
    title: str
    question_count: int


@dataclass(frozen=True)
class CourseOutline:
    """A pack (not deleted) with its lessons in order, for the exam builder."""

    pack_id: int
    title: str
    enabled: bool
    lessons: tuple[LessonOutline, ...]


@dataclass(frozen=True)
class PackHome:
    """A pack on Home with its lessons in order; ``notice_seen`` once the student
    acknowledged it."""

    pack: PackSummary
    lessons: tuple[LessonProgress, ...]
    notice_seen: bool


@dataclass(frozen=True)
class HomeView:
    """Everything Home shows for one student."""

    student: StudentInfo
    packs: tuple[PackHome, ...]
    unfinished: tuple[AttemptSummary, ...]
    due_reviews: int = 0
    quizzes: tuple[QuizOffer, ...] = ()
    """``due_reviews``: questions due for spaced review today; ``quizzes``: the named
    quizzes open to students (not closed), in name order."""


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
    finished: bool = True
    try_number: int = 1
    tries_left: int = 0
    hint: str | None = None
    mark: float | None = None
    certainty: int | None = None
    answers_hidden: bool = False
    """Interactive tries: ``finished`` is ``False`` while another try is allowed (then
    ``correct_indices`` is empty and ``explanation`` blank: the answer is not shown yet),
    ``tries_left`` how many remain and ``hint`` the hint for the next one. ``mark`` the
    question's final mark as a fraction of its max mark once finished (penalties
    deducted; the CBM mark, −6..3, under certainty-based marking). ``certainty`` 1–3
    under CBM. ``answers_hidden`` when the quiz's review policy hides the right answers
    (then ``correct_indices``, ``explanation``, ``choice_feedback`` and ``evidence`` are
    empty)."""


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
    selected: tuple[int, ...] = ()
    certainty: int | None = None
    flagged: bool = False
    status: str = "notanswered"
    tries_left: int = 1
    """``selected`` the answer saved or last tried (author-order indices); ``certainty``
    the certainty saved with it (CBM); ``flagged``; ``status`` a
    :class:`quizapp.domain.quiz_flow.SlotStatus` value (``notanswered``, ``answersaved``,
    ``tryagain``, ``correct``, ``partial``, ``wrong``; correctness only once it may be
    shown); ``tries_left`` tries the question still takes."""


@dataclass(frozen=True)
class CbmResult:
    """Certainty-based marking results of a finished attempt (Moodle's summary).

    ``average_cbm`` −6..3 per question; ``accuracy`` 0–1; ``bonus`` the CB bonus
    (fraction, may be negative); ``accuracy_with_bonus`` accuracy + bonus;
    ``by_certainty`` ``(certainty 1–3, responses, accuracy 0–1 or None, judgement)``
    from high to low certainty.
    """

    average_cbm: float
    accuracy: float
    bonus: float
    accuracy_with_bonus: float
    by_certainty: tuple[tuple[int, int, float | None, str], ...] = ()


@dataclass(frozen=True)
class SummaryView:
    """The page before "Submit all and finish": 0-based slots answered, not answered and
    flagged, and ``statuses`` (one :class:`SlotView` ``status`` value per slot)."""

    answered: tuple[int, ...]
    unanswered: tuple[int, ...]
    flagged: tuple[int, ...]
    statuses: tuple[str, ...]


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
    time_limit_s: int | None = None
    deadline: datetime | None = None
    quiz_id: int | None = None
    cbm: CbmResult | None = None
    answers_hidden: bool = False
    """``deadline`` = ``started_at`` + ``time_limit_s`` (UTC) for a timed attempt;
    ``cbm`` the CBM results of a finished ``deferredcbm`` attempt; ``answers_hidden``
    when the quiz's review policy does not (yet) let the student see right answers."""


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
