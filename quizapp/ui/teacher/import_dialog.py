"""The import preview: read a question file off the GUI thread, show what would be
imported as a short report, then Import (all or nothing) or Cancel.

The report says: the pack and whether it is new or a new version of an installed one;
its lessons with their question counts and the questions by type; everything skipped
with its line and why; every warning; or, when the file cannot be imported, every
error with its line (and Import stays disabled).

Reading and installing both run in a child process
(:func:`quizapp.ui.worker.run_in_process` with
:func:`quizapp.services.pack_admin.preview_from_database` and
:func:`~quizapp.services.pack_admin.import_into_database`) with a busy bar, so a big
file never holds up the window: a thread would share the GIL with it (stalls of a
quarter of a second with 10,000 questions on a busy two-core computer). Only the
:class:`~quizapp.services.pack_admin.PreviewSummary` comes back (a few kilobytes, not
the questions); Import reads the file again in the child and refuses, changing
nothing, when its SHA-256 is not the one previewed: the preview is then read again.
A database no other process can open (SQLite in memory) is served on a pool thread
(:func:`quizapp.ui.worker.run_in_background`) instead.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import Problem
from quizapp.domain.model import QuestionType
from quizapp.services.dto import PackInstallReport
from quizapp.services.pack_admin import (
    FileChangedError,
    ImportPreview,
    PackAdmin,
    PreviewSummary,
    import_into_database,
    preview_from_database,
)
from quizapp.services.results import OperationCancelled
from quizapp.ui.common import button, primary_button, show_error, wrap_label
from quizapp.ui.worker import (
    BackgroundTask,
    ChildJob,
    ProcessTask,
    run_in_background,
    run_in_process,
)

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


SHOWN_AT_FIRST = 20
"""Lessons, problems, skipped items and warnings the report lists at first, each; the
rest behind a "Show all" link (:data:`SHOW_ALL_LINK`). Qt lays a rich-text table out at
about 0.2 ms of CPU a row on the GUI thread, so the 500 lessons of a 10,000-question file
would hold the window up for a tenth of a second or more, unasked (50 rows: 7-15 ms of
CPU, twice that in wall time on a busy two-core computer; 20 rows: about 3 ms)."""

SHOW_ALL_LINK = "#show-all"
"""The report's link to list everything (handled by the dialog)."""


def report_html(preview: PreviewSummary | ImportPreview, *, everything: bool = False) -> str:
    """The preview as an HTML report (every text from the file escaped).

    Each list (lessons, problems, skipped items, warnings) shows its first
    :data:`SHOWN_AT_FIRST` entries, then how many more and a :data:`SHOW_ALL_LINK`
    link; ``everything``: all of them."""
    if isinstance(preview, ImportPreview):
        preview = preview.summary()
    limit = None if everything else SHOWN_AT_FIRST
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
        parts.extend(_problem_item(p) for p in problems[:limit])
        parts.append("</ul>")
        parts.append(_more(len(problems), limit, "problem", "problems"))
        return "".join(parts)
    parts.append("<h3>What will be imported</h3>")
    parts.append(
        f"<p>Pack <b>{e(preview.title)}</b> (id <code>{e(preview.pack_id)}</code>, "
        f"version {e(preview.version)}) from {name}.</p>"
    )
    # The service compares the file with the revisions stored, so a re-import that
    # changes nothing says so ("No change: …") rather than "New version of …".
    parts.append(f"<p>{e(preview.change_summary)}</p>")
    types = ", ".join(
        e(_n(count, *TYPE_NAMES[qtype])) for qtype, count in preview.questions_by_type
    )
    parts.append(
        f"<p>{e(_n(preview.lesson_count, 'lesson', 'lessons'))}, "
        f"{e(_n(preview.question_count, 'question', 'questions'))}"
        f"{': ' + types if types else ''}.</p>"
    )
    if preview.lessons:
        parts.append("<table cellspacing='0' cellpadding='3'>")
        for lesson in preview.lessons[:limit]:
            parts.append(
                f"<tr><td>{e(lesson.title)}</td><td align='right'>"
                f"{e(_n(lesson.question_count, 'question', 'questions'))}</td></tr>"
            )
        parts.append("</table>")
        parts.append(_more(len(preview.lessons), limit, "lesson", "lessons"))
    if not preview.question_count:
        parts.append("<p><b>The file has no question quizapp can take.</b></p>")
    if preview.skipped:
        parts.append(f"<h3>Skipped ({len(preview.skipped)}): not imported</h3><ul>")
        for item in preview.skipped[:limit]:
            where = _where(item.line)
            parts.append(
                f"<li>{e(where) + ': ' if where else ''}<b>{e(item.kind.replace('_', ' '))}</b>"
                f" – {e(item.reason)}</li>"
            )
        parts.append("</ul>")
        parts.append(_more(len(preview.skipped), limit, "skipped item", "skipped items"))
    if preview.warnings:
        parts.append(f"<h3>Warnings ({len(preview.warnings)})</h3><ul>")
        parts.extend(f"<li>{e(w)}</li>" for w in preview.warnings[:limit])
        parts.append("</ul>")
        parts.append(_more(len(preview.warnings), limit, "warning", "warnings"))
    return "".join(parts)


def _more(count: int, limit: int | None, one: str, many: str) -> str:
    """After a list cut at ``limit``: how many more, and the link to show all."""
    if limit is None or count <= limit:
        return ""
    rest = count - limit
    return (
        f"<p><i>… and {html.escape(_n(rest, 'more ' + one, 'more ' + many))}.</i> "
        f"<a href='{SHOW_ALL_LINK}'>Show all {count:,} {html.escape(many)}</a></p>"
    )


def _problem_item(problem: Problem) -> str:
    where = _where(problem.line, problem.column)
    path = f" ({html.escape(problem.path)})" if problem.path else ""
    return (
        f"<li>{html.escape(where) + ': ' if where else ''}{html.escape(problem.message)}"
        f"{path} <small>[{html.escape(problem.rule)}]</small></li>"
    )


class ImportDialog(QDialog):
    """Preview a file and import it on request.

    Signals: ``preview_ready(PreviewSummary)`` once the file is read;
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
        self.preview: PreviewSummary | None = None
        self.report: PackInstallReport | None = None
        self.task: BackgroundTask | ProcessTask | None = None
        self._closing = False
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
        self.showing_everything = False
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
        self.report_view.anchorClicked.connect(self._on_report_view_anchor_clicked)

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

    def _set_busy(self, text: str, *, stoppable: bool = True) -> None:
        """Show ``text`` with a busy bar ("" when idle). While work that cannot be
        stopped runs (``stoppable=False``: an import being written, all or nothing),
        Cancel is disabled and says why, and closing the dialog waits."""
        self.busy_label.setText(text)
        self.busy_label.setVisible(bool(text))
        self.busy_bar.setVisible(bool(text))
        self.import_button.setEnabled(not text and self.preview is not None and self.preview.ok)
        self.enable_check.setEnabled(not text)
        self.cancel_button.setEnabled(stoppable)
        self.cancel_button.setToolTip(
            ""
            if stoppable
            else self.tr(
                "An import is written all at once or not at all: it cannot be stopped part-way."
            )
        )

    def _start_reading(self) -> None:
        self._set_busy(self.tr("Reading the file…"))
        path, admin, url = self.path, self.admin, self.admin.database_url
        if url is None:
            self.task = run_in_background(
                lambda: admin.preview_summary(path),
                self._on_read_done,
                self._on_work_failed,
                context=self,
            )
        else:
            self.task = run_in_process(
                ChildJob(preview_from_database, (url, path)),
                self._on_read_done,
                self._on_work_failed,
                context=self,
            )

    def show_everything(self) -> None:
        """List every lesson, problem, skipped item and warning (the report's "Show
        all" link)."""
        if self.preview is not None and not self.showing_everything:
            self.showing_everything = True
            self.report_view.setHtml(report_html(self.preview, everything=True))

    def _on_report_view_anchor_clicked(self, url: QUrl) -> None:
        if url.toString() == SHOW_ALL_LINK:
            self.show_everything()

    def _on_read_done(self, preview: PreviewSummary) -> None:
        self.preview = preview
        self.showing_everything = False
        self.report_view.setHtml(report_html(preview))
        self._set_busy("")
        self.enable_check.setVisible(preview.ok)
        if preview.ok:
            self.cancel_button.setText(self.tr("Cancel"))
            self.import_button.setFocus()
        else:
            self.cancel_button.setText(self.tr("Close"))
            self.cancel_button.setFocus()
        self.preview_ready.emit(preview)

    def _on_work_failed(self, error: BaseException) -> None:
        self._set_busy("")
        if self._closing and isinstance(error, OperationCancelled):
            return  # the teacher cancelled: nothing to say
        if isinstance(error, FileChangedError) and self.preview is not None:
            # Changed between the preview and Import: nothing was written; show what
            # the file holds now, so the teacher imports what they saw.
            show_error(self, error, self.tr("Import failed"))
            self.preview = None
            self.report_view.clear()
            self._start_reading()
            return
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
        path, sha, admin, url = self.path, preview.sha256, self.admin, self.admin.database_url
        self._set_busy(
            self.tr(
                "Importing… This takes a moment and cannot be cancelled: the questions "
                "are written all at once or not at all."
            ),
            stoppable=False,
        )
        if url is None:
            self.task = run_in_background(
                lambda: admin.import_unchanged(path, sha, enabled=enabled),
                self._on_import_done,
                self._on_work_failed,
                context=self,
            )
        else:
            self.task = run_in_process(
                ChildJob(import_into_database, (url, path, sha, enabled)),
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
        """Cancel; while an import is being written (all or nothing) the dialog stays,
        its Cancel disabled and its busy text saying why. While the file is being read,
        its reading stops."""
        if self.is_busy() and self.preview is not None:
            QApplication.beep()
            return
        if self.is_busy() and isinstance(self.task, ProcessTask):
            self._closing = True
            self.task.cancel()
        super().reject()


__all__ = ["SHOWN_AT_FIRST", "SHOW_ALL_LINK", "ImportDialog", "report_html"]
