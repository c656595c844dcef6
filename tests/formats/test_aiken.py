"""Aiken as Moodle reads it, with an error by line for anything out of place."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.errors import PackError
from quizapp.domain.model import QuestionType, TextFormat
from quizapp.formats.aiken import parse_aiken, read_aiken

FIXTURES = Path(__file__).parent / "fixtures" / "aiken"


def test_questions_choices_and_answer_letters() -> None:
    result = read_aiken(FIXTURES / "good.txt")
    first, second, third = result.pack.questions
    assert first.prompt == "What is the correct answer to this question?"
    assert [c.text for c in first.choices] == [
        "Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!",
    ]
    assert first.correct_indices == (3,)
    assert first.type is QuestionType.SINGLE
    assert first.line == 1
    # Question text over two lines, choices written "A)", no blank line before the next.
    assert second.prompt == "Which LMS has the most\nquiz import formats?"
    assert second.correct_indices == (0,)
    assert second.line == 8
    # Plain text: <b> is the characters <b>.
    assert third.text_format is TextFormat.PLAIN
    assert third.choices[0].text == "<b>"
    assert [lesson.title for lesson in result.pack.lessons] == ["good"]
    assert result.skipped == ()


@pytest.mark.parametrize(
    ("name", "line", "rule"),
    [
        ("choice_before_question.txt", 1, "choice-before-question"),
        ("text_after_choices.txt", 4, "text-after-choices"),
        ("answer_out_of_place.txt", 3, "answer-out-of-place"),
        ("answer_without_choice.txt", 4, "answer-without-choice"),
        ("missing_answer.txt", 1, "missing-answer"),
        ("choice_letter_order.txt", 3, "choice-letter"),
    ],
)
def test_errors_name_the_line(name: str, line: int, rule: str) -> None:
    with pytest.raises(PackError) as info:
        read_aiken(FIXTURES / name)
    assert [(p.line, p.rule) for p in info.value.problems] == [(line, rule)]
    assert info.value.problems[0].file.endswith(name)


def test_every_broken_question_is_reported_not_only_the_first() -> None:
    text = "Q1?\nA. a\nANSWER: A\n\nQ2?\nA. a\nB. b\nANSWER: Z\n\nQ3?\nA. a\nB. b\nANSWER: B\n"
    with pytest.raises(PackError) as info:
        parse_aiken(text, "many.txt")
    assert [(p.line, p.rule) for p in info.value.problems] == [
        (3, "answer-out-of-place"), (8, "answer-without-choice"),
    ]


def test_answer_must_be_one_letter() -> None:
    with pytest.raises(PackError) as info:
        parse_aiken("Q?\nA. a\nB. b\nANSWER: A, B\n", "x.txt")
    assert info.value.problems[0].rule == "answer-letter"


def test_crlf_and_cr_line_endings() -> None:
    for newline in ("\r\n", "\r"):
        text = "Q?\nA. a\nB. b\nANSWER: b\n".replace("\n", newline)
        (q,) = parse_aiken(text, "x.txt").pack.questions
        assert q.correct_indices == (1,)
