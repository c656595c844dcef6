"""Read and write quizapp's own pack format, version 1 (``questions.json``).

The format is specified for teachers in ``docs/pack-format.md`` and published as a
JSON Schema in ``resources/schema/quizapp-pack-v1.schema.json``; this module is the
one place that enforces it. :func:`load_pack` and :func:`parse_pack` check every rule
and raise one :class:`~quizapp.domain.errors.PackError` listing every problem found,
each with file, line, column, JSON path and rule id. :func:`dump_pack` writes a pack
back so that ``parse_pack(dump_pack(p)) == p``.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizapp.domain.errors import PackError, Problem
from quizapp.domain.model import (
    FULL_MARKS_THRESHOLD,
    Choice,
    Lesson,
    Pack,
    Question,
    QuestionType,
    Scoring,
    TextFormat,
)
from quizapp.domain.scoring import default_fractions
from quizapp.domain.text import markdown_to_plain, normalise_for_match
from quizapp.formats.files import (
    FILE_RULES,
    MAX_FILE_BYTES,
    atomic_write_text,
    check_text,
    read_file_bytes,
)
from quizapp.formats.gc_pause import gc_paused
from quizapp.formats.json_locate import (
    JsonPath,
    LineIndex,
    decode_with_item_offsets,
    format_path,
    item_offsets,
    line_numbers,
    locate,
)

FORMAT_MARKER = "quizapp-pack"
"""The value of the ``format`` field of every pack."""

FORMAT_VERSION = 1
"""The format version this module reads and writes."""

MAX_PACK_BYTES = MAX_FILE_BYTES
"""Largest pack file accepted, in bytes: the limit of every format (20 MiB)."""

SCHEMA_URL = "https://quizapp.invalid/schema/quizapp-pack-v1.schema.json"
"""The ``$id`` of the published JSON Schema (a name, not fetched from anywhere)."""

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""Ids of packs, lessons and questions: lowercase letters and digits joined by hyphens."""

# BCP 47 (RFC 5646) language tags, the common shapes: language, optional script,
# region, variants, extensions and private use ("en", "fr", "pt-BR", "zh-Hant-TW",
# "sr-Latn", "es-419", "de-CH-1996", "x-klingon").
BCP47 = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
    r"|[xX](?:-[A-Za-z0-9]{1,8})+)$"
)

DIFFICULTIES = ("easy", "medium", "hard")
"""Allowed values of a question's ``difficulty``."""

TEXT_FORMATS = (TextFormat.PLAIN.value, TextFormat.MARKDOWN.value, TextFormat.HTML.value)
"""Allowed values of a question's ``text_format``."""

_CREDIT_TOLERANCE = 1.0 - FULL_MARKS_THRESHOLD

RULES: Mapping[str, str] = {
    **FILE_RULES,
    "invalid-json": "the text is not valid JSON",
    "duplicate-key": "a field appears twice in one object",
    "wrong-type": "a value has the wrong type (text, number, true/false, list, object)",
    "missing-field": "a required field is absent",
    "unknown-field": "a field the format does not define (often a typo)",
    "empty-field": "a text that must say something is empty",
    "bad-format": "'format' is not \"quizapp-pack\"",
    "bad-format-version": "'format_version' is not 1",
    "bad-slug": "an id is not lowercase letters, digits and single hyphens",
    "bad-language": "'language' is not a BCP 47 tag",
    "bad-value": "a value is not one of those allowed (type, text_format, scoring, difficulty)",
    "no-lessons": "the pack has no lesson",
    "no-questions": "the pack has no question",
    "duplicate-id": "two lessons, or two questions, share an id",
    "missing-lesson": "a question names a lesson the pack does not have",
    "too-few-choices": "a question has fewer than two choices",
    "true-false-choices": "a true_false question does not have exactly two choices",
    "single-correct-count": "a single or true_false question has not exactly one right choice",
    "no-correct-choice": "no choice is right",
    "duplicate-choice": "two choices of a question have the same text",
    "empty-choice": "a choice has no text",
    "credit-range": "a credit is outside -1 .. 1",
    "credit-not-full": "the credits cannot reach full marks (or go beyond them)",
    "mixed-credit": "'correct' and 'credit' mixed in one choice or one question",
    "evidence-not-found": "the evidence is not in the question's lesson",
    "evidence-missing": "a question of the built-in pack has no evidence",
    "explanation-missing": "a question of the built-in pack has no explanation",
}
"""Every rule id a problem can carry, with what it means (documented in docs/pack-format.md)."""

# ---------------------------------------------------------------------------
# Reading


def load_pack(path: str | os.PathLike[str], *, require_evidence: bool = False) -> Pack:
    """Read and check a format-v1 pack file; return the domain :class:`Pack`.

    The file must be UTF-8 (a byte order mark is accepted) and at most
    :data:`MAX_PACK_BYTES` bytes. ``require_evidence=True`` (the built-in pack) makes
    ``evidence`` compulsory on every question. Raises :class:`PackError` listing every
    problem found, file errors included (the file-level rules of
    :data:`quizapp.formats.files.FILE_RULES`: missing, unreadable, too large, not text,
    not UTF-8).
    """
    filename = os.fspath(path)
    text = read_text_file(filename)
    return parse_pack(text, filename, require_evidence=require_evidence)


def parse_pack_bytes(
    data: bytes, filename: str = "<bytes>", *, require_evidence: bool = False
) -> Pack:
    """:func:`parse_pack` on a file's bytes, after the text checks of
    :func:`quizapp.formats.files.check_text` (``not-text``, ``not-utf8``)."""
    return parse_pack(_decode(data, filename), filename, require_evidence=require_evidence)


def read_text_file(path: str | os.PathLike[str], *, max_bytes: int = MAX_PACK_BYTES) -> str:
    """The text of a UTF-8 file (BOM dropped), or :class:`PackError` saying what is wrong.

    Rules (the same for every format, :data:`quizapp.formats.files.FILE_RULES`):
    ``file-not-found``, ``file-unreadable`` (a folder too), ``file-too-large`` (over
    ``max_bytes`` bytes), ``not-text`` (a NUL or other binary byte) and ``not-utf8``,
    with the line and column of the first bad byte. Line endings are kept as they are.
    """
    filename = os.fspath(path)
    return _decode(read_file_bytes(filename, max_bytes), filename)


def _decode(data: bytes, filename: str) -> str:
    check_text(data, filename, strict_utf8=True)
    return data.decode("utf-8-sig")


def parse_pack(text: str, filename: str = "<string>", *, require_evidence: bool = False) -> Pack:
    """Check a format-v1 pack given as text; return the domain :class:`Pack`.

    ``filename`` only labels problems. A leading BOM is ignored. Credit fractions are
    resolved (``correct`` flags through :func:`default_fractions`) and each
    ``Question.line`` is the 1-based line where its object starts. Raises
    :class:`PackError` listing every problem found (see ``docs/pack-format.md`` for
    the rule ids).

    The cyclic garbage collector is paused while it runs (:mod:`quizapp.formats.gc_pause`):
    reading stays linear in the number of questions.
    """
    with gc_paused():
        return _parse_pack(text, filename, require_evidence)


def _parse_pack(text: str, filename: str, require_evidence: bool) -> Pack:
    if text.startswith("\ufeff"):
        text = text[1:]
    duplicates: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicates.append(True)
        return result

    decoder = json.JSONDecoder(object_pairs_hook=pairs_hook, parse_constant=_NonFinite)
    # The usual pack (an object) is decoded with its questions' offsets in one pass;
    # anything else, valid or not, by json.loads, which says what is wrong.
    scan_once = decoder.scan_once  # type: ignore[attr-defined]  # set by __init__
    quick = decode_with_item_offsets(text, scan_once, pairs_hook, "questions")
    offsets: list[int] | None = None
    try:
        if quick is not None:
            data, offsets = quick
        else:
            duplicates.clear()  # from objects the quick pass decoded before it gave up
            data = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_NonFinite)
    except json.JSONDecodeError as err:
        raise PackError(
            [Problem(filename, err.lineno, err.colno, "", "invalid-json", _json_message(err))]
        ) from None
    except RecursionError:
        raise PackError(
            [Problem(filename, None, None, "", "invalid-json", "The JSON is nested too deeply.")]
        ) from None

    checker = _Checker(require_evidence, _question_lines(text, data, offsets))
    pack = checker.check(data)
    if duplicates or checker.problems or pack is None:
        located = locate(text, checker.wanted(), full=bool(duplicates))
        for dup_path, _offset in located.duplicate_keys:
            checker.add(
                dup_path,
                "duplicate-key",
                f"The field {dup_path[-1]!r} appears twice in the same object; "
                "only one is allowed.",
                at_key=True,
                key_offset=_offset,
            )
        raise PackError(checker.to_problems(filename, text, located))
    return pack


def _question_lines(text: str, data: Any, found: list[int] | None) -> list[int | None]:
    """The 1-based line where each element of ``$.questions`` starts (``[]`` if none);
    ``found`` are their offsets when already known (else they are looked for)."""
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return []
    count = len(data["questions"])
    if found is None:
        found = item_offsets(text, "questions")
    offsets: list[int | None] = [*found[:count]]
    offsets += [None] * (count - len(offsets))
    return list(line_numbers(text, offsets))


class _NonFinite:
    """What ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON) are read as, to be refused."""

    def __init__(self, name: str) -> None:
        self.name = name


def _json_message(err: json.JSONDecodeError) -> str:
    hints = {
        "Expecting property name enclosed in double quotes": (
            "a field name in double quotes was expected here (is there a comma "
            "before a closing brace, or a name in single quotes?)"
        ),
        "Expecting ',' delimiter": "a comma was expected here (is one missing before this line?)",
        "Expecting ':' delimiter": "a colon was expected here, after the field name",
        "Expecting value": "a value was expected here (is there a comma before a closing bracket?)",
        "Extra data": "there is more text after the end of the pack",
        "Unterminated string starting at": "this text in quotes is not closed",
        "Invalid control character at": (
            "a line break or tab inside quotes must be written \\n or \\t"
        ),
        "Invalid \\escape": "this backslash escape is not valid JSON (write \\\\ for a backslash)",
    }
    detail = hints.get(err.msg, err.msg[:1].lower() + err.msg[1:])
    return f"This is not valid JSON: {detail}."


# ---------------------------------------------------------------------------
# The checks


@dataclass(frozen=True)
class _Field:
    kind: str  # "str" | "text" (non-empty str) | "int" | "number" | "bool" | "list" | "object"
    required: bool = False


_PACK_FIELDS: Mapping[str, _Field] = {
    "$schema": _Field("str"),
    "format": _Field("str", True),
    "format_version": _Field("int", True),
    "id": _Field("str", True),
    "title": _Field("text", True),
    "language": _Field("str", True),
    "version": _Field("text", True),
    "description": _Field("str"),
    "source": _Field("str"),
    "notice": _Field("str"),
    "lessons": _Field("list", True),
    "questions": _Field("list", True),
}
_LESSON_FIELDS: Mapping[str, _Field] = {
    "id": _Field("str", True),
    "title": _Field("text", True),
    "body": _Field("str", True),
}
_QUESTION_FIELDS: Mapping[str, _Field] = {
    "id": _Field("str", True),
    "lesson": _Field("str", True),
    "type": _Field("str", True),
    "title": _Field("str"),
    "prompt": _Field("text", True),
    "text_format": _Field("str"),
    "choices": _Field("list", True),
    "explanation": _Field("str"),
    "hints": _Field("list"),
    "shuffle": _Field("bool"),
    "scoring": _Field("str"),
    "evidence": _Field("text"),
    "difficulty": _Field("str"),
    "tags": _Field("list"),
}
_CHOICE_FIELDS: Mapping[str, _Field] = {
    "text": _Field("str", True),
    "correct": _Field("bool"),
    "credit": _Field("number"),
    "feedback": _Field("str"),
    "pinned": _Field("bool"),
}

_QUESTION_KEYS = frozenset(_QUESTION_FIELDS)
_QUESTION_REQUIRED = frozenset(k for k, f in _QUESTION_FIELDS.items() if f.required)
_CHOICE_KEYS = frozenset(_CHOICE_FIELDS)
_QUESTION_TYPES: Mapping[str, QuestionType] = {t.value: t for t in QuestionType}
_ENUM_VALUES: Mapping[str, Mapping[str, TextFormat | Scoring]] = {
    "text_format": {f: TextFormat(f) for f in TEXT_FORMATS},
    "scoring": {s.value: s for s in Scoring},
}
"""Lookups of :meth:`_Checker.plain_question` (its fields, types, formats and scorings)."""

_REQUIRED = {
    id(spec): frozenset(k for k, f in spec.items() if f.required)
    for spec in (_PACK_FIELDS, _LESSON_FIELDS, _QUESTION_FIELDS, _CHOICE_FIELDS)
}
# The usual Python type of each kind, for a fast first test (subclasses, ints where a
# number is expected, are then checked by _has_kind).
_PLAIN_TYPES: Mapping[str, type] = {
    "str": str,
    "text": str,
    "int": int,
    "number": float,
    "bool": bool,
    "list": list,
    "object": dict,
}

_KIND_NAMES = {
    "str": "a string (text in double quotes)",
    "text": "a string (text in double quotes)",
    "int": "a whole number",
    "number": "a number",
    "bool": "true or false",
    "list": "a list [ … ]",
    "object": "an object { … }",
}


def _describe(value: Any) -> str:
    if isinstance(value, _NonFinite):
        return f"{value.name} (not allowed in JSON)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f"the string {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _has_kind(value: Any, kind: str) -> bool:
    if kind in ("str", "text"):
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        )
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


@dataclass
class _Raw:
    path: JsonPath
    rule: str
    message: str
    at_key: bool
    key_offset: int | None


class _Checker:
    """Walks the parsed JSON, collecting every problem, and builds the pack if none."""

    def __init__(self, require_evidence: bool, question_lines: Sequence[int | None]) -> None:
        self.require_evidence = require_evidence
        self.question_lines = question_lines
        self.problems: list[_Raw] = []
        self._plain: dict[str, str] = {}

    # -- bookkeeping --------------------------------------------------------

    def add(
        self,
        path: JsonPath,
        rule: str,
        message: str,
        *,
        at_key: bool = False,
        key_offset: int | None = None,
    ) -> None:
        self.problems.append(_Raw(path, rule, message, at_key, key_offset))

    def evidence_in(self, evidence: str, lesson: Lesson) -> bool:
        """:func:`evidence_found`, with each lesson's plain text worked out once."""
        plain = self._plain.get(lesson.id)
        if plain is None:
            plain = self._plain[lesson.id] = normalise_for_match(markdown_to_plain(lesson.body))
        needle = normalise_for_match(evidence)
        return bool(needle) and needle in plain

    def wanted(self) -> list[JsonPath]:
        return [p.path for p in self.problems]

    def to_problems(self, filename: str, text: str, located: Any) -> list[Problem]:
        index = LineIndex(text)
        out: list[tuple[int, int, Problem]] = []
        for order, raw in enumerate(self.problems):
            offset: int | None = raw.key_offset
            if offset is None and raw.at_key:
                offset = located.keys.get(raw.path)
            if offset is None:
                offset = located.values.get(raw.path)
            line = column = None
            if offset is not None:
                line, column = index.line_col(offset)
            problem = Problem(filename, line, column, format_path(raw.path), raw.rule, raw.message)
            out.append((offset if offset is not None else -1, order, problem))
        out.sort(key=lambda item: (item[0], item[1]))
        return [p for _, _, p in out]

    # -- generic object checks ----------------------------------------------

    def fields(
        self, value: Any, path: JsonPath, spec: Mapping[str, _Field], what: str
    ) -> dict[str, Any] | None:
        """Check an object against its field table; return its well-typed fields."""
        if not isinstance(value, dict):
            self.add(
                path,
                "wrong-type",
                f"{what[:1].upper()}{what[1:]} must be an object {{ … }}, not {_describe(value)}.",
            )
            return None
        good: dict[str, Any] = {}
        for key, item in value.items():
            field = spec.get(key)
            if field is None:
                close = difflib.get_close_matches(key, list(spec), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                allowed = ", ".join(k for k in spec if k != "$schema")
                self.add(
                    (*path, key),
                    "unknown-field",
                    f"Unknown field {key!r} in {what}.{hint} Allowed: {allowed}.",
                    at_key=True,
                )
            elif type(item) is not _PLAIN_TYPES[field.kind] and not _has_kind(item, field.kind):
                self.add(
                    (*path, key),
                    "wrong-type",
                    f"{key!r} must be {_KIND_NAMES[field.kind]}, not {_describe(item)}.",
                )
            elif field.kind == "text" and not item.strip():
                self.add((*path, key), "empty-field", f"{key!r} must not be empty.")
            else:
                good[key] = item
        if len(good) != len(value) or not _REQUIRED[id(spec)] <= value.keys():
            for key, field in spec.items():
                if field.required and key not in value:
                    self.add(
                        path,
                        "missing-field",
                        f"{what[:1].upper()}{what[1:]} has no {key!r} field (it is required).",
                    )
        return good

    def enum(
        self, good: dict[str, Any], key: str, path: JsonPath, allowed: Sequence[str]
    ) -> str | None:
        value = good.get(key)
        if value is None:
            return None
        if value not in allowed:
            options = ", ".join(repr(a) for a in allowed)
            self.add((*path, key), "bad-value", f"{key!r} must be one of {options}, not {value!r}.")
            return None
        return str(value)

    def slug(self, good: dict[str, Any], path: JsonPath, what: str) -> str | None:
        value = good.get("id")
        if value is None:
            return None
        if not SLUG.match(value):
            self.add(
                (*path, "id"),
                "bad-slug",
                f"The {what} id {value!r} is not a valid id: use lowercase letters a-z, "
                "digits and single hyphens, e.g. 'global-threat'.",
            )
            return None
        return str(value)

    def strings(self, good: dict[str, Any], key: str, path: JsonPath) -> tuple[str, ...]:
        items = good.get(key)
        if items is None:
            return ()
        out: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str):
                self.add(
                    (*path, key, i),
                    "wrong-type",
                    f"Each item of {key!r} must be a string, not {_describe(item)}.",
                )
            elif not item.strip():
                self.add((*path, key, i), "empty-field", f"Items of {key!r} must not be empty.")
            else:
                out.append(item)
        return tuple(out)

    # -- the pack -------------------------------------------------------------

    def check(self, data: Any) -> Pack | None:
        top = self.fields(data, (), _PACK_FIELDS, "the pack")
        if top is None:
            return None
        fmt = top.get("format")
        if fmt is not None and fmt != FORMAT_MARKER:
            self.add(
                ("format",),
                "bad-format",
                f"'format' must be {FORMAT_MARKER!r}, not {fmt!r}: is this a quizapp pack?",
            )
        version = top.get("format_version")
        if version is not None and version != FORMAT_VERSION:
            self.add(
                ("format_version",),
                "bad-format-version",
                f"This version of quizapp reads format_version {FORMAT_VERSION}, not {version}.",
            )
        pack_id = self.slug(top, (), "pack")
        language = top.get("language")
        if language is not None and not BCP47.match(language):
            self.add(
                ("language",),
                "bad-language",
                f"{language!r} is not a language tag: use a BCP 47 tag such as "
                "'en', 'fr' or 'pt-BR'.",
            )
            language = None

        lessons: list[Lesson] = []
        lesson_ids: dict[str, int] = {}
        raw_lessons = top.get("lessons")
        if raw_lessons is not None and not raw_lessons:
            self.add(("lessons",), "no-lessons", "The pack must have at least one lesson.")
        for i, raw in enumerate(raw_lessons or []):
            lesson = self.lesson(raw, ("lessons", i), lesson_ids)
            if lesson is not None:
                lessons.append(lesson)
        lesson_by_id = {lesson.id: lesson for lesson in lessons}

        questions: list[Question] = []
        question_ids: dict[str, int] = {}
        raw_questions = top.get("questions")
        if raw_questions is not None and not raw_questions:
            self.add(("questions",), "no-questions", "The pack must have at least one question.")
        for i, raw in enumerate(raw_questions or []):
            question = self.question(raw, ("questions", i), question_ids, lesson_ids, lesson_by_id)
            if question is not None:
                questions.append(question)

        if self.problems or pack_id is None or language is None:
            return None
        return Pack(
            id=pack_id,
            title=top["title"],
            lessons=tuple(lessons),
            questions=tuple(questions),
            language=language,
            version=top["version"],
            description=top.get("description", ""),
            source=top.get("source", ""),
            notice=top.get("notice", ""),
        )

    def lesson(self, raw: Any, path: JsonPath, seen: dict[str, int]) -> Lesson | None:
        good = self.fields(raw, path, _LESSON_FIELDS, "this lesson")
        if good is None:
            return None
        lesson_id = self.slug(good, path, "lesson")
        if lesson_id is not None:
            if lesson_id in seen:
                self.add(
                    (*path, "id"),
                    "duplicate-id",
                    f"Lesson id {lesson_id!r} is already used by an earlier lesson "
                    f"($.lessons[{seen[lesson_id]}]); lesson ids must be unique.",
                )
            else:
                seen[lesson_id] = int(path[-1])
        if lesson_id is None or "title" not in good or "body" not in good:
            return None
        return Lesson(id=lesson_id, title=good["title"], body=good["body"])

    def question(
        self,
        raw: Any,
        path: JsonPath,
        seen: dict[str, int],
        lesson_ids: Mapping[str, int],
        lessons: Mapping[str, Lesson],
    ) -> Question | None:
        index = int(path[-1])
        fast = self.plain_question(raw, index, seen, lessons)
        if fast is not None:
            return fast
        before = len(self.problems)
        good = self.fields(raw, path, _QUESTION_FIELDS, "this question")
        if good is None:
            return None
        question_id = self.slug(good, path, "question")
        if question_id is not None:
            if question_id in seen:
                self.add(
                    (*path, "id"),
                    "duplicate-id",
                    f"Question id {question_id!r} is already used by an earlier question "
                    f"($.questions[{seen[question_id]}]); question ids must be unique.",
                )
            else:
                seen[question_id] = int(path[-1])
        lesson_id = good.get("lesson")
        if lesson_id is not None and lesson_id not in lesson_ids:
            known = ", ".join(repr(k) for k in lesson_ids) or "none"
            self.add(
                (*path, "lesson"),
                "missing-lesson",
                f"There is no lesson with id {lesson_id!r} in this pack (lessons: {known}).",
            )
        qtype_name = self.enum(good, "type", path, [t.value for t in QuestionType])
        qtype = QuestionType(qtype_name) if qtype_name else None
        text_format = self.enum(good, "text_format", path, TEXT_FORMATS) or TextFormat.PLAIN.value
        scoring = (
            self.enum(good, "scoring", path, [s.value for s in Scoring]) or Scoring.PARTIAL.value
        )
        difficulty = self.enum(good, "difficulty", path, DIFFICULTIES)
        hints = self.strings(good, "hints", path)
        tags = self.strings(good, "tags", path)
        choices = self.choices(good.get("choices"), (*path, "choices"), qtype)

        evidence = good.get("evidence")
        lesson = lessons.get(lesson_id) if isinstance(lesson_id, str) else None
        if evidence is not None and lesson is not None:
            if not self.evidence_in(evidence, lesson):
                self.add(
                    (*path, "evidence"),
                    "evidence-not-found",
                    f"The evidence is not found in lesson {lesson_id!r}: it must be copied "
                    "word for word from the lesson's text (Markdown marks and extra spaces "
                    "are ignored).",
                )
        elif self.require_evidence and "evidence" not in raw:
            self.add(
                path,
                "evidence-missing",
                "This question has no 'evidence': every question of the built-in pack "
                "quotes the sentence of its lesson that supports the answer.",
            )

        if self.require_evidence and not str(good.get("explanation", "")).strip():
            self.add(
                path,
                "explanation-missing",
                "This question has no 'explanation': every question of the built-in pack "
                "says why its answer is right.",
            )

        if len(self.problems) != before or question_id is None or qtype is None or choices is None:
            return None
        return Question(
            id=question_id,
            lesson_id=good["lesson"],
            type=qtype,
            prompt=good["prompt"],
            choices=choices,
            explanation=good.get("explanation", ""),
            text_format=TextFormat(text_format),
            hints=hints,
            shuffle=good.get("shuffle", True),
            scoring=Scoring(scoring),
            evidence=evidence,
            difficulty=difficulty,
            tags=tags,
            title=good.get("title", ""),
            line=self.question_lines[index] if index < len(self.question_lines) else None,
        )

    def plain_question(
        self, raw: Any, index: int, seen: dict[str, int], lessons: Mapping[str, Lesson]
    ) -> Question | None:
        """The question at ``$.questions[index]`` when it breaks no rule, read without the
        generic walk; ``None`` as soon as anything is unusual (a wrong type, a rule
        broken, a lesson not read), and then :meth:`question` checks it the slow way and
        says what is wrong. So this never adds a problem, and a question it gives is the
        one :meth:`question` would have given: it asks the same questions in the order
        that costs least (a question that passes every check is the usual case; this
        reads it in about a third of the time). Marks its id as seen."""
        if type(raw) is not dict or not raw.keys() <= _QUESTION_KEYS:
            return None
        question_id = raw.get("id")
        lesson_id = raw.get("lesson")
        prompt = raw.get("prompt")
        raw_choices = raw.get("choices")
        if (
            type(question_id) is not str
            or type(lesson_id) is not str
            or type(prompt) is not str
            or type(raw_choices) is not list
            or not prompt
            or prompt.isspace()
            or question_id in seen
            or not SLUG.match(question_id)
        ):
            return None
        type_name = raw.get("type")
        qtype = _QUESTION_TYPES.get(type_name) if type(type_name) is str else None
        lesson = lessons.get(lesson_id)
        if qtype is None or lesson is None:
            return None
        text_format, scoring = TextFormat.PLAIN, Scoring.PARTIAL
        explanation, title, shuffle = "", "", True
        evidence: str | None = None
        difficulty: str | None = None
        hints: tuple[str, ...] = ()
        tags: tuple[str, ...] = ()
        if len(raw) > 5:  # optional fields
            for key, value in raw.items():
                if key in _QUESTION_REQUIRED:
                    continue
                if key == "explanation" or key == "title":
                    if type(value) is not str:
                        return None
                    if key == "title":
                        title = value
                    else:
                        explanation = value
                elif key == "text_format" or key == "scoring":
                    found = _ENUM_VALUES[key].get(value) if type(value) is str else None
                    if found is None:
                        return None
                    if key == "scoring":
                        scoring = found  # type: ignore[assignment]
                    else:
                        text_format = found  # type: ignore[assignment]
                elif key == "difficulty":
                    if type(value) is not str or value not in DIFFICULTIES:
                        return None
                    difficulty = value
                elif key == "shuffle":
                    if type(value) is not bool:
                        return None
                    shuffle = value
                elif key == "evidence":
                    if (
                        type(value) is not str
                        or not value.strip()
                        or not self.evidence_in(value, lesson)
                    ):
                        return None
                    evidence = value
                else:  # hints, tags
                    if type(value) is not list or not all(
                        type(item) is str and item.strip() for item in value
                    ):
                        return None
                    if key == "hints":
                        hints = tuple(value)
                    else:
                        tags = tuple(value)
        if self.require_evidence and (evidence is None or not explanation.strip()):
            return None
        choices = _plain_choices(raw_choices, qtype)
        if choices is None:
            return None
        seen[question_id] = index
        return Question(
            id=question_id,
            lesson_id=lesson_id,
            type=qtype,
            prompt=prompt,
            choices=choices,
            explanation=explanation,
            text_format=text_format,
            hints=hints,
            shuffle=shuffle,
            scoring=scoring,
            evidence=evidence,
            difficulty=difficulty,
            tags=tags,
            title=title,
            line=self.question_lines[index] if index < len(self.question_lines) else None,
        )

    def choices(
        self, raw: Any, path: JsonPath, qtype: QuestionType | None
    ) -> tuple[Choice, ...] | None:
        if raw is None:
            return None
        before = len(self.problems)
        goods: list[dict[str, Any] | None] = []
        for i, item in enumerate(raw):
            good = self.fields(item, (*path, i), _CHOICE_FIELDS, "this choice")
            goods.append(good)
            if good is None:
                continue
            if "correct" in good and "credit" in good:
                self.add(
                    (*path, i),
                    "mixed-credit",
                    "A choice has either 'correct' or 'credit', not both.",
                )
            credit = good.get("credit")
            if credit is not None and not -1.0 <= credit <= 1.0:
                self.add(
                    (*path, i, "credit"),
                    "credit-range",
                    f"'credit' is a fraction from -1 to 1 (0.5 is half marks), not {credit}.",
                )
        # Texts: not empty, not repeated (after trimming and case-folding).
        seen_texts: dict[str, int] = {}
        for i, good in enumerate(goods):
            if good is None or "text" not in good:
                continue
            text = good["text"]
            key = " ".join(text.split()).casefold()
            if not key:
                self.add((*path, i, "text"), "empty-choice", "A choice's text must not be empty.")
            elif key in seen_texts:
                self.add(
                    (*path, i, "text"),
                    "duplicate-choice",
                    f"This choice repeats an earlier choice ({text.strip()!r}, "
                    f"{format_path((*path, seen_texts[key]))}); each choice must be different.",
                )
            else:
                seen_texts[key] = i
        if len(raw) < 2:
            self.add(
                path,
                "too-few-choices",
                f"A question needs at least two choices; this one has {len(raw)}.",
            )
        elif qtype is QuestionType.TRUE_FALSE and len(raw) != 2:
            self.add(
                path,
                "true-false-choices",
                f"A true_false question has exactly two choices (true and false); "
                f"this one has {len(raw)}.",
            )
        if any(g is None for g in goods) or len(self.problems) != before:
            return None
        valid = [g for g in goods if g is not None]
        uses_credit = [("credit" in g) for g in valid]
        uses_correct = [("correct" in g) for g in valid]
        if any(uses_credit) and any(uses_correct):
            self.add(
                path,
                "mixed-credit",
                "Within one question, mark choices either all with 'correct' or all with "
                "'credit', not a mix.",
            )
            return None
        if qtype is None:
            return None
        if any(uses_credit):
            fractions = tuple(float(g.get("credit", 0.0)) for g in valid)
            if not self.check_credit(fractions, path, qtype):
                return None
        else:
            flags = [bool(g.get("correct", False)) for g in valid]
            if not self.check_correct(flags, path, qtype):
                return None
            fractions = default_fractions(qtype, flags)
        return _built_choices(valid, fractions)

    def check_correct(self, flags: Sequence[bool], path: JsonPath, qtype: QuestionType) -> bool:
        found = _correct_problem(flags, qtype)
        if found is not None:
            self.add(path, *found)
        return found is None

    def check_credit(self, fractions: Sequence[float], path: JsonPath, qtype: QuestionType) -> bool:
        found = _credit_problem(fractions, qtype)
        if found is not None:
            self.add(path, *found)
        return found is None


def _plain_choices(raw: list[Any], qtype: QuestionType) -> tuple[Choice, ...] | None:
    """The choices of :meth:`_Checker.plain_question`: ``raw`` read as
    :meth:`_Checker.choices` reads it when it breaks no rule, else ``None`` (never a
    problem: the slow way says what is wrong)."""
    count = len(raw)
    if count < 2 or (qtype is QuestionType.TRUE_FALSE and count != 2):
        return None
    texts: set[str] = set()
    flags: list[bool] = []
    credits: list[float] = []
    for item in raw:
        if type(item) is not dict or not item.keys() <= _CHOICE_KEYS:
            return None
        text = item.get("text")
        if type(text) is not str:
            return None
        key = " ".join(text.split()).casefold()
        if not key or key in texts:
            return None
        texts.add(key)
        if len(item) > 1:
            for name, value in item.items():
                if name == "correct":
                    if type(value) is not bool:
                        return None
                    flags.append(value)
                elif name == "credit":
                    # A JSON number: int or float (bool is refused); NaN fails the range.
                    if (type(value) is not float and type(value) is not int) or not (
                        -1.0 <= value <= 1.0
                    ):
                        return None
                    credits.append(value)
                elif name == "feedback":
                    if type(value) is not str:
                        return None
                elif name == "pinned" and type(value) is not bool:
                    return None
    fractions: tuple[float, ...]
    if credits:
        if flags:
            return None  # 'correct' and 'credit' mixed
        fractions = tuple(float(item.get("credit", 0.0)) for item in raw)
        if _credit_problem(fractions, qtype) is not None:
            return None
    else:
        right = [item.get("correct", False) for item in raw]
        if _correct_problem(right, qtype) is not None:
            return None
        fractions = default_fractions(qtype, right)
    return _built_choices(raw, fractions)


def _built_choices(
    items: Sequence[dict[str, Any]], fractions: Sequence[float]
) -> tuple[Choice, ...]:
    """The choices of checked JSON ``items``, each with its fraction (the slow and the
    quick reading build them alike)."""
    return tuple(
        [
            Choice(
                text=item["text"],
                fraction=fraction,
                feedback=item.get("feedback", ""),
                pinned=item.get("pinned", False),
            )
            for item, fraction in zip(items, fractions, strict=True)
        ]
    )


def _correct_problem(flags: Sequence[bool], qtype: QuestionType) -> tuple[str, str] | None:
    """``(rule, message)`` when the right/wrong ``flags`` of a question of type ``qtype``
    break a rule (how many are right), else ``None``."""
    n_right = sum(flags)
    if qtype is QuestionType.MULTIPLE:
        if n_right == 0:
            return (
                "no-correct-choice",
                'No choice is marked "correct": true; a multiple question needs at '
                "least one right choice.",
            )
        return None
    if n_right != 1:
        return (
            "single-correct-count",
            f'A {qtype.value} question has exactly one choice marked "correct": true; '
            f"this one has {n_right}. Use type 'multiple' for several right answers.",
        )
    return None


def _credit_problem(fractions: Sequence[float], qtype: QuestionType) -> tuple[str, str] | None:
    """``(rule, message)`` when the credit ``fractions`` of a question of type ``qtype``
    cannot give full marks (or give more, or give it to several choices of a single
    question), else ``None``."""
    positives = [f for f in fractions if f > 0]
    if not positives:
        return "no-correct-choice", "No choice has a positive 'credit'."
    if qtype is QuestionType.MULTIPLE:
        total = sum(positives)
        if not FULL_MARKS_THRESHOLD <= total <= 1.0 + _CREDIT_TOLERANCE:
            return (
                "credit-not-full",
                f"The positive credits add up to {_pct(total)}; they must add up to 1 "
                "(100%) so that choosing all the right choices gives full marks.",
            )
        return None
    full = [f for f in fractions if f >= FULL_MARKS_THRESHOLD]
    if max(fractions) > 1.0 + _CREDIT_TOLERANCE or not full:
        return (
            "credit-not-full",
            f"In a {qtype.value} question the best choice must have credit 1 "
            f"(full marks); the best here is {_pct(max(fractions))}.",
        )
    if len(full) != 1:
        return (
            "single-correct-count",
            f"A {qtype.value} question has exactly one choice with credit 1; this one "
            f"has {len(full)}. Use type 'multiple' for several right answers.",
        )
    return None


def _pct(value: float) -> str:
    return f"{value:g} ({value * 100:.6g}%)"


# ---------------------------------------------------------------------------
# Writing


def pack_to_dict(pack: Pack) -> dict[str, Any]:
    """The format-v1 JSON object of ``pack``, as plain dicts and lists (fields in spec order).

    Optional fields are written only when they differ from their default. Choices are
    written with ``correct`` when their fractions are exactly what
    :func:`default_fractions` gives for their right/wrong flags, else with ``credit``.
    """
    out: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "format": FORMAT_MARKER,
        "format_version": FORMAT_VERSION,
        "id": pack.id,
        "title": pack.title,
        "language": pack.language,
        "version": pack.version,
    }
    for key in ("description", "source", "notice"):
        value = getattr(pack, key)
        if value:
            out[key] = value
    out["lessons"] = [{"id": ls.id, "title": ls.title, "body": ls.body} for ls in pack.lessons]
    out["questions"] = [_question_to_dict(q) for q in pack.questions]
    return out


def _question_to_dict(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "lesson": q.lesson_id, "type": q.type.value}
    if q.title:
        out["title"] = q.title
    out["prompt"] = q.prompt
    if q.text_format is not TextFormat.PLAIN:
        out["text_format"] = q.text_format.value
    flags = [c.is_correct for c in q.choices]
    by_flags = default_fractions(q.type, flags) == tuple(c.fraction for c in q.choices)
    choices: list[dict[str, Any]] = []
    for c in q.choices:
        item: dict[str, Any] = {"text": c.text}
        if by_flags:
            if c.is_correct:
                item["correct"] = True
        else:
            item["credit"] = c.fraction
        if c.feedback:
            item["feedback"] = c.feedback
        if c.pinned:
            item["pinned"] = True
        choices.append(item)
    out["choices"] = choices
    out["explanation"] = q.explanation
    if q.hints:
        out["hints"] = list(q.hints)
    if not q.shuffle:
        out["shuffle"] = False
    if q.scoring is not Scoring.PARTIAL:
        out["scoring"] = q.scoring.value
    if q.evidence:
        out["evidence"] = q.evidence
    if q.difficulty:
        out["difficulty"] = q.difficulty
    if q.tags:
        out["tags"] = list(q.tags)
    return out


def dump_pack(pack: Pack) -> str:
    """``pack`` as format-v1 JSON text (UTF-8 characters kept, 2-space indent, final newline).

    ``parse_pack(dump_pack(p)) == p`` for every pack that :func:`parse_pack` could
    have produced (``Question.line`` aside, which is not compared).
    """
    return json.dumps(pack_to_dict(pack), ensure_ascii=False, indent=2) + "\n"


def write_pack(pack: Pack, path: str | os.PathLike[str]) -> None:
    """Write ``pack`` to ``path`` as UTF-8 format-v1 JSON (through a temporary file, then
    renamed, so a crash never leaves half a file)."""
    atomic_write_text(path, dump_pack(pack))


__all__ = [
    "FORMAT_MARKER",
    "FORMAT_VERSION",
    "MAX_PACK_BYTES",
    "RULES",
    "dump_pack",
    "load_pack",
    "pack_to_dict",
    "parse_pack",
    "parse_pack_bytes",
    "read_text_file",
    "write_pack",
]
