"""Moodle XML multichoice and truefalse, parsed safely, texts read by their format."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.errors import PackError
from quizapp.domain.model import QuestionType, TextFormat
from quizapp.domain.scoring import mark_response
from quizapp.formats.moodle_xml import parse_moodle_xml, read_moodle_xml

FIXTURES = Path(__file__).parent / "fixtures" / "xml"


def test_multichoice_truefalse_categories_and_skipped_types() -> None:
    result = read_moodle_xml(FIXTURES / "quiz.xml")
    pack = result.pack
    assert [lesson.title for lesson in pack.lessons] == ["quiz", "Capitals"]
    plain, france, colours, sun = pack.questions

    # plain_text: the characters as written, never markup.
    assert plain.text_format is TextFormat.PLAIN
    assert plain.prompt == "Which tag makes text bold: <b>?"
    assert plain.choices[0].text == "<b>"
    assert plain.lesson_id == pack.lessons[0].id

    # html: sanitized; no image, no script; the XML decoded once, then the HTML.
    assert france.text_format is TextFormat.HTML
    assert france.prompt == "<p>What is the <b>capital</b> of France?</p>"
    assert france.explanation == "Paris &amp; its river, the Seine."
    assert france.id == "fr-cap"
    assert france.title == "Capital of France"
    assert france.type is QuestionType.SINGLE
    assert france.shuffle is False
    assert [(c.text, c.fraction, c.feedback) for c in france.choices] == [
        ("Paris", 1.0, "Yes."), ("Lyon", 0.0, "Lyon is the <i>third</i> city."),
    ]
    assert france.line == 12
    assert any("line 12" in w and "img" in w for w in result.warnings)

    # markdown; single=false -> multiple; fractions are percentages.
    assert colours.text_format is TextFormat.MARKDOWN
    assert colours.type is QuestionType.MULTIPLE
    assert [c.fraction for c in colours.choices] == [0.3333333, 0.3333333, 0.3333333, -1.0]
    assert mark_response(colours, {0, 1, 2}) == 1.0
    assert colours.shuffle is True
    assert colours.tags == ("colour",)

    assert sun.type is QuestionType.TRUE_FALSE
    assert [(c.text, c.fraction, c.feedback) for c in sun.choices] == [
        ("True", 1.0, "Right."), ("False", 0.0, "It is a star."),
    ]
    assert sun.text_format is TextFormat.PLAIN

    assert [(s.line, s.kind) for s in result.skipped] == [(47, "short_answer"), (52, "essay")]


def test_declared_encoding_is_honoured() -> None:
    (q,) = read_moodle_xml(FIXTURES / "latin1.xml").pack.questions
    assert q.prompt == "Café is French."


@pytest.mark.parametrize(
    ("name", "line", "rule"),
    [
        ("bad_fraction.xml", 6, "bad-fraction"),
        ("not_well_formed.xml", 5, "xml-syntax"),
        ("entities.xml", 2, "xml-forbidden"),
        ("external.xml", 2, "xml-forbidden"),
    ],
)
def test_errors_name_their_line(name: str, line: int, rule: str) -> None:
    with pytest.raises(PackError) as info:
        read_moodle_xml(FIXTURES / name)
    problem = info.value.problems[0]
    assert (problem.line, problem.rule) == (line, rule)


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ('<single>true</single><answer fraction="50"><text>a</text></answer>'
         '<answer fraction="0"><text>b</text></answer>', "no-correct-choice"),
        ('<single>false</single><answer fraction="50"><text>a</text></answer>'
         '<answer fraction="0"><text>b</text></answer>', "weights-sum"),
        ('<answer fraction="100"><text>a</text></answer>', "too-few-choices"),
        ('<answer fraction="100"><text>&lt;script&gt;a&lt;/script&gt;</text></answer>'
         '<answer fraction="0"><text>b</text></answer>', "empty-choice"),
    ],
)
def test_multichoice_that_moodle_would_refuse_is_refused(body: str, rule: str) -> None:
    xml = ('<quiz><question type="multichoice"><questiontext><text>Q?</text></questiontext>'
           f"{body}</question></quiz>").encode()
    with pytest.raises(PackError) as info:
        parse_moodle_xml(xml, "x.xml")
    assert info.value.problems[0].rule == rule


def test_root_must_be_quiz() -> None:
    with pytest.raises(PackError) as info:
        parse_moodle_xml(b"<html><body/></html>", "page.xml")
    assert info.value.problems[0].rule == "not-moodle-xml"


def test_unescaped_markup_inside_text_keeps_its_words() -> None:
    xml = (b'<quiz><question type="truefalse"><questiontext format="html">'
           b"<text>The <b>Sun</b> is a star.</text></questiontext>"
           b'<answer fraction="100"><text>true</text></answer>'
           b'<answer fraction="0"><text>false</text></answer></question></quiz>')
    (q,) = parse_moodle_xml(xml, "x.xml").pack.questions
    assert q.prompt == "The Sun is a star."


def test_a_question_text_that_is_all_script_is_refused() -> None:
    xml = (b'<quiz><question type="multichoice"><questiontext format="html">'
           b"<text>&lt;script&gt;Why?&lt;/script&gt;</text></questiontext>"
           b'<answer fraction="100"><text>a</text></answer>'
           b'<answer fraction="0"><text>b</text></answer></question></quiz>')
    with pytest.raises(PackError) as info:
        parse_moodle_xml(xml, "x.xml")
    assert info.value.problems[0].rule == "empty-prompt"
