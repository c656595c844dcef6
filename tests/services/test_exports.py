"""Exports read back: CSV parsed with csv, XLSX (written by XlsxWriter) opened with openpyxl,
a different library; nothing half-written."""

from __future__ import annotations

import csv
import errno
import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import conftest_results as h
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from quizapp.domain.model import Behaviour
from quizapp.services import exports
from quizapp.services.classes import ClassService
from quizapp.services.container import Services
from quizapp.services.exports import (
    Column,
    ExportError,
    escape_text,
    export_attempts,
    export_from_database,
    export_responses,
    export_statistics,
    export_student_data,
    results_report,
    write_table,
)
from quizapp.services.results import OperationCancelled, QuizRef, ResultsFilter, ResultsService
from quizapp.services.statistics_report import StatisticsService
from quizapp.store import models as m
from quizapp.store.database import Database

KEYS = [f"l1q{n}" for n in range(8)]


@pytest.fixture
def taken(services: Services, installed: int, clock: object, database: Database) -> dict[str, int]:
    """A student with a formula-looking name and an ordinary one, one attempt each."""
    evil = services.students.create_student("=HYPERLINK(1)").id
    ana = services.students.create_student("Ana").id
    lesson = h.lesson_ids(services, ana)[0]
    h.take_lesson_quiz(services, clock.advance, evil, lesson, KEYS[:2])  # type: ignore[attr-defined]
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS)  # type: ignore[attr-defined]
    return {"evil": evil, "ana": ana, "lesson": lesson}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_escape_text_follows_owasp() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert escape_text(risky) == "'" + risky
    assert escape_text("Ana") == "Ana"
    assert escape_text("") == ""


def test_attempts_csv_has_iso_utc_dates_plain_numbers_and_escaped_text(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "attempts.csv"
    assert export_attempts(database.sessions, path) == 2
    rows = _csv(path)
    assert [r["student"] for r in rows] == ["'=HYPERLINK(1)", "Ana"]
    first = rows[0]
    assert first["started_at (UTC)"] == "2024-09-02T08:00:00Z"
    assert datetime.fromisoformat(first["finished_at (UTC)"].replace("Z", "+00:00"))
    assert float(first["marks"]) == 2.0
    assert float(first["max_marks"]) == 8.0
    assert int(first["percent"]) == 25
    assert float(first["duration_s"]) == 240.0
    assert first["quiz"] == "Lesson 1"


def test_attempts_xlsx_has_date_cells_numeric_cells_and_no_formulas(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "attempts.xlsx"
    export_attempts(database.sessions, path)
    ws = load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert "started_at (UTC)" in header
    row = {name: cell for name, cell in zip(header, ws[2], strict=True)}
    assert row["student"].value == "'=HYPERLINK(1)"
    assert row["student"].data_type == "s"  # text, not a formula
    assert row["started_at (UTC)"].is_date
    assert row["started_at (UTC)"].value == datetime(2024, 9, 2, 8, 0)
    assert isinstance(row["marks"].value, int | float)  # openpyxl reads 2.0 back as 2
    assert isinstance(row["percent"].value, int)
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)


def test_responses_export_one_row_per_student_and_question_with_letters_as_shown(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "responses.csv"
    assert export_responses(database.sessions, path) == 16
    rows = [r for r in _csv(path) if r["student"] == "Ana"]
    assert len(rows) == 8
    (attempt,) = ResultsService(database.sessions).student_attempts(taken["ana"])
    review = ResultsService(database.sessions).review(attempt.id)
    for row, slot in zip(rows, review.slots, strict=True):
        assert row["question_key"] == slot.question_key
        letters = {c.index: c.letter for c in slot.choices}
        texts = {c.index: c.text for c in slot.choices}
        assert slot.feedback is not None
        assert row["answer_letters"] == ", ".join(
            sorted(letters[i] for i in slot.feedback.selected)
        )
        assert set(row["answer_text"].split("; ")) == {texts[i] for i in slot.feedback.selected}
        assert row["correct_letters"] == row["answer_letters"] or slot.type.value == "multiple"
        assert float(row["marks"]) == 1.0


def test_export_by_database_url_writes_the_same_file_and_reports_progress(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    """What an export in a child process runs: the database opened from its URL."""
    direct, by_url = tmp_path / "direct.csv", tmp_path / "by-url.csv"
    export_responses(database.sessions, direct)
    seen: list[tuple[int, int]] = []
    count = export_from_database(
        database.url, "responses", by_url, progress=lambda done, total: seen.append((done, total))
    )
    assert count == 16
    assert by_url.read_bytes() == direct.read_bytes()
    assert seen[-1] == (16, 16)
    assert export_from_database(database.url, "attempts", tmp_path / "a.csv") == 2
    with pytest.raises(ExportError, match="'students'"):
        export_from_database(database.url, "students", tmp_path / "s.csv")  # type: ignore[arg-type]


def test_statistics_xlsx_has_questions_choices_and_quiz_sheets(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    report = StatisticsService(database.sessions).quiz_statistics(QuizRef.lesson(taken["lesson"]))
    path = tmp_path / "stats.xlsx"
    assert export_statistics(report, path) == 8
    wb = load_workbook(path)
    assert wb.sheetnames == ["Questions", "Choices", "Quiz"]
    q = wb["Questions"]
    header = [c.value for c in q[1]]
    facility = header.index("facility_percent")
    assert q.cell(row=2, column=facility + 1).value == pytest.approx(100.0)  # l1q0: both right
    quiz = {r[0].value: r[1].value for r in wb["Quiz"].iter_rows(min_row=2)}
    assert quiz["attempts"] == 2
    assert quiz["mean"] == pytest.approx(5.0)
    csv_path = tmp_path / "stats.csv"
    export_statistics(report, csv_path)
    assert [r["question_key"] for r in _csv(csv_path)] == KEYS


def test_cancelled_export_leaves_the_earlier_file_untouched(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "attempts.csv"
    path.write_text("earlier", encoding="utf-8")
    with pytest.raises(OperationCancelled):
        export_attempts(database.sessions, path, cancelled=lambda: True)
    assert path.read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in folder.iterdir()) == ["attempts.csv"]


def test_student_data_export_then_delete(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    path = tmp_path / "ana.json"
    assert export_student_data(database.sessions, taken["ana"], path) == 1
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["student"]["name"] == "Ana"
    assert len(doc["attempts"][0]["questions"]) == 8
    assert doc["attempts"][0]["percent"] == 100

    report = ClassService(database.sessions).delete_student(taken["ana"])
    assert (report.attempts, report.responses) == (1, 8)
    names = [r.name for r in ResultsService(database.sessions).students_overview()]
    assert names == ["=HYPERLINK(1)"]


def test_results_report_model(database: Database, taken: dict[str, int]) -> None:
    report = results_report(database.sessions, ResultsFilter(lesson_id=taken["lesson"]))
    assert report.attempt_count == 2
    assert report.mean_percent == 63  # (25 + 100) / 2 rounded half up
    assert f"lesson {taken['lesson']}" in report.filter_text
    assert not report.one_class


def test_a_report_filtered_to_one_class_says_so(database: Database, taken: dict[str, int]) -> None:
    """The printed report leaves its Class column out then (the title names the class)."""
    from quizapp.services.classes import ClassService

    classes = ClassService(database.sessions)
    klass = classes.create_class("7B")
    classes.set_class([taken["ana"]], klass.id)
    report = results_report(database.sessions, ResultsFilter(class_id=klass.id))
    assert report.one_class
    assert [s.class_name for s in report.students] == ["7B"]
    assert not results_report(database.sessions, ResultsFilter()).one_class


# ---------------------------------------------------------------- marks per behaviour


def _start(
    services: Services, database: Database, pack_id: int, keys: list[str], behaviour: Behaviour
) -> tuple[int, int]:
    """(student id, attempt id) of a new attempt at exactly ``keys``, in that order."""
    with database.sessions() as s:
        by_key = dict(
            s.execute(select(m.Question.key, m.Question.id).where(m.Question.is_current)).all()
        )
    student = services.students.create_student(f"Student {behaviour.value}").id
    view = services.attempts.start_questions(
        student,
        pack_id,
        [by_key[k] for k in keys],
        kind="quiz",
        behaviour=behaviour,
        shuffle=False,
    )
    return student, view.id


def _marks_by_key(database: Database, path: Path) -> dict[str, tuple[float, float]]:
    export_responses(database.sessions, path)
    return {r["question_key"]: (float(r["fraction"]), float(r["marks"])) for r in _csv(path)}


def test_interactive_marks_are_the_final_tries_with_penalties(
    services: Services, database: Database, installed: int, tmp_path: Path
) -> None:
    """l1q0 right at the second try: 1 − 0.3333333. l1q3 (two right of four) left
    half right after one try when the attempt ended: 0.5 − 0.3333333, as Moodle's
    process_finish grades it (not the try's own 0.5)."""
    _, attempt = _start(services, database, installed, ["l1q0", "l1q3"], Behaviour.INTERACTIVE)
    services.attempts.submit(attempt, 0, [1])
    services.attempts.submit(attempt, 0, [0])
    services.attempts.submit(attempt, 1, [0])
    summary = services.attempts.finish(attempt)

    marks = _marks_by_key(database, tmp_path / "responses.csv")
    assert marks["l1q0"] == (pytest.approx(0.6666667), pytest.approx(0.6666667))
    assert marks["l1q3"] == (pytest.approx(0.1666667), pytest.approx(0.1666667))
    # The export adds up to the attempt's score the student saw.
    assert sum(v[1] for v in marks.values()) == pytest.approx(summary.marks)


def test_cbm_marks_are_exported_as_moodle_gives_them(
    services: Services, database: Database, installed: int, tmp_path: Path
) -> None:
    """Wrong at high certainty: −6; right at medium: 2; right but no certainty: low, 1."""
    _, attempt = _start(
        services, database, installed, ["l1q0", "l1q1", "l1q4"], Behaviour.DEFERRED_CBM
    )
    services.attempts.save_answer(attempt, 0, [1], certainty=3)
    services.attempts.save_answer(attempt, 1, [0], certainty=2)
    services.attempts.save_answer(attempt, 2, [0])
    summary = services.attempts.finish(attempt)

    path = tmp_path / "responses.xlsx"
    export_responses(database.sessions, path)
    ws = load_workbook(path).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    got = {
        row[header.index("question_key")]: (
            row[header.index("fraction")],
            row[header.index("marks")],
        )
        for row in ws.iter_rows(min_row=2, values_only=True)
    }
    assert got == {"l1q0": (-6, -6), "l1q1": (2, 2), "l1q4": (1, 1)}
    assert summary.marks == pytest.approx(-3.0)
    (row,) = _csv_rows_of_attempts(database, tmp_path)
    assert float(row["marks"]) == pytest.approx(-3.0)


def _csv_rows_of_attempts(database: Database, tmp_path: Path) -> list[dict[str, str]]:
    path = tmp_path / "attempts.csv"
    export_attempts(database.sessions, path)
    return _csv(path)


def test_deferred_marks_use_the_last_saved_answer(
    services: Services, database: Database, installed: int, tmp_path: Path
) -> None:
    """Deferred feedback: right then changed to wrong counts as wrong; a cleared answer
    scores 0 with empty answer cells."""
    _, attempt = _start(
        services, database, installed, ["l1q0", "l1q1"], Behaviour.DEFERRED_FEEDBACK
    )
    services.attempts.save_answer(attempt, 0, [0])
    services.attempts.save_answer(attempt, 0, [2])
    services.attempts.save_answer(attempt, 1, [0])
    services.attempts.save_answer(attempt, 1, [])
    services.attempts.finish(attempt)
    path = tmp_path / "responses.csv"
    export_responses(database.sessions, path)
    rows = {r["question_key"]: r for r in _csv(path)}
    assert (rows["l1q0"]["answer_letters"], rows["l1q0"]["marks"]) == ("C", "0.0")
    assert (rows["l1q1"]["answer_letters"], rows["l1q1"]["marks"]) == ("", "0.0")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_exports_get_the_permissions_of_a_new_file_not_0600(
    database: Database, taken: dict[str, int], tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        for name in ("attempts.csv", "attempts.xlsx"):
            export_attempts(database.sessions, tmp_path / name)
    finally:
        os.umask(old)
    for name in ("attempts.csv", "attempts.xlsx"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize(
    ("export", "name"),
    [(export_attempts, "attempts.csv"), (export_responses, "responses.xlsx")],
)
def test_an_export_into_a_missing_folder_names_the_folder(
    database: Database, taken: dict[str, int], tmp_path: Path, export: Any, name: str
) -> None:
    folder = tmp_path / "usb" / "results"
    with pytest.raises(ExportError) as info:
        export(database.sessions, folder / name)
    assert str(folder) in str(info.value)


# ---------------------------------------------------------------- XLSX, cell by cell
# What XlsxWriter (which writes XLSX) could get wrong, read back with openpyxl.

CELLS = (
    Column("text"),
    Column("number", "number"),
    Column("count", "int"),
    Column("at", "datetime"),
)


def _sheet_xml(path: Path, sheet: int = 1) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{sheet}.xml").decode("utf-8")


def test_xlsx_text_stays_text_never_a_formula_a_link_or_a_number(tmp_path: Path) -> None:
    texts = ["=1+1", "http://x.org", "mailto:a@x.org", "0012", "1e3", "+33 6 12", "{=A1}"]
    path = tmp_path / "t.xlsx"
    write_table(path, CELLS[:1], [(t,) for t in texts])
    ws = load_workbook(path).active
    assert ws is not None
    cells = [row[0] for row in ws.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [escape_text(t) for t in texts]
    assert [c.value for c in cells][:4] == ["'=1+1", "http://x.org", "mailto:a@x.org", "0012"]
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)
    xml = _sheet_xml(path)
    assert "<f>" not in xml
    assert "hyperlink" not in xml


def test_xlsx_text_with_control_characters_is_written_escaped(tmp_path: Path) -> None:
    """A control character pasted into a name does not stop the export (openpyxl refused
    such a cell): it is written as Excel's own escape, _xHHHH_, and a text that looks like
    that escape has its underscore escaped, so Excel shows both as they were."""
    path = tmp_path / "c.xlsx"
    assert write_table(path, CELLS[:1], [("a\x01b",), ("_x0041_",)]) == 2
    xml = _sheet_xml(path)
    assert "a_x0001_b" in xml
    assert "_x005F_x0041_" in xml


def test_xlsx_dates_numbers_and_empty_cells(tmp_path: Path) -> None:
    paris = timezone(timedelta(hours=2))
    rows = [
        ("a", 0.5, 3, datetime(2024, 9, 2, 8, 0, 30, tzinfo=UTC)),
        ("b", None, None, datetime(2024, 9, 2, 10, 0, 30, tzinfo=paris)),
        (None, float("nan"), 0, None),
        ("", float("inf"), 1, None),
    ]
    path = tmp_path / "d.xlsx"
    assert write_table(path, CELLS, rows) == 4
    ws = load_workbook(path).active
    assert ws is not None
    assert [c.value for c in ws[1]] == ["text", "number", "count", "at (UTC)"]
    a, b, blank, infinite = (list(r) for r in ws.iter_rows(min_row=2))
    for row in (a, b):  # naive UTC, whatever zone the value came in
        assert row[3].is_date
        assert row[3].value == datetime(2024, 9, 2, 8, 0, 30)
        assert row[3].number_format == "yyyy-mm-dd hh:mm:ss"
    assert (a[1].value, a[1].data_type, a[2].value, a[2].data_type) == (0.5, "n", 3, "n")
    assert [c.value for c in b[1:3]] == [None, None]
    # NaN and infinity: empty cells, not error cells.
    assert [c.value for c in blank] == [None, None, 0, None]
    assert [c.value for c in infinite] == [None, None, 1, None]
    assert "<f>" not in _sheet_xml(path)


def test_xlsx_text_over_excels_cell_limit_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    """Excel holds 32,767 characters (UTF-16 units) in a cell: a longer text is cut to
    32,766 and ends with "…", and the cells after it in the row are still written."""
    long_text = "ab" * 20_000
    emoji = "😀" * 20_000  # 2 UTF-16 units each
    exact = "x" * 32_767
    path = tmp_path / "long.xlsx"
    cols = [Column("text"), Column("after", "int"), Column("also")]
    write_table(path, cols, [(long_text, 1, "z"), (emoji, 2, "z"), (exact, 3, "z")])
    ws = load_workbook(path).active
    assert ws is not None
    cut, cut_emoji, kept = (list(r) for r in ws.iter_rows(min_row=2, values_only=True))
    assert cut == [long_text[:32_766] + "…", 1, "z"]
    assert cut_emoji == ["😀" * 16_383 + "…", 2, "z"]
    assert len(str(cut_emoji[0]).encode("utf-16-le")) // 2 == 32_767
    assert kept == [exact, 3, "z"]
    csv_path = tmp_path / "long.csv"  # CSV has no limit
    write_table(csv_path, cols, [(long_text, 1, "z")])
    assert _csv(csv_path)[0]["text"] == long_text


def test_xlsx_sheets_names_cut_to_31_characters(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    write_table(
        path,
        CELLS[:1],
        [("first",)],
        sheet="A sheet name longer than Excel allows",
        extra_sheets=[("Second", CELLS[1:2], [(1.5,), (None,)])],
    )
    wb = load_workbook(path)
    assert wb.sheetnames == ["A sheet name longer than Excel ", "Second"]
    assert [r for r in wb["Second"].iter_rows(values_only=True)] == [
        ("number",),
        (1.5,),
    ]


def test_a_table_over_excels_rows_per_sheet_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "_XLSX_ROWS", 4)  # a header and 3 rows
    path = tmp_path / "big.xlsx"
    rows = [("r",)] * 4
    with pytest.raises(ExportError, match="export to CSV"):
        write_table(path, CELLS[:1], rows)  # found while writing
    with pytest.raises(ExportError, match="has 4: export to CSV"):
        write_table(path, CELLS[:1], rows, total=4)  # told before writing
    assert list(tmp_path.iterdir()) == []
    assert write_table(path, CELLS[:1], rows[:3]) == 3
    assert write_table(tmp_path / "big.csv", CELLS[:1], rows) == 4


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_cancelled_midway_keeps_the_earlier_file_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    scratch = tmp_path / "tmp"  # where XlsxWriter keeps its rows while writing
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / f"responses{suffix}"
    path.write_text("earlier", encoding="utf-8")
    seen: list[int] = []
    stamp = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)
    rows = (("x" * 100, i / 3, i, stamp) for i in range(2_000))
    with pytest.raises(OperationCancelled):
        write_table(
            path,
            CELLS,
            rows,
            total=2_000,
            progress=lambda done, total: seen.append(done),
            cancelled=lambda: bool(seen) and seen[-1] >= 1_000,
        )
    assert seen == [500, 1_000]  # cancelled mid-way, not at the start
    assert path.read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in folder.iterdir()] == [path.name]
    assert list(scratch.iterdir()) == []


def test_an_xlsx_export_that_cannot_be_finished_names_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk when XlsxWriter assembles the file: ExportError, nothing left."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def full(self: object) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    path = tmp_path / "out" / "a.xlsx"
    path.parent.mkdir()
    with pytest.raises(ExportError) as info:
        write_table(path, CELLS[:1], [("a",)])
    assert str(path.parent) in str(info.value)
    assert list(path.parent.iterdir()) == []


def test_the_exports_module_loads_no_spreadsheet_library() -> None:
    """XlsxWriter and openpyxl are imported by the export that needs them, not at start."""
    code = (
        "import sys, quizapp.services.exports; "
        "print(sorted(m for m in ('xlsxwriter', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
