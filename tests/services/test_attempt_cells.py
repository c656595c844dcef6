"""Stored statistics cells (``attempt_cells``): written when an attempt is finished,
rewritten when its responses change, filled by the report when missing; the report
reads the same figures from them as from the responses."""

from __future__ import annotations

from pathlib import Path

import conftest_results as h
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError

from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType
from quizapp.services import statistics_report
from quizapp.services.bundles import export_results_bundle, merge_bundles
from quizapp.services.classes import ClassService
from quizapp.services.container import Services, build_services
from quizapp.services.packs import install_pack
from quizapp.services.regrade import RegradeService
from quizapp.services.results import OperationCancelled, QuizRef
from quizapp.services.statistics_report import QuizStatisticsReport, StatisticsService
from quizapp.store import models as m
from quizapp.store.database import Database, open_database, resolve_db_url

KEYS = [f"l1q{n}" for n in range(8)]
PATTERNS = {"Ana": KEYS, "Ben": KEYS[:5], "Cleo": ["l1q0", "l1q7"], "Dan": KEYS[2:6]}


def _class_takes_lesson_1(services: Services, clock: object) -> int:
    ids = {name: services.students.create_student(name).id for name in PATTERNS}
    lesson = h.lesson_ids(services, ids["Ana"])[0]
    for name, right in PATTERNS.items():
        h.take_lesson_quiz(services, clock.advance, ids[name], lesson, right)  # type: ignore[attr-defined]
    return lesson


def _cells(database: Database) -> dict[int, tuple[str, str, str]]:
    with database.sessions() as s:
        return {
            row.attempt_id: (row.slots, row.marks, row.picks)
            for row in s.scalars(select(m.AttemptCells))
        }


def _forget_all(database: Database) -> None:
    with database.sessions.begin() as s:
        s.execute(delete(m.AttemptCells))


def _figures(report: QuizStatisticsReport) -> list[tuple[object, ...]]:
    """What the teacher reads of each question, and the totals."""
    return [
        (
            q.key,
            q.attempts,
            q.facility,
            q.sd,
            q.discrimination_index,
            tuple((c.letter, c.count) for c in q.choices),
            q.no_response,
        )
        for q in report.questions
    ] + [tuple(report.totals), (report.quiz.mean, report.quiz.sd, report.quiz.cic)]


def _finished_attempt_ids(database: Database) -> set[int]:
    with database.sessions() as s:
        return set(s.scalars(select(m.Attempt.id).where(m.Attempt.state == "finished")))


def test_finishing_stores_the_cells_and_the_report_reads_the_same_figures_without_them(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    lesson = _class_takes_lesson_1(services, clock)
    stored = _cells(database)
    assert set(stored) == _finished_attempt_ids(database)
    # Ana got everything right: eight slots, eight marks of 1, eight selections.
    ana = next(cells for cells in stored.values() if cells[1] == ",".join(["1"] * 8))
    assert len(ana[0].split(",")) == 8
    assert len(ana[2].split("|")) == 8

    stats = StatisticsService(database.sessions)
    from_cells = _figures(stats.quiz_statistics(QuizRef.lesson(lesson)))
    _forget_all(database)
    # Without stored cells the report reads the responses, and stores the cells again.
    assert _figures(stats.quiz_statistics(QuizRef.lesson(lesson))) == from_cells
    assert _cells(database) == stored  # the same rows as written when finished
    assert _figures(stats.quiz_statistics(QuizRef.lesson(lesson))) == from_cells


def test_an_unfinished_attempt_has_no_cells_and_deleting_a_student_deletes_theirs(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    ana = services.students.create_student("Ana").id
    ben = services.students.create_student("Ben").id
    lesson = h.lesson_ids(services, ana)[0]
    h.take_lesson_quiz(services, clock.advance, ana, lesson, KEYS)  # type: ignore[attr-defined]
    services.attempts.start_lesson_quiz(ben, lesson)  # left in progress
    assert len(_cells(database)) == 1
    ClassService(database.sessions).delete_student(ana)
    assert _cells(database) == {}


def test_a_regrade_rewrites_the_cells_so_the_report_shows_the_new_marks(
    services: Services, installed: int, clock: object, database: Database, pack: Pack
) -> None:
    lesson = _class_takes_lesson_1(services, clock)
    stats = StatisticsService(database.sessions)
    before = stats.quiz_statistics(QuizRef.lesson(lesson))
    q0 = next(q for q in before.questions if q.key == "l1q0")
    assert q0.facility == pytest.approx(0.75)  # Ana, Ben, Cleo right; Dan wrong

    install_pack(database.sessions, h.corrected_key(pack))
    regrade = RegradeService(database.sessions)
    regrade.apply(regrade.dry_run(installed, "l1q0"))
    after = stats.quiz_statistics(QuizRef.lesson(lesson))
    q0 = next(q for q in after.questions if q.key == "l1q0")
    # Dan picked choice B (the wrong answer under the old key), now the right one.
    assert q0.facility == pytest.approx(0.25)
    assert sorted(after.totals) != sorted(before.totals)
    # The same figures as read from the responses themselves, and the same rows stored.
    regraded = _cells(database)
    _forget_all(database)
    assert _figures(stats.quiz_statistics(QuizRef.lesson(lesson))) == _figures(after)
    assert _cells(database) == regraded


def test_a_database_that_cannot_be_written_still_gets_the_right_report(
    services: Services,
    installed: int,
    clock: object,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lesson = _class_takes_lesson_1(services, clock)
    stats = StatisticsService(database.sessions)
    expected = _figures(stats.quiz_statistics(QuizRef.lesson(lesson)))
    _forget_all(database)

    def locked(*_args: object) -> int:
        raise OperationalError("INSERT INTO attempt_cells", {}, Exception("database is locked"))

    monkeypatch.setattr(statistics_report, "fill_missing_cells", locked)
    assert _figures(stats.quiz_statistics(QuizRef.lesson(lesson))) == expected
    assert _cells(database) == {}


def test_results_merged_from_another_computer_arrive_with_their_cells(
    services: Services,
    installed: int,
    clock: object,
    database: Database,
    pack: Pack,
    tmp_path: Path,
) -> None:
    other = open_database(resolve_db_url(str(tmp_path / "room2.sqlite3")))
    try:
        there = build_services(other, clock)  # type: ignore[arg-type]
        install_pack(other.sessions, pack)
        _class_takes_lesson_1(there, clock)
        bundle = tmp_path / "room2.quizresults"
        export_results_bundle(other.sessions, bundle)
    finally:
        other.close()
    merge_bundles(database.sessions, [bundle])
    merged = _finished_attempt_ids(database)
    assert len(merged) == len(PATTERNS)
    assert set(_cells(database)) == merged
    with database.sessions() as s:
        ones = s.scalar(
            select(func.count())
            .select_from(m.AttemptCells)
            .where(m.AttemptCells.marks == ",".join(["1"] * 8))
        )
    assert ones == 1  # Ana's


def _thirds_pack() -> Pack:
    """One lesson of six multiple-answer questions with three right choices each (1/3
    credit apiece) and one wrong (-1/3): partial marks whose sum depends on the order
    they are added in, at the last bit."""
    third = 1 / 3
    return Pack(
        id="thirds",
        title="Thirds",
        lessons=(Lesson("t1", "Thirds", "Text."),),
        questions=tuple(
            Question(
                f"t{n}",
                "t1",
                QuestionType.MULTIPLE,
                f"Question {n}?",
                (
                    Choice(f"{n} right A", third),
                    Choice(f"{n} right B", third),
                    Choice(f"{n} right C", third),
                    Choice(f"{n} wrong", -third),
                ),
            )
            for n in range(6)
        ),
    )


def test_partial_marks_give_bit_identical_figures_from_stored_cells_and_from_responses(
    services: Services, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stored cells list slots in question order, the responses in the order asked:
    attempt totals are exact sums (``math.fsum``), so the order cannot change a figure,
    not even in its last digit."""
    install_pack(database.sessions, _thirds_pack())
    lesson = None
    for k in range(10):
        sid = services.students.create_student(f"Student {k}").id
        home = services.course.home(sid)
        pack = next(p for p in home.packs if p.pack.title == "Thirds")
        lesson = pack.lessons[0].id
        attempt = services.attempts.start_lesson_quiz(sid, lesson)
        for slot in attempt.slots:
            # 1, 2 or 3 of the right choices (author order 0-2), by student and slot.
            picks = [0, 1, 2][: 1 + (k + slot.slot) % 3]
            services.attempts.submit(attempt.id, slot.slot, picks)
        services.attempts.finish(attempt.id)
    assert lesson is not None
    stats = StatisticsService(database.sessions)
    ref = QuizRef.lesson(lesson)
    stored = repr(_figures(stats.quiz_statistics(ref)))
    assert len(_cells(database)) == 10
    _forget_all(database)
    monkeypatch.setattr(statistics_report, "fill_missing_cells", lambda *_a: 0)
    assert repr(_figures(stats.quiz_statistics(ref))) == stored


def test_storing_missing_cells_reports_progress_and_can_be_cancelled(
    services: Services, installed: int, clock: object, database: Database
) -> None:
    lesson = _class_takes_lesson_1(services, clock)
    stats = StatisticsService(database.sessions)
    _forget_all(database)

    with pytest.raises(OperationCancelled):
        stats.quiz_statistics(QuizRef.lesson(lesson), cancelled=lambda: True)
    assert _cells(database) == {}  # cancelled before anything was stored

    seen: list[tuple[int, int]] = []
    stats.quiz_statistics(QuizRef.lesson(lesson), progress=lambda d, t: seen.append((d, t)))
    # Storing the four attempts' cells, then reading them: the progress moves twice.
    assert seen == [(4, 4), (4, 4)]
    assert len(_cells(database)) == 4
    seen.clear()
    stats.quiz_statistics(QuizRef.lesson(lesson), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(4, 4)]  # nothing left to store
