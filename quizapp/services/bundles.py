"""Results from several offline computers: export a results bundle, merge bundles.

A **bundle** is a zip file holding one ``bundle.json`` (UTF-8)::

    {"format": "quizapp-results-bundle", "version": 1, "exported_at": "...Z",
     "classes": [...], "students": [...], "packs": [...], "lessons": [...],
     "questions": [... each with its "choices"], "quizzes": [...],
     "attempts": [... each with "slots", each slot with "responses"],
     "merged_students": [{"uuid", "kept_student_uuid", "merged_at"}],
     "lesson_reads": [...], "cards": [... each with its review "logs"]}

A response carries its regrade (``original_fraction``, ``regraded_at`` and
``regraded_question_uuid``, the revision that marks it now, which the bundle's
``questions`` include).

Every row is identified by its UUID and refers to others by UUID (``student_uuid``,
``question_uuid``...), never by local integer ids. Packs, lessons and question revisions
are those the attempts refer to, so a bundle always carries the questions exactly as
they were asked. The ``settings`` table (the teacher's PIN hash among others) is never
included. Times are ISO 8601 UTC.

**Merging** (:func:`merge_bundles`) is idempotent: a row whose UUID is already here is not
added again, so merging the same bundle twice adds nothing. Matching rules:

- classes, students, quizzes, attempts, responses, cards and review logs: by UUID only.
  Two students of the same name from two computers have different UUIDs and stay two
  profiles (the report lists them as *namesakes*) until the teacher merges them
  (:meth:`quizapp.services.classes.ClassService.merge_students`).
- packs: by UUID, else by pack key (the same pack installed on each computer); a pack
  unknown here is created disabled (students do not see it; its attempts are reviewable),
  not built-in and with an empty content hash (it holds no current question), so the
  built-in pack or a teacher's import installs it fully later.
- lessons: by UUID, else by (pack, key); else created retired.
- question revisions: by UUID, else by (pack, key, content hash): the same content is
  the same question as asked; else created as a non-current revision (numbered after
  the last one), so attempts always point at the question exactly as asked.
- a student the teacher merged into another profile here (``merged_students``, recorded
  by :meth:`quizapp.services.classes.ClassService.merge_students`) is not brought back:
  its attempts, lesson reads and cards go to the kept profile. A bundle's own
  ``merged_students`` are recorded here too (when the kept profile is known here).
- a response already here that the bundle's computer regraded later takes that
  regrade (fraction and regrade columns) and its attempt the bundle's marks.
- an attempt already here gains the responses it lacks, and takes the bundle's state
  and marks when it is finished there and not here (exported mid-quiz, then again).
- a card for a question the student already has a card for keeps the state of the more
  recent review; review logs are added by UUID.

Each bundle is merged in one transaction: all of it or nothing. Every bundle is read and
checked (format, version) before any is merged; an unknown version is refused with a
:class:`BundleError` saying so.
"""

from __future__ import annotations

import json
import uuid as uuid_module
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from quizapp.domain.errors import QuizAppError
from quizapp.domain.text import plural
from quizapp.services.attempt_cells import store_cells
from quizapp.services.exports import _atomic, iso_utc
from quizapp.services.results import OperationCancelled
from quizapp.store import models as m
from quizapp.store.bulk import insert_rows, large_page_cache, table_of
from quizapp.store.database import read_session
from quizapp.store.types import utc_now

FORMAT = "quizapp-results-bundle"
VERSION = 1
MEMBER = "bundle.json"
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]

_EARLIER = ("earlier bundle was", "earlier bundles were")


class BundleError(QuizAppError):
    """A bundle cannot be read or merged; the message names the file and why."""


@dataclass(frozen=True)
class BundleMergeReport:
    """What merging one bundle added (counts) and ``namesakes``: names of students added
    that match a student already here (kept apart; the teacher may merge them)."""

    path: str
    classes: int = 0
    students: int = 0
    packs: int = 0
    lessons: int = 0
    questions: int = 0
    quizzes: int = 0
    attempts: int = 0
    attempts_updated: int = 0
    responses: int = 0
    lesson_reads: int = 0
    cards: int = 0
    review_logs: int = 0
    namesakes: tuple[str, ...] = ()

    @property
    def added_anything(self) -> bool:
        """True when the bundle brought anything new."""
        return any(
            getattr(self, f.name) for f in fields(self) if f.name not in {"path", "namesakes"}
        )


@dataclass(frozen=True)
class MergeReport:
    """What :func:`merge_bundles` did, one entry per bundle in the order given."""

    bundles: tuple[BundleMergeReport, ...] = field(default=())

    def summary(self) -> str:
        """A few lines for the teacher (and the command line)."""
        lines = []
        for b in self.bundles:
            name = Path(b.path).name
            if not b.added_anything:
                lines.append(f"{name}: nothing new (already merged).")
                continue
            lines.append(
                f"{name}: added {plural(b.students, 'student', 'students')}, "
                f"{plural(b.attempts, 'attempt', 'attempts')} "
                f"({plural(b.responses, 'answer', 'answers')}), "
                f"{plural(b.classes, 'class', 'classes')}, "
                f"{plural(b.questions, 'question revision', 'question revisions')}, "
                f"{plural(b.cards, 'review card', 'review cards')}; "
                f"updated {plural(b.attempts_updated, 'attempt', 'attempts')}."
            )
            if b.namesakes:
                lines.append(
                    "  Students with the same name as one already here were kept apart: "
                    + ", ".join(b.namesakes)
                    + ". Merge their profiles if they are the same person."
                )
        return "\n".join(lines) or "No bundles given."


# --------------------------------------------------------------------------- export


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, uuid_module.UUID):
        return str(v)
    return v


def _row(obj: Any, skip: set[str]) -> dict[str, Any]:
    """An ORM row's columns as JSON values, without local ids and ``skip``."""
    out = {}
    for attr in inspect(obj).mapper.column_attrs:
        key = attr.key
        if key == "id" or key.endswith("_id") or key in skip:
            continue
        out[key] = _value(getattr(obj, key))
    return out


def _when(v: datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def export_results_bundle(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """Write every student, class, attempt (with slots and responses), lesson read and
    review card of this database, and the packs, lessons and question revisions the
    attempts refer to, to the bundle ``path`` (a zip; see the module docstring).
    Written atomically. Returns the number of attempts. Never includes settings (the
    teacher's PIN hash).

    ``cancelled()`` is asked between the reads and every 200 attempts written; when it
    turns true, :class:`OperationCancelled` is raised and no file is left. (A class of
    60 students × 40 attempts takes ~8 s of CPU, most of it reading: the app runs this
    in a child process, :func:`export_results_bundle_from_database`.)"""

    def check() -> None:
        if cancelled is not None and cancelled():
            raise OperationCancelled("The export was cancelled; no file was written.")

    with read_session(sessions) as s:
        classes = list(s.scalars(select(m.SchoolClass)))
        class_uuid = {c.id: str(c.uuid) for c in classes}
        students = list(s.scalars(select(m.Student)))
        student_uuid = {x.id: str(x.uuid) for x in students}
        attempts = list(
            s.scalars(
                select(m.Attempt)
                .order_by(m.Attempt.id)
                .options(selectinload(m.Attempt.slots).selectinload(m.AttemptSlot.responses))
            )
        )
        check()
        question_ids = {x.question_id for a in attempts for x in a.slots} | {
            r.regraded_question_id
            for a in attempts
            for x in a.slots
            for r in x.responses
            if r.regraded_question_id is not None
        }
        questions = list(
            s.scalars(
                select(m.Question)
                .where(m.Question.id.in_(question_ids))
                .options(selectinload(m.Question.choices))
            )
        )
        lesson_ids = {q.lesson_id for q in questions} | {
            a.lesson_id for a in attempts if a.lesson_id is not None
        }
        lessons = list(s.scalars(select(m.Lesson).where(m.Lesson.id.in_(lesson_ids))))
        quiz_ids = {a.quiz_id for a in attempts if a.quiz_id is not None}
        quizzes = list(s.scalars(select(m.Quiz).where(m.Quiz.id.in_(quiz_ids))))
        pack_ids = (
            {q.pack_id for q in questions}
            | {a.pack_id for a in attempts}
            | {x.pack_id for x in lessons}
            | {z.pack_id for z in quizzes}
        )
        packs = list(s.scalars(select(m.Pack).where(m.Pack.id.in_(pack_ids))))
        pack_uuid = {p.id: str(p.uuid) for p in packs}
        lesson_uuid = {x.id: str(x.uuid) for x in lessons}
        quiz_uuid = {z.id: str(z.uuid) for z in quizzes}
        question_uuid = {q.id: str(q.uuid) for q in questions}
        check()
        response_uuid = dict(s.execute(select(m.Response.id, m.Response.uuid)).all())
        reads = s.execute(
            select(m.LessonRead.student_id, m.LessonRead.lesson_id, m.LessonRead.first_read_at)
        ).all()
        check()
        cards = list(s.scalars(select(m.Card).options(selectinload(m.Card.logs))))
        check()
        merged_away = s.execute(
            select(m.MergedStudent.uuid, m.MergedStudent.kept_student_id, m.MergedStudent.merged_at)
        ).all()

        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": iso_utc(utc_now()),
            "classes": [{**_row(c, set()), "created_at": _when(c.created_at)} for c in classes],
            "students": [
                {
                    **_row(x, set()),
                    "class_uuid": class_uuid.get(x.class_id) if x.class_id else None,
                    "created_at": _when(x.created_at),
                    "last_used_at": _when(x.last_used_at),
                }
                for x in students
            ],
            "packs": [
                {
                    **_row(p, set()),
                    "imported_at": _when(p.imported_at),
                    "deleted_at": _when(p.deleted_at),
                }
                for p in packs
            ],
            "lessons": [{**_row(x, set()), "pack_uuid": pack_uuid[x.pack_id]} for x in lessons],
            "questions": [
                {
                    **_row(q, set()),
                    "created_at": _when(q.created_at),
                    "pack_uuid": pack_uuid[q.pack_id],
                    "lesson_uuid": lesson_uuid[q.lesson_id],
                    "choices": [_row(c, set()) for c in q.choices],
                }
                for q in questions
            ],
            "quizzes": [
                {
                    **_row(z, set()),
                    "created_at": _when(z.created_at),
                    "closed_at": _when(z.closed_at),
                    "pack_uuid": pack_uuid[z.pack_id],
                }
                for z in quizzes
            ],
            "attempts": [],
            "merged_students": [
                {
                    "uuid": str(u),
                    "kept_student_uuid": student_uuid[kept],
                    "merged_at": _when(when),
                }
                for u, kept, when in merged_away
                if kept in student_uuid
            ],
            "lesson_reads": [
                {
                    "student_uuid": student_uuid[sid],
                    "lesson_uuid": lesson_uuid.get(lid),
                    "first_read_at": _when(when),
                }
                for sid, lid, when in reads
                if lid in lesson_uuid
            ],
            "cards": [
                {
                    **_row(c, set()),
                    "due": _when(c.due),
                    "last_review": _when(c.last_review),
                    "created_at": _when(c.created_at),
                    "student_uuid": student_uuid[c.student_id],
                    "logs": [
                        {
                            **_row(log, set()),
                            "reviewed_at": _when(log.reviewed_at),
                            "response_uuid": (
                                str(response_uuid[log.response_id])
                                if log.response_id in response_uuid
                                else None
                            ),
                        }
                        for log in c.logs
                    ],
                }
                for c in cards
            ],
        }
        total = len(attempts)
        for done, a in enumerate(attempts, start=1):
            if done % 200 == 1:
                check()
                if progress is not None:
                    progress(done - 1, total)
            doc["attempts"].append(
                {
                    **_row(a, set()),
                    "started_at": _when(a.started_at),
                    "finished_at": _when(a.finished_at),
                    "student_uuid": student_uuid[a.student_id],
                    "pack_uuid": pack_uuid[a.pack_id],
                    "quiz_uuid": quiz_uuid.get(a.quiz_id) if a.quiz_id else None,
                    "lesson_uuid": lesson_uuid.get(a.lesson_id) if a.lesson_id else None,
                    "slots": [
                        {
                            **_row(x, set()),
                            "question_uuid": question_uuid[x.question_id],
                            "responses": [
                                {
                                    **_row(r, set()),
                                    "answered_at": _when(r.answered_at),
                                    "regraded_at": _when(r.regraded_at),
                                    "regraded_question_uuid": (
                                        question_uuid[r.regraded_question_id]
                                        if r.regraded_question_id is not None
                                        else None
                                    ),
                                }
                                for r in x.responses
                            ],
                        }
                        for x in a.slots
                    ],
                }
            )

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MEMBER, json.dumps(doc, ensure_ascii=False))

    _atomic(Path(path), write)
    if progress is not None:
        progress(total, total)
    return total


# --------------------------------------------------------------------------- merge


def export_results_bundle_from_database(
    url: str,
    path: Path,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> int:
    """:func:`export_results_bundle` of the database at ``url`` (a SQLAlchemy URL, as
    :attr:`quizapp.store.database.Database.url` gives it), opened here and closed after:
    the entry point of the export run in a process of its own (a
    :class:`~quizapp.ui.worker.ChildJob`), every argument picklable. Never migrates the
    schema (the app that asked opened it); returns the number of attempts."""
    from quizapp.store.database import open_database

    database = open_database(url, migrate=False)
    try:
        return export_results_bundle(
            database.sessions, path, progress=progress, cancelled=cancelled
        )
    finally:
        database.close()


def read_bundle(path: Path) -> dict[str, Any]:
    """The document of a bundle file, checked for format and version.
    :class:`BundleError` for a file that is not a bundle or of an unknown version."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            doc = json.loads(zf.read(MEMBER).decode("utf-8"))
    except FileNotFoundError as exc:
        raise BundleError(f"{path}: no such file.") from exc
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path} is not a quizapp results bundle ({exc}).") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BundleError(f"{path} is not a quizapp results bundle.")
    version = doc.get("version")
    if version != VERSION:
        raise BundleError(
            f"{path} is a results bundle of version {version!r}; this quizapp reads version "
            f"{VERSION}. Update quizapp on this computer to merge it."
        )
    return doc


def merge_bundles(
    sessions: sessionmaker[Session],
    paths: Sequence[Path],
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> MergeReport:
    """Merge results bundles into this database (see the module docstring), one
    transaction per bundle, in the order given. Every bundle is read and checked first,
    so a bad file stops everything before anything is merged. ``progress(done, total)``
    counts attempts over all bundles; cancelling rolls back the bundle being merged
    (earlier ones stay merged; the error says which). Returns a :class:`MergeReport`."""
    docs = [(Path(p), read_bundle(Path(p))) for p in paths]
    total = sum(len(d.get("attempts", [])) for _, d in docs)
    done = 0
    reports: list[BundleMergeReport] = []
    for path, doc in docs:
        try:
            with sessions.begin() as s, large_page_cache(s.connection()):
                merger = _Merger(s, str(path))
                for step in merger.merge(doc):
                    done += step
                    if cancelled is not None and cancelled():
                        raise OperationCancelled(
                            f"Merging was cancelled; {path.name} was not merged"
                            + (f" ({plural(len(reports), *_EARLIER)})." if reports else ".")
                        )
                    if progress is not None:
                        progress(done, total)
                reports.append(merger.report())
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleError(
                f"{path} could not be merged (damaged or incomplete: {exc!r}); nothing of it "
                "was added."
            ) from exc
    return MergeReport(tuple(reports))


def _u(value: Any) -> uuid_module.UUID:
    return uuid_module.UUID(str(value))


def _t(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _t_req(value: Any) -> datetime:
    moment = _t(value)
    if moment is None:
        raise ValueError("a required time is missing")
    return moment


class _Merger:
    """Merges one bundle document inside an open session."""

    def __init__(self, s: Session, path: str) -> None:
        self.s = s
        self.path = path
        self.counts: dict[str, int] = {
            f.name: 0 for f in fields(BundleMergeReport) if f.name not in {"path", "namesakes"}
        }
        self.namesakes: list[str] = []
        self.classes: dict[str, int] = {}
        self.students: dict[str, int] = {}
        self.packs: dict[str, int] = {}
        self.lessons: dict[str, int] = {}
        self.questions: dict[str, int] = {}
        self.quizzes: dict[str, int] = {}

    def report(self) -> BundleMergeReport:
        return BundleMergeReport(path=self.path, namesakes=tuple(self.namesakes), **self.counts)

    def _find(self, model: Any, uuid_text: str) -> Any:
        return self.s.scalar(select(model).where(model.uuid == _u(uuid_text)))

    def merge(self, doc: dict[str, Any]) -> Any:
        """Merge, yielding the number of attempts processed now and then."""
        for c in doc.get("classes", []):
            row = self._find(m.SchoolClass, c["uuid"])
            if row is None:
                row = m.SchoolClass(
                    uuid=_u(c["uuid"]),
                    name=c["name"],
                    created_at=_t(c.get("created_at")) or utc_now(),
                )
                self.s.add(row)
                self.s.flush()
                self.counts["classes"] += 1
            self.classes[c["uuid"]] = row.id
        names = {n.casefold() for n in self.s.scalars(select(m.Student.name))}
        merged_away = self._merged_away(doc.get("students", []))
        for x in doc.get("students", []):
            row = self._find(m.Student, x["uuid"])
            if row is None and _u(x["uuid"]) in merged_away:
                # Merged into another profile here: its data goes to that profile.
                row = self.s.get(m.Student, merged_away[_u(x["uuid"])])
            if row is None:
                if x["name"].casefold() in names:
                    self.namesakes.append(x["name"])
                row = m.Student(
                    uuid=_u(x["uuid"]),
                    name=x["name"],
                    class_id=self.classes.get(x.get("class_uuid") or ""),
                    created_at=_t(x.get("created_at")) or utc_now(),
                    last_used_at=_t(x.get("last_used_at")),
                )
                self.s.add(row)
                self.s.flush()
                self.counts["students"] += 1
            else:
                theirs = _t(x.get("last_used_at"))
                if theirs is not None and (row.last_used_at is None or theirs > row.last_used_at):
                    row.last_used_at = theirs
            self.students[x["uuid"]] = row.id
        self._record_merged(doc.get("merged_students", []))
        for p in doc.get("packs", []):
            self.packs[p["uuid"]] = self._pack(p)
        for x in doc.get("lessons", []):
            self.lessons[x["uuid"]] = self._lesson(x)
        for q in doc.get("questions", []):
            self.questions[q["uuid"]] = self._question(q)
        for z in doc.get("quizzes", []):
            self.quizzes[z["uuid"]] = self._quiz(z)
        attempts = doc.get("attempts", [])
        self.s.flush()
        self._known_responses(attempts)
        for start in range(0, len(attempts), _BATCH):
            batch = attempts[start : start + _BATCH]
            self._attempts(batch)
            yield len(batch)
        if not attempts:
            yield 0
        self._reads(doc.get("lesson_reads", []))
        self._cards(doc.get("cards", []))
        self.s.flush()

    def _merged_away(self, students: list[dict[str, Any]]) -> dict[uuid_module.UUID, int]:
        """``{merged-away UUID: kept student id}`` for the bundle's students that the
        teacher merged into another profile here (``merged_students``)."""
        t = m.MergedStudent
        uuids = list(dict.fromkeys(_u(x["uuid"]) for x in students))
        found: dict[uuid_module.UUID, int] = {}
        for start in range(0, len(uuids), _IN_CHUNK):
            found.update(
                (u, kept)
                for u, kept in self.s.execute(
                    select(t.uuid, t.kept_student_id).where(
                        t.uuid.in_(uuids[start : start + _IN_CHUNK])
                    )
                )
            )
        return found

    def _record_merged(self, entries: list[dict[str, Any]]) -> None:
        """Profile merges made on the other computer: each merged-away UUID that is
        neither a student nor recorded here is recorded with its kept profile (when that
        profile is known here), so a later bundle carrying it merges into that profile."""
        for e in entries:
            u = _u(e["uuid"])
            kept = self.students.get(str(e["kept_student_uuid"]))
            if kept is None:
                found = self._find(m.Student, e["kept_student_uuid"])
                kept = None if found is None else int(found.id)
            if kept is None or self._find(m.Student, str(u)) is not None:
                continue
            if self.s.scalar(select(m.MergedStudent.id).where(m.MergedStudent.uuid == u)):
                continue
            self.s.add(m.MergedStudent(
                uuid=u, kept_student_id=kept, merged_at=_t(e.get("merged_at")) or utc_now()
            ))
        self.s.flush()

    def _pack(self, p: dict[str, Any]) -> int:
        row = self._find(m.Pack, p["uuid"])
        if row is None:
            row = self.s.scalar(select(m.Pack).where(m.Pack.key == p["key"]))
        if row is None:
            row = m.Pack(
                uuid=_u(p["uuid"]),
                key=p["key"],
                title=p["title"],
                language=p.get("language", "en"),
                version=p.get("version", "1"),
                description=p.get("description", ""),
                source=p.get("source", ""),
                notice=p.get("notice", ""),
                enabled=False,
                # No claim to be the built-in pack nor to hold its content: only the
                # revisions the attempts asked come with a bundle, none of them current.
                # An install of the real pack fills it in (and enables it).
                is_builtin=False,
                content_hash="",
                revision=int(p.get("revision", 1)),
                imported_at=_t(p.get("imported_at")) or utc_now(),
            )
            self.s.add(row)
            self.s.flush()
            self.counts["packs"] += 1
        return int(row.id)

    def _lesson(self, x: dict[str, Any]) -> int:
        row = self._find(m.Lesson, x["uuid"])
        pack_id = self.packs[x["pack_uuid"]]
        if row is None:
            row = self.s.scalar(
                select(m.Lesson).where(m.Lesson.pack_id == pack_id, m.Lesson.key == x["key"])
            )
        if row is None:
            row = m.Lesson(
                uuid=_u(x["uuid"]),
                pack_id=pack_id,
                key=x["key"],
                position=int(x.get("position", 0)),
                title=x["title"],
                body=x.get("body", ""),
                content_hash=x.get("content_hash", ""),
                retired=True,
            )
            self.s.add(row)
            self.s.flush()
            self.counts["lessons"] += 1
        return int(row.id)

    def _question(self, q: dict[str, Any]) -> int:
        row = self._find(m.Question, q["uuid"])
        pack_id = self.packs[q["pack_uuid"]]
        if row is None:
            row = self.s.scalar(
                select(m.Question)
                .where(
                    m.Question.pack_id == pack_id,
                    m.Question.key == q["key"],
                    m.Question.content_hash == q["content_hash"],
                )
                .order_by(m.Question.revision.desc())
                .limit(1)
            )
        if row is not None:
            return int(row.id)
        taken = self.s.scalar(
            select(func.max(m.Question.revision)).where(
                m.Question.pack_id == pack_id, m.Question.key == q["key"]
            )
        )
        revision = int(q.get("revision", 1))
        if taken is not None and revision <= taken:
            revision = taken + 1
        row = m.Question(
            uuid=_u(q["uuid"]),
            pack_id=pack_id,
            lesson_id=self.lessons[q["lesson_uuid"]],
            key=q["key"],
            revision=revision,
            is_current=False,
            content_hash=q["content_hash"],
            position=int(q.get("position", 0)),
            type=q["type"],
            prompt=q["prompt"],
            text_format=q.get("text_format", "plain"),
            explanation=q.get("explanation", ""),
            hints=list(q.get("hints") or []),
            shuffle=bool(q.get("shuffle", True)),
            scoring=q.get("scoring", "partial"),
            evidence=q.get("evidence"),
            difficulty=q.get("difficulty"),
            tags=list(q.get("tags") or []),
            title=q.get("title", ""),
            created_at=_t(q.get("created_at")) or utc_now(),
            choices=[
                m.Choice(
                    position=int(c["position"]),
                    text=c["text"],
                    fraction=float(c["fraction"]),
                    feedback=c.get("feedback", ""),
                    pinned=bool(c.get("pinned", False)),
                )
                for c in q.get("choices", [])
            ],
        )
        self.s.add(row)
        self.s.flush()
        self.counts["questions"] += 1
        return int(row.id)

    def _quiz(self, z: dict[str, Any]) -> int:
        row = self._find(m.Quiz, z["uuid"])
        if row is None:
            row = m.Quiz(
                uuid=_u(z["uuid"]),
                pack_id=self.packs[z["pack_uuid"]],
                name=z["name"],
                kind=z.get("kind", "exam"),
                behaviour=z["behaviour"],
                lesson_keys=list(z.get("lesson_keys") or []),
                question_count=int(z["question_count"]),
                time_limit_s=z.get("time_limit_s"),
                shuffle=bool(z.get("shuffle", True)),
                attempts_allowed=z.get("attempts_allowed"),
                review_policy=z.get("review_policy", "after_attempt"),
                created_at=_t(z.get("created_at")) or utc_now(),
                closed_at=_t(z.get("closed_at")),
            )
            self.s.add(row)
            self.s.flush()
            self.counts["quizzes"] += 1
        return int(row.id)

    def _known_responses(self, attempts: list[dict[str, Any]]) -> None:
        """Which of the bundle's response UUIDs this database already has (one query per
        chunk of UUIDs), so no response is looked up one at a time."""
        wanted = [
            _u(r["uuid"])
            for a in attempts
            for x in a.get("slots", [])
            for r in x.get("responses", [])
        ]
        self.response_uuids: set[uuid_module.UUID] = set(
            _existing(self.s, m.Response.uuid, wanted)
        )

    def _attempts(self, batch: list[dict[str, Any]]) -> None:
        """Merge a batch of attempts: those new here are bulk-inserted with their slots
        and responses; those already here gain the slots and responses they lack and
        take the bundle's state when it is finished there and not here."""
        conn = self.s.connection()
        here = {
            row.uuid: row
            for row in self.s.execute(
                select(m.Attempt.id, m.Attempt.uuid, m.Attempt.state, m.Attempt.marks,
                       m.Attempt.max_marks, m.Attempt.current_slot)
                .where(m.Attempt.uuid.in_([_u(a["uuid"]) for a in batch]))
            )
        }
        # Slots (and their tries) of the attempts already here.
        slots: dict[tuple[int, int], int] = {}  # (attempt id, slot number) -> slot id
        tries: dict[int, set[int]] = {}  # slot id -> try numbers here
        if here:
            for slot_id, attempt_id, number in self.s.execute(
                select(m.AttemptSlot.id, m.AttemptSlot.attempt_id, m.AttemptSlot.slot).where(
                    m.AttemptSlot.attempt_id.in_([r.id for r in here.values()])
                )
            ):
                slots[attempt_id, number] = slot_id
                tries[slot_id] = set()
            if tries:
                for slot_id, try_number in self.s.execute(
                    select(m.Response.slot_id, m.Response.try_number).where(
                        m.Response.slot_id.in_(list(tries))
                    )
                ):
                    tries[slot_id].add(try_number)

        new = [a for a in batch if _u(a["uuid"]) not in here]
        ids = insert_rows(
            conn,
            table_of(m.Attempt),
            _ATTEMPT_COLUMNS,
            [
                (
                    _u(a["uuid"]), self.students[a["student_uuid"]], self.packs[a["pack_uuid"]],
                    self.quizzes.get(a.get("quiz_uuid") or ""),
                    self.lessons.get(a.get("lesson_uuid") or ""), a["kind"], a["behaviour"],
                    int(a["seed"]), _t_req(a["started_at"]), _t(a.get("finished_at")),
                    a.get("time_limit_s"), a["state"], int(a.get("current_slot", 0)),
                    float(a.get("marks", 0.0)), float(a.get("max_marks", 0.0)),
                )
                for a in new
            ],
            return_ids=True,
        )
        self.counts["attempts"] += len(new)
        attempt_ids = {_u(a["uuid"]): id_ for a, id_ in zip(new, ids, strict=True)}
        attempt_ids.update((u, row.id) for u, row in here.items())

        # Slots missing here (every slot of a new attempt), then the responses.
        missing: list[tuple[int, dict[str, Any]]] = []
        for a in batch:
            aid = attempt_ids[_u(a["uuid"])]
            for x in a.get("slots", []):
                if (aid, int(x["slot"])) not in slots:
                    missing.append((aid, x))
        slot_ids = insert_rows(
            conn,
            table_of(m.AttemptSlot),
            _SLOT_COLUMNS,
            [
                (aid, int(x["slot"]), self.questions[x["question_uuid"]],
                 list(x["choice_order"]), float(x.get("max_mark", 1.0)),
                 bool(x.get("flagged", False)))
                for aid, x in missing
            ],
            return_ids=True,
        )
        for (aid, x), slot_id in zip(missing, slot_ids, strict=True):
            slots[aid, int(x["slot"])] = slot_id
            tries[slot_id] = set()

        responses: list[tuple[Any, ...]] = []
        regraded: list[tuple[uuid_module.UUID, dict[str, Any], dict[str, Any]]] = []
        added_to: dict[int, int] = {}  # attempt id -> responses added
        for a in batch:
            aid = attempt_ids[_u(a["uuid"])]
            for x in a.get("slots", []):
                slot_id = slots[aid, int(x["slot"])]
                taken = tries[slot_id]
                for r in x.get("responses", []):
                    u = _u(r["uuid"])
                    try_number = int(r["try_number"])
                    if u in self.response_uuids and r.get("regraded_at"):
                        regraded.append((u, r, a))
                    if u in self.response_uuids or try_number in taken:
                        continue
                    self.response_uuids.add(u)
                    taken.add(try_number)
                    responses.append((
                        u, aid, slot_id, try_number, list(r["selected"]), float(r["fraction"]),
                        r.get("certainty"), float(r.get("penalty", 0.0)),
                        _t_req(r["answered_at"]), r.get("duration_s"),
                        _float_or_none(r.get("original_fraction")),
                        self._regraded_question(r), _t(r.get("regraded_at")),
                    ))
                    added_to[aid] = added_to.get(aid, 0) + 1
        insert_rows(conn, table_of(m.Response), _RESPONSE_COLUMNS, responses)
        self.counts["responses"] += len(responses)
        self._later_regrades(regraded, attempt_ids)

        # Attempts already here: finished there and not here -> the bundle's state.
        finish: list[dict[str, Any]] = []
        for u, row in here.items():
            a = next(x for x in batch if _u(x["uuid"]) == u)
            if a["state"] == "finished" and row.state != "finished":
                finish.append({
                    "b_id": row.id, "state": "finished", "finished_at": _t(a.get("finished_at")),
                    "marks": float(a.get("marks", row.marks)),
                    "max_marks": float(a.get("max_marks", row.max_marks)),
                    "current_slot": int(a.get("current_slot", row.current_slot)),
                })
                self.counts["attempts_updated"] += 1
            elif added_to.get(row.id):
                self.counts["attempts_updated"] += 1
        if finish:
            t = table_of(m.Attempt)
            self.s.execute(update(t).where(t.c.id == bindparam("b_id")), finish)
        # The statistics report's cells of every attempt of the batch (new, finished
        # here now, with responses added or regraded there).
        store_cells(conn, attempt_ids.values())

    def _regraded_question(self, r: dict[str, Any]) -> int | None:
        """The local id of the revision that regraded response ``r`` (``None`` if none)."""
        u = r.get("regraded_question_uuid")
        return None if not u else self.questions[str(u)]

    def _later_regrades(
        self,
        regraded: list[tuple[uuid_module.UUID, dict[str, Any], dict[str, Any]]],
        attempt_ids: dict[uuid_module.UUID, int],
    ) -> None:
        """Responses already here that the other computer regraded later than here (or
        only there): they take its fraction and regrade columns, and their attempts its
        marks, so a regrade travels with the results."""
        if not regraded:
            return
        t = table_of(m.Response)
        here = {
            u: (id_, when)
            for id_, u, when in self.s.execute(
                select(t.c.id, t.c.uuid, t.c.regraded_at).where(
                    t.c.uuid.in_([u for u, _r, _a in regraded])
                )
            )
        }
        updates: list[dict[str, Any]] = []
        marks: dict[int, dict[str, Any]] = {}
        for u, r, a in regraded:
            theirs = _t_req(r["regraded_at"])
            row = here.get(u)
            if row is None or (row[1] is not None and row[1] >= theirs):
                continue
            updates.append({
                "b_id": row[0], "fraction": float(r["fraction"]),
                "original_fraction": _float_or_none(r.get("original_fraction")),
                "regraded_question_id": self._regraded_question(r), "regraded_at": theirs,
            })
            aid = attempt_ids[_u(a["uuid"])]
            marks[aid] = {"b_id": aid, "marks": float(a.get("marks", 0.0)),
                          "max_marks": float(a.get("max_marks", 0.0))}
        if updates:
            self.s.execute(update(t).where(t.c.id == bindparam("b_id")), updates)
            at = table_of(m.Attempt)
            self.s.execute(update(at).where(at.c.id == bindparam("b_id")), list(marks.values()))

    def _reads(self, reads: list[dict[str, Any]]) -> None:
        """Lesson reads not here yet (by student and lesson), in one insert."""
        wanted: list[tuple[int, int, dict[str, Any]]] = []
        for r in reads:
            student = self.students.get(r["student_uuid"])
            lesson = self.lessons.get(r.get("lesson_uuid") or "")
            if student is not None and lesson is not None:
                wanted.append((student, lesson, r))
        if not wanted:
            return
        have: set[tuple[int, int]] = set()
        student_ids = sorted({w[0] for w in wanted})
        for start in range(0, len(student_ids), _IN_CHUNK):
            have.update(
                (sid, lid)
                for sid, lid in self.s.execute(
                    select(m.LessonRead.student_id, m.LessonRead.lesson_id).where(
                        m.LessonRead.student_id.in_(student_ids[start : start + _IN_CHUNK])
                    )
                )
            )
        rows = []
        for student, lesson, r in wanted:
            if (student, lesson) in have:
                continue
            have.add((student, lesson))
            rows.append((student, lesson, _t(r.get("first_read_at")) or utc_now()))
        insert_rows(
            self.s.connection(), table_of(m.LessonRead),
            ("student_id", "lesson_id", "first_read_at"), rows,
        )
        self.counts["lesson_reads"] += len(rows)

    def _cards(self, cards: list[dict[str, Any]]) -> None:
        """Cards by UUID, else by (student, pack key, question key): new ones inserted,
        known ones take the more recent review; their review logs added by UUID. A few
        queries per chunk of cards, not one per card or log."""
        t = table_of(m.Card)
        columns = (t.c.id, t.c.uuid, t.c.student_id, t.c.pack_key, t.c.question_key,
                   t.c.last_review, t.c.state)
        for start in range(0, len(cards), _IN_CHUNK):
            chunk = cards[start : start + _IN_CHUNK]
            students = sorted({self.students[c["student_uuid"]] for c in chunk})
            uuids = [_u(c["uuid"]) for c in chunk]
            known = [
                *self.s.execute(select(*columns).where(t.c.uuid.in_(uuids))),
                *self.s.execute(select(*columns).where(t.c.student_id.in_(students))),
            ]
            by_uuid = {row.uuid: row for row in known}
            by_identity = {(row.student_id, row.pack_key, row.question_key): row for row in known}
            card_ids: list[int | None] = []  # None: inserted below
            new_rows: list[tuple[Any, ...]] = []
            updates: list[dict[str, Any]] = []
            for c in chunk:
                student = self.students[c["student_uuid"]]
                identity = (student, c["pack_key"], c["question_key"])
                row = by_uuid.get(_u(c["uuid"])) or by_identity.get(identity)
                theirs = _t(c.get("last_review"))
                if row is None:
                    card_ids.append(None)
                    new_rows.append((
                        _u(c["uuid"]), student, c["pack_key"], c["question_key"],
                        int(c.get("state", 1)), c.get("step"), c.get("stability"),
                        c.get("difficulty"), _t_req(c["due"]), theirs,
                        _t(c.get("created_at")) or utc_now(),
                    ))
                    continue
                card_ids.append(row.id)
                if theirs is not None and (row.last_review is None or theirs > row.last_review):
                    updates.append({
                        "b_id": row.id, "state": int(c.get("state", row.state)),
                        "step": c.get("step"), "stability": c.get("stability"),
                        "difficulty": c.get("difficulty"), "due": _t_req(c["due"]),
                        "last_review": theirs,
                    })
            inserted = iter(
                insert_rows(self.s.connection(), t, _CARD_COLUMNS, new_rows, return_ids=True)
            )
            self.counts["cards"] += len(new_rows)
            if updates:
                self.s.execute(update(t).where(t.c.id == bindparam("b_id")), updates)
            self._logs(chunk, [next(inserted) if i is None else i for i in card_ids])

    def _logs(self, cards: list[dict[str, Any]], card_ids: list[int]) -> None:
        """The review logs of ``cards`` (row ids ``card_ids``) not here yet, by UUID."""
        logs = [(card_id, log) for c, card_id in zip(cards, card_ids, strict=True)
                for log in c.get("logs", [])]
        if not logs:
            return
        have = set(_existing(self.s, m.ReviewLog.uuid, [_u(log["uuid"]) for _, log in logs]))
        response_ids = _ids_of(
            self.s, m.Response,
            [_u(log["response_uuid"]) for _, log in logs if log.get("response_uuid")],
        )
        rows = []
        for card_id, log in logs:
            u = _u(log["uuid"])
            if u in have:
                continue
            have.add(u)
            rows.append((
                u, card_id,
                response_ids.get(_u(log["response_uuid"])) if log.get("response_uuid") else None,
                int(log["rating"]), _t_req(log["reviewed_at"]), log.get("review_duration_ms"),
            ))
        insert_rows(self.s.connection(), table_of(m.ReviewLog), _LOG_COLUMNS, rows)
        self.counts["review_logs"] += len(rows)


_BATCH = 100
"""Attempts merged per batch (and per progress step)."""
_IN_CHUNK = 500
"""UUIDs or ids per ``IN (...)`` list."""
_ATTEMPT_COLUMNS = (
    "uuid", "student_id", "pack_id", "quiz_id", "lesson_id", "kind", "behaviour", "seed",
    "started_at", "finished_at", "time_limit_s", "state", "current_slot", "marks", "max_marks",
)
_SLOT_COLUMNS = ("attempt_id", "slot", "question_id", "choice_order", "max_mark", "flagged")
_RESPONSE_COLUMNS = (
    "uuid", "attempt_id", "slot_id", "try_number", "selected", "fraction", "certainty",
    "penalty", "answered_at", "duration_s", "original_fraction", "regraded_question_id",
    "regraded_at",
)
_CARD_COLUMNS = (
    "uuid", "student_id", "pack_key", "question_key", "state", "step", "stability",
    "difficulty", "due", "last_review", "created_at",
)
_LOG_COLUMNS = ("uuid", "card_id", "response_id", "rating", "reviewed_at", "review_duration_ms")


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _existing(s: Session, column: Any, values: Sequence[Any]) -> list[Any]:
    """Those of ``values`` present in ``column`` (one query per chunk of values)."""
    found: list[Any] = []
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), _IN_CHUNK):
        found.extend(
            s.scalars(select(column).where(column.in_(unique[start : start + _IN_CHUNK])))
        )
    return found


def _ids_of(s: Session, model: Any, uuids: Sequence[uuid_module.UUID]) -> dict[Any, int]:
    """``{uuid: id}`` of the rows of ``model`` with those UUIDs."""
    out: dict[Any, int] = {}
    unique = list(dict.fromkeys(uuids))
    for start in range(0, len(unique), _IN_CHUNK):
        out.update(
            (u, id_)
            for id_, u in s.execute(
                select(model.id, model.uuid).where(
                    model.uuid.in_(unique[start : start + _IN_CHUNK])
                )
            )
        )
    return out
