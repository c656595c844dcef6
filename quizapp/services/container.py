"""The services of one open database, built in one place (used by ``quizapp.app``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from quizapp.services.attempts import AttemptService
from quizapp.services.course import CourseService
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


def build_services(database: Database, clock: Callable[[], datetime] = utc_now) -> Services:
    """The services over ``database``'s session factory; ``clock`` (aware UTC now) is
    shared by all of them, so a test can replace time everywhere at once."""
    return Services(
        students=StudentService(database.sessions, clock),
        course=CourseService(database.sessions, clock),
        attempts=AttemptService(database.sessions, clock),
        database=database,
    )
