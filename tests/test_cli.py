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
    assert first.startswith("room.zip: added 1 student(s), 1 attempt(s)")
    assert cli.main(["--db", str(teacher), "merge", str(bundle)]) == 0
    assert capsys.readouterr().out.strip() == "room.zip: nothing new (already merged)."


def test_merge_of_a_file_that_is_not_a_bundle_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notes.zip"
    junk.write_text("not a zip", encoding="utf-8")
    assert cli.main(["merge", "--db", str(tmp_path / "t.sqlite"), str(junk)]) == 1
    assert "is not a quizapp results bundle" in capsys.readouterr().err
