"""The command line: ``quizapp validate`` output and exit codes, ``--db``, the GUI default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp import cli

HERE = Path(__file__).resolve().parent
VALID = HERE / "formats" / "fixtures" / "json" / "valid.json"
VALID_TEXT = VALID.read_text(encoding="utf-8")


def test_validate_prints_a_summary_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(VALID)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"OK: {VALID}"
    assert out[1] == "Fixture pack (fixture-pack, version 1.0, language en)"
    assert out[2] == "2 lessons, 3 questions: 1 single, 1 multiple, 1 true_false"
    assert out[3].split() == ["united-nations", "The", "United", "Nations", "2", "questions"]
    assert out[4].split() == ["water", "Water", "1", "question"]


def test_validate_lists_every_problem_with_its_location_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        VALID_TEXT.replace('"language": "en"', '"language": "English"').replace(
            '"lesson": "water"', '"lesson": "waters"'
        ),
        encoding="utf-8",
    )
    assert cli.main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{bad}:7:15 ($.language): ")
    assert out[0].endswith("[bad-language]")
    assert out[1].startswith(f"{bad}:51:17 ($.questions[2].lesson): ")
    assert out[1].endswith("[missing-lesson]")
    assert out[2] == f"2 problems in {bad}"


def test_validate_of_invalid_json_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{\n  "format": "quizapp-pack"\n  "id": "x"\n}\n', encoding="utf-8")
    assert cli.main(["validate", str(bad)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{bad}:3:3: ")
    assert first.endswith("[invalid-json]")


def test_validate_of_a_missing_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["validate", str(tmp_path / "nothing.json")]) == 1
    out = capsys.readouterr().out
    assert "[file-not-found]" in out
    assert "1 problem in" in out


def _without_evidence(tmp_path: Path) -> Path:
    text = VALID_TEXT.replace(',\n      "evidence": "boils at 100 degrees Celsius"', "")
    path = tmp_path / "no-evidence.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_require_evidence_makes_evidence_compulsory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_evidence(tmp_path)
    assert cli.main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["validate", "--require-evidence", str(path)]) == 1
    assert "[evidence-missing]" in capsys.readouterr().out


def test_the_builtin_pack_is_always_checked_for_evidence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _without_evidence(tmp_path)
    monkeypatch.setattr("quizapp.bundled.builtin_pack_path", lambda: path)
    assert cli.main(["validate", str(path)]) == 1
    assert "[evidence-missing]" in capsys.readouterr().out


def test_validate_reads_other_formats_through_the_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gift = tmp_path / "sums.gift"
    gift.write_text("::two-plus-two:: What is 2 + 2? {=4 ~3 ~5}\n", encoding="utf-8")
    assert cli.main(["validate", str(gift)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK: {gift}\n")
    assert "1 question: 1 single" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "class.sqlite", "validate", "f.json"],
        ["validate", "--db", "class.sqlite", "f.json"],
        ["validate", "f.json", "--db", "class.sqlite"],
    ],
)
def test_db_is_accepted_before_or_after_the_subcommand(argv: list[str]) -> None:
    args = cli.build_parser().parse_args(argv)
    assert cli.db_of(args) == "class.sqlite"
    assert args.file == "f.json"


def test_db_falls_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = cli.build_parser()
    assert cli.db_of(parser.parse_args(["validate", "f.json"])) is None
    monkeypatch.setenv("QUIZAPP_DB", "sqlite:///shared.db")
    assert cli.db_of(parser.parse_args(["validate", "f.json"])) == "sqlite:///shared.db"
    assert cli.db_of(parser.parse_args(["--db", "mine.db"])) == "mine.db"


def test_no_subcommand_opens_the_app_on_the_named_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str | None] = []

    def fake_main(db: str | None) -> int:
        opened.append(db)
        return 0

    monkeypatch.setattr("quizapp.app.main", fake_main)
    assert cli.main(["--db", "room12.sqlite"]) == 0
    assert cli.main([]) == 0
    assert opened == ["room12.sqlite", None]


def test_a_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["validate"])
    assert caught.value.code == 2
    assert "FILE" in capsys.readouterr().err


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def test_python_m_quizapp_validate_runs_for_real(tmp_path: Path) -> None:
    ok = _run("-m", "quizapp", "validate", str(VALID))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"OK: {VALID}")
    bad = tmp_path / "bad.json"
    bad.write_text(VALID_TEXT.replace('"type": "single"', '"type": "one"'), encoding="utf-8")
    failed = _run("-m", "quizapp", "validate", str(bad))
    assert failed.returncode == 1
    assert "[bad-value]" in failed.stdout


def test_validate_loads_neither_qt_nor_the_database_layer(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from quizapp.cli import main\n"
        f"status = main(['validate', {str(VALID)!r}])\n"
        "heavy = [m for m in ('PySide6', 'sqlalchemy', 'alembic') if m in sys.modules]\n"
        "print('HEAVY', heavy, status)\n"
    )
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr
    assert "HEAVY [] 0" in result.stdout


# --------------------------------------------------------------------------- export-results / merge


def _db_with_one_attempt(path: Path) -> None:
    """A database holding one student ("Ana") with one finished lesson quiz."""
    from quizapp.app import open_services

    database, services = open_services(str(path))
    try:
        ana = services.students.create_student("Ana").id
        lesson = services.course.home(ana).packs[0].lessons[0].id
        view = services.attempts.start_lesson_quiz(ana, lesson)
        for slot in view.slots:
            services.attempts.submit(view.id, slot.slot, [0])
        services.attempts.finish(view.id)
    finally:
        database.close()


def test_export_results_then_merge_twice_adds_nothing_the_second_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    room = tmp_path / "room.sqlite"
    teacher = tmp_path / "teacher.sqlite"
    bundle = tmp_path / "usb" / "room.zip"
    bundle.parent.mkdir()
    _db_with_one_attempt(room)
    assert cli.main(["export-results", "--db", str(room), "--bundle", str(bundle)]) == 0
    assert capsys.readouterr().out.strip() == f"Exported 1 attempt to {bundle}"
    assert cli.main(["merge", "--db", str(teacher), str(bundle)]) == 0
    first = capsys.readouterr().out
    assert first.startswith("room.zip: added 1 student, 1 attempt")
    assert cli.main(["--db", str(teacher), "merge", str(bundle)]) == 0
    assert capsys.readouterr().out.strip() == "room.zip: nothing new (already merged)."


def test_merge_of_a_file_that_is_not_a_bundle_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.zip"
    junk.write_text("not a zip", encoding="utf-8")
    assert cli.main(["merge", "--db", str(tmp_path / "t.sqlite"), str(junk)]) == 1
    assert "is not a quizapp results bundle" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# import, convert, packs, reset-pin

GIFT = """\
$CATEGORY: Sums

::two-plus-two:: What is 2 + 2?{=4 ~3 ~5}

::three-times:: Which are multiples of 3?{~%50%6 ~%50%9 ~%-100%10}

Write an essay about numbers.{}
"""


@pytest.fixture
def gift(tmp_path: Path) -> Path:
    path = tmp_path / "sums.gift"
    path.write_text(GIFT, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "class.sqlite")


def _packs(db: str) -> dict[str, tuple[str, int, bool]]:
    from quizapp.services.pack_admin import PackAdmin
    from quizapp.store.database import open_database, resolve_db_url

    database = open_database(resolve_db_url(db))
    try:
        return {
            row.key: (row.version, row.question_count, row.enabled)
            for row in PackAdmin(database.sessions).list_packs()
        }
    finally:
        database.close()


def test_import_prints_what_was_imported_and_skipped(
    gift: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(gift), "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Imported sums (sums, version 1)"
    assert out[1] == "1 lesson, 2 questions: 2 added, 0 changed, 0 unchanged, 0 removed"
    assert out[2] == "Shown to students"
    assert out[3] == "Skipped 1 item:"
    assert out[4].startswith("  line 7: essay: ")
    assert _packs(db)["sums"] == ("1", 2, True)

    assert cli.main(["--db", db, "import", str(gift)]) == 0
    assert capsys.readouterr().out.startswith("Already up to date: sums")
    gift.write_text(GIFT.replace("What is 2 + 2?", "What is two plus two?"), encoding="utf-8")
    assert cli.main(["import", str(gift), "--db", db]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Imported a new version of sums (sums, version 1)"
    assert "1 changed" in out[1]


def test_import_disabled_hides_the_pack(
    gift: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(gift), "--disabled", "--db", db]) == 0
    assert "Hidden from students (--disabled)" in capsys.readouterr().out
    assert _packs(db)["sums"][2] is False


def test_import_of_a_broken_file_lists_every_error_and_writes_nothing(
    tmp_path: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gift"
    bad.write_text("::a:: One?{=yes ~no}\n\n::b:: Two { ?{=yes ~no}\n\n::c:: Three?{=x\n")
    assert cli.main(["import", str(bad), "--db", db]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{bad}:3")
    assert out[-1].endswith(f"in {bad}: nothing was imported")
    assert len(out) >= 3
    assert not Path(db).exists()  # the file is read first: the database is not even opened


def test_convert_writes_json_or_gift_by_extension(
    gift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from quizapp.formats.registry import read_question_set

    out_json = tmp_path / "sums.json"
    assert cli.main(["convert", str(gift), str(out_json)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Wrote {out_json}: sums (sums), 1 lesson, 2 questions"
    assert out[1] == "Skipped 1 item:"
    assert "essay" in out[2]
    original = read_question_set(gift).pack
    assert read_question_set(out_json).pack == original

    out_gift = tmp_path / "again.gift"
    assert cli.main(["convert", str(out_json), str(out_gift)]) == 0
    back = read_question_set(out_gift).pack
    assert [(q.prompt, q.choices) for q in back.questions] == [
        (q.prompt, q.choices) for q in original.questions
    ]


def test_convert_refuses_an_unknown_output_and_a_broken_input(
    gift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["convert", str(gift), str(tmp_path / "sums.docx")]) == 2
    assert "must end in .json or .gift" in capsys.readouterr().err
    bad = tmp_path / "bad.gift"
    bad.write_text("::b:: Two { ?{=yes ~no}\n")
    target = tmp_path / "out.json"
    assert cli.main(["convert", str(bad), str(target)]) == 1
    assert "nothing was written" in capsys.readouterr().out
    assert not target.exists()


def test_packs_lists_key_title_version_questions_enabled_imported(
    gift: Path, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(gift), "--disabled", "--db", db]) == 0
    capsys.readouterr()
    assert cli.main(["packs", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["KEY", "TITLE", "VERSION", "QUESTIONS", "ENABLED", "IMPORTED"]
    assert len(lines) == 3
    assert "(built-in)" in lines[1]
    assert lines[1].split()[-3] == "yes"
    sums = lines[2].split()
    assert sums[:5] == ["sums", "sums", "1", "2", "no"]
    assert len(sums) == 7  # date and time


def _pin_set(db: str) -> bool:
    from quizapp.services.teacher_auth import TeacherAuth
    from quizapp.store.database import open_database, resolve_db_url

    database = open_database(resolve_db_url(db))
    try:
        return TeacherAuth(database.sessions).has_pin()
    finally:
        database.close()


def _set_pin(db: str) -> None:
    from quizapp.services.teacher_auth import TeacherAuth
    from quizapp.store.database import open_database, resolve_db_url

    database = open_database(resolve_db_url(db))
    try:
        TeacherAuth(database.sessions).set_pin("2468")
    finally:
        database.close()


def test_reset_pin_asks_first(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_pin(db)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(["reset-pin", "--db", db]) == 1
    assert "Nothing changed." in capsys.readouterr().out
    assert _pin_set(db)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert cli.main(["reset-pin", "--db", db]) == 0
    assert "was removed" in capsys.readouterr().out
    assert not _pin_set(db)


def test_reset_pin_yes_does_not_ask(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_pin(db)
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    assert cli.main(["reset-pin", "--yes", "--db", db]) == 0
    assert not _pin_set(db)
    assert cli.main(["reset-pin", "--yes", "--db", db]) == 0
    assert "No teacher PIN was set" in capsys.readouterr().out


def test_reset_pin_without_a_terminal_changes_nothing(db: str) -> None:
    _set_pin(db)
    result = _run("-m", "quizapp", "reset-pin", "--db", db)
    assert result.returncode == 1
    assert _pin_set(db)


def test_convert_into_a_missing_folder_says_so_without_a_traceback(
    gift: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "nonexistent" / "dir"
    assert cli.main(["convert", str(gift), str(folder / "x.json")]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert f"the folder {folder} does not exist" in captured.err
    assert not (tmp_path / "nonexistent").exists()


def test_export_results_into_a_missing_folder_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    room = tmp_path / "room.sqlite"
    _db_with_one_attempt(room)
    folder = tmp_path / "usb"
    assert cli.main(["export-results", "--db", str(room), "--bundle", str(folder / "b.zip")]) == 1
    assert f"the folder {folder} does not exist" in capsys.readouterr().err


def test_python_m_quizapp_convert_to_a_missing_folder_prints_no_traceback(
    gift: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quizapp", "convert", str(gift), "/nonexistent/dir/x.json"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "/nonexistent/dir" in done.stderr
