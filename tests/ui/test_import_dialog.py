"""The import dialog end to end: the file is read and installed in a child process
(as the teacher's import runs), the preview says what the file holds, and what lands in
the database is what the preview showed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.formats.json_pack import dump_pack
from quizapp.services.container import Services
from quizapp.services.pack_admin import PackAdmin
from quizapp.ui.teacher import import_dialog as module
from quizapp.ui.teacher.import_dialog import SHOWN_AT_FIRST, ImportDialog
from quizapp.ui.worker import ProcessTask

LESSONS = SHOWN_AT_FIRST + 10


def _gift(lessons: int, per_lesson: int) -> str:
    """``lessons`` categories of ``per_lesson`` single-answer questions, and one more
    question, true/false, in the last."""
    parts = []
    for lesson in range(1, lessons + 1):
        parts.append(f"$CATEGORY: Lesson {lesson:03d}\n")
        parts.extend(
            f"::l{lesson}q{q}:: Question {q} of lesson {lesson}?{{=Right ~Wrong ~Other}}\n"
            for q in range(1, per_lesson + 1)
        )
    parts.append(f"::tf:: The last lesson is number {lessons}.{{T}}\n")
    return "\n".join(parts)


def _dialog(qtbot, admin: PackAdmin, path: Path) -> ImportDialog:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(admin, path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    return dialog


def _boxes(dialog: ImportDialog) -> list[str]:
    return [box.text() for box in dialog.findChildren(QMessageBox) if box.isVisible()]


def test_a_file_imported_through_the_dialog_lands_in_the_database_as_previewed(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.gift"
    path.write_text(_gift(LESSONS, 3), encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    before = {row.key for row in admin.list_packs()}

    dialog = _dialog(qtbot, admin, path)
    # The reading ran in a child process, not on a thread of this one.
    assert isinstance(dialog.task, ProcessTask)
    assert not dialog.busy_bar.isVisible()
    text = dialog.report_text()
    questions = LESSONS * 3 + 1
    assert "What will be imported" in text
    assert "This is a new pack on this computer." in text
    assert (
        f"{LESSONS} lessons, {questions} questions: {LESSONS * 3} single-answer questions, "
        "1 true/false question." in text
    )
    assert "Lesson 001\n3 questions\nLesson 002\n3 questions" in text
    # A long list shows its start, how many more, and a link to all of it.
    assert f"Lesson {SHOWN_AT_FIRST:03d}\n3 questions" in text
    assert f"Lesson {SHOWN_AT_FIRST + 1:03d}" not in text
    assert "… and 10 more lessons." in text
    assert f"Show all {LESSONS} lessons" in text
    # The link is reached from the keyboard: Tab to it, Enter.
    dialog.report_view.setFocus()
    qtbot.keyClick(dialog.report_view, Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.report_view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.showing_everything, timeout=5_000)
    text = dialog.report_text()
    assert f"Lesson {LESSONS - 1:03d}\n3 questions\nLesson {LESSONS:03d}\n4 questions" in text
    assert "more lessons" not in text
    # Nothing is written before Import.
    assert {row.key for row in admin.list_packs()} == before

    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    report = imported.args[0]
    assert report.created
    assert report.questions_added == questions
    assert dialog.report is report
    row = next(r for r in admin.list_packs() if r.key == "big")
    assert row.question_count == questions
    assert row.lesson_count == LESSONS
    assert row.enabled
    pack = admin.export_domain_pack(row.id)
    assert [q.id for q in pack.questions][:4] == ["l1q1", "l1q2", "l1q3", "l2q1"]
    assert pack.questions[-1].type is QuestionType.TRUE_FALSE
    assert [lesson.title for lesson in pack.lessons][-1] == f"Lesson {LESSONS:03d}"


def test_a_malformed_file_shows_its_error_with_line_column_and_field(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    pack = Pack(
        id="rivers",
        title="Rivers",
        lessons=(Lesson("l1", "Rivers", "Text."),),
        questions=tuple(
            Question(
                f"q{i}",
                "l1",
                QuestionType.SINGLE,
                f"Question {i}?",
                (Choice("Right", 1.0), Choice("Wrong", 0.0)),
            )
            for i in range(3)
        ),
    )
    good = dump_pack(pack)
    old = '"id": "q1",\n      "lesson": "l1"'
    assert good.count(old) == 1
    bad = good.replace(old, '"id": "q1",\n      "lesson": "nowhere"')
    index = bad.index('"nowhere"')
    line = bad.count("\n", 0, index) + 1
    column = index - bad.rfind("\n", 0, index)
    path = tmp_path / "rivers.json"
    path.write_text(bad, encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    before = admin.list_packs()

    dialog = _dialog(qtbot, admin, path)
    text = dialog.report_text()
    assert "1 problem in rivers.json: nothing can be imported" in text
    assert f"Line {line}, column {column}: There is no lesson with id 'nowhere'" in text
    assert "($.questions[1].lesson)" in text
    assert "[missing-lesson]" in text
    assert not dialog.import_button.isEnabled()
    assert dialog.cancel_button.text() == "Close"
    dialog.activate_primary()
    assert not dialog.is_busy()
    assert admin.list_packs() == before


def test_a_file_changed_after_the_preview_is_refused_then_previewed_again(
    qtbot, services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    real_show_error = module.show_error

    def show_error(parent, error, title=None):  # type: ignore[no-untyped-def]
        errors.append(str(error))
        return real_show_error(parent, error, title)

    monkeypatch.setattr(module, "show_error", show_error)
    path = tmp_path / "rivers.gift"
    path.write_text(_gift(2, 1), encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    before = admin.list_packs()
    dialog = _dialog(qtbot, admin, path)
    assert "2 lessons, 3 questions" in dialog.report_text()

    path.write_text(_gift(3, 1), encoding="utf-8")  # the teacher saved it meanwhile
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=20_000)
    assert "“rivers.gift” has changed since it was read for the preview" in errors[0]
    assert "nothing was imported" in errors[0]
    assert admin.list_packs() == before
    # The preview is read again: it shows what the file holds now.
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert "3 lessons, 4 questions" in dialog.report_text()
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert imported.args[0].questions_added == 4


def test_cancel_while_reading_stops_the_child_quietly(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rivers.gift"
    path.write_text(_gift(2, 1), encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    before = admin.list_packs()
    dialog = ImportDialog(admin, path)
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.task
    assert isinstance(task, ProcessTask)
    assert dialog.is_busy()  # the child takes a while to start
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert task.cancel_requested
    qtbot.waitUntil(lambda: not task.is_running, timeout=20_000)
    assert _boxes(dialog) == []  # cancelling is not an error
    assert admin.list_packs() == before


def test_an_import_being_written_says_it_cannot_be_cancelled_and_finishes(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Cancel is not silently ignored while the questions are written: it is disabled
    and the dialog says why; Esc leaves the dialog up; the import completes."""
    path = tmp_path / "rivers.gift"
    path.write_text(_gift(3, 2), encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    dialog = _dialog(qtbot, admin, path)
    assert dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.imported, timeout=20_000) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        assert dialog.is_busy()  # a child process starting: it takes a while
        assert not dialog.cancel_button.isEnabled()
        assert "cannot be cancelled" in dialog.busy_label.text()
        assert "all at once or not at all" in dialog.busy_label.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert dialog.isVisible()
    assert imported.args[0].questions_added == 7
    assert "rivers" in {row.key for row in admin.list_packs()}
