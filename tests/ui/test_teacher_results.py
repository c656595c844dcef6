"""The teacher's results screens on a real database: students table, filters, review,
statistics with flags, exports read back, regrading, merging bundles twice, paper quiz.

Data is made through the services: a small pack (one lesson, four questions whose right
answer is the first choice written) and ten students who answer it in a known pattern:

========  ==  ==  ==  ==  =====
student   q0  q1  q2  q3  total
========  ==  ==  ==  ==  =====
0–2       ✓   ✗   ✓   ✓   3
3–5       ✓   ✗   ✓   ✗   2
6–9       ✓   ✗   ✗   ✗   1
========  ==  ==  ==  ==  =====

So on first attempts q0 has facility 100% (too easy), q1 0% (too hard), q2 60%, q3 30%.
Ana (student 0) takes the quiz a second time ten days later, getting only q0 right.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from quizapp.app import open_services
from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.domain.scoring import default_fractions
from quizapp.services.container import Services, build_services
from quizapp.services.packs import install_pack
from quizapp.services.results import QuizRef, ResultsService
from quizapp.store.database import Database

NAMES = ["Ana", "Ben", "Chloé", "Dan", "Eve", "Farid", "Gus", "Hana", "Ivo", "Jade"]
RIGHT = {  # student index -> question keys answered right on the first attempt
    **{i: {"q0", "q2", "q3"} for i in range(3)},
    **{i: {"q0", "q2"} for i in range(3, 6)},
    **{i: {"q0"} for i in range(6, 10)},
}


class Clock:
    """Aware UTC time that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def build_pack(corrected_q1: bool = False) -> Pack:
    """One lesson, four single-answer questions; the first choice is right (for q1 the
    second one when ``corrected_q1``, as after a key correction)."""
    questions = []
    for n in range(4):
        key = f"q{n}"
        correct = (
            [False, True, False, False] if corrected_q1 and n == 1 else [True, False, False, False]
        )
        fractions = default_fractions(QuestionType.SINGLE, correct)
        questions.append(
            Question(
                id=key,
                lesson_id="l1",
                type=QuestionType.SINGLE,
                prompt=f"Question {key}: which is right?",
                choices=tuple(
                    Choice(text=f"{key} choice {c}", fraction=f)
                    for c, f in zip("ABCD", fractions, strict=True)
                ),
                explanation=f"Because {key} says so.",
            )
        )
    return Pack(
        id="t-pack",
        title="Test course",
        lessons=(Lesson(id="l1", title="Lesson one", body="Some facts."),),
        questions=tuple(questions),
        version="2" if corrected_q1 else "1",
    )


@dataclass
class World:
    database: Database
    services: Services
    clock: Clock
    students: dict[str, int]
    lesson_id: int
    pack_id: int
    class_id: int


def _take(w: World, student_id: int, right: set[str]) -> int:
    view = w.services.attempts.start_lesson_quiz(student_id, w.lesson_id)
    for slot in view.slots:
        w.clock.now += timedelta(seconds=30)
        w.services.attempts.submit(view.id, slot.slot, [0] if slot.question_key in right else [1])
    w.services.attempts.finish(view.id)
    return view.id


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    database, _ = open_services(str(tmp_path / "quizapp.sqlite"))
    clock = Clock()
    services = build_services(database, clock)
    report = install_pack(database.sessions, build_pack())
    ids = {name: services.students.create_student(name).id for name in NAMES}
    home = services.course.home(ids["Ana"])
    lesson = next(p for p in home.packs if p.pack.id == report.pack_id).lessons[0]
    from quizapp.services.classes import ClassService

    classes = ClassService(database.sessions)
    klass = classes.create_class("7B")
    classes.set_class([ids["Ana"], ids["Ben"]], klass.id)
    w = World(database, services, clock, ids, lesson.id, report.pack_id, klass.id)
    for i, name in enumerate(NAMES):
        clock.now += timedelta(minutes=5)
        _take(w, ids[name], RIGHT[i])
    clock.now += timedelta(days=10)
    _take(w, ids["Ana"], {"q0"})
    yield w
    database.close()


# --------------------------------------------------------------------------- results


@pytest.fixture
def results_page(qtbot, world: World):  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher.results_page import ResultsPage

    page = ResultsPage(world.services)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    _loaded(qtbot, page, page.refresh)
    return page


def _loaded(qtbot, page, action) -> None:  # type: ignore[no-untyped-def]
    """Do ``action`` and wait until the page shows the data it reloads (in the background)."""
    with qtbot.waitSignal(page.loader.loaded, timeout=10_000):
        action()


def _row_of(table, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    names = table.shown_texts(0)
    r = names.index(name)
    return [str(table.proxy.index(r, c).data()) for c in range(table.proxy.columnCount())]


def test_students_table_shows_each_students_figures_and_sorts(results_page) -> None:  # type: ignore[no-untyped-def]
    table = results_page.students_table
    assert results_page.count_label.text().startswith("10 students")
    ana = _row_of(table, "Ana")
    # Ana: 2 attempts, best 75%, last (newest) 25%, average 50%, 2 × 120 s.
    assert ana[1:7] == ["7B", "2", "75%", "25%", "50%", "4 min 00 s"]
    assert _row_of(table, "Gus")[2:6] == ["1", "25%", "25%", "25%"]
    # Sort by best score, highest first: the three 75% students lead, then 50%s.
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    best = [str(table.proxy.index(r, 3).data()) for r in range(table.proxy.rowCount())]
    assert best == ["75%"] * 3 + ["50%"] * 3 + ["25%"] * 4
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert table.shown_texts(0)[:3] == ["Ana", "Ben", "Chloé"]


def test_filters_narrow_the_table(qtbot, results_page, world: World) -> None:  # type: ignore[no-untyped-def]
    page = results_page
    _loaded(qtbot, page, lambda: page.filters.select_class(world.class_id))
    assert page.students_table.shown_texts(0) == ["Ana", "Ben"]
    _loaded(qtbot, page, lambda: page.filters.select_class(None))
    # Only the first week: Ana's second attempt (ten days later) drops out.
    _loaded(qtbot, page, lambda: page.filters.set_dates(date(2024, 9, 1), date(2024, 9, 5)))
    assert _row_of(page.students_table, "Ana")[2:6] == ["1", "75%", "75%", "75%"]
    _loaded(qtbot, page, lambda: page.filters.set_dates(None, None))
    qtbot.keyClicks(page.search_edit, "an")
    assert page.students_table.shown_texts(0) == ["Ana", "Dan", "Hana"]
    assert page.count_label.text().startswith("3 students (of 10)")


def test_a_class_chosen_after_selecting_sorting_and_searching_narrows_the_table(
    qtbot, results_page, world: World
) -> None:  # type: ignore[no-untyped-def]
    """A tester's steps: select a student, sort by another column, find a student and
    clear the box, then choose a class: the table lists that class's students only.
    (The tester's script waited with ``QTest.qWait``, which in PySide6 keeps the GIL
    while it waits, so the page's load on the thread pool could not run until the wait
    ended: the table looked stuck at every student. The app's event loop lets go of it.)"""
    page = results_page
    table = page.students_table
    row = table.shown_texts(0).index("Dan")
    rect = table.visualRect(table.proxy.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected_student_id() == world.students["Dan"]
    header = table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=header.rect().topLeft() + QPoint(header.sectionViewportPosition(2) + 5, 5),
    )
    assert header.sortIndicatorSection() == 2
    assert page.selected_student_id() == world.students["Dan"]
    qtbot.keyClicks(page.search_edit, "Da")
    assert table.shown_texts(0) == ["Dan"]
    page.search_edit.clear()
    assert len(table.shown_texts(0)) == 10
    combo = page.filters.class_combo
    _loaded(qtbot, page, lambda: combo.setCurrentIndex(combo.findText("7B")))
    assert sorted(table.shown_texts(0)) == ["Ana", "Ben"]
    assert page.count_label.text().startswith("2 students ·")
    assert page.selected_student_id() is None  # Dan is not in 7B


LONG_CLASS = "7B - Mme Dupont-Lefevre's very long class name"


@pytest.mark.parametrize("which", ["results", "students"])
def test_a_long_class_name_is_elided_so_every_column_fits(qtbot, world: World, which: str) -> None:  # type: ignore[no-untyped-def]
    """A long class name made the Class column ~400 px wide: the scores on Results and
    the names on Students went past the edge at 1180 px. The column stops at ~18
    characters, the name is elided, and its tooltip gives it whole."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from quizapp.services.classes import ClassService
    from quizapp.ui.teacher.results_page import ResultsPage
    from quizapp.ui.teacher.students_page import StudentsPage

    ClassService(world.database.sessions).rename_class(world.class_id, LONG_CLASS)
    page = ResultsPage(world.services) if which == "results" else StudentsPage(world.services)
    qtbot.addWidget(page)
    page.resize(960, 700)  # the page's room in a 1180 px window
    page.show()
    _loaded(qtbot, page, page.refresh)
    table = page.students_table if which == "results" else page.table
    header = table.horizontalHeader()
    full = table.fontMetrics().horizontalAdvance(LONG_CLASS)

    def fits() -> bool:
        widths = [header.sectionSize(c) for c in range(header.count())]
        return widths[1] < full and sum(widths) <= table.viewport().width()

    qtbot.waitUntil(fits)
    assert table.horizontalScrollBar().maximum() == 0
    assert header.sectionSize(0) >= table.fontMetrics().horizontalAdvance("Chloé")
    row = table.shown_texts(0).index("Ana")
    index = table.proxy.index(row, 1)
    assert index.data() == LONG_CLASS  # the text is whole; only its drawing is elided
    centre = table.visualRect(index).center()
    QApplication.sendEvent(
        table.viewport(),
        QHelpEvent(QEvent.Type.ToolTip, centre, table.viewport().mapToGlobal(centre)),
    )
    assert QToolTip.text() == LONG_CLASS
    QToolTip.hideText()
    # A class name that fits has no tooltip repeating it.
    index = table.proxy.index(table.shown_texts(0).index("Chloé"), 1)
    assert index.data() == "–"
    centre = table.visualRect(index).center()
    QApplication.sendEvent(
        table.viewport(),
        QHelpEvent(QEvent.Type.ToolTip, centre, table.viewport().mapToGlobal(centre)),
    )
    assert not (QToolTip.isVisible() and QToolTip.text() == "–")
    QToolTip.hideText()


def test_opening_an_attempt_shows_its_review_as_taken(qtbot, results_page, world: World) -> None:  # type: ignore[no-untyped-def]
    page = results_page
    assert page.select_student(world.students["Ana"])
    assert page.attempts_table.source.rowCount() == 2
    # The newest attempt is listed first; Enter opens it.
    page.attempts_table.setFocus()
    page.attempts_table.selectRow(0)
    qtbot.keyClick(page.attempts_table, Qt.Key.Key_Return)
    dialog = page.review_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert "25%" in dialog.view.score_label.text()
    assert dialog.view.detail_label.text() == "1 of 4 questions right"
    outcome = {item.slot.question_key: item.outcome_word for item in dialog.view.items}
    assert outcome == {"q0": "right", "q1": "wrong", "q2": "wrong", "q3": "wrong"}
    assert not dialog.view.retry_button.isVisible()
    dialog.close()


def test_the_page_stays_usable_while_its_results_load_and_shows_only_the_newest(
    qtbot, results_page, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """At 500 students × 40 attempts the queries take 0.1–0.3 s: they run off the GUI
    thread, the page keeps what it shows meanwhile, and when the teacher changes the
    filter before a load ends, the older load's students are never shown."""
    import threading

    page = results_page
    release = threading.Event()
    overview = page.results.students_overview

    def slow_overview(f=None):  # type: ignore[no-untyped-def]
        release.wait(10)  # a slow database, until the test lets it answer
        return overview(f)

    monkeypatch.setattr(page.results, "students_overview", slow_overview)
    page.refresh()  # returns at once: the GUI thread does not wait for the database
    assert page.loader.loading
    assert len(page.students_table.shown_texts(0)) == 10  # still shows what it had
    page.filters.select_class(world.class_id)  # a newer load, for the class 7B
    release.set()
    qtbot.waitUntil(lambda: not page.loader.loading, timeout=10_000)
    qtbot.wait(100)  # the older load's result, if it came late, would be dropped
    assert page.students_table.shown_texts(0) == ["Ana", "Ben"]
    assert page.count_label.text().startswith("2 students")


def test_empty_database_says_what_to_do(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher.results_page import ResultsPage

    database, services = open_services(str(tmp_path / "empty.sqlite"))
    try:
        page = ResultsPage(services)
        qtbot.addWidget(page)
        page.show()
        _loaded(qtbot, page, page.refresh)
        assert page.stack.currentWidget() is page.empty_label
        assert "No attempts yet" in page.empty_label.text()
    finally:
        database.close()


def test_export_writes_a_csv_that_parses_back(
    qtbot, results_page, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher import results_page as module

    target = tmp_path / "attempts.csv"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    task = results_page.export("attempts")
    with qtbot.waitSignal(task.task.finished, timeout=10000):
        pass
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 11
    ana = sorted((r for r in rows if r["student"] == "Ana"), key=lambda r: r["started_at (UTC)"])
    assert [r["percent"] for r in ana] == ["75", "25"]
    assert ana[0]["started_at (UTC)"].endswith("Z")
    assert float(ana[0]["marks"]) == 3.0


def test_responses_export_from_the_menu_writes_every_question_of_the_filtered_attempts(
    qtbot, results_page, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The Export menu's Responses item, with the class filter on 7B (Ana twice, Ben
    once): the export runs in a child process and the file has one row per question."""
    from quizapp.ui.teacher import results_page as module

    target = tmp_path / "responses.csv"
    target.write_text("an older export", encoding="utf-8")
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    results_page.filters.select_class(world.class_id)
    results_page.export_responses_action.trigger()
    task = results_page.last_task
    assert task is not None
    with qtbot.waitSignal(task.task.finished, timeout=30000) as blocker:
        pass
    assert blocker.args == [12]
    qtbot.waitUntil(lambda: "Saved 12 rows to responses.csv" in results_page.count_label.text())
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12
    assert {r["student"] for r in rows} == {"Ana", "Ben"}
    marks: dict[str, float] = {}
    for r in rows:
        marks[r["attempt_uuid"]] = marks.get(r["attempt_uuid"], 0.0) + float(r["marks"])
    ana = ResultsService(world.database.sessions).student_attempts(world.students["Ana"])
    assert {str(a.uuid): a.marks for a in ana} == {
        u: m for u, m in marks.items() if u in {str(a.uuid) for a in ana}
    }
    assert sorted(marks.values()) == [1.0, 3.0, 3.0]  # Ana 3 then 1, Ben 3
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_results_report_pdf_names_the_students(
    qtbot, results_page, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui.teacher import results_page as module

    target = tmp_path / "report.pdf"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    task = results_page.print_report()
    # A child process (a fresh interpreter importing Qt) prints it: allow for a slow start.
    with qtbot.waitSignal(task.task.finished, timeout=30_000):
        pass
    qtbot.waitUntil(target.exists)
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(target).pages)
    assert "Ana" in text
    assert "Jade" in text
    assert "11 attempts" in text
    # No filter: titled just "Results", not "Results: All results".
    assert pypdf.PdfReader(target).metadata.title == "Results"
    text = unicodedata.normalize("NFKC", text)  # the PDF's text has ligatures ("ﬁ")
    assert text.startswith("Results All finished attempts")  # the title, then what it covers

    # A filter: the title names it.
    klass = results_page.filters.class_combo
    _loaded(qtbot, results_page, lambda: klass.setCurrentIndex(klass.findText("7B")))
    task = results_page.print_report()
    with qtbot.waitSignal(task.task.finished, timeout=30_000):
        pass
    assert pypdf.PdfReader(target).metadata.title == "Results: 7B"
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(target).pages)
    text = unicodedata.normalize("NFKC", text)
    # The line under it says what it covers in words, not database ids ("class 2").
    assert text.startswith("Results: 7B Finished attempts")
    assert not re.search(r"\b(class|pack) \d", text)
    # One class: the students table leaves out the Class column the title answers.
    assert "Student Attempts Best Last Average" in text


# --------------------------------------------------------------------------- statistics


@pytest.fixture
def stats_page(qtbot, world: World):  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher.statistics_page import StatisticsPage

    page = StatisticsPage(world.services)
    qtbot.addWidget(page)
    page.resize(1100, 750)
    page.show()
    with qtbot.waitSignal(page.report_ready, timeout=10000):
        page.refresh()
    return page


def test_the_charts_library_is_loaded_with_the_report_not_when_it_lands(
    qtbot, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """pyqtgraph and numpy take 0.6–1.2 s to import the first time: they are imported on
    the pool thread with the report's work, so drawing the charts when the report
    arrives does not freeze the window."""
    import threading

    from quizapp.ui import charts
    from quizapp.ui.teacher.statistics_page import StatisticsPage

    loaded_on: list[bool] = []  # True: on the GUI thread
    load = charts.load_pyqtgraph

    def watched():  # type: ignore[no-untyped-def]
        loaded_on.append(threading.current_thread() is threading.main_thread())
        return load()

    monkeypatch.setattr(charts, "load_pyqtgraph", watched)
    page = StatisticsPage(world.services)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.report_ready, timeout=10_000):
        page.refresh()
    assert page.distribution_chart is not None  # the charts were drawn
    assert loaded_on
    assert loaded_on[0] is False  # first loaded off the GUI thread


def test_statistics_show_facility_and_flags_of_first_attempts(stats_page) -> None:  # type: ignore[no-untyped-def]
    page = stats_page
    assert page.report.quiz.n == 10  # first attempts only
    table = page.questions_table
    facility = [str(table.proxy.index(r, 3).data()) for r in range(4)]
    assert facility == ["100.00%", "0.00%", "60.00%", "30.00%"]
    flags = [str(table.proxy.index(r, 8).data()) for r in range(4)]
    assert "Too easy" in flags[0]
    assert "Too hard" in flags[1]
    assert flags[2] == ""
    # A flag carries an icon as well as its word.
    assert not table.proxy.index(0, 8).data(Qt.ItemDataRole.DecorationRole).isNull()
    assert page.figure_labels["n"].text() == "10"
    assert "internal consistency" in page.figure_labels["cic"].toolTip().lower() or (
        "measure the same thing" in page.figure_labels["cic"].toolTip()
    )
    # Distractor analysis of q1: everybody picked choice B.
    page.questions_table.selectRow(1)
    picked = {
        str(page.choices_table.proxy.index(r, 0).data()): str(
            page.choices_table.proxy.index(r, 3).data()
        )
        for r in range(page.choices_table.proxy.rowCount())
    }
    assert picked["B"] == "10"
    assert picked["A"] == "0"
    # Charts are drawn from the same figures.
    assert sum(page.distribution_chart.counts) == 10


def test_all_attempts_selection_counts_every_attempt(qtbot, stats_page) -> None:  # type: ignore[no-untyped-def]
    from quizapp.domain.statistics import AttemptSelection

    with qtbot.waitSignal(stats_page.report_ready, timeout=10000):
        stats_page.select_quiz(stats_page.quiz_combo.currentData(), AttemptSelection.ALL)
    assert stats_page.report.quiz.n == 11


def test_regrade_dry_run_then_apply_changes_the_marks(qtbot, stats_page, world: World) -> None:  # type: ignore[no-untyped-def]
    page = stats_page
    assert not page.regrade_button.isEnabled()
    install_pack(world.database.sessions, build_pack(corrected_q1=True))
    with qtbot.waitSignal(page.report_ready, timeout=10000):
        page.refresh()
    assert page.regrade_button.isEnabled()
    assert "Key corrected" in str(page.questions_table.proxy.index(1, 8).data())
    page.questions_table.selectRow(1)
    qtbot.mouseClick(page.regrade_button, Qt.MouseButton.LeftButton)
    dialog = page.regrade_dialog
    assert dialog is not None
    # Dry run: all 11 attempts gain q1 (they all picked B); nothing written yet.
    assert dialog.table.source.rowCount() == 11
    results = ResultsService(world.database.sessions)
    before = results.student_attempts(world.students["Gus"])[0].percent
    assert before == 25
    with qtbot.waitSignal(page.report_ready, timeout=10000):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert results.student_attempts(world.students["Gus"])[0].percent == 50
    assert "Regraded" in page.status_label.text() or page.report is not None


def test_review_of_a_regraded_attempt_says_so(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services.regrade import RegradeService
    from quizapp.ui.teacher.results_page import ResultsPage

    install_pack(world.database.sessions, build_pack(corrected_q1=True))
    service = RegradeService(world.database.sessions)
    service.apply(service.dry_run(world.pack_id))
    page = ResultsPage(world.services)
    qtbot.addWidget(page)
    page.show()
    _loaded(qtbot, page, page.refresh)
    page.select_student(world.students["Gus"])
    dialog = page.open_attempt(page.attempts[0].id)
    assert dialog is not None
    assert "Regraded: 0% → 100%" in dialog.notes_label.text()
    dialog.close()


# --------------------------------------------------------------------------- students


@pytest.fixture
def students_page(qtbot, world: World):  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher.students_page import StudentsPage

    page = StudentsPage(world.services)
    qtbot.addWidget(page)
    page.show()
    _loaded(qtbot, page, page.refresh)
    return page


def test_classes_are_created_and_students_put_in_them(
    qtbot, students_page, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher import students_page as module

    page = students_page
    monkeypatch.setattr(module, "ask_text", lambda *a: "8C")
    _loaded(qtbot, page, lambda: qtbot.mouseClick(page.new_class_button, Qt.MouseButton.LeftButton))
    assert [c.name for c in page.class_rows] == ["7B", "8C"]
    new_class = next(c.id for c in page.class_rows if c.name == "8C")
    assert page.current_class_key() == new_class  # the new class is chosen, empty
    assert page.table.shown_texts(0) == []
    page.select_class(module.ALL)
    page.select_students([world.students["Gus"], world.students["Hana"]])
    monkeypatch.setattr(module, "ask_item", lambda *a: 1)  # 8C
    _loaded(qtbot, page, lambda: qtbot.mouseClick(page.move_button, Qt.MouseButton.LeftButton))
    page.select_class(new_class)
    assert page.table.shown_texts(0) == ["Gus", "Hana"]
    assert page.class_list.currentItem().text() == "8C (2)"
    # Every line of the list says how many it holds: 10 in all, Ana and Ben in 7B.
    texts = [page.class_list.item(i).text() for i in range(page.class_list.count())]
    assert texts == ["All students (10)", "No class (6)", "7B (2)", "8C (2)"]


def test_a_class_chosen_while_the_students_load_stays_chosen(
    qtbot, students_page, world: World
) -> None:  # type: ignore[no-untyped-def]
    """The Students page reloads in the background: a class the teacher clicks
    meanwhile is still the one shown when the data arrive (it went back to the class
    chosen when the load began)."""
    from quizapp.ui.teacher import students_page as module

    page = students_page
    assert page.current_class_key() == module.ALL
    with qtbot.waitSignal(page.loader.loaded, timeout=10_000):
        page.refresh()
        page.select_class(world.class_id)  # before the data arrive
    assert page.current_class_key() == world.class_id
    assert page.table.shown_texts(0) == ["Ana", "Ben"]


def test_merging_two_profiles_names_both_and_moves_attempts(
    qtbot, students_page, world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui import common
    from quizapp.ui.teacher import students_page as module

    page = students_page
    asked: list[str] = []
    monkeypatch.setattr(module, "ask_item", lambda *a: 0)
    monkeypatch.setattr(common, "confirm", lambda _p, _t, q, *_: asked.append(q) or True)
    page.select_students([world.students["Ana"], world.students["Ben"]])
    _loaded(qtbot, page, lambda: qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton))
    assert "Ana (7B, 2 attempts)" in asked[0]
    assert "Ben (7B, 1 attempt)" in asked[0]  # one attempt, in the singular
    results = ResultsService(world.database.sessions)
    assert len(results.student_attempts(world.students["Ana"])) == 3
    assert "Ben" not in page.table.shown_texts(0)


def test_deleting_a_student_offers_an_export_first(
    qtbot, students_page, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import json

    from quizapp.ui import common
    from quizapp.ui.teacher import students_page as module

    page = students_page
    saved = tmp_path / "jade.json"
    asked: list[str] = []
    monkeypatch.setattr(module, "offer_export", lambda *a: True)
    monkeypatch.setattr(module, "ask_save_path", lambda *a: saved)
    monkeypatch.setattr(common, "confirm", lambda _p, _t, q, *_: asked.append(q) or True)
    page.select_students([world.students["Jade"]])
    _loaded(qtbot, page, lambda: qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton))
    assert json.loads(saved.read_text(encoding="utf-8"))["student"]["name"] == "Jade"
    assert "Delete Jade (no class, 1 attempt)" in asked[0]
    assert "Jade" not in page.table.shown_texts(0)
    assert "Jade" not in [s.name for s in world.services.students.list_students()]


# --------------------------------------------------------------------------- merge


def test_merging_a_bundle_twice_adds_nothing_the_second_time(
    qtbot, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services.bundles import export_results_bundle
    from quizapp.ui.teacher import merge_page as module
    from quizapp.ui.teacher.merge_page import MergePage

    bundle = tmp_path / "room2.zip"
    export_results_bundle(world.database.sessions, bundle)
    other, other_services = open_services(str(tmp_path / "teacher.sqlite"))
    try:
        page = MergePage(other_services)
        qtbot.addWidget(page)
        page.show()
        monkeypatch.setattr(module, "ask_open_paths", lambda *a: [bundle])
        for _ in range(2):
            qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
            with qtbot.waitSignal(page.last_task.task.finished, timeout=10000):
                pass
        first, second = page.reports
        assert first.bundles[0].students == 10
        assert first.bundles[0].attempts == 11
        assert not second.bundles[0].added_anything
        assert "nothing new (already merged)" in page.report_view.toPlainText()
        overview = ResultsService(other.sessions).students_overview()
        assert sum(s.attempts for s in overview) == 11
    finally:
        other.close()


# --------------------------------------------------------------------------- paper quiz


def test_paper_quiz_pdf_has_versions_and_keys(
    qtbot, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui.teacher import print_page as module
    from quizapp.ui.teacher.print_page import PrintPage

    page = PrintPage(world.services)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    page.select_pack(world.pack_id)
    target = tmp_path / "paper.pdf"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    # A child process (a fresh interpreter importing Qt) prints it: allow for a slow start.
    with qtbot.waitSignal(page.last_task.task.finished, timeout=30_000):
        pass
    qtbot.waitUntil(target.exists)
    reader = pypdf.PdfReader(target)
    # Version A, its key, version B, its key: each on its own page(s).
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert len(pages) == 4
    assert "version A" in pages[0]
    assert "Name:" in pages[0]
    assert "Choose one" in pages[0]
    assert "Answer grid" in pages[0]
    assert pages[1].startswith("Answer key") or "Answer key" in pages[1]
    assert "Because q" in pages[1]
    assert "version B" in pages[2]
    assert "Answer key" in pages[3]


def test_quiz_refs_are_listed_for_the_lesson(world: World) -> None:
    """Sanity: the dataset above is one lesson quiz with 11 finished attempts."""
    quizzes = ResultsService(world.database.sessions).quizzes()
    assert [(q.ref, q.attempts, q.students) for q in quizzes] == [
        (QuizRef.lesson(world.lesson_id), 11, 10)
    ]


def test_a_long_jobs_progress_dialog_shows_soon_not_after_qts_4_s(qtbot, results_page) -> None:  # type: ignore[no-untyped-def]
    """The teacher sees "Please wait" shortly after starting a long job that has not
    reported progress yet (designed: 300 ms), not after Qt's default 4 s of nothing."""
    import threading

    from PySide6.QtWidgets import QProgressDialog

    from quizapp.ui.teacher.results_page import run_with_progress

    release = threading.Event()
    results: list[object] = []
    task = run_with_progress(
        results_page,
        lambda progress, cancelled: release.wait(10),
        results.append,
        label="Working…",
    )
    try:
        dialog = task.dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible, timeout=2_000)
        assert dialog.labelText() == "Working…"
        # Wide enough for its whole title in a title bar ("Please wait — quizapp" on
        # Linux, beside the buttons), though its label is short.
        from PySide6.QtWidgets import QApplication

        title = f"Please wait — {QApplication.applicationDisplayName()}"
        assert dialog.width() >= dialog.fontMetrics().horizontalAdvance(title) + 100
    finally:
        release.set()
    qtbot.waitUntil(lambda: results == [True], timeout=5_000)
    assert not [d for d in results_page.findChildren(QProgressDialog) if d.isVisible()]


def test_cancel_is_reported_through_the_one_cancelled_callback(qtbot, results_page) -> None:  # type: ignore[no-untyped-def]
    """Cancel reaches the page as one status text, the same wording for every job: the
    file it did not write when it writes one, a bare "Cancelled." otherwise; ``on_error``
    is kept for real errors."""
    import threading

    from quizapp.services.results import OperationCancelled
    from quizapp.ui.teacher.results_page import run_with_progress

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        raise OperationCancelled

    cases = [(None, "Cancelled."), (Path("x/marks.csv"), "Cancelled: marks.csv was not written.")]
    for writes, expected in cases:
        started = threading.Event()
        said: list[str] = []
        errors: list[BaseException] = []
        task = run_with_progress(
            results_page,
            work,
            said.append,
            label="Working…",
            on_error=errors.append,
            cancelled=said.append,
            writes=writes,
        )
        assert started.wait(5)
        with qtbot.waitSignal(task.task.failed, timeout=5_000):
            task.cancel()
        assert said == [expected]
        assert errors == []


# --------------------------------------------------------------------------- long report


def test_report_over_more_attempts_than_printed_lists_every_student_and_says_what_is_left_out(
    qtbot, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A class's whole history would be hundreds of pages: the report lists every student
    but only the most recent attempts, and says how many it left out and where they are."""
    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui import printing

    monkeypatch.setattr(printing, "ATTEMPTS_PRINTED", 4)  # the class has 11 attempts
    target = tmp_path / "report.pdf"
    pages = printing.print_results_report_from_database(
        world.database.url, None, "Results: all attempts", target
    )
    reader = pypdf.PdfReader(target)
    assert pages == len(reader.pages)
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for name in ("Ana", "Ben", "Dan", "Eve", "Farid", "Gus", "Hana", "Ivo", "Jade"):
        assert name in text
    assert "11 attempts" in text
    assert "The 4 most recent of the 11 attempts are listed; the 7 earlier ones are left out" in (
        text
    )
    assert "Attempts (CSV or XLSX)" in text


def test_printing_the_report_keeps_the_page_responsive_and_cancel_leaves_no_file(
    results_page, tmp_path: Path, monkeypatch, cancel_while_alive
) -> None:  # type: ignore[no-untyped-def]
    """The report is printed away from the window: its event loop keeps running, a
    progress dialog with Cancel shows, and Cancel leaves nothing in the folder."""
    from quizapp.services.results import OperationCancelled
    from quizapp.ui.teacher import results_page as module

    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(module, "ask_save_path", lambda *a: folder / "report.pdf")
    error = cancel_while_alive(results_page, results_page.print_report, 20_000)
    assert isinstance(error, OperationCancelled)
    assert list(folder.iterdir()) == []
    # Says so, in the words every page uses for a cancelled job.
    assert results_page.count_label.text() == "Cancelled: report.pdf was not written."


def test_the_status_line_says_what_the_last_export_did(
    qtbot, results_page, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """ "Saved N rows" after an export; not left standing while the next one runs; and a
    cancelled export says it wrote nothing."""
    from quizapp.ui.teacher import results_page as module

    first = tmp_path / "attempts.csv"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: first)
    task = results_page.export("attempts")
    with qtbot.waitSignal(task.task.finished, timeout=20_000):
        pass
    assert results_page.count_label.text() == "Saved 11 rows to attempts.csv"

    second = tmp_path / "responses.csv"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: second)
    task = results_page.export("responses")
    assert "Saved" not in results_page.count_label.text()
    with qtbot.waitSignal(task.task.failed, timeout=20_000):
        task.cancel()
    assert results_page.count_label.text() == "Cancelled: responses.csv was not written."
    assert not second.exists()


def test_printing_the_report_after_a_cancelled_export_shows_the_count_then_the_pages(
    qtbot, results_page, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """While the report prints, the status line is the table's count, not the last
    export's "Cancelled: … was not written."; once printed it says how many pages, with
    the singular for one ("(1 page)")."""
    pypdf = pytest.importorskip("pypdf")
    from quizapp.ui.teacher import results_page as module

    csv_path, pdf_path = tmp_path / "responses.csv", tmp_path / "report.pdf"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: csv_path)
    task = results_page.export("responses")
    with qtbot.waitSignal(task.task.failed, timeout=20_000):
        task.cancel()
    assert results_page.count_label.text() == "Cancelled: responses.csv was not written."

    monkeypatch.setattr(module, "ask_save_path", lambda *a: pdf_path)
    task = results_page.print_report()
    assert results_page.count_label.text() == "10 students · 10 with attempts"
    with qtbot.waitSignal(task.task.finished, timeout=30_000):
        pass
    assert len(pypdf.PdfReader(pdf_path).pages) == 1
    assert results_page.count_label.text() == "Saved the report to report.pdf (1 page)"


def test_a_bundle_export_runs_in_a_child_process_and_cancel_leaves_no_file(
    qtbot, world: World, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The results bundle is written away from the window (a class's bundle is seconds
    of reading, which in a thread held the window): it arrives whole and the log says
    so; a cancelled one says, in the words every page uses, that the file was not
    written, and leaves no file."""
    from quizapp.services.bundles import read_bundle
    from quizapp.ui.teacher import merge_page as module
    from quizapp.ui.teacher.merge_page import MergePage
    from quizapp.ui.worker import ProcessTask

    page = MergePage(world.services)
    qtbot.addWidget(page)
    page.show()
    target = tmp_path / "room2.zip"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    task = page.export_results()
    assert task is not None
    assert isinstance(task.task, ProcessTask)
    with qtbot.waitSignal(task.task.finished, timeout=30_000):
        pass
    assert len(read_bundle(target)["attempts"]) == 11
    assert page.report_view.toPlainText().endswith(f"Exported 11 attempts to {target}.")

    cancelled = tmp_path / "room3.zip"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: cancelled)
    task = page.export_results()
    assert task is not None
    with qtbot.waitSignal(task.task.failed, timeout=30_000):
        task.cancel()
    assert page.report_view.toPlainText().endswith("Cancelled: room3.zip was not written.")
    assert not cancelled.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("room3")] == []
