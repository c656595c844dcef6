"""The one error hierarchy of quizapp.

Every error the domain, formats, store and services raise on purpose is a
:class:`QuizAppError`; the GUI catches that class and shows its message.
"""

from __future__ import annotations

from dataclasses import dataclass


class QuizAppError(Exception):
    """Base of every error quizapp raises on purpose; ``str(err)`` is shown to the user."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    ``file`` is the path as given (or ``"<string>"``); ``line`` and ``column`` are
    1-based and ``None`` when unknown; ``path`` is a JSON path such as
    ``$.questions[3].choices`` (or ``""``); ``rule`` a short stable identifier of the
    rule broken (e.g. ``"duplicate-id"``); ``message`` a sentence for a teacher.
    """

    file: str
    line: int | None
    column: int | None
    path: str
    rule: str
    message: str

    def location(self) -> str:
        """``file:line:column`` (parts that are unknown are left out), then the JSON path."""
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        if self.path:
            loc += f" ({self.path})"
        return loc

    def __str__(self) -> str:
        return f"{self.location()}: {self.message} [{self.rule}]"


class PackError(QuizAppError):
    """A question set could not be read; ``problems`` lists every problem found (at least one)."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("PackError needs at least one problem")
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(f"{first}{suffix}")

    def report(self) -> str:
        """Every problem, one per line."""
        return "\n".join(str(p) for p in self.problems)


class NotFoundError(QuizAppError):
    """A student, lesson, pack, quiz or attempt asked for does not exist."""


class ValidationError(QuizAppError):
    """A value typed by a user was refused (e.g. an empty or duplicate student name)."""
