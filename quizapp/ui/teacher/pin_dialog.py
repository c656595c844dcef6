"""The gate to the teacher area: set the PIN at first use (typed twice), enter it later.

After wrong tries the service imposes a growing delay; the dialog then disables the
field and counts down the seconds left (it asks the service each second, so the delay
persisted in the database is what counts, whatever the dialog thinks).

``PinDialog.ask(parent, auth)`` is the one call the app makes (tests patch it).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.services.teacher_auth import PIN_MAX_DIGITS, PIN_MIN_DIGITS, TeacherAuth
from quizapp.ui.common import button, icon, primary_button, wrap_label


def pin_edit(accessible_name: str) -> QLineEdit:
    """A masked field that takes up to 12 digits."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(PIN_MAX_DIGITS)
    edit.setValidator(QRegularExpressionValidator(rf"[0-9]{{0,{PIN_MAX_DIGITS}}}"))
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
    edit.setAccessibleName(accessible_name)
    edit.setMinimumWidth(220)
    return edit


class PinDialog(QDialog):
    """Ask for the teacher PIN, or have it set when there is none yet.

    ``setting``: True in first-use mode (two fields, "Set PIN"). ``accept()`` only once
    the PIN is right (or newly set). ``refresh_lockout()`` updates the countdown; a
    one-second timer calls it while a lockout lasts.
    """

    def __init__(self, auth: TeacherAuth, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auth = auth
        self.setting = not auth.has_pin()
        self.setWindowTitle(self.tr("Teacher area"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(12)

        heading = QHBoxLayout()
        lock = QLabel()
        lock.setPixmap(icon("lock").pixmap(QSize(28, 28)))
        lock.setAccessibleName(self.tr("Locked"))
        heading.addWidget(lock, 0, Qt.AlignmentFlag.AlignTop)
        title = self.tr("Choose a teacher PIN") if self.setting else self.tr("Teacher PIN")
        heading.addWidget(wrap_label(title, 1.3, bold=True), 1)
        layout.addLayout(heading)

        if self.setting:
            explain = self.tr(
                "The teacher area is protected by a PIN, so students cannot change "
                "packs or see other students' results. Choose {min} to {max} digits and "
                "type them twice. If you forget it, whoever administers this computer "
                "can run “quizapp reset-pin”."
            ).format(min=PIN_MIN_DIGITS, max=PIN_MAX_DIGITS)
        else:
            explain = self.tr("Type the teacher PIN to open the teacher area.")
        layout.addWidget(wrap_label(explain))

        form = QFormLayout()
        self.pin_edit = pin_edit(self.tr("PIN"))
        form.addRow(self.tr("PIN:") if not self.setting else self.tr("New PIN:"), self.pin_edit)
        self.confirm_edit: QLineEdit | None = None
        if self.setting:
            self.confirm_edit = pin_edit(self.tr("PIN again"))
            form.addRow(self.tr("PIN again:"), self.confirm_edit)
        layout.addLayout(form)

        self.message_label = wrap_label("")
        self.message_label.setObjectName("pinMessage")
        self.message_label.setAccessibleName(self.tr("Message"))
        self.message_label.setVisible(False)
        layout.addWidget(self.message_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button: QPushButton = button(self.tr("Cancel"), "x")
        self.ok_button: QPushButton = primary_button(
            self.tr("Set PIN") if self.setting else self.tr("Open"), "lock"
        )
        # Enter is handled by the fields themselves (first field -> second -> OK), so
        # no button is the dialog's default (it would fire a second time).
        for btn in (self.cancel_button, self.ok_button):
            btn.setAutoDefault(False)
            btn.setDefault(False)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout.addLayout(buttons)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self._connect_signals()
        self.refresh_lockout()
        self.pin_edit.setFocus()

    def _connect_signals(self) -> None:
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.pin_edit.returnPressed.connect(self._on_pin_edit_return_pressed)
        if self.confirm_edit is not None:
            self.confirm_edit.returnPressed.connect(self._on_ok_button_clicked)
        self.timer.timeout.connect(self.refresh_lockout)

    # ------------------------------------------------------------ public

    @classmethod
    def ask(cls, parent: QWidget | None, auth: TeacherAuth) -> bool:
        """Show the dialog modally; True once the PIN is right (or was just set)."""
        dialog = cls(auth, parent)
        try:
            return dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()

    def locked(self) -> bool:
        """True while the fields are disabled by a lockout."""
        return not self.pin_edit.isEnabled()

    def refresh_lockout(self) -> None:
        """Ask the service how long the lockout lasts; disable the field and show the
        countdown while it does, re-enable it when it is over."""
        if self.setting:
            return
        try:
            seconds = self.auth.locked_for()
        except QuizAppError as error:
            self._say(str(error))
            return
        self._set_locked(seconds)

    # ------------------------------------------------------------ helpers

    def _set_locked(self, seconds: int) -> None:
        locked = seconds > 0
        was_locked = self.locked()
        self.pin_edit.setEnabled(not locked)
        self.ok_button.setEnabled(not locked)
        if locked:
            self._say(
                self.tr("Too many wrong tries. You can try again in {n} s.").format(n=seconds)
            )
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
            if was_locked:
                self._say(self.tr("You can try again now."))
                self.pin_edit.setFocus()

    def _say(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def _on_pin_edit_return_pressed(self) -> None:
        if self.confirm_edit is not None:
            self.confirm_edit.setFocus()
            return
        self._on_ok_button_clicked()

    def _on_ok_button_clicked(self) -> None:
        if self.setting:
            self._set_pin()
        else:
            self._check_pin()

    def _set_pin(self) -> None:
        assert self.confirm_edit is not None
        new, again = self.pin_edit.text(), self.confirm_edit.text()
        if len(new) < PIN_MIN_DIGITS:
            self._say(self.tr("The PIN needs at least {n} digits.").format(n=PIN_MIN_DIGITS))
            self.pin_edit.setFocus()
            return
        if new != again:
            self._say(self.tr("The two PINs are not the same. Type them again."))
            self.pin_edit.clear()
            self.confirm_edit.clear()
            self.pin_edit.setFocus()
            return
        try:
            self.auth.set_pin(new)
        except QuizAppError as error:
            self._say(str(error))
            return
        self.accept()

    def _check_pin(self) -> None:
        pin = self.pin_edit.text()
        if not pin:
            self._say(self.tr("Type the PIN first."))
            return
        try:
            result = self.auth.verify(pin)
        except QuizAppError as error:
            self._say(str(error))
            return
        self.pin_edit.clear()
        if result.ok:
            self.accept()
            return
        if result.locked_for_s:
            self._set_locked(result.locked_for_s)
        else:
            self._say(self.tr("That PIN is not right. Try again."))
            self.pin_edit.setFocus()


__all__ = ["PinDialog", "pin_edit"]
