"""The import preview: read a question file off the GUI thread, show what would be
imported as a short report, then Import (all or nothing) or Cancel.

The report says: the pack and whether it is new or a new version of an installed one;
its lessons with their question counts and the questions by type; everything skipped
with its line and why; every warning; or, when the file cannot be imported, every
error with its line (and Import stays disabled).

Reading and installing both run through :func:`quizapp.ui.worker.run_in_background`
with a busy bar, so a big file never freezes the window.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import PackError, Problem, QuizAppError
from quizapp.domain.model import ImportResult, QuestionType
from quizapp.services.dto import PackInstallReport
from quizapp.services.pack_admin import ImportPreview, PackAdmin
from quizapp.ui.common import button, primary_button, show_error, wrap_label
from quizapp.ui.worker import BackgroundTask, run_in_background

TYPE_NAMES: dict[QuestionType, tuple[str, str]] = {
    QuestionType.SINGLE: ("single-answer question", "single-answer questions"),
    QuestionType.MULTIPLE: ("multiple-answer question", "multiple-answer questions"),
    QuestionType.TRUE_FALSE: ("true/false question", "true/false questions"),
}


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _where(line: int | None, column: int | None = None) -> str:
    if line is None:
        return ""
    return f"Line {line}, column {column}" if column is not None else f"Line {line}"


def report_html(preview: ImportPreview) -> str:
    """The preview as an HTML report (every text from the file escaped)."""
    e = html.escape
    name = e(Path(preview.path).name)
    parts: list[str] = []
    if not preview.ok:
        problems = preview.problems
        parts.append(
            f"<h3>{e(_n(len(problems), 'problem', 'problems'))} in {name}: "
            "nothing can be imported</h3>"
        )
        parts.append("<p>Correct the file and open it again. Each problem:</p><ul>")
        parts.extend(_problem_item(p) for p in problems)
        parts.append("</ul>")
        return "".join(parts)
    pack = preview.pack
    assert pack is not None
    parts.append("<h3>What will be imported</h3>")
    parts.append(
        f"<p>Pack <b>{e(pack.title)}</b> (id <code>{e(pack.id)}</code>, "
        f"version {e(pack.version)}) from {name}.</p>"
    )
    # The service compares the file with the revisions stored, so a re-import that
    # changes nothing says so ("No change: …") rather than "New version of …".
    parts.append(f"<p>{e(preview.change_summary)}</p>")
    types = ", ".join(
        e(_n(count, *TYPE_NAMES[qtype])) for qtype, count in preview.questions_by_type
    )
    parts.append(
        f"<p>{e(_n(len(pack.lessons), 'lesson', 'lessons'))}, "
        f"{e(_n(len(pack.questions), 'question', 'questions'))}"
        f"{': ' + types if types else ''}.</p>"
    )
    if preview.lessons:
        parts.append("<table cellspacing='0' cellpadding='3'>")
        for lesson in preview.lessons:
            parts.append(
                f"<tr><td>{e(lesson.title)}</td><td align='right'>"
                f"{e(_n(lesson.question_count, 'question', 'questions'))}</td></tr>"
            )
        parts.append("</table>")
    if not pack.questions:
        parts.append("<p><b>The file has no question quizapp can take.</b></p>")
    if preview.skipped:
        parts.append(f"<h3>Skipped ({len(preview.skipped)}): not imported</h3><ul>")
        for item in preview.skipped:
            where = _where(item.line)
            parts.append(
                f"<li>{e(where) + ': ' if where else ''}<b>{e(item.kind.replace('_', ' '))}</b>"
                f" – {e(item.reason)}</li>"
            )
        parts.append("</ul>")
    if preview.warnings:
        parts.append(f"<h3>Warnings ({len(preview.warnings)})</h3><ul>")
        parts.extend(f"<li>{e(w)}</li>" for w in preview.warnings)
        parts.append("</ul>")
    return "".join(parts)


def _problem_item(problem: Problem) -> str:
    where = _where(problem.line, problem.column)
    path = f" ({html.escape(problem.path)})" if problem.path else ""
    return (
        f"<li>{html.escape(where) + ': ' if where else ''}{html.escape(problem.message)}"
        f"{path} <small>[{html.escape(problem.rule)}]</small></li>"
    )


def _read(path: str) -> ImportResult | tuple[Problem, ...]:
    """Runs on the pool: the file read, or its problems (never raises a PackError)."""
    from quizapp.formats.registry import read_question_set

    try:
        return read_question_set(path)
    except PackError as err:
        return err.problems


class ImportDialog(QDialog):
    """Preview a file and import it on request.

    Signals: ``preview_ready(ImportPreview)`` once the file is read;
    ``imported(PackInstallReport)`` after a successful import (the dialog then closes).
    """

    preview_ready = Signal(object)
    imported = Signal(object)

    def __init__(
        self, admin: PackAdmin, path: str | os.PathLike[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.admin = admin
        self.path = os.fspath(path)
        self.preview: ImportPreview | None = None
        self.report: PackInstallReport | None = None
        self.task: BackgroundTask | None = None
        self.setWindowTitle(self.tr("Import questions"))
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        self.title_label = wrap_label(
            self.tr("Import from {name}").format(name=Path(self.path).name), 1.25, bold=True
        )
        self.path_label = wrap_label(self.path)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title_label)
        layout.addWidget(self.path_label)

        self.busy_label = wrap_label(self.tr("Reading the file…"))
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName(self.tr("Working"))
        layout.addWidget(self.busy_label)
        layout.addWidget(self.busy_bar)

        self.report_view = QTextBrowser()
        self.report_view.setOpenLinks(False)
        self.report_view.setOpenExternalLinks(False)
        self.report_view.setAccessibleName(self.tr("Import report"))
        layout.addWidget(self.report_view, 1)

        self.enable_check = QCheckBox(self.tr("Show it to students straight away"))
        self.enable_check.setChecked(True)
        layout.addWidget(self.enable_check)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button: QPushButton = button(self.tr("Cancel"), "x")
        self.import_button: QPushButton = primary_button(self.tr("Import"), "upload")
        self.import_button.setEnabled(False)
        self.import_button.setToolTip(self.tr("Import everything listed above (Enter)"))
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        self.resize(640, 560)
        self._connect_signals()
        self._start_reading()

    def _connect_signals(self) -> None:
        self.cancel_button.clicked.connect(self.reject)
        self.import_button.clicked.connect(self._on_import_button_clicked)

    # ------------------------------------------------------------ public

    @classmethod
    def ask(
        cls, parent: QWidget | None, admin: PackAdmin, path: str | os.PathLike[str]
    ) -> PackInstallReport | None:
        """Show the preview modally; the install report, or ``None`` when cancelled."""
        dialog = cls(admin, path, parent)
        try:
            dialog.exec()
            return dialog.report
        finally:
            dialog.deleteLater()

    def is_busy(self) -> bool:
        """True while reading or importing."""
        return self.task is not None and self.task.is_running

    def report_text(self) -> str:
        """The report as plain text (what the teacher reads)."""
        return self.report_view.toPlainText()

    # ------------------------------------------------------------ work

    def _set_busy(self, text: str) -> None:
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.busy_bar.setVisible(bool(text))
        self.import_button.setEnabled(not text and self.preview is not None and self.preview.ok)
        self.enable_check.setEnabled(not text)

    def _start_reading(self) -> None:
        self._set_busy(self.tr("Reading the file…"))
        path = self.path
        self.task = run_in_background(
            lambda: _read(path), self._on_read_done, self._on_work_failed, context=self
        )

    def _on_read_done(self, outcome: ImportResult | tuple[Problem, ...]) -> None:
        try:
            if isinstance(outcome, ImportResult):
                preview = self.admin.preview_result(self.path, outcome)
            else:
                preview = ImportPreview(path=self.path, result=None, problems=outcome)
        except QuizAppError as error:
            self._on_work_failed(error)
            return
        self.preview = preview
        self.report_view.setHtml(report_html(preview))
        self._set_busy("")
        self.enable_check.setVisible(preview.ok)
        if preview.ok:
            self.import_button.setFocus()
        else:
            self.cancel_button.setText(self.tr("Close"))
            self.cancel_button.setFocus()
        self.preview_ready.emit(preview)

    def _on_work_failed(self, error: BaseException) -> None:
        self._set_busy("")
        if self.preview is None:
            self.report_view.setPlainText(
                self.tr("The file could not be read: {error}").format(error=error)
            )
        show_error(self, error, self.tr("Import failed"))

    def _on_import_button_clicked(self) -> None:
        preview = self.preview
        if preview is None or not preview.ok or self.is_busy():
            return
        enabled = self.enable_check.isChecked()
        admin = self.admin
        self._set_busy(self.tr("Importing…"))
        self.task = run_in_background(
            lambda: admin.install_previewed(preview, enabled=enabled),
            self._on_import_done,
            self._on_work_failed,
            context=self,
        )

    def _on_import_done(self, report: PackInstallReport) -> None:
        self._set_busy("")
        self.report = report
        self.imported.emit(report)
        self.accept()

    def activate_primary(self) -> None:
        """Enter: Import when it is possible."""
        if self.import_button.isEnabled():
            self.import_button.click()

    def reject(self) -> None:
        """Cancel; ignored while an import is being written (it is all or nothing)."""
        if self.is_busy() and self.preview is not None:
            return
        super().reject()


__all__ = ["ImportDialog", "report_html"]
