"""The tester's last screen fixes: import preview wording on an unchanged re-import,
PDF permissions and layout, file dialogs' starting folder, history header times,
the quizzes page's empty state."""

from __future__ import annotations

from pathlib import Path

from quizapp.services.container import Services
from quizapp.services.pack_admin import PackAdmin
from quizapp.ui.teacher.import_dialog import ImportDialog

GIFT = """\
::Nile:: Which river flows through Cairo? {=Nile ~Amazon ~Danube}

::Alps:: Mont Blanc is in the Alps. {T}
"""


def _preview_text(qtbot, admin: PackAdmin, path: Path) -> str:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(admin, path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    return dialog.report_text()


def test_reimporting_an_unchanged_file_says_no_change(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rivers.gift"
    path.write_text(GIFT, encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    assert "This is a new pack on this computer." in _preview_text(qtbot, admin, path)
    admin.import_file(path)

    text = _preview_text(qtbot, admin, path)
    assert "No change: this pack is already installed exactly as in this file." in text
    assert "New version of" not in text

    path.write_text(GIFT.replace("flows through", "runs through"), encoding="utf-8")
    text = _preview_text(qtbot, admin, path)
    assert "New version of “rivers”" in text
    assert "1 question changed, 0 added, 0 removed" in text


def test_paper_quiz_pdf_keeps_the_grid_whole_and_is_readable_by_others(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import os

    pypdf = __import__("pytest").importorskip("pypdf")
    from quizapp.services.print_model import build_paper_versions
    from quizapp.ui.printing import print_paper_quizzes

    admin = PackAdmin(services.database.sessions)
    path = tmp_path / "capitals.gift"
    path.write_text(
        "\n\n".join(
            f"::Q{n}:: Which city is the capital of country number {n}? "
            "{=Paris ~Rome ~Madrid ~Berlin}"
            for n in range(1, 7)
        ),
        encoding="utf-8",
    )
    admin.import_file(path)
    pack_id = next(row.id for row in admin.list_packs() if row.key == "capitals")
    papers = build_paper_versions(services.database.sessions, pack_id=pack_id)
    target = print_paper_quizzes(papers, tmp_path / "paper.pdf")

    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(target).pages]
    # Six questions: each version on one page with its whole grid, then its key.
    assert len(pages) == 4
    for version, paper, key in (("A", pages[0], pages[1]), ("B", pages[2], pages[3])):
        assert f"version {version}" in paper
        assert "Answer grid" in paper
        assert all(f" {n} ○" in paper for n in range(1, 7))
        assert key.startswith("Answer key")


def test_file_dialogs_start_in_documents_then_in_the_last_folder_used(
    qtbot, app_settings, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from quizapp.ui import common

    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(
        QStandardPaths,
        "writableLocation",
        staticmethod(lambda location: str(documents)),
    )
    seen: list[str] = []
    chosen = tmp_path / "class 7B" / "rivers.gift"
    chosen.parent.mkdir()

    def fake_open(parent, title, folder, filters):  # type: ignore[no-untyped-def]
        seen.append(folder)
        return str(chosen), filters

    def fake_save(parent, title, start, filters):  # type: ignore[no-untyped-def]
        seen.append(start)
        return start, filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))

    names, _ = common.ask_files(None, "Import", "GIFT (*.gift)", settings=app_settings)
    assert names == [str(chosen)]
    assert seen[0] == str(documents)  # not the working directory
    assert app_settings.last_folder == str(chosen.parent)

    names, _ = common.ask_files(
        None, "Save", "PDF (*.pdf)", mode="save", suggested="paper.pdf", settings=app_settings
    )
    assert seen[1] == str(chosen.parent / "paper.pdf")


def test_review_header_labels_the_start_time_and_the_time_taken(qtbot) -> None:  # type: ignore[no-untyped-def]
    import uuid
    from datetime import UTC, datetime, timedelta

    from quizapp.domain.model import Behaviour
    from quizapp.services.dto import AttemptSummary
    from quizapp.ui.results_view import local_datetime, started_and_took

    start = datetime(2024, 9, 2, 13, 13, tzinfo=UTC)
    summary = AttemptSummary(
        id=1,
        uuid=uuid.uuid4(),
        kind="lesson",
        title="Rivers",
        pack_id=1,
        lesson_id=1,
        behaviour=Behaviour.IMMEDIATE_FEEDBACK,
        started_at=start,
        finished_at=start + timedelta(seconds=130),
        answered=3,
        total=3,
        marks=2,
        max_marks=3,
        percent=67,
        duration_s=130,
    )
    assert started_and_took(summary) == f"Started {local_datetime(start)} · took 2 min"


def test_teacher_sidebar_fits_its_titles_at_a_large_text_size(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication, QLabel

    from quizapp.ui.common import apply_text_size
    from quizapp.ui.teacher.teacher_area import TeacherArea

    base = QApplication.font().pointSizeF()
    area = TeacherArea()
    qtbot.addWidget(area)
    for title in ("Packs", "Quizzes", "Results", "Statistics", "Students", "Print", "Merge"):
        area.add_page(title, "package", QLabel(title))
    area.resize(1000, 700)
    area.show()
    qtbot.waitExposed(area)
    try:
        apply_text_size(24)
        qtbot.waitUntil(lambda: area.nav.width() >= area.nav.sizeHint().width())
        widest = max(area.nav.fontMetrics().horizontalAdvance(t) for t in area.page_titles())
        # The icon (20 px), the text and the item's padding fit in the list's viewport.
        assert area.nav.viewport().width() >= widest + 20 + 12
        assert not area.nav.horizontalScrollBar().isVisible()
    finally:
        apply_text_size(base)


def test_quizzes_page_empty_state_says_what_to_do(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui.teacher.quizzes_page import QuizzesPage

    page = QuizzesPage(services.quizzes)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    qtbot.waitExposed(page)
    assert page.empty_label.isVisible()
    assert "No quizzes yet: press “New quiz…” to build an exam" in page.empty_label.text()
    assert not page.table.isVisible()
    assert not page.count_label.isVisible()
    # Compact: the message sits at the top, not in the middle of an empty page.
    assert page.empty_label.geometry().top() < page.height() // 3


def test_a_one_question_quiz_to_resume_counts_in_the_singular(qtbot) -> None:  # type: ignore[no-untyped-def]
    import uuid
    from datetime import UTC, datetime

    from PySide6.QtWidgets import QLabel

    from quizapp.domain.model import Behaviour
    from quizapp.services.dto import AttemptSummary
    from quizapp.ui.home_view import HomeView

    def summary(answered: int, total: int) -> AttemptSummary:
        return AttemptSummary(
            id=total, uuid=uuid.uuid4(), kind="lesson", title="Rivers", pack_id=1,
            lesson_id=1, behaviour=Behaviour.IMMEDIATE_FEEDBACK,
            started_at=datetime(2024, 9, 2, 13, 13, tzinfo=UTC), finished_at=None,
            answered=answered, total=total, marks=0, max_marks=total, percent=None,
            duration_s=None,
        )

    home = HomeView()
    qtbot.addWidget(home)
    cards = [home._resume_card(summary(a, t)) for a, t in ((0, 1), (3, 20))]
    texts = [[w.text() for w in card.findChildren(QLabel)] for card in cards]
    assert "0 of 1 question answered" in texts[0]
    assert "3 of 20 questions answered" in texts[1]


def test_no_scroll_bar_under_feedback_that_fits_and_one_when_it_does_not(  # type: ignore[no-untyped-def]
    qtbot, window, services
) -> None:
    """After answering, the page scrolls exactly as far as it overflows: no scroll bar
    when it fits, all of it reachable in a short window."""
    student = services.students.create_student("Zoe")
    window.choose_student(student.id)
    window.start_lesson_quiz(window.home_data.packs[0].lessons[0].id)
    quiz = window.quiz
    quiz.rows[0].activate()
    quiz.submit_button.click()
    bar = quiz.scroll_area.verticalScrollBar()
    viewport = quiz.scroll_area.viewport()

    qtbot.waitUntil(lambda: quiz.feedback_panel.isVisible())

    def overflow() -> int:  # how much taller the page is than what shows of it
        return max(0, quiz.body.heightForWidth(viewport.width()) - viewport.height())

    # The range is exactly the overflow: none when the page fits (the tester saw a
    # bar with a few pixels of range under feedback that fitted), all of it otherwise.
    qtbot.waitUntil(lambda: bar.maximum() == overflow())
    assert bar.isVisible() == (overflow() > 0)
    window.setMinimumSize(0, 0)  # below the app's 760×560, so the page must overflow
    window.resize(1024, 300)
    qtbot.waitUntil(lambda: bar.maximum() == overflow() > 0)
    window.resize(1024, 1400)
    qtbot.waitUntil(lambda: bar.maximum() == overflow() == 0)
