"""Results from several computers: export a bundle on each, merge them on the teacher's."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import conftest_results as h
import pytest
from sqlalchemy import func, select

from quizapp.domain.model import Pack
from quizapp.services.attempts import AttemptService
from quizapp.services.bundles import BundleError, export_results_bundle, merge_bundles
from quizapp.services.container import Services, build_services
from quizapp.services.packs import install_pack
from quizapp.services.results import OperationCancelled, QuizRef, ResultsService
from quizapp.services.statistics_report import StatisticsService
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url

KEYS = [f"l1q{n}" for n in range(8)]


@pytest.fixture
def machines(
    tmp_path: Path, clock: object, pack: Pack
) -> Iterator[list[tuple[Database, Services]]]:
    """Two classroom computers, each with the test pack installed on its own and a
    student called Ana who took lesson 1 there."""
    opened = []
    for name, right in (("room1", KEYS), ("room2", KEYS[:3])):
        db = open_database(resolve_db_url(str(tmp_path / f"{name}.sqlite3")))
        services = build_services(db, clock)  # type: ignore[arg-type]
        install_pack(db.sessions, pack)
        ana = services.students.create_student("Ana").id
        lesson = h.lesson_ids(services, ana)[0]
        h.take_lesson_quiz(services, clock.advance, ana, lesson, right)  # type: ignore[attr-defined]
        opened.append((db, services))
    yield opened
    for db, _ in opened:
        db.close()


def _bundles(machines: list[tuple[Database, Services]], tmp_path: Path) -> list[Path]:
    paths = []
    for i, (db, _) in enumerate(machines, start=1):
        path = tmp_path / f"room{i}.quizresults"
        assert export_results_bundle(db.sessions, path) == 1
        paths.append(path)
    return paths


def _count(db: Database, model: type[m.Base]) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_merging_two_computers_keeps_namesakes_apart_and_twice_adds_nothing(
    machines: list[tuple[Database, Services]],
    tmp_path: Path,
    database: Database,
    services: Services,
    installed: int,
) -> None:
    paths = _bundles(machines, tmp_path)
    first = merge_bundles(database.sessions, paths)

    room1, room2 = first.bundles
    assert (room1.students, room1.attempts, room1.responses) == (1, 1, 8)
    assert (room2.students, room2.attempts, room2.responses) == (1, 1, 8)
    # Same pack and same question content as here: nothing new of the content.
    assert (room1.packs, room1.lessons, room1.questions) == (0, 0, 0)
    assert room2.namesakes == ("Ana",)
    assert "kept apart" in first.summary()
    overview = ResultsService(database.sessions).students_overview()
    assert [(r.name, r.best_percent) for r in overview] == [("Ana", 100), ("Ana", 38)]
    assert len({r.uuid for r in overview}) == 2

    again = merge_bundles(database.sessions, paths)
    assert not any(b.added_anything for b in again.bundles)
    assert "nothing new" in again.summary()
    assert _count(database, m.Attempt) == 2
    assert _count(database, m.Response) == 16
    assert _count(database, m.Student) == 2

    # The teacher's statistics see both computers' attempts on the one lesson quiz.
    lesson = ResultsService(database.sessions).quizzes()[0]
    assert lesson.ref.kind == "lesson"
    report = StatisticsService(database.sessions).quiz_statistics(lesson.ref)
    assert sorted(report.totals) == [3.0, 8.0]


def test_merging_into_a_computer_without_the_pack_creates_the_questions_as_asked(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database
) -> None:
    (path, _) = _bundles(machines, tmp_path)
    (report,) = merge_bundles(database.sessions, [path]).bundles
    assert (report.packs, report.lessons, report.questions) == (1, 1, 8)  # lesson 1 only
    with database.sessions() as s:
        pack = s.scalars(select(m.Pack)).one()
        assert not pack.enabled  # students do not see a pack that came with results
    (attempt,) = ResultsService(database.sessions).attempts()
    review = AttemptService(database.sessions).review(attempt.id)
    assert sorted(slot.question_key for slot in review.slots) == KEYS
    assert all(slot.feedback is not None and slot.feedback.correct for slot in review.slots)
    stats = StatisticsService(database.sessions).quiz_statistics(QuizRef.lesson(attempt.lesson_id))  # type: ignore[arg-type]
    assert stats.totals == (8.0,)


def test_bundle_never_contains_the_teacher_pin_hash(
    machines: list[tuple[Database, Services]], tmp_path: Path
) -> None:
    db, _ = machines[0]
    with db.sessions.begin() as s:
        s.add(m.Setting(key="teacher_pin_hash", value="pbkdf2$SECRET-PIN-HASH"))
    path = tmp_path / "b.zip"
    export_results_bundle(db.sessions, path)
    with zipfile.ZipFile(path) as zf:
        raw = b"".join(zf.read(n) for n in zf.namelist())
    assert b"SECRET-PIN-HASH" not in raw
    assert b"teacher_pin_hash" not in raw
    doc = json.loads(raw)
    assert doc["format"] == "quizapp-results-bundle"
    assert doc["version"] == 1
    assert "settings" not in doc


def test_cancel_is_heard_while_the_bundle_is_still_being_read(
    machines: list[tuple[Database, Services]], tmp_path: Path
) -> None:
    """Most of a class's export is reading (seconds at 60 students): Cancel pressed
    then stops it at the next read, not only once attempts are being written (every
    200), and no file is left."""
    db, _ = machines[0]
    asked: list[int] = []

    def cancelled() -> bool:  # the teacher presses Cancel after the first check
        asked.append(1)
        return len(asked) > 1

    path = tmp_path / "b.zip"
    with pytest.raises(OperationCancelled):
        export_results_bundle(db.sessions, path, cancelled=cancelled)
    assert len(asked) == 2
    assert list(tmp_path.glob("b.zip*")) == []


def test_unknown_bundle_version_or_other_file_is_refused_before_anything_is_merged(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database
) -> None:
    good, _ = _bundles(machines, tmp_path)
    future = tmp_path / "future.zip"
    with zipfile.ZipFile(future, "w") as zf:
        zf.writestr("bundle.json", json.dumps({"format": "quizapp-results-bundle", "version": 99}))
    with pytest.raises(BundleError, match="version 99"):
        merge_bundles(database.sessions, [good, future])
    assert _count(database, m.Attempt) == 0
    not_a_bundle = tmp_path / "notes.txt"
    not_a_bundle.write_text("hello", encoding="utf-8")
    with pytest.raises(BundleError, match="not a quizapp results bundle"):
        merge_bundles(database.sessions, [not_a_bundle])


def test_a_damaged_bundle_adds_nothing(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database
) -> None:
    good, _ = _bundles(machines, tmp_path)
    with zipfile.ZipFile(good) as zf:
        doc = json.loads(zf.read("bundle.json"))
    doc["attempts"][0]["slots"][0]["question_uuid"] = "00000000-0000-0000-0000-000000000000"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("bundle.json", json.dumps(doc))
    with pytest.raises(BundleError, match="nothing of it was added"):
        merge_bundles(database.sessions, [broken])
    assert _count(database, m.Student) == 0
    assert _count(database, m.Attempt) == 0


def test_merging_into_a_new_database_then_opening_the_app_loads_the_builtin_course(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from quizapp import cli
    from quizapp.app import open_services
    from quizapp.bundled import builtin_pack_path
    from quizapp.services.pack_admin import PackAdmin

    room_db, room = open_services(str(tmp_path / "room.sqlite3"))
    try:
        ana = room.students.create_student("Ana").id
        lesson = room.course.home(ana).packs[0].lessons[0].id
        view = room.attempts.start_lesson_quiz(ana, lesson)
        for slot in view.slots:
            room.attempts.submit(view.id, slot.slot, [0])
        room.attempts.finish(view.id)
        bundle = tmp_path / "room.quizresults"
        export_results_bundle(room_db.sessions, bundle)
        expected = {r.key: r.question_count for r in PackAdmin(room_db.sessions).list_packs()}
    finally:
        room_db.close()

    teacher_file = str(tmp_path / "teacher.sqlite3")  # never opened by the app
    merged = open_database(resolve_db_url(teacher_file))
    try:
        merge_bundles(merged.sessions, [bundle])
        (row,) = PackAdmin(merged.sessions).list_packs()
        assert (row.question_count, row.is_builtin, row.enabled) == (0, False, False)
    finally:
        merged.close()

    teacher_db, teacher = open_services(teacher_file)
    try:
        (row,) = PackAdmin(teacher_db.sessions).list_packs()
        assert (row.key, row.question_count) == (next(iter(expected)), *expected.values())
        assert (row.is_builtin, row.enabled) == (True, True)
        ben = teacher.students.create_student("Ben").id
        assert teacher.course.home(ben).packs[0].lessons
        # Ana's merged attempt still reviews as it was asked.
        assert teacher.attempts.review(
            teacher.attempts.history(
                next(s.id for s in teacher.students.list_students() if s.name == "Ana")
            )[0].id
        ).slots
    finally:
        teacher_db.close()

    # Importing the built-in file again is honestly "up to date: nothing added".
    assert cli.main(["import", str(builtin_pack_path()), "--db", teacher_file]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Already up to date:")
    assert " 0 added, 0 changed" in out[1]


def test_an_install_over_a_merged_pack_row_reports_what_it_added(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database, pack: Pack
) -> None:
    merge_bundles(database.sessions, _bundles(machines, tmp_path)[:1])
    report = install_pack(database.sessions, pack)
    assert not report.created
    assert report.changed
    assert report.questions_added == len(pack.questions)
    again = install_pack(database.sessions, pack)
    assert (again.changed, again.questions_added, again.questions_unchanged) == (
        False, 0, len(pack.questions),
    )


def test_a_student_merged_away_is_not_brought_back_by_merging_again(
    machines: list[tuple[Database, Services]],
    tmp_path: Path,
    database: Database,
    services: Services,
    installed: int,
    clock: object,
) -> None:
    from quizapp.services.classes import ClassService

    paths = _bundles(machines, tmp_path)
    merge_bundles(database.sessions, paths)
    overview = ResultsService(database.sessions).students_overview()
    keep, away = sorted(overview, key=lambda r: -(r.best_percent or 0))
    ClassService(database.sessions).merge_students(keep.student_id, away.student_id)
    assert _count(database, m.Student) == 1

    # Room 2's Ana answers again there after the first export; then room 2 is merged again.
    room2_db, room2 = machines[1]
    ana2 = room2.students.list_students()[0].id
    lesson = h.lesson_ids(room2, ana2)[0]
    h.take_lesson_quiz(room2, clock.advance, ana2, lesson, KEYS[:5])  # type: ignore[attr-defined]
    export_results_bundle(room2_db.sessions, paths[1])
    (report,) = merge_bundles(database.sessions, [paths[1]]).bundles

    assert (report.students, report.attempts, report.namesakes) == (0, 1, ())
    assert _count(database, m.Student) == 1  # the merged-away profile did not come back
    (ana,) = ResultsService(database.sessions).students_overview()
    assert ana.uuid == keep.uuid
    assert len(ResultsService(database.sessions).student_attempts(ana.student_id)) == 3
    with database.sessions() as s:  # her cards from room 2 are on the kept profile too
        owners = set(s.scalars(select(m.Card.student_id)))
    assert owners <= {ana.student_id}

    # Merging everything again still adds nothing.
    again = merge_bundles(database.sessions, paths)
    assert not any(b.added_anything for b in again.bundles)
    assert _count(database, m.Student) == 1


def test_a_profile_merge_travels_in_the_bundle(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database
) -> None:
    """The teacher merged the profiles on room 1's computer; the teacher's computer learns it
    from room 1's bundle and maps room 2's stray profile when it arrives later."""
    from quizapp.services.classes import ClassService

    room1_db, _room1 = machines[0]
    room2_bundle = _bundles(machines, tmp_path)[1]
    merge_bundles(room1_db.sessions, [room2_bundle])
    keep, away = sorted(
        ResultsService(room1_db.sessions).students_overview(), key=lambda r: -(r.best_percent or 0)
    )
    ClassService(room1_db.sessions).merge_students(keep.student_id, away.student_id)
    room1_bundle = tmp_path / "room1-after.quizresults"
    export_results_bundle(room1_db.sessions, room1_bundle)

    merge_bundles(database.sessions, [room1_bundle, room2_bundle])
    (ana,) = ResultsService(database.sessions).students_overview()
    assert ana.uuid == keep.uuid
    assert len(ResultsService(database.sessions).student_attempts(ana.student_id)) == 2


def test_regrades_travel_in_bundles(
    machines: list[tuple[Database, Services]], tmp_path: Path, database: Database, pack: Pack
) -> None:
    from dataclasses import replace as dc_replace

    from quizapp.domain.model import Choice
    from quizapp.services.regrade import RegradeService

    room1_db, _ = machines[0]
    bundle = _bundles(machines, tmp_path)[0]
    merge_bundles(database.sessions, [bundle])  # before the regrade
    corrected = dc_replace(pack, version="2", questions=tuple(
        dc_replace(q, choices=tuple(
            Choice(c.text, 1.0 if i == 1 else 0.0, c.feedback) for i, c in enumerate(q.choices)
        )) if q.id == "l1q0" else q
        for q in pack.questions
    ))
    install_pack(room1_db.sessions, corrected)
    with room1_db.sessions() as s:
        pack_id = s.scalars(select(m.Pack.id)).one()
    regrade = RegradeService(room1_db.sessions)
    assert regrade.apply(regrade.dry_run(pack_id, "l1q0")).responses == 1
    export_results_bundle(room1_db.sessions, bundle)

    def regraded(db: Database) -> list[tuple[object, ...]]:
        with db.sessions() as s:
            rows = s.execute(
                select(m.Response.uuid, m.Response.fraction, m.Response.original_fraction,
                       m.Response.regraded_at, m.Question.uuid, m.Attempt.marks)
                .join(m.Question, m.Question.id == m.Response.regraded_question_id)
                .join(m.Attempt, m.Attempt.id == m.Response.attempt_id)
            ).all()
        return sorted(tuple(r) for r in rows)

    expected = regraded(room1_db)
    assert len(expected) == 1
    assert expected[0][1:3] == (0.0, 1.0)
    merge_bundles(database.sessions, [bundle])  # the same attempt, regraded since
    assert regraded(database) == expected
    fresh = open_database(resolve_db_url(str(tmp_path / "fresh.sqlite3")))
    try:
        merge_bundles(fresh.sessions, [bundle])  # a computer that never saw it
        assert regraded(fresh) == expected
    finally:
        fresh.close()
