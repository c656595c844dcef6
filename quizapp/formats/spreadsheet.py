"""Question sets from a spreadsheet: CSV and XLSX with one question per row.

The first row is the header (case and spaces around names ignored; column order free):

=============  ========  =====================================================
column         required  content
=============  ========  =====================================================
lesson         no        lesson title; empty -> a lesson named after the file
question       yes       the question text (plain text; line breaks kept)
A … F          A, B      the choices, in order, with no gap (C needs B)
correct        yes       the right letters: ``B``; several (``A,C``, ``A;C``,
                         ``A C``, ``AC``) make a "select all that apply" question
explanation    no        shown after the answer
=============  ========  =====================================================

One correct letter makes a single-answer question (a True/False pair of choices makes
a true/false one); several make a multiple-answer one with the default credit (right
choices share +1, wrong ones share -1, see
:func:`quizapp.domain.scoring.default_fractions`). Empty rows are ignored; other
columns are ignored with a warning. See ``docs/formats/spreadsheet.md``.

CSV: UTF-8 (BOM or not), UTF-16 with BOM, or Windows-1252 with a warning; separator
``,`` ``;`` or tab, detected from the header line, or given by Excel's ``sep=;`` first
line; fields quoted with ``"`` may hold separators and line breaks. XLSX: the sheet
named "questions" if there is one, else the first; read with openpyxl, imported only
when needed. Every error names the row (for CSV: the file line where the row starts)
and the column.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Iterable
from datetime import date, datetime, time

from quizapp.domain.errors import PackError, Problem
from quizapp.domain.model import Choice, ImportResult, Question, QuestionType, TextFormat
from quizapp.domain.scoring import default_fractions
from quizapp.formats.registry import PackBuilder, decode_text, read_limited_bytes

CHOICE_LETTERS = ("A", "B", "C", "D", "E", "F")
COLUMNS = ("lesson", "question", *CHOICE_LETTERS, "correct", "explanation")
"""The documented header, in the template's order."""
REQUIRED_COLUMNS = ("question", "A", "B", "correct")
MAX_ROWS = 10_000
"""Rows read at most (a question set is far smaller; a bigger sheet is refused)."""

_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
_CORRECT_SPLIT = re.compile(r"[\s,;/+&]+")


def _column_letter(index: int) -> str:
    """Spreadsheet column name of a 0-based index (0 -> A, 26 -> AA)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def _place(unit: str, number: int, index: int, name: str) -> str:
    """Where a cell is: ``cell C5 "B"`` in a workbook, ``column C "B"`` in a CSV file."""
    col = _column_letter(index)
    return f'cell {col}{number} "{name}"' if unit == "row" else f'column {col} "{name}"'


def _canonical(name: str) -> str:
    key = " ".join(name.strip().split()).lower()
    if len(key) == 1 and key.upper() in CHOICE_LETTERS:
        return key.upper()
    return key


# ---------------------------------------------------------------------------
# Rows -> pack (shared by CSV and XLSX)
# ---------------------------------------------------------------------------


def _rows_to_result(
    rows: Iterable[tuple[int, list[str]]], b: PackBuilder, unit: str
) -> ImportResult:
    """``rows`` are ``(number, cells)``; ``unit`` names the number ("row" or "line")."""
    iterator = iter(rows)
    header: dict[str, int] | None = None
    for number, cells in iterator:
        if any(c.strip() for c in cells):
            header = _header(cells, number, b, unit)
            break
    if header is None:
        b.problem(1, "missing-header",
                  "The sheet is empty: the first row must be the header "
                  f"({', '.join(COLUMNS)}).")
        return b.result()
    if b.problems:
        return b.result()
    for number, cells in iterator:
        if not any(c.strip() for c in cells):
            continue
        _row(header, cells, number, b, unit)
    return b.result()


def _header(cells: list[str], number: int, b: PackBuilder, unit: str) -> dict[str, int]:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        if not cell.strip():
            continue
        key = _canonical(cell)
        if key in found:
            b.problem(number, "duplicate-column", f"Column {cell.strip()!r} appears twice.",
                      column=index + 1, path=_place(unit, number, index, cell.strip()))
        elif key in COLUMNS:
            found[key] = index
        else:
            ignored.append(cell.strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        b.problem(number, "missing-column",
                  f"The header has no {', '.join(missing)} column "
                  f"(expected: {', '.join(COLUMNS)}).")
    letters = [c for c in CHOICE_LETTERS if c in found]
    if letters != list(CHOICE_LETTERS[: len(letters)]):
        b.problem(number, "missing-column",
                  f"Choice columns must run from A with no gap; found {', '.join(letters)}.")
    if ignored:
        b.warn(f"columns ignored (not in the template): {', '.join(ignored)}", number)
    return found


def _row(header: dict[str, int], cells: list[str], number: int, b: PackBuilder, unit: str) -> None:
    def cell(name: str) -> str:
        index = header.get(name)
        if index is None or index >= len(cells):
            return ""
        return cells[index].replace("\r\n", "\n").replace("\r", "\n").strip()

    def fail(name: str, rule: str, message: str) -> None:
        index = header.get(name)
        if index is None:
            b.problem(number, rule, message)
            return
        b.problem(number, rule, message, column=index + 1, path=_place(unit, number, index, name))

    prompt = cell("question")
    if not prompt:
        fail("question", "empty-question", "The question cell is empty.")
        return
    choices: list[str] = []
    gap: str | None = None
    for letter in CHOICE_LETTERS:
        text = cell(letter) if letter in header else ""
        if text:
            if gap is not None:
                fail(gap, "choice-gap",
                     f"Choice {letter} is filled but {gap} is empty; fill the choices "
                     "from A with no gap.")
                return
            choices.append(text)
        elif gap is None and letter in header:
            gap = letter
    if len(choices) < 2:
        fail("B", "too-few-choices", "A question needs at least choices A and B.")
        return
    given = cell("correct")
    letters = _correct_letters(given)
    if letters is None or not letters:
        fail("correct", "correct-letters",
             f"'correct' must hold the right letters, such as B or A,C; found {given!r}.")
        return
    for letter in letters:
        if CHOICE_LETTERS.index(letter) >= len(choices):
            fail("correct", "correct-without-choice",
                 f"'correct' names {letter}, but choice {letter} is empty.")
            return
    right = [CHOICE_LETTERS[i] in letters for i in range(len(choices))]
    if len(letters) > 1:
        qtype = QuestionType.MULTIPLE
    elif sorted(c.lower() for c in choices) == ["false", "true"]:
        qtype = QuestionType.TRUE_FALSE
    else:
        qtype = QuestionType.SINGLE
    fractions = default_fractions(qtype, right)
    b.add(Question(
        id=b.question_id(prompt),
        lesson_id=b.lesson_id(cell("lesson") or None),
        type=qtype,
        prompt=prompt,
        choices=tuple(Choice(text=t, fraction=f) for t, f in zip(choices, fractions, strict=True)),
        explanation=cell("explanation"),
        text_format=TextFormat.PLAIN,
        line=number,
    ))


def _correct_letters(text: str) -> list[str] | None:
    """The letters in a 'correct' cell, in A–F order; ``None`` if anything else is there."""
    letters: set[str] = set()
    for token in _CORRECT_SPLIT.split(text.strip().upper()):
        if not token:
            continue
        for ch in token:
            if ch not in CHOICE_LETTERS:
                return None
            letters.add(ch)
    return sorted(letters)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def read_csv(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read a CSV file (see the module docstring for encodings and separators)."""
    filename = os.fspath(path)
    text, notes = decode_text(read_limited_bytes(filename), filename)
    result = parse_csv(text, filename, language=language)
    return ImportResult(result.pack, result.skipped, (*notes, *result.warnings))


def detect_delimiter(header_line: str) -> str:
    """The separator of a CSV header line: whichever of ``,`` ``;`` tab occurs most
    outside double quotes (``,`` on a tie or when none occurs)."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


def parse_csv(text: str, filename: str = "<string>", *, language: str = "en") -> ImportResult:
    """Read CSV ``text`` (already decoded) into a pack named after ``filename``.

    Raises :class:`~quizapp.domain.errors.PackError` listing every problem with the file
    line where its row starts and its column (rules: ``missing-header``,
    ``missing-column``, ``duplicate-column``, ``empty-question``, ``choice-gap``,
    ``too-few-choices``, ``correct-letters``, ``correct-without-choice``, ``csv-syntax``,
    ``too-many-rows``, ``no-questions``).
    """
    b = PackBuilder(filename=filename, language=language)
    if text.startswith("\ufeff"):
        text = text[1:]
    offset = 0
    first_end = len(text)
    for i, ch in enumerate(text):
        if ch in "\r\n":
            first_end = i
            break
    first_line = text[:first_end]
    sep = _SEP_LINE.match(first_line)
    if sep:
        delimiter = sep.group(1)
        rest = text[first_end:]
        if rest.startswith("\r\n"):
            rest = rest[2:]
        elif rest[:1] in ("\r", "\n"):
            rest = rest[1:]
        text, offset = rest, 1
        if delimiter == '"' or delimiter in "\r\n":
            b.problem(1, "csv-syntax", f"sep={delimiter!r} cannot be a separator.")
            return b.result()
    else:
        delimiter = detect_delimiter(first_line)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            rows.append((start + offset, cells))
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS + 1:
                b.problem(start + offset, "too-many-rows",
                          f"More than {MAX_ROWS} rows; split the file.")
                return b.result()
    except csv.Error as exc:
        b.problem(reader.line_num + offset, "csv-syntax", f"The CSV cannot be read here: {exc}.")
        return b.result()
    return _rows_to_result(rows, b, "line")


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------


def read_xlsx(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read an XLSX workbook; see :func:`parse_xlsx`."""
    filename = os.fspath(path)
    return parse_xlsx(read_limited_bytes(filename), filename, language=language)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def parse_xlsx(data: bytes, filename: str = "<string>", *, language: str = "en") -> ImportResult:
    """Read an XLSX workbook's bytes into a pack named after ``filename``.

    Uses the sheet named "questions" (any case) if there is one, else the first sheet;
    cell values are read as shown (numbers without a trailing ``.0``, dates as ISO
    dates). Raises :class:`~quizapp.domain.errors.PackError` as :func:`parse_csv` does
    (with sheet row numbers), and with rule ``not-xlsx`` when the bytes are not a
    readable workbook. Requires openpyxl.
    """
    b = PackBuilder(filename=filename, language=language)
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise PackError([Problem(filename, None, None, "", "missing-library",
                                 "Reading XLSX needs the openpyxl package.")]) from exc
    rows: list[tuple[int, list[str]]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a bad file
            raise PackError([Problem(filename, None, None, "", "not-xlsx",
                                     f"This is not a readable XLSX workbook ({exc}).")]) from exc
        try:
            sheets = workbook.worksheets
            sheet = next((s for s in sheets if s.title.strip().lower() == "questions"),
                         sheets[0] if sheets else None)
            if sheet is not None:
                for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True),
                                                start=1):
                    if number > MAX_ROWS + 1:
                        b.problem(number, "too-many-rows",
                                  f"More than {MAX_ROWS} rows; split the workbook.")
                        break
                    rows.append((number, [_cell_text(v) for v in values]))
        except Exception as exc:  # a damaged sheet inside a valid zip
            raise PackError([Problem(filename, len(rows) + 1 or None, None, "", "not-xlsx",
                                     f"The workbook cannot be read here ({exc}).")]) from exc
        finally:
            workbook.close()
    for warning in caught:
        b.warn(f"while reading the workbook: {warning.message}")
    if b.problems:
        return b.result()
    return _rows_to_result(rows, b, "row")


__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "REQUIRED_COLUMNS",
    "detect_delimiter",
    "parse_csv",
    "parse_xlsx",
    "read_csv",
    "read_xlsx",
]
