"""The teacher area by mouse and keyboard: the PIN gate (first use, wrong PIN and its
lockout, right PIN), the import preview of a GIFT file and of a broken one, importing
(the students' Home shows the pack), showing/hiding, deleting after a confirmation,
exporting, changing the PIN. Each test checks the screen and the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from quizapp.formats.registry import read_question_set
from quizapp.services.container import Services
from quizapp.services.pack_admin import PackAdmin
from quizapp.services.teacher_auth import TeacherAuth
from quizapp.ui import common
from quizapp.ui.main_window import SHORTCUTS, MainWindow
from quizapp.ui.teacher import packs_page as packs_module
from quizapp.ui.teacher.import_dialog import ImportDialog
from quizapp.ui.teacher.pin_dialog import PinDialog

GIFT = """\
// Exported from Moodle.
$CATEGORY: $course$/top/Rivers

::paris:: Which river flows through Paris?{=Seine#Yes. ~Thames#That is London. ~Danube}

::london:: Which rivers flow through London?{
  ~%50%Thames
  ~%50%Fleet
  ~%-100%Seine
}

Write a short essay about your favourite river.{}

$CATEGORY: Mountains

::everest:: Mount Everest is the highest mountain on Earth.{T}
"""

BROKEN = """\
::one:: A fine question?{=yes ~no}

::two:: A brace { too many?{=yes ~no}
"""


class Clock:
    """Aware UTC time that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def gift_file(tmp_path: Path) -> Path:
    path = tmp_path / "rivers.gift"
    path.write_text(GIFT, encoding="utf-8")
    return path


@pytest.fixture
def admin(services: Services) -> PackAdmin:
    return PackAdmin(services.database.sessions)


@pytest.fixture
def let_in(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every PIN gate opens (the gate itself is tested below); counts the asks."""
    asked: list[int] = []

    def ask(parent: object, auth: TeacherAuth) -> bool:
        asked.append(1)
        return True

    monkeypatch.setattr(PinDialog, "ask", ask)
    return asked


def _type(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus()
    qtbot.keyClicks(widget, text)


def _click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


# ---------------------------------------------------------------- the PIN gate


def test_first_use_sets_the_pin_typed_twice(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    auth = TeacherAuth(services.database.sessions)
    dialog = PinDialog(auth)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.setting
    assert dialog.confirm_edit is not None
    assert dialog.pin_edit.echoMode() == dialog.pin_edit.EchoMode.Password
    assert dialog.ok_button.text() == "Set PIN"

    _type(qtbot, dialog.pin_edit, "2468")
    _type(qtbot, dialog.confirm_edit, "2469")
    _click(qtbot, dialog.ok_button)
    assert "not the same" in dialog.message_label.text()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert not auth.has_pin()
    assert dialog.pin_edit.text() == ""

    _type(qtbot, dialog.pin_edit, "24")
    _type(qtbot, dialog.confirm_edit, "24")
    _click(qtbot, dialog.ok_button)
    assert "at least 4 digits" in dialog.message_label.text()
    assert not auth.has_pin()

    dialog.pin_edit.clear()
    dialog.confirm_edit.clear()
    _type(qtbot, dialog.pin_edit, "2468ab")  # letters are not even typed
    assert dialog.pin_edit.text() == "2468"
    _type(qtbot, dialog.confirm_edit, "2468")
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert auth.has_pin()
    assert auth.verify("2468").ok


def test_a_wrong_pin_is_refused_and_the_field_waits_out_the_lockout(
    qtbot, services: Services
) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    auth = TeacherAuth(services.database.sessions, clock=clock)
    auth.set_pin("2468")
    dialog = PinDialog(auth)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.setting
    assert dialog.confirm_edit is None

    for wrong in ("1111", "2222"):
        _type(qtbot, dialog.pin_edit, wrong)
        qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
        assert "not right" in dialog.message_label.text()
        assert dialog.pin_edit.isEnabled()
        assert dialog.result() != QDialog.DialogCode.Accepted
    _type(qtbot, dialog.pin_edit, "3333")
    _click(qtbot, dialog.ok_button)
    assert not dialog.pin_edit.isEnabled()
    assert not dialog.ok_button.isEnabled()
    assert dialog.timer.isActive()
    assert "try again in 1 s" in dialog.message_label.text()

    # The lockout is in the database: a new dialog (as after a restart) is locked too.
    again = PinDialog(TeacherAuth(services.database.sessions, clock=clock))
    qtbot.addWidget(again)
    assert again.locked()

    clock.advance(1)
    dialog.refresh_lockout()  # what the one-second timer does
    assert dialog.pin_edit.isEnabled()
    assert not dialog.timer.isActive()
    assert "try again now" in dialog.message_label.text()
    _type(qtbot, dialog.pin_edit, "2468")
    _click(qtbot, dialog.ok_button)
    assert dialog.result() == QDialog.DialogCode.Accepted


def _answer_pin_dialog(qtbot, pin: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Type ``pin`` into the modal PIN dialog as soon as it is up, then press Enter."""

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PinDialog):
            QTimer.singleShot(10, fill)
            return
        seen.append(dialog.windowTitle())
        dialog.pin_edit.setText(pin)
        if pin:
            qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
        if dialog.isVisible():
            dialog.reject()

    QTimer.singleShot(0, fill)


def test_the_teacher_area_opens_only_with_the_right_pin_and_locks_on_leaving(
    qtbot,
    window: MainWindow,  # type: ignore[no-untyped-def]
) -> None:
    window.teacher_auth.set_pin("2468")
    assert window.current_screen() == "profiles"
    assert window.teacher_button.isVisible()
    assert "Ctrl+Shift+T" in window.teacher_button.toolTip()

    seen: list[str] = []
    _answer_pin_dialog(qtbot, "1357", seen)
    _click(qtbot, window.teacher_button)
    assert seen == ["Teacher area"]
    assert window.current_screen() == "profiles"

    _answer_pin_dialog(qtbot, "2468", seen)
    assert window.teacher_action.shortcut().toString() == "Ctrl+Shift+T"
    # Offscreen Qt leaves the closed dialog "active": delete it, re-activate the window.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(
        QApplication.focusWidget() or window,
        Qt.Key.Key_T,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert len(seen) == 2
    assert window.current_screen() == "teacher"
    area = window.teacher
    assert area.strip_label.text() == "Teacher"
    assert area.strip_label.isVisible()
    assert area.leave_button.isVisible()
    assert area.page_titles()[0] == "Packs"  # other pages (Results, Quizzes…) follow
    assert "Settings" in area.page_titles()
    assert not window.teacher_button.isVisible()
    assert not window.back_button.isVisible()
    # The packs page lists the built-in course.
    titles = [row.title for row in window.packs_page.rows()]
    assert len(titles) == 1
    assert window.packs_page.rows()[0].is_builtin

    _click(qtbot, area.leave_button)
    assert window.current_screen() == "profiles"
    # Locked again: the next entry asks again, and a wrong PIN keeps it shut.
    _answer_pin_dialog(qtbot, "", seen)
    window.open_teacher_area()
    assert len(seen) == 3
    assert window.current_screen() == "profiles"


def test_esc_leaves_the_teacher_area(qtbot, window: MainWindow, let_in: list[int]) -> None:  # type: ignore[no-untyped-def]
    window.services.students.create_student("Ada")  # type: ignore[union-attr]
    window.show_profiles()
    window.choose_student(window.services.students.list_students()[0].id)  # type: ignore[union-attr]
    assert window.current_screen() == "home"
    assert window.open_teacher_area()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current_screen() == "home"
    assert "Ctrl+Shift+T" in [keys for keys, _ in SHORTCUTS]


# ---------------------------------------------------------------- import


def _open_packs(window: MainWindow) -> None:
    assert window.open_teacher_area(window.packs_page)
    assert window.teacher.current_page() is window.packs_page


def _start_import(qtbot, window: MainWindow, path: Path, monkeypatch) -> ImportDialog:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(packs_module, "choose_import_file", lambda parent: str(path))
    _click(qtbot, window.packs_page.import_button)
    dialog = window.packs_page.import_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    return dialog


def test_import_preview_then_import_puts_the_pack_on_the_students_home(
    qtbot,
    window: MainWindow,
    gift_file: Path,
    let_in: list[int],
    admin: PackAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    services = window.services
    assert services is not None
    ada = services.students.create_student("Ada")
    window.choose_student(ada.id)
    before = [p.pack.title for p in window.home_data.packs]  # type: ignore[union-attr]
    assert "rivers" not in before

    _open_packs(window)
    dialog = _start_import(qtbot, window, gift_file, monkeypatch)
    assert not dialog.busy_bar.isVisible()
    text = dialog.report_text()
    assert "What will be imported" in text
    assert "This is a new pack" in text
    assert (
        "2 lessons, 3 questions: 1 single-answer question, 1 multiple-answer question, "
        "1 true/false question." in text
    )
    assert "Rivers\n2 questions\nMountains\n1 question" in text
    assert "Skipped (1): not imported" in text
    assert "Line 12: essay – Essay question" in text
    assert dialog.import_button.isEnabled()
    assert dialog.enable_check.isChecked()
    # Nothing is written before Import.
    assert "rivers" not in [row.key for row in admin.list_packs()]

    with qtbot.waitSignal(dialog.imported, timeout=10_000) as imported:
        _click(qtbot, dialog.import_button)
    report = imported.args[0]
    assert report.created
    assert report.questions_added == 3
    rows = {row.key: row for row in admin.list_packs()}
    assert rows["rivers"].question_count == 3
    assert rows["rivers"].enabled
    # The table shows it, selected, with what happened.
    assert window.packs_page.selected_row() is not None
    assert window.packs_page.selected_row().key == "rivers"  # type: ignore[union-attr]
    assert "Imported “rivers”: 3 questions." in window.packs_page.status_label.text()

    _click(qtbot, window.teacher.leave_button)
    assert window.current_screen() == "home"
    assert "rivers" in [p.pack.title for p in window.home_data.packs]  # type: ignore[union-attr]
    labels = [label.text() for label in window.home.findChildren(QLabel)]
    assert "rivers" in labels
    assert "1. Rivers" in labels


def test_reimporting_says_new_version_of(
    qtbot,
    window: MainWindow,
    gift_file: Path,
    let_in: list[int],
    admin: PackAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    admin.import_file(gift_file)
    gift_file.write_text(GIFT.replace("Which river flows", "Which river runs"), encoding="utf-8")
    _open_packs(window)
    dialog = _start_import(qtbot, window, gift_file, monkeypatch)
    assert "New version of “rivers”" in dialog.report_text()
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        _click(qtbot, dialog.import_button)
    assert "1 changed" in window.packs_page.status_label.text()


def test_a_broken_file_shows_every_error_and_import_stays_disabled(
    qtbot,
    window: MainWindow,
    tmp_path: Path,
    let_in: list[int],
    admin: PackAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.gift"
    broken.write_text(BROKEN, encoding="utf-8")
    before = admin.list_packs()
    _open_packs(window)
    dialog = _start_import(qtbot, window, broken, monkeypatch)
    text = dialog.report_text()
    assert "nothing can be imported" in text
    assert "Line 3" in text
    assert not dialog.import_button.isEnabled()
    assert not dialog.enable_check.isVisible()
    assert dialog.cancel_button.text() == "Close"
    dialog.activate_primary()
    assert admin.list_packs() == before
    _click(qtbot, dialog.cancel_button)
    qtbot.waitUntil(lambda: window.packs_page.import_dialog is None)


def test_import_can_leave_the_pack_hidden(
    qtbot,
    window: MainWindow,
    gift_file: Path,
    let_in: list[int],
    admin: PackAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    _open_packs(window)
    dialog = _start_import(qtbot, window, gift_file, monkeypatch)
    qtbot.keyClick(dialog.enable_check, Qt.Key.Key_Space)
    assert not dialog.enable_check.isChecked()
    with qtbot.waitSignal(dialog.imported, timeout=10_000):
        qtbot.keyClick(dialog.import_button, Qt.Key.Key_Space)
    assert not {row.key: row for row in admin.list_packs()}["rivers"].enabled


def test_a_file_dropped_on_the_window_goes_through_the_gate_to_the_preview(
    qtbot, window: MainWindow, gift_file: Path, let_in: list[int]
) -> None:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(gift_file))])
    drop = QDropEvent(
        QPoint(50, 50).toPointF(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.packs_page.import_dialog is not None, timeout=5_000)
    assert let_in == [1]
    assert window.current_screen() == "teacher"
    dialog = window.packs_page.import_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert "Line 12: essay" in dialog.report_text()


# ---------------------------------------------------------------- manage


def test_hiding_a_pack_takes_it_off_home(
    qtbot, window: MainWindow, gift_file: Path, let_in: list[int], admin: PackAdmin
) -> None:  # type: ignore[no-untyped-def]
    services = window.services
    assert services is not None
    pack_id = admin.import_file(gift_file).pack_id
    ada = services.students.create_student("Ada")
    window.choose_student(ada.id)
    _open_packs(window)
    page = window.packs_page
    assert page.select_pack(pack_id)
    assert page.toggle_button.text() == "Hide from students"
    _click(qtbot, page.toggle_button)
    assert not admin.get(pack_id).enabled
    assert page.toggle_button.text() == "Show to students"
    assert "hidden from students" in page.status_label.text()
    window.leave_teacher_area()
    assert "rivers" not in [p.pack.title for p in window.home_data.packs]  # type: ignore[union-attr]

    # The table's checkbox shows it again.
    _open_packs(window)
    row = next(r for r in range(page.proxy.rowCount()) if page.rows()[r].id == pack_id)
    index = page.proxy.index(row, page.model.ENABLED_COLUMN)
    assert index.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert page.proxy.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert admin.get(pack_id).enabled
    window.leave_teacher_area()
    assert "rivers" in [p.pack.title for p in window.home_data.packs]  # type: ignore[union-attr]


def test_delete_asks_first_naming_the_pack_and_its_attempts(
    qtbot,
    window: MainWindow,
    gift_file: Path,
    let_in: list[int],
    admin: PackAdmin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    services = window.services
    assert services is not None
    pack_id = admin.import_file(gift_file).pack_id
    ada = services.students.create_student("Ada")
    lesson = next(p for p in services.course.home(ada.id).packs if p.pack.id == pack_id).lessons[0]
    attempt = services.attempts.start_lesson_quiz(ada.id, lesson.id)
    questions: list[str] = []
    answer = [False]

    def confirm(parent: object, title: str, question: str, yes: str, no: str) -> bool:
        questions.append(f"{title}\n{question}\n{yes}")
        return answer[0]

    monkeypatch.setattr(common, "confirm", confirm)
    _open_packs(window)
    page = window.packs_page
    page.select_pack(pack_id)
    _click(qtbot, page.delete_button)
    assert len(questions) == 1
    assert "Delete the pack “rivers” (version 1, 3 questions in 2 lessons)?" in questions[0]
    assert (
        "The 1 attempt made with it stays in the results and can still be reviewed." in questions[0]
    )
    assert pack_id in [row.id for row in admin.list_packs()]

    answer[0] = True
    _click(qtbot, page.delete_button)
    assert pack_id not in [row.id for row in admin.list_packs()]
    assert pack_id not in [row.id for row in page.rows()]
    assert "was deleted" in page.status_label.text()
    assert services.attempts.review(attempt.id).id == attempt.id


def test_the_builtin_pack_cannot_be_deleted_from_the_page(
    qtbot, window: MainWindow, let_in: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(common, "confirm", lambda *a: pytest.fail("must not ask"))
    _open_packs(window)
    page = window.packs_page
    builtin = page.rows()[0]
    assert builtin.is_builtin
    page.select_pack(builtin.id)
    assert not page.delete_button.isEnabled()
    assert "cannot be deleted" in page.delete_button.toolTip()
    assert page.toggle_button.isEnabled()


def test_filter_and_sort_the_table(
    qtbot, window: MainWindow, gift_file: Path, let_in: list[int], admin: PackAdmin
) -> None:  # type: ignore[no-untyped-def]
    admin.import_file(gift_file)
    _open_packs(window)
    page = window.packs_page
    assert len(page.rows()) == 2
    assert page.count_label.text() == "2 packs, 2 shown to students"
    _type(qtbot, page.filter_edit, "RIVER")
    assert [row.key for row in page.rows()] == ["rivers"]
    page.filter_edit.clear()
    page.table.sortByColumn(page.model.QUESTIONS_COLUMN, Qt.SortOrder.AscendingOrder)
    counts = [row.question_count for row in page.rows()]
    assert counts == sorted(counts)
    page.table.sortByColumn(page.model.QUESTIONS_COLUMN, Qt.SortOrder.DescendingOrder)
    assert [row.question_count for row in page.rows()] == sorted(counts, reverse=True)


def test_export_writes_json_or_gift_by_the_chosen_name(
    qtbot,
    window: MainWindow,
    gift_file: Path,
    let_in: list[int],
    admin: PackAdmin,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    pack_id = admin.import_file(gift_file).pack_id
    _open_packs(window)
    page = window.packs_page
    page.select_pack(pack_id)
    for name in ("out.json", "out.gift"):
        target = tmp_path / name
        monkeypatch.setattr(packs_module, "choose_export_file", lambda parent, s, t=target: str(t))
        _click(qtbot, page.export_button)
        assert target.exists()
        assert "was exported" in page.status_label.text()
        back = read_question_set(target).pack
        assert [q.prompt for q in back.questions] == [
            q.prompt for q in read_question_set(gift_file).pack.questions
        ]


def test_change_the_pin_on_the_settings_page(qtbot, window: MainWindow, let_in: list[int]) -> None:  # type: ignore[no-untyped-def]
    window.teacher_auth.set_pin("2468")
    assert window.open_teacher_area(window.teacher_settings_page)
    page = window.teacher_settings_page
    _type(qtbot, page.old_edit, "2468")
    _type(qtbot, page.new_edit, "97531")
    _type(qtbot, page.again_edit, "97530")
    _click(qtbot, page.change_button)
    assert "not the same" in page.message_label.text()
    assert window.teacher_auth.verify("2468").ok

    _type(qtbot, page.new_edit, "97531")
    _type(qtbot, page.again_edit, "97531")
    page.old_edit.clear()
    _type(qtbot, page.old_edit, "1111")
    _click(qtbot, page.change_button)
    assert "not right" in page.message_label.text()

    assert page.old_edit.text() == ""
    assert page.new_edit.text() == "97531"  # kept: only the wrong PIN is typed again
    _type(qtbot, page.old_edit, "2468")
    qtbot.keyClick(page.old_edit, Qt.Key.Key_Return)
    assert page.message_label.text() == "The PIN was changed."
    assert window.teacher_auth.verify("97531").ok
    assert not window.teacher_auth.verify("2468").ok


def test_the_teacher_area_does_not_show_the_last_students_name(
    qtbot, window: MainWindow, services: Services
) -> None:  # type: ignore[no-untyped-def]
    window.teacher_auth.set_pin("2468")
    student = services.students.create_student("Ana Lima")
    window.choose_student(student.id)
    assert window.student_label.text() == "Ana Lima"
    seen: list[str] = []
    _answer_pin_dialog(qtbot, "2468", seen)
    _click(qtbot, window.teacher_button)
    assert window.current_screen() == "teacher"
    assert not window.student_label.isVisible()
    assert not window.student_icon.isVisible()
    window.leave_teacher_area()
    assert window.current_screen() in {"home", "profiles"}


def test_the_quit_action_on_ctrl_q_closes_the_window_and_keeps_every_answer(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+Q quits as in any desktop app, in the middle of a quiz too: the answer given
    is already stored, so nothing is asked and nothing is lost."""
    window.activateWindow()
    qtbot.waitActive(window)
    ada = window.services.students.create_student("Ada").id  # type: ignore[union-attr]
    window.choose_student(ada)
    window.start_lesson_quiz(window.home_data.packs[0].lessons[0].id)
    qtbot.keyClick(window.quiz, Qt.Key.Key_A)
    qtbot.keyClick(window.quiz, Qt.Key.Key_Enter)  # answered: stored at once
    assert ("Ctrl+Q", "Quit (every answer is already saved)") in SHORTCUTS
    quit_action = window.quit_action
    assert quit_action in window.actions()  # heard on every screen of the window
    assert quit_action.shortcut() == QKeySequence("Ctrl+Q")
    # The key itself reaches it only in an active window, which an offscreen run among
    # other tests does not always give: the action is what the key triggers.
    quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible())
    from sqlalchemy import func, select

    from quizapp.store import models as m

    with window.services.database.sessions() as s:  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(m.Response)) == 1
