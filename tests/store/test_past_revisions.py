"""Every past schema revision upgrades to head with all its data.

``tests/store/data/quizapp-<rev>.sqlite3`` is a small database made by quizapp at that
revision (one student, the 24-question test pack, a finished and an unfinished lesson
attempt with their responses, a lesson read, a notice acknowledged). When a new Alembic
revision is added, make one for the revision it replaces, the same way, and keep it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from quizapp.services.container import build_services
from quizapp.store.database import head_revision, open_database, resolve_db_url

DATA = Path(__file__).parent / "data"
PAST = sorted(DATA.glob("quizapp-*.sqlite3"))


def test_there_is_a_file_for_the_first_revision() -> None:
    assert DATA / "quizapp-0001.sqlite3" in PAST


@pytest.mark.parametrize("source", PAST, ids=lambda p: p.stem)
def test_past_database_upgrades_to_head_with_its_data(source: Path, tmp_path: Path) -> None:
    path = tmp_path / "quizapp.sqlite3"
    shutil.copyfile(source, path)
    revision = source.stem.removeprefix("quizapp-")

    db = open_database(resolve_db_url(str(path)))
    try:
        if revision != head_revision():
            assert db.backup is not None
            assert db.backup.is_file()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        services = build_services(db)
        (ana,) = services.students.list_students()
        assert ana.name == "Ana"
        history = services.attempts.history(ana.id)
        assert [(a.answered, a.total, a.marks, a.percent) for a in history] == [(8, 8, 4.0, 50)]
        review = services.attempts.review(history[0].id)
        assert all(slot.feedback is not None for slot in review.slots)
        (unfinished,) = services.attempts.unfinished(ana.id)
        assert services.attempts.get(unfinished.id).current_slot == 1
        home = services.course.home(ana.id)
        assert home.packs[0].notice_seen
        assert home.packs[0].lessons[0].read
        assert home.packs[0].lessons[0].best_percent == 50
    finally:
        db.close()
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
    finally:
        con.close()
