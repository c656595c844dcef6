"""The pack format v1 loader: every rule reported with its id and location; round trips.

Each rule case changes one thing in ``fixtures/json/valid.json`` and says where the
problem is by a piece of the changed text (``where``): the expected line and column
are found by plain text search, independently of the loader's own position tracking.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.errors import PackError, Problem
from quizapp.domain.model import (
    Choice,
    Lesson,
    Pack,
    Question,
    QuestionType,
    Scoring,
    TextFormat,
)
from quizapp.domain.scoring import mark_response
from quizapp.formats.json_pack import (
    BCP47,
    RULES,
    SLUG,
    dump_pack,
    load_pack,
    pack_to_dict,
    parse_pack,
    read_text_file,
)

HERE = Path(__file__).resolve().parent
VALID = HERE / "fixtures" / "json" / "valid.json"
ROOT = HERE.parent.parent
SCHEMA = ROOT / "resources" / "schema" / "quizapp-pack-v1.schema.json"
VALID_TEXT = VALID.read_text(encoding="utf-8")


def position(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column where the ``nth`` occurrence of ``needle`` starts."""
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def change(text: str, *pairs: tuple[str, str]) -> str:
    """Replace each ``old`` (which must occur exactly once) by ``new``."""
    for old, new in pairs:
        assert text.count(old) == 1, f"fixture edit {old!r} is ambiguous or missing"
        text = text.replace(old, new)
    return text


def problems_of(text: str, **kwargs: bool) -> tuple[Problem, ...]:
    with pytest.raises(PackError) as caught:
        parse_pack(text, "pack.json", **kwargs)
    return caught.value.problems


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[tuple[str, str], ...] | Callable[[str], str]
    rule: str
    path: str
    where: str | None  # text at the problem's position in the changed file
    nth: int = 1
    require_evidence: bool = False
    schema_can_tell: bool = True  # the JSON Schema also rejects this file

    def text(self) -> str:
        if callable(self.edits):
            return self.edits(VALID_TEXT)
        return change(VALID_TEXT, *self.edits)


Q0 = '{\n      "id": "un-founded"'
Q2 = '{\n      "id": "water-boils"'
Q0_CHOICES = '[\n        {"text": "1945"'
Q1_CHOICES = '[\n        {"text": "Founded in 1945"'
Q2_CHOICES = '[\n        {"text": "True"'


def _empty_questions(text: str) -> str:
    return text[: text.index('"questions": [')] + '"questions": []\n}\n'


def _empty_lessons(text: str) -> str:
    start = text.index('"lessons": [') + len('"lessons": [')
    end = text.index('  ],\n  "questions"')
    return text[:start] + text[end:]


CASES = [
    Case(
        "invalid-json",
        (('"version": "1.0",', '"version": "1.0"'),),
        "invalid-json",
        "",
        '"description"',
        schema_can_tell=False,
    ),
    Case(
        "invalid-json-trailing-comma",
        (('{"text": "1950"}\n', '{"text": "1950"},\n'),),
        "invalid-json",
        "",
        '],\n      "explanation": "The lesson gives',
        schema_can_tell=False,
    ),
    Case(
        "wrong-type",
        (('"format_version": 1', '"format_version": "1"'),),
        "wrong-type",
        "$.format_version",
        '"1"',
    ),
    Case(
        "wrong-type-nan",
        (('"credit": -1}', '"credit": NaN}'),),
        "wrong-type",
        "$.questions[1].choices[2].credit",
        "NaN",
        schema_can_tell=False,
    ),
    Case(
        "wrong-type-choice",
        (('{"text": "1950"}', '"1950"'),),
        "wrong-type",
        "$.questions[0].choices[2]",
        '"1950"',
    ),
    Case(
        "missing-field",
        (('"type": "single",\n      "prompt": "When', '"type": "single",\n      "x": "When'),),
        "missing-field",
        "$.questions[0]",
        Q0,
    ),
    Case(
        "unknown-field",
        (
            (
                '"prompt": "Which are true of the UN?",',
                '"prompt": "Which are true of the UN?",\n      "promt": "x",',
            ),
        ),
        "unknown-field",
        "$.questions[1].promt",
        '"promt"',
    ),
    Case(
        "duplicate-key",
        (('"title": "Water",', '"title": "Water",\n      "title": "Eau",'),),
        "duplicate-key",
        "$.lessons[1].title",
        '"title": "Eau"',
        schema_can_tell=False,
    ),
    Case(
        "duplicate-id-question",
        (('"id": "water-boils"', '"id": "un-facts"'),),
        "duplicate-id",
        "$.questions[2].id",
        '"un-facts"',
        nth=2,
        schema_can_tell=False,
    ),
    Case(
        "duplicate-id-lesson",
        (('"id": "water"', '"id": "united-nations"'),),
        "duplicate-id",
        "$.lessons[1].id",
        '"united-nations"',
        nth=2,
        schema_can_tell=False,
    ),
    Case(
        "missing-lesson",
        (('"lesson": "water"', '"lesson": "waters"'),),
        "missing-lesson",
        "$.questions[2].lesson",
        '"waters"',
        schema_can_tell=False,
    ),
    Case(
        "too-few-choices",
        (
            (
                '{"text": "True", "correct": true},\n        {"text": "False"}',
                '{"text": "True", "correct": true}',
            ),
        ),
        "too-few-choices",
        "$.questions[2].choices",
        Q2_CHOICES,
    ),
    Case(
        "single-correct-count-two",
        (('{"text": "1950"}', '{"text": "1950", "correct": true}'),),
        "single-correct-count",
        "$.questions[0].choices",
        Q0_CHOICES,
    ),
    Case(
        "single-correct-count-none",
        (('{"text": "1945", "correct": true}', '{"text": "1945"}'),),
        "single-correct-count",
        "$.questions[0].choices",
        Q0_CHOICES,
    ),
    Case(
        "no-correct-choice",
        (
            ('{"text": "Founded in 1945", "credit": 0.5}', '{"text": "Founded in 1945"}'),
            (
                '{"text": "Headquarters in New York", "credit": 0.5}',
                '{"text": "Headquarters in New York"}',
            ),
            (
                '{"text": "Headquarters in Paris", "credit": -1}',
                '{"text": "Headquarters in Paris", "correct": false}',
            ),
        ),
        "no-correct-choice",
        "$.questions[1].choices",
        Q1_CHOICES,
    ),
    Case(
        "duplicate-choice",
        (('{"text": "False"}', '{"text": " TRUE "}'),),
        "duplicate-choice",
        "$.questions[2].choices[1].text",
        '" TRUE "',
        schema_can_tell=False,
    ),
    Case(
        "empty-choice",
        (('{"text": "1950"}', '{"text": "   "}'),),
        "empty-choice",
        "$.questions[0].choices[2].text",
        '"   "',
        schema_can_tell=False,
    ),
    Case(
        "credit-range",
        (('"credit": -1}', '"credit": -1.5}'),),
        "credit-range",
        "$.questions[1].choices[2].credit",
        "-1.5",
    ),
    Case(
        "credit-not-full-multiple",
        (
            (
                '"Headquarters in New York", "credit": 0.5',
                '"Headquarters in New York", "credit": 0.4',
            ),
        ),
        "credit-not-full",
        "$.questions[1].choices",
        Q1_CHOICES,
        schema_can_tell=False,
    ),
    Case(
        "credit-not-full-single",
        (
            ('{"text": "1945", "correct": true}', '{"text": "1945", "credit": 0.9}'),
            ('{"text": "1919", "feedback"', '{"text": "1919", "credit": 0, "feedback"'),
            ('{"text": "1950"}', '{"text": "1950", "credit": 0}'),
        ),
        "credit-not-full",
        "$.questions[0].choices",
        Q0_CHOICES,
        schema_can_tell=False,
    ),
    Case(
        "mixed-credit-question",
        (
            (
                '{"text": "Headquarters in Paris", "credit": -1}',
                '{"text": "Headquarters in Paris", "correct": false}',
            ),
        ),
        "mixed-credit",
        "$.questions[1].choices",
        Q1_CHOICES,
    ),
    Case(
        "mixed-credit-choice",
        (
            (
                '"Headquarters in Paris", "credit": -1}',
                '"Headquarters in Paris", "credit": -1, "correct": false}',
            ),
        ),
        "mixed-credit",
        "$.questions[1].choices[2]",
        '{"text": "Headquarters in Paris"',
    ),
    Case(
        "true-false-choices",
        (('{"text": "False"}', '{"text": "False"},\n        {"text": "Maybe"}'),),
        "true-false-choices",
        "$.questions[2].choices",
        Q2_CHOICES,
    ),
    Case(
        "evidence-not-found",
        (('"boils at 100 degrees', '"boils at 90 degrees'),),
        "evidence-not-found",
        "$.questions[2].evidence",
        '"boils at 90',
        schema_can_tell=False,
    ),
    Case(
        "evidence-missing",
        ((',\n      "evidence": "boils at 100 degrees Celsius"', ""),),
        "evidence-missing",
        "$.questions[2]",
        Q2,
        require_evidence=True,
        schema_can_tell=False,
    ),
    Case(
        "bad-slug",
        (('"id": "un-founded"', '"id": "UN founded"'),),
        "bad-slug",
        "$.questions[0].id",
        '"UN founded"',
    ),
    Case(
        "bad-language",
        (('"language": "en"', '"language": "English"'),),
        "bad-language",
        "$.language",
        '"English"',
    ),
    Case(
        "bad-format",
        (('"format": "quizapp-pack"', '"format": "moodle"'),),
        "bad-format",
        "$.format",
        '"moodle"',
    ),
    Case(
        "bad-format-version",
        (('"format_version": 1', '"format_version": 2'),),
        "bad-format-version",
        "$.format_version",
        "2,",
    ),
    Case(
        "bad-value",
        (('"type": "single"', '"type": "single-choice"'),),
        "bad-value",
        "$.questions[0].type",
        '"single-choice"',
    ),
    Case(
        "empty-field",
        (('"prompt": "When was the United Nations founded?"', '"prompt": " "'),),
        "empty-field",
        "$.questions[0].prompt",
        '" "',
    ),
    Case("no-questions", _empty_questions, "no-questions", "$.questions", "[]"),
    Case("no-lessons", _empty_lessons, "no-lessons", "$.lessons", "[  ]"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_rule_is_reported_with_its_location(case: Case) -> None:
    text = case.text()
    problems = problems_of(text, require_evidence=case.require_evidence)
    matching = [p for p in problems if p.rule == case.rule and p.path == case.path]
    assert matching, f"expected {case.rule} at {case.path}, got:\n" + "\n".join(map(str, problems))
    problem = matching[0]
    assert problem.file == "pack.json"
    assert problem.message
    if case.where is not None:
        assert (problem.line, problem.column) == position(text, case.where, case.nth)


def test_the_valid_fixture_loads_with_resolved_fractions_and_question_lines() -> None:
    pack = load_pack(VALID, require_evidence=True)
    assert pack.id == "fixture-pack"
    assert [lesson.id for lesson in pack.lessons] == ["united-nations", "water"]
    founded, facts, boils = pack.questions
    assert [c.fraction for c in founded.choices] == [1.0, 0.0, 0.0]
    assert founded.choices[1].feedback == "That was the League of Nations."
    assert [c.fraction for c in facts.choices] == [0.5, 0.5, -1.0]
    assert boils.type is QuestionType.TRUE_FALSE
    assert founded.text_format is TextFormat.PLAIN
    assert founded.shuffle
    assert founded.scoring is Scoring.PARTIAL
    assert [q.line for q in pack.questions] == [
        position(VALID_TEXT, Q0)[0],
        position(VALID_TEXT, '{\n      "id": "un-facts"')[0],
        position(VALID_TEXT, Q2)[0],
    ]


def test_correct_alone_shares_plus_one_and_in_multiple_minus_one() -> None:
    text = change(
        VALID_TEXT,
        (
            '{"text": "Founded in 1945", "credit": 0.5}',
            '{"text": "Founded in 1945", "correct": true}',
        ),
        (
            '{"text": "Headquarters in New York", "credit": 0.5}',
            '{"text": "Headquarters in New York", "correct": true}',
        ),
        (
            '{"text": "Headquarters in Paris", "credit": -1}',
            '{"text": "Headquarters in Paris"},\n        {"text": "Headquarters in Geneva"}',
        ),
    )
    facts = parse_pack(text).questions[1]
    assert [c.fraction for c in facts.choices] == [0.5, 0.5, -0.5, -0.5]
    assert mark_response(facts, {0, 1}) == 1.0
    assert mark_response(facts, {0, 1, 2, 3}) == 0.0  # ticking every box earns nothing
    single = parse_pack(text).questions[0]
    assert [c.fraction for c in single.choices] == [1.0, 0.0, 0.0]


def test_three_weights_of_33_33333_percent_make_full_marks() -> None:
    text = change(
        VALID_TEXT,
        ('"Founded in 1945", "credit": 0.5', '"Founded in 1945", "credit": 0.3333333'),
        (
            '"Headquarters in New York", "credit": 0.5',
            '"Headquarters in New York", "credit": 0.3333333',
        ),
        ('"Headquarters in Paris", "credit": -1', '"Headquarters in Paris", "credit": 0.3333333'),
    )
    facts = parse_pack(text).questions[1]
    assert mark_response(facts, {0, 1, 2}) == 1.0


def test_a_single_question_may_give_partial_credit_to_a_second_choice() -> None:
    text = change(
        VALID_TEXT,
        ('{"text": "1945", "correct": true}', '{"text": "1945", "credit": 1}'),
        ('{"text": "1919", "feedback"', '{"text": "1919", "credit": 0.5, "feedback"'),
        ('{"text": "1950"}', '{"text": "1950", "credit": -0.25}'),
    )
    founded = parse_pack(text).questions[0]
    assert [c.fraction for c in founded.choices] == [1.0, 0.5, -0.25]


def test_every_problem_is_reported_together_in_file_order() -> None:
    text = change(
        VALID_TEXT,
        ('"language": "en"', '"language": "English"'),
        ('"type": "single"', '"type": "one"'),
        ('"lesson": "water"', '"lesson": "waters"'),
        ('{"text": "False"}', '{"text": "true"}'),
    )
    problems = problems_of(text)
    assert [p.rule for p in problems] == [
        "bad-language",
        "bad-value",
        "missing-lesson",
        "duplicate-choice",
    ]
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    with pytest.raises(PackError) as caught:
        parse_pack(text, "pack.json")
    report = caught.value.report().splitlines()
    assert len(report) == 4
    english_line = position(text, '"English"')[0]
    assert report[0].startswith(f"pack.json:{english_line}:")
    assert "(and 3 more problems)" in str(caught.value)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + VALID_TEXT.encode("utf-8"))
    from_file = load_pack(path)
    assert from_file == load_pack(VALID)
    assert [q.line for q in from_file.questions] == [q.line for q in load_pack(VALID).questions]
    assert parse_pack("\ufeff" + VALID_TEXT) == from_file


def test_a_missing_file_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path / "nope.json")
    assert caught.value.problems[0].rule == "file-not-found"
    assert "nope.json" in str(caught.value)


def test_a_folder_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError) as caught:
        load_pack(tmp_path)
    assert caught.value.problems[0].rule == "file-unreadable"


def test_text_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    text = VALID_TEXT.replace("Fixture pack", "Fixture paquet \u00e9")
    path = tmp_path / "latin1.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(PackError) as caught:
        load_pack(path)
    problem = caught.value.problems[0]
    assert problem.rule == "not-utf8"
    assert (problem.line, problem.column) == position(text, "\u00e9")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: nothing is written
    with pytest.raises(PackError) as caught:
        load_pack(path)
    assert caught.value.problems[0].rule == "file-too-large"
    small = tmp_path / "small.json"
    small.write_text("{}", encoding="utf-8")
    with pytest.raises(PackError) as caught:
        read_text_file(small, max_bytes=1)
    assert caught.value.problems[0].rule == "file-too-large"


def test_a_document_that_is_not_an_object_is_a_wrong_type() -> None:
    (problem,) = problems_of("[]")
    assert (problem.rule, problem.path, problem.line, problem.column) == ("wrong-type", "$", 1, 1)


def test_unknown_field_suggests_the_close_name() -> None:
    text = change(VALID_TEXT, ('"prompt": "When', '"promt": "When'))
    rules = {p.rule: p for p in problems_of(text)}
    assert "Did you mean 'prompt'?" in rules["unknown-field"].message
    assert rules["missing-field"].path == "$.questions[0]"


def full_pack() -> Pack:
    """A pack using every optional field, with fractions correct flags cannot express."""
    lessons = (
        Lesson("one", "One", "Some **bold** text.\n\n- a list"),
        Lesson("two", "Two", ""),
    )
    questions = (
        Question(
            id="q-1",
            lesson_id="one",
            type=QuestionType.MULTIPLE,
            prompt="Pick *two*",
            choices=(
                Choice("A", 0.3333333, "fb A", pinned=False),
                Choice("B", 0.3333333),
                Choice("C", 0.3333334),
                Choice("None of these", -1.0, pinned=True),
            ),
            explanation="Because **A**, B and C.",
            text_format=TextFormat.MARKDOWN,
            hints=("think", "again"),
            shuffle=False,
            scoring=Scoring.ALL_OR_NOTHING,
            evidence="bold text",
            difficulty="hard",
            tags=("t1", "t2"),
            title="Pick two",
        ),
        Question(
            id="q-2",
            lesson_id="two",
            type=QuestionType.TRUE_FALSE,
            prompt="Vrai ? « oui » — 東京",
            choices=(Choice("Vrai", 0.0), Choice("Faux", 1.0, "Bien !")),
            explanation="Parce que.",
        ),
        Question(
            id="q-3",
            lesson_id="one",
            type=QuestionType.SINGLE,
            prompt="Which?",
            choices=(Choice("x", 1.0), Choice("y", 0.5), Choice("z", -0.5)),
            explanation="x.",
        ),
    )
    return Pack(
        id="full",
        title="Full",
        lessons=lessons,
        questions=questions,
        language="fr-CA",
        version="2.1",
        description="d",
        source="s",
        notice="n",
    )


def test_dump_then_parse_gives_back_the_same_pack() -> None:
    pack = full_pack()
    again = parse_pack(dump_pack(pack))
    assert again == pack
    fixture = load_pack(VALID)
    assert parse_pack(dump_pack(fixture)) == fixture


def test_dump_writes_correct_flags_when_they_give_the_fractions_else_credit() -> None:
    data = pack_to_dict(full_pack())
    q1, q2, q3 = data["questions"]
    assert [c["credit"] for c in q1["choices"]] == [0.3333333, 0.3333333, 0.3333334, -1.0]
    assert all("correct" not in c for c in q1["choices"])
    assert q2["choices"] == [
        {"text": "Vrai"},
        {"text": "Faux", "correct": True, "feedback": "Bien !"},
    ]
    assert "credit" in q3["choices"][1]
    fixture = pack_to_dict(load_pack(VALID))
    # un-facts was written with credits equal to the default shares: dumped as flags.
    assert fixture["questions"][1]["choices"][0] == {"text": "Founded in 1945", "correct": True}
    assert "shuffle" not in fixture["questions"][0]  # defaults are left out


def test_dump_output_is_valid_against_the_loader_and_readable() -> None:
    text = dump_pack(full_pack())
    assert text.endswith("\n")
    assert "東京" in text  # characters kept, not escaped
    assert json.loads(text)["format"] == "quizapp-pack"


def test_a_big_pack_loads_quickly() -> None:
    body = " ".join(f"Fact number {i} is true." for i in range(100))
    data = {
        "format": "quizapp-pack",
        "format_version": 1,
        "id": "big",
        "title": "Big",
        "language": "en",
        "version": "1",
        "lessons": [{"id": f"l{j}", "title": "L", "body": body} for j in range(10)],
        "questions": [
            {
                "id": f"q{i}",
                "lesson": f"l{i % 10}",
                "type": "single",
                "prompt": f"Question {i}?",
                "choices": [{"text": f"c{k}", "correct": k == 0} for k in range(4)],
                "explanation": "e",
                "evidence": f"Fact number {i % 100} is true.",
            }
            for i in range(10_000)
        ],
    }
    text = json.dumps(data, indent=2)
    start = time.perf_counter()
    pack = parse_pack(text, require_evidence=True)
    elapsed = time.perf_counter() - start
    assert len(pack.questions) == 10_000
    assert pack.questions[-1].line == position(text, '"id": "q9999"')[0] - 1
    # About 0.5 s on a slow machine; the bound only catches a quadratic slip.
    assert elapsed < 5.0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "format", "lessons", "questions", "choices", "text", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_reads_or_raises_a_pack_error(text: str) -> None:
    try:
        parse_pack(text)
    except PackError as err:
        problems = err.problems
    else:
        problems = ()
    assert all(p.rule in RULES for p in problems)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_reads_or_raises_a_located_pack_error(value: object) -> None:
    text = json.dumps(value, indent=1)
    with pytest.raises(PackError) as caught:
        parse_pack(text)
    for problem in caught.value.problems:
        assert problem.line is not None
        assert problem.rule in RULES


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_change_to_one_field_of_a_valid_pack_reads_or_is_located(data: st.DataObject) -> None:
    value = json.loads(VALID_TEXT)
    question = data.draw(st.sampled_from(value["questions"]))
    key = data.draw(st.sampled_from(sorted(question)))
    question[key] = data.draw(json_values)
    text = json.dumps(value, indent=2)
    try:
        parse_pack(text)
    except PackError as err:
        problems = err.problems
    else:
        problems = ()
    assert all(p.line is not None for p in problems)


# -- the published JSON Schema agrees with the loader ---------------------------------


@pytest.fixture(scope="module")
def validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_accepts_the_valid_fixture_and_the_builtin_pack(validator) -> None:  # type: ignore[no-untyped-def]
    assert list(validator.iter_errors(json.loads(VALID_TEXT))) == []
    builtin = ROOT / "questions.json"
    if builtin.is_file():
        assert (
            list(validator.iter_errors(json.loads(builtin.read_text(encoding="utf-8-sig")))) == []
        )
    assert list(validator.iter_errors(json.loads(dump_pack(full_pack())))) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.schema_can_tell], ids=lambda c: c.id)
def test_the_schema_rejects_what_the_loader_rejects(validator, case: Case) -> None:  # type: ignore[no-untyped-def]
    assert list(validator.iter_errors(json.loads(case.text())))


def test_schema_patterns_are_the_loaders() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["properties"]["language"]["pattern"] == BCP47.pattern
    assert schema["$defs"]["slug"]["pattern"] == SLUG.pattern


# -- the format document ----------------------------------------------------------------


def test_the_example_in_the_format_document_is_a_valid_pack() -> None:
    doc = (ROOT / "docs" / "pack-format.md").read_text(encoding="utf-8")
    section = doc[doc.index("## A complete example") :]
    example = re.search(r"```json\n(.*?)```", section, re.S)
    assert example is not None
    pack = parse_pack(example.group(1), require_evidence=True)
    assert pack.questions


def test_every_rule_id_of_the_loader_is_documented() -> None:
    doc = (ROOT / "docs" / "pack-format.md").read_text(encoding="utf-8")
    missing = sorted(rule for rule in RULES if f"`{rule}`" not in doc)
    assert not missing, missing


def test_every_rule_raised_is_a_declared_rule() -> None:
    for case in CASES:
        for problem in problems_of(case.text(), require_evidence=case.require_evidence):
            assert problem.rule in RULES, problem
            assert problem.line is not None
            assert problem.line >= 1


def test_explanation_is_optional_in_teachers_packs_but_required_in_the_builtin_one() -> None:
    text = change(VALID_TEXT, ('"explanation": "The lesson gives 1945.",\n      ', ""))
    pack = parse_pack(text)
    assert pack.questions[0].explanation == ""
    problems = problems_of(text, require_evidence=True)
    assert [(p.rule, p.path) for p in problems] == [("explanation-missing", "$.questions[0]")]


# ---------------------------------------------------------------------------
# The quick reading of a question that breaks no rule (_Checker.plain_question)
# gives what the full checks give, and leaves every problem to them.

_FAST_PACK = Pack(
    id="fast-path",
    title="Every optional field",
    lessons=(
        Lesson("one", "One", "The **sky** is blue and  grass is green."),
        Lesson("two", "Two", "Water boils at 100 degrees."),
    ),
    questions=(
        Question(
            id="q-all",
            lesson_id="one",
            type=QuestionType.SINGLE,
            prompt="<b>Sky?</b>",
            choices=(Choice("blue", 1.0, "Yes", True), Choice("red", 0.0)),
            explanation="Look up.",
            text_format=TextFormat.HTML,
            hints=("up",),
            shuffle=False,
            scoring=Scoring.ALL_OR_NOTHING,
            evidence="sky is blue",
            difficulty="easy",
            tags=("colour",),
            title="Sky",
        ),
        Question(
            id="q-credit",
            lesson_id="two",
            type=QuestionType.MULTIPLE,
            prompt="Water?",
            choices=(Choice("100", 0.5), Choice("boils", 0.5), Choice("freezes", -1.0)),
            explanation="It boils.",
            evidence="boils at 100",
        ),
        Question(
            id="q-tf",
            lesson_id="two",
            type=QuestionType.TRUE_FALSE,
            prompt="Boils at 100?",
            choices=(Choice("True", 1.0), Choice("False", 0.0)),
            explanation="Yes.",
            evidence="Water boils",
        ),
        Question(
            id="q-single-credit",
            lesson_id="one",
            type=QuestionType.SINGLE,
            prompt="Grass?",
            choices=(Choice("green", 1.0), Choice("greenish", 0.25), Choice("red", -0.5)),
        ),
    ),
)
_ODD_VALUES: list[object] = [
    None,
    True,
    0,
    1,
    -1,
    1.0,
    1.5,
    -1.5,
    1.0000005,
    0.9999995,
    1e400,
    "",
    " ",
    "single",
    "true_false",
    "html",
    "all_or_nothing",
    "Bad Id",
    "two",
    "q-all",
    "nowhere",
    [],
    [" "],
    ["a"],
    {},
]
_QUESTION_KEYS = [
    "id",
    "lesson",
    "type",
    "prompt",
    "choices",
    "explanation",
    "text_format",
    "hints",
    "shuffle",
    "scoring",
    "evidence",
    "difficulty",
    "tags",
    "title",
    "extra",
]
_CHOICE_KEYS = ["text", "correct", "credit", "feedback", "pinned", "extra"]
_CHOICE_VALUES: list[object] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    -1.5,
    1.0000005,
    1e400,
    "",
    " ",
    "blue",
    "RED ",
    [],
    {},
]


def _outcome(text: str, require_evidence: bool) -> object:
    try:
        pack = parse_pack(text, "p.json", require_evidence=require_evidence)
    except PackError as err:
        return err.problems
    return pack, [q.line for q in pack.questions]


def _variants() -> list[str]:
    base = pack_to_dict(_FAST_PACK)
    out = [base]
    for qi in range(len(_FAST_PACK.questions)):
        for target, keys, values in (
            ("question", _QUESTION_KEYS, _ODD_VALUES),
            (0, _CHOICE_KEYS, _CHOICE_VALUES),
            (-1, _CHOICE_KEYS, _CHOICE_VALUES),
        ):
            for key in keys:
                for value in [*values, ...]:  # ... : the field removed
                    data = json.loads(json.dumps(base))
                    question = data["questions"][qi]
                    where = question if target == "question" else question["choices"][target]
                    if value is ...:
                        where.pop(key, None)
                    else:
                        where[key] = value
                    out.append(data)
        data = json.loads(json.dumps(base))
        data["questions"][qi]["id"] = data["questions"][qi - 1]["id"]
        out.append(data)
        data = json.loads(json.dumps(base))
        choices = data["questions"][qi]["choices"]
        choices[1]["text"] = f"  {choices[0]['text'].upper()} "
        out.append(data)
    return [json.dumps(data, indent=1) for data in out]


def test_questions_that_break_no_rule_read_quickly_as_the_full_checks_read_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every one-field change of a pack (wrong types, values out of range, rules broken,
    fields missing or unknown), with and without the built-in pack's rules: the same
    pack (lines included) or the same problems, in the same order, as with the quick
    reading switched off."""
    from quizapp.formats import json_pack

    quick = json_pack._Checker.plain_question
    read_quickly: list[str] = []

    def spy(self: Any, *args: Any) -> Question | None:
        question = quick(self, *args)
        if question is not None:
            read_quickly.append(question.id)
        return question

    variants = _variants()
    monkeypatch.setattr(json_pack._Checker, "plain_question", spy)
    parse_pack(variants[0], "p.json")
    # The unchanged pack, every optional field and both ways of scoring included, is
    # read the quick way throughout (so the comparison below is not of the slow way
    # with itself).
    assert read_quickly == [q.id for q in _FAST_PACK.questions]
    outcomes = {req: [_outcome(v, req) for v in variants] for req in (False, True)}
    read = [isinstance(o[0], Pack) for o in outcomes[False]]  # else a tuple of problems
    assert sum(read) > 100  # packs read
    assert len(read) - sum(read) > 100  # packs refused
    assert len(read_quickly) > 1000
    monkeypatch.setattr(json_pack._Checker, "plain_question", lambda *args: None)
    for req in (False, True):
        assert [_outcome(v, req) for v in variants] == outcomes[req]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


_PACK_MEMBERS = {
    "before": st.dictionaries(st.text(max_size=3), _JSON_VALUES, max_size=3),
    "items": st.lists(_JSON_VALUES, max_size=4),
    "repeat": st.none() | _JSON_VALUES,
    "indent": st.sampled_from([None, 0, 2]),
}
"""Strategies for :func:`_pack_members`' arguments."""


def _pack_members(
    before: dict[str, object], items: list[object], repeat: object, indent: int | None
) -> list[str]:
    """The members of a top object, as JSON text: ``before`` (its "questions" key left
    out), "questions" as ``items``, then "questions" again as ``repeat`` unless None."""
    members = [
        json.dumps({k: v}, indent=indent)[1:-1] for k, v in before.items() if k != "questions"
    ]
    members.append(f'"questions": {json.dumps(items, indent=indent)}')
    if repeat is not None:
        members.append(f'"questions" : {json.dumps(repeat, indent=indent)}')
    return members


@settings(max_examples=200, deadline=None)
@given(**_PACK_MEMBERS)
def test_question_offsets_are_where_locate_finds_each_question(
    before: dict[str, object], items: list[object], repeat: object, indent: int | None
) -> None:
    """The one-pass walk that finds where each question starts (for Question.line) agrees
    with the general locator, a repeated 'questions' key included (the last one counts)."""
    from quizapp.formats.json_locate import item_offsets, locate

    members = _pack_members(before, items, repeat, indent)
    text = "{" + ",\n".join(m for m in members if m.strip()) + "}"
    kept = json.loads(text)["questions"]
    count = len(kept) if isinstance(kept, list) else 0
    values = locate(text, [("questions", i) for i in range(count)]).values
    expected = [values[("questions", i)] for i in range(count)]
    assert item_offsets(text, "questions") == expected


def _decode_both_ways(text: str) -> tuple[object, object]:
    """(what json.loads and item_offsets give, with every object the decoder's hook was
    given; what the one-pass decode gives, likewise). An error stands for its message."""
    from quizapp.formats.json_locate import decode_with_item_offsets, item_offsets

    def run(decode: Callable[[Any], object]) -> object:
        objects: list[list[tuple[str, Any]]] = []

        def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            objects.append(pairs)
            return dict(pairs)

        try:
            return decode(hook), objects
        except (ValueError, RecursionError) as err:
            return repr(err)

    def slow(hook: Any) -> object:
        return json.loads(text, object_pairs_hook=hook), item_offsets(text, "questions")

    def quick(hook: Any) -> object:
        decoder = json.JSONDecoder(object_pairs_hook=hook)
        return decode_with_item_offsets(text, decoder.scan_once, hook, "questions")

    return run(slow), run(quick)


@settings(max_examples=300, deadline=None)
@given(
    **_PACK_MEMBERS,
    edit=st.none() | st.tuples(st.integers(0, 10_000), st.sampled_from(["", *'{}[],:" x1\ufeff'])),
)
def test_the_one_pass_decode_gives_what_json_loads_and_item_offsets_give(
    before: dict[str, object],
    items: list[object],
    repeat: object,
    indent: int | None,
    edit: tuple[int, str] | None,
) -> None:
    """A pack's JSON decoded with its questions' offsets in one pass: the same value, the
    same offsets and the same objects handed to the hook (duplicate keys are found
    there) as json.loads followed by item_offsets; for text that is not a JSON object
    (one character replaced, removed or added: errors, extra data, a top array) it
    gives None, so the loader asks json.loads, whose error is the one reported."""
    members = _pack_members(before, items, repeat, indent)
    if before:  # a repeated key at the top
        members.append(json.dumps({next(iter(before)): 1})[1:-1])
    text = " {" + ",\n".join(m for m in members if m.strip()) + "}\n"
    if edit is not None:  # one character replaced (or removed)
        at, new = edit
        at %= len(text)
        text = text[:at] + new + text[at + 1 :]
    slow, quick = _decode_both_ways(text)
    if isinstance(slow, tuple) and text.lstrip(" \t\n\r").startswith("{"):
        assert quick == slow
    else:
        assert isinstance(quick, tuple), (text, slow, quick)
        assert quick[0] is None, (text, slow, quick)


def test_a_pack_with_broken_json_is_reported_as_json_loads_reports_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Broken or unusual JSON (a trailing comma, extra data, a second byte order mark,
    a top array, NaN, duplicate keys at the top and inside a question): the same pack
    or the same problems with the one-pass decode as with json.loads alone."""
    from quizapp.formats import json_pack

    base = VALID_TEXT.rstrip()
    texts = [
        base,
        base[:-1] + ",}",
        base + " {}",
        "\ufeff\ufeff" + base,
        f"[{base}]",
        base.replace('"format_version": 1', '"format_version": NaN', 1),
        base[:-1] + ', "title": "again"}',
        base.replace('"choices": [', '"id": "again", "choices": [', 1),
        base[: len(base) // 2],
        "",
        "{}",
    ]
    outcomes = [_outcome(t, False) for t in texts]
    assert isinstance(outcomes[0][0], Pack)  # type: ignore[index]
    monkeypatch.setattr(json_pack, "decode_with_item_offsets", lambda *args: None)
    assert [_outcome(t, False) for t in texts] == outcomes
