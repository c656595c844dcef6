"""Aiken, read as Moodle reads it (``question/format/aiken/format.php``).

An Aiken file holds single-answer questions, each written as::

    Question text (one or more lines)
    A. First choice          (or "A) First choice")
    B. Second choice
    ANSWER: B

Lines are trimmed; blank lines are optional between questions. Choices are lettered
A, B, C… in order, each followed by ``.`` or ``)`` and a space or tab. Texts are plain
(Moodle escapes HTML in them, so ``<b>`` shows as typed). There are no titles,
feedback, categories or weights. See ``docs/formats/aiken.md``.

Errors (all collected, each with its line): a choice before any question text, a
choice out of letter order, question text after the choices, ``ANSWER:`` before two
choices, an answer that is not a single letter or has no choice, and a question that
never gets its ``ANSWER:`` line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from quizapp.domain.model import Choice, ImportResult, Question, QuestionType, TextFormat
from quizapp.formats.registry import PackBuilder, decode_text, read_limited_bytes, split_lines

_CHOICE = re.compile(r"^([A-Z])[.)][ \t]+(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:(.*)$", re.IGNORECASE)
_LETTER = re.compile(r"^([A-Za-z])\s*[.)]?$")


@dataclass
class _Pending:
    line: int
    prompt: list[str] = field(default_factory=list)
    choices: list[tuple[str, int]] = field(default_factory=list)  # text, line


def read_aiken(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read an Aiken file (UTF-8, or Windows-1252 with a warning); see :func:`parse_aiken`."""
    filename = os.fspath(path)
    text, warnings = decode_text(read_limited_bytes(filename), filename)
    result = parse_aiken(text, filename, language=language)
    return ImportResult(result.pack, result.skipped, (*warnings, *result.warnings))


def parse_aiken(text: str, filename: str = "<string>", *, language: str = "en") -> ImportResult:
    """Read Aiken ``text`` into a pack named after ``filename`` (one lesson, also named
    after the file; every question single-answer, plain text).

    Raises :class:`~quizapp.domain.errors.PackError` listing every problem with its line
    (rules: ``choice-before-question``, ``choice-letter``, ``text-after-choices``,
    ``answer-out-of-place``, ``answer-letter``, ``answer-without-choice``,
    ``missing-answer``, ``no-questions``); nothing is partly imported.
    """
    b = PackBuilder(filename=filename, language=language)
    pending: _Pending | None = None
    broken = False  # after an error, skip to the next ANSWER: line
    for number, raw in enumerate(split_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        choice = _CHOICE.match(line)
        answer = _ANSWER.match(line)
        if answer:
            if broken:
                broken, pending = False, None
                continue
            if pending is None or len(pending.choices) < 2:
                b.problem(number, "answer-out-of-place",
                          "ANSWER: comes before the question has at least two choices "
                          "(each written like 'A. text' or 'A) text').")
                pending = None
                continue
            _finish(pending, answer.group(1).strip(), number, b)
            pending = None
            continue
        if broken:
            continue
        if choice:
            if pending is None or not pending.prompt:
                b.problem(number, "choice-before-question",
                          "A choice line comes before any question text.")
                broken, pending = True, None
                continue
            expected = chr(ord("A") + len(pending.choices))
            if choice.group(1) != expected:
                b.problem(number, "choice-letter",
                          f"Choice {choice.group(1)} is out of order: expected {expected}.")
                broken, pending = True, None
                continue
            if not choice.group(2).strip():
                b.problem(number, "empty-choice", f"Choice {expected} has no text.")
                broken, pending = True, None
                continue
            pending.choices.append((choice.group(2).strip(), number))
            continue
        if pending is None:
            pending = _Pending(line=number)
        if pending.choices:
            b.problem(number, "text-after-choices",
                      "Question text after the choices: every choice line starts with a "
                      "capital letter and '.' or ')', and each question ends with ANSWER:.")
            broken, pending = True, None
            continue
        pending.prompt.append(line)
    if pending is not None and not broken:
        b.problem(pending.line, "missing-answer",
                  "This question has no ANSWER: line (e.g. 'ANSWER: B').")
    return b.result()


def _finish(p: _Pending, given: str, number: int, b: PackBuilder) -> None:
    match = _LETTER.match(given)
    if not match:
        b.problem(number, "answer-letter",
                  f"ANSWER: must give one letter (e.g. 'ANSWER: B'), not {given!r}.")
        return
    index = ord(match.group(1).upper()) - ord("A")
    if index >= len(p.choices):
        b.problem(number, "answer-without-choice",
                  f"ANSWER: {match.group(1).upper()} names no choice: the choices run from A "
                  f"to {chr(ord('A') + len(p.choices) - 1)}.")
        return
    prompt = "\n".join(p.prompt)
    b.add(Question(
        id=b.question_id(prompt),
        lesson_id=b.lesson_id(None),
        type=QuestionType.SINGLE,
        prompt=prompt,
        choices=tuple(
            Choice(text=text, fraction=1.0 if i == index else 0.0)
            for i, (text, _) in enumerate(p.choices)
        ),
        text_format=TextFormat.PLAIN,
        line=p.line,
    ))


__all__ = ["parse_aiken", "read_aiken"]
