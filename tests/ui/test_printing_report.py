"""The printed results report's Students table: names get the room, figures stay on one
line, and no row is split across two pages (read back from the PDF)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizapp.services.exports import ResultsReport
from quizapp.services.results import AttemptRow, StudentOverview

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FIRST = ["Anne-Sophie", "Jean-Baptiste", "Oluwaseun", "Bartholomew", "Ana"]
LAST = ["Featherstonehaugh-Worthington", "de la Fuente Rodriguez", "Okonkwo-Adebayo", "Li"]


def _report(students: int = 120) -> ResultsReport:
    """``students`` with unique names, many long enough to wrap, in a long class name."""
    rows = tuple(
        StudentOverview(
            student_id=i,
            uuid=uuid.uuid4(),
            name=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} S{i:03d}",
            class_id=1,
            class_name="Year 9 Geography (group B)" if i % 2 else "7B",
            attempts=40,
            best_percent=100,
            last_percent=75,
            average_percent=68,
            time_spent_s=3540.0,
            last_active=NOW,
        )
        for i in range(students)
    )
    names = {f.name for f in fields(AttemptRow)}
    attempt = {
        "id": 1,
        "uuid": uuid.uuid4(),
        "student_id": 0,
        "student_name": rows[0].name,
        "class_name": "7B",
        "kind": "lesson",
        "title": "France's action at home and abroad",
        "pack_id": 1,
        "pack_title": "Course",
        "lesson_id": 1,
        "quiz_id": None,
        "started_at": NOW - timedelta(hours=1),
        "finished_at": NOW,
        "state": "finished",
        "marks": 7.5,
        "max_marks": 12.0,
        "percent": 62,
        "duration_s": 300.0,
    }
    return ResultsReport(
        title="Results: all attempts",
        filter_text="all attempts",
        generated_at=NOW,
        students=rows,
        attempts=(AttemptRow(**{k: attempt.get(k) for k in names}),),
        statistics=None,
        attempt_count=1,
        mean_percent=68,
    )


def _squeezed(text: str) -> str:
    return "".join(text.split())


def test_no_student_row_is_split_across_two_pages(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui.printing import print_results_report

    report = _report()
    target = print_results_report(report, tmp_path / "report.pdf")
    pages = [_squeezed(p.extract_text()) for p in pypdf.PdfReader(target).pages]
    assert len(pages) > 3  # the table runs over several pages
    # Each row's wrapped name, and its last figure, are whole on one page.
    split = [
        s.name for s in report.students if not any(_squeezed(s.name) in page for page in pages)
    ]
    assert split == []
    # Every page the table runs on starts with its header again.
    table_pages = [p for p in pages if "S0" in p or "S1" in p]
    assert all("StudentClassAttemptsBestLastAverageTimeLastactive" in p for p in table_pages)


def test_names_get_the_room_and_figures_stay_on_one_line(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QTextTable

    from quizapp.ui.printing import ROW, ROWS_BEGIN, ROWS_END, _document, pdf_writer
    from quizapp.ui.printing import results_report_html as to_html

    html = to_html(_report(8))
    html = html.replace(ROWS_BEGIN, "").replace(ROWS_END, "").replace(ROW, "")
    doc = _document(html, pdf_writer(tmp_path / "unused.pdf", "probe"))
    layout = doc.documentLayout()
    table = doc.rootFrame().childFrames()[0]
    assert isinstance(table, QTextTable)

    def cell_rect(row: int, column: int):  # type: ignore[no-untyped-def]
        return layout.blockBoundingRect(doc.findBlock(table.cellAt(row, column).firstPosition()))

    widths = [cell_rect(1, c).width() for c in range(table.columns())]
    assert widths[0] == max(widths)  # the student's name has the widest column
    assert widths[0] > 1.5 * widths[1]  # then the class
    line = cell_rect(1, 2).height()  # "40" attempts: one line
    for r in range(1, table.rows()):
        for c in range(2, table.columns()):  # figures, time and date: never wrapped
            assert cell_rect(r, c).height() == pytest.approx(line, rel=0.01)


def test_a_student_with_no_class_and_no_attempt_reads_as_on_the_screen() -> None:
    """The Results page shows "–" for no class and "never" for no activity; the printed
    report had empty cells there (fresh-clone user test)."""
    from dataclasses import replace

    from quizapp.ui.printing import results_report_html as to_html

    report = _report(2)
    idle = replace(report.students[1], class_name=None, attempts=0, last_active=None)
    html = to_html(replace(report, students=(report.students[0], idle)))
    row = html.split(idle.name, 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("</td>", 1)[0] for c in row.split("<td")[1:]]
    assert cells[0] == "–"  # the class
    assert cells[-1] == "never"  # last active


def test_counts_of_a_thousand_and_more_are_grouped() -> None:
    """A class's whole history: "20,000 attempts" in the report's summary line, not
    "20000 attempts" (hard to read at a glance on paper); the other counts beside them
    alike."""
    from dataclasses import replace

    from quizapp.ui.printing import results_report_html as to_html

    html = to_html(replace(_report(1_200), attempt_count=20_000))
    summary = html.split("<h2>Students</h2>", 1)[0]
    assert "1,200 students, 1,200 with attempts" in summary
    assert "20,000 attempts" in summary
    assert "20000" not in summary


def test_a_report_of_one_class_leaves_the_class_column_out(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Filtered to one class, the Class column only repeated the class the title names,
    and a long class name wrapped to five lines a row (20 students took 3 pages): the
    column is left out and each student takes one line."""
    from dataclasses import replace

    from PySide6.QtGui import QTextTable

    from quizapp.ui.printing import ROW, ROWS_BEGIN, ROWS_END, _document, pdf_writer
    from quizapp.ui.printing import results_report_html as to_html

    long = "7B - Mme Dupont-Lefevre, a very long class name"
    base = _report(20)
    students = tuple(
        replace(s, name=f"Student {i:04d}", class_name=long) for i, s in enumerate(base.students)
    )
    everyone = replace(base, title=f"Results: {long}", students=students)
    assert to_html(everyone).count(long) == 1 + 20  # every class's report: the column stays
    report = replace(everyone, one_class=True)
    html = to_html(report)
    assert html.count(long) == 1  # the title only
    html = html.replace(ROWS_BEGIN, "").replace(ROWS_END, "").replace(ROW, "")
    doc = _document(html, pdf_writer(tmp_path / "unused.pdf", "probe"))
    layout = doc.documentLayout()
    table = doc.rootFrame().childFrames()[0]
    assert isinstance(table, QTextTable)
    assert table.columns() == 7
    headers = [
        doc.findBlock(table.cellAt(0, c).firstPosition()).text().replace("\xa0", " ")
        for c in range(7)
    ]
    assert headers == ["Student", "Attempts", "Best", "Last", "Average", "Time", "Last active"]
    assert doc.findBlock(table.cellAt(1, 1).firstPosition()).text() == "40"  # attempts

    def height(row: int, column: int) -> float:
        block = doc.findBlock(table.cellAt(row, column).firstPosition())
        return float(layout.blockBoundingRect(block).height())

    line = height(1, 1)
    assert all(height(r, 0) == pytest.approx(line, rel=0.01) for r in range(1, table.rows()))

    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui.printing import print_results_report

    target = print_results_report(replace(report, attempts=()), tmp_path / "report.pdf")
    assert len(pypdf.PdfReader(target).pages) == 1
