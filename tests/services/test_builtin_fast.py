"""The built-in pack at start-up: parsed once, then only when its file changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.bundled import builtin_pack_path
from quizapp.services.builtin import (
    BUILTIN_DIGEST_KEY,
    ensure_builtin_pack_fast,
    file_digest,
)
from quizapp.store import models as m
from quizapp.store.database import Database


@pytest.fixture
def pack_file(tmp_path: Path) -> Path:
    """A copy of the real built-in ``questions.json`` this test may change."""
    target = tmp_path / "questions.json"
    shutil.copyfile(builtin_pack_path(), target)
    return target


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import quizapp.formats.json_pack as json_pack

    def load_pack(*args: object, **kwargs: object) -> object:
        raise AssertionError("the built-in pack was parsed although it had not changed")

    monkeypatch.setattr(json_pack, "load_pack", load_pack)


def _pack_row(database: Database) -> tuple[str, int, int]:
    with database.sessions.begin() as s:
        row = s.scalars(select(m.Pack).where(m.Pack.is_builtin)).one()
        questions = s.scalar(
            select(func.count(m.Question.id)).where(
                m.Question.pack_id == row.id, m.Question.is_current
            )
        )
        return row.version, row.revision, int(questions or 0)


def test_first_start_installs_and_second_start_parses_nothing(
    database: Database, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ensure_builtin_pack_fast(database.sessions, pack_file) is True
    version, revision, questions = _pack_row(database)
    assert revision == 1
    assert questions > 0
    with database.sessions.begin() as s:
        assert s.get(m.Setting, BUILTIN_DIGEST_KEY).value == file_digest(pack_file)  # type: ignore[union-attr]

    _refuse_parsing(monkeypatch)
    assert ensure_builtin_pack_fast(database.sessions, pack_file) is False
    assert ensure_builtin_pack_fast(database.sessions, pack_file) is False
    assert _pack_row(database) == (version, revision, questions)


def test_a_changed_file_is_installed_and_remembered(
    database: Database, pack_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_builtin_pack_fast(database.sessions, pack_file)
    data = json.loads(pack_file.read_text(encoding="utf-8"))
    data["version"] = "9.9.9"
    data["questions"][0]["prompt"] = data["questions"][0]["prompt"] + " (revised)"
    pack_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    assert ensure_builtin_pack_fast(database.sessions, pack_file) is True
    version, revision, _ = _pack_row(database)
    assert (version, revision) == ("9.9.9", 2)
    with database.sessions.begin() as s:
        first = data["questions"][0]["id"]
        prompt = s.scalar(
            select(m.Question.prompt).where(m.Question.key == first, m.Question.is_current)
        )
        assert prompt is not None
        assert prompt.endswith("(revised)")
        assert s.get(m.Setting, BUILTIN_DIGEST_KEY).value == file_digest(pack_file)  # type: ignore[union-attr]

    _refuse_parsing(monkeypatch)
    assert ensure_builtin_pack_fast(database.sessions, pack_file) is False


def test_a_bad_file_stores_no_digest_and_is_tried_again(
    database: Database, pack_file: Path
) -> None:
    from quizapp.domain.errors import PackError

    pack_file.write_text('{"format": "quizapp-pack"}', encoding="utf-8")
    with pytest.raises(PackError):
        ensure_builtin_pack_fast(database.sessions, pack_file)
    with database.sessions.begin() as s:
        assert s.get(m.Setting, BUILTIN_DIGEST_KEY) is None
    shutil.copyfile(builtin_pack_path(), pack_file)
    assert ensure_builtin_pack_fast(database.sessions, pack_file) is True


def test_a_stored_digest_without_the_questions_is_not_taken_for_an_install(
    database: Database, pack_file: Path
) -> None:
    assert ensure_builtin_pack_fast(database.sessions, pack_file)
    with database.sessions.begin() as s:  # as if only the pack row had come (a merge)
        s.execute(m.Question.__table__.update().values(is_current=False))
    assert ensure_builtin_pack_fast(database.sessions, pack_file)
    with database.sessions() as s:
        current = s.scalar(select(func.count()).where(m.Question.is_current))
    assert current
