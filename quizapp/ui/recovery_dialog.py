"""The dialog shown when the database file is damaged or is not a database at all.

Three ways out, said plainly: restore the latest automatic backup (when there is
one), start a new database, or quit. Whatever is chosen, the damaged file is kept
aside with a timestamp (never deleted); the dialog only asks, ``quizapp.app`` acts.
"""

from __future__ import annotations

import enum

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from quizapp.ui.common import wrap_label


class RecoveryChoice(enum.Enum):
    """What the user chose in :class:`RecoveryDialog`."""

    RESTORE = "restore"
    START_NEW = "start_new"
    QUIT = "quit"


class RecoveryDialog(QDialog):
    """``problem``: what is wrong (one paragraph); ``backup_label``: the latest backup
    as the user should see it (e.g. its date and path), ``None`` when there is none;
    ``details``: technical details to copy for a teacher."""

    def __init__(
        self,
        problem: str,
        backup_label: str | None,
        details: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.choice = RecoveryChoice.QUIT
        self.setWindowTitle(self.tr("quizapp: the data file needs attention"))
        layout = QVBoxLayout(self)
        layout.addWidget(wrap_label(self.tr("quizapp cannot use its data file."), 1.2, bold=True))
        self.problem_label = wrap_label(problem)
        layout.addWidget(self.problem_label)
        kept = self.tr(
            "Whatever you choose, the damaged file is kept (renamed with today's date and "
            "time beside it), so nothing is deleted."
        )
        if backup_label:
            advice = self.tr(
                "You can go back to the latest automatic backup ({backup}); answers given "
                "since then are only in the damaged file. Or start a new, empty database."
            ).format(backup=backup_label)
        else:
            advice = self.tr(
                "There is no automatic backup yet. You can start a new, empty database."
            )
        layout.addWidget(wrap_label(f"{advice} {kept}"))
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Details"))
        self.details.setMaximumHeight(90)
        self.details.setVisible(bool(details))
        layout.addWidget(self.details)
        box = QDialogButtonBox()
        self.restore_button: QPushButton = box.addButton(
            self.tr("Restore the latest automatic backup"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.restore_button.setVisible(bool(backup_label))
        self.new_button: QPushButton = box.addButton(
            self.tr("Start a new database"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.quit_button: QPushButton = box.addButton(
            self.tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole
        )
        (self.restore_button if backup_label else self.quit_button).setDefault(True)
        layout.addWidget(box)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.restore_button.clicked.connect(
            lambda: self._on_choice_clicked(RecoveryChoice.RESTORE)
        )
        self.new_button.clicked.connect(lambda: self._on_choice_clicked(RecoveryChoice.START_NEW))
        self.quit_button.clicked.connect(lambda: self._on_choice_clicked(RecoveryChoice.QUIT))

    def _on_choice_clicked(self, choice: RecoveryChoice) -> None:
        self.choice = choice
        if choice is RecoveryChoice.QUIT:
            self.reject()
        else:
            self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        problem: str,
        backup_label: str | None,
        details: str = "",
    ) -> RecoveryChoice:
        """Show the dialog modally; the user's choice (Esc or closing it: ``QUIT``)."""
        dialog = cls(problem, backup_label, details, parent)
        dialog.exec()
        return dialog.choice
