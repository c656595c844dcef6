"""Any input either reads into a valid pack or raises PackError with a location.

Never another exception, and never a pack that breaks the model's rules (so nothing
half-read reaches an import).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.domain.errors import PackError
from quizapp.domain.model import ImportResult, QuestionType
from quizapp.formats.aiken import parse_aiken
from quizapp.formats.gift import parse_gift
from quizapp.formats.moodle_xml import parse_moodle_xml
from quizapp.formats.registry import read_question_set
from quizapp.formats.spreadsheet import parse_csv, parse_xlsx

FILE_LEVEL_RULES = {"no-questions", "not-xlsx"}
"""Rules about the whole file, which have no line."""

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(read: Callable[[], ImportResult], filename: str) -> None:
    """Run a reader; assert it gives a valid pack or a located PackError."""
    error: PackError | None = None
    try:
        result = read()
    except PackError as err:
        error = err
    if error is not None:
        assert error.problems
        for problem in error.problems:
            assert problem.file == filename
            assert problem.rule
            assert problem.message
            assert problem.line is not None or problem.rule in FILE_LEVEL_RULES, problem
        return
    pack = result.pack
    assert pack.questions, "a pack with no question must be refused"
    lesson_ids = [lesson.id for lesson in pack.lessons]
    assert len(set(lesson_ids)) == len(lesson_ids)
    question_ids = [q.id for q in pack.questions]
    assert len(set(question_ids)) == len(question_ids)
    for q in pack.questions:
        assert q.lesson_id in lesson_ids
        assert q.prompt.strip()
        assert len(q.choices) >= 2
        assert all(c.text.strip() for c in q.choices)
        assert all(-1 <= c.fraction <= 1 for c in q.choices)
        assert q.correct_indices, "every question has a right choice"
        if q.type is not QuestionType.MULTIPLE:
            assert max(c.fraction for c in q.choices) == 1
        assert q.line is not None
    for item in result.skipped:
        assert item.kind
        assert item.reason


# -- GIFT ---------------------------------------------------------------------

GIFT_PIECES = [
    "::", "::title::", "{", "}", "=", "~", "#", "####", "%50%", "%-100%", "%33.33333%", "%x%",
    "$CATEGORY: ", "// c", "\n", "\n\n", "\r\n", "\r", " \t \n", "T", "TRUE", "F", "FALSE",
    "\\", "\\{", "\\}", "\\n", "->", "[html]", "[plain]", "[markdown]", "[moodle]", "<b>",
    "<script>", "&amp;", "a", "Question text", "\ufeff", "\ufdd0", "_____",
]


@FUZZ
@given(st.text())
def test_gift_any_text(text: str) -> None:
    check(lambda: parse_gift(text, "fuzz.gift"), "fuzz.gift")


@FUZZ
@given(st.lists(st.sampled_from(GIFT_PIECES), max_size=40).map("".join))
def test_gift_structured(text: str) -> None:
    check(lambda: parse_gift(text, "fuzz.gift"), "fuzz.gift")


GIFT_WORDS = st.lists(st.sampled_from(["a", "b", "word", " ", "\\{", "\\=", "<b>", "&amp;",
                                       "é", "->", "%", "T", ":", "[html]", "#"]),
                      min_size=0, max_size=4).map("".join)


@st.composite
def gift_question(draw: st.DrawFn) -> str:
    title = draw(st.sampled_from(["", "::t::", "::A title::", "::"]))
    answers = draw(st.lists(
        st.tuples(st.sampled_from(["=", "~", "~%50%", "~%-100%", "~%33.33333%", "~%100%", ""]),
                  GIFT_WORDS, st.sampled_from(["", "#", "#fb"])).map("".join),
        max_size=5,
    ))
    general = draw(st.sampled_from(["", "####", "####why"]))
    body = draw(st.sampled_from(["", "T", "FALSE#w#r"])) if not answers else "\n".join(answers)
    tail = draw(st.sampled_from(["", " tail.", "\n// c"]))
    return f"{title}{draw(GIFT_WORDS)}Question{{{body}{general}}}{tail}"


@FUZZ
@given(st.lists(st.one_of(gift_question(), st.sampled_from(GIFT_PIECES)), max_size=8),
       st.sampled_from(["\n\n", "\r\n\r\n", "\n \n", "\n"]))
def test_gift_question_shaped(blocks: list[str], separator: str) -> None:
    text = separator.join(blocks)
    check(lambda: parse_gift(text, "fuzz.gift"), "fuzz.gift")


# -- Aiken --------------------------------------------------------------------

AIKEN_LINES = ["Question?", "A. a", "B) b", "C. c", "D.\td", "ANSWER: A", "ANSWER: C",
               "ANSWER: Z", "ANSWER:", "answer: b", "", "  ", "A.", "Z. z", "more text"]


@FUZZ
@given(st.text())
def test_aiken_any_text(text: str) -> None:
    check(lambda: parse_aiken(text, "fuzz.txt"), "fuzz.txt")


@FUZZ
@given(st.lists(st.sampled_from(AIKEN_LINES), max_size=30),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_aiken_structured(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    check(lambda: parse_aiken(text, "fuzz.txt"), "fuzz.txt")


# -- CSV / XLSX ---------------------------------------------------------------

CSV_CELLS = ["", "Q?", "a", "b", "A", "B", "A,C", "x", "lesson", "question", "correct",
             "explanation", "C", "True", "False", '"', '"q"', "a\nb", "sep=;"]


@FUZZ
@given(st.text())
def test_csv_any_text(text: str) -> None:
    check(lambda: parse_csv(text, "fuzz.csv"), "fuzz.csv")


@FUZZ
@given(
    st.lists(st.lists(st.sampled_from(CSV_CELLS), max_size=8), max_size=8),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
)
def test_csv_structured(rows: list[list[str]], sep: str, header: bool) -> None:
    lines = [sep.join(row) for row in rows]
    if header:
        lines.insert(0, sep.join(["question", "A", "B", "C", "correct", "lesson"]))
    text = "\n".join(lines)
    check(lambda: parse_csv(text, "fuzz.csv"), "fuzz.csv")


@settings(max_examples=60, deadline=None)
@given(st.binary())
def test_xlsx_any_bytes(data: bytes) -> None:
    check(lambda: parse_xlsx(data, "fuzz.xlsx"), "fuzz.xlsx")


CELL_VALUES = st.one_of(st.none(), st.sampled_from(CSV_CELLS), st.integers(), st.floats(),
                        st.booleans(), st.text(max_size=10))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(CELL_VALUES, max_size=6), max_size=6))
def test_xlsx_any_cells(rows: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    workbook = Workbook()
    sheet = workbook.active
    try:
        sheet.append(["question", "A", "B", "C", "correct", "lesson"])
        for row in rows:
            sheet.append(row)
    except (IllegalCharacterError, ValueError):
        return  # openpyxl refuses to write some strings; nothing to read then
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    check(lambda: parse_xlsx(data, "fuzz.xlsx"), "fuzz.xlsx")


# -- Moodle XML ---------------------------------------------------------------

XML_PIECES = [
    "<quiz>", "</quiz>", '<question type="multichoice">', '<question type="truefalse">',
    '<question type="category">', '<question type="essay">', "</question>",
    "<questiontext>", '<questiontext format="plain_text">', '<questiontext format="html">',
    "</questiontext>", "<text>", "</text>", '<answer fraction="100">', '<answer fraction="0">',
    '<answer fraction="x">', "</answer>", "<single>false</single>", "<category>",
    "</category>", "true", "false", "Q?", "<![CDATA[<b>x</b>]]>", "&amp;", "&lt;", "&foo;",
    "<feedback>", "</feedback>", "<!DOCTYPE quiz>", "<?xml version='1.0'?>",
]


@FUZZ
@given(st.binary())
def test_xml_any_bytes(data: bytes) -> None:
    check(lambda: parse_moodle_xml(data, "fuzz.xml"), "fuzz.xml")


@FUZZ
@given(st.lists(st.sampled_from(XML_PIECES), max_size=40).map("".join),
       st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_xml_structured(text: str, encoding: str) -> None:
    data = text.encode(encoding, errors="replace")
    check(lambda: parse_moodle_xml(data, "fuzz.xml"), "fuzz.xml")


# -- through the registry, from files ----------------------------------------


@pytest.mark.parametrize("ext", [".gift", ".txt", ".aiken", ".csv", ".xml", ".xlsx"])
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_file_bytes_through_the_registry(tmp_path: Path, ext: str, data: bytes) -> None:
    path = tmp_path / f"fuzz{ext}"
    path.write_bytes(data)
    check(lambda: read_question_set(path), str(path))
