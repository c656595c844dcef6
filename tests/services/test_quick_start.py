"""The students read before SQLAlchemy (start-up, issue 8) are the students the services
list, in the same order; anything odd gives ``None`` so the ordinary start takes over."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from quizapp.app import open_services
from quizapp.services.classes import ClassService
from quizapp.services.quick_start import early_students
from quizapp.store import models as m


def test_early_students_are_list_students(tmp_path: Path) -> None:
    db = tmp_path / "class.sqlite3"
    database, services = open_services(str(db))
    try:
        made = [services.students.create_student(n) for n in ("Ana", "Ben", "Chloé", "Dev")]
        services.students.select_student(made[1].id)
        services.students.select_student(made[3].id)  # Dev used last, then Ben
        classes = ClassService(database.sessions)
        seven_b = classes.create_class("7B")
        classes.set_class([made[0].id, made[3].id], seven_b.id)
        expected = services.students.list_students()
    finally:
        database.close()

    early = early_students(str(db), {})

    assert early == expected
    assert [s.name for s in early or []] == ["Dev", "Ben", "Ana", "Chloé"]
    # Each with its class's name (which tells namesakes apart on the picker).
    assert [s.class_name for s in early or []] == ["7B", None, "7B", None]
    assert early is not None
    assert early[0].last_used_at is not None
    assert early[0].last_used_at.utcoffset() is not None  # aware UTC, as the services give


def test_a_class_in_the_same_order_early_and_from_the_services(tmp_path: Path) -> None:
    """Never-used names alphabetically whatever their case, accents or creation order,
    namesakes (merged from another computer) included, in both lists alike."""
    db = tmp_path / "class.sqlite3"
    database, services = open_services(str(db))
    try:
        names = ["zoe", "Émile", "ben", "Ana", "eva", "Élodie", "Bea", "ana b", "Chloé"]
        made = {n: services.students.create_student(n) for n in names}
        services.students.select_student(made["zoe"].id)
        services.students.select_student(made["Bea"].id)  # Bea used last, then zoe
        with database.sessions.begin() as session:  # a namesake brought by a merge
            session.add(m.Student(name="Ana"))
        expected = services.students.list_students()
    finally:
        database.close()

    early = early_students(str(db), {})

    assert early == expected
    assert [s.name for s in expected] == [
        "Bea", "zoe",  # used: the last used first
        "Ana", "Ana", "ana b", "ben", "Chloé", "Élodie", "Émile", "eva",  # never used
    ]  # fmt: skip
    namesakes = [s for s in expected if s.name == "Ana"]
    assert namesakes[0].id < namesakes[1].id  # namesakes: first made first


def test_the_environment_variable_names_the_file(tmp_path: Path) -> None:
    db = tmp_path / "env.sqlite3"
    database, services = open_services(str(db))
    services.students.create_student("Ana")
    database.close()

    early = early_students(None, {"QUIZAPP_DB": str(db)})

    assert [s.name for s in early or []] == ["Ana"]


def test_nothing_early_for_a_missing_file_a_server_or_a_foreign_file(tmp_path: Path) -> None:
    assert early_students(str(tmp_path / "first-start.sqlite3"), {}) is None
    assert not (tmp_path / "first-start.sqlite3").exists()  # read-only: nothing created
    assert early_students("postgresql+psycopg://quizapp@school/quizapp", {}) is None

    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database", encoding="utf-8")
    assert early_students(str(text), {}) is None

    foreign = tmp_path / "other.sqlite3"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE students (id INTEGER PRIMARY KEY, nickname TEXT)")
    con.commit()
    con.close()
    assert early_students(str(foreign), {}) is None


def test_a_student_row_not_written_by_us_gives_nothing_early(tmp_path: Path) -> None:
    db = tmp_path / "class.sqlite3"
    database, services = open_services(str(db))
    services.students.create_student("Ana")
    database.close()
    con = sqlite3.connect(db)
    con.execute("UPDATE students SET uuid = 'not-a-uuid'")
    con.commit()
    con.close()

    assert early_students(str(db), {}) is None
