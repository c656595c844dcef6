"""The crash dialog: an unexpected error, said plainly, with details to copy for a teacher."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from quizapp.ui.common import wrap_label


class CrashDialog(QDialog):
    """Shows ``message`` and the traceback ``details`` (read-only, selectable, copyable)."""

    def __init__(self, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("quizapp: unexpected error"))
        layout = QVBoxLayout(self)
        layout.addWidget(
            wrap_label(self.tr("Sorry, something unexpected went wrong."), 1.2, bold=True)
        )
        layout.addWidget(
            wrap_label(
                self.tr(
                    "Your answers so far are saved. You can carry on, or close quizapp and "
                    "open it again. Please show the details below to your teacher."
                )
            )
        )
        layout.addWidget(wrap_label(message))
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Error details"))
        layout.addWidget(self.details, 1)
        box = QDialogButtonBox()
        self.copy_button = box.addButton(
            self.tr("Copy details"), QDialogButtonBox.ButtonRole.ActionRole
        )
        close = box.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        layout.addWidget(box)
        self.resize(640, 420)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())

    @classmethod
    def show_crash(cls, parent: QWidget | None, message: str, details: str) -> None:
        """Show the dialog modally (the event loop keeps running)."""
        dialog = cls(message, details, parent)
        dialog.exec()
