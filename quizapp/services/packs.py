"""Installing packs: first import, re-import (new question revisions), the built-in pack.

A question's identity is (pack key, question id). Re-importing a pack compares each
question's content hash (:func:`quizapp.store.convert.question_hash`) with its current
revision: unchanged ones are kept, changed ones get a new revision that becomes
current, missing ones stop being current. Attempts keep pointing at the revision they
asked, so history and review always show what the student saw.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BindParameter, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.errors import ValidationError
from quizapp.domain.model import ImportResult, Pack, Question
from quizapp.formats.gc_pause import gc_paused
from quizapp.services.dto import PackInstallReport
from quizapp.store import models as m
from quizapp.store.bulk import insert_rows, large_page_cache, table_of, uuid4s
from quizapp.store.convert import (
    CHOICE_COLUMNS,
    QUESTION_COLUMNS,
    choice_rows,
    lesson_hash,
    pack_hashes,
    question_rows,
)
from quizapp.store.types import utc_now


def install_pack(
    sessions: sessionmaker[Session], pack: Pack, *, builtin: bool = False, enabled: bool = True
) -> PackInstallReport:
    """Install ``pack``, or update the installed pack with the same key, in one transaction.

    All or nothing. On re-import the pack's metadata and lessons are updated (lessons
    matched by id; missing ones retired), ``enabled`` is set as given and a deleted
    pack comes back. Raises :class:`ValidationError` when a question names a lesson
    the pack does not have.

    The cyclic garbage collector is paused meanwhile (:mod:`quizapp.formats.gc_pause`):
    the rows built for the bulk inserts are tens of thousands of tuples, none in a
    cycle, and collections set off by them walked the pack just read again and again
    (about a third of the CPU time of storing 10,000 questions). SQLite's page cache may
    grow meanwhile (:func:`quizapp.store.bulk.large_page_cache`), so a big pack's index
    pages stay in memory.
    """
    with gc_paused(), sessions.begin() as s, large_page_cache(s.connection()):
        return _install(s, pack, builtin=builtin, enabled=enabled, keep_state=False)


def ensure_builtin_pack(sessions: sessionmaker[Session], path: Path) -> None:
    """Install the built-in pack from ``path`` at first start; refresh it whenever what
    is stored as current does not match the file; otherwise do nothing.

    "Matches" means: a pack row with the file's pack id, marked built-in, whose content
    hash is the file's, and whose current question revisions are exactly the file's
    questions (by id and content hash). So a pack row that a results bundle created
    (metadata but no questions) is filled in, never taken for up to date.

    Loads with ``quizapp.formats.json_pack.load_pack(path, require_evidence=True)``
    (raises its ``PackError`` on a bad file). On refresh the teacher's choices (enabled,
    deleted) are kept, except on a row that never had questions here (made by a merge),
    which is installed as new: enabled. Safe when many computers call it at once on one
    server: the stored state is compared first, the pack row is locked (``SELECT ...
    FOR UPDATE`` where supported), and a unique-constraint race is settled by
    re-checking.
    """
    from quizapp.formats.json_pack import load_pack

    loaded: Pack | ImportResult = load_pack(path, require_evidence=True)
    pack = loaded.pack if isinstance(loaded, ImportResult) else loaded
    wanted, hashes = pack_hashes(pack)
    for round_ in range(3):
        with sessions.begin() as s:
            if _is_current(s, pack, wanted, hashes):
                return
        try:
            with gc_paused(), sessions.begin() as s:
                _install(s, pack, builtin=True, enabled=True, keep_state=True)
            return
        except IntegrityError:
            # Another computer installed or refreshed it at the same moment.
            if round_ == 2:
                raise


def _is_current(s: Session, pack: Pack, wanted: str, hashes: list[str]) -> bool:
    """True when pack ``pack`` is stored as built-in with content hash ``wanted`` and
    current revisions with exactly the questions' ids and ``hashes``."""
    packs = table_of(m.Pack)
    row = s.execute(
        select(packs.c.id, packs.c.content_hash, packs.c.is_builtin).where(
            packs.c.key == pack.id
        )
    ).one_or_none()
    if row is None or row.content_hash != wanted or not row.is_builtin:
        return False
    q = table_of(m.Question)
    stored = sorted(
        (key, h)
        for key, h in s.execute(
            select(q.c.key, q.c.content_hash).where(q.c.pack_id == row.id, q.c.is_current)
        )
    )
    return stored == sorted(zip((x.id for x in pack.questions), hashes, strict=True))


def _install(
    s: Session, pack: Pack, *, builtin: bool, enabled: bool, keep_state: bool
) -> PackInstallReport:
    """Write ``pack`` over the pack row with its key (made when missing), its lessons and
    its questions, with Core statements only (no ORM object: storing needs none, and
    the first ORM statement of a process configures every mapper, ~40 ms)."""
    now = utc_now()
    wanted_hash, question_hashes = pack_hashes(pack)
    packs = table_of(m.Pack)
    # FOR NO KEY UPDATE on PostgreSQL: students starting attempts (a foreign key to this
    # row takes FOR KEY SHARE) are not blocked while a teacher imports a new version.
    row = s.execute(
        select(packs.c.id, packs.c.is_builtin, packs.c.content_hash, packs.c.revision)
        .where(packs.c.key == pack.id)
        .with_for_update(key_share=True)
    ).one_or_none()
    created = row is None
    metadata = {
        "title": pack.title,
        "language": pack.language,
        "version": pack.version,
        "description": pack.description,
        "source": pack.source,
        "notice": pack.notice,
        "content_hash": wanted_hash,
    }
    if row is None:
        pack_id = s.execute(
            insert(packs)
            .values(
                key=pack.id, revision=1, imported_at=now, enabled=enabled, is_builtin=builtin,
                **metadata,
            )
            .returning(packs.c.id)
        ).scalar_one()
        revision = 1
        hash_changed = True
    else:
        pack_id, revision = row.id, row.revision
        hash_changed = row.content_hash != wanted_hash
        values: dict[str, Any] = {"is_builtin": row.is_builtin or builtin, **metadata}
        # A row that never had questions here (a results bundle made it) is installed as
        # new: its flags are those of this install, not the merge's "disabled".
        questions = table_of(m.Question)
        had_questions = s.scalar(
            select(questions.c.id)
            .where(questions.c.pack_id == pack_id, questions.c.is_current)
            .limit(1)
        )
        if not keep_state or had_questions is None:
            values.update(enabled=enabled, deleted_at=None)
        s.execute(update(packs).where(packs.c.id == pack_id).values(**values))
    lesson_ids, (added, updated, retired) = _install_lessons(s, pack_id, pack)
    counts = _install_questions(s, pack_id, pack, question_hashes, lesson_ids, now)
    q_added, q_revised, q_unchanged, q_removed = counts
    # Changed when anything stored changed, whatever the pack row's hash said (a merged
    # row may carry the hash of questions it does not have).
    changed = created or hash_changed or any((added, updated, retired, q_added, q_revised,
                                               q_removed))
    if changed and not created:
        revision += 1
        s.execute(
            update(packs).where(packs.c.id == pack_id).values(revision=revision, imported_at=now)
        )
    return PackInstallReport(
        pack_id=pack_id,
        key=pack.id,
        title=pack.title,
        version=pack.version,
        created=created,
        changed=changed,
        lessons_added=added,
        lessons_updated=updated,
        lessons_retired=retired,
        questions_added=q_added,
        questions_revised=q_revised,
        questions_unchanged=q_unchanged,
        questions_removed=q_removed,
    )


_BY_ID: BindParameter[int] = bindparam("b_id")
"""The primary key of each row of an executemany ``UPDATE ... WHERE id = :b_id``."""


def _install_lessons(
    s: Session, pack_id: int, pack: Pack
) -> tuple[dict[str, int], tuple[int, int, int]]:
    """Insert, update and retire the lessons of pack row ``pack_id`` to match ``pack``.

    Returns ``({lesson key: lesson row id}`` of the pack's lessons (not retired)``,
    (added, updated, retired))``. Core statements, a few in all, whatever the count.
    """
    table = table_of(m.Lesson)
    stored = {
        key: (id_, h, was_retired)
        for id_, key, h, was_retired in s.execute(
            select(table.c.id, table.c.key, table.c.content_hash, table.c.retired).where(
                table.c.pack_id == pack_id
            )
        )
    }
    ids: dict[str, int] = {}
    added = updated = 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for position, lesson in enumerate(pack.lessons):
        h = lesson_hash(lesson)
        values = {
            "position": position, "title": lesson.title, "body": lesson.body,
            "content_hash": h, "retired": False,
        }
        existing = stored.get(lesson.id)
        if existing is None:
            inserts.append({"uuid": uuid4s(1)[0], "pack_id": pack_id, "key": lesson.id, **values})
            added += 1
            continue
        if existing[1] != h or existing[2]:
            updated += 1
        updates.append({"b_id": existing[0], **values})
        ids[lesson.id] = existing[0]
    retire = [
        {"b_id": id_} for key, (id_, _h, was_retired) in stored.items()
        if key not in ids and not was_retired
    ]
    if updates:
        s.execute(update(table).where(table.c.id == _BY_ID), updates)
    if retire:
        s.execute(update(table).where(table.c.id == _BY_ID).values(retired=True), retire)
    if inserts:
        columns = list(inserts[0])
        new_ids = insert_rows(
            s.connection(), table, columns, [list(v.values()) for v in inserts], return_ids=True
        )
        ids.update(zip((v["key"] for v in inserts), new_ids, strict=True))
    return ids, (added, updated, len(retire))


def _install_questions(
    s: Session,
    pack_id: int,
    pack: Pack,
    hashes: list[str],
    lesson_ids: dict[str, int],
    now: datetime,
) -> tuple[int, int, int, int]:
    """Bring the question revisions of pack row ``pack_id`` in line with ``pack``.

    ``hashes`` are the questions' content hashes, in pack order; ``lesson_ids`` maps
    each lesson key of the pack to its row id. Every stored revision is read once (a
    few columns each) and compared in Python; new revisions and their choices are
    written with bulk inserts (executemany), updates likewise. Returns (added, revised,
    unchanged, removed). Raises :class:`ValidationError` before writing anything when
    a question names a lesson the pack does not have.
    """
    table = table_of(m.Question)
    current: dict[str, tuple[int, str, int]] = {}  # key -> (id, hash, position)
    latest: dict[str, int] = {}  # key -> highest revision number
    earlier: dict[tuple[str, str], tuple[int, int]] = {}  # (key, hash) -> (revision, id)
    for id_, key, revision, is_current, h, position in s.execute(
        select(
            table.c.id, table.c.key, table.c.revision, table.c.is_current,
            table.c.content_hash, table.c.position,
        ).where(table.c.pack_id == pack_id)
    ):
        if is_current:
            current[key] = (id_, h, position)
        if revision > latest.get(key, 0):
            latest[key] = revision
        if revision > earlier.get((key, h), (0, 0))[0]:
            earlier[key, h] = (revision, id_)

    added = revised = unchanged = 0
    seen: set[str] = set()
    moved: list[dict[str, Any]] = []  # unchanged revisions now at another position
    retire: list[dict[str, Any]] = []  # current revisions that stop being current
    restore: list[dict[str, Any]] = []  # earlier revisions that are current again
    new: list[tuple[int, Question, str, int, int]] = []  # position, question, hash, lesson, rev
    for position, (question, h) in enumerate(zip(pack.questions, hashes, strict=True)):
        seen.add(question.id)
        lesson_id = lesson_ids.get(question.lesson_id)
        if lesson_id is None:
            raise ValidationError(
                f"Question {question.id!r} names lesson {question.lesson_id!r}, "
                f"which pack {pack.id!r} does not have."
            )
        cur = current.get(question.id)
        if cur is not None and cur[1] == h:
            if cur[2] != position:
                moved.append({"b_id": cur[0], "position": position})
            unchanged += 1
            continue
        if cur is not None:
            retire.append({"b_id": cur[0]})
            revised += 1
        else:
            added += 1
            previous = earlier.get((question.id, h))
            if previous is not None:
                # A question removed earlier comes back unchanged: its revision is current again.
                restore.append({"b_id": previous[1], "position": position})
                continue
        new.append((position, question, h, lesson_id, latest.get(question.id, 0) + 1))
    removed = 0
    for key, (id_, _h, _position) in current.items():
        if key not in seen:
            retire.append({"b_id": id_})
            removed += 1

    by_id = table.c.id == _BY_ID
    if moved:
        s.execute(update(table).where(by_id), moved)
    # Old revisions stop being current before the new ones are written (one current each).
    if retire:
        s.execute(update(table).where(by_id).values(is_current=False), retire)
    if restore:
        s.execute(update(table).where(by_id).values(is_current=True), restore)
    if new:
        conn = s.connection()
        rows = question_rows(new, uuid4s(len(new)), pack_id=pack_id, now=now)
        ids = insert_rows(conn, table, QUESTION_COLUMNS, rows, return_ids=True)
        choices = choice_rows(
            (id_, question) for id_, (_p, question, _h, _l, _r) in zip(ids, new, strict=True)
        )
        insert_rows(conn, table_of(m.Choice), CHOICE_COLUMNS, choices)
    return added, revised, unchanged, removed
