"""The built-in course (``questions.json``): it loads, and its content keeps the promises of
issue 2 and DESIGN.md (evidence in its lesson, enough questions, lessons of 100-300 words,
acronyms spelled out, the source document's facts and names as it gives them).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache

import pytest

from quizapp.bundled import builtin_pack_path
from quizapp.domain.model import Pack, QuestionType
from quizapp.domain.text import evidence_found, markdown_to_plain
from quizapp.formats.json_pack import load_pack

LESSON_IDS = (
    "global-threat",
    "international-action",
    "national-action",
    "ukraine-response",
    "world-day",
)

# Acronym -> the long form that must come right before its first use in each lesson,
# as "Long Form (ACRONYM)".
ACRONYMS = {
    "UNODC": "United Nations Office on Drugs and Crime",
    "ILO": "International Labour Office",
    "OSCE": "Organization for Security and Co-operation in Europe",
    "NGO": "non-governmental organisations",
    "EU": "European Union",
    "UN": "United Nations",
}

# Facts of the source document that the lessons must state exactly as it gives them.
KEY_FACTS = (
    "nearly 25 million victims",
    "tripled in 15 years",
    "more than $150 billion",
    "corruption, irregular migration and terrorism",
    "COVID-19",
    "Gulf of Guinea",
    "Expertise France",
    "Southeast Europe",
    "Blue Heart Campaign",
    "ten other countries",
    "more than 30",
    "French and Swedish Foreign Ministers",
    "abolitionist model",
    "United Nations Protocol on trafficking in persons",
    "first national action plan in 2014",
    "2019-2023",
    "45 measures",
    "Common Anti-Trafficking Plan",
    "11 May 2022",
    "EU Anti-Trafficking Coordinator",
    "created in 2013",
    "Global Action Plan to Combat Human Trafficking",
    "A/RES/68/192",
    "30 July",
    "for raising awareness of the situation of victims of human trafficking and for the "
    "promotion and protection of their rights",
)


@cache
def _pack() -> Pack:
    return load_pack(builtin_pack_path())


@cache
def _raw() -> dict:
    return json.loads(builtin_pack_path().read_text(encoding="utf-8"))


def _plain(lesson_id: str) -> str:
    return markdown_to_plain(_pack().lesson(lesson_id).body)


def _question_ids() -> list[str]:
    return [q["id"] for q in _raw()["questions"]]


def test_builtin_pack_loads_with_its_identity() -> None:
    pack = _pack()
    assert pack.id == "human-trafficking-france"
    assert pack.language == "en"
    assert pack.version == "1.0.0"
    assert pack.title
    assert pack.notice.strip(), "the notice is shown before the first lesson"


def test_source_says_only_what_the_document_states() -> None:
    source = _pack().source
    assert "World Day against Trafficking in Persons" in source
    assert "30 July" in source
    # No guessed date of publication: the document gives none.
    assert not re.search(r"\b(19|20)\d\d\b", source)


def test_five_lessons_one_per_section_in_order() -> None:
    assert tuple(lesson.id for lesson in _pack().lessons) == LESSON_IDS


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_lesson_is_100_to_300_words(lesson_id: str) -> None:
    words = len(_plain(lesson_id).split())
    assert 100 <= words <= 300, f"{lesson_id} has {words} words"


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_lesson_has_at_least_seven_questions(lesson_id: str) -> None:
    assert len(_pack().questions_of(lesson_id)) >= 7


def test_at_least_45_questions_of_every_type() -> None:
    questions = _pack().questions
    assert len(questions) >= 45
    by_type = Counter(q.type for q in questions)
    assert by_type[QuestionType.SINGLE] > len(questions) / 2, "mostly single-answer"
    assert by_type[QuestionType.MULTIPLE] >= 3
    assert by_type[QuestionType.TRUE_FALSE] >= 3


@pytest.mark.parametrize("question_id", _question_ids())
def test_question_evidence_is_found_in_its_own_lesson(question_id: str) -> None:
    question = next(q for q in _pack().questions if q.id == question_id)
    assert question.evidence, "evidence is required in the built-in pack"
    assert evidence_found(question.evidence, _pack().lesson(question.lesson_id).body)


@pytest.mark.parametrize("question_id", _question_ids())
def test_question_is_well_formed(question_id: str) -> None:
    question = next(q for q in _pack().questions if q.id == question_id)
    assert question.explanation.strip()
    assert question.difficulty in {"easy", "medium", "hard"}
    texts = [c.text.strip().casefold() for c in question.choices]
    assert len(texts) == len(set(texts)), "duplicate choices"
    if question.type is QuestionType.MULTIPLE:
        assert question.prompt.endswith("Select all that apply.")
        assert 0 < len(question.correct_indices) < len(question.choices)
    else:
        assert "select all" not in question.prompt.casefold()
        assert len(question.correct_indices) == 1
    if question.type is QuestionType.TRUE_FALSE:
        assert [c.text for c in question.choices] == ["True", "False"]
        # True stays first: either the question is not shuffled or both are pinned.
        assert not question.shuffle or all(c.pinned for c in question.choices)


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_acronyms_are_spelled_out_at_first_use_in_each_lesson(lesson_id: str) -> None:
    plain = _plain(lesson_id)
    for acronym, long_form in ACRONYMS.items():
        first = re.search(rf"\b{acronym}s?\b", plain)
        if first is None:
            continue
        before = plain[: first.start()]
        assert before.endswith(f"{long_form} ("), (
            f"{lesson_id}: first {acronym} is not spelled out as '{long_form} ({acronym})'"
        )


def test_document_slips_are_corrected() -> None:
    text = builtin_pack_path().read_text(encoding="utf-8")
    assert "United Office on Drugs and Crime" not in text
    assert "breath of this scourge" not in text
    assert "United Nations Office on Drugs and Crime (UNODC)" in _plain("global-threat")
    assert "breadth of this scourge" in _plain("world-day")


@pytest.mark.parametrize("fact", KEY_FACTS)
def test_key_fact_of_the_document_is_taught(fact: str) -> None:
    lessons = " ".join(_plain(lesson_id) for lesson_id in LESSON_IDS)
    assert fact in lessons


def test_every_key_figure_is_asked_about() -> None:
    """The figures and dates students must learn each have a question whose key holds them."""
    keys = " ".join(q.choices[i].text for q in _pack().questions for i in q.correct_indices)
    for figure in (
        "25 million",
        "tripled",
        "$150 billion",
        "Ten",
        "More than 30",
        "2014",
        "2019-2023",
        "45",
        "11 May 2022",
        "2013",
        "A/RES/68/192",
        "30 July",
    ):
        assert figure in keys, f"no question has {figure!r} as its answer"
