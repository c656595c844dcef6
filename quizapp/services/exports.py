"""Exports of results to CSV and XLSX, a student's data, and the results report model.

Every table is written the same way (:func:`write_table`):

- **Format** by the file's suffix: ``.csv`` (UTF-8 with a byte-order mark so spreadsheet
  programs detect UTF-8; comma-separated; ``\\r\\n`` line ends, as the csv module writes)
  or ``.xlsx`` (XlsxWriter in constant-memory mode, rows streamed to disk, imported only
  when needed; openpyxl only reads spreadsheets, in :mod:`quizapp.formats.spreadsheet`).
  One sheet per table, named as given (cut to Excel's 31 characters), a header row first.
- **Dates** in UTC: ISO 8601 text ``2024-09-02T08:00:30Z`` in CSV; in XLSX real date
  cells holding the naive UTC time (a spreadsheet date has no time zone), formatted
  ``yyyy-mm-dd hh:mm:ss``. Date columns say ``(UTC)`` in their header in both.
- **Numbers** are numbers (``0.5``, never locale text such as ``0,5``); XLSX cells are
  numeric; an empty value is an empty cell, and so in XLSX is a NaN or an infinity
  (which an XLSX number cannot hold), rather than an error cell.
- **Text is text**: never turned into a formula, a link or a number (an XLSX cell
  ``0012``, ``http://x.org`` or ``{=A1}`` stays that text: XLSX cells are written with
  XlsxWriter's typed calls, ``write_string`` and so on, never its guessing ``write``).
  Control characters are written as Excel's ``_xHHHH_`` escapes.
- **Formula injection**: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
  carriage return is prefixed with ``'`` (OWASP, "CSV Injection"), so a spreadsheet never
  runs a student's name or a question's text as a formula. Numbers are never escaped.
- **Excel's limits** (Microsoft, "Excel specifications and limits"), in XLSX only: a cell
  holds at most 32,767 characters (UTF-16 code units), so a longer text is cut to 32,766
  and ends with ``…``; a sheet holds 1,048,576 rows, so a table of more than 1,048,575
  data rows raises :class:`ExportError` (export it to CSV, which has no limit).
- **Nothing half-written**: the file is written next to its target under a temporary
  name and renamed over it only when complete (``os.replace``); on error or cancel the
  temporary file is removed and any earlier file is left as it was.

Long exports report ``progress(done, total)`` in rows and stop when ``cancelled()`` is
true (raising :class:`~quizapp.services.results.OperationCancelled`).
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Text, func, select, type_coerce
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, QuizAppError, ValidationError
from quizapp.domain.model import Behaviour
from quizapp.domain.scoring import percent
from quizapp.services.marks import FINISHED, QuestionCache, map_answer, question_mark
from quizapp.services.results import (
    AttemptRow,
    OperationCancelled,
    ResultsFilter,
    ResultsService,
    StudentOverview,
    attempt_rows,
)
from quizapp.services.statistics_report import QuizStatisticsReport
from quizapp.store import models as m
from quizapp.store.database import read_session
from quizapp.store.types import utc_now

Kind = Literal["text", "number", "int", "datetime"]
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 500
_XLSX_CELL_UNITS = 32_767
"""Excel's limit on a cell's text, in UTF-16 code units (a character beyond U+FFFF
counts 2), as XlsxWriter checks it."""
_XLSX_ROWS = 1_048_576
"""Excel's rows per sheet, the header row included."""
_XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
"""The number format of every date cell (one cell format object per workbook)."""


class ExportError(QuizAppError):
    """An export could not be written (unknown format, folder not writable...)."""


@dataclass(frozen=True)
class Column:
    """A column of an exported table: ``name`` as the header shows it (``(UTC)`` is added
    to date columns) and ``kind`` (``text``, ``number``, ``int`` or ``datetime``)."""

    name: str
    kind: Kind = "text"

    @property
    def header(self) -> str:
        """The header cell."""
        return f"{self.name} (UTC)" if self.kind == "datetime" else self.name


def escape_text(value: str) -> str:
    """``value`` made safe for a spreadsheet: a leading ``'`` when it starts with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return (OWASP CSV-injection guidance)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2024-09-02T08:00:30Z`` (microseconds dropped)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give an aware one")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat() starts with YYYY-MM-DDTHH:MM:SS whatever follows (.ffffff, +00:00).
    return moment.isoformat()[:19] + "Z"


def _datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    return value


def _text_cell(value: Any) -> Any:
    if value is None:
        return None
    text = value if type(value) is str else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text  # escape_text, inlined


def _number_cell(value: Any) -> Any:
    return None if value is None else float(value)


def _int_cell(value: Any) -> Any:
    return None if value is None else int(value)


def _csv_datetime(value: Any) -> str:
    return iso_utc(_datetime(value))


def _xlsx_datetime(value: Any) -> datetime:
    return _datetime(value).astimezone(UTC).replace(tzinfo=None)


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _xlsx_text_cell(value: Any) -> Any:
    """:func:`_text_cell`, cut to Excel's 32,767 UTF-16 units with a trailing ``…``;
    ``""`` is ``None`` (an empty cell)."""
    if value is None or value == "":
        return None
    text = value if type(value) is str else str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    # Under half the limit in characters is under the limit in UTF-16 units.
    if len(text) > _XLSX_CELL_UNITS // 2 and _utf16_units(text) > _XLSX_CELL_UNITS:
        head = text.encode("utf-16-le", "surrogatepass")[: 2 * (_XLSX_CELL_UNITS - 1)]
        # "ignore" drops half a surrogate pair left at the cut.
        text = head.decode("utf-16-le", "ignore") + "…"
    return text


def _xlsx_number_cell(value: Any) -> Any:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _converters(
    columns: Sequence[Column],
    datetime_cell: Callable[[Any], Any],
    text_cell: Callable[[Any], Any] = _text_cell,
    number_cell: Callable[[Any], Any] = _number_cell,
) -> list[Callable[[Any], Any]]:
    """One function per column turning a value into its cell (``None`` stays ``None``:
    an empty cell in XLSX, an empty field in CSV). A date column remembers its last
    value: a repeated one (an attempt's start on each of its questions) is converted
    once. One call per cell: these run millions of times in a big export."""
    plain = {"text": text_cell, "number": number_cell, "int": _int_cell}

    def dated() -> Callable[[Any], Any]:
        last: list[Any] = [None, None]

        def convert(value: Any) -> Any:
            if value is None:
                return None
            if value is not last[0]:
                last[0], last[1] = value, datetime_cell(value)
            return last[1]

        return convert

    return [dated() if c.kind == "datetime" else plain[c.kind] for c in columns]


def _check_cancel(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise OperationCancelled("The export was cancelled; no file was written.")


def _too_many_rows(rows: int | None) -> str:
    """The refusal of a table of ``rows`` data rows (``None``: more than fit)."""
    return (
        f"An XLSX sheet holds at most {_XLSX_ROWS - 1:,} rows under its header and this "
        f"export has {'more' if rows is None else f'{rows:,}'}: export to CSV instead."
    )


def give_default_permissions(path: Path) -> None:
    """Give a finished temporary file (``tempfile.mkstemp`` makes it ``0o600``) the
    permissions the user's umask gives a new file, before it is renamed into place: for
    writers outside this module, such as the PDF printing in ``quizapp.ui``."""
    from quizapp.formats.files import give_default_permissions as give

    give(path)


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through ``write(tmp)`` on a temporary file moved into place, with the
    permissions the user's umask gives a new file (:func:`quizapp.formats.files.atomic_write`).
    Raises :class:`ExportError` naming the folder when the file cannot be written."""
    from quizapp.formats.files import FileWriteError, atomic_write

    try:
        atomic_write(Path(path), write)
    except FileWriteError as exc:
        raise ExportError(str(exc)) from exc


def write_table(
    path: Path,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    total: int | None = None,
    sheet: str = "Data",
    extra_sheets: Sequence[tuple[str, Sequence[Column], Sequence[Sequence[Any]]]] = (),
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """Write one table (see the module docstring for the rules) to ``path`` (``.csv`` or
    ``.xlsx``); returns the number of data rows. ``extra_sheets`` (name, columns, rows)
    are added as more sheets in XLSX and ignored in CSV. Raises :class:`ExportError`
    for another suffix, a missing or unwritable folder, or (XLSX) more rows than a sheet
    holds, checked against ``total`` before writing when it is given;
    :class:`OperationCancelled` when cancelled."""
    suffix = Path(path).suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise ExportError(f"Export to .csv or .xlsx, not {suffix or 'a file without suffix'}.")
    count = 0

    def counted() -> Iterator[Sequence[Any]]:
        nonlocal count
        for row in rows:
            if count % _CHUNK == 0:
                _check_cancel(cancelled)
                if progress is not None and count:
                    progress(count, total if total is not None else count)
            yield row
            count += 1

    def write_csv(tmp: Path) -> None:
        convert = _converters(columns, _csv_datetime)  # csv writes None as ""
        # The byte-order mark by hand: the "utf-8-sig" codec encodes each write in
        # Python, the "utf-8" one in C.
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            fh.write("\ufeff")
            writer = csv.writer(fh)
            writer.writerow([c.header for c in columns])
            writer.writerows([f(v) for f, v in zip(convert, row, strict=True)] for row in counted())

    def write_xlsx(tmp: Path) -> None:
        import xlsxwriter
        from xlsxwriter.exceptions import FileCreateError

        if total is not None and total >= _XLSX_ROWS:
            raise ExportError(_too_many_rows(total))
        # The sheets' rows wait in temporary files (constant-memory mode) in a folder of
        # our own, removed with whatever a cancelled export left in it.
        with tempfile.TemporaryDirectory(
            prefix="quizapp-xlsx-", ignore_cleanup_errors=True
        ) as scratch:
            wb = xlsxwriter.Workbook(
                str(tmp),
                {
                    "constant_memory": True,
                    # Cells are written with typed calls (write_string...), which never
                    # convert; these guard any write() all the same.
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                    "strings_to_numbers": False,
                    "tmpdir": scratch,
                },
            )
            try:
                date_format = wb.add_format({"num_format": _XLSX_DATE_FORMAT})
                fill(wb.add_worksheet(sheet[:31]), date_format, columns, counted())
                for name, cols, data in extra_sheets:
                    fill(wb.add_worksheet(name[:31]), date_format, cols, data)
                wb.close()
            except FileCreateError as exc:  # an OSError inside: a full disk, say
                cause = exc.args[0] if exc.args else None
                raise cause if isinstance(cause, OSError) else OSError(str(exc)) from exc
            finally:
                # The sheets' row files, which close() closes when it gets that far
                # (closing twice does nothing).
                for ws in wb.worksheets():
                    ws._opt_close()

    def fill(
        ws: Any, date_format: Any, cols: Sequence[Column], data: Iterable[Sequence[Any]]
    ) -> None:
        """Write ``data`` under a header row with one typed call per cell that has a value:
        ``write()`` (and ``write_row()``) would read a text such as ``{=A1}`` as a formula
        in XlsxWriter before 3.3.1, whatever the workbook's options."""
        for c, col in enumerate(cols):
            ws.write_string(0, c, col.header)
        convert = _converters(cols, _xlsx_datetime, _xlsx_text_cell, _xlsx_number_cell)

        def dated(r: int, c: int, moment: datetime) -> Any:
            return ws.write_datetime(r, c, moment, date_format)

        by_kind = {"text": ws.write_string, "number": ws.write_number, "int": ws.write_number}
        cells = [
            (c, f, dated if col.kind == "datetime" else by_kind[col.kind])
            for c, (f, col) in enumerate(zip(convert, cols, strict=True))
        ]
        for r, row in enumerate(data, start=1):
            if r >= _XLSX_ROWS:
                raise ExportError(_too_many_rows(None))
            for (c, f, write), value in zip(cells, row, strict=True):
                cell = f(value)
                if cell is not None and write(r, c, cell):  # None: an empty cell
                    raise ExportError(f"Row {r} of sheet {ws.name!r} could not be written.")

    _atomic(path, write_csv if suffix == ".csv" else write_xlsx)
    if progress is not None:
        progress(count, count)
    return count


# --------------------------------------------------------------------------- attempts

ATTEMPT_COLUMNS = (
    Column("attempt_uuid"),
    Column("student"),
    Column("student_uuid"),
    Column("class"),
    Column("kind"),
    Column("quiz"),
    Column("pack"),
    Column("state"),
    Column("started_at", "datetime"),
    Column("finished_at", "datetime"),
    Column("duration_s", "number"),
    Column("marks", "number"),
    Column("max_marks", "number"),
    Column("percent", "int"),
)


def export_attempts(
    sessions: sessionmaker[Session],
    path: Path,
    f: ResultsFilter | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """One row per attempt matching ``f`` (oldest first): :data:`ATTEMPT_COLUMNS`.
    Returns the number of rows."""
    with read_session(sessions) as s:
        rows = attempt_rows(s, f or ResultsFilter(), newest_first=False)
        uuids = _student_uuids(s, rows)
    data = (
        (
            str(r.uuid),
            r.student_name,
            uuids.get(r.student_id, ""),
            r.class_name,
            r.kind,
            r.title,
            r.pack_title,
            r.state,
            r.started_at,
            r.finished_at,
            r.duration_s,
            r.marks,
            r.max_marks,
            r.percent,
        )
        for r in rows
    )
    return write_table(
        path, ATTEMPT_COLUMNS, data, total=len(rows), progress=progress, cancelled=cancelled
    )


def _student_uuids(s: Session, rows: Sequence[AttemptRow]) -> dict[int, str]:
    ids = list({r.student_id for r in rows})
    out: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for sid, u in s.execute(
            select(m.Student.id, m.Student.uuid).where(m.Student.id.in_(chunk))
        ):
            out[sid] = str(u)
    return out


# --------------------------------------------------------------------------- responses

RESPONSE_COLUMNS = (
    Column("student"),
    Column("student_uuid"),
    Column("class"),
    Column("attempt_uuid"),
    Column("quiz"),
    Column("attempt_started_at", "datetime"),
    Column("question_number", "int"),
    Column("question_key"),
    Column("revision", "int"),
    Column("prompt"),
    Column("answer_letters"),
    Column("answer_text"),
    Column("correct_letters"),
    Column("fraction", "number"),
    Column("marks", "number"),
    Column("max_mark", "number"),
    Column("answered_at", "datetime"),
)


def _letter(shown: int) -> str:
    return chr(ord("A") + shown) if shown < 26 else str(shown + 1)


class _Revisions:
    """The question revisions an export meets, each loaded once (a few queries for a
    whole export, however many responses), and what a row shows of a slot, worked out
    once per distinct (revision, shown order, behaviour, state, stored answers): a
    class answers the same questions the same few ways."""

    def __init__(self, s: Session) -> None:
        self._s = s
        self.rows: dict[int, m.Question] = {}
        self._cache = QuestionCache()
        self._facts: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._json: dict[str, tuple[int, ...]] = {}

    def load(self, ids: Iterable[int]) -> None:
        """Load the revisions among ``ids`` not loaded yet (with their choices)."""
        missing = [i for i in set(ids) if i not in self.rows]
        for start in range(0, len(missing), _CHUNK):
            for row in self._s.scalars(
                select(m.Question)
                .where(m.Question.id.in_(missing[start : start + _CHUNK]))
                .options(selectinload(m.Question.choices), selectinload(m.Question.lesson))
            ):
                self.rows[row.id] = row

    def ints(self, value: Any) -> tuple[int, ...]:
        """A stored JSON list of choice indices as a tuple: the text SQLite gives is
        parsed once per distinct text; PostgreSQL's driver gives a list already."""
        if value is None:
            return ()
        if isinstance(value, str):
            parsed = self._json.get(value)
            if parsed is None:
                parsed = self._json[value] = tuple(json.loads(value) or ())
            return parsed
        return tuple(value)

    def facts(
        self,
        asked: int,
        order: tuple[int, ...],
        behaviour: str,
        finished: bool,
        tries: tuple[tuple[tuple[int, ...], int | None, int | None], ...],
    ) -> tuple[Any, ...]:
        """What a row shows of a slot that asked revision ``asked`` with its choices in
        ``order``, under ``behaviour``, from its stored ``tries`` (selection in author
        order, certainty, regraded revision id) in try order: (key, revision, prompt,
        answer letters, answer text, correct letters, fraction). Letters are as shown;
        the mark is :func:`quizapp.services.marks.slot_mark`'s (marked by the latest
        regraded revision, else the one asked). Raises ``ValueError`` when an answer
        cannot be carried over to the marking revision."""
        key = (asked, order, behaviour, finished, tries)
        facts = self._facts.get(key)
        if facts is not None:
            return facts
        q = self.rows[asked]
        regraded = [self.rows[t[2]] for t in tries if t[2] is not None]
        marker = max(regraded, key=lambda x: x.revision) if regraded else q
        on_marker: list[tuple[Sequence[int], int | None]] = []
        for selected, certainty, _ in tries:
            answer = map_answer(q, marker, selected)
            if answer is None:
                raise ValueError(f"an answer to {q.key!r} is not in revision {marker.revision}")
            on_marker.append((answer, certainty))
        mark = question_mark(
            self._cache.get(marker), Behaviour(behaviour), on_marker, finished=finished
        )
        shown = {index: pos for pos, index in enumerate(order)}
        right = [c.position for c in marker.choices if c.fraction > 0]
        if marker.id != q.id:  # regraded: the corrected key, on the paper shown
            right = map_answer(marker, q, right) or []
        correct = ", ".join(_letter(i) for i in sorted(shown.get(i, i) for i in right))
        letters = text = None
        if tries:
            texts = {c.position: c.text for c in q.choices}
            chosen = sorted(tries[-1][0], key=lambda i: shown.get(i, i))
            letters = ", ".join(_letter(shown.get(i, i)) for i in chosen)
            text = "; ".join(texts.get(i, "") for i in chosen)
        facts = (q.key, q.revision, q.prompt, letters, text, correct, mark.fraction)
        self._facts[key] = facts
        return facts


def response_rows(
    s: Session, rows: Sequence[AttemptRow], cancelled: Cancelled | None = None
) -> Iterator[tuple[Any, ...]]:
    """One tuple per attempt × question (in :data:`RESPONSE_COLUMNS` order), attempts in
    the given order, questions in shown order. Letters are as shown to the student in
    that attempt (the last answer given; ``correct_letters`` those of the corrected key
    once the question was regraded); ``fraction`` is the question's final mark as a
    fraction of its max mark and ``marks`` = fraction × max mark, both as
    :func:`quizapp.services.marks.slot_mark` gives them (the attempt's behaviour:
    interactive penalties, CBM marks from −6 to 3; the corrected revision once regraded;
    an attempt in progress as if submitted now); an unanswered question has empty
    answer cells and 0 marks.

    Read with one Core query per 500 attempts (slots joined with their responses; no
    ORM object per row); each question revision is loaded once and each distinct
    answer pattern marked once. Rows are produced lazily, so the caller can write them
    as they come. Checks ``cancelled`` between chunks (:class:`OperationCancelled`)."""
    uuids = _student_uuids(s, rows)
    revisions = _Revisions(s)
    sl, rp, a = m.AttemptSlot, m.Response, m.Attempt
    query = (
        select(
            sl.attempt_id,
            sl.slot,
            sl.question_id,
            # JSON lists read as stored (see _Revisions.ints): parsing each of them
            # through the JSON type would cost more than the rest of the row.
            type_coerce(sl.choice_order, Text),
            sl.max_mark,
            rp.try_number,
            type_coerce(rp.selected, Text),
            rp.certainty,
            rp.answered_at,
            rp.regraded_question_id,
        )
        .outerjoin(rp, rp.slot_id == sl.id)
        .order_by(sl.attempt_id, sl.slot, rp.try_number)
    )
    conn = s.connection()
    ints = revisions.ints
    for start in range(0, len(rows), _CHUNK):
        _check_cancel(cancelled)
        chunk = rows[start : start + _CHUNK]
        ids = [r.id for r in chunk]
        behaviours = {i: b for i, b in conn.execute(select(a.id, a.behaviour).where(a.id.in_(ids)))}
        # attempt id -> its slots in shown order, each [slot, revision id, shown order,
        # max mark, tries (selection, certainty, regraded id), answered_at, attempt id]
        slots: dict[int, list[list[Any]]] = {}
        current: list[Any] = [None, None, None, None, None, None, None]
        needed: set[int] = set()
        for aid, slot_no, qid, order, max_mark, try_no, sel, cert, at, regraded in conn.execute(
            query.where(sl.attempt_id.in_(ids))
        ).all():  # one fetchall per chunk: iterating the result fetches row by row
            if current[0] != slot_no or current[6] != aid:
                current = [slot_no, qid, ints(order), max_mark, [], None, aid]
                slots.setdefault(aid, []).append(current)
                needed.add(qid)
            if try_no is not None:
                current[4].append((ints(sel), cert, regraded))
                current[5] = at
                if regraded is not None:
                    needed.add(regraded)
        revisions.load(needed)
        facts = revisions.facts
        for r in chunk:
            head = (r.student_name, uuids.get(r.student_id, ""), r.class_name, str(r.uuid))
            behaviour = behaviours[r.id]
            finished = r.state == FINISHED
            for slot_no, qid, order, max_mark, tries, answered, _ in slots.get(r.id, ()):
                key, revision, prompt, letters, text, correct, fraction = facts(
                    qid, order, behaviour, finished, tuple(tries)
                )
                yield (
                    *head,
                    r.title,
                    r.started_at,
                    slot_no + 1,
                    key,
                    revision,
                    prompt,
                    letters,
                    text,
                    correct,
                    fraction,
                    fraction * max_mark,
                    max_mark,
                    answered,
                )


def export_responses(
    sessions: sessionmaker[Session],
    path: Path,
    f: ResultsFilter | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """One row per student × question of every attempt matching ``f`` (oldest attempt
    first): :data:`RESPONSE_COLUMNS` (see :func:`response_rows`). Returns the row count.

    The rows are streamed from the database into the file, never all held in memory;
    ``progress(done, total)`` counts rows, ``total`` being the number of questions of
    the matching attempts."""
    with read_session(sessions) as s:
        rows = attempt_rows(s, f or ResultsFilter(), newest_first=False)
        total = _slot_count(s, rows)
        return write_table(
            path,
            RESPONSE_COLUMNS,
            response_rows(s, rows, cancelled),
            total=total,
            progress=progress,
            cancelled=cancelled,
        )


def _slot_count(s: Session, rows: Sequence[AttemptRow]) -> int:
    """How many questions the attempts ``rows`` have (the rows of a responses export)."""
    total = 0
    ids = [r.id for r in rows]
    for start in range(0, len(ids), _CHUNK):
        total += (
            s.scalar(
                select(func.count())
                .select_from(m.AttemptSlot)
                .where(m.AttemptSlot.attempt_id.in_(ids[start : start + _CHUNK]))
            )
            or 0
        )
    return total


def export_from_database(
    url: str,
    what: Literal["attempts", "responses"],
    path: Path,
    f: ResultsFilter | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """:func:`export_attempts` or :func:`export_responses` (``what``) of the database at
    ``url`` (a SQLAlchemy URL, as :attr:`quizapp.store.database.Database.url` gives it),
    opened here and closed after: the entry point of an export run in a process of its
    own, which cannot share the caller's engine. Every argument is picklable. The schema
    is never migrated from here (the app that asked already opened the database);
    one behind raises :class:`~quizapp.store.database.DatabaseOutOfDateError`.
    Returns the number of rows written."""
    from quizapp.store.database import open_database

    export = {"attempts": export_attempts, "responses": export_responses}.get(what)
    if export is None:
        raise ExportError(f"Nothing to export called {what!r}.")
    database = open_database(url, migrate=False)
    try:
        return export(database.sessions, path, f, progress=progress, cancelled=cancelled)
    finally:
        database.close()


# --------------------------------------------------------------------------- statistics

STATISTICS_COLUMNS = (
    Column("question_number", "int"),
    Column("pack"),
    Column("question_key"),
    Column("revisions"),
    Column("prompt"),
    Column("type"),
    Column("attempts", "int"),
    Column("facility_percent", "number"),
    Column("sd_percent", "number"),
    Column("random_guess_percent", "number"),
    Column("discrimination_index", "number"),
    Column("discriminative_efficiency", "number"),
    Column("intended_weight", "number"),
    Column("effective_weight", "number"),
    Column("flags"),
)
CHOICE_COLUMNS = (
    Column("question_number", "int"),
    Column("question_key"),
    Column("choice"),
    Column("text"),
    Column("credit_fraction", "number"),
    Column("picked", "int"),
    Column("picked_percent", "number"),
)
QUIZ_COLUMNS = (Column("figure"), Column("value", "number"))


def _pct(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def export_statistics(report: QuizStatisticsReport, path: Path) -> int:
    """The statistics of one quiz: one row per question (:data:`STATISTICS_COLUMNS`,
    percents as numbers 0–100, empty where undefined). XLSX adds a ``Choices`` sheet
    (distractor analysis, :data:`CHOICE_COLUMNS`; "(no answer)" rows for blanks) and a
    ``Quiz`` sheet (figure, value). Returns the number of question rows."""
    rows = [
        (
            q.column + 1,
            q.pack_key,
            q.key,
            ", ".join(str(r) for r in q.revisions),
            q.prompt,
            q.type.value,
            q.attempts,
            _pct(q.facility),
            _pct(q.sd_fraction),
            _pct(q.random_guess_score),
            q.discrimination_index,
            q.discriminative_efficiency,
            q.intended_weight,
            q.effective_weight,
            ", ".join(f.value for f in q.flags),
        )
        for q in report.questions
    ]
    choices: list[Sequence[Any]] = []
    for q in report.questions:
        for c in q.choices:
            choices.append(
                (q.column + 1, q.key, c.letter, c.text, c.fraction, c.count, _pct(c.share))
            )
        blank_share = q.no_response / q.attempts if q.attempts else None
        choices.append(
            (q.column + 1, q.key, "", "(no answer)", None, q.no_response, _pct(blank_share))
        )
    z = report.quiz
    quiz: list[Sequence[Any]] = [
        ("attempts", z.n),
        ("first attempts (students)", report.first_attempts),
        ("maximum mark", z.max_total),
        ("mean", z.mean),
        ("median", z.median),
        ("standard deviation", z.sd),
        ("skewness", z.skewness),
        ("kurtosis", z.kurtosis),
        ("coefficient of internal consistency (%)", z.cic),
        ("error ratio (%)", z.error_ratio),
        ("standard error", z.standard_error),
    ]
    return write_table(
        path,
        STATISTICS_COLUMNS,
        rows,
        sheet="Questions",
        extra_sheets=[("Choices", CHOICE_COLUMNS, choices), ("Quiz", QUIZ_COLUMNS, quiz)],
    )


# --------------------------------------------------------------------------- one student


def export_student_data(sessions: sessionmaker[Session], student_id: int, path: Path) -> int:
    """Everything recorded about one student, before deleting them: ``.json`` (profile,
    class, and every attempt with its questions, answers and marks; dates ISO 8601 UTC)
    or ``.csv``/``.xlsx`` (:data:`RESPONSE_COLUMNS`, one row per attempt × question).
    Returns the number of attempts written. :class:`NotFoundError`; :class:`ExportError`
    for another suffix."""
    suffix = Path(path).suffix.lower()
    f = ResultsFilter(student_id=student_id, finished_only=False)
    with read_session(sessions) as s:
        student = s.get(m.Student, student_id)
        if student is None:
            raise NotFoundError(f"There is no student with id {student_id}.")
        rows = attempt_rows(s, f, newest_first=False)
        data = list(response_rows(s, rows))
        profile = {
            "uuid": str(student.uuid),
            "name": student.name,
            "class": student.school_class.name if student.school_class else None,
            "created_at": iso_utc(student.created_at),
            "last_used_at": iso_utc(student.last_used_at) if student.last_used_at else None,
        }
    if suffix in {".csv", ".xlsx"}:
        write_table(path, RESPONSE_COLUMNS, data)
        return len(rows)
    if suffix != ".json":
        raise ExportError(f"Export to .json, .csv or .xlsx, not {suffix or 'no suffix'}.")
    by_attempt: dict[str, list[dict[str, Any]]] = {}
    names = [c.name for c in RESPONSE_COLUMNS]
    for row in data:
        item = dict(zip(names, row, strict=True))
        by_attempt.setdefault(item["attempt_uuid"], []).append(
            {
                k: (iso_utc(v) if isinstance(v, datetime) else v)
                for k, v in item.items()
                if k
                not in {
                    "student",
                    "student_uuid",
                    "class",
                    "attempt_uuid",
                    "quiz",
                    "attempt_started_at",
                }
            }
        )
    document = {
        "format": "quizapp-student-data",
        "version": 1,
        "exported_at": iso_utc(utc_now()),
        "student": profile,
        "attempts": [
            {
                "uuid": str(r.uuid),
                "quiz": r.title,
                "kind": r.kind,
                "state": r.state,
                "started_at": iso_utc(r.started_at),
                "finished_at": iso_utc(r.finished_at) if r.finished_at else None,
                "marks": r.marks,
                "max_marks": r.max_marks,
                "percent": r.percent,
                "questions": by_attempt.get(str(r.uuid), []),
            }
            for r in rows
        ],
    }

    def write_json(tmp: Path) -> None:
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")

    _atomic(Path(path), write_json)
    return len(rows)


# --------------------------------------------------------------------------- report model


@dataclass(frozen=True)
class ResultsReport:
    """A printable results report (plain data; the GUI lays it out and prints it to PDF
    with Qt): ``title``; ``filter_text`` what it covers; ``generated_at`` aware UTC;
    ``students`` the overview rows; ``attempts`` the attempts listed; ``statistics``
    the quiz statistics when the report is about one quiz; class figures over the
    students who took something: ``mean_percent`` of their average percents and
    ``attempt_count``; ``one_class`` when the filter is one class (every student's
    class is then the same, and named in the title)."""

    title: str
    filter_text: str
    generated_at: datetime
    students: tuple[StudentOverview, ...]
    attempts: tuple[AttemptRow, ...]
    statistics: QuizStatisticsReport | None
    attempt_count: int
    mean_percent: int | None
    one_class: bool = False


def results_report(
    sessions: sessionmaker[Session],
    f: ResultsFilter | None = None,
    *,
    title: str = "Results",
    filter_text: str | None = None,
    statistics: QuizStatisticsReport | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> ResultsReport:
    """The :class:`ResultsReport` for ``f`` (every finished attempt when ``None``).
    ``filter_text``: what the report covers, in the teacher's words (names, not the
    ids of :meth:`ResultsFilter.describe`, which is used when it is ``None``)."""
    f = f or ResultsFilter()
    service = ResultsService(sessions)
    students = service.students_overview(f)
    attempts = service.attempts(f)
    took = [s.average_percent for s in students if s.average_percent is not None]
    mean = percent(sum(took), 100 * len(took)) if took else None
    if f.since is not None and f.until is not None and f.since >= f.until:
        raise ValidationError("The start date must be before the end date.")
    return ResultsReport(
        title=title,
        filter_text=f.describe() if filter_text is None else filter_text,
        generated_at=clock(),
        students=tuple(students),
        attempts=tuple(attempts),
        statistics=statistics,
        attempt_count=len(attempts),
        mean_percent=mean,
        one_class=f.class_id is not None,
    )
