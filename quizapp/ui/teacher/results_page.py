"""The teacher's Results page: students, their attempts, each attempt's review; exports.

Top: filters (course, lesson or quiz, class, an optional date range) and a box that
finds a student by name. Middle: the students table (attempts, best, last and average
score, time spent, last active), sortable by any column, with a count. Bottom: the
selected student's attempts; double-click or Enter opens one for review exactly as it
was taken (:class:`AttemptReviewDialog`, the student's own review screen, read-only,
with regrade notes next to a regraded question).

"Export…" writes the attempts or the responses of the current filter to CSV or XLSX,
"Print report…" writes the results report to PDF; both run in the background with a
progress dialog that can cancel.

This module also holds the small pieces every teacher results page shares:
:func:`run_with_progress` (background work with progress and cancel, on top of
:func:`quizapp.ui.worker.run_in_background`), the file choosers :func:`ask_save_path`
and :func:`ask_open_paths` (tests replace them), :class:`LatestLoad` (a page's data read
in the background), and, from :mod:`quizapp.ui.teacher.data_table`, the tables
(:class:`DataTable`, :func:`cell`, :func:`number_cell`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QDate,
    QObject,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.domain.scoring import format_marks
from quizapp.services import dto
from quizapp.services.results import (
    AttemptRow,
    OperationCancelled,
    QuizInfo,
    QuizRef,
    ResultsFilter,
    ResultsService,
    StudentOverview,
)
from quizapp.ui import common
from quizapp.ui.common import button, wrap_label
from quizapp.ui.history_view import format_duration
from quizapp.ui.results_view import ResultsView, local_datetime
from quizapp.ui.teacher.data_table import ID_ROLE as ID_ROLE  # print_page imports it from here
from quizapp.ui.teacher.data_table import DataTable, cap_column, cell, number_cell
from quizapp.ui.worker import (
    BackgroundTask,
    ChildJob,
    ProcessTask,
    run_in_background,
    run_in_process,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from quizapp.services.classes import ClassInfo
    from quizapp.services.container import Services

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def sessions_of(services: Services) -> sessionmaker[Session]:
    """The session factory of the services' database (the results services are built on it)."""
    return services.database.sessions


# --------------------------------------------------------------------------- file choosers


def ask_save_path(parent: QWidget | None, title: str, suggested: str, filters: str) -> Path | None:
    """Ask where to save (``filters`` like ``"CSV (*.csv);;Excel workbook (*.xlsx)"``);
    the suffix of the chosen filter is added when the name has none. ``None`` on cancel.
    Tests monkeypatch this function."""
    names, chosen = common.ask_files(parent, title, filters, mode="save", suggested=suggested)
    if not names:
        return None
    path = Path(names[0])
    if not path.suffix and "*." in chosen:
        path = path.with_suffix("." + chosen.split("*.", 1)[1].split(")", 1)[0].split()[0])
    return path


def ask_open_paths(parent: QWidget | None, title: str, filters: str) -> list[Path]:
    """Ask for one or more files to open; empty on cancel. Tests monkeypatch this."""
    names, _ = common.ask_files(parent, title, filters, mode="open_many")
    return [Path(n) for n in names]


# --------------------------------------------------------------------------- background work


def _title_room(window: QWidget) -> int:
    """A width, px, in which a window manager shows ``window``'s whole title: Qt adds
    " — " and the application's name to it on Linux, and the title bar has buttons. A
    progress dialog sized to a short label had its title cut ("Please…uizapp")."""
    from PySide6.QtWidgets import QApplication

    name = QApplication.applicationDisplayName()
    title = f"{window.windowTitle()} — {name}" if name else window.windowTitle()
    return max(360, window.fontMetrics().horizontalAdvance(title) + 160)


class _Relay(QObject):
    """Lives on the GUI thread; the pool thread emits ``progressed``, delivered queued."""

    progressed = Signal(int, int)


@dataclass
class ProgressTask:
    """A running :func:`run_with_progress` job: ``task`` (its ``finished``/``failed``
    signals), ``dialog`` (``None`` when shown inline), ``cancel()`` asks the work to stop
    (the services check between chunks and raise ``OperationCancelled``; a child
    process that does not stop is terminated)."""

    task: BackgroundTask | ProcessTask
    relay: _Relay
    dialog: QProgressDialog | None
    flag: dict[str, bool]

    def cancel(self) -> None:
        """Ask the work to stop at its next check."""
        self.flag["cancelled"] = True
        if isinstance(self.task, ProcessTask):
            self.task.cancel()


def cancelled_text(parent: QWidget, writes: Path | None = None) -> str:
    """What a page's status line says after the teacher cancelled a long job: "Cancelled:
    report.pdf was not written." for a job that writes ``writes`` (the work removes a
    half-written file), "Cancelled." otherwise. Translated in ``parent``'s context."""
    if writes is None:
        return parent.tr("Cancelled.")
    return parent.tr("Cancelled: {file} was not written.").format(file=writes.name)


def run_with_progress(
    parent: QWidget,
    work: Callable[[Progress, Cancelled], Any] | ChildJob,
    on_done: Callable[[Any], None],
    *,
    label: str,
    cancellable: bool = True,
    dialog: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    cancelled: Callable[[str], None] | None = None,
    writes: Path | None = None,
) -> ProgressTask:
    """Run ``work(progress, cancelled)`` on the thread pool and call ``on_done(result)``
    on the GUI thread. ``progress(done, total)`` may be called from the work (any
    thread) and moves the progress dialog (or ``on_progress``); ``cancelled()`` turns
    true when the user presses Cancel. With ``dialog`` a window-modal progress dialog
    is shown after 300 ms (busy until the first progress). Errors: a
    :class:`QuizAppError` is shown in a message box (or passed to ``on_error``);
    anything else is shown too, with its type.

    Cancel: the ``cancelled`` argument (a status line's ``setText``, say) is called
    with the one wording every page uses, :func:`cancelled_text` ("Cancelled: report.pdf
    was not written." for a job that ``writes`` that file; "Cancelled." otherwise).
    Without it the ``OperationCancelled`` goes to ``on_error``, if any, or shows nothing.

    ``work`` may instead be a :class:`~quizapp.ui.worker.ChildJob`, run in a child
    process (:func:`~quizapp.ui.worker.run_in_process`), for work that would hold up
    the GUI from a thread (exports of many rows): the same dialog, progress and Cancel."""
    flag = {"cancelled": False}
    started: list[ProgressTask] = []
    relay = _Relay(parent)
    box: QProgressDialog | None = None
    if dialog:
        box = QProgressDialog(label, parent.tr("Cancel") if cancellable else "", 0, 0, parent)
        box.setWindowTitle(parent.tr("Please wait"))
        box.setMinimumWidth(_title_room(box))
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setMinimumDuration(300)
        # Qt starts the 300 ms only from a value at the minimum; a busy dialog (range 0..0)
        # starts at -1, which left Qt's default 4 s before anything showed.
        box.setValue(0)
        box.setAutoClose(False)
        box.setAutoReset(False)
        if not cancellable:
            box.setCancelButton(None)
        box.canceled.connect(lambda: started[0].cancel() if started else None)

    def moved(done: int, total: int) -> None:
        if box is not None:
            box.setMaximum(max(total, 1))
            box.setValue(min(done, max(total, 1)))
        if on_progress is not None:
            on_progress(done, total)

    relay.progressed.connect(moved)

    def progress(done: int, total: int) -> None:
        relay.progressed.emit(int(done), int(total))

    def close() -> None:
        if box is not None:
            box.reset()
            box.hide()
            box.deleteLater()
        relay.deleteLater()

    def done(result: Any) -> None:
        close()
        on_done(result)

    def failed(error: BaseException) -> None:
        close()
        if isinstance(error, OperationCancelled):
            if cancelled is not None:
                cancelled(cancelled_text(parent, writes))
            elif on_error is not None:
                on_error(error)
            return
        if on_error is not None:
            on_error(error)
        else:
            common.show_error(parent, error)

    task: BackgroundTask | ProcessTask
    if isinstance(work, ChildJob):
        task = run_in_process(work, done, failed, on_progress=moved, context=parent)
    else:
        run = work
        task = run_in_background(
            lambda: run(progress, lambda: flag["cancelled"]), done, failed, context=parent
        )
    started.append(ProgressTask(task, relay, box, flag))
    return started[0]


# --------------------------------------------------------------------------- loading


class LatestLoad(QObject):
    """A page's data loads, run on the thread pool; only the newest one is shown.

    At 500 students × 40 attempts (400,000 responses) a teacher page's queries take
    0.1–0.3 s: run on the GUI thread on every visit, they would hold the window. With
    :meth:`start` the page keeps showing what it has (a busy cursor over it, ``loading``
    true) until the data arrive; a load started meanwhile (the teacher changed a filter)
    replaces the older one, whose result is then dropped. Errors are shown to the user.
    ``loaded`` is emitted (on the GUI thread) once the newest data are shown and no other
    load is running.
    """

    loaded = Signal()

    def __init__(self, page: QWidget, on_loading: Callable[[], None] | None = None) -> None:
        super().__init__(page)
        self._page = page
        self._on_loading = on_loading
        self._task: object | None = None  # the newest load
        self.loading = False

    def start(
        self,
        fetch: Callable[[], Any] | tuple[Callable[[], Any], ...],
        show: Callable[[Any], None],
    ) -> None:
        """Run ``fetch()`` on the pool (it must not touch widgets; services open their
        own sessions) and call ``show(result)`` on the GUI thread, unless a newer
        :meth:`start` came first. ``on_loading`` is called when loading begins.

        ``fetch`` may be a tuple of callables: they run side by side (SQLite lets go of
        the GIL while it reads, so two queries take the time of the longer one on two
        cores) and ``show`` gets the tuple of their results, in order."""
        fetches = fetch if isinstance(fetch, tuple) else (fetch,)
        results: list[Any] = [None] * len(fetches)
        waiting = set(range(len(fetches)))
        load = object()  # this load; a newer start() replaces it

        def done(index: int, result: Any) -> None:
            if self._task is not load:
                return
            results[index] = result
            waiting.discard(index)
            if waiting:
                return
            self._end()
            show(tuple(results) if isinstance(fetch, tuple) else results[0])
            if not self.loading:  # ``show`` may have started another load
                self.loaded.emit()

        def failed(error: BaseException) -> None:
            if self._task is load:
                self._end()
                common.show_error(self._page, error)

        if not self.loading:
            self.loading = True
            self._page.setCursor(Qt.CursorShape.BusyCursor)
            if self._on_loading is not None:
                self._on_loading()
        self._task = load
        for index, one in enumerate(fetches):
            run_in_background(one, partial(done, index), failed, context=self._page)

    def _end(self) -> None:
        self._task = None
        self.loading = False
        self._page.unsetCursor()


def search_row(placeholder: str) -> tuple[QHBoxLayout, QLineEdit, QLabel]:
    """A filter box (``placeholder`` is its hint and accessible name) with a count label
    beside it, as every teacher table has; returns the row, the box and the label."""
    row = QHBoxLayout()
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    edit.setAccessibleName(placeholder)
    count = QLabel("")
    row.addWidget(edit, 1)
    row.addWidget(count)
    return row, edit, count


def heading(text: str) -> QLabel:
    """A page title in the teacher area."""
    return wrap_label(text, 1.4, bold=True)


def pct_text(value: int | None) -> str:
    """A whole percent as "73%" ("–" when ``None``)."""
    return "–" if value is None else f"{value}%"


# --------------------------------------------------------------------------- review


class AttemptReviewDialog(QDialog):
    """One attempt as the student took it (the student's review screen, read-only), for
    the teacher: who, when, the score, each question expandable; a regraded question
    says so in its details ("Regraded: 0% → 100% of the marks...")."""

    def __init__(
        self,
        row: AttemptRow,
        view: dto.AttemptView,
        notes: Sequence[Any] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            self.tr("Review: {student} · {title}").format(student=row.student_name, title=row.title)
        )
        layout = QVBoxLayout(self)
        who = wrap_label(
            self.tr("{student}{klass} · started {when}").format(
                student=row.student_name,
                klass=f" ({row.class_name})" if row.class_name else "",
                when=local_datetime(row.started_at),
            ),
            1.1,
            bold=True,
        )
        layout.addWidget(who)
        self.view = ResultsView()
        answered = sum(1 for s in view.slots if s.feedback is not None)
        summary = dto.AttemptSummary(
            id=row.id,
            uuid=row.uuid,
            kind=row.kind,
            title=row.title,
            pack_id=row.pack_id,
            lesson_id=row.lesson_id,
            behaviour=view.behaviour,
            started_at=row.started_at,
            finished_at=row.finished_at,
            answered=answered,
            total=len(view.slots),
            marks=row.marks,
            max_marks=row.max_marks,
            percent=row.percent,
            duration_s=row.duration_s or 0.0,
            quiz_id=row.quiz_id,
        )
        self.view.set_results(summary, view, review_mode=True)
        self.view.retry_button.hide()
        self.view.home_button.hide()
        self.view.back_button.hide()
        self.view.review_heading.setText(
            self.tr("The student's answers (click a question to see it in full)")
        )
        if row.state != "finished":
            self.view.detail_label.setText(
                self.view.detail_label.text() + self.tr(" · not finished yet")
            )
        self.notes_label = wrap_label("")
        self.notes_label.hide()
        self._add_notes(notes)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.view, 1)
        close = common.primary_button(self.tr("Close"), "x")
        close.clicked.connect(self.accept)
        close.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.resize(820, 640)

    def _add_notes(self, notes: Sequence[Any]) -> None:
        lines = []
        for note in notes:
            text = self.tr(
                "Regraded: {old}% → {new}% of the marks (asked as revision {asked}, "
                "marked with the corrected revision {used}, {when})."
            ).format(
                old=round(100 * note.original_fraction),
                new=round(100 * note.fraction),
                asked=note.asked_revision,
                used=note.regraded_with_revision,
                when=local_datetime(note.regraded_at),
            )
            lines.append(self.tr("Question {n}: {text}").format(n=note.slot, text=text))
            if 1 <= note.slot <= len(self.view.items):
                item = self.view.items[note.slot - 1]
                label = wrap_label("⚠ " + text, bold=True)
                details = item.details.layout()
                if details is not None:
                    details.addWidget(label)
                item.toggle.setToolTip(text)
        if lines:
            self.notes_label.setText("\n".join(lines))
            self.notes_label.show()


def open_review(parent: QWidget, services: Services, row: AttemptRow) -> AttemptReviewDialog | None:
    """Open ``row``'s attempt for review in a window-modal dialog (not blocking); shows
    an error box and returns ``None`` when it cannot be read."""
    from quizapp.services.regrade import regrade_notes

    sessions = sessions_of(services)
    try:
        view = ResultsService(sessions).review(row.id)
        notes = regrade_notes(sessions, row.id)
    except QuizAppError as error:
        common.show_error(parent, error)
        return None
    dialog = AttemptReviewDialog(row, view, notes, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    common.rescale_fonts(dialog)
    dialog.open()
    return dialog


# --------------------------------------------------------------------------- filters


class FilterBar(QWidget):
    """Course, lesson or quiz, class and an optional date range; emits ``changed``.

    :meth:`current_filter` gives the :class:`ResultsFilter` (dates are whole local days,
    converted to UTC: from the start of the first to the end of the last)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quizzes: list[QuizInfo] = []
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.pack_combo = QComboBox()
        self.pack_combo.setAccessibleName(self.tr("Course"))
        self.quiz_combo = QComboBox()
        self.quiz_combo.setAccessibleName(self.tr("Lesson or quiz"))
        self.class_combo = QComboBox()
        self.class_combo.setAccessibleName(self.tr("Class"))
        # Sized by a few characters, not by their longest entry (a long course or class
        # name made the bar, and the window, wider than a 1024-px screen); the lists
        # show entries whole, and the current one is whole in the tooltip.
        for combo, chars in ((self.pack_combo, 10), (self.quiz_combo, 14), (self.class_combo, 6)):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(chars)
            combo.currentTextChanged.connect(combo.setToolTip)
        self.dates_check = QCheckBox(self.tr("Only from"))
        self.dates_check.setToolTip(self.tr("Only attempts started between these two days"))
        today = QDate.currentDate()
        self.since_edit = QDateEdit(today.addDays(-30))
        self.until_edit = QDateEdit(today)
        for edit, name in ((self.since_edit, "First day"), (self.until_edit, "Last day")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(self.tr(name))
            edit.setEnabled(False)
        for col, (text, widget) in enumerate(
            (
                (self.tr("Course"), self.pack_combo),
                (self.tr("Lesson or quiz"), self.quiz_combo),
                (self.tr("Class"), self.class_combo),
            )
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 0, col)
            grid.addWidget(widget, 1, col)
        self.dates_box = QWidget()  # its label above its row, beside the boxes or under them
        dates_layout = QGridLayout(self.dates_box)
        dates_layout.setContentsMargins(0, 0, 0, 0)
        dates_layout.addWidget(QLabel(self.tr("Dates")), 0, 0, 1, 4)
        for col, part in enumerate(
            (self.dates_check, self.since_edit, QLabel(self.tr("to")), self.until_edit)
        ):
            dates_layout.addWidget(part, 1, col)
        dates_layout.setColumnStretch(4, 1)
        dates_layout.setRowStretch(2, 1)  # any spare height below: "Dates" level with "Class"
        self._grid = grid
        self._dates_below = False
        grid.addWidget(self.dates_box, 0, 3, 2, 1)
        grid.setColumnStretch(1, 1)
        self.set_options([], [])
        self.pack_combo.currentIndexChanged.connect(self._on_pack_changed)
        self.quiz_combo.currentIndexChanged.connect(self.changed)
        self.class_combo.currentIndexChanged.connect(self.changed)
        self.dates_check.toggled.connect(self._on_dates_toggled)
        self.since_edit.dateChanged.connect(self.changed)
        self.until_edit.dateChanged.connect(self.changed)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the wider of its two rows: the dates go under the boxes when
        both do not fit side by side (on a 1024-px screen they did not)."""
        hint = super().minimumSizeHint()
        narrow = max(self._boxes_width(), self.dates_box.minimumSizeHint().width())
        return QSize(min(hint.width(), narrow), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        side_by_side = self._boxes_width() + self.dates_box.minimumSizeHint().width()
        below = event.size().width() < side_by_side
        if below != self._dates_below:
            self._dates_below = below
            self._grid.removeWidget(self.dates_box)
            if below:
                self._grid.addWidget(self.dates_box, 2, 0, 1, 3)
            else:
                self._grid.addWidget(self.dates_box, 0, 3, 2, 1)

    def _boxes_width(self) -> int:
        """The least width of the Course, Lesson or quiz and Class boxes in a row, with
        the spacing after each."""
        spacing = max(self._grid.horizontalSpacing(), 0)
        return sum(
            combo.minimumSizeHint().width() + spacing
            for combo in (self.pack_combo, self.quiz_combo, self.class_combo)
        )

    def set_options(self, quizzes: Sequence[QuizInfo], classes: Sequence[ClassInfo]) -> None:
        """Fill the combos (keeping the current choices when they still exist)."""
        keep_pack = self.pack_combo.currentData()
        keep_quiz = self.quiz_combo.currentData()
        keep_class = self.class_combo.currentData()
        self._quizzes = list(quizzes)
        for combo in (self.pack_combo, self.class_combo):
            combo.blockSignals(True)
            combo.clear()
        self.pack_combo.addItem(self.tr("All courses"), None)
        seen: set[int] = set()
        for q in quizzes:
            if q.pack_id not in seen:
                seen.add(q.pack_id)
                self.pack_combo.addItem(q.pack_title, q.pack_id)
        self.class_combo.addItem(self.tr("All classes"), None)
        for c in classes:
            self.class_combo.addItem(c.name, c.id)
        for combo, keep in ((self.pack_combo, keep_pack), (self.class_combo, keep_class)):
            index = combo.findData(keep)
            combo.setCurrentIndex(max(0, index))
            combo.blockSignals(False)
        self._fill_quizzes(keep_quiz)

    def _fill_quizzes(self, keep: QuizRef | None) -> None:
        pack = self.pack_combo.currentData()
        self.quiz_combo.blockSignals(True)
        self.quiz_combo.clear()
        self.quiz_combo.addItem(self.tr("All lessons and quizzes"), None)
        for q in self._quizzes:
            if pack is None or q.pack_id == pack:
                self.quiz_combo.addItem(q.title, q.ref)
        index = self.quiz_combo.findData(keep) if keep is not None else 0
        self.quiz_combo.setCurrentIndex(max(0, index))
        self.quiz_combo.blockSignals(False)

    def select_quiz(self, ref: QuizRef) -> None:
        """Choose one quiz (tests, and the statistics page's "see attempts")."""
        index = self.quiz_combo.findData(ref)
        if index >= 0:
            self.quiz_combo.setCurrentIndex(index)

    def select_class(self, class_id: int | None) -> None:
        """Choose one class (``None``: all)."""
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(class_id)))

    def set_dates(self, first: date | None, last: date | None) -> None:
        """Limit to attempts started from ``first`` to ``last`` (local days); ``None``: no limit."""
        if first is None or last is None:
            self.dates_check.setChecked(False)
            return
        self.since_edit.setDate(QDate(first.year, first.month, first.day))
        self.until_edit.setDate(QDate(last.year, last.month, last.day))
        self.dates_check.setChecked(True)

    def current_filter(self) -> ResultsFilter:
        """The filter the controls describe."""
        since = until = None
        if self.dates_check.isChecked():
            first = _qdate(self.since_edit.date())
            last = _qdate(self.until_edit.date())
            since = _local_midnight(first)
            until = _local_midnight(last + timedelta(days=1))
        return ResultsFilter(
            pack_id=self.pack_combo.currentData(),
            quiz=self.quiz_combo.currentData(),
            class_id=self.class_combo.currentData(),
            since=since,
            until=until,
        )

    def describe(self) -> str:
        """The filter in words ("Test course, 7B"), for report titles; "" when no filter
        is set."""
        parts = []
        for combo in (self.pack_combo, self.quiz_combo, self.class_combo):
            if combo.currentData() is not None:
                parts.append(combo.currentText())
        if self.dates_check.isChecked():
            parts.append(
                f"{self.since_edit.date().toString('d MMM yyyy')} – "
                f"{self.until_edit.date().toString('d MMM yyyy')}"
            )
        return ", ".join(parts)

    def _on_pack_changed(self) -> None:
        self._fill_quizzes(None)
        self.changed.emit()

    def _on_dates_toggled(self, on: bool) -> None:
        self.since_edit.setEnabled(on)
        self.until_edit.setEnabled(on)
        self.changed.emit()


def _qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _local_midnight(day: date) -> datetime:
    """The start of local day ``day`` as an aware UTC datetime."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


# --------------------------------------------------------------------------- the page


class ResultsPage(QWidget):
    """Students and their attempts, filtered; reviews; exports and the PDF report.

    Built on ``services.database.sessions`` (``ResultsService``, ``ClassService``).
    ``refresh()`` reloads everything (the teacher area calls it when the page is shown),
    in the background (``loader``, a :class:`LatestLoad`).
    """

    STUDENT_HEADERS = (
        "Student",
        "Class",
        "Attempts",
        "Best",
        "Last",
        "Average",
        "Time spent",
        "Last active",
    )
    ATTEMPT_HEADERS = ("Started", "Lesson or quiz", "Score", "Percent", "Duration", "State")

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from quizapp.services.classes import ClassService

        self.services = services
        self.results = ResultsService(sessions_of(services))
        self.classes = ClassService(sessions_of(services))
        self.students: list[StudentOverview] = []
        self.attempts: list[AttemptRow] = []
        self.review_dialog: AttemptReviewDialog | None = None
        self.last_task: ProgressTask | None = None
        self.last_export: Path | None = None
        self.loader = LatestLoad(self, self._on_loading)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(heading(self.tr("Results")), 1)
        self.export_button = button(
            self.tr("Export…"), "download", self.tr("Save these results as CSV or XLSX")
        )
        self.export_menu = QMenu(self)
        self.export_attempts_action = self.export_menu.addAction(
            self.tr("Attempts (one row per attempt)…")
        )
        self.export_responses_action = self.export_menu.addAction(
            self.tr("Responses (one row per student and question)…")
        )
        self.export_button.setMenu(self.export_menu)
        self.report_button = button(
            self.tr("Print report (PDF)…"),
            "file-text",
            self.tr("A printable results report of these students and attempts"),
        )
        self.refresh_button = button(self.tr("Refresh"), "rotate-ccw", self.tr("Reload (F5)"))
        self.refresh_button.setShortcut("F5")
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        top.addWidget(self.report_button)
        outer.addLayout(top)
        self.filters = FilterBar()
        outer.addWidget(self.filters)
        self.stack = QStackedWidget()
        self.empty_label = wrap_label(
            self.tr(
                "No attempts yet: students' results appear here after their first quiz. "
                "Results from other classroom computers can be brought in with "
                "“Merge results”."
            ),
            1.15,
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty_label)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        row, self.search_edit, self.count_label = search_row(self.tr("Find a student"))
        body_layout.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.students_table = DataTable(self.STUDENT_HEADERS)
        self.students_table.setAccessibleName(self.tr("Students"))
        cap_column(self.students_table, 1)  # a long class name hid the scores
        splitter.addWidget(self.students_table)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 4, 0, 0)
        self.detail_label = wrap_label(
            self.tr("Choose a student to see their attempts."), bold=True
        )
        detail_layout.addWidget(self.detail_label)
        self.attempts_table = DataTable(self.ATTEMPT_HEADERS)
        self.attempts_table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.attempts_table.setAccessibleName(self.tr("Attempts of the chosen student"))
        self.attempts_table.setToolTip(self.tr("Double-click or press Enter to review an attempt"))
        detail_layout.addWidget(self.attempts_table, 1)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        body_layout.addWidget(splitter, 1)
        self.stack.addWidget(body)
        outer.addWidget(self.stack, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.filters.changed.connect(self._on_filters_changed)
        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.students_table.selectionModel().selectionChanged.connect(
            self._on_students_table_selection_changed
        )
        self.attempts_table.row_activated.connect(self._on_attempts_table_row_activated)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_attempts_action.triggered.connect(lambda: self.export("attempts"))
        self.export_responses_action.triggered.connect(lambda: self.export("responses"))
        self.report_button.clicked.connect(self.print_report)

    # ------------------------------------------------------------ data

    def refresh(self) -> None:
        """Reload the filter options, the students and the selected student's attempts
        (in the background: see the class docstring)."""
        f = self.filter()
        results, classes = self.results, self.classes
        self.loader.start(
            (
                lambda: (results.quizzes(), classes.list_classes()),
                lambda: results.students_overview(f),
            ),
            lambda loaded: self._on_refreshed(f, loaded[0][0], loaded[0][1], loaded[1]),
        )

    def _load_students(self) -> None:
        """Reload the students for the current filter (in the background)."""
        f = self.filter()
        results = self.results
        self.loader.start(lambda: results.students_overview(f), self._show_students)

    def _on_loading(self) -> None:
        if not self.students:
            self.count_label.setText(self.tr("Loading…"))

    def _on_refreshed(
        self,
        asked: ResultsFilter,
        quizzes: list[QuizInfo],
        classes: list[ClassInfo],
        students: list[StudentOverview],
    ) -> None:
        self.filters.blockSignals(True)
        self.filters.set_options(quizzes, classes)
        self.filters.blockSignals(False)
        self.stack.setCurrentIndex(1 if quizzes else 0)
        if self.filter() == asked:
            self._show_students(students)
        else:  # a chosen quiz, course or class is gone: the students of what is chosen now
            self._load_students()

    def _show_students(self, students: list[StudentOverview]) -> None:
        keep = self.selected_student_id()
        self.students = students
        never = self.tr("never")
        rows = []
        for s in students:
            rows.append(
                (
                    cell(s.name),
                    cell(s.class_name or "–"),
                    number_cell(s.attempts),
                    number_cell(s.best_percent, pct_text(s.best_percent)),
                    number_cell(s.last_percent, pct_text(s.last_percent)),
                    number_cell(s.average_percent, pct_text(s.average_percent)),
                    number_cell(s.time_spent_s, format_duration(s.time_spent_s)),
                    cell(
                        local_datetime(s.last_active) if s.last_active else never,
                        s.last_active.timestamp() if s.last_active else float("-inf"),
                    ),
                )
            )
        self.students_table.set_rows(rows, [s.student_id for s in students])
        self._update_count()
        if keep is not None:
            self.select_student(keep)
        else:
            self._show_attempts(None)

    def filter(self) -> ResultsFilter:
        """The current filter (the controls above the table)."""
        return self.filters.current_filter()

    def _update_count(self) -> None:
        shown = self.students_table.proxy.rowCount()
        total = len(self.students)
        took = sum(1 for s in self.students if s.attempts)
        text = self.tr("{n} students").format(n=shown) if shown != 1 else self.tr("1 student")
        if shown != total:
            text += self.tr(" (of {total})").format(total=total)
        text += self.tr(" · {took} with attempts").format(took=took)
        self.count_label.setText(text)

    def selected_student_id(self) -> int | None:
        """The id of the selected student, or ``None``."""
        row = self.students_table.current_source_row()
        return None if row is None else int(self.students_table.row_id(row))

    def select_student(self, student_id: int) -> bool:
        """Select a student's row (shows their attempts); False when not listed."""
        for r in range(self.students_table.proxy.rowCount()):
            if self.students_table.row_id(self.students_table.source_row(r)) == student_id:
                self.students_table.selectRow(r)
                return True
        self._show_attempts(None)
        return False

    def _show_attempts(self, student_id: int | None) -> None:
        if student_id is None:
            self.attempts = []
            self.attempts_table.set_rows([])
            self.detail_label.setText(self.tr("Choose a student to see their attempts."))
            return
        attempts = common.guarded(
            self, lambda: self.results.student_attempts(student_id, self.filter())
        )
        if attempts is None:
            return
        self.attempts = attempts
        name = next((s.name for s in self.students if s.student_id == student_id), "")
        self.detail_label.setText(
            self.tr("Attempts of {name}: {n}").format(name=name, n=len(attempts))
            if attempts
            else self.tr("{name} has no attempts matching these filters yet.").format(name=name)
        )
        finished, in_progress = self.tr("finished"), self.tr("in progress")
        rows = []
        for a in attempts:
            rows.append(
                (
                    cell(local_datetime(a.started_at), a.started_at.timestamp()),
                    cell(a.title),
                    number_cell(a.marks, f"{format_marks(a.marks)} / {format_marks(a.max_marks)}"),
                    number_cell(a.percent, pct_text(a.percent)),
                    number_cell(
                        a.duration_s,
                        format_duration(a.duration_s) if a.duration_s is not None else "–",
                    ),
                    cell(finished if a.state == "finished" else in_progress),
                )
            )
        self.attempts_table.set_rows(rows, [a.id for a in attempts])

    def open_attempt(self, attempt_id: int) -> AttemptReviewDialog | None:
        """Open one of the listed attempts for review (non-blocking dialog)."""
        row = next((a for a in self.attempts if a.id == attempt_id), None)
        if row is None:
            return None
        self.review_dialog = open_review(self, self.services, row)
        return self.review_dialog

    # ------------------------------------------------------------ exports

    def export(self, what: str) -> ProgressTask | None:
        """Ask for a file and export the ``"attempts"`` or ``"responses"`` of the current
        filter to it (CSV or XLSX by its suffix), in the background."""
        from quizapp.services import exports

        stamp = datetime.now().strftime("%Y-%m-%d")
        path = ask_save_path(
            self,
            self.tr("Export {what}").format(what=what),
            f"quizapp-{what}-{stamp}.csv",
            "CSV (*.csv);;Excel workbook (*.xlsx)",
        )
        if path is None:
            return None
        # In a child process: 400,000 response rows take seconds of Python that, in a
        # thread, would now and then hold the GIL long enough to freeze the window.
        job = ChildJob(
            exports.export_from_database, (self.services.database.url, what, path, self.filter())
        )

        def done(rows: int) -> None:
            self.last_export = path
            self.count_label.setText(
                self.tr("Saved {n} rows to {file}").format(n=common.count(rows), file=path.name)
            )

        self._update_count()  # not the last export's "Saved …" while this one runs
        self.last_task = run_with_progress(
            self,
            job,
            done,
            label=self.tr("Exporting {what}…").format(what=what),
            cancelled=self.count_label.setText,
            writes=path,
        )
        return self.last_task

    def print_report(self) -> ProgressTask | None:
        """Ask for a PDF file and print the results report of the current filter to it,
        in a child process (laying out pages of tables in a thread held up the window),
        with the pages printed as progress and Cancel (which leaves no file)."""
        from PySide6.QtGui import QGuiApplication

        from quizapp.ui.printing import print_results_report_from_database

        path = ask_save_path(
            self,
            self.tr("Print results report"),
            f"quizapp-results-{datetime.now():%Y-%m-%d}.pdf",
            "PDF (*.pdf)",
        )
        if path is None:
            return None
        what = self.filters.describe()  # "Results: All results" said it twice
        title = self.tr("Results: {what}").format(what=what) if what else self.tr("Results")
        # The line under the title: the filter is in the title already, in names (the
        # service's own description would give database ids: "pack 3, class 2").
        covers = self.tr("Finished attempts") if what else self.tr("All finished attempts")
        font = QGuiApplication.font().family()  # the child's offscreen Qt has its own
        job = ChildJob(
            print_results_report_from_database,
            (self.services.database.url, self.filter(), title, path, font, covers),
        )

        def done(pages: int) -> None:
            self.last_export = path
            self.count_label.setText(
                self.tr("Saved the report to {file} ({pages})").format(
                    file=path.name,
                    pages=common.counted(pages, self.tr("page"), self.tr("pages")),
                )
            )

        self._update_count()  # not the last job's "Cancelled…" or "Saved…" while this one runs
        self.last_task = run_with_progress(
            self,
            job,
            done,
            label=self.tr("Printing the report…"),
            cancelled=self.count_label.setText,
            writes=path,
        )
        return self.last_task

    # ------------------------------------------------------------ slots

    def _on_filters_changed(self) -> None:
        self._load_students()

    def _on_search_edit_text_changed(self, text: str) -> None:
        self.students_table.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _on_students_table_selection_changed(self, *_: object) -> None:
        self._show_attempts(self.selected_student_id())

    def _on_attempts_table_row_activated(self, source_row: int) -> None:
        self.open_attempt(int(self.attempts_table.row_id(source_row)))

    def on_shown(self) -> None:
        """The teacher area shows this page: reload."""
        self.refresh()


def register_pages(area: Any, services: Services) -> dict[str, QWidget]:
    """Add the results pages to the teacher area ``area`` (anything with
    ``add_page(title, icon, widget)``), in this order: Results, Statistics, Students,
    Paper quiz, Other computers. Returns the pages by name (``results``,
    ``statistics``, ``students``, ``print``, ``merge``)."""
    from quizapp.ui.teacher.merge_page import MergePage
    from quizapp.ui.teacher.print_page import PrintPage
    from quizapp.ui.teacher.statistics_page import StatisticsPage
    from quizapp.ui.teacher.students_page import StudentsPage

    tr = area.tr if hasattr(area, "tr") else (lambda text: text)
    pages: dict[str, QWidget] = {
        "results": ResultsPage(services),
        "statistics": StatisticsPage(services),
        "students": StudentsPage(services),
        "print": PrintPage(services),
        "merge": MergePage(services),
    }
    for (title, icon_name), page in zip(
        (
            (tr("Results"), "clipboard-list"),
            (tr("Statistics"), "eye"),
            (tr("Students"), "users"),
            (tr("Paper quiz"), "file-text"),
            (tr("Merge results"), "download"),
        ),
        pages.values(),
        strict=True,
    ):
        area.add_page(title, icon_name, page)
    return pages


__all__ = [
    "AttemptReviewDialog",
    "DataTable",
    "FilterBar",
    "LatestLoad",
    "ProgressTask",
    "ResultsPage",
    "ask_open_paths",
    "ask_save_path",
    "open_review",
    "register_pages",
    "run_with_progress",
]
