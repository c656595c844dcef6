"""The services of one open database, built in one place (used by ``quizapp.app``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from quizapp.services.attempts import AttemptService
from quizapp.services.course import CourseService
from quizapp.services.quizzes import QuizService
from quizapp.services.reviews import ReviewService
from quizapp.services.students import StudentService
from quizapp.store.database import Database
from quizapp.store.types import utc_now


@dataclass
class Services:
    """Every service the GUI and the command line use, over one database."""

    students: StudentService
    course: CourseService
    attempts: AttemptService
    database: Database
    quizzes: QuizService
    reviews: ReviewService


def build_services(
    database: Database,
    clock: Callable[[], datetime] = utc_now,
    *,
    review_fuzzing: bool = True,
    review_tz: tzinfo | None = None,
) -> Services:
    """The services over ``database``'s session factory; ``clock`` (aware UTC now) is
    shared by all of them, so a test can replace time everywhere at once.
    ``review_fuzzing``: FSRS's random spread of review intervals (on in the app, off in
    tests); ``review_tz``: the zone whose calendar days decide what is due (``None``:
    local time)."""
    # The FSRS scheduler is made on the first review (fsrs is not loaded at start-up).
    attempts = AttemptService(database.sessions, clock, review_fuzzing=review_fuzzing)
    return Services(
        students=StudentService(database.sessions, clock),
        course=CourseService(database.sessions, clock, attempts, review_tz),
        attempts=attempts,
        database=database,
        quizzes=QuizService(database.sessions, attempts, clock),
        reviews=ReviewService(database.sessions, attempts, clock, review_tz),
    )
