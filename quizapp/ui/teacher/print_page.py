"""The teacher's "Paper quiz" page: print a quiz to PDF, versions A and B, with keys.

Choose a course (and, when the services offer the list, some of its lessons), how many
questions (all by default) and which versions. "Print to PDF…" builds the paper quizzes
(:func:`quizapp.services.print_model.build_paper_versions`: shuffled from a base seed
derived from stored identities, so printing again gives the same A and B) and prints
them, in a child process (:func:`quizapp.ui.printing.print_paper_quizzes_from_database`,
as the Results page prints its report) with a progress dialog counting the pages and
Cancel: each version with name, class and date fields, lettered choices with "Choose
one" or "Choose all that apply", an answer grid, and its answer key with explanations
on a new page. A cancelled print leaves no file; an error is shown with its message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.services import print_model
from quizapp.ui import common
from quizapp.ui.common import primary_button, wrap_label
from quizapp.ui.teacher.results_page import (
    ID_ROLE,
    ProgressTask,
    ask_save_path,
    heading,
    run_with_progress,
    sessions_of,
)
from quizapp.ui.worker import ChildJob

if TYPE_CHECKING:
    from quizapp.services.container import Services

VERSIONS = ("A", "B", "C", "D")


class PrintPage(QWidget):
    """Paper quiz printing (see the module docstring). ``last_task`` the last job;
    ``last_path`` the last PDF written."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from quizapp.services.pack_admin import PackAdmin

        self.services = services
        self.sessions = sessions_of(services)
        self.packs = PackAdmin(self.sessions)
        self.last_task: ProgressTask | None = None
        self.last_path: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.addWidget(heading(self.tr("Paper quiz")))
        outer.addWidget(
            wrap_label(
                self.tr(
                    "Print a quiz for a class without computers: each version has its "
                    "questions and answers in a different order, an answer grid, and its "
                    "own answer key on a separate page. Printing again gives the same "
                    "versions."
                )
            )
        )
        form = QFormLayout()
        self.pack_combo = QComboBox()
        self.pack_combo.setAccessibleName(self.tr("Course"))
        form.addRow(self.tr("Course"), self.pack_combo)
        self.lesson_list = QListWidget()
        self.lesson_list.setAccessibleName(self.tr("Lessons"))
        self.lesson_list.setMaximumHeight(170)
        self.lessons_note = wrap_label(self.tr("Every lesson of the course."))
        form.addRow(self.tr("Lessons"), self.lesson_list)
        form.addRow("", self.lessons_note)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, 500)
        self.count_spin.setSpecialValueText(self.tr("All questions"))
        self.count_spin.setAccessibleName(self.tr("Number of questions"))
        self.count_spin.setToolTip(
            self.tr("How many questions to draw (the same ones in every version)")
        )
        form.addRow(self.tr("Questions"), self.count_spin)
        versions = QHBoxLayout()
        self.version_checks: dict[str, QCheckBox] = {}
        for v in VERSIONS:
            check = QCheckBox(self.tr("Version {v}").format(v=v))
            check.setChecked(v in ("A", "B"))
            versions.addWidget(check)
            self.version_checks[v] = check
        versions.addStretch(1)
        form.addRow(self.tr("Versions"), versions)
        outer.addLayout(form)
        self.status_label = wrap_label("")
        outer.addWidget(self.status_label)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.print_button = primary_button(self.tr("Print to PDF…"), "file-text")
        self.print_button.setToolTip(self.tr("Save the papers and answer keys as a PDF (Enter)"))
        row.addWidget(self.print_button)
        outer.addLayout(row)
        self.pack_combo.currentIndexChanged.connect(self._on_pack_combo_changed)
        self.print_button.clicked.connect(self.print_papers)

    def refresh(self) -> None:
        """Reload the courses (keeping the choice)."""
        packs = common.guarded(self, self.packs.list_packs)
        if packs is None:
            return
        keep = self.pack_combo.currentData()
        self.pack_combo.blockSignals(True)
        self.pack_combo.clear()
        for p in packs:
            self.pack_combo.addItem(
                self.tr("{title} ({questions})").format(
                    title=p.title,
                    questions=common.plural(
                        p.question_count, self.tr("question"), self.tr("questions")
                    ),
                ),
                p.id,
            )
        self.pack_combo.setCurrentIndex(max(0, self.pack_combo.findData(keep)))
        self.pack_combo.blockSignals(False)
        self.print_button.setEnabled(bool(packs))
        if not packs:
            self.status_label.setText(self.tr("No course yet: import one on the Packs page."))
        self._load_lessons()

    def select_pack(self, pack_id: int) -> None:
        """Choose a course."""
        self.pack_combo.setCurrentIndex(max(0, self.pack_combo.findData(pack_id)))

    def _load_lessons(self) -> None:
        """The course's lessons as tick boxes, when the services can list them
        (``print_model.printable_lessons``); otherwise the whole course is printed."""
        self.lesson_list.clear()
        lister = getattr(print_model, "printable_lessons", None)
        pack_id = self.pack_combo.currentData()
        if lister is None or pack_id is None:
            self.lesson_list.hide()
            self.lessons_note.show()
            return
        try:
            lessons = lister(self.sessions, pack_id)
        except QuizAppError as error:
            common.show_error(self, error)
            return
        for lesson in lessons:
            item = QListWidgetItem(str(getattr(lesson, "title", lesson)))
            item.setData(ID_ROLE, getattr(lesson, "id", None))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.lesson_list.addItem(item)
        self.lesson_list.show()
        self.lessons_note.hide()

    def chosen_lessons(self) -> list[int] | None:
        """Ids of the ticked lessons; ``None`` for every lesson."""
        if self.lesson_list.isHidden() or self.lesson_list.count() == 0:
            return None
        items = [self.lesson_list.item(i) for i in range(self.lesson_list.count())]
        ticked = [int(i.data(ID_ROLE)) for i in items if i.checkState() == Qt.CheckState.Checked]
        return None if len(ticked) == len(items) else ticked

    def chosen_versions(self) -> tuple[str, ...]:
        """The ticked versions, in order."""
        return tuple(v for v, check in self.version_checks.items() if check.isChecked())

    def print_papers(self) -> ProgressTask | None:
        """Ask for a PDF file and print the chosen versions with their keys to it, in a
        child process (laying out dozens of pages on the GUI thread froze the window for
        seconds), with the pages printed as progress and Cancel (which leaves no file)."""
        from PySide6.QtGui import QGuiApplication

        from quizapp.ui.printing import PrintedPapers, print_paper_quizzes_from_database

        pack_id = self.pack_combo.currentData()
        versions = self.chosen_versions()
        if pack_id is None:
            return None
        if not versions:
            self.status_label.setText(self.tr("Tick at least one version to print."))
            return None
        lessons = self.chosen_lessons()
        if lessons == []:
            self.status_label.setText(self.tr("Tick at least one lesson to print."))
            return None
        count = self.count_spin.value() or None
        path = ask_save_path(
            self,
            self.tr("Print paper quiz"),
            f"paper-quiz-{'-'.join(versions)}.pdf",
            "PDF (*.pdf)",
        )
        if path is None:
            return None
        font = QGuiApplication.font().family()  # the child's offscreen Qt has its own
        job = ChildJob(
            print_paper_quizzes_from_database,
            (self.services.database.url, versions, pack_id, lessons, count, path, font),
        )

        def done(printed: PrintedPapers) -> None:
            self.last_path = path
            self.status_label.setText(
                self.tr("Saved versions {v} ({questions} each) to {file}.").format(
                    v=", ".join(versions),
                    questions=common.plural(
                        printed.questions, self.tr("question"), self.tr("questions")
                    ),
                    file=path.name,
                )
            )

        def failed(error: BaseException) -> None:
            self.status_label.setText("")
            common.show_error(self, error)

        self.status_label.setText(self.tr("Printing versions {v}…").format(v=", ".join(versions)))
        self.last_task = run_with_progress(
            self,
            job,
            done,
            label=self.tr("Printing the papers…"),
            on_error=failed,
            cancelled=self.status_label.setText,
            writes=path,
        )
        return self.last_task

    def on_shown(self) -> None:
        """The teacher area shows this page: reload the courses."""
        self.refresh()

    def activate_primary(self) -> None:
        """Enter: Print to PDF…"""
        self.print_button.click()

    def _on_pack_combo_changed(self) -> None:
        self._load_lessons()


__all__ = ["PrintPage"]
