"""The built-in pack at start-up, without re-reading it when it has not changed.

:func:`quizapp.services.packs.ensure_builtin_pack` parses and validates
``questions.json`` (and loads Markdown for its evidence check) on every call. At
start-up that costs more than painting the window, so :func:`ensure_builtin_pack_fast`
first compares the SHA-256 of the file's bytes with the digest stored in the
``settings`` table after the last successful install, and only on a difference (or
the first start) calls ``ensure_builtin_pack``, then stores the new digest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from quizapp.store import models as m

BUILTIN_DIGEST_KEY = "builtin_pack_sha256"
"""``settings`` key of the SHA-256 (hex) of the built-in ``questions.json`` last installed."""


def file_digest(path: Path) -> str:
    """SHA-256 of the bytes of ``path``, as 64 lowercase hex characters.

    Raises ``OSError`` when the file cannot be read."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_digest(sessions: sessionmaker[Session]) -> str | None:
    """The digest stored by the last successful install, or ``None`` (never installed
    through here, or no built-in pack row with current questions any more). A read-only
    transaction (a deferred ``BEGIN`` on SQLite, so no write lock is taken at start-up)."""
    with sessions() as s:
        s.connection(execution_options={"sqlite_begin": "DEFERRED"})
        value = s.scalar(select(m.Setting.value).where(m.Setting.key == BUILTIN_DIGEST_KEY))
        if not isinstance(value, str):
            return None
        # The built-in pack row must hold current questions: a row with none (made by a
        # results bundle, say) is not an install, whatever digest is stored.
        installed = s.scalar(
            select(m.Question.id)
            .join(m.Pack, m.Pack.id == m.Question.pack_id)
            .where(m.Pack.is_builtin, m.Question.is_current)
            .limit(1)
        )
        return value if installed is not None else None


def ensure_builtin_pack_fast(sessions: sessionmaker[Session], path: Path) -> bool:
    """Make sure the built-in pack at ``path`` is installed and current; return True
    when it had to be read (first start, or the file changed), False when the stored
    digest matched and nothing was parsed.

    On a difference it calls :func:`quizapp.services.packs.ensure_builtin_pack`
    (unchanged: content hashes, teacher's choices kept, safe on a shared server) and
    then stores the file's digest under :data:`BUILTIN_DIGEST_KEY`. Raises what that
    function raises (``PackError`` for a bad file) and ``OSError`` for an unreadable
    file; the digest is stored only after a successful install.
    """
    digest = file_digest(path)
    if stored_digest(sessions) == digest:
        return False
    from quizapp.services.packs import ensure_builtin_pack

    ensure_builtin_pack(sessions, path)
    _store_digest(sessions, digest)
    return True


def _store_digest(sessions: sessionmaker[Session], digest: str) -> None:
    for round_ in range(3):
        try:
            with sessions.begin() as s:
                row = s.get(m.Setting, BUILTIN_DIGEST_KEY)
                if row is None:
                    s.add(m.Setting(key=BUILTIN_DIGEST_KEY, value=digest))
                elif row.value != digest:
                    row.value = digest
            return
        except IntegrityError:
            # Another computer stored it at the same moment (shared server): look again.
            if round_ == 2:
                raise
