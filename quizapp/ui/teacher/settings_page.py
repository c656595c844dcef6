"""The teacher's "Settings" page: change the teacher PIN (the current one, then the new
one twice). Wrong tries count towards the same growing delay as the PIN gate."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from quizapp.domain.errors import QuizAppError
from quizapp.services.teacher_auth import PIN_MAX_DIGITS, PIN_MIN_DIGITS, TeacherAuth
from quizapp.ui.common import primary_button, wrap_label
from quizapp.ui.teacher.pin_dialog import pin_edit


class TeacherSettingsPage(QWidget):
    """Change the PIN. ``message_label`` says what happened."""

    def __init__(self, auth: TeacherAuth, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auth = auth
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(wrap_label(self.tr("Settings"), 1.3, bold=True))
        layout.addWidget(wrap_label(self.tr("Change the teacher PIN"), 1.1, bold=True))
        layout.addWidget(
            wrap_label(
                self.tr(
                    "The PIN keeps students out of the teacher area. Choose {min} to {max} "
                    "digits. If it is forgotten, whoever administers this computer can run "
                    "“quizapp reset-pin”."
                ).format(min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS)
            )
        )
        form = QFormLayout()
        self.old_edit = pin_edit(self.tr("Current PIN"))
        self.new_edit = pin_edit(self.tr("New PIN"))
        self.again_edit = pin_edit(self.tr("New PIN again"))
        form.addRow(self.tr("Current PIN:"), self.old_edit)
        form.addRow(self.tr("New PIN:"), self.new_edit)
        form.addRow(self.tr("New PIN again:"), self.again_edit)
        layout.addLayout(form)
        self.message_label = wrap_label("")
        self.message_label.setAccessibleName(self.tr("Message"))
        layout.addWidget(self.message_label)
        row = QHBoxLayout()
        row.addStretch(1)
        self.change_button: QPushButton = primary_button(self.tr("Change PIN"), "lock")
        row.addWidget(self.change_button)
        layout.addLayout(row)
        layout.addStretch(1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.change_button.clicked.connect(self._on_change_button_clicked)

    def on_shown(self) -> None:
        """Start empty each time the page is shown."""
        for edit in (self.old_edit, self.new_edit, self.again_edit):
            edit.clear()
        self.message_label.setText("")

    def activate_primary(self) -> None:
        """Enter (the main window passes it on): Change PIN."""
        self.change_button.click()

    def _on_change_button_clicked(self) -> None:
        new, again = self.new_edit.text(), self.again_edit.text()
        if new != again:
            self.message_label.setText(self.tr("The two new PINs are not the same."))
            self.new_edit.clear()
            self.again_edit.clear()
            self.new_edit.setFocus()
            return
        try:
            result = self.auth.change_pin(self.old_edit.text(), new)
        except QuizAppError as error:
            self.message_label.setText(str(error))
            return
        self.old_edit.clear()
        if result.ok:
            self.new_edit.clear()
            self.again_edit.clear()
            self.message_label.setText(self.tr("The PIN was changed."))
        elif result.locked_for_s:
            self.message_label.setText(
                self.tr("The current PIN is not right. Try again in {n} s.").format(
                    n=result.locked_for_s
                )
            )
        else:
            self.message_label.setText(self.tr("The current PIN is not right."))
            self.old_edit.setFocus()


__all__ = ["TeacherSettingsPage"]
