"""Read and write question sets by file extension, plus what every reader shares.

:func:`read_question_set` picks the reader from the file's extension
(:data:`SUPPORTED_EXTENSIONS`) and returns an :class:`~quizapp.domain.model.ImportResult`
or raises :class:`~quizapp.domain.errors.PackError` naming file, line and rule.
:func:`write_question_set` writes a pack as our JSON or as GIFT, chosen by the output's
extension.

Files larger than :data:`MAX_FILE_BYTES` (20 MB) are refused before they are read: a
classroom question set is a few hundred kilobytes, and a bigger file is almost always
the wrong file (or an attack on the computer's memory).

The second half of the module holds the small building blocks the readers share
(reading bytes under the size limit, decoding text, line splitting, slugs, and
:class:`PackBuilder`, which collects lessons, questions, skipped items, warnings and
problems and then gives the result or raises).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quizapp.domain.errors import PackError, Problem
from quizapp.domain.model import ImportResult, Lesson, Pack, Question, SkippedItem
from quizapp.formats.files import (
    MAX_FILE_BYTES,
    atomic_write_text,
    check_text,
    read_file_bytes,
)

READ_EXTENSIONS: tuple[str, ...] = (".json", ".gift", ".txt", ".aiken", ".csv", ".xlsx", ".xml")
"""Extensions :func:`read_question_set` reads (lower case, with the dot)."""

WRITE_EXTENSIONS: tuple[str, ...] = (".json", ".gift", ".txt")
"""Extensions :func:`write_question_set` writes."""

SUPPORTED_EXTENSIONS: tuple[str, ...] = READ_EXTENSIONS
"""Same as :data:`READ_EXTENSIONS`; for file dialogs' filters."""


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def read_question_set(path: str | os.PathLike[str], *, language: str = "en") -> ImportResult:
    """Read any supported question-set file into a pack.

    The reader is chosen by extension (case-insensitive): ``.json`` our pack format;
    ``.gift``; ``.txt`` GIFT when the file contains ``{``, Aiken otherwise; ``.aiken``;
    ``.csv``; ``.xlsx``; ``.xml`` Moodle XML. ``language`` (BCP 47) is given to packs from
    formats that cannot say it (all but JSON).

    The file itself is checked first, the same way for every format (rules of
    :data:`quizapp.formats.files.FILE_RULES`): ``file-not-found``, ``file-unreadable``
    (a folder too), ``file-too-large`` (over :data:`MAX_FILE_BYTES`), then
    ``unsupported-format`` for an extension no reader takes, then ``not-text`` for
    binary bytes in a text format (``not-utf8`` for JSON, which must be UTF-8). Raises
    :class:`PackError` for those and for every problem found in the content (each with
    file, line where known, and rule).
    """
    filename = os.fspath(path)
    ext = Path(filename).suffix.lower()
    if ext not in READ_EXTENSIONS and not os.path.isfile(filename):
        read_limited_bytes(filename)  # missing file or folder: said as such
    if ext not in READ_EXTENSIONS:
        raise _single(
            filename, "unsupported-format",
            f"Files ending in {ext or '(no extension)'!r} cannot be read; "
            f"use one of {', '.join(READ_EXTENSIONS)}.",
        )
    data = read_limited_bytes(filename)
    if ext == ".json":
        from quizapp.formats.json_pack import parse_pack_bytes

        return ImportResult(pack=parse_pack_bytes(data, filename))
    if ext == ".xlsx":
        from quizapp.formats.spreadsheet import parse_xlsx

        return parse_xlsx(data, filename, language=language)
    if ext == ".xml":
        from quizapp.formats.moodle_xml import parse_moodle_xml

        check_xml_text(data, filename)
        return parse_moodle_xml(data, filename, language=language)
    text, warnings = decode_text(data, filename)
    if ext == ".csv":
        from quizapp.formats.spreadsheet import parse_csv

        result = parse_csv(text, filename, language=language)
    elif ext == ".aiken" or (ext == ".txt" and "{" not in text):
        from quizapp.formats.aiken import parse_aiken

        result = parse_aiken(text, filename, language=language)
    else:
        from quizapp.formats.gift import parse_gift

        result = parse_gift(text, filename, language=language)
    if warnings:
        result = ImportResult(result.pack, result.skipped, (*warnings, *result.warnings))
    return result


def write_question_set(pack: Pack, path: str | os.PathLike[str]) -> None:
    """Write ``pack`` to ``path`` as our JSON (``.json``) or GIFT (``.gift``, ``.txt``).

    UTF-8, ``\\n`` line endings; the file is written to a temporary file beside it and
    moved into place (with the permissions the user's umask gives a new file), so an
    existing file is never left half-written. Raises :class:`PackError` (rule
    ``unsupported-format``) for another extension and
    :class:`~quizapp.formats.files.FileWriteError` (a ``QuizAppError`` and an
    ``OSError``, naming the folder) when the file cannot be written.
    """
    filename = os.fspath(path)
    ext = Path(filename).suffix.lower()
    if ext == ".json":
        from quizapp.formats.json_pack import dump_pack

        text = dump_pack(pack)
    elif ext in (".gift", ".txt"):
        from quizapp.formats.gift import write_gift

        text = write_gift(pack)
    else:
        raise _single(
            filename, "unsupported-format",
            f"Cannot write {ext or '(no extension)'!r}; use one of {', '.join(WRITE_EXTENSIONS)}.",
        )
    atomic_write_text(filename, text)


# ---------------------------------------------------------------------------
# Shared building blocks for the readers
# ---------------------------------------------------------------------------


def _single(filename: str, rule: str, message: str, line: int | None = None) -> PackError:
    return PackError([Problem(filename, line, None, "", rule, message)])


def read_limited_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``; raises :class:`PackError` ``file-not-found``,
    ``file-unreadable`` (a folder too) or ``file-too-large`` (above ``limit`` bytes):
    :func:`quizapp.formats.files.read_file_bytes`."""
    return read_file_bytes(path, limit)


def check_xml_text(data: bytes, filename: str) -> None:
    """Refuse binary bytes given as XML (``not-text``), leaving UTF-16 XML (with or
    without a byte order mark) to the XML parser."""
    if data.startswith((b"<\0", b"\0<")):
        return
    check_text(data, filename)


def decode_text(data: bytes, filename: str) -> tuple[str, list[str]]:
    """Decode a text file's bytes once: UTF-8 (BOM removed), UTF-16 with a BOM, or, when
    the bytes are not UTF-8, Windows-1252 (what Excel and Notepad save as "ANSI") with a
    warning. Returns ``(text, warnings)``.

    Raises :class:`PackError` ``not-text`` (naming the byte, its line and column) for
    bytes that are not text at all (:func:`quizapp.formats.files.check_text`), before
    any parsing."""
    check_text(data, filename)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise _single(
                filename, "not-text",
                f"The file starts like UTF-16 text but is not (byte {exc.start}).",
            ) from None
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data.decode("cp1252", errors="replace")
        return text, [
            f"{Path(filename).name}: line {line}: the file is not UTF-8; it was read as "
            "Windows-1252 (ANSI). Check accented letters, or save it as UTF-8."
        ]


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with CRLF, CR-only and LF endings all accepted (BOM removed)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:  # str methods, not the pattern: a character-set test per character
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "item", max_length: int = 48) -> str:
    """A lower-case ASCII slug (``a-z``, ``0-9``, single ``-``) of ``text``, at most
    ``max_length`` characters, cut at a word boundary; ``fallback`` when nothing is left."""
    if len(text) <= max_length and _SLUG.match(text):
        return text  # already a slug (a question id from a file): what the steps below give
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or fallback


def file_title(filename: str) -> str:
    """A title from a file name: its stem, ``_`` read as spaces (``"Imported questions"``
    for a name in angle brackets such as ``<string>``)."""
    if filename.startswith("<"):
        return "Imported questions"
    stem = Path(filename).stem.replace("_", " ").strip()
    return stem or "Imported questions"


@dataclass
class PackBuilder:
    """Collects what a reader finds, then builds the result or raises.

    Lessons are created on first use, in order; questions before any lesson go to a
    default lesson named after the file. Every problem is kept, so a teacher sees them
    all at once; :meth:`result` raises :class:`PackError` if there is any, or if no
    question at all could be read (then skipped items are listed as problems too).
    """

    filename: str
    language: str = "en"
    lessons: list[Lesson] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _lesson_by_title: dict[str, str] = field(default_factory=dict)
    _lesson_ids: set[str] = field(default_factory=set)
    _question_ids: set[str] = field(default_factory=set)
    _lesson_suffix: dict[str, int] = field(default_factory=dict)
    _question_suffix: dict[str, int] = field(default_factory=dict)

    key: str = ""
    """The pack id when the file says it (a GIFT ``// quizapp-pack:`` line); else the
    slug of the file name."""
    pack_title: str = ""
    """The pack title when the file says it; else the file name."""
    version: str = "1"
    """The pack version (the author's string)."""
    source: str | None = None
    """Where the pack came from when the file says it; else the file's name."""

    @property
    def title(self) -> str:
        """The pack title (given, else from the file name)."""
        return self.pack_title or file_title(self.filename)

    def lesson_id(self, title: str | None) -> str:
        """The id of the lesson titled ``title`` (created when new); ``None`` or blank
        means the default lesson named after the file."""
        title = (title or "").strip() or self.title
        if title in self._lesson_by_title:
            return self._lesson_by_title[title]
        lesson_id = _unique(slugify(title, "lesson"), self._lesson_ids, self._lesson_suffix)
        self._lesson_by_title[title] = lesson_id
        self.lessons.append(Lesson(id=lesson_id, title=title, body=""))
        return lesson_id

    def question_id(self, *preferences: str) -> str:
        """A unique question id: the slug of the first non-empty preference, made unique
        with ``-2``, ``-3``… (``q<n>`` when every preference is empty)."""
        for pref in preferences:
            slug = slugify(pref, "")
            if slug:
                return _unique(slug, self._question_ids, self._question_suffix)
        return _unique(f"q{len(self.questions) + 1}", self._question_ids, self._question_suffix)

    def add(self, question: Question) -> None:
        """Add a question (its id should come from :meth:`question_id`)."""
        self.questions.append(question)

    def skip(self, line: int | None, kind: str, reason: str) -> None:
        """Record an item not imported, for the report."""
        self.skipped.append(SkippedItem(line=line, kind=kind, reason=reason))

    def warn(self, message: str, line: int | None = None) -> None:
        """Record a warning (prefixed with ``line N:`` when a line is given)."""
        self.warnings.append(f"line {line}: {message}" if line is not None else message)

    def problem(
        self, line: int | None, rule: str, message: str, *, column: int | None = None,
        path: str = "",
    ) -> None:
        """Record a problem; the import will fail with all problems listed."""
        self.problems.append(Problem(self.filename, line, column, path, rule, message))

    def pack_id(self) -> str:
        """The pack id: as given, else the slug of the file name."""
        return self.key or slugify(file_title(self.filename), "imported-questions")

    def result(self) -> ImportResult:
        """The pack with its report; raises :class:`PackError` as described above."""
        if not self.problems and not self.questions:
            self.problem(
                None, "no-questions",
                "No question could be imported from this file"
                + (" (every item was skipped, see below)." if self.skipped else "."),
            )
            for item in self.skipped:
                self.problem(item.line, f"skipped-{item.kind}", item.reason)
        if self.problems:
            raise PackError(sorted(self.problems, key=_problem_order))
        used = {q.lesson_id for q in self.questions}
        lessons = tuple(lesson for lesson in self.lessons if lesson.id in used)
        empty = [lesson.title for lesson in self.lessons if lesson.id not in used]
        warnings = list(self.warnings)
        if empty:
            warnings.append("Categories with no question were left out: " + ", ".join(empty))
        pack = Pack(
            id=self.pack_id(),
            title=self.title,
            lessons=lessons,
            questions=tuple(self.questions),
            language=self.language,
            version=self.version,
            source=self.source if self.source is not None else _file_source(self.filename),
        )
        return ImportResult(pack=pack, skipped=tuple(self.skipped), warnings=tuple(warnings))


def _file_source(filename: str) -> str:
    return Path(filename).name if not filename.startswith("<") else ""


def _problem_order(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)


def _unique(base: str, used: set[str], next_suffix: dict[str, int]) -> str:
    """``base``, else ``base-2``, ``base-3``… (the first not in ``used``), added to ``used``.

    ``next_suffix`` remembers, per base, the suffix to try next, so n ids from one base
    (thousands of prompts whose slugs agree on their first 48 characters) cost O(n), not
    O(n²): a 71,000-question GIFT file without titles took minutes here."""
    candidate = base
    n = next_suffix.get(base, 2)
    while candidate in used:
        candidate = f"{base}-{n}"
        n += 1
    next_suffix[base] = n
    used.add(candidate)
    return candidate


def nonempty(items: Iterable[str]) -> list[str]:
    """The items that are not blank."""
    return [item for item in items if item.strip()]
