"""The Paper quiz page prints in a child process: the window keeps running, the progress
counts pages, Cancel leaves no file, errors are shown with their message, and the PDF is
the one the page printed on the GUI thread before."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.domain.scoring import default_fractions
from quizapp.services.container import Services
from quizapp.services.packs import install_pack

CHILD_TIMEOUT_MS = 60_000
"""A child process starts a fresh interpreter with Qt: generous on a loaded machine."""


def _pack(questions: int = 6) -> Pack:
    items = []
    for n in range(questions):
        multiple = n % 3 == 2
        correct = [True, True, False, False] if multiple else [True, False, False, False]
        qtype = QuestionType.MULTIPLE if multiple else QuestionType.SINGLE
        items.append(
            Question(
                id=f"q{n}",
                lesson_id="l1",
                type=qtype,
                prompt=f"Which river is number {n}?",
                choices=tuple(
                    Choice(text=f"River {n}{c}", fraction=f)
                    for c, f in zip("ABCD", default_fractions(qtype, correct), strict=True)
                ),
                explanation=f"Because river {n} is long.",
            )
        )
    return Pack(
        id="rivers",
        title="Rivers",
        lessons=(Lesson(id="l1", title="Rivers of Europe", body="Rivers."),),
        questions=tuple(items),
    )


@pytest.fixture
def pack_id(services: Services) -> int:
    return install_pack(services.database.sessions, _pack()).pack_id


@pytest.fixture
def page(qtbot, services: Services, pack_id: int):  # type: ignore[no-untyped-def]
    """The page, shown, listing the built-in course and the rivers pack."""
    from quizapp.ui.teacher.print_page import PrintPage

    page = PrintPage(services)
    qtbot.addWidget(page)
    page.resize(900, 650)
    page.show()
    page.on_shown()
    return page


def _texts(path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages]


def test_the_page_prints_in_a_child_process_the_pdf_it_printed_before(
    qtbot, page, services: Services, pack_id: int, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services.print_model import build_paper_versions
    from quizapp.ui.printing import print_paper_quizzes
    from quizapp.ui.teacher import print_page as module
    from quizapp.ui.worker import ProcessTask

    target = tmp_path / "paper.pdf"
    monkeypatch.setattr(module, "ask_save_path", lambda *a: target)
    page.select_pack(pack_id)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    task = page.last_task
    assert isinstance(task.task, ProcessTask)
    assert page.status_label.text() == "Printing versions A, B…"
    with qtbot.waitSignal(task.task.finished, timeout=CHILD_TIMEOUT_MS):
        pass
    assert page.status_label.text() == "Saved versions A, B (6 questions each) to paper.pdf."
    assert page.last_path == target
    # The same papers printed here, on the GUI thread, as the page used to.
    here = print_paper_quizzes(
        build_paper_versions(services.database.sessions, pack_id=pack_id), tmp_path / "here.pdf"
    )
    pages = _texts(target)
    assert pages == _texts(here)
    assert len(pages) == 4  # version A, its key, version B, its key
    assert "Rivers of Europe — version A" in pages[0]
    assert pages[1].startswith("Answer key: Rivers of Europe — version A")
    assert "Because river 0 is long." in pages[1]
    assert "version B" in pages[2]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_child_reports_each_page_printed(
    qapp, services: Services, pack_id: int, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """What the progress dialog counts: one call per page, the last one at the total.
    (Run here in the test's process: ``qapp`` first, or the child's entry point would
    make the process's application a bare ``QGuiApplication`` the later tests can't use.)"""
    from quizapp.ui.printing import PrintedPapers, print_paper_quizzes_from_database

    seen: list[tuple[int, int]] = []
    target = tmp_path / "paper.pdf"
    printed = print_paper_quizzes_from_database(
        services.database.url,
        ("A", "B", "C"),
        pack_id,
        None,
        4,
        target,
        progress=lambda done, total: seen.append((done, total)),
    )
    pages = _texts(target)
    assert printed == PrintedPapers(pages=len(pages), questions=4)
    assert seen == [(n, len(pages)) for n in range(1, len(pages) + 1)]
    assert "version C" in " ".join(pages)


def test_printing_keeps_the_window_running_and_cancel_leaves_no_file(
    page, tmp_path: Path, monkeypatch, cancel_while_alive
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.services.results import OperationCancelled
    from quizapp.ui.teacher import print_page as module

    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(module, "ask_save_path", lambda *a: folder / "paper.pdf")
    builtin = next(p.id for p in page.packs.list_packs() if p.is_builtin)
    page.select_pack(builtin)  # 59 questions, four versions: some seconds of printing
    for check in page.version_checks.values():
        check.setChecked(True)
    error = cancel_while_alive(page, page.print_papers, CHILD_TIMEOUT_MS)
    assert isinstance(error, OperationCancelled)
    assert list(folder.iterdir()) == []
    assert page.status_label.text() == "Cancelled: paper.pdf was not written."


def test_a_print_that_fails_shows_its_message(
    qtbot, page, pack_id: int, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher import print_page as module

    shown: list[BaseException] = []
    monkeypatch.setattr(module.common, "show_error", lambda parent, error, *a: shown.append(error))
    missing = tmp_path / "gone" / "paper.pdf"  # its folder was removed meanwhile
    monkeypatch.setattr(module, "ask_save_path", lambda *a: missing)
    page.select_pack(pack_id)
    task = page.print_papers()
    assert task is not None
    with qtbot.waitSignal(task.task.failed, timeout=CHILD_TIMEOUT_MS):
        pass
    assert [str(e) for e in shown] == [f"Cannot write in {missing.parent}."]
    assert "Saved" not in page.status_label.text()
    assert not missing.parent.exists()
