"""Pack management: the import preview, all-or-nothing import, re-import as a new version,
enable/disable and soft delete as students see them, and the export round trips."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain.errors import NotFoundError, PackError, ValidationError
from quizapp.domain.model import Pack, QuestionType
from quizapp.formats.json_pack import write_pack
from quizapp.formats.registry import read_question_set
from quizapp.services.container import Services
from quizapp.services.pack_admin import PackAdmin
from quizapp.store import models as m
from quizapp.store.database import Database

GIFT = """\
// A small set as a teacher might export it from Moodle.
$CATEGORY: $course$/top/Rivers

::paris:: Which river flows through Paris?{=Seine#Yes. ~Thames#That is London. ~Danube}

::london:: Which rivers flow through London?{
  ~%50%Thames
  ~%50%Fleet
  ~%-100%Seine
  ####Both the Thames and the (hidden) Fleet.
}

Write a short essay about your favourite river.{}

$CATEGORY: Mountains

::everest:: Mount Everest is the highest mountain on Earth.{T#No, it is.#Right.}

When was Everest first climbed?{#1953}
"""

BROKEN_GIFT = """\
::one:: A fine question?{=yes ~no}

::two:: A brace { too many?{=yes ~no}

::three:: Another one?{=yes ~no
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def admin(database: Database, clock) -> PackAdmin:  # type: ignore[no-untyped-def]
    return PackAdmin(database.sessions, clock=clock)


def counts(database: Database) -> dict[str, int]:
    with database.sessions() as s:
        return {
            table.__tablename__: s.scalar(select(func.count()).select_from(table)) or 0
            for table in (m.Pack, m.Lesson, m.Question, m.Choice)
        }


def test_preview_lists_lessons_types_and_skipped_items_with_lines(
    admin: PackAdmin, tmp_path: Path
) -> None:
    preview = admin.preview(write(tmp_path, "rivers.gift", GIFT))
    assert preview.ok
    assert preview.problems == ()
    assert preview.existing is None
    assert preview.pack is not None
    assert preview.pack.id == "rivers"
    assert [(les.title, les.question_count) for les in preview.lessons] == [
        ("Rivers", 2),
        ("Mountains", 1),
    ]
    assert preview.questions_by_type == (
        (QuestionType.SINGLE, 1),
        (QuestionType.MULTIPLE, 1),
        (QuestionType.TRUE_FALSE, 1),
    )
    assert [(item.line, item.kind) for item in preview.skipped] == [
        (13, "essay"),
        (19, "numerical"),
    ]
    assert all(item.reason for item in preview.skipped)


def test_preview_of_a_broken_file_lists_every_error_and_writes_nothing(
    admin: PackAdmin, database: Database, tmp_path: Path
) -> None:
    before = counts(database)
    preview = admin.preview(write(tmp_path, "broken.gift", BROKEN_GIFT))
    assert not preview.ok
    assert preview.pack is None
    assert preview.lessons == ()
    lines = sorted(p.line for p in preview.problems if p.line is not None)
    assert len(lines) >= 2
    assert lines[0] == 3
    assert counts(database) == before


def test_import_of_a_broken_file_is_all_or_nothing(
    admin: PackAdmin, database: Database, tmp_path: Path
) -> None:
    before = counts(database)
    with pytest.raises(PackError) as caught:
        admin.import_file(write(tmp_path, "broken.gift", BROKEN_GIFT))
    assert len(caught.value.problems) >= 2
    assert counts(database) == before
    with pytest.raises(ValidationError):
        admin.install_previewed(admin.preview(tmp_path / "broken.gift"))
    assert counts(database) == before


def test_an_install_that_fails_half_way_leaves_nothing(
    admin: PackAdmin, database: Database, pack: Pack
) -> None:
    # The last question names a lesson the pack does not have: found only after the
    # pack row, the lessons and most questions were written in the transaction.
    broken = replace(
        pack,
        questions=(*pack.questions, replace(pack.questions[0], id="stray", lesson_id="nope")),
    )
    before = counts(database)
    with pytest.raises(ValidationError):
        admin.install(broken)
    assert counts(database) == before


def test_import_installs_and_lists_the_pack(
    admin: PackAdmin, services: Services, tmp_path: Path
) -> None:
    report = admin.import_file(write(tmp_path, "rivers.gift", GIFT))
    assert report.created
    assert report.questions_added == 3
    rows = {row.key: row for row in admin.list_packs()}
    row = rows["rivers"]
    assert (row.title, row.version, row.question_count, row.lesson_count) == (
        "rivers",
        "1",
        3,
        2,
    )
    assert row.enabled
    assert not row.is_builtin
    assert row.attempt_count == 0
    assert row.imported_at.utcoffset() is not None
    student = services.students.create_student("Ada")
    titles = [p.pack.title for p in services.course.home(student.id).packs]
    assert "rivers" in titles


def test_import_disabled_keeps_it_off_home(
    admin: PackAdmin, services: Services, tmp_path: Path
) -> None:
    report = admin.import_file(write(tmp_path, "rivers.gift", GIFT), enabled=False)
    assert not admin.get(report.pack_id).enabled
    student = services.students.create_student("Ada")
    assert services.course.home(student.id).packs == ()


def test_reimport_makes_a_new_version_and_old_attempts_keep_what_was_asked(
    admin: PackAdmin, services: Services, pack: Pack, tmp_path: Path
) -> None:
    first = tmp_path / "v1.json"
    write_pack(pack, first)
    pack_id = admin.import_file(first).pack_id
    student = services.students.create_student("Ada")
    lesson_id = services.course.home(student.id).packs[0].lessons[0].id
    attempt = services.attempts.start_lesson_quiz(student.id, lesson_id)
    asked = {slot.question_key: slot.prompt for slot in attempt.slots}
    changed_key = next(iter(asked))

    second = tmp_path / "v2.json"
    questions = tuple(
        replace(q, prompt="A clearer prompt?") if q.id == changed_key else q
        for q in pack.questions
    )
    write_pack(replace(pack, questions=questions, version="2"), second)
    preview = admin.preview(second)
    assert preview.existing is not None
    assert (preview.existing.id, preview.existing.version) == (pack_id, "1")
    report = admin.import_file(second)
    assert not report.created
    assert report.questions_revised == 1
    row = admin.get(pack_id)
    assert (row.version, row.revision, row.question_count) == ("2", 2, len(pack.questions))
    assert row.attempt_count == 1
    review = services.attempts.review(attempt.id)
    assert {slot.question_key: slot.prompt for slot in review.slots} == asked


def test_enable_and_disable_show_and_hide_the_pack_on_home(
    admin: PackAdmin, services: Services, installed: int
) -> None:
    student = services.students.create_student("Ada")
    assert [p.pack.id for p in services.course.home(student.id).packs] == [installed]
    admin.set_enabled(installed, False)
    assert services.course.home(student.id).packs == ()
    assert not admin.get(installed).enabled
    admin.set_enabled(installed, True)
    assert [p.pack.id for p in services.course.home(student.id).packs] == [installed]


def test_delete_hides_the_pack_but_past_attempts_stay_reviewable(
    admin: PackAdmin, services: Services, installed: int, pack: Pack
) -> None:
    student = services.students.create_student("Ada")
    lesson_id = services.course.home(student.id).packs[0].lessons[0].id
    attempt = services.attempts.start_lesson_quiz(student.id, lesson_id)
    for slot in attempt.slots:
        services.attempts.submit(attempt.id, slot.slot, [0])
    services.attempts.finish(attempt.id)

    admin.delete_pack(installed)
    assert installed not in [row.id for row in admin.list_packs()]
    assert services.course.home(student.id).packs == ()
    review = services.attempts.review(attempt.id)
    assert [s.question_key for s in review.slots] == [s.question_key for s in attempt.slots]
    assert [a.id for a in services.attempts.history(student.id)] == [attempt.id]
    with pytest.raises(NotFoundError):
        admin.set_enabled(installed, True)
    with pytest.raises(NotFoundError):
        admin.delete_pack(installed)
    # Importing the same pack id brings it back.
    admin.install(pack)
    assert installed in [row.id for row in admin.list_packs()]


def test_the_builtin_pack_can_be_disabled_but_not_deleted(
    admin: PackAdmin, database: Database, pack: Pack
) -> None:
    from quizapp.services.packs import install_pack

    pack_id = install_pack(database.sessions, pack, builtin=True).pack_id
    with pytest.raises(ValidationError, match="disable"):
        admin.delete_pack(pack_id)
    admin.set_enabled(pack_id, False)
    row = admin.get(pack_id)
    assert row.is_builtin
    assert not row.enabled


def test_unknown_packs_are_not_found(admin: PackAdmin, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        admin.get(999)
    with pytest.raises(NotFoundError):
        admin.export_pack(999, tmp_path / "x.json")


def test_json_export_then_import_gives_back_exactly_the_same_pack(
    admin: PackAdmin, database: Database, pack: Pack, tmp_path: Path
) -> None:
    pack_id = admin.install(pack).pack_id
    out = admin.export_pack(pack_id, tmp_path / "out.json")
    again = read_question_set(out).pack
    assert again == pack
    # Importing it back changes nothing: the same content hash, no new revision.
    before = counts(database)
    report = admin.import_file(out)
    assert (report.pack_id, report.changed) == (pack_id, False)
    assert counts(database) == before
    # And the export of a re-imported pack is the file it came from.
    assert admin.export_pack(pack_id, tmp_path / "again.json").read_bytes() == out.read_bytes()


def test_json_export_follows_reimports_and_retired_lessons(
    admin: PackAdmin, pack: Pack, tmp_path: Path
) -> None:
    pack_id = admin.install(pack).pack_id
    smaller = replace(
        pack,
        lessons=pack.lessons[:2],
        questions=tuple(q for q in pack.questions if q.lesson_id != pack.lessons[2].id),
        version="2",
    )
    admin.install(smaller)
    assert read_question_set(admin.export_pack(pack_id, tmp_path / "v2.json")).pack == smaller


def test_gift_export_then_import_gives_back_what_gift_carries(
    admin: PackAdmin, pack: Pack, tmp_path: Path
) -> None:
    pack_id = admin.install(pack).pack_id
    out = admin.export_pack(pack_id, tmp_path / "out.gift")
    again = read_question_set(out)
    assert again.skipped == ()
    back = again.pack

    def carried(p: Pack) -> list[tuple[object, ...]]:
        titles = {les.id: les.title for les in p.lessons}
        return [
            (
                titles[q.lesson_id],
                q.id,
                q.type,
                q.prompt,
                q.explanation,
                tuple((c.text, round(c.fraction, 5), c.feedback) for c in q.choices),
            )
            for q in p.questions
        ]

    assert carried(back) == carried(pack)
    assert [les.title for les in back.lessons] == [les.title for les in pack.lessons]


def test_gift_file_round_trip_through_the_database(
    admin: PackAdmin, tmp_path: Path
) -> None:
    source = read_question_set(write(tmp_path, "rivers.gift", GIFT)).pack
    pack_id = admin.import_file(tmp_path / "rivers.gift").pack_id
    exported = admin.export_pack(pack_id, tmp_path / "exported.gift")
    back = read_question_set(exported).pack
    assert [(q.id, q.type, q.prompt, q.choices, q.explanation) for q in back.questions] == [
        (q.id, q.type, q.prompt, q.choices, q.explanation) for q in source.questions
    ]


def test_export_to_an_unknown_extension_is_refused(
    admin: PackAdmin, installed: int, tmp_path: Path
) -> None:
    with pytest.raises(PackError):
        admin.export_pack(installed, tmp_path / "out.docx")
    assert not (tmp_path / "out.docx").exists()


def test_preview_of_an_unchanged_reexport_says_no_change(
    admin: PackAdmin, tmp_path: Path
) -> None:
    pack_id = admin.import_file(write(tmp_path, "moodle.gift", GIFT)).pack_id
    exported = admin.export_pack(pack_id, tmp_path / "moodle-export.gift")
    preview = admin.preview(exported)
    assert preview.existing is not None
    assert preview.existing.id == pack_id  # the same pack, not a second one
    assert preview.existing.unchanged
    assert preview.change_summary == (
        "No change: this pack is already installed exactly as in this file."
    )
    report = admin.import_file(exported)
    assert (report.created, report.changed, report.questions_added) == (False, False, 0)
    assert [row.key for row in admin.list_packs()] == ["moodle"]


def test_preview_of_a_new_version_counts_changed_added_and_removed_questions(
    admin: PackAdmin, tmp_path: Path
) -> None:
    admin.import_file(write(tmp_path, "rivers.gift", GIFT))
    edited = (
        GIFT.replace("Which river flows through Paris?", "Which river crosses Paris?")
        .replace("::everest:: Mount Everest is the highest mountain on Earth.{T#No, it is.#Right.}",
                 "::k2:: K2 is in the Himalaya.{F}\n\n::alps:: Mont Blanc is in the Alps.{T}")
    )
    preview = admin.preview(write(tmp_path, "rivers.gift", edited))
    existing = preview.existing
    assert existing is not None
    assert not existing.unchanged
    counts = (existing.questions_changed, existing.questions_added, existing.questions_removed)
    assert counts == (1, 2, 1)
    assert "1 question changed, 2 added, 1 removed" in preview.change_summary
    assert preview.change_summary.startswith("New version of “rivers”")
    fresh = admin.preview(write(tmp_path, "other.gift", "Q?{=a ~b}\n"))
    assert fresh.change_summary == "This is a new pack on this computer."
