"""Between domain objects and rows: question revisions back to domain questions, and the
content hashes that decide when a re-import makes a new revision.

A content hash is the SHA-256 (hex) of a canonical JSON rendering of everything a
student sees or is marked on; the question's own id and its source line are not part
of it (the id is the identity, the line is where it happened to be in a file).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from json.encoder import encode_basestring as _encode_str
from typing import Any
from uuid import UUID

from quizapp.domain.model import (
    Choice,
    Lesson,
    Pack,
    Question,
    QuestionType,
    Scoring,
    TextFormat,
)
from quizapp.store import models as m

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_dumps = _ENCODER.encode


_EMPTY_JSON = '""'
"""The JSON of ``""``."""


def _digest(data: Any) -> str:
    return _sha256(_dumps(data))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content_json(q: Question) -> str:
    """The canonical JSON of what a student sees or is marked on in ``q``: the text
    ``json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``
    gives for ``{"lesson", "type", "prompt", "text_format", "choices": [[text,
    repr(fraction), feedback, pinned], ...], "explanation", "hints", "shuffle",
    "scoring", "evidence", "difficulty", "tags", "title"}``, written out by hand in
    sorted key order (several times faster than the generic encoder; the hashes stored
    in existing databases depend on this exact text, see
    ``tests/store/test_content_hashes.py``).
    """
    try:
        return _content_json_of_strings(q)
    except TypeError:  # a text field that is not a str: the generic rendering
        return _content_json_of_any(q)


def _content_json_of_strings(q: Question) -> str:
    """:func:`_content_json` when every text field is a ``str`` (else ``TypeError``).

    The enums (``type``, ``text_format``, ``scoring``) are ``StrEnum``: the C encoder
    reads a ``str`` subclass's characters, which are the member's value, so they are
    given as they are (``.value`` cost more than the encoding)."""
    e = _encode_str
    choices = ",".join([
        f'[{e(c.text)},"{float(c.fraction)!r}",'  # a float's repr needs no escape
        f'{_EMPTY_JSON if c.feedback == "" else e(c.feedback)},'  # no feedback: the usual
        f"{'true' if c.pinned is True else 'false' if c.pinned is False else _dumps(c.pinned)}]"
        for c in q.choices
    ])
    d, ev, sh = q.difficulty, q.evidence, q.shuffle
    return (
        f'{{"choices":[{choices}],"difficulty":{"null" if d is None else e(d)},'
        f'"evidence":{"null" if ev is None else e(ev)},"explanation":{e(q.explanation)},'
        f'"hints":{_strs(q.hints)},"lesson":{e(q.lesson_id)},"prompt":{e(q.prompt)},'
        f'"scoring":{e(q.scoring)},'
        f'"shuffle":{"true" if sh is True else "false" if sh is False else _dumps(sh)},'
        f'"tags":{_strs(q.tags)},"text_format":{e(q.text_format)},'
        f'"title":{e(q.title)},"type":{e(q.type)}}}'
    )


def _content_json_of_any(q: Question) -> str:
    """:func:`_content_json` for any field values (each through the encoder if need be)."""
    s = _str
    choices = ",".join(
        f"[{s(c.text)},{s(repr(float(c.fraction)))},{s(c.feedback)},{_val(c.pinned)}]"
        for c in q.choices
    )
    return (
        f'{{"choices":[{choices}],"difficulty":{_val(q.difficulty)},'
        f'"evidence":{_val(q.evidence)},"explanation":{s(q.explanation)},'
        f'"hints":{_strs(q.hints)},"lesson":{s(q.lesson_id)},"prompt":{s(q.prompt)},'
        f'"scoring":{s(q.scoring.value)},"shuffle":{_val(q.shuffle)},"tags":{_strs(q.tags)},'
        f'"text_format":{s(q.text_format.value)},"title":{s(q.title)},"type":{s(q.type.value)}}}'
    )


def _str(value: Any) -> str:
    """JSON of a value expected to be a string (anything else through the encoder)."""
    return _encode_str(value) if type(value) is str else _dumps(value)


def _val(value: Any) -> str:
    """JSON of a scalar: ``null``, ``true``, ``false``, a string, else the encoder's."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _str(value)


def _strs(values: Any) -> str:
    """JSON of a sequence of strings, rendered as a list."""
    if not values:
        return "[]"
    return "[" + ",".join(_str(v) for v in values) + "]"


def question_hash(question: Question) -> str:
    """Content hash of one question (its lesson id included: moving it is a change)."""
    return _sha256(_content_json(question))


def lesson_hash(lesson: Lesson) -> str:
    """Content hash of one lesson's title and body."""
    return _digest({"title": lesson.title, "body": lesson.body})


def pack_hash(pack: Pack) -> str:
    """Content hash of a whole pack: metadata (version included), lessons in order,
    questions in order with their ids."""
    return pack_hashes(pack)[0]


def pack_hashes(pack: Pack) -> tuple[str, list[str]]:
    """``(pack_hash(pack), [question_hash(q) for q in pack.questions])``, rendering each
    question's content once (the pack's canonical text embeds the questions' texts)."""
    texts = [_content_json(q) for q in pack.questions]
    questions = ",".join(
        f"[{_str(q.id)},{text}]" for q, text in zip(pack.questions, texts, strict=True)
    )
    lessons = _dumps([[les.id, les.title, les.body] for les in pack.lessons])
    whole = (
        f'{{"description":{_str(pack.description)},"id":{_str(pack.id)},'
        f'"language":{_str(pack.language)},"lessons":{lessons},"notice":{_str(pack.notice)},'
        f'"questions":[{questions}],"source":{_str(pack.source)},'
        f'"title":{_str(pack.title)},"version":{_str(pack.version)}}}'
    )
    return _sha256(whole), [_sha256(text) for text in texts]


def question_from_row(row: m.Question) -> Question:
    """The domain question of one stored revision (its lesson loaded from the session).

    ``lesson_id`` is the lesson's key in the pack; choices in author order."""
    return Question(
        id=row.key,
        lesson_id=row.lesson.key,
        type=QuestionType(row.type),
        prompt=row.prompt,
        choices=tuple(
            Choice(text=c.text, fraction=c.fraction, feedback=c.feedback, pinned=c.pinned)
            for c in sorted(row.choices, key=lambda c: c.position)
        ),
        explanation=row.explanation,
        text_format=TextFormat(row.text_format),
        hints=tuple(row.hints or ()),
        shuffle=row.shuffle,
        scoring=Scoring(row.scoring),
        evidence=row.evidence,
        difficulty=row.difficulty,
        tags=tuple(row.tags or ()),
        title=row.title,
    )


QUESTION_COLUMNS = (
    "uuid", "pack_id", "lesson_id", "key", "revision", "is_current", "content_hash",
    "position", "type", "prompt", "text_format", "explanation", "hints", "shuffle",
    "scoring", "evidence", "difficulty", "tags", "title", "created_at",
)
"""The columns of ``questions`` that :func:`question_rows` gives, in its order."""

CHOICE_COLUMNS = ("question_id", "position", "text", "fraction", "feedback", "pinned")
"""The columns of ``choices`` that :func:`choice_rows` gives, in its order."""


def question_rows(
    new: Iterable[tuple[int, Question, str, int, int]],
    uuids: Iterable[UUID],
    *,
    pack_id: int,
    now: datetime,
) -> list[tuple[Any, ...]]:
    """The values of new (current) revision rows, in :data:`QUESTION_COLUMNS` order, for a
    bulk insert: one row for each ``(position, question, content_hash, lesson row id,
    revision)`` of ``new`` with its ``uuids`` item (as many). Python values as a Core
    ``insert()`` takes them (``created_at`` = ``now``, aware UTC; hints and tags as
    lists, an empty one as ``()``). ``content_hash`` is :func:`question_hash` of the
    question.

    One comprehension for all the rows (a call per question cost more than the row),
    the enums' values read as ``_value_`` (the enum's own attribute; ``.value`` is a
    Python-level property)."""
    return [
        (
            u,
            pack_id,
            lesson_id,
            q.id,
            revision,
            True,
            content_hash,
            position,
            q.type._value_,
            q.prompt,
            q.text_format._value_,
            q.explanation,
            list(q.hints) if q.hints else (),  # () is one object: converted once
            q.shuffle,
            q.scoring._value_,
            q.evidence,
            q.difficulty,
            list(q.tags) if q.tags else (),
            q.title,
            now,
        )
        for u, (position, q, content_hash, lesson_id, revision) in zip(uuids, new, strict=True)
    ]


def choice_rows(questions: Iterable[tuple[int, Question]]) -> list[tuple[Any, ...]]:
    """The rows of the choices (author order) of each ``(question row id, question)``,
    in :data:`CHOICE_COLUMNS` order, for a bulk insert."""
    return [
        (question_id, i, c.text, float(c.fraction), c.feedback, c.pinned)
        for question_id, question in questions
        for i, c in enumerate(question.choices)
    ]
