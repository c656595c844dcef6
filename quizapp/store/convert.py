"""Between domain objects and rows: question revisions back to domain questions, and the
content hashes that decide when a re-import makes a new revision.

A content hash is the SHA-256 (hex) of a canonical JSON rendering of everything a
student sees or is marked on; the question's own id and its source line are not part
of it (the id is the identity, the line is where it happened to be in a file).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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


def _digest(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _question_content(q: Question) -> dict[str, Any]:
    return {
        "lesson": q.lesson_id,
        "type": q.type.value,
        "prompt": q.prompt,
        "text_format": q.text_format.value,
        "choices": [[c.text, repr(float(c.fraction)), c.feedback, c.pinned] for c in q.choices],
        "explanation": q.explanation,
        "hints": list(q.hints),
        "shuffle": q.shuffle,
        "scoring": q.scoring.value,
        "evidence": q.evidence,
        "difficulty": q.difficulty,
        "tags": list(q.tags),
        "title": q.title,
    }


def question_hash(question: Question) -> str:
    """Content hash of one question (its lesson id included: moving it is a change)."""
    return _digest(_question_content(question))


def lesson_hash(lesson: Lesson) -> str:
    """Content hash of one lesson's title and body."""
    return _digest({"title": lesson.title, "body": lesson.body})


def pack_hash(pack: Pack) -> str:
    """Content hash of a whole pack: metadata (version included), lessons in order,
    questions in order with their ids."""
    return _digest(
        {
            "id": pack.id,
            "title": pack.title,
            "language": pack.language,
            "version": pack.version,
            "description": pack.description,
            "source": pack.source,
            "notice": pack.notice,
            "lessons": [[les.id, les.title, les.body] for les in pack.lessons],
            "questions": [[q.id, _question_content(q)] for q in pack.questions],
        }
    )


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


def question_row(
    question: Question, *, pack_id: int, lesson_id: int, revision: int, position: int
) -> m.Question:
    """A new (current) revision row for ``question``, with its choices, not yet added."""
    return m.Question(
        pack_id=pack_id,
        lesson_id=lesson_id,
        key=question.id,
        revision=revision,
        is_current=True,
        content_hash=question_hash(question),
        position=position,
        type=question.type.value,
        prompt=question.prompt,
        text_format=question.text_format.value,
        explanation=question.explanation,
        hints=list(question.hints),
        shuffle=question.shuffle,
        scoring=question.scoring.value,
        evidence=question.evidence,
        difficulty=question.difficulty,
        tags=list(question.tags),
        title=question.title,
        choices=[
            m.Choice(
                position=i,
                text=c.text,
                fraction=float(c.fraction),
                feedback=c.feedback,
                pinned=c.pinned,
            )
            for i, c in enumerate(question.choices)
        ],
    )
