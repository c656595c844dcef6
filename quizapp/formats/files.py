"""File-level reading and writing shared by every reader and writer of question sets.

One set of **file-level rule ids** for every format (documented in
``docs/formats/README.md`` and ``docs/pack-format.md``), checked before any parsing:

========================  ==============================================================
``file-not-found``        there is no file at that path
``file-unreadable``       the path is a folder, or the file cannot be opened or read
``file-too-large``        the file is over the size limit (:data:`MAX_FILE_BYTES`)
``not-text``              the file is not text (a NUL byte, or control bytes that no
                          text encoding we read would give): a binary file renamed
``not-utf8``              the file is text but not UTF-8, where UTF-8 is required (our
                          JSON pack; GIFT, Aiken and CSV fall back to Windows-1252 with
                          a warning instead)
``unsupported-format``    the extension is not one quizapp reads or writes
========================  ==============================================================

Each problem names the file and, for ``not-text`` and ``not-utf8``, the line, column and
byte offset of the first offending byte.

Writing: :func:`atomic_write` writes through a temporary file beside the target, then
renames it into place, with the permissions a new file normally gets under the user's
umask (``tempfile.mkstemp`` alone would leave it ``-rw-------``). A write failure is a
:class:`FileWriteError` (a :class:`~quizapp.domain.errors.QuizAppError` and an
``OSError``) whose message names the folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from quizapp.domain.errors import PackError, Problem, QuizAppError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest question-set file accepted, in bytes (20 MiB), whatever the format."""

FILE_RULES: Mapping[str, str] = {
    "file-not-found": "there is no file at that path",
    "file-unreadable": "the path is a folder, or the file cannot be opened or read",
    "file-too-large": "the file is over the size limit (20 MB)",
    "not-text": "the file is not text (a NUL byte or other binary bytes): a binary file renamed?",
    "not-utf8": "the file is not UTF-8 text (required for our JSON pack)",
    "unsupported-format": "the file's extension is not one quizapp reads (or writes)",
}
"""The file-level rule ids every reader uses, with what each means."""

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# C0 control bytes no real text file holds (tab, LF, VT, FF, CR and ESC excepted).
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 11, 12, 13, 27)) + b"\x7f"


def file_problem(
    filename: str, rule: str, message: str, line: int | None = None, column: int | None = None
) -> PackError:
    """A :class:`PackError` with one file-level problem."""
    return PackError([Problem(filename, line, column, "", rule, message)])


def read_file_bytes(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them.

    Raises :class:`PackError` with rule ``file-not-found``, ``file-unreadable`` (a
    folder, no permission, a read error) or ``file-too-large`` (over ``limit`` bytes,
    checked before reading and again on the bytes read)."""
    filename = os.fspath(path)
    try:
        with open(filename, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise _too_large(filename, size, limit)
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise file_problem(filename, "file-not-found", "There is no file here.") from None
    except IsADirectoryError:
        raise file_problem(filename, "file-unreadable", "This is a folder, not a file.") from None
    except OSError as exc:
        if os.path.isdir(filename):  # Windows says "permission denied" for a folder
            raise file_problem(
                filename, "file-unreadable", "This is a folder, not a file."
            ) from None
        raise file_problem(
            filename, "file-unreadable", f"The file cannot be read: {exc.strerror or exc}."
        ) from None
    if len(data) > limit:
        raise _too_large(filename, len(data), limit)
    return data


def _too_large(filename: str, size: int, limit: int) -> PackError:
    return file_problem(
        filename, "file-too-large",
        f"The file is {size / 1048576:.1f} MB; question sets larger than "
        f"{limit / 1048576:.0f} MB are refused.",
    )


def position(data: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte ``offset`` in ``data``, both from 1 (columns in characters
    of the UTF-8 text before it, bad bytes counting one each)."""
    before = data[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    return line, len(before[start:].decode("utf-8", errors="replace")) + 1


def check_text(data: bytes, filename: str, *, strict_utf8: bool = False) -> None:
    """Refuse bytes that are not text, before any parsing.

    ``not-text``: a NUL byte (outside a UTF-16 file with its byte order mark), or, in a
    file that is not UTF-8, a control byte no text editor writes. With ``strict_utf8``
    (our JSON pack) a text that is not UTF-8 is ``not-utf8``. Each problem names the
    line, column and byte offset of the first offending byte. Returns ``None`` when the
    bytes are text."""
    if data.startswith(_BOMS[1:]):
        return  # UTF-16 with a BOM: NUL bytes are expected; the decoder judges the rest
    nul = data.find(b"\0")
    if nul != -1:
        raise _not_text(data, filename, nul, "a NUL byte")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = _first_control(data)
        if bad != -1:
            raise _not_text(data, filename, bad, f"the control byte 0x{data[bad]:02x}") from None
        if strict_utf8:
            line, column = position(data, err.start)
            raise file_problem(
                filename, "not-utf8",
                f"The file is not UTF-8 text (byte 0x{data[err.start]:02x} at byte "
                f"{err.start}). Save it again as UTF-8 in your editor.",
                line, column,
            ) from None


def _first_control(data: bytes) -> int:
    found = [i for i in (data.find(bytes([c])) for c in _CONTROL) if i != -1]
    return min(found, default=-1)


def _not_text(data: bytes, filename: str, offset: int, what: str) -> PackError:
    line, column = position(data, offset)
    return file_problem(
        filename, "not-text",
        f"This is not a text file ({what} at byte {offset}): is it the right file? "
        "Question sets are text (GIFT, Aiken, CSV, JSON, XML) or .xlsx.",
        line, column,
    )


# ---------------------------------------------------------------------------
# Writing


class FileWriteError(QuizAppError, OSError):
    """A file could not be written; the message names the folder and why. Also an
    ``OSError``, so callers that caught that still do."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def current_umask() -> int:
    """The process umask, read without changing it where the system allows
    (``/proc/self/status`` on Linux); elsewhere set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def give_default_permissions(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the permissions a newly created file gets (``0o666`` less the
    umask), as a temporary file made by ``tempfile.mkstemp`` (``0o600``) should have
    once it becomes the user's file. Does nothing where ``chmod`` is not supported."""
    with contextlib.suppress(NotImplementedError, PermissionError):  # odd file systems
        os.chmod(path, 0o666 & ~current_umask())


def write_error(target: Path, exc: OSError) -> FileWriteError:
    """A :class:`FileWriteError` for ``target`` naming its folder and the reason."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        message = f"Cannot write {target.name}: the folder {folder} does not exist."
    else:
        message = (
            f"Cannot write {target.name} in the folder {folder}: {exc.strerror or exc}."
        )
    error = FileWriteError(message)
    error.errno = exc.errno
    error.strerror = exc.strerror
    return error


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> None:
    """Write ``path`` through ``write(tmp)`` on a temporary file beside it, synced, then
    renamed into place with the default permissions: an existing file is never left
    half-written, and nothing is left behind on failure.

    Raises :class:`FileWriteError` (naming the folder) when the folder is missing or not
    writable, the disk is full, and so on; anything else ``write`` raises passes
    through unchanged."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise write_error(target, exc) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        give_default_permissions(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, FileWriteError):
            raise
        raise write_error(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line endings through :func:`atomic_write`."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)

    atomic_write(path, write)


__all__ = [
    "FILE_RULES",
    "MAX_FILE_BYTES",
    "FileWriteError",
    "atomic_write",
    "atomic_write_text",
    "check_text",
    "current_umask",
    "file_problem",
    "give_default_permissions",
    "read_file_bytes",
]
