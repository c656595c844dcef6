"""The teacher's Statistics page: Moodle's quiz statistics for one quiz, with charts.

Pick a quiz (a lesson's quiz, a course's exams or a named quiz) and which attempts
count (first attempts by default; all, highest, last). The report is computed in the
background (a progress bar and Cancel on the page; the window never freezes), then:

- the quiz figures (attempts, mean, median, sd, skewness, kurtosis, CIC, error ratio,
  standard error), each with a tooltip saying what it means (Moodle's readings, see
  ``docs/statistics.md``);
- one row per question: facility, sd, random guess score, discrimination index,
  discriminative efficiency, and flags shown with a warning sign *and* a word;
- the distractor analysis of the selected question (each choice, how often picked);
- two charts (pyqtgraph, loaded when the first report arrives): the score distribution
  and facility / discrimination per question.

Regrading: after the statistics, a dry run looks for questions whose key was corrected
in a newer revision. Such questions say "Key corrected" and "Regrade…" opens the dry
run (whose marks change, old → new) with an Apply button; nothing changes without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.scoring import format_marks
from quizapp.domain.statistics import MIN_ATTEMPTS_FOR_FLAGS, AttemptSelection
from quizapp.services.regrade import RegradePlan, RegradeService
from quizapp.services.results import OperationCancelled, QuizInfo, ResultsService
from quizapp.services.statistics_report import (
    QuestionRow,
    QuizStatisticsReport,
    StatisticsService,
)
from quizapp.ui import common
from quizapp.ui.common import button, count, counted, icon, primary_button, wrap_label
from quizapp.ui.printing import FLAG_WORDS
from quizapp.ui.teacher.data_table import Cell, DataTable, cell, number_cell
from quizapp.ui.teacher.results_page import (
    Cancelled,
    Progress,
    ProgressTask,
    ask_save_path,
    heading,
    run_with_progress,
    sessions_of,
)

if TYPE_CHECKING:
    from quizapp.services.container import Services

FIGURE_TIPS: dict[str, tuple[str, str]] = {
    "n": ("Attempts", "The attempts used for these figures (first attempts by default)."),
    "mean": (
        "Average",
        "The mean total mark. For a test that tells students apart, aim for 50–75% of the maximum.",
    ),
    "median": ("Median", "Half the attempts scored less than this."),
    "sd": (
        "Standard deviation",
        "How spread out the totals are. Aim for 12–18% of the maximum; smaller means "
        "the scores are bunched up.",
    ),
    "skewness": (
        "Skewness",
        "Asymmetry of the scores: 0 symmetric; negative, a tail to the left (most did "
        "well). Aim for about −1.",
    ),
    "kurtosis": (
        "Kurtosis",
        "Flatness of the scores: 0 for a normal curve; aim for 0–1. Above 1, the test "
        "separates the very good or very weak poorly from the middle.",
    ),
    "cic": (
        "Coefficient of internal consistency",
        "Do the questions measure the same thing? (Cronbach's alpha.) Above 75% is "
        "satisfactory; below 64% the test as a whole is unsatisfactory; much above 90% "
        "is hardly possible.",
    ),
    "error_ratio": (
        "Error ratio",
        "The share of the spread of the totals that is noise rather than real "
        "differences between students: the lower the better.",
    ),
    "standard_error": (
        "Standard error",
        "The error ratio in marks: roughly how far a student's total may be from the "
        "total they would get on average over many such tests.",
    ),
}
"""Per quiz figure: its name and what it means (Moodle's readings, docs/statistics.md)."""

QUESTION_HEADERS = (
    "#",
    "Question",
    "Attempts",
    "Facility",
    "SD",
    "Guess",
    "Discr. index",
    "Discr. efficiency",
    "Flags",
)
QUESTION_TIPS = (
    "Question number in the quiz",
    "The question (its latest revision asked)",
    "Attempts that asked this question",
    "Facility index: the mean score as a share of the maximum (how easy it was)",
    "Standard deviation of the marks, as a share of the maximum; below about 33% is "
    "not generally satisfactory",
    "Random guess score: what picking at random would score",
    "Discrimination index: do students who do well elsewhere do well here? 50%+ very "
    "good, 30–50 adequate, 20–29 weak, under 20 very weak, negative: check the key",
    "Discriminative efficiency: the discrimination index as a share of the best this "
    "question could reach with these marks; under 15% is dubious",
    "Why the question needs a look (only from 10 students on)",
)
SELECTIONS = (
    (AttemptSelection.FIRST, "First attempts (recommended)"),
    (AttemptSelection.ALL, "All attempts"),
    (AttemptSelection.HIGHEST, "Highest-scoring attempt of each student"),
    (AttemptSelection.LAST, "Last attempt of each student"),
)
SELECTION_WORDS = {
    "first": "first attempts",
    "all": "all attempts",
    "highest": "each student's highest",
    "last": "each student's last",
}
KEY_CORRECTED = "Key corrected"


FIGURE_COLUMNS = (
    ("n", "skewness", "kurtosis"),
    ("mean", "median", "sd"),
    ("cic", "error_ratio", "standard_error"),
)
"""How the quiz figures are laid out: one column each for the shape, the marks and the
reliability, so the long values (marks) and the long name (internal consistency) never
share a column."""


def _pct(fraction: float | None) -> str:
    return "–" if fraction is None else f"{100 * fraction:.2f}%"


def _pp(percent: float | None) -> str:
    return "–" if percent is None else f"{percent:.2f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


class RegradeDialog(QDialog):
    """The dry run of a regrade: whose marks change (old → new), what keeps its marks,
    what cannot be regraded and why; "Apply regrade" applies exactly that plan.

    ``applied(RegradeResult)`` fires after a successful apply."""

    applied = Signal(object)

    def __init__(
        self, plan: RegradePlan, service: RegradeService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.plan = plan
        self.service = service
        self.setWindowTitle(self.tr("Regrade: dry run"))
        layout = QVBoxLayout(self)
        what = plan.question_key or self.tr("every corrected question")
        layout.addWidget(
            wrap_label(
                self.tr("Regrade {what} of {pack}: nothing has changed yet.").format(
                    what=what, pack=plan.pack_key
                ),
                1.1,
                bold=True,
            )
        )
        self.summary_label = wrap_label(plan.summary())
        layout.addWidget(self.summary_label)
        self.table = DataTable(
            ("Student", "Question", "Revision", "Marks before → after", "Percent before → after"),
            stretch=1,
        )
        rows = []
        for c in plan.changes:
            rows.append(
                (
                    cell(c.student_name),
                    cell(f"{c.slot}. {c.question_key}"),
                    cell(f"{c.asked_revision} → {c.new_revision}"),
                    cell(
                        f"{format_marks(c.old_marks)} → {format_marks(c.new_marks)} "
                        f"/ {format_marks(c.max_marks)}",
                        c.new_marks - c.old_marks,
                    ),
                    cell(f"{c.old_percent}% → {c.new_percent}%", c.new_percent - c.old_percent),
                )
            )
        self.table.set_rows(rows)
        layout.addWidget(self.table, 1)
        if plan.skipped:
            layout.addWidget(
                wrap_label(
                    self.tr("Cannot be regraded automatically:\n")
                    + "\n".join(
                        f"• {s.student_name}, {s.question_key}: {s.reason}" for s in plan.skipped
                    )
                )
            )
        box = QDialogButtonBox()
        self.apply_button = primary_button(self.tr("Apply regrade"), "check")
        self.apply_button.setEnabled(bool(plan.changes))
        self.cancel_button = button(self.tr("Cancel"), "x")
        box.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.clicked.connect(self.reject)
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        layout.addWidget(box)
        self.resize(760, 460)

    def _on_apply_button_clicked(self) -> None:
        try:
            result = self.service.apply(self.plan)
        except QuizAppError as error:
            common.show_error(self, error)
            return
        self.applied.emit(result)
        self.accept()


class StatisticsPage(QWidget):
    """Quiz statistics (see the module docstring). ``report`` is the report shown;
    ``report_ready(report)`` fires when one has been computed."""

    report_ready = Signal(object)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        sessions = sessions_of(services)
        self.results = ResultsService(sessions)
        self.statistics = StatisticsService(sessions)
        self.regrade = RegradeService(sessions)
        self.quizzes: list[QuizInfo] = []
        self.report: QuizStatisticsReport | None = None
        self.plan: RegradePlan | None = None
        self.task: ProgressTask | None = None
        self.last_export_task: ProgressTask | None = None
        self.regrade_dialog: RegradeDialog | None = None
        self.distribution_chart: Any = None
        self.questions_chart: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("Question statistics")), 1)
        self.regrade_button = button(
            self.tr("Regrade…"),
            "rotate-ccw",
            self.tr("A question's key was corrected: see whose marks would change, then apply"),
        )
        self.regrade_button.setEnabled(False)
        self.export_button = button(
            self.tr("Export…"), "download", self.tr("Save these statistics as CSV or XLSX")
        )
        self.export_button.setEnabled(False)
        top.addWidget(self.regrade_button)
        top.addWidget(self.export_button)
        outer.addLayout(top)
        pick = QHBoxLayout()
        self.quiz_combo = QComboBox()
        self.quiz_combo.setAccessibleName(self.tr("Quiz"))
        self.selection_combo = QComboBox()
        self.selection_combo.setAccessibleName(self.tr("Which attempts count"))
        # Both as narrow as a few words and wider when there is room (stretch 2:1): sized
        # to their longest entry (a quiz's "title (n attempts, n students) · course",
        # "Highest-scoring attempt of each student") the row alone was 820 px, and the
        # teacher area wider than a 1024-px screen. A cut entry is whole in the open list.
        self.quiz_combo.setMinimumContentsLength(20)
        self.selection_combo.setMinimumContentsLength(14)
        for combo in (self.quiz_combo, self.selection_combo):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        for value, text in SELECTIONS:
            self.selection_combo.addItem(self.tr(text), value)
        self.selection_combo.setToolTip(
            self.tr(
                "First attempts are the sound choice: later attempts come from students "
                "who have already seen the questions."
            )
        )
        quiz_label = QLabel(self.tr("Quiz"))
        quiz_label.setBuddy(self.quiz_combo)
        sel_label = QLabel(self.tr("Attempts"))
        sel_label.setBuddy(self.selection_combo)
        pick.addWidget(quiz_label)
        pick.addWidget(self.quiz_combo, 2)
        pick.addWidget(sel_label)
        pick.addWidget(self.selection_combo, 1)
        outer.addLayout(pick)
        busy = QHBoxLayout()
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat(self.tr("Computing… %p%"))
        self.cancel_button = button(self.tr("Cancel"), "x", self.tr("Stop computing"))
        busy.addWidget(self.progress_bar, 1)
        busy.addWidget(self.cancel_button)
        self.busy = QWidget()
        self.busy.setLayout(busy)
        self.busy.hide()
        outer.addWidget(self.busy)
        self.status_label = wrap_label("")
        outer.addWidget(self.status_label)
        self.stack = QStackedWidget()
        self.empty_label = wrap_label(
            self.tr(
                "No quiz has been taken yet: statistics appear here once students have "
                "finished a quiz. Question figures are flagged from 10 students on."
            ),
            1.15,
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self._build_body())
        outer.addWidget(self.stack, 1)
        self._connect_signals()

    def _build_body(self) -> QWidget:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        figures = QGroupBox(self.tr("This quiz"))
        grid = QGridLayout(figures)
        grid.setHorizontalSpacing(8)
        self.figure_labels: dict[str, QLabel] = {}
        self.figure_titles: dict[str, QLabel] = {}
        for col, keys in enumerate(FIGURE_COLUMNS):
            for row, key in enumerate(keys):
                name, tip = FIGURE_TIPS[key]
                # A name wraps onto a second line rather than lose its end when the
                # window is narrow; a value never wraps.
                title = QLabel(self.tr(name) + ":")
                title.setWordWrap(True)
                value = QLabel("–")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                for w in (title, value):
                    w.setToolTip(self.tr(tip))
                value.setAccessibleName(self.tr(name))
                value.setAccessibleDescription(self.tr(tip))
                grid.addWidget(title, row, col * 2)
                grid.addWidget(value, row, col * 2 + 1)
                self.figure_titles[key] = title
                self.figure_labels[key] = value
        # Room to spare goes to the longest name first, so it wraps only when it must.
        grid.setColumnStretch(2 * (len(FIGURE_COLUMNS) - 1), 1)  # the reliability column
        layout.addWidget(figures)
        self.tabs = QTabWidget()
        tables = QSplitter(Qt.Orientation.Vertical)
        self.questions_table = DataTable(QUESTION_HEADERS, stretch=len(QUESTION_HEADERS) - 1)
        self.questions_table.setAccessibleName(self.tr("Questions"))
        header = self.questions_table.horizontalHeader()
        header.setSectionResizeMode(0, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, header.ResizeMode.Interactive)
        header.resizeSection(1, 280)
        header.setSectionResizeMode(len(QUESTION_HEADERS) - 1, header.ResizeMode.Stretch)
        self.questions_table.setWordWrap(False)
        self.questions_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.questions_table.set_header_tips([self.tr(tip) for tip in QUESTION_TIPS])
        tables.addWidget(self.questions_table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 4, 0, 0)
        self.choices_label = wrap_label(
            self.tr("Choose a question to see how often each answer was picked."), bold=True
        )
        lower_layout.addWidget(self.choices_label)
        self.choices_table = DataTable(("Choice", "Answer", "Credit", "Picked", "Share"), stretch=1)
        self.choices_table.setAccessibleName(self.tr("Answers picked"))
        lower_layout.addWidget(self.choices_table, 1)
        tables.addWidget(lower)
        tables.setStretchFactor(0, 3)
        tables.setStretchFactor(1, 2)
        self.tabs.addTab(tables, icon("clipboard-list"), self.tr("Questions"))
        self.charts_tab = QWidget()
        self.charts_layout = QHBoxLayout(self.charts_tab)
        self.charts_placeholder = wrap_label(self.tr("Charts appear once figures are computed."))
        self.charts_layout.addWidget(self.charts_placeholder)
        self.tabs.addTab(self.charts_tab, icon("eye"), self.tr("Charts"))
        layout.addWidget(self.tabs, 1)
        return body

    def _connect_signals(self) -> None:
        self.quiz_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.selection_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.questions_table.selectionModel().selectionChanged.connect(
            self._on_questions_table_selection_changed
        )
        self.regrade_button.clicked.connect(self.open_regrade)
        self.export_button.clicked.connect(self.export)

    # ------------------------------------------------------------ data

    def refresh(self) -> None:
        """Reload the quizzes that have attempts (keeping the choice) and recompute."""
        quizzes = common.guarded(self, self.results.quizzes)
        if quizzes is None:
            return
        self.quizzes = quizzes
        keep = self.quiz_combo.currentData()
        self.quiz_combo.blockSignals(True)
        self.quiz_combo.clear()
        for q in quizzes:
            self.quiz_combo.addItem(
                self.tr("{title} ({attempts}, {students}) · {pack}").format(
                    pack=q.pack_title,
                    title=q.title,
                    attempts=counted(q.attempts, self.tr("attempt"), self.tr("attempts")),
                    students=counted(q.students, self.tr("student"), self.tr("students")),
                )
                if q.ref.kind != "exam"
                else self.tr("{title} ({attempts}, {students})").format(
                    title=q.title,
                    attempts=counted(q.attempts, self.tr("attempt"), self.tr("attempts")),
                    students=counted(q.students, self.tr("student"), self.tr("students")),
                ),
                q.ref,
            )
        index = self.quiz_combo.findData(keep) if keep is not None else 0
        self.quiz_combo.setCurrentIndex(max(0, index))
        self.quiz_combo.blockSignals(False)
        self.stack.setCurrentIndex(1 if quizzes else 0)
        if quizzes:
            self.compute()

    def select_quiz(self, ref: Any, selection: AttemptSelection | None = None) -> None:
        """Choose a quiz (and which attempts) and compute its statistics."""
        self.quiz_combo.blockSignals(True)
        self.selection_combo.blockSignals(True)
        index = self.quiz_combo.findData(ref)
        if index >= 0:
            self.quiz_combo.setCurrentIndex(index)
        if selection is not None:
            self.selection_combo.setCurrentIndex(self.selection_combo.findData(selection))
        self.quiz_combo.blockSignals(False)
        self.selection_combo.blockSignals(False)
        self.compute()

    def current_quiz(self) -> QuizInfo | None:
        """The quiz chosen, or ``None``."""
        ref = self.quiz_combo.currentData()
        return next((q for q in self.quizzes if q.ref == ref), None)

    def compute(self) -> ProgressTask | None:
        """Compute the chosen quiz's statistics (and the regrade dry run of its course)
        in the background; the page shows progress and can cancel."""
        quiz = self.current_quiz()
        self.quiz_combo.setToolTip(self.quiz_combo.currentText())  # whole, if cut short
        if quiz is None:
            return None
        if self.task is not None and self.task.task.is_running:
            self.task.cancel()
        selection = AttemptSelection(self.selection_combo.currentData())
        statistics = self.statistics
        regrade = self.regrade

        def work(
            progress: Progress, cancelled: Cancelled
        ) -> tuple[QuizStatisticsReport, RegradePlan | None]:
            report = statistics.quiz_statistics(
                quiz.ref, selection, progress=progress, cancelled=cancelled
            )
            try:
                plan = regrade.dry_run(quiz.pack_id)
            except QuizAppError:
                plan = None
            # The charts drawn with the report need pyqtgraph and numpy: imported here,
            # their 0.6–1.2 s of first import does not freeze the window when it lands.
            from quizapp.ui.charts import load_pyqtgraph

            load_pyqtgraph()
            return report, plan

        self.progress_bar.setRange(0, 0)
        self.busy.show()
        self.status_label.setText(
            self.tr("Computing the statistics of {title}…").format(title=quiz.title)
        )
        task: ProgressTask | None = None

        def done(result: tuple[QuizStatisticsReport, RegradePlan | None]) -> None:
            if self.task is not task:
                return  # a newer computation replaced this one
            self.busy.hide()
            self.show_report(*result)

        def failed(error: BaseException) -> None:
            if self.task is not task:
                return
            self.busy.hide()
            if isinstance(error, OperationCancelled):
                self.status_label.setText(self.tr("Cancelled: the figures shown are not updated."))
            else:
                self.status_label.setText("")
                common.show_error(self, error)

        task = run_with_progress(
            self,
            work,
            done,
            label="",
            dialog=False,
            on_progress=self._on_progress,
            on_error=failed,
        )
        self.task = task
        return task

    def show_report(self, report: QuizStatisticsReport, plan: RegradePlan | None = None) -> None:
        """Show ``report`` (figures, questions, charts) and ``plan``'s corrected keys."""
        self.report = report
        self.plan = plan
        z = report.quiz
        values = {
            "n": count(z.n),
            "mean": _marks_pct(z.mean, z.max_total),
            "median": _marks_pct(z.median, z.max_total),
            "sd": _marks_pct(z.sd, z.max_total),
            "skewness": _num(z.skewness),
            "kurtosis": _num(z.kurtosis),
            "cic": _pp(z.cic),
            "error_ratio": _pp(z.error_ratio),
            "standard_error": _num(z.standard_error),
        }
        for key, text in values.items():
            self.figure_labels[key].setText(text)
        corrected = self.corrected_keys()
        warning = icon("alert-triangle")
        rows = []
        for q in report.questions:
            words = [FLAG_WORDS.get(f.value, f.value) for f in q.flags]
            if q.key in corrected:
                words.append(KEY_CORRECTED)
            flag_cell = (
                cell(", ".join(words), len(words), tip="; ".join(words), icon=warning)
                if words
                else cell("", 0)
            )
            rows.append(
                (
                    number_cell(q.column + 1, str(q.column + 1)),
                    cell(" ".join(q.prompt.split()), tip=q.prompt),
                    number_cell(q.attempts, count(q.attempts)),
                    number_cell(q.facility, _pct(q.facility)),
                    number_cell(q.sd_fraction, _pct(q.sd_fraction)),
                    number_cell(q.random_guess_score, _pct(q.random_guess_score)),
                    number_cell(q.discrimination_index, _pp(q.discrimination_index)),
                    number_cell(q.discriminative_efficiency, _pp(q.discriminative_efficiency)),
                    flag_cell,
                )
            )
        self.questions_table.set_rows(rows, [q.column for q in report.questions])
        notes = [
            self.tr("{title}: {attempts} used ({selection}), {students}.").format(
                title=report.title,
                attempts=counted(z.n, self.tr("attempt"), self.tr("attempts")),
                selection=SELECTION_WORDS.get(report.selection.value, report.selection.value),
                students=counted(report.first_attempts, self.tr("student"), self.tr("students")),
            )
        ]
        if not report.flags_shown:
            notes.append(
                self.tr("Questions are flagged from {min} students on.").format(
                    min=MIN_ATTEMPTS_FOR_FLAGS
                )
            )
        if not report.complete:
            notes.append(
                self.tr(
                    "The attempts asked different questions (an exam draws some): each "
                    "question's figures use the attempts that asked it; the figures that "
                    "need the same questions for everyone are left empty."
                )
            )
        if corrected:
            notes.append(self.tr("A corrected key changes marks of past attempts: use “Regrade…”."))
        self.status_label.setText(" ".join(notes))
        self.regrade_button.setEnabled(bool(corrected))
        self.export_button.setEnabled(True)
        self._show_choices(None)
        self._update_charts(report)
        if report.questions:
            self.questions_table.selectRow(0)
        self.report_ready.emit(report)

    def corrected_keys(self) -> set[str]:
        """Keys of the quiz's questions whose marks a regrade would change."""
        if self.plan is None:
            return set()
        return {c.question_key for c in self.plan.changes}

    def question(self, column: int) -> QuestionRow | None:
        """The report's question of ``column`` (0-based), or ``None``."""
        if self.report is None or not 0 <= column < len(self.report.questions):
            return None
        return self.report.questions[column]

    def _show_choices(self, column: int | None) -> None:
        q = self.question(column) if column is not None else None
        if q is None:
            self.choices_table.set_rows([])
            self.choices_label.setText(
                self.tr("Choose a question to see how often each answer was picked.")
            )
            return
        self.choices_label.setText(
            self.tr("Question {n}: how often each answer was picked ({attempts})").format(
                n=q.column + 1,
                attempts=counted(q.attempts, self.tr("attempt"), self.tr("attempts")),
            )
        )
        rows: list[tuple[Cell, ...]] = []
        for c in q.choices:
            mark = (
                self.tr("✓ right")
                if c.fraction >= 0.999999
                else (self.tr("◐ partly") if c.fraction > 0 else "")
            )
            rows.append(
                (
                    cell(c.letter),
                    cell(c.text, tip=c.text),
                    cell(f"{mark} ({c.fraction:g})" if mark else f"{c.fraction:g}", c.fraction),
                    number_cell(c.count, count(c.count)),
                    number_cell(c.share, _pct(c.share)),
                )
            )
        share = q.no_response / q.attempts if q.attempts else None
        rows.append(
            (
                cell("–", "~"),
                cell(self.tr("(no answer)")),
                cell("", float("-inf")),  # no answer: no credit, sorted first
                number_cell(q.no_response, count(q.no_response)),
                number_cell(share, _pct(share)),
            )
        )
        self.choices_table.set_rows(rows)

    def _update_charts(self, report: QuizStatisticsReport) -> None:
        from quizapp.ui.charts import QuestionBarsChart, ScoreDistributionChart

        if self.distribution_chart is None:
            self.charts_placeholder.hide()
            self.distribution_chart = ScoreDistributionChart()
            self.questions_chart = QuestionBarsChart()
            self.charts_layout.addWidget(self.distribution_chart, 1)
            self.charts_layout.addWidget(self.questions_chart, 2)
        self.distribution_chart.set_totals(report.totals, report.quiz.max_total)
        self.questions_chart.set_questions(
            [None if q.facility is None else 100 * q.facility for q in report.questions],
            [q.discrimination_index for q in report.questions],
        )

    # ------------------------------------------------------------ actions

    def open_regrade(self) -> RegradeDialog | None:
        """Open the regrade dry run of the selected question (or of every corrected
        question when the selection has none)."""
        quiz = self.current_quiz()
        if quiz is None:
            return None
        row = self.questions_table.current_source_row()
        key = None
        if row is not None:
            q = self.question(int(self.questions_table.row_id(row)))
            if q is not None and q.key in self.corrected_keys():
                key = q.key
        plan = common.guarded(self, lambda: self.regrade.dry_run(quiz.pack_id, key))
        if plan is None:
            return None
        dialog = RegradeDialog(plan, self.regrade, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.applied.connect(self._on_regrade_applied)
        self.regrade_dialog = dialog
        dialog.open()
        return dialog

    def export(self) -> ProgressTask | None:
        """Ask for a file and write the statistics shown to CSV or XLSX."""
        from quizapp.services.exports import export_statistics

        report = self.report
        if report is None:
            return None
        path = ask_save_path(
            self,
            self.tr("Export statistics"),
            "quizapp-statistics.xlsx",
            "Excel workbook (*.xlsx);;CSV (*.csv)",
        )
        if path is None:
            return None

        def work(progress: Progress, cancelled: Cancelled) -> int:
            return export_statistics(report, path)

        def done(rows: int) -> None:
            self.status_label.setText(
                self.tr("Saved {questions} to {file}").format(
                    questions=counted(rows, self.tr("question"), self.tr("questions")),
                    file=path.name,
                )
            )

        self.last_export_task = run_with_progress(
            self, work, done, label=self.tr("Exporting statistics…"), cancellable=False
        )
        return self.last_export_task

    # ------------------------------------------------------------ slots

    def _on_choice_changed(self) -> None:
        self.compute()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)

    def _on_cancel_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _on_questions_table_selection_changed(self, *_: object) -> None:
        row = self.questions_table.current_source_row()
        self._show_choices(None if row is None else int(self.questions_table.row_id(row)))

    def _on_regrade_applied(self, result: Any) -> None:
        self.status_label.setText(
            self.tr("Regraded {answers} in {attempts}.").format(
                answers=counted(result.responses, self.tr("answer"), self.tr("answers")),
                attempts=counted(result.attempts, self.tr("attempt"), self.tr("attempts")),
            )
        )
        self.compute()

    def on_shown(self) -> None:
        """The teacher area shows this page: reload the quizzes and recompute."""
        self.refresh()


def _marks_pct(value: float | None, max_total: float) -> str:
    if value is None:
        return "–"
    if max_total > 0:
        return f"{format_marks(value)} / {format_marks(max_total)} ({100 * value / max_total:.2f}%)"
    return format_marks(value)


__all__ = ["FIGURE_TIPS", "RegradeDialog", "StatisticsPage"]
