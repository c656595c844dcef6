"""Installing packs: first import, re-import (new question revisions), the built-in pack.

A question's identity is (pack key, question id). Re-importing a pack compares each
question's content hash (:func:`quizapp.store.convert.question_hash`) with its current
revision: unchanged ones are kept, changed ones get a new revision that becomes
current, missing ones stop being current. Attempts keep pointing at the revision they
asked, so history and review always show what the student saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from quizapp.domain.errors import ValidationError
from quizapp.domain.model import ImportResult, Pack
from quizapp.services.dto import PackInstallReport
from quizapp.store import models as m
from quizapp.store.convert import lesson_hash, pack_hash, question_hash, question_row
from quizapp.store.types import utc_now


def install_pack(
    sessions: sessionmaker[Session], pack: Pack, *, builtin: bool = False, enabled: bool = True
) -> PackInstallReport:
    """Install ``pack``, or update the installed pack with the same key, in one transaction.

    All or nothing. On re-import the pack's metadata and lessons are updated (lessons
    matched by id; missing ones retired), ``enabled`` is set as given and a deleted
    pack comes back. Raises :class:`ValidationError` when a question names a lesson
    the pack does not have.
    """
    with sessions.begin() as s:
        return _install(s, pack, builtin=builtin, enabled=enabled, keep_state=False)


def ensure_builtin_pack(sessions: sessionmaker[Session], path: Path) -> None:
    """Install the built-in pack from ``path`` at first start; refresh it when its content
    (version included) changed; otherwise do nothing.

    Loads with ``quizapp.formats.json_pack.load_pack(path, require_evidence=True)``
    (raises its ``PackError`` on a bad file). On refresh the teacher's choices (enabled,
    deleted) are kept. Safe when many computers call it at once on one server: the
    hash is compared first, the pack row is locked (``SELECT ... FOR UPDATE`` where
    supported), and a unique-constraint race is settled by re-checking.
    """
    from quizapp.formats.json_pack import load_pack

    loaded: Pack | ImportResult = load_pack(path, require_evidence=True)
    pack = loaded.pack if isinstance(loaded, ImportResult) else loaded
    wanted = pack_hash(pack)
    for round_ in range(3):
        with sessions.begin() as s:
            current = s.scalar(select(m.Pack.content_hash).where(m.Pack.key == pack.id))
        if current == wanted:
            return
        try:
            with sessions.begin() as s:
                _install(s, pack, builtin=True, enabled=True, keep_state=True)
            return
        except IntegrityError:
            # Another computer installed or refreshed it at the same moment.
            if round_ == 2:
                raise


def _install(
    s: Session, pack: Pack, *, builtin: bool, enabled: bool, keep_state: bool
) -> PackInstallReport:
    now = utc_now()
    wanted_hash = pack_hash(pack)
    # FOR NO KEY UPDATE on PostgreSQL: students starting attempts (a foreign key to this
    # row takes FOR KEY SHARE) are not blocked while a teacher imports a new version.
    row = s.scalars(
        select(m.Pack).where(m.Pack.key == pack.id).with_for_update(key_share=True)
    ).one_or_none()
    created = row is None
    changed = created
    if row is None:
        row = m.Pack(key=pack.id, content_hash=wanted_hash, revision=1, imported_at=now)
        row.enabled = enabled
        row.is_builtin = builtin
        s.add(row)
    else:
        changed = row.content_hash != wanted_hash
        if changed:
            row.revision += 1
            row.imported_at = now
        if not keep_state:
            row.enabled = enabled
            row.deleted_at = None
        row.is_builtin = row.is_builtin or builtin
    row.title = pack.title
    row.language = pack.language
    row.version = pack.version
    row.description = pack.description
    row.source = pack.source
    row.notice = pack.notice
    row.content_hash = wanted_hash
    s.flush()

    # Lessons, matched by key.
    lessons = {
        les.key: les for les in s.scalars(select(m.Lesson).where(m.Lesson.pack_id == row.id))
    }
    added = updated = retired = 0
    wanted_keys: set[str] = set()
    for position, lesson in enumerate(pack.lessons):
        wanted_keys.add(lesson.id)
        h = lesson_hash(lesson)
        existing = lessons.get(lesson.id)
        if existing is None:
            existing = m.Lesson(
                pack_id=row.id,
                key=lesson.id,
                position=position,
                title=lesson.title,
                body=lesson.body,
                content_hash=h,
                retired=False,
            )
            s.add(existing)
            lessons[lesson.id] = existing
            added += 1
            continue
        if existing.content_hash != h or existing.retired:
            updated += 1
        existing.position = position
        existing.title = lesson.title
        existing.body = lesson.body
        existing.content_hash = h
        existing.retired = False
    for key, existing in lessons.items():
        if key not in wanted_keys and not existing.retired:
            existing.retired = True
            retired += 1
    s.flush()

    # Questions: compare with the current revision of each identity.
    current = {
        q.key: q
        for q in s.scalars(
            select(m.Question).where(m.Question.pack_id == row.id, m.Question.is_current)
        )
    }
    latest = _pairs(
        s.execute(
            select(m.Question.key, func.max(m.Question.revision))
            .where(m.Question.pack_id == row.id)
            .group_by(m.Question.key)
        )
    )
    q_added = q_revised = q_unchanged = q_removed = 0
    seen: set[str] = set()
    new_rows: list[m.Question] = []
    for position, question in enumerate(pack.questions):
        seen.add(question.id)
        lesson_row = lessons.get(question.lesson_id)
        if lesson_row is None or lesson_row.retired:
            raise ValidationError(
                f"Question {question.id!r} names lesson {question.lesson_id!r}, "
                f"which pack {pack.id!r} does not have."
            )
        h = question_hash(question)
        cur = current.get(question.id)
        if cur is not None and cur.content_hash == h:
            cur.position = position
            q_unchanged += 1
            continue
        if cur is not None:
            cur.is_current = False
            q_revised += 1
        else:
            previous = s.scalars(
                select(m.Question).where(
                    m.Question.pack_id == row.id,
                    m.Question.key == question.id,
                    m.Question.content_hash == h,
                )
                .order_by(m.Question.revision.desc())
                .limit(1)
            ).first()
            q_added += 1
            if previous is not None:
                # A question removed earlier comes back unchanged: its revision is current again.
                previous.is_current = True
                previous.position = position
                continue
        new_rows.append(
            question_row(
                question,
                pack_id=row.id,
                lesson_id=lesson_row.id,
                revision=latest.get(question.id, 0) + 1,
                position=position,
            )
        )
    for key, cur in current.items():
        if key not in seen:
            cur.is_current = False
            q_removed += 1
    # Old revisions stop being current before the new ones are written (one current each).
    s.flush()
    s.add_all(new_rows)
    s.flush()
    return PackInstallReport(
        pack_id=row.id,
        key=row.key,
        title=row.title,
        version=row.version,
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


def _pairs(rows: Iterable[Any]) -> dict[Any, Any]:
    """``{first column: second column}`` of two-column result rows."""
    return {row[0]: row[1] for row in rows}
