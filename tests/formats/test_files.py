"""File-level checks shared by every reader (one rule id per problem, whatever the
format) and the way question sets are written (clear errors, normal permissions)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from quizapp.domain.errors import PackError, QuizAppError
from quizapp.formats import files
from quizapp.formats.registry import read_question_set, write_question_set

FIXTURES = Path(__file__).parent / "fixtures"
TEXT_EXTENSIONS = (".json", ".gift", ".txt", ".aiken", ".csv", ".xml")

# What a tester found: a small binary file (a PNG header, then NUL bytes) renamed.
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00{\x00}\xff\xfe{{"


def _rule(path: Path) -> str:
    with pytest.raises(PackError) as info:
        read_question_set(path)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0].rule


@pytest.mark.parametrize("ext", TEXT_EXTENSIONS)
def test_a_binary_file_is_not_text_in_every_format(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"picture{ext}"
    path.write_bytes(BINARY)
    with pytest.raises(PackError) as info:
        read_question_set(path)
    (problem,) = info.value.problems
    assert problem.rule == "not-text"
    assert problem.file == str(path)
    assert (problem.line, problem.column) == (3, 1)  # the first NUL, after two "\n"
    assert "byte 8" in problem.message
    assert "not a text file" in str(info.value)


def test_binary_bytes_without_nul_are_not_text_either(tmp_path: Path) -> None:
    path = tmp_path / "noise.gift"
    path.write_bytes(b"Q? {=a ~b}\n\n\xff\xd8\xff\xe0\x01\x02\x03 {}")
    with pytest.raises(PackError) as info:
        read_question_set(path)
    (problem,) = info.value.problems
    assert (problem.rule, problem.line) == ("not-text", 3)


def test_windows_1252_text_is_still_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "ansi.gift"
    path.write_bytes("Caf\u00e9?{=oui ~non}\n".encode("cp1252"))
    result = read_question_set(path)
    assert result.pack.questions[0].prompt == "Caf\u00e9?"
    assert any("Windows-1252" in w for w in result.warnings)


def test_utf16_with_a_bom_is_text(tmp_path: Path) -> None:
    path = tmp_path / "wide.gift"
    path.write_bytes("Q?{=a ~b}\n".encode("utf-16"))
    assert read_question_set(path).pack.questions[0].prompt == "Q?"


def test_json_that_is_latin1_is_not_utf8_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('{\n  "title": "caf\u00e9"\n}'.encode("latin-1"))
    with pytest.raises(PackError) as info:
        read_question_set(path)
    (problem,) = info.value.problems
    assert (problem.rule, problem.line, problem.column) == ("not-utf8", 2, 16)


@pytest.mark.parametrize("name", ["folder.json", "folder.gift", "folder", "folder.docx"])
def test_a_folder_is_file_unreadable_whatever_its_name(tmp_path: Path, name: str) -> None:
    folder = tmp_path / name
    folder.mkdir()
    assert _rule(folder) == "file-unreadable"


@pytest.mark.parametrize("ext", [*TEXT_EXTENSIONS, ".xlsx", ".docx", ""])
def test_a_missing_file_is_file_not_found_in_every_format(tmp_path: Path, ext: str) -> None:
    assert _rule(tmp_path / f"missing{ext}") == "file-not-found"


@pytest.mark.parametrize("ext", [*TEXT_EXTENSIONS, ".xlsx"])
def test_a_file_over_the_limit_is_file_too_large_in_every_format(
    tmp_path: Path, ext: str
) -> None:
    big = tmp_path / f"big{ext}"
    with big.open("wb") as handle:
        handle.truncate(files.MAX_FILE_BYTES + 1)
    assert _rule(big) == "file-too-large"


def test_every_file_rule_is_documented() -> None:
    root = Path(__file__).parents[2]
    readme = (root / "docs" / "formats" / "README.md").read_text(encoding="utf-8")
    pack_format = (root / "docs" / "pack-format.md").read_text(encoding="utf-8")
    for rule in files.FILE_RULES:
        assert f"`{rule}`" in readme, rule
        assert f"`{rule}`" in pack_format, rule


def _pack():  # type: ignore[no-untyped-def]
    return read_question_set(FIXTURES / "gift" / "single.gift").pack


def test_writing_into_a_missing_folder_says_which_folder(tmp_path: Path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.json"
    with pytest.raises(files.FileWriteError) as info:
        write_question_set(_pack(), target)
    assert isinstance(info.value, QuizAppError)
    assert isinstance(info.value, OSError)
    assert str(target.parent) in str(info.value)
    assert "does not exist" in str(info.value)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="POSIX, not root")
def test_writing_into_a_read_only_folder_says_which_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(files.FileWriteError) as info:
            write_question_set(_pack(), folder / "x.gift")
        assert str(folder) in str(info.value)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
@pytest.mark.parametrize("name", ["pack.json", "pack.gift"])
def test_written_files_get_the_permissions_of_a_new_file(tmp_path: Path, name: str) -> None:
    old = os.umask(0o022)
    try:
        write_question_set(_pack(), tmp_path / name)
        (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "plain.txt"])
