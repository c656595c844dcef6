"""Stored statistics cells: each finished attempt's slots, marks and selections as one
row of ``attempt_cells`` (:class:`quizapp.store.models.AttemptCells`), so the quiz
statistics report reads one short row per attempt instead of joining every response to
its slot (performance issue 8: a report over 400,000 responses).

The cells are derived data, written by the same SQL that reads them from the responses
(:func:`cells_sql`, by slot):

- :func:`store_cells` when an attempt is finished
  (:meth:`quizapp.services.attempts.AttemptService` ``_finish``), regraded
  (:mod:`quizapp.services.regrade`) or merged from another computer
  (:mod:`quizapp.services.bundles`): whatever changes a finished attempt's responses
  rewrites its row in the same transaction;
- :func:`fill_missing_cells` by the report, for finished attempts without a row (a
  database from before migration 0004, a fill that failed);
- the row goes with its attempt (``ON DELETE CASCADE``).

The report falls back to reading the responses of any attempt it finds without a row,
so a missing row costs time, never a wrong figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, Connection, delete, select

from quizapp.store import models as m

_CHUNK = 500
"""Attempt ids per statement (well under SQLite's 32,766 host parameters; ids are
written into the SQL as integers)."""


def _cell_expressions(sqlite: bool) -> tuple[str, str, str]:
    """The SQL of one cell of :func:`cells_sql` (over ``attempt_slots`` left-joined to
    ``responses``): its slot token, its mark as text and its selection's JSON text."""
    kept = "(responses.fraction - responses.penalty)"
    mark = f"({kept} * attempt_slots.max_mark)"
    if sqlite:
        exact = "quote({})"
        qid = "attempt_slots.question_id"
        picked = "coalesce(responses.selected, '')"
    else:
        exact = "CAST({} AS TEXT)"
        qid = "CAST(attempt_slots.question_id AS TEXT)"
        picked = "coalesce(CAST(responses.selected AS TEXT), '')"
    slot = (
        f"CASE WHEN attempt_slots.max_mark = 1 THEN {qid} "
        f"ELSE {qid} || '*' || {exact.format('attempt_slots.max_mark')} END"
    )
    # fraction > penalty exactly when fraction - penalty > 0 (IEEE subtraction of two
    # different finite doubles is never 0); unanswered (NULL) gives '0'.
    text = (
        "CASE WHEN responses.fraction = 1 AND responses.penalty = 0 "
        "AND attempt_slots.max_mark = 1 THEN '1' "
        f"WHEN responses.fraction > responses.penalty THEN {exact.format(mark)} ELSE '0' END"
    )
    return slot, text, picked


def cells_sql(sqlite: bool, by_response: bool) -> str:
    """A query of an attempt's cells, read from its responses (``{ids}``: the attempt
    ids; :meth:`quizapp.services.statistics_report.StatisticsService._load`).

    One row per attempt: its slots' question ids (``id*weight`` when the weight is not
    1), marks and selections (JSON text, ``""`` when unanswered) concatenated in one
    order, a slot's tries one after the other (its question id repeated). Every
    aggregate costs about as much as the join, so there are no more (the total is
    summed in Python). The mark max(0, fraction - penalty) * max_mark is computed in SQL
    (the same IEEE double operations as in Python) and sent as text that reads back as
    the same double: whole marks of 0 and 1 as ``0`` and ``1`` (most marks: formatting
    a double costs more than the join), others by SQLite's ``quote()`` (17 significant
    digits when 15 do not round-trip) or PostgreSQL's shortest exact form.

    ``by_response``: the responses by attempt, each joined to its slot by rowid (a
    quarter cheaper on SQLite than looking each slot's responses up), so unanswered
    slots are missing; a fifth column gives the attempt's last slot number (slots are
    numbered from 0, so all were answered when there are that many plus one). Otherwise
    the attempt's slots with their responses, unanswered ones included (and ``NULL``
    for the fifth column). Slots come in
    the order stored (so a batch may need rearranging), in question id order on
    PostgreSQL (``ORDER BY`` in the aggregate).
    """
    slot, text, picked = _cell_expressions(sqlite)
    if sqlite:
        order, concat = "", "group_concat"
    else:
        order = " ORDER BY attempt_slots.question_id, attempt_slots.id, responses.try_number"
        concat = "string_agg"
    columns = f"""{concat}({slot}, ','{order}) AS slots,
 {concat}({text}, ','{order}) AS marks,
 {concat}({picked}, '|'{order}) AS picks"""
    if not by_response:
        return f"""SELECT attempt_slots.attempt_id, {columns}, NULL
FROM attempt_slots LEFT JOIN responses ON responses.slot_id = attempt_slots.id
WHERE attempt_slots.attempt_id IN ({{ids}})
GROUP BY attempt_slots.attempt_id"""
    # The last slot number once per attempt (outside the aggregate, or SQLite would
    # evaluate it for every row).
    return f"""SELECT cells.attempt_id, cells.slots, cells.marks, cells.picks,
 (SELECT max(numbered.slot) FROM attempt_slots AS numbered
  WHERE numbered.attempt_id = cells.attempt_id)
FROM (SELECT responses.attempt_id AS attempt_id, {columns}
 FROM responses JOIN attempt_slots ON attempt_slots.id = responses.slot_id
 WHERE responses.attempt_id IN ({{ids}})
 GROUP BY responses.attempt_id) AS cells"""


CELLS_SQL = {
    (sqlite, by_response): cells_sql(sqlite, by_response)
    for sqlite in (True, False)
    for by_response in (True, False)
}


STORED_CELLS_SQL = """SELECT attempt_id, slots, marks, picks, NULL FROM attempt_cells
WHERE attempt_id IN ({ids})"""
"""The stored cells of the attempts ``{ids}``, in the shape of :func:`cells_sql`'s rows
(by slot: the fifth column ``NULL``)."""


def _insert_sql(sqlite: bool, only_missing: bool) -> str:
    """``INSERT INTO attempt_cells`` the by-slot cells of the finished attempts ``{ids}``
    (``only_missing``: those without a row), each attempt's slots in question id order
    (then slot, then try): the attempts of one quiz then share one slot list, which the
    report files without rearranging. PostgreSQL orders inside the aggregate; SQLite
    (no ``ORDER BY`` in aggregates before 3.44) concatenates in the order of the sorted
    subquery, which it follows in practice; were it not to, the report would only
    rearrange more (it reads any order)."""
    slot, mark, picked = _cell_expressions(sqlite)
    missing = (
        " AND NOT EXISTS (SELECT 1 FROM attempt_cells"
        " WHERE attempt_cells.attempt_id = attempt_slots.attempt_id)"
        if only_missing
        else ""
    )
    if sqlite:
        concat, order = "group_concat", ""
    else:
        concat, order = "string_agg", " ORDER BY cell.qid, cell.sid, cell.tryno"
    return f"""INSERT INTO attempt_cells (attempt_id, slots, marks, picks)
SELECT cell.attempt_id, {concat}(cell.slot, ','{order}), {concat}(cell.mark, ','{order}),
 {concat}(cell.pick, '|'{order})
FROM (SELECT attempt_slots.attempt_id AS attempt_id, attempt_slots.question_id AS qid,
  attempt_slots.id AS sid, responses.try_number AS tryno,
  {slot} AS slot, {mark} AS mark, {picked} AS pick
 FROM attempt_slots LEFT JOIN responses ON responses.slot_id = attempt_slots.id
 WHERE attempt_slots.attempt_id IN ({{ids}})
  AND attempt_slots.attempt_id IN (SELECT attempts.id FROM attempts
   WHERE attempts.id IN ({{ids}}) AND attempts.state = 'finished'){missing}
 ORDER BY attempt_slots.attempt_id, attempt_slots.question_id, attempt_slots.id,
  responses.try_number) AS cell
GROUP BY cell.attempt_id"""


_INSERT_SQL = {
    (sqlite, only_missing): _insert_sql(sqlite, only_missing)
    for sqlite in (True, False)
    for only_missing in (True, False)
}


def _chunks(attempt_ids: Iterable[int]) -> Iterable[tuple[list[int], str]]:
    """The ids, sorted and distinct, up to _CHUNK at a time: each chunk as a list and as
    the comma-separated integers the SQL text takes."""
    ids = sorted({int(a) for a in attempt_ids})
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        yield chunk, ",".join(map(str, chunk))


def store_cells(conn: Connection, attempt_ids: Iterable[int]) -> None:
    """Rewrite the stored cells of ``attempt_ids`` from their responses, inside the
    caller's transaction on ``conn``: each finished attempt's row is replaced, an
    unfinished one's removed (an attempt without slots gets no row)."""
    cells = m.AttemptCells
    sqlite = conn.dialect.name == "sqlite"
    for chunk, ids in _chunks(attempt_ids):
        conn.execute(delete(cells).where(cells.attempt_id.in_(chunk)))
        conn.exec_driver_sql(_INSERT_SQL[sqlite, False].format(ids=ids))


def fill_missing_cells(conn: Connection, attempt_ids: Sequence[int]) -> int:
    """Store the cells of those of ``attempt_ids`` that are finished and have no row,
    inside the caller's transaction on ``conn``. Returns how many rows were written."""
    sqlite = conn.dialect.name == "sqlite"
    written = 0
    for _chunk, ids in _chunks(attempt_ids):
        result = conn.exec_driver_sql(_INSERT_SQL[sqlite, True].format(ids=ids))
        written += max(0, result.rowcount)
    return written


def attempts_without_cells(conn: Connection, *conditions: ColumnElement[bool]) -> list[int]:
    """The finished attempts matching ``conditions`` (on ``attempts``) without a stored
    row, in id order."""
    a, cells = m.Attempt, m.AttemptCells
    return list(
        conn.execute(
            select(a.id)
            .outerjoin(cells, cells.attempt_id == a.id)
            .where(a.state == "finished", cells.attempt_id.is_(None), *conditions)
            .order_by(a.id)
        ).scalars()
    )
