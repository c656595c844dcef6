"""Printing to PDF with Qt: the results report and paper quizzes (with answer keys).

The services build plain print models (:class:`quizapp.services.exports.ResultsReport`,
:class:`quizapp.services.print_model.PaperQuiz`); this module lays them out as HTML in a
``QTextDocument`` and prints that to a ``QPdfWriter`` (A4, 15 mm margins). Page breaks
use the ``page-break-before: always`` property, which Qt's rich text honours when
printing. Every text from the database (names, questions, explanations) is escaped, so
nothing in it is taken as markup.

The PDF is written under a temporary name next to its target and renamed when complete,
so a failed or cancelled print leaves no half-written file. Qt lays text out and paints
PDFs in any thread (its text classes and ``QPainter`` on a ``QPdfWriter`` are reentrant),
but laying out a long table is one C++ call that, from a thread, held up the window for
160-260 ms at a time (measured with a 10 ms timer probe, 2 cores): the Results page and
the Paper quiz page therefore print in a child process
(:func:`print_results_report_from_database`,
:func:`print_paper_quizzes_from_database`, both :func:`print_from_database` with their
own builder), which reads the database itself and makes its own offscreen
``QGuiApplication`` for the fonts. A report of 1,000 attempts takes a few seconds, a
200-question paper quiz in versions A and B about three.
"""

from __future__ import annotations

import html
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPalette,
    QPdfWriter,
    QTextDocument,
    QTextTable,
)

from quizapp.domain.model import TextFormat
from quizapp.domain.scoring import format_marks
from quizapp.ui.common import plural

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from quizapp.services.exports import ResultsReport
    from quizapp.services.print_model import PaperQuiz
    from quizapp.services.results import ResultsFilter
    from quizapp.services.statistics_report import QuizStatisticsReport

_Model = TypeVar("_Model")

PAGE_BREAK = '<p style="page-break-before: always; margin: 0"></p>'
"""An empty paragraph that starts a new page when printed."""

KEEP_TOGETHER = "<!--keep-together-->"
"""Put just before an ``<h2>`` heading followed by a table: :func:`write_pdf` starts the
heading on a new page when heading and table would not fit together on the page they
start on (and would fit on one page)."""

ROWS_BEGIN = "<!--rows-->"
"""Opens a table whose rows are each kept on one page (:func:`_table` with
``keep_rows``): the table's opening tag and header, then each body row after a
:data:`ROW` mark, then :data:`ROWS_END` and ``</table>``. :func:`write_pdf` cuts such a
table where a row would be split across two pages (Qt's layout moves a row to the next
page only when none of its cells' text fits, and splits a row of wrapped lines) and
goes on with the rest of it, under the same header, on the next page."""
ROW = "<!--row-->"
ROWS_END = "<!--/rows-->"
TABLE_BREAK = '<p style="page-break-before: always; margin: 0; font-size: 1pt"></p>'
"""The page break between two parts of a cut table: a 1 pt empty paragraph (an empty
paragraph is as tall as its font), so the continued table starts at the top of the page."""

_STYLE = """
h1 { font-size: 15pt; margin-bottom: 4px; }
h2 { font-size: 13pt; margin-top: 14px; margin-bottom: 4px; }
p.meta { color: #444444; margin-top: 0; }
table.grid { border-collapse: collapse; }
table.grid th {
    background-color: #e8e8e8; font-weight: bold; text-align: left; white-space: nowrap;
}
td.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
table.report { font-size: 9pt; }
table.grid th.num { text-align: right; }
span.instruction { font-style: italic; font-weight: normal; }
p.prompt { font-weight: bold; margin-top: 9px; margin-bottom: 1px; }
p.choice { margin-left: 18px; margin-top: 0; margin-bottom: 0; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _inline_html(text: str, text_format: TextFormat) -> str:
    """Question content as HTML to put inside a paragraph or a table cell: plain text
    escaped (``<b>`` prints as ``<b>``), Markdown and HTML as the services' inert subset
    (:func:`quizapp.services.display.display_html`), paragraphs turned into line breaks."""
    from quizapp.services.display import display_html

    rich = display_html(text, text_format)
    if rich is None:
        return _e(text)
    rich = rich.replace("<p>", "").replace("</p>", "<br>").strip()
    while rich.endswith("<br>"):
        rich = rich[: -len("<br>")].rstrip()
    return rich


def _local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%d %b %Y, %H:%M")


def _local_date(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%d %b %Y")


def _pct(value: int | float | None) -> str:
    return "–" if value is None else f"{value:.0f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: set[int],
    html_columns: frozenset[int] = frozenset(),
    *,
    nowrap: frozenset[int] = frozenset(),
    widths: Sequence[str | None] | None = None,
    css_class: str = "grid",
    keep_rows: bool = False,
) -> str:
    """A bordered table; cells are escaped, except in ``html_columns`` (already HTML).
    Columns in ``numeric`` are right-aligned and, with those in ``nowrap``, never wrap.
    ``widths``: each column's HTML width (``"60"`` pixels at 96 dpi, ``"30%"`` of the
    table), ``None`` to share what the others leave. ``css_class``: the table's classes
    in :data:`_STYLE`. With ``keep_rows`` no row is split across two pages
    (:data:`ROWS_BEGIN`, :func:`write_pdf`)."""

    NUM, NOWRAP = ' class="num"', ' class="nowrap"'

    def width(i: int) -> str:
        share = None if widths is None else widths[i]
        return "" if share is None else f' width="{share}"'

    head = "".join(
        f"<th{NUM if i in numeric else ''}{width(i)}>{_e(h)}</th>" for i, h in enumerate(headers)
    )
    body = [
        "<tr>"
        + "".join(
            f'<td class="num">{_e(v)}</td>'
            if i in numeric
            else f"<td{NOWRAP if i in nowrap else ''}>{v if i in html_columns else _e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    ]
    opening = (
        f'<table class="{css_class}" border="1" cellspacing="0" cellpadding="4" width="100%">'
        f"<thead><tr>{head}</tr></thead>"
    )
    if keep_rows:
        return ROWS_BEGIN + opening + "".join(ROW + r for r in body) + ROWS_END + "</table>"
    return opening + "".join(body) + "</table>"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


# --------------------------------------------------------------------------- writer


PAGE_MARGIN_MM = 5.0
"""The PDF's own page margin; ``QTextDocument.print_`` adds 2 cm inside it (its frame
margin, where the page number goes), so the text sits 25 mm from each edge."""


FRAME_MARGIN_PX = int((2 / 2.54) * 96)
"""``QTextDocument.print_``'s 2 cm frame margin, in Qt's default 96 dpi pixels (the layout
scales frame margins to the device)."""


def _document(document_html: str, writer: QPdfWriter | None = None) -> QTextDocument:
    """``document_html`` in a ``QTextDocument`` (10 pt body text, :data:`_STYLE`); with
    ``writer``, laid out as ``QTextDocument.print_`` lays a document out for it (its page
    size in device pixels, a 2 cm frame margin). The page size, margin and paint device
    are set before the HTML: each change of them lays a laid-out document out again
    (a 1,000-row table: 1.5 s of CPU this way, 2.1-2.5 s setting them after)."""
    doc = QTextDocument()
    font = QFont()
    font.setPointSizeF(10.0)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(_STYLE)
    if writer is not None:
        doc.setDocumentMargin(FRAME_MARGIN_PX)  # the root frame's margin, kept by setHtml
        doc.documentLayout().setPaintDevice(writer)
        doc.setPageSize(QSizeF(writer.width(), writer.height()))
    doc.setHtml(document_html)
    return doc


def _kept_together(document_html: str, writer: QPdfWriter) -> str:
    """``document_html`` with each :data:`KEEP_TOGETHER` mark replaced by a page break
    where the heading and table after it would be split across two pages (and would fit
    on one), else removed. Marks are settled one at a time, in order, since a break moves
    everything after it."""
    while KEEP_TOGETHER in document_html:
        head, tail = document_html.split(KEEP_TOGETHER, 1)
        probe = _document(head + tail.replace(KEEP_TOGETHER, ""), writer)
        page = float(writer.height())
        layout = probe.documentLayout()
        # The marked heading is the first non-empty block after the text before the mark.
        start = _document(head).characterCount() - 1
        block = probe.findBlock(start)
        while block.isValid() and (block.position() < start or not block.text()):
            block = block.next()
        if not block.isValid():
            return head + tail
        top = layout.blockBoundingRect(block).top()
        table = next(
            (f for f in probe.rootFrame().childFrames() if f.firstPosition() >= block.position()),
            None,
        )
        bottom = layout.frameBoundingRect(table).bottom() if table is not None else top
        split = int(top // page) != int((bottom - 1) // page)
        fits = bottom - top < page * 0.8
        document_html = head + (PAGE_BREAK if split and fits else "") + tail
    return document_html


PROBE_ROWS = 64
"""Rows laid out at first to find where a page of a :data:`ROWS_BEGIN` table ends (a
page of 10 pt text holds about 45 one-line rows); doubled until a page is full."""


def _rows_on_first_page(
    prefix: str, opening: str, rows: Sequence[str], writer: QPdfWriter, guess: int = PROBE_ROWS
) -> int:
    """How many of ``rows`` (a table's body rows, ``opening`` its tag and header) lie
    whole on the page where the first of them starts, ``prefix`` printed before them;
    ``len(rows)`` when they all do. Lays out ``prefix`` and ``guess`` rows, twice as
    many until they fill that page."""
    count = max(1, guess)
    page = float(writer.height())
    while True:
        probe = _document(prefix + opening + "".join(rows[:count]) + "</table>", writer)
        layout = probe.documentLayout()
        table = probe.rootFrame().childFrames()[-1]
        assert isinstance(table, QTextTable)
        header = table.format().headerRowCount()
        first_page: int | None = None
        for r in range(header, table.rows()):
            top, bottom = float("inf"), float("-inf")
            for c in range(table.columns()):
                cell = table.cellAt(r, c)
                block = probe.findBlock(cell.firstPosition())
                while block.isValid() and block.position() <= cell.lastPosition():
                    rect = layout.blockBoundingRect(block)
                    top, bottom = min(top, rect.top()), max(bottom, rect.bottom())
                    block = block.next()
            if first_page is None:
                first_page = int(top // page)
            if int(top // page) != first_page or int((bottom - 1) // page) != first_page:
                return r - header
        if count >= len(rows):
            return len(rows)
        count *= 2


def _rows_kept_whole(document_html: str, writer: QPdfWriter) -> str:
    """``document_html`` with each :data:`ROWS_BEGIN` table cut into one table per page,
    each under the same header, so that no row is split across two pages; a row
    taller than a page is left to Qt (split). Tables are settled in order, each page
    measured on the printer's own layout: the text since the last page break before the
    table and a page of rows the first time, then a page of rows at a time."""
    while ROWS_BEGIN in document_html:
        head, rest = document_html.split(ROWS_BEGIN, 1)
        inner, tail = rest.split(ROWS_END, 1)
        opening, *rows = inner.split(ROW)
        parts = [head]
        # What follows a page break is laid out from the top of a page whatever came
        # before: only the text since the last one is needed to place the table.
        cut = max(head.rfind(PAGE_BREAK), head.rfind(TABLE_BREAK))
        prefix, start = (head if cut < 0 else head[cut:]), 0
        continued, fits = False, 0  # continued: on a page of its own after a TABLE_BREAK
        if not rows:
            parts.append(opening + "</table>")
        while start < len(rows):
            # A page holds about as many rows as the last one: lay out a few more.
            guess = fits + 8 if continued else PROBE_ROWS
            fits = _rows_on_first_page(prefix, opening, rows[start:], writer, guess)
            if fits == 0 and continued:
                fits = 1  # taller than a page on its own: no page would hold it whole
            if fits:
                parts.append(opening + "".join(rows[start : start + fits]) + "</table>")
            start += fits
            if start < len(rows):
                parts.append(TABLE_BREAK)
            prefix, continued = TABLE_BREAK, True
        document_html = "".join(parts) + tail.removeprefix("</table>")
    return document_html


def _print_pages(
    doc: QTextDocument,
    writer: QPdfWriter,
    progress: Callable[[int, int], None] | None,
    cancelled: Callable[[], bool] | None,
) -> int:
    """Paint ``doc`` (laid out for ``writer`` by :func:`_document`) page by page, with
    its page number at the bottom right, as ``QTextDocument.print_`` does for a document
    without a page size, but calling ``progress(page, pages)`` after each page and
    stopping with :class:`~quizapp.services.results.OperationCancelled` when
    ``cancelled()`` turns true. Returns the number of pages."""
    from quizapp.services.results import OperationCancelled

    layout = doc.documentLayout()
    pages = doc.pageCount()  # lays the whole document out (one long C++ call)
    if cancelled is not None and cancelled():
        raise OperationCancelled("Cancelled; nothing was written.")
    width, height = float(writer.width()), float(writer.height())
    scale_x = writer.logicalDpiX() / 96
    scale_y = writer.logicalDpiY() / 96
    font = QFont(doc.defaultFont())
    number_at = QPointF(
        width - FRAME_MARGIN_PX * scale_x,
        height
        - FRAME_MARGIN_PX * scale_y
        + QFontMetricsF(font, writer).ascent()
        + 5 * writer.logicalDpiY() / 72.0,
    )
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError("The PDF could not be started.")
    try:
        metrics = painter.fontMetrics
        for index in range(pages):
            if index:
                writer.newPage()
            view = QRectF(0, index * height, width, height)
            painter.save()
            painter.translate(0, -index * height)
            painter.setClipRect(view)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = view
            palette = context.palette
            palette.setColor(QPalette.ColorRole.Text, Qt.GlobalColor.black)
            context.palette = palette
            layout.draw(painter, context)
            painter.setClipping(False)
            painter.setFont(font)
            number = str(index + 1)
            painter.drawText(
                QPointF(
                    round(number_at.x() - metrics().horizontalAdvance(number)),
                    round(number_at.y() + view.top()),
                ),
                number,
            )
            painter.restore()
            if progress is not None:
                progress(index + 1, pages)
            if cancelled is not None and cancelled():
                raise OperationCancelled("Cancelled; nothing was written.")
    finally:
        painter.end()
    return pages


def pdf_writer(path: Path, title: str) -> QPdfWriter:
    """The PDF writer of :func:`write_pdf` for ``path``: A4 portrait, 300 dpi,
    :data:`PAGE_MARGIN_MM` margins (the file is made when painting starts)."""
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("quizapp")
    writer.setResolution(300)
    margin = PAGE_MARGIN_MM
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(margin, margin, margin, margin),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer


def write_pdf(
    document_html: str,
    path: Path,
    title: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Print ``document_html`` to the PDF ``path`` (A4 portrait, text 25 mm from the edges,
    page numbers, 10 pt body text), atomically, with the permissions the user's umask
    gives a new file. A heading marked :data:`KEEP_TOGETHER` starts a new page rather than
    be split from its table. ``progress(pages_done, pages)`` is called after each page;
    when ``cancelled()`` turns true (checked after the layout and after each page)
    :class:`~quizapp.services.results.OperationCancelled` is raised and no file is left.
    Raises ``OSError`` when the folder is not writable."""
    from quizapp.services.exports import give_default_permissions

    path = Path(path)
    if not os.access(path.parent, os.W_OK):
        raise OSError(f"Cannot write in {path.parent}.")
    # The writer creates its file only when painting starts, after the layout (the long
    # part): a child process killed during the layout leaves nothing behind.
    tmp = path.parent / f".{path.stem}-{secrets.token_hex(6)}.pdf"
    try:
        writer = pdf_writer(tmp, title)
        if KEEP_TOGETHER in document_html:
            document_html = _kept_together(document_html, writer)
        if ROWS_BEGIN in document_html:
            document_html = _rows_kept_whole(document_html, writer)
        doc = _document(document_html, writer)
        doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
        _print_pages(doc, writer, progress, cancelled)
        del writer  # the file is complete once the writer is gone
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise OSError(f"Nothing could be printed to {path}.")
        give_default_permissions(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- results report


def statistics_html(stats: QuizStatisticsReport) -> str:
    """The quiz figures and the per-question table of a statistics report, as HTML."""
    z = stats.quiz
    figures = [
        ("Attempts", f"{z.n:,}"),
        ("Mean", _num(z.mean)),
        ("Median", _num(z.median)),
        ("Standard deviation", _num(z.sd)),
        ("Skewness", _num(z.skewness)),
        ("Kurtosis", _num(z.kurtosis)),
        ("Coefficient of internal consistency", _pct(z.cic)),
        ("Error ratio", _pct(z.error_ratio)),
        ("Standard error", _num(z.standard_error)),
    ]
    out = [f"<h2>Question statistics: {_e(stats.title)}</h2>"]
    out.append(
        "<p class='meta'>"
        + _e(
            f"Attempts counted: {stats.selection.value}; "
            f"out of {format_marks(z.max_total)} marks"
            + ("" if stats.complete else "; attempts asked different questions")
        )
        + "</p>"
    )
    out.append(_table(["Figure", "Value"], figures, {1}))
    rows = [
        (
            str(q.column + 1),
            " ".join(q.prompt.split())[:90],
            f"{q.attempts:,}",
            _pct(None if q.facility is None else 100 * q.facility),
            _pct(None if q.sd_fraction is None else 100 * q.sd_fraction),
            _pct(None if q.discrimination_index is None else q.discrimination_index),
            _pct(None if q.discriminative_efficiency is None else q.discriminative_efficiency),
            ", ".join(FLAG_WORDS.get(f.value, f.value) for f in q.flags) or "",
        )
        for q in stats.questions
    ]
    out.append("<p></p>")
    out.append(
        _table(
            ["#", "Question", "Attempts", "Facility", "SD", "Discr. index", "Discr. eff.", "Flags"],
            rows,
            {0, 2, 3, 4, 5, 6},
        )
    )
    return "".join(out)


FLAG_WORDS = {
    "weak_discrimination": "Weak discrimination",
    "too_hard": "Too hard",
    "too_easy": "Too easy",
}
"""The words shown for each statistics flag (with a warning sign wherever shown)."""


STUDENT_WIDTHS = ("23%", "14%", "12%", "7%", "7%", "10%", "13%", "14%")
"""The students table's columns: the figures (attempts, best, last, average, time, last
active: never wrapped) as wide as their header or widest usual text at 9 pt, in Qt's
96 dpi pixels (a wider text widens its column); student and class share the rest,
names, being longer, getting the larger part."""
ONE_CLASS_STUDENT_WIDTHS = ("37%", *STUDENT_WIDTHS[2:])
"""The students table's columns in a report of one class, which leaves the Class column
out (the title names the class; a long class name wrapped to five lines a row, 25 pages
for 20 students): the student gets its share."""
ATTEMPT_WIDTHS = ("21%", "20%", "26%", "10%", "10%", "13%")
"""The attempts table's columns: the start time and the figures (never wrapped) as
wide as their text at 9 pt; student and lesson or quiz share the rest."""

ATTEMPTS_PRINTED = 1000
"""At most this many attempts (the most recent: the report lists them newest first) go in
the printed report's attempts table, with a line saying how many were left out; every
student is listed. A class's whole history (20,000 attempts) would be 560 pages and take
minutes to lay out; CSV and XLSX exports have every attempt."""


def results_report_html(report: ResultsReport) -> str:
    """The results report laid out as HTML (title, what it covers, class figures,
    students table, the :data:`ATTEMPTS_PRINTED` most recent attempts, with how many more
    there were, and the quiz statistics when present)."""
    took = sum(1 for s in report.students if s.attempts)
    parts = [
        f"<h1>{_e(report.title)}</h1>",
        f"<p class='meta'>{_e(report.filter_text)} · printed {_e(_local(report.generated_at))}</p>",
        "<p>"
        + _e(
            f"{plural(len(report.students), 'student', 'students')}, {took:,} with attempts; "
            f"{plural(report.attempt_count, 'attempt', 'attempts')}; class average "
            f"{_pct(report.mean_percent)}."
        )
        + "</p>",
        "<h2>Students</h2>",
    ]
    if report.students:
        headers = ["Student", "Class", "Attempts", "Best", "Last", "Average", "Time", "Last active"]
        rows: list[tuple[str, ...]] = [
            (
                s.name,
                s.class_name or "–",  # as the Results page shows them
                f"{s.attempts:,}",
                _pct(s.best_percent),
                _pct(s.last_percent),
                _pct(s.average_percent),
                _duration(s.time_spent_s),
                _local_date(s.last_active) if s.last_active else "never",
            )
            for s in report.students
        ]
        right, last = {2, 3, 4, 5, 6}, 7
        widths: tuple[str, ...] = STUDENT_WIDTHS
        if report.one_class:  # the title names the class: no Class column
            del headers[1]
            rows = [(row[0], *row[2:]) for row in rows]
            right, last, widths = {1, 2, 3, 4, 5}, 6, ONE_CLASS_STUDENT_WIDTHS
        parts.append(
            _table(
                headers,
                rows,
                right,
                nowrap=frozenset({last}),
                widths=widths,
                css_class="grid report",
                keep_rows=True,
            )
        )
    else:
        parts.append("<p>No students yet.</p>")
    parts.append("<h2>Attempts</h2>")
    listed = report.attempts[:ATTEMPTS_PRINTED]
    left_out = report.attempt_count - len(listed)
    if left_out > 0:
        parts.append(
            "<p>"
            + _e(
                f"The {len(listed):,} most recent of the {report.attempt_count:,} attempts are "
                "listed; "
                + ("the earlier one is" if left_out == 1 else f"the {left_out:,} earlier ones are")
                + " left out of this report. To get every attempt, export them from the Results "
                "page: Export… → Attempts (CSV or XLSX)."
            )
            + "</p>"
        )
    if listed:
        parts.append(
            _table(
                ["Started", "Student", "Lesson or quiz", "Score", "Percent", "Duration"],
                [
                    (
                        _local(a.started_at),
                        a.student_name,
                        a.title,
                        f"{format_marks(a.marks)} / {format_marks(a.max_marks)}",
                        _pct(a.percent),
                        _duration(a.duration_s),
                    )
                    for a in listed
                ],
                {3, 4, 5},
                nowrap=frozenset({0}),
                widths=ATTEMPT_WIDTHS,
                css_class="grid report",
                keep_rows=True,
            )
        )
    else:
        parts.append("<p>No attempts match.</p>")
    if report.statistics is not None:
        parts.append(PAGE_BREAK)
        parts.append(statistics_html(report.statistics))
    return "".join(parts)


def print_results_report(
    report: ResultsReport,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Print the results report to the PDF ``path`` (see :func:`results_report_html`;
    ``progress`` and ``cancelled`` as for :func:`write_pdf`)."""
    return write_pdf(
        results_report_html(report), path, report.title, progress=progress, cancelled=cancelled
    )


_gui_application: QGuiApplication | None = None
"""The offscreen application :func:`print_from_database` makes in a child
process (text layout needs one for its fonts); kept for the life of the process."""


def _ensure_gui_application(font_family: str | None = None) -> None:
    """Make an offscreen ``QGuiApplication`` unless the process has an application, its
    default font of ``font_family`` when given (the GUI's, so the PDF looks the same).

    Qt's offscreen platform finds fonts through fontconfig on Linux and CoreText on
    macOS; on Windows it reads font files from ``QT_QPA_FONTDIR``, pointed here at the
    system's font folder (not tested on Windows)."""
    global _gui_application
    if QGuiApplication.instance() is not None:
        return
    if sys.platform == "win32":
        windows = os.environ.get("WINDIR") or os.environ.get("SYSTEMROOT") or r"C:\Windows"
        os.environ.setdefault("QT_QPA_FONTDIR", os.path.join(windows, "Fonts"))
    _gui_application = QGuiApplication(["quizapp-print", "-platform", "offscreen"])
    if font_family:
        QGuiApplication.setFont(QFont(font_family))


def print_from_database(
    url: str,
    build: Callable[[sessionmaker[Session]], _Model],
    write: Callable[..., Path],
    path: Path,
    font_family: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[_Model, int]:
    """What a child process does to print a PDF from the database: open the database at
    ``url`` (a SQLAlchemy URL; the schema is never migrated from here), build the print
    model with ``build(sessions)`` and close it, make an offscreen ``QGuiApplication``
    when the process has none (``font_family`` as its font: the GUI's
    ``QGuiApplication.font().family()``, so the PDF looks the same), then
    ``write(model, path, progress=..., cancelled=...)`` (a ``write_pdf`` caller).
    ``progress(page, pages)`` after each page;
    :class:`~quizapp.services.results.OperationCancelled` when ``cancelled()`` turns
    true (checked before the layout too), leaving no file. Returns the model and the
    number of pages. The entry points of the results report and the paper quiz
    (:func:`print_results_report_from_database`,
    :func:`print_paper_quizzes_from_database`) are this with their builder."""
    from quizapp.services.results import OperationCancelled
    from quizapp.store.database import open_database

    database = open_database(url, migrate=False)
    try:
        model = build(database.sessions)
    finally:
        database.close()
    if cancelled is not None and cancelled():
        raise OperationCancelled("Cancelled; nothing was written.")
    _ensure_gui_application(font_family)
    pages = [0]

    def counted(done: int, total: int) -> None:
        pages[0] = total
        if progress is not None:
            progress(done, total)

    write(model, path, progress=counted, cancelled=cancelled)
    return model, pages[0]


def print_results_report_from_database(
    url: str,
    f: ResultsFilter | None,
    title: str,
    path: Path,
    font_family: str | None = None,
    filter_text: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Build the results report of ``f`` from the database at ``url`` and print it to
    the PDF ``path`` (:func:`print_from_database`): the entry point of a
    :class:`~quizapp.ui.worker.ChildJob`, every argument picklable. ``filter_text``:
    the line under the title saying what the report covers (``None``: the filter's
    ids, :meth:`~quizapp.services.results.ResultsFilter.describe`). Returns the number
    of pages."""
    from quizapp.services.exports import results_report

    _, pages = print_from_database(
        url,
        lambda sessions: results_report(sessions, f, title=title, filter_text=filter_text),
        print_results_report,
        path,
        font_family,
        progress=progress,
        cancelled=cancelled,
    )
    return pages


# --------------------------------------------------------------------------- paper quiz


def _paper_html(paper: PaperQuiz) -> str:
    blanks = {"Name": 28}
    fields = "&nbsp;&nbsp;&nbsp;".join(
        f"<b>{_e(name)}:</b>&nbsp;{'_' * blanks.get(name, 12)}" for name in paper.fields
    )
    out = [
        f"<h1>{_e(paper.title)} <span style='font-weight: normal'>— version "
        f"{_e(paper.version)}</span></h1>",
        "<p class='meta'>"
        + _e(
            ("" if paper.pack_title == paper.title else f"{paper.pack_title} · ")
            + plural(len(paper.questions), "question", "questions")
        )
        + "</p>",
        f"<p style='margin-top: 10px; margin-bottom: 10px'>{fields}</p>",
        "<p>Read each question carefully. Mark your answers in the grid at the end.</p>",
    ]
    for q in paper.questions:
        prompt = _inline_html(q.prompt, q.text_format)
        out.append(
            f"<p class='prompt'>{q.number}. {prompt} "
            f"<span class='instruction'>({_e(q.instruction)})</span></p>"
        )
        for c in q.choices:
            box = "☐" if "all" in q.instruction.lower() else "○"
            out.append(
                f"<p class='choice'>{box} <b>{_e(c.letter)}.</b> "
                f"{_inline_html(c.text, q.text_format)}</p>"
            )
    out.append(KEEP_TOGETHER + "<h2>Answer grid</h2>")
    out.append(
        "<p class='meta'>Fill in the letter of each answer you choose "
        "(for “Choose all that apply”, every one that applies).</p>"
    )
    out.append(_answer_grid(paper))
    return "".join(out)


GRID_BLOCKS = 4
"""Side-by-side blocks of the answer grid (questions run down each block, then on to the
next), so a short quiz's grid takes a few lines and fits under its questions."""


def _answer_grid(paper: PaperQuiz) -> str:
    """The answer grid: a bubble per choice of each question, in up to
    :data:`GRID_BLOCKS` blocks side by side (question numbers down each block)."""
    letters = paper.letters
    questions = list(paper.questions)
    blocks = max(1, min(GRID_BLOCKS, len(questions)))
    rows = -(-len(questions) // blocks)
    blocks = -(-len(questions) // rows)  # no empty block: 6 questions in 3 blocks of 2
    gap = "<td style='border: none'>&nbsp;&nbsp;</td>"
    head = gap.join(
        "<th>Q.</th>" + "".join(f"<th>{_e(x)}</th>" for x in letters) for _ in range(blocks)
    )
    body = []
    for r in range(rows):
        cells = []
        for b in range(blocks):
            i = b * rows + r
            if i >= len(questions):
                cells.append("<td></td>" * (len(letters) + 1))
                continue
            q = questions[i]
            cells.append(
                f"<td align='center'><b>{q.number}</b></td>"
                + "".join(
                    "<td align='center'>○</td>" if k < len(q.choices) else "<td></td>"
                    for k in range(len(letters))
                )
            )
        body.append("<tr>" + gap.join(cells) + "</tr>")
    return (
        "<table class='grid' border='1' cellspacing='0' cellpadding='3'>"
        f"<thead><tr>{head}</tr></thead>{''.join(body)}</table>"
    )


def _key_html(paper: PaperQuiz) -> str:
    out = [
        f"<h1>Answer key: {_e(paper.title)} — version {_e(paper.version)}</h1>",
        f"<p class='meta'>For the teacher. {_e(paper.pack_title)} · seed {paper.seed} "
        f"(base seed {paper.base_seed}): this key fits version {_e(paper.version)} only.</p>",
    ]
    formats = {q.number: q.text_format for q in paper.questions}
    rows = [
        (
            str(k.number),
            ", ".join(k.letters) or "–",
            _inline_html(k.explanation, formats.get(k.number, TextFormat.PLAIN)),
        )
        for k in paper.answer_key
    ]
    out.append(_table(["Question", "Answer", "Why"], rows, set(), frozenset({2})))
    return "".join(out)


def paper_quiz_html(papers: Sequence[PaperQuiz]) -> str:
    """Every version's paper (questions, then the answer grid), each followed by its
    answer key on a new page; each version starts on a new page."""
    parts = []
    for i, paper in enumerate(papers):
        if i:
            parts.append(PAGE_BREAK)
        parts.append(_paper_html(paper))
        parts.append(PAGE_BREAK)
        parts.append(_key_html(paper))
    return "".join(parts)


def print_paper_quizzes(
    papers: Sequence[PaperQuiz],
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """Print paper quiz versions with their answer keys to the PDF ``path``
    (``progress`` and ``cancelled`` as for :func:`write_pdf`). ``ValueError`` when
    ``papers`` is empty."""
    if not papers:
        raise ValueError("no paper quiz to print")
    versions = " and ".join(p.version for p in papers)
    return write_pdf(
        paper_quiz_html(papers),
        path,
        f"{papers[0].title} — version {versions}",
        progress=progress,
        cancelled=cancelled,
    )


@dataclass(frozen=True)
class PrintedPapers:
    """What :func:`print_paper_quizzes_from_database` printed: ``pages`` of the PDF,
    ``questions`` in each version."""

    pages: int
    questions: int


def print_paper_quizzes_from_database(
    url: str,
    versions: Sequence[str],
    pack_id: int,
    lesson_ids: Sequence[int] | None,
    question_count: int | None,
    path: Path,
    font_family: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> PrintedPapers:
    """Build the paper quiz ``versions`` of the course ``pack_id`` (its ``lesson_ids``,
    ``None`` for all; ``question_count`` questions, ``None`` for all: see
    :func:`quizapp.services.print_model.build_paper_versions`) from the database at
    ``url`` and print them with their answer keys to the PDF ``path``
    (:func:`print_from_database`): the entry point of a
    :class:`~quizapp.ui.worker.ChildJob`, every argument picklable. Raises the
    builder's :class:`~quizapp.domain.errors.QuizAppError` (nothing to print, an
    unknown course or lesson) and ``OSError`` (folder not writable)."""
    from quizapp.services.print_model import build_paper_versions

    papers, pages = print_from_database(
        url,
        lambda sessions: build_paper_versions(
            sessions,
            tuple(versions),
            pack_id=pack_id,
            lesson_ids=None if lesson_ids is None else list(lesson_ids),
            question_count=question_count,
        ),
        print_paper_quizzes,
        path,
        font_family,
        progress=progress,
        cancelled=cancelled,
    )
    return PrintedPapers(pages, len(papers[0].questions))


__all__ = [
    "ATTEMPTS_PRINTED",
    "FLAG_WORDS",
    "PrintedPapers",
    "paper_quiz_html",
    "print_from_database",
    "print_paper_quizzes",
    "print_paper_quizzes_from_database",
    "print_results_report",
    "print_results_report_from_database",
    "results_report_html",
    "statistics_html",
    "write_pdf",
]
