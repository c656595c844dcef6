"""The profile picker shown before the services exist (start-up, issue 8): a choice made
then waits, with a busy cursor, and is carried out when the services arrive."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication

from quizapp.app import create_main_window
from quizapp.services.container import Services
from quizapp.ui.settings import AppSettings


def test_a_student_picked_early_goes_home_once_the_services_arrive(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    ana = services.students.create_student("Ana")
    services.students.create_student("Ben")
    early = services.students.list_students()
    window = create_main_window(None, app_settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    window.show_students_early(early)
    assert window.current_screen() == "profiles"
    assert [t.text() for t in window.picker.tiles()] == ["Ana", "Ben"]
    qtbot.mouseClick(window.picker.tiles()[0], Qt.MouseButton.LeftButton)

    assert window.current_screen() == "profiles"  # nothing to go Home with yet
    cursor = QApplication.overrideCursor()
    assert cursor is not None
    assert cursor.shape() == Qt.CursorShape.BusyCursor

    window.set_services(services)

    assert window.current_screen() == "home"
    assert window.student is not None
    assert window.student.id == ana.id
    assert QApplication.overrideCursor() is None
    assert services.students.list_students()[0].name == "Ana"  # stamped as used


def test_the_list_is_refreshed_when_it_changed_meanwhile(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    services.students.create_student("Ana")
    window = create_main_window(None, app_settings)
    qtbot.addWidget(window)
    window.show()
    window.show_students_early(services.students.list_students())
    services.students.create_student("Ben")  # e.g. merged in by another computer

    window.set_services(services)

    assert window.current_screen() == "profiles"
    assert [t.text() for t in window.picker.tiles()] == ["Ana", "Ben"]


def test_an_error_while_loading_drops_the_waiting_choice(
    qtbot: Any, services: Services, app_settings: AppSettings
) -> None:
    services.students.create_student("Ana")
    window = create_main_window(None, app_settings)
    qtbot.addWidget(window)
    window.show()
    window.show_students_early(services.students.list_students())
    window.picker.tiles()[0].click()
    assert QApplication.overrideCursor() is not None
    # deferred deletions run: the "Opening…" page must survive them
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    window.set_opening_message("quizapp could not open its data.")

    assert window.current_screen() == "opening"
    assert window.opening_label.text() == "quizapp could not open its data."
    assert QApplication.overrideCursor() is None
