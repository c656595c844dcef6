"""Installing packs: revisions on re-import, removed questions, the built-in pack."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import ValidationError
from quizapp.domain.model import Pack
from quizapp.services.container import Services
from quizapp.services.dto import SlotView
from quizapp.services.packs import ensure_builtin_pack, install_pack
from quizapp.store import models as m
from quizapp.store.database import Database

Answer = Callable[[SlotView], list[int]]


def _revisions(database: Database, key: str) -> list[tuple[int, bool, str]]:
    with database.sessions.begin() as s:
        rows = s.execute(
            select(m.Question.revision, m.Question.is_current, m.Question.prompt)
            .where(m.Question.key == key)
            .order_by(m.Question.revision)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_first_install(database: Database, pack: Pack) -> None:
    report = install_pack(database.sessions, pack)
    assert report.created
    assert report.changed
    assert (report.lessons_added, report.questions_added) == (3, 24)
    with database.sessions.begin() as s:
        row = s.get(m.Pack, report.pack_id)
        assert row is not None
        assert (row.key, row.version, row.enabled) == ("test-pack", "1", True)
        assert not row.is_builtin
        assert len(row.content_hash) == 64
        # per lesson: 6 four-choice questions and 2 true/false
        assert s.scalar(select(func.count(m.Choice.id))) == 3 * (6 * 4 + 2 * 2)


def test_same_content_again_changes_nothing(database: Database, pack: Pack) -> None:
    install_pack(database.sessions, pack)
    again = install_pack(database.sessions, pack)
    assert not again.created
    assert not again.changed
    assert again.questions_unchanged == 24
    assert (again.questions_added, again.questions_revised, again.questions_removed) == (0, 0, 0)
    assert _revisions(database, "l1q0") == [(1, True, "Prompt of l1q0?")]


def test_changed_question_gets_a_new_revision(database: Database, pack: Pack) -> None:
    install_pack(database.sessions, pack)
    changed = tuple(
        replace(q, prompt="Reworded?") if q.id == "l2q1" else q for q in pack.questions
    )
    report = install_pack(database.sessions, replace(pack, questions=changed, version="2"))
    assert report.changed
    assert (report.questions_revised, report.questions_unchanged) == (1, 23)
    assert _revisions(database, "l2q1") == [
        (1, False, "Prompt of l2q1?"),
        (2, True, "Reworded?"),
    ]
    with database.sessions.begin() as s:
        row = s.scalars(select(m.Pack)).one()
        assert (row.version, row.revision) == ("2", 2)


def test_removed_question_and_lesson_stop_being_current_and_can_come_back(
    database: Database, pack: Pack
) -> None:
    install_pack(database.sessions, pack)
    smaller = replace(
        pack,
        lessons=pack.lessons[:2],
        questions=tuple(
            q for q in pack.questions if q.lesson_id != "lesson-3" and q.id != "l1q0"
        ),
    )
    report = install_pack(database.sessions, smaller)
    assert (report.questions_removed, report.lessons_retired) == (9, 1)
    assert _revisions(database, "l1q0") == [(1, False, "Prompt of l1q0?")]
    with database.sessions.begin() as s:
        retired = s.scalars(select(m.Lesson.key).where(m.Lesson.retired)).all()
    assert retired == ["lesson-3"]

    back = install_pack(database.sessions, pack)
    assert back.questions_added == 9
    assert back.lessons_updated == 1
    assert _revisions(database, "l1q0") == [(1, True, "Prompt of l1q0?")]  # same revision


def test_a_question_naming_a_missing_lesson_installs_nothing(
    database: Database, pack: Pack
) -> None:
    broken = replace(
        pack, questions=(*pack.questions, replace(pack.questions[0], id="x", lesson_id="nope"))
    )
    with pytest.raises(ValidationError, match="nope"):
        install_pack(database.sessions, broken)
    with database.sessions.begin() as s:
        assert s.scalar(select(func.count(m.Pack.id))) == 0
        assert s.scalar(select(func.count(m.Question.id))) == 0


# ------------------------------------------------------------------ built-in pack


@pytest.fixture
def fake_loader(monkeypatch: pytest.MonkeyPatch) -> dict[str, Pack]:
    """Replace ``quizapp.formats.json_pack.load_pack`` by one serving ``files[path]``, so
    these tests do not depend on the JSON reader or the real built-in pack."""
    files: dict[str, Pack] = {}
    calls: list[tuple[str, bool]] = []

    def load_pack(path: str | Path, *, require_evidence: bool = False) -> Pack:
        calls.append((str(path), require_evidence))
        return files[str(path)]

    module = types.ModuleType("quizapp.formats.json_pack")
    module.load_pack = load_pack  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "quizapp.formats.json_pack", module)
    files["calls"] = calls  # type: ignore[assignment]
    return files


def test_builtin_pack_installed_once_then_left_alone(
    database: Database, pack: Pack, fake_loader: dict[str, Pack]
) -> None:
    fake_loader["questions.json"] = pack
    ensure_builtin_pack(database.sessions, Path("questions.json"))
    ensure_builtin_pack(database.sessions, Path("questions.json"))
    assert fake_loader["calls"] == [("questions.json", True)] * 2  # type: ignore[comparison-overlap]
    with database.sessions.begin() as s:
        row = s.scalars(select(m.Pack)).one()
        assert (row.is_builtin, row.revision) == (True, 1)
        assert s.scalar(select(func.count(m.Question.id))) == 24


def test_builtin_refresh_on_new_version_keeps_history_and_teacher_choices(
    database: Database,
    services: Services,
    pack: Pack,
    fake_loader: dict[str, Pack],
    answers: tuple[Answer, Answer],
) -> None:
    right, _ = answers
    fake_loader["questions.json"] = pack
    ensure_builtin_pack(database.sessions, Path("questions.json"))
    student = services.students.create_student("Ana").id
    lesson_id = services.course.home(student).packs[0].lessons[0].id
    view = services.attempts.start_lesson_quiz(student, lesson_id)
    for slot in view.slots:
        services.attempts.submit(view.id, slot.slot, right(slot))
    services.attempts.finish(view.id)
    with database.sessions.begin() as s:
        s.scalars(select(m.Pack)).one().enabled = False  # the teacher hid it

    changed = tuple(
        replace(q, prompt="New wording?") if q.id == "l1q2" else q for q in pack.questions
    )
    fake_loader["questions.json"] = replace(pack, questions=changed, version="2")
    ensure_builtin_pack(database.sessions, Path("questions.json"))

    with database.sessions.begin() as s:
        row = s.scalars(select(m.Pack)).one()
        assert (row.version, row.revision, row.enabled) == ("2", 2, False)
    assert [r[:2] for r in _revisions(database, "l1q2")] == [(1, False), (2, True)]
    review = services.attempts.review(view.id)
    assert next(s for s in review.slots if s.question_key == "l1q2").prompt == "Prompt of l1q2?"
    assert services.attempts.history(student)[0].percent == 100


def test_builtin_installed_from_two_threads_at_once(
    database: Database, pack: Pack, fake_loader: dict[str, Pack]
) -> None:
    fake_loader["questions.json"] = pack
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            ensure_builtin_pack(database.sessions, Path("questions.json"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with database.sessions.begin() as s:
        assert s.scalar(select(func.count(m.Pack.id))) == 1
        assert s.scalar(select(func.count(m.Question.id))) == 24


def test_real_builtin_pack_smoke(database: Database, services: Services) -> None:
    """The shipped ``questions.json`` installs and its first lesson can be taken."""
    from quizapp.bundled import builtin_pack_path

    path = builtin_pack_path()
    if not path.is_file():
        pytest.skip("questions.json is not in the tree yet")
    pytest.importorskip("quizapp.formats.json_pack")
    ensure_builtin_pack(database.sessions, path)
    ensure_builtin_pack(database.sessions, path)
    student = services.students.create_student("Ana").id
    home = services.course.home(student)
    assert len(home.packs) == 1
    lesson = next(les for les in home.packs[0].lessons if les.question_count)
    view = services.attempts.start_lesson_quiz(student, lesson.id)
    assert len(view.slots) == lesson.question_count
    feedback = services.attempts.submit(view.id, 0, [view.slots[0].choices[0].index])
    assert feedback.evidence
