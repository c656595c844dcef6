"""Pack management for the teacher area and the command line: list, preview, import,
enable or disable, delete (softly) and export installed packs.

Every method opens its own unit of work and returns frozen dataclasses, never rows.
Times are aware UTC datetimes (the GUI shows them in local time).

- An import is all or nothing: the file is read completely first (a
  :class:`~quizapp.domain.errors.PackError` lists every problem and nothing is
  written), then installed in one transaction by
  :func:`quizapp.services.packs.install_pack`. Re-importing a pack with the same id
  makes new question revisions; past attempts keep the revisions they asked.
- Deleting is soft: the pack gets ``deleted_at``, so students no longer see it and the
  list no longer shows it, while past attempts stay reviewable. Importing the same
  pack id again brings it back. The built-in pack can be disabled, not deleted.
- Export writes the current revisions back as a domain pack, as our JSON or as GIFT
  (by the file's extension): JSON export then import gives back the same pack.
- The GUI previews and imports in a child process, so a big file never holds up its
  event loop: :func:`preview_from_database` reads the file there and sends back only a
  :class:`PreviewSummary` (counts, problems, skipped items: a few kilobytes where the
  pack of 10,000 questions pickles to megabytes); :func:`import_into_database` reads it
  again there and installs it, refusing with :class:`FileChangedError` when its SHA-256
  is no longer the one previewed.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import NotFoundError, PackError, Problem, ValidationError
from quizapp.domain.model import ImportResult, Lesson, Pack, QuestionType, SkippedItem
from quizapp.formats.registry import READ_EXTENSIONS, WRITE_EXTENSIONS
from quizapp.services.dto import PackInstallReport
from quizapp.services.packs import install_pack
from quizapp.store import models as m
from quizapp.store.convert import pack_hashes, question_from_row
from quizapp.store.types import utc_now

IMPORT_EXTENSIONS: tuple[str, ...] = READ_EXTENSIONS
"""File extensions a pack can be imported from (lower case, with the dot)."""

EXPORT_EXTENSIONS: tuple[str, ...] = WRITE_EXTENSIONS
"""File extensions a pack can be exported to: ``.json`` (our format), ``.gift``/``.txt``."""

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class FileChangedError(ValidationError):
    """The file to import is not the one previewed any more (its SHA-256 differs, or it
    changed while being read, or it is gone); nothing was imported."""


@dataclass(frozen=True)
class PackRow:
    """One installed (not deleted) pack, as the teacher's list shows it.

    ``question_count``: current question revisions; ``lesson_count``: lessons not
    retired; ``imported_at``: aware UTC time of the last install that changed it;
    ``revision``: how many installs changed it; ``attempt_count``: attempts (any
    student, finished or not) that used it.
    """

    id: int
    key: str
    title: str
    version: str
    revision: int
    question_count: int
    lesson_count: int
    imported_at: datetime
    enabled: bool
    is_builtin: bool
    attempt_count: int


@dataclass(frozen=True)
class LessonPreview:
    """A lesson of a file about to be imported: its id, title and question count."""

    id: str
    title: str
    question_count: int


@dataclass(frozen=True)
class ExistingPack:
    """The installed pack a file would update (same pack id)."""

    id: int
    title: str
    version: str
    enabled: bool
    deleted: bool
    is_builtin: bool
    unchanged: bool = False
    """True when the file holds exactly what is installed now (pack content hash and
    every current question the same, not deleted): importing would change nothing."""
    questions_changed: int = 0
    """Questions of the file whose current revision here differs (a new revision)."""
    questions_added: int = 0
    """Questions of the file not current here."""
    questions_removed: int = 0
    """Current questions here that the file no longer has."""


@dataclass(frozen=True)
class ImportPreview:
    """What importing ``path`` would do, for the preview report.

    Either ``result`` is set (the file reads; ``problems`` is empty) or ``problems``
    lists every error with its location (``result`` is ``None``; nothing can be
    imported). ``existing`` is the installed pack with the same id, if any, so the
    report can say "new version of …".
    """

    path: str
    result: ImportResult | None
    problems: tuple[Problem, ...] = ()
    existing: ExistingPack | None = None

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return self.result is not None and not self.problems

    @property
    def change_summary(self) -> str:
        """One sentence for the preview: a new pack; no change (already installed exactly
        as in this file); or a new version with the questions changed, added and removed
        (empty when the file has errors)."""
        pack, e = self.pack, self.existing
        if pack is None:
            return ""
        if e is None:
            return "This is a new pack on this computer."
        if e.unchanged:
            return "No change: this pack is already installed exactly as in this file."
        counts = (
            f"{_n(e.questions_changed, 'question')} changed, {e.questions_added} added, "
            f"{e.questions_removed} removed"
        )
        text = (
            f"New version of “{e.title}” (installed: version {e.version}, in this file: "
            f"version {pack.version}): {counts}. Questions that changed get a new revision; "
            "past attempts keep the questions exactly as they were asked."
        )
        if e.deleted:
            text += " That pack was deleted: importing brings it back."
        return text

    @property
    def pack(self) -> Pack | None:
        """The pack read from the file, or ``None`` when it has errors."""
        return self.result.pack if self.result is not None else None

    @property
    def lessons(self) -> tuple[LessonPreview, ...]:
        """Lessons in file order with their question counts (empty on errors)."""
        pack = self.pack
        if pack is None:
            return ()
        per_lesson = Counter(q.lesson_id for q in pack.questions)  # one pass, any size
        return tuple(
            LessonPreview(lesson.id, lesson.title, per_lesson[lesson.id]) for lesson in pack.lessons
        )

    @property
    def questions_by_type(self) -> tuple[tuple[QuestionType, int], ...]:
        """``(type, count)`` for each type present, in :class:`QuestionType` order."""
        pack = self.pack
        if pack is None:
            return ()
        counts = Counter(q.type for q in pack.questions)
        return tuple((t, counts[t]) for t in QuestionType if counts[t])

    @property
    def skipped(self) -> tuple[SkippedItem, ...]:
        """What the reader met and will not import, each with its line and reason."""
        return self.result.skipped if self.result is not None else ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The reader's warnings (e.g. the encoding it guessed)."""
        return self.result.warnings if self.result is not None else ()

    def summary(self, sha256: str = "") -> PreviewSummary:
        """What the preview report shows of this, without the questions themselves
        (``sha256``: the hex digest of the file's bytes as read)."""
        pack = self.pack
        if pack is None or not self.ok:
            return PreviewSummary(path=self.path, sha256=sha256, problems=self.problems)
        return PreviewSummary(
            path=self.path,
            sha256=sha256,
            pack_id=pack.id,
            title=pack.title,
            version=pack.version,
            question_count=len(pack.questions),
            lessons=self.lessons,
            questions_by_type=self.questions_by_type,
            skipped=self.skipped,
            warnings=self.warnings,
            existing=self.existing,
            change_summary=self.change_summary,
            readable=True,
        )


@dataclass(frozen=True)
class PreviewSummary:
    """What the import preview shows of a file, without its questions: small and
    picklable, so it travels back cheaply from the child process that read the file
    (see :func:`preview_from_database`).

    ``sha256``: hex digest of the file's bytes as read ("" when unreadable), which
    :func:`import_into_database` checks. When the file reads (``ok``): the pack's
    ``pack_id``, ``title``, ``version``, ``question_count``, its ``lessons`` in file
    order with their question counts, ``questions_by_type`` (``(type, count)`` in
    :class:`QuestionType` order, types present only), what was ``skipped`` (each with
    its line and why), the reader's ``warnings``, the installed pack it would update
    (``existing``) and the sentence saying so (``change_summary``). Otherwise
    ``problems`` lists every error with its file, line, column and field.
    """

    path: str
    sha256: str = ""
    problems: tuple[Problem, ...] = ()
    pack_id: str = ""
    title: str = ""
    version: str = ""
    question_count: int = 0
    lessons: tuple[LessonPreview, ...] = ()
    questions_by_type: tuple[tuple[QuestionType, int], ...] = ()
    skipped: tuple[SkippedItem, ...] = ()
    warnings: tuple[str, ...] = ()
    existing: ExistingPack | None = None
    change_summary: str = ""
    readable: bool = False
    """True when the file was read into a pack (then ``problems`` is empty)."""

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return self.readable and not self.problems

    @property
    def lesson_count(self) -> int:
        """How many lessons the file has."""
        return len(self.lessons)


class PackAdmin:
    """Pack management over one database (``sessions``: its session factory).

    ``clock`` gives aware UTC now (for ``deleted_at``).
    """

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    @property
    def database_url(self) -> str | None:
        """The URL of this database for another process to open it (with its password:
        never show it), or ``None`` when no other process can (SQLite in memory)."""
        from sqlalchemy.engine import Engine

        bind = self._sessions.kw.get("bind")
        if not isinstance(bind, Engine):
            return None
        url = bind.url
        if url.get_backend_name() == "sqlite" and (
            not url.database or url.database == ":memory:" or "mode=memory" in str(url)
        ):
            return None
        return url.render_as_string(hide_password=False)

    # ------------------------------------------------------------ list

    def list_packs(self) -> list[PackRow]:
        """Installed packs not deleted: the built-in one first, then by title."""
        with self._sessions() as s:
            packs = list(
                s.scalars(
                    select(m.Pack)
                    .where(m.Pack.deleted_at.is_(None))
                    .order_by(m.Pack.is_builtin.desc(), func.lower(m.Pack.title), m.Pack.id)
                )
            )
            questions = _counts(
                s,
                select(m.Question.pack_id, func.count())
                .where(m.Question.is_current)
                .group_by(m.Question.pack_id),
            )
            lessons = _counts(
                s,
                select(m.Lesson.pack_id, func.count())
                .where(m.Lesson.retired.is_(False))
                .group_by(m.Lesson.pack_id),
            )
            attempts = _counts(
                s, select(m.Attempt.pack_id, func.count()).group_by(m.Attempt.pack_id)
            )
            return [
                PackRow(
                    id=p.id,
                    key=p.key,
                    title=p.title,
                    version=p.version,
                    revision=p.revision,
                    question_count=questions.get(p.id, 0),
                    lesson_count=lessons.get(p.id, 0),
                    imported_at=p.imported_at,
                    enabled=p.enabled,
                    is_builtin=p.is_builtin,
                    attempt_count=attempts.get(p.id, 0),
                )
                for p in packs
            ]

    def get(self, pack_id: int) -> PackRow:
        """One pack of :meth:`list_packs`; :class:`NotFoundError` if absent or deleted."""
        for row in self.list_packs():
            if row.id == pack_id:
                return row
        raise NotFoundError(f"There is no pack number {pack_id}.")

    # ------------------------------------------------------------ enable, delete

    def set_enabled(self, pack_id: int, enabled: bool) -> None:
        """Show (``True``) or hide (``False``) a pack on the students' Home."""
        with self._sessions.begin() as s:
            pack = self._pack(s, pack_id)
            pack.enabled = enabled

    def delete_pack(self, pack_id: int) -> None:
        """Soft-delete a pack: hidden from students and from the list; past attempts stay
        reviewable; importing the same pack id brings it back.

        Raises :class:`ValidationError` for the built-in pack (disable it instead) and
        :class:`NotFoundError` for an unknown or already deleted pack.
        """
        with self._sessions.begin() as s:
            pack = self._pack(s, pack_id)
            if pack.is_builtin:
                raise ValidationError(
                    f"“{pack.title}” comes with quizapp and cannot be deleted; "
                    "disable it to hide it from students."
                )
            pack.deleted_at = self._clock()

    # ------------------------------------------------------------ import

    def preview(self, path: str | os.PathLike[str]) -> ImportPreview:
        """Read ``path`` with the reader its extension names and describe what importing
        it would do. Never raises for a bad file: its problems are in the preview."""
        from quizapp.formats.registry import read_question_set

        filename = os.fspath(path)
        try:
            result = read_question_set(filename)
        except PackError as err:
            return ImportPreview(path=filename, result=None, problems=err.problems)
        return self.preview_result(filename, result)

    def preview_result(self, path: str, result: ImportResult) -> ImportPreview:
        """The preview of a file already read (the GUI reads off its thread, then asks
        here which installed pack it would update)."""
        pack = result.pack
        with self._sessions() as s:
            row = s.scalars(select(m.Pack).where(m.Pack.key == pack.id)).one_or_none()
            if row is None:
                return ImportPreview(path=path, result=result, existing=None)
            here: dict[str, str] = {
                key: h
                for key, h in s.execute(
                    select(m.Question.key, m.Question.content_hash).where(
                        m.Question.pack_id == row.id, m.Question.is_current
                    )
                )
            }
            wanted, hashes = pack_hashes(pack)
            changed = added = 0
            for question, h in zip(pack.questions, hashes, strict=True):
                mine = here.get(question.id)
                if mine is None:
                    added += 1
                elif mine != h:
                    changed += 1
            removed = len(set(here) - {q.id for q in pack.questions})
            deleted = row.deleted_at is not None
            existing = ExistingPack(
                id=row.id,
                title=row.title,
                version=row.version,
                enabled=row.enabled,
                deleted=deleted,
                is_builtin=row.is_builtin,
                unchanged=(
                    row.content_hash == wanted and not deleted and not (changed or added or removed)
                ),
                questions_changed=changed,
                questions_added=added,
                questions_removed=removed,
            )
        return ImportPreview(path=path, result=result, existing=existing)

    def import_file(
        self, path: str | os.PathLike[str], *, enabled: bool = True
    ) -> PackInstallReport:
        """Read and install ``path`` (all or nothing).

        Raises :class:`PackError` listing every problem (nothing written) and
        :class:`ValidationError` from the install (nothing written either)."""
        from quizapp.formats.registry import read_question_set

        return self.install(read_question_set(path).pack, enabled=enabled)

    def install_previewed(
        self, preview: ImportPreview, *, enabled: bool = True
    ) -> PackInstallReport:
        """Install exactly the pack the teacher saw in ``preview`` (one transaction).

        Raises :class:`ValidationError` when the preview has errors."""
        pack = preview.pack
        if pack is None or not preview.ok:
            raise ValidationError("This file has errors, so nothing can be imported from it.")
        return self.install(pack, enabled=enabled)

    def install(self, pack: Pack, *, enabled: bool = True) -> PackInstallReport:
        """Install or update ``pack`` in one transaction (see ``install_pack``)."""
        return install_pack(self._sessions, pack, enabled=enabled)

    def preview_summary(
        self,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> PreviewSummary:
        """:meth:`preview` as a :class:`PreviewSummary` (no questions in it) with the
        SHA-256 of the bytes read, for :meth:`import_unchanged`. Never raises for a bad
        file (its problems are in the summary); raises :class:`FileChangedError` when
        the file changed while being read and
        :class:`~quizapp.services.results.OperationCancelled` when ``cancelled()``.
        ``progress(done, 2)``: the file read, then compared with what is installed."""
        filename = os.fspath(path)
        outcome, sha = _read_steady(filename)
        if progress is not None:
            progress(1, 2)
        _check(cancelled)
        if isinstance(outcome, ImportResult):
            summary = self.preview_result(filename, outcome).summary(sha)
        else:
            summary = PreviewSummary(path=filename, sha256=sha, problems=outcome)
        if progress is not None:
            progress(2, 2)
        return summary

    def import_unchanged(
        self,
        path: str | os.PathLike[str],
        sha256: str,
        *,
        enabled: bool = True,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> PackInstallReport:
        """Read ``path`` again and install it (one transaction, all or nothing), provided
        its bytes are still those previewed: ``sha256`` as :meth:`preview_summary` gave.

        Raises :class:`FileChangedError` (nothing written) when the file differs now,
        changed while being read, or is gone;
        :class:`~quizapp.services.results.OperationCancelled` when ``cancelled()``
        before the transaction; :class:`ValidationError` from the install.
        ``progress(done, 2)``: the file read, then installed."""
        filename = os.fspath(path)
        try:
            if file_sha256(filename) != sha256:
                raise _changed(filename)
        except OSError as exc:
            raise _changed(filename) from exc
        outcome, sha = _read_steady(filename)
        if sha != sha256:
            raise _changed(filename)
        if not isinstance(outcome, ImportResult):  # the same bytes previewed fine
            raise ValidationError(str(PackError(outcome)))  # (a PackError would not unpickle)
        if progress is not None:
            progress(1, 2)
        _check(cancelled)
        report = self.install(outcome.pack, enabled=enabled)
        if progress is not None:
            progress(2, 2)
        return report

    # ------------------------------------------------------------ export

    def export_domain_pack(self, pack_id: int) -> Pack:
        """The pack as students get it now: metadata, lessons not retired in order, the
        current revision of each question in order. Deleted packs can be exported too.
        Raises :class:`NotFoundError`."""
        with self._sessions() as s:
            pack = s.get(m.Pack, pack_id)
            if pack is None:
                raise NotFoundError(f"There is no pack number {pack_id}.")
            lessons = list(
                s.scalars(
                    select(m.Lesson)
                    .where(m.Lesson.pack_id == pack_id, m.Lesson.retired.is_(False))
                    .order_by(m.Lesson.position)
                )
            )
            rows = s.scalars(
                select(m.Question)
                .where(m.Question.pack_id == pack_id, m.Question.is_current)
                .options(selectinload(m.Question.choices), selectinload(m.Question.lesson))
                .order_by(m.Question.position, m.Question.id)
            )
            questions = tuple(question_from_row(row) for row in rows)
            return Pack(
                id=pack.key,
                title=pack.title,
                lessons=tuple(
                    Lesson(id=les.key, title=les.title, body=les.body) for les in lessons
                ),
                questions=questions,
                language=pack.language,
                version=pack.version,
                description=pack.description,
                source=pack.source,
                notice=pack.notice,
            )

    def export_pack(self, pack_id: int, path: str | os.PathLike[str]) -> Path:
        """Write the pack (see :meth:`export_domain_pack`) to ``path``: our JSON for
        ``.json``, GIFT for ``.gift`` / ``.txt``; the file is replaced atomically.

        Returns the path written. Raises :class:`NotFoundError`, :class:`PackError`
        (rule ``unsupported-format``) for another extension,
        :class:`~quizapp.formats.files.FileWriteError` (a ``QuizAppError`` and an
        ``OSError``, naming the folder) when the file cannot be written."""
        from quizapp.formats.registry import write_question_set

        pack = self.export_domain_pack(pack_id)
        write_question_set(pack, path)
        return Path(path)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _pack(s: Session, pack_id: int) -> m.Pack:
        pack = s.get(m.Pack, pack_id)
        if pack is None or pack.deleted_at is not None:
            raise NotFoundError(f"There is no pack number {pack_id}.")
        return pack


# --------------------------------------------------------------------------- child side


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of the file's bytes (read in 1 MiB chunks). Raises ``OSError``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _changed(filename: str, *, while_reading: bool = False) -> FileChangedError:
    name = Path(filename).name
    if while_reading:
        return FileChangedError(
            f"“{name}” changed while it was being read. Open it again once it is saved."
        )
    return FileChangedError(
        f"“{name}” has changed since it was read for the preview, so nothing was imported. "
        "Check the new preview, then import again."
    )


def _read_steady(filename: str) -> tuple[ImportResult | tuple[Problem, ...], str]:
    """The file read (or its problems) and the SHA-256 of the bytes read ("" when it
    cannot be opened). Hashed before and after reading: :class:`FileChangedError` when
    the two differ (the file was being written meanwhile)."""
    from quizapp.formats.registry import read_question_set

    def digest() -> str:
        try:
            return file_sha256(filename)
        except OSError:
            return ""  # the reader says why, in the teacher's words

    before = digest()
    try:
        outcome: ImportResult | tuple[Problem, ...] = read_question_set(filename)
    except PackError as err:
        outcome = err.problems
    if digest() != before:
        raise _changed(filename, while_reading=True)
    return outcome, before


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        from quizapp.services.results import OperationCancelled

        raise OperationCancelled("Cancelled; nothing was imported.")


def preview_from_database(
    url: str,
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PreviewSummary:
    """:meth:`PackAdmin.preview_summary` on the database at ``url`` (a SQLAlchemy URL,
    as :attr:`PackAdmin.database_url` gives it; opened here without migrating, closed
    after): the entry point of the GUI's preview, run in a child process. Every
    argument and the result are picklable."""
    from quizapp.store.database import open_database

    database = open_database(url, migrate=False)
    try:
        return PackAdmin(database.sessions).preview_summary(
            path, progress=progress, cancelled=cancelled
        )
    finally:
        database.close()


def import_into_database(
    url: str,
    path: str | os.PathLike[str],
    sha256: str,
    enabled: bool = True,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> PackInstallReport:
    """:meth:`PackAdmin.import_unchanged` on the database at ``url`` (opened here
    without migrating, closed after): the entry point of the GUI's Import, run in a
    child process. Every argument and the result are picklable; a ``SIGTERM`` during
    the transaction rolls it back."""
    from quizapp.store.database import open_database

    database = open_database(url, migrate=False)
    try:
        return PackAdmin(database.sessions).import_unchanged(
            path, sha256, enabled=enabled, progress=progress, cancelled=cancelled
        )
    finally:
        database.close()


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _counts(s: Session, statement: Select[int, int]) -> dict[int, int]:
    return {int(row[0]): int(row[1]) for row in s.execute(statement)}


__all__ = [
    "EXPORT_EXTENSIONS",
    "IMPORT_EXTENSIONS",
    "ExistingPack",
    "FileChangedError",
    "ImportPreview",
    "LessonPreview",
    "PackAdmin",
    "PackRow",
    "PreviewSummary",
    "file_sha256",
    "import_into_database",
    "preview_from_database",
]
