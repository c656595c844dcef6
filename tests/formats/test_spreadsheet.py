"""CSV and XLSX question sets: header, separators, BOM, quoting, errors by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.errors import PackError
from quizapp.domain.model import QuestionType
from quizapp.domain.scoring import mark_response
from quizapp.formats.spreadsheet import COLUMNS, parse_csv, parse_xlsx, read_csv, read_xlsx

FIXTURES = Path(__file__).parent / "fixtures" / "csv"
TEMPLATES = Path(__file__).parents[2] / "resources" / "templates"


def test_comma_separated_with_quotes_line_breaks_and_several_correct_letters() -> None:
    result = read_csv(FIXTURES / "comma.csv")
    boil, states, two_lines = result.pack.questions
    assert boil.type is QuestionType.SINGLE
    assert [c.text for c in boil.choices] == ["90 °C", "100 °C", "110 °C"]
    assert boil.correct_indices == (1,)
    assert boil.explanation == "At normal pressure."
    assert states.type is QuestionType.MULTIPLE
    assert states.correct_indices == (0, 1, 2)
    assert mark_response(states, {0, 1, 2}) == 1.0
    assert mark_response(states, {0, 1, 2, 3}) == 0.0
    assert two_lines.prompt == "A question\non two lines, with a comma"
    assert two_lines.correct_indices == (0,)  # lower-case letter accepted
    assert [lesson.title for lesson in result.pack.lessons] == ["Water", "comma"]
    assert two_lines.line == 4


def test_excel_sep_line() -> None:
    (q,) = read_csv(FIXTURES / "sep_line.csv").pack.questions
    assert q.prompt == "Which; is right?"
    assert q.correct_indices == (1,)
    assert q.line == 3


def test_semicolon_detected_and_bom_removed() -> None:
    (q,) = read_csv(FIXTURES / "semicolon_bom.csv").pack.questions
    assert q.prompt == "Which is right?"
    assert q.explanation == "semicolons detected"


def test_windows_1252_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    path.write_bytes("question;A;B;correct\nCafé?;oui;non;A\n".encode("cp1252"))
    result = read_csv(path)
    assert result.pack.questions[0].prompt == "Café?"
    assert any("Windows-1252" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("name", "line", "column", "rule"),
    [
        ("choice_gap.csv", 2, 3, "choice-gap"),
        ("correct_without_choice.csv", 2, 4, "correct-without-choice"),
        ("bad_correct.csv", 2, 4, "correct-letters"),
        ("missing_column.csv", 1, None, "missing-column"),
        ("unclosed_quote.csv", 3, None, "csv-syntax"),
    ],
)
def test_errors_name_row_and_column(name: str, line: int, column: int | None, rule: str) -> None:
    with pytest.raises(PackError) as info:
        read_csv(FIXTURES / name)
    problem = info.value.problems[0]
    assert (problem.line, problem.column, problem.rule) == (line, column, rule)


def test_template_reads_and_has_the_documented_header() -> None:
    header = (TEMPLATES / "questions-template.csv").read_text(encoding="utf-8").splitlines()[0]
    assert tuple(header.split(",")) == COLUMNS
    result = read_csv(TEMPLATES / "questions-template.csv")
    assert len(result.pack.questions) >= 3
    assert result.warnings == ()
    assert {q.type for q in result.pack.questions} == {
        QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE,
    }
    xlsx = read_xlsx(TEMPLATES / "questions-template.xlsx")
    assert [q.prompt for q in xlsx.pack.questions] == [q.prompt for q in result.pack.questions]


def _workbook(tmp_path: Path, rows: list[list[object]], title: str = "questions") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    path = tmp_path / "set.xlsx"
    workbook.save(path)
    return path


def test_xlsx_cells_are_read_as_shown_and_errors_name_the_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [
        ["Question", "A", "B", "C", "Correct"],
        ["In which year did it happen?", 1990, 1991.0, 2.5, "b"],
        ["Is it true?", True, False, None, "A"],
    ])
    first, second = read_xlsx(path).pack.questions
    assert [c.text for c in first.choices] == ["1990", "1991", "2.5"]
    assert first.correct_indices == (1,)
    assert second.type is QuestionType.TRUE_FALSE
    bad = _workbook(tmp_path, [["question", "A", "B", "correct"], ["Q?", "a", "b", "D"]])
    with pytest.raises(PackError) as info:
        read_xlsx(bad)
    problem = info.value.problems[0]
    assert (problem.line, problem.column, problem.rule) == (2, 4, "correct-without-choice")
    assert 'cell D2 "correct"' in str(problem)


def test_not_a_workbook_is_a_pack_error() -> None:
    with pytest.raises(PackError) as info:
        parse_xlsx(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert info.value.problems[0].rule == "not-xlsx"


def test_empty_sheet_and_header_only_are_refused() -> None:
    with pytest.raises(PackError) as info:
        parse_csv("", "empty.csv")
    assert info.value.problems[0].rule == "missing-header"
    with pytest.raises(PackError) as info:
        parse_csv("question,A,B,correct\n", "header.csv")
    assert info.value.problems[0].rule == "no-questions"
