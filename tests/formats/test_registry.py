"""Choosing the reader by extension, the size limit, and writing by extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.domain.errors import PackError
from quizapp.domain.model import QuestionType
from quizapp.formats import registry
from quizapp.formats.gift import parse_gift
from quizapp.formats.registry import (
    MAX_FILE_BYTES,
    SUPPORTED_EXTENSIONS,
    read_question_set,
    slugify,
    write_question_set,
)

FIXTURES = Path(__file__).parent / "fixtures"


def test_supported_extensions() -> None:
    assert set(SUPPORTED_EXTENSIONS) == {
        ".json", ".gift", ".txt", ".aiken", ".csv", ".xlsx", ".xml",
    }


def test_each_extension_goes_to_its_reader(tmp_path: Path) -> None:
    gift = read_question_set(FIXTURES / "gift" / "single.gift")
    assert gift.pack.questions[0].prompt == "Who is buried in Grant's tomb?"
    aiken = read_question_set(FIXTURES / "aiken" / "good.txt")  # .txt without braces
    assert len(aiken.pack.questions) == 3
    gift_txt = tmp_path / "as_text.TXT"
    gift_txt.write_text("Q?{=a ~b}\n", encoding="utf-8")
    assert read_question_set(gift_txt).pack.questions[0].type is QuestionType.SINGLE
    aiken_ext = tmp_path / "set.aiken"
    aiken_ext.write_text("Q?\nA. a\nB. b\nANSWER: A\n", encoding="utf-8")
    assert read_question_set(aiken_ext).pack.id == "set"
    assert read_question_set(FIXTURES / "csv" / "comma.csv").pack.questions
    assert read_question_set(FIXTURES / "xml" / "quiz.xml").pack.questions


def test_unknown_extension_and_missing_file_are_pack_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    with pytest.raises(PackError) as info:
        read_question_set(tmp_path / "notes.docx")
    assert info.value.problems[0].rule == "unsupported-format"
    with pytest.raises(PackError) as info:
        read_question_set(tmp_path / "missing.gift")
    assert info.value.problems[0].rule == "file-not-found"


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.gift"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(PackError) as info:
        read_question_set(big)
    assert info.value.problems[0].rule == "file-too-large"
    assert "20 MB" in str(info.value)


def test_limit_applies_to_the_bytes_read(tmp_path: Path) -> None:
    small = tmp_path / "small.gift"
    small.write_bytes(b"Q?{=a ~b}\n" * 10)
    with pytest.raises(PackError) as info:
        registry.read_limited_bytes(small, limit=50)
    assert info.value.problems[0].rule == "file-too-large"


def test_write_gift_by_extension_and_read_back(tmp_path: Path) -> None:
    pack = read_question_set(FIXTURES / "gift" / "truefalse.gift").pack
    out = tmp_path / "out.gift"
    write_question_set(pack, out)
    again = read_question_set(out).pack
    assert [(q.prompt, q.correct_indices) for q in again.questions] == [
        (q.prompt, q.correct_indices) for q in pack.questions
    ]
    with pytest.raises(PackError) as info:
        write_question_set(pack, tmp_path / "out.xml")
    assert info.value.problems[0].rule == "unsupported-format"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gift"]


def test_json_goes_through_our_pack_loader(tmp_path: Path) -> None:
    json_pack = pytest.importorskip("quizapp.formats.json_pack")
    pack = read_question_set(FIXTURES / "gift" / "feedback.gift").pack
    out = tmp_path / "pack.json"
    write_question_set(pack, out)
    assert out.read_text(encoding="utf-8") == json_pack.dump_pack(pack)
    assert read_question_set(out).pack.questions[0].prompt == pack.questions[0].prompt


def test_slugify() -> None:
    assert slugify("Élève's Quiz — 2024!") == "eleve-s-quiz-2024"
    assert slugify("!!!", "fallback") == "fallback"
    assert len(slugify("word " * 40)) <= 48


GOOD_FILES = [
    "gift/category.gift", "gift/escapes.gift", "gift/weights.gift", "gift/feedback.gift",
    "gift/truefalse.gift", "gift/markers.gift", "gift/skipped.gift", "aiken/good.txt",
    "csv/comma.csv", "csv/sep_line.csv", "xml/quiz.xml",
]


@pytest.mark.parametrize("name", GOOD_FILES)
def test_every_reader_gives_a_pack_our_json_loader_accepts_unchanged(name: str) -> None:
    json_pack = pytest.importorskip("quizapp.formats.json_pack")
    pack = read_question_set(FIXTURES / name).pack
    again = json_pack.parse_pack(json_pack.dump_pack(pack), "again.json")
    assert again == pack


def test_ids_from_prompts_that_agree_on_their_first_words_are_numbered_in_order() -> None:
    prefix = "Which of the following statements about the history of the region is true"
    text = "\n\n".join(f"{prefix} (item {i})?{{=a ~b}}" for i in range(4))
    text += f"\n\n::{slugify(prefix)}-3::Titled.{{=a ~b}}"
    ids = [q.id for q in parse_gift(text, "x.gift").pack.questions]
    base = slugify(prefix)
    assert ids == [base, f"{base}-2", f"{base}-3", f"{base}-4", f"{base}-3-2"]


def test_numbering_many_ids_from_one_base_is_linear_not_quadratic() -> None:
    # A 71,000-question GIFT file without titles took minutes: each id tried base-2,
    # base-3, ... from the start. Count the membership tests instead of timing them.
    class CountingSet(set[str]):
        checks = 0

        def __contains__(self, item: object) -> bool:
            CountingSet.checks += 1
            return super().__contains__(item)

    used, suffix = CountingSet(), {}
    ids = [registry._unique("same-prompt", used, suffix) for _ in range(5000)]
    assert ids[:3] == ["same-prompt", "same-prompt-2", "same-prompt-3"]
    assert len(set(ids)) == 5000
    assert CountingSet.checks < 3 * 5000
