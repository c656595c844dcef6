"""The import as the GUI runs it in a child process: the preview summary read by
database URL, and the install that reads the file again and refuses it when it is no
longer the file previewed."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from quizapp.domain.errors import ValidationError
from quizapp.domain.model import QuestionType
from quizapp.services.pack_admin import (
    FileChangedError,
    PackAdmin,
    file_sha256,
    import_into_database,
    preview_from_database,
)
from quizapp.services.results import OperationCancelled
from quizapp.store.database import Database

GIFT = """\
$CATEGORY: Rivers

::paris:: Which river flows through Paris?{=Seine ~Thames ~Danube}

::london:: Which rivers flow through London?{~%50%Thames ~%50%Fleet ~%-100%Seine}

Write a short essay about your favourite river.{}

$CATEGORY: Mountains

::everest:: Mount Everest is the highest mountain on Earth.{T}
"""


def write(tmp_path: Path, text: str, name: str = "rivers.gift") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_preview_by_url_says_what_the_file_holds_without_its_questions(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, GIFT)
    steps: list[tuple[int, int]] = []
    summary = preview_from_database(db_url, path, progress=lambda d, t: steps.append((d, t)))
    assert summary.ok
    assert summary.sha256 == file_sha256(path)
    assert (summary.pack_id, summary.question_count, summary.lesson_count) == ("rivers", 3, 2)
    assert [(les.title, les.question_count) for les in summary.lessons] == [
        ("Rivers", 2),
        ("Mountains", 1),
    ]
    assert summary.questions_by_type == (
        (QuestionType.SINGLE, 1),
        (QuestionType.MULTIPLE, 1),
        (QuestionType.TRUE_FALSE, 1),
    )
    assert [(item.line, item.kind) for item in summary.skipped] == [(7, "essay")]
    assert summary.change_summary == "This is a new pack on this computer."
    assert steps[-1] == (2, 2)
    # What travels back to the GUI is the summary, which carries no question.
    assert b"Which river flows through Paris" not in pickle.dumps(summary)
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert PackAdmin(database.sessions).list_packs() == []  # nothing written


def test_a_broken_file_previews_as_its_located_problems(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "::one:: Fine?{=yes ~no}\n\n::two:: A brace { too many?{=yes ~no}\n")
    summary = preview_from_database(db_url, path)
    assert not summary.ok
    assert summary.problems
    assert {p.line for p in summary.problems} == {3}
    assert summary.question_count == 0
    missing = preview_from_database(db_url, tmp_path / "gone.gift")
    assert [p.rule for p in missing.problems] == ["file-not-found"]
    assert missing.sha256 == ""


def test_the_install_by_url_writes_the_file_previewed(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, GIFT)
    admin = PackAdmin(database.sessions)
    summary = preview_from_database(db_url, path)
    report = import_into_database(db_url, path, summary.sha256, False)
    assert report.created
    assert report.questions_added == 3
    row = next(r for r in admin.list_packs() if r.key == "rivers")
    assert row.question_count == 3
    assert not row.enabled
    again = preview_from_database(db_url, path)
    assert again.change_summary.startswith("No change")


def test_a_file_changed_since_the_preview_is_refused_and_nothing_is_written(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, GIFT)
    admin = PackAdmin(database.sessions)
    summary = preview_from_database(db_url, path)
    path.write_text(GIFT.replace("Which river flows", "Which river runs"), encoding="utf-8")
    with pytest.raises(FileChangedError, match="has changed since it was read for the preview"):
        import_into_database(db_url, path, summary.sha256)
    path.unlink()
    with pytest.raises(FileChangedError):
        import_into_database(db_url, path, summary.sha256)
    assert admin.list_packs() == []
    # The error survives the trip back from the child with its type and words.
    error = pickle.loads(pickle.dumps(FileChangedError("“x.gift” has changed")))
    assert isinstance(error, ValidationError)
    assert str(error) == "“x.gift” has changed"


def test_a_cancelled_import_writes_nothing(database: Database, db_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, GIFT)
    summary = preview_from_database(db_url, path)
    with pytest.raises(OperationCancelled):
        import_into_database(db_url, path, summary.sha256, cancelled=lambda: True)
    assert PackAdmin(database.sessions).list_packs() == []


def test_the_database_url_is_given_only_when_another_process_can_open_it(
    database: Database, tmp_path: Path
) -> None:
    url = PackAdmin(database.sessions).database_url
    assert url is not None
    path = write(tmp_path, GIFT)
    assert preview_from_database(url, path).ok  # the same database, opened by URL
    memory = create_engine("sqlite://")
    try:
        assert PackAdmin(sessionmaker(memory)).database_url is None
    finally:
        memory.dispose()
