"""What a tester found trying the screens as a new user (polish and bugs), each pinned by
a test on the real widgets over a real database under tmp_path."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from quizapp.ui.main_window import MainWindow
from quizapp.ui.teacher.pin_dialog import PinDialog


@pytest.fixture
def let_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every PIN gate opens (the gate itself is tested in test_teacher_area)."""
    monkeypatch.setattr(PinDialog, "ask", lambda parent, auth: True)


def _open_dialogs(window: MainWindow) -> list[QMessageBox]:
    return [w for w in window.findChildren(QMessageBox) if w.isVisible()]


# ---------------------------------------------------------------- 1. merged-away student


@pytest.mark.parametrize("how", ["button", "esc"])
def test_leaving_the_teacher_area_after_the_signed_in_student_was_merged_away(
    qtbot, window: MainWindow, let_in: None, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:  # type: ignore[no-untyped-def]
    from quizapp.ui import common
    from quizapp.ui.teacher import students_page as module

    svc = window.services
    assert svc is not None
    kept = svc.students.create_student("Ada").id
    gone = svc.students.create_student("Ada L").id
    window.choose_student(gone)
    assert window.current_screen() == "home"
    page = window.results_pages["students"]
    assert window.open_teacher_area(page)
    page.select_students([kept, gone])
    keep_first = page.selected()[0].student_id == kept
    monkeypatch.setattr(module, "ask_item", lambda *a: 0 if keep_first else 1)
    monkeypatch.setattr(common, "confirm", lambda *a: True)
    qtbot.mouseClick(page.merge_button, Qt.MouseButton.LeftButton)
    assert [s.id for s in svc.students.list_students()] == [kept]

    if how == "button":
        qtbot.mouseClick(window.teacher.leave_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.current_screen() == "profiles"
    assert window.student is None
    assert window.picker.isVisible()
    assert not _open_dialogs(window)
