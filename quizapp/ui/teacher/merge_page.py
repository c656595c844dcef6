"""The teacher's "Results from other computers" page: export a results bundle, merge bundles.

On each classroom computer, "Export results…" writes every student's results to one
bundle file (a USB stick, say). On the teacher's computer, "Merge results…" takes one
or more bundle files and merges them, in the background with a progress dialog that can
cancel; the report says what each bundle added and what was already here. Merging is
idempotent (a bundle merged twice adds nothing the second time); two students of the
same name from different computers stay apart until the teacher merges them on the
Students page. See :mod:`quizapp.services.bundles`.
"""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QVBoxLayout, QWidget

from quizapp.services.bundles import (
    MergeReport,
    export_results_bundle_from_database,
    merge_bundles,
)
from quizapp.ui.common import button, plural, primary_button, wrap_label
from quizapp.ui.teacher.results_page import (
    Cancelled,
    Progress,
    ProgressTask,
    ask_open_paths,
    ask_save_path,
    heading,
    run_with_progress,
    sessions_of,
)
from quizapp.ui.worker import ChildJob

if TYPE_CHECKING:
    from quizapp.services.container import Services

BUNDLE_FILTER = "quizapp results (*.zip);;All files (*)"


def bundle_name(now: datetime | None = None) -> str:
    """A default bundle file name: ``quizapp-results-<computer>-<date>.zip``."""
    host = "".join(ch for ch in socket.gethostname() if ch.isalnum() or ch in "-_") or "pc"
    return f"quizapp-results-{host}-{(now or datetime.now()):%Y-%m-%d}.zip"


class MergePage(QWidget):
    """Export results / Merge results. ``reports`` keeps every :class:`MergeReport` of
    this session, newest last; ``last_task`` the running or last job."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.sessions = sessions_of(services)
        self.reports: list[MergeReport] = []
        self.last_task: ProgressTask | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.addWidget(heading(self.tr("Results from other computers")))
        outer.addWidget(
            wrap_label(
                self.tr(
                    "1. On each classroom computer, open the teacher area and choose "
                    "“Export results…” to save its results to a file (a USB stick, say).\n"
                    "2. On this computer, choose “Merge results…” and pick those files. "
                    "Merging the same file twice adds nothing; students with the same "
                    "name from two computers stay apart until you merge them on the "
                    "Students page."
                )
            )
        )
        buttons = QHBoxLayout()
        self.export_button = button(
            self.tr("Export results…"),
            "upload",
            self.tr("Save every result on this computer to one file"),
        )
        self.merge_button = primary_button(self.tr("Merge results…"), "download")
        self.merge_button.setToolTip(self.tr("Bring in results files from other computers"))
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_button)
        outer.addLayout(buttons)
        outer.addWidget(wrap_label(self.tr("Report"), bold=True))
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setAccessibleName(self.tr("What merging did"))
        self.report_view.setPlaceholderText(
            self.tr("Nothing merged yet: what each file adds will be listed here.")
        )
        outer.addWidget(self.report_view, 1)
        self.export_button.clicked.connect(self.export_results)
        self.merge_button.clicked.connect(self.merge_results)

    def export_results(self) -> ProgressTask | None:
        """Ask for a file and write this computer's results bundle to it."""
        path = ask_save_path(self, self.tr("Export results"), bundle_name(), BUNDLE_FILTER)
        if path is None:
            return None
        # In a child process: a class's bundle is seconds of ORM reading (~8 s for 60
        # students × 40 attempts) that, in a thread, would hold the GIL and the window.
        job = ChildJob(export_results_bundle_from_database, (self.services.database.url, path))

        def done(count: int) -> None:
            self._log(
                self.tr("Exported {attempts} to {file}.").format(
                    attempts=plural(count, self.tr("attempt"), self.tr("attempts")), file=str(path)
                )
            )

        self.last_task = run_with_progress(
            self, job, done, label=self.tr("Exporting results…"), cancelled=self._log, writes=path
        )
        return self.last_task

    def merge_results(self) -> ProgressTask | None:
        """Ask for bundle files and merge them (one transaction per file)."""
        paths = ask_open_paths(self, self.tr("Merge results"), BUNDLE_FILTER)
        if not paths:
            return None
        sessions = self.sessions

        def work(progress: Progress, cancelled: Cancelled) -> MergeReport:
            return merge_bundles(sessions, paths, progress=progress, cancelled=cancelled)

        def done(report: MergeReport) -> None:
            self.reports.append(report)
            self._log(self.describe(report))

        self.last_task = run_with_progress(
            self,
            work,
            done,
            label=self.tr("Merging {n} file(s)…").format(n=len(paths)),
            on_error=self._on_merge_failed,
        )
        return self.last_task

    def describe(self, report: MergeReport) -> str:
        """What a merge did, a line per bundle, each count in words ("1 attempt")."""
        lines = []
        for b in report.bundles:
            name = Path(b.path).name
            if not b.added_anything:
                lines.append(self.tr("{file}: nothing new (already merged).").format(file=name))
                continue
            lines.append(
                self.tr(
                    "{file}: added {students}, {attempts} ({answers}), {classes}, "
                    "{questions}, {cards}; updated {updated}."
                ).format(
                    file=name,
                    students=plural(b.students, self.tr("student"), self.tr("students")),
                    attempts=plural(b.attempts, self.tr("attempt"), self.tr("attempts")),
                    answers=plural(b.responses, self.tr("answer"), self.tr("answers")),
                    classes=plural(b.classes, self.tr("class"), self.tr("classes")),
                    questions=plural(
                        b.questions, self.tr("question revision"), self.tr("question revisions")
                    ),
                    cards=plural(b.cards, self.tr("review card"), self.tr("review cards")),
                    updated=plural(b.attempts_updated, self.tr("attempt"), self.tr("attempts")),
                )
            )
            if b.namesakes:
                lines.append(
                    self.tr(
                        "  Students with the same name as one already here were kept apart: "
                        "{names}. Merge their profiles if they are the same person."
                    ).format(names=", ".join(b.namesakes))
                )
        return "\n".join(lines) or self.tr("No bundles given.")

    def _on_merge_failed(self, error: BaseException) -> None:
        from quizapp.ui import common

        self._log(self.tr("Not merged: {why}").format(why=error))
        if not isinstance(error, Exception) or type(error).__name__ != "OperationCancelled":
            common.show_error(self, error)

    def _log(self, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M")
        self.report_view.appendPlainText(f"[{stamp}] {text}")

    def activate_primary(self) -> None:
        """Enter: Merge results…"""
        self.merge_button.click()


__all__ = ["BUNDLE_FILTER", "MergePage", "bundle_name"]
