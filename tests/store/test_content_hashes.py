"""Content hashes never change for the same content.

Every installed question revision stores its content hash; a re-import compares the
file's hashes with them. If the rendering behind the hash drifted, every question of
every installed pack would count as revised on its next import (a new revision each,
spurious "changed" reports). So the fast hand-written rendering in
``quizapp.store.convert`` is checked against the original definition, on random
content and on pinned values.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType, Scoring, TextFormat
from quizapp.store.convert import lesson_hash, pack_hash, pack_hashes, question_hash


def _reference_digest(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _reference_content(q: Question) -> dict[str, Any]:
    """The definition of a question's canonical content (as first released)."""
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


def _reference_pack_hash(pack: Pack) -> str:
    return _reference_digest(
        {
            "id": pack.id,
            "title": pack.title,
            "language": pack.language,
            "version": pack.version,
            "description": pack.description,
            "source": pack.source,
            "notice": pack.notice,
            "lessons": [[les.id, les.title, les.body] for les in pack.lessons],
            "questions": [[q.id, _reference_content(q)] for q in pack.questions],
        }
    )


# Any text, including quotes, backslashes, controls, U+2028 and astral characters.
TEXT = st.text(max_size=30)
FRACTION = st.one_of(
    st.sampled_from([1.0, 0.0, -1.0, 0.5, 1 / 3, -1 / 3, 0.1]),
    st.floats(min_value=-1, max_value=1, allow_nan=False),
)
CHOICE = st.builds(Choice, text=TEXT, fraction=FRACTION, feedback=TEXT, pinned=st.booleans())
QUESTION = st.builds(
    Question,
    id=TEXT,
    lesson_id=TEXT,
    type=st.sampled_from(QuestionType),
    prompt=TEXT,
    choices=st.lists(CHOICE, max_size=5).map(tuple),
    explanation=TEXT,
    text_format=st.sampled_from(TextFormat),
    hints=st.lists(TEXT, max_size=3).map(tuple),
    shuffle=st.booleans(),
    scoring=st.sampled_from(Scoring),
    evidence=st.none() | TEXT,
    difficulty=st.none() | TEXT,
    tags=st.lists(TEXT, max_size=3).map(tuple),
    title=TEXT,
)
PACK = st.builds(
    Pack,
    id=TEXT,
    title=TEXT,
    lessons=st.lists(st.builds(Lesson, id=TEXT, title=TEXT, body=TEXT), max_size=3).map(tuple),
    questions=st.lists(QUESTION, max_size=4).map(tuple),
    language=TEXT,
    version=TEXT,
    description=TEXT,
    source=TEXT,
    notice=TEXT,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(QUESTION)
def test_question_hash_is_the_reference_digest(question: Question) -> None:
    assert question_hash(question) == _reference_digest(_reference_content(question))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PACK)
def test_pack_hashes_are_the_reference_digests(pack: Pack) -> None:
    whole, questions = pack_hashes(pack)
    assert whole == pack_hash(pack) == _reference_pack_hash(pack)
    assert questions == [question_hash(q) for q in pack.questions]


def test_hashes_of_installed_content_are_pinned() -> None:
    """Values computed by the first release: a database installed then must not see its
    questions as changed now."""
    q = Question(
        id="qé",
        lesson_id='l"1',
        type=QuestionType.MULTIPLE,
        prompt="Ünïcode \\ \n \u2028 \x00 ✓",
        choices=(Choice("a", 0.5, "fb", True), Choice("b", -1 / 3), Choice("c", 1)),
        explanation="e",
        text_format=TextFormat.HTML,
        hints=("h1", "hé2"),
        shuffle=False,
        scoring=Scoring.ALL_OR_NOTHING,
        evidence="ev",
        difficulty="hard",
        tags=("t",),
        title="T",
    )
    pack = Pack(
        id="x",
        title="Tié",
        lessons=(Lesson('l"1', "a", "b\n"),),
        questions=(q,),
        description="d",
        notice="n\u2028",
    )
    assert question_hash(q) == "36c9b5042c77fbb281ffaae7bae86c038cad8ef1964dfe6d72c16b5d8e9cf39e"
    assert pack_hash(pack) == "a7fb83a95e85026e37fba5eec28f57ae62f2d88dab8e19d87561006447f53255"
    assert lesson_hash(pack.lessons[0]) == _reference_digest({"title": "a", "body": "b\n"})


def test_a_field_of_another_type_renders_as_the_encoder_would() -> None:
    """Values the types do not promise (a number as difficulty, ``None`` as title) still
    hash as the reference rendering does."""
    q = Question(
        id="q", lesson_id="l", type=QuestionType.SINGLE, prompt="P",
        choices=(Choice("a", 1, pinned=1),),  # type: ignore[arg-type]
        difficulty=3,  # type: ignore[arg-type]
        title=None,  # type: ignore[arg-type]
    )
    assert question_hash(q) == _reference_digest(_reference_content(q))
