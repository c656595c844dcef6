"""GIFT as Moodle reads it: one fixture per rule, errors by line, and write -> read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.errors import PackError
from quizapp.domain.model import (
    Choice,
    ImportResult,
    Lesson,
    Pack,
    Question,
    QuestionType,
    TextFormat,
)
from quizapp.domain.scoring import mark_response
from quizapp.formats.gift import parse_gift, read_gift, write_gift

FIXTURES = Path(__file__).parent / "fixtures" / "gift"


def read(name: str) -> ImportResult:
    return read_gift(FIXTURES / name)


def choices(q: Question) -> list[tuple[str, float]]:
    return [(c.text, c.fraction) for c in q.choices]


def test_comment_lines_are_ignored_even_between_answers() -> None:
    (q,) = read("comments.gift").pack.questions
    assert q.prompt == "What colour is the sky on a clear day?"
    assert choices(q) == [("blue", 1.0), ("green", 0.0)]
    assert q.line == 3


def test_categories_become_lessons_and_earlier_questions_go_to_a_lesson_named_after_the_file(
) -> None:
    pack = read("category.gift").pack
    assert [lesson.title for lesson in pack.lessons] == ["category", "Rivers", "Mountains"]
    assert pack.id == "category"
    assert pack.title == "category"
    assert pack.language == "en"
    by_lesson = {lesson.title: [q.prompt for q in pack.questions_of(lesson.id)]
                 for lesson in pack.lessons}
    # A category met again gathers its questions into the same lesson.
    assert by_lesson["Rivers"] == ["Which river flows through Paris?",
                                   "Which river flows through London?"]
    assert by_lesson["Mountains"] == ["Which is the highest mountain on Earth?"]


def test_title_is_read_and_gives_the_question_id() -> None:
    first, second = read("title.gift").pack.questions
    assert first.title == "Capital of France"
    assert first.id == "capital-of-france"
    assert first.prompt == "What is the capital of France?"
    assert second.title == "Untitled has none"
    assert second.prompt == "_____ is the first letter."


def test_every_escape_gives_its_character() -> None:
    (q,) = read("escapes.gift").pack.questions
    assert q.prompt == "Which of these is written with escapes { } ~ = # : \\ ?"
    assert [c.text for c in q.choices] == [
        "a{b}", "c~d", "e=f", "g#h", "i:j", "k\\l", "two\nlines",
    ]
    assert q.correct_indices == (0,)


def test_single_answer() -> None:
    (q,) = read("single.gift").pack.questions
    assert q.type is QuestionType.SINGLE
    assert choices(q) == [("Grant", 0.0), ("Jefferson", 0.0), ("no one", 1.0)]


def test_weights_make_multiple_answer_questions_and_three_thirds_are_full_marks() -> None:
    two, three, partial = read("weights.gift").pack.questions
    assert two.type is QuestionType.MULTIPLE
    assert choices(two) == [("No one", -1.0), ("Grant", 0.5), ("Grant's wife", 0.5),
                            ("Grant's father", -1.0)]
    assert mark_response(two, {1, 2}) == 1.0
    assert three.type is QuestionType.MULTIPLE
    assert [c.fraction for c in three.choices] == [0.3333333, 0.3333333, 0.3333333, -1.0]
    assert mark_response(three, {0, 1, 2}) == 1.0
    assert mark_response(three, {0, 1, 2, 3}) == 0.0
    # "=" present: single answer, with a half-credit choice.
    assert partial.type is QuestionType.SINGLE
    assert choices(partial) == [("best", 1.0), ("half right", 0.5), ("wrong", 0.0)]


def test_answer_feedback_and_general_feedback() -> None:
    (q,) = read("feedback.gift").pack.questions
    assert [c.feedback for c in q.choices] == [
        "Right: two and two make four.", "Too small.", "Too big.",
    ]
    assert [c.text for c in q.choices] == ["4", "3", "5"]
    assert q.explanation == "Count on your fingers: 1, 2, then 3, 4."


def test_true_false_forms_and_their_feedback() -> None:
    sun, moon, water, paris = read("truefalse.gift").pack.questions
    for q in (sun, moon, water, paris):
        assert q.type is QuestionType.TRUE_FALSE
        assert [c.text for c in q.choices] == ["True", "False"]
    assert sun.correct_indices == (0,)
    assert moon.correct_indices == (1,)
    # {TRUE#wrong#right}: the first feedback is for a wrong answer (False), the second
    # for the right one (True).
    assert water.choices[0].feedback == "Yes, at normal pressure."
    assert water.choices[1].feedback == "No: at sea level it boils at 100 °C."
    assert paris.correct_indices == (1,)
    assert paris.choices[0].feedback == "No: Paris is in France."
    assert paris.choices[1].feedback == "Right: Rome is."
    assert paris.explanation == "Paris is the capital of France."


def test_text_after_the_braces_is_a_missing_word_question() -> None:
    (q,) = read("missing_word.gift").pack.questions
    assert q.prompt == "Grant is _____ in Grant's tomb."
    assert q.type is QuestionType.SINGLE
    assert choices(q) == [("buried", 0.0), ("entombed", 1.0), ("living", 0.0)]


def test_format_markers() -> None:
    result = read("markers.gift")
    plain, markdown, html, auto_plain, auto_html = result.pack.questions
    assert plain.text_format is TextFormat.PLAIN
    assert plain.prompt == "Which tag makes text bold: <b>?"
    assert [c.text for c in plain.choices] == ["<b>", "<i>"]
    assert markdown.text_format is TextFormat.MARKDOWN
    assert markdown.prompt == "Which word is **bold** here?"
    assert html.text_format is TextFormat.HTML
    assert html.prompt == "<p>Which is <b>bold</b>?</p>"
    assert [c.text for c in html.choices] == ["<b>this</b>", "that"]
    assert auto_plain.text_format is TextFormat.PLAIN
    assert auto_html.text_format is TextFormat.HTML
    assert auto_html.prompt == "Auto format with <i>markup</i> is HTML."
    assert any("img" in w and "line 5" in w for w in result.warnings)


def test_whitespace_only_lines_separate_questions() -> None:
    first, second = read("whitespace_lines.gift").pack.questions
    assert first.prompt == "First question."
    assert second.prompt == "Second question, after whitespace-only lines."
    assert second.line == 4


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_endings_and_bom(tmp_path: Path, newline: str, bom: bytes) -> None:
    text = (FIXTURES / "feedback.gift").read_text(encoding="utf-8").replace("\n", newline)
    path = tmp_path / "endings.gift"
    path.write_bytes(bom + text.encode("utf-8"))
    (q,) = read_gift(path).pack.questions
    assert q.prompt == "What is 2 + 2?"
    assert q.explanation == "Count on your fingers: 1, 2, then 3, 4."
    assert q.choices[0].feedback == "Right: two and two make four."


def test_other_question_types_are_reported_with_their_line_and_never_read_as_choice() -> None:
    result = read("skipped.gift")
    assert [(s.line, s.kind) for s in result.skipped] == [
        (1, "numerical"), (3, "matching"), (5, "short_answer"), (7, "essay"),
        (9, "description"),
    ]
    assert all(s.reason for s in result.skipped)
    (kept,) = result.pack.questions
    assert kept.prompt == "A real question, kept."
    assert kept.line == 11


def test_a_file_of_only_skipped_items_is_refused_with_each_listed() -> None:
    with pytest.raises(PackError) as info:
        parse_gift("Essay?{}\n\nNumber?{#3}\n", "only.gift")
    rules = [(p.rule, p.line) for p in info.value.problems]
    assert ("no-questions", None) in rules
    assert ("skipped-essay", 1) in rules
    assert ("skipped-numerical", 3) in rules


@pytest.mark.parametrize(
    ("name", "line", "rule"),
    [
        ("unclosed_brace.gift", 3, "unclosed-brace"),
        ("stray_close.gift", 3, "unexpected-brace"),
        ("second_brace.gift", 2, "unexpected-brace"),
    ],
)
def test_a_brace_out_of_place_is_an_error_naming_its_line(name: str, line: int, rule: str) -> None:
    with pytest.raises(PackError) as info:
        read(name)
    problem = info.value.problems[0]
    assert (problem.line, problem.rule) == (line, rule)
    assert problem.file.endswith(name)
    assert f"{name}:{line}" in str(info.value)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Q?{~a ~b}", "no-correct-choice"),
        ("Q?{~%50%a ~%20%b}", "weights-sum"),
        ("Q?{~%150%a ~b}", "weight-range"),
        ("Q?{=a ~}", "empty-choice"),
        ("Q?{junk =a ~b}", "text-before-answers"),
        ("::t::{=a ~b}", "empty-prompt"),
        # all script: nothing would show once unsafe HTML is removed (found by fuzzing)
        ("<script>Question{T}", "empty-prompt"),
        ("[html]<script>alert(1)</script>{=a ~b}", "empty-prompt"),
        ("Q?{=<script>a</script> ~b}", "empty-choice"),
    ],
)
def test_malformed_multiple_choice_is_refused(text: str, rule: str) -> None:
    with pytest.raises(PackError) as info:
        parse_gift(text + "\n\nGood?{=y ~n}", "bad.gift")
    assert [(p.rule, p.line) for p in info.value.problems] == [(rule, 1)]


def test_short_answer_with_one_equals_is_skipped_not_an_error() -> None:
    result = parse_gift("Q?{=a}\n\nGood?{=y ~n}", "x.gift")
    assert [s.kind for s in result.skipped] == ["short_answer"]
    assert len(result.pack.questions) == 1


def test_question_id_comment_from_a_moodle_export_gives_the_id() -> None:
    text = "// question: 1234  name: Sky\n::Sky::Colour?{=blue ~red}\n"
    (q,) = parse_gift(text, "moodle.txt").pack.questions
    assert q.id == "1234"
    assert q.line == 2


# -- write -> read ------------------------------------------------------------


def sample_pack() -> Pack:
    lessons = (Lesson("rivers", "Rivers", ""), Lesson("misc", "Odd: {texts} #1", ""))
    questions = (
        Question("paris", "rivers", QuestionType.SINGLE, "Which river flows through Paris?",
                 (Choice("Seine", 1.0, "Yes."), Choice("Thames", 0.0, "That is London."),
                  Choice("Half", 0.5)),
                 explanation="The Seine flows through Paris.", title="Paris river"),
        Question("colours", "rivers", QuestionType.MULTIPLE, "Pick the primary colours of light",
                 (Choice("Red", 1 / 3), Choice("Green", 1 / 3), Choice("Blue", 1 / 3),
                  Choice("Yellow", -1.0, "Not of light."))),
        Question("sun", "misc", QuestionType.TRUE_FALSE, "The Sun is a star.",
                 (Choice("True", 1.0, "Right."), Choice("False", 0.0, "It is a star.")),
                 explanation="A G-type star."),
        Question("moon", "misc", QuestionType.TRUE_FALSE, "The Moon is a planet.",
                 (Choice("True", 0.0), Choice("False", 1.0, "Right, a satellite."))),
        Question("escapes", "misc", QuestionType.SINGLE,
                 "Odd ~ = # { } : \\ characters\nover two lines, and <b> as typed",
                 (Choice("=5", 1.0, "#1 ~ {x}"), Choice("%50% of it", 0.0),
                  Choice("[html] is not a marker here", 0.0)),
                 explanation="[plain] neither", title="Odd: one :: two"),
        Question("md", "misc", QuestionType.SINGLE, "Which is **bold**?",
                 (Choice("**this**", 1.0), Choice("that", 0.0)),
                 text_format=TextFormat.MARKDOWN),
        Question("html", "misc", QuestionType.MULTIPLE, "<p>Which are <i>right</i>?</p>",
                 (Choice("<b>one</b>", 0.5), Choice("two &amp; three", 0.5),
                  Choice("four", -0.5)),
                 text_format=TextFormat.HTML),
        Question("gap", "misc", QuestionType.SINGLE, "Grant is _____ in Grant's tomb.",
                 (Choice("entombed", 1.0), Choice("living", 0.0))),
    )
    return Pack(id="sample", title="sample", lessons=lessons, questions=questions)


def carried(pack: Pack) -> tuple[object, ...]:
    """What GIFT carries of a pack (lesson ids come from titles; no bodies)."""
    lessons = tuple(lesson.title for lesson in pack.lessons)
    questions = tuple(
        (q.id, pack.lesson(q.lesson_id).title, q.type, q.prompt, q.text_format, q.title,
         q.explanation, tuple((c.text, round(c.fraction, 12), c.feedback) for c in q.choices))
        for q in pack.questions
    )
    return lessons, questions


def test_write_then_read_gives_back_everything_gift_carries(tmp_path: Path) -> None:
    pack = sample_pack()
    path = tmp_path / "sample.gift"
    path.write_text(write_gift(pack), encoding="utf-8")
    again = read_gift(path)
    assert again.skipped == ()
    assert carried(again.pack) == carried(pack)


_text = st.text(
    # Noncharacters U+FDD0..U+FDEF are the reader's escape placeholders: a file that
    # holds them is read with a warning and U+FFFD (test below), so they cannot
    # round-trip.
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
        blacklist_characters="\ufeff" + "".join(chr(c) for c in range(0xFDD0, 0xFDF0)),
    ) | st.sampled_from("~=#{}:\\[]%\n<>&"),
    min_size=1, max_size=20,
).map(lambda s: "\n".join(part.strip() for part in s.split("\n")).strip()).filter(bool)
_title = st.text(alphabet="abc :~{}#=\\", max_size=10).map(lambda s: " ".join(s.split()))


@st.composite
def plain_questions(draw: st.DrawFn) -> Question:
    kind = draw(st.sampled_from([QuestionType.SINGLE, QuestionType.MULTIPLE]))
    texts = draw(st.lists(_text, min_size=2, max_size=5))
    n = len(texts)
    if kind is QuestionType.SINGLE:
        right = draw(st.integers(0, n - 1))
        fractions = [1.0 if i == right else 0.0 for i in range(n)]
    else:
        k = draw(st.integers(1, n))
        fractions = [1 / k if i < k else -1 / (n - k) for i in range(n)] if k < n else [1 / n] * n
    feedback = draw(st.lists(st.one_of(st.just(""), _text), min_size=n, max_size=n))
    return Question(
        id="q", lesson_id="l", type=kind, prompt=draw(_text),
        choices=tuple(Choice(t, f, fb) for t, f, fb in zip(texts, fractions, feedback,
                                                          strict=True)),
        explanation=draw(st.one_of(st.just(""), _text)), title=draw(_title),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(plain_questions(), min_size=1, max_size=4))
def test_write_then_read_round_trips_any_plain_question(questions: list[Question]) -> None:
    qs = tuple(
        Question(f"q{i}", "l", q.type, q.prompt, q.choices, q.explanation, title=q.title)
        for i, q in enumerate(questions)
    )
    pack = Pack(id="p", title="p", lessons=(Lesson("l", "Lesson", ""),), questions=qs)
    again = parse_gift(write_gift(pack), "p.gift")
    assert carried(again.pack) == carried(pack)


def test_unicode_noncharacters_are_replaced_with_a_warning() -> None:
    result = parse_gift("Which?{=\ufdd0 ~b}\n", "odd.gift")
    assert [c.text for c in result.pack.questions[0].choices] == ["\ufffd", "b"]
    assert any("noncharacter" in w for w in result.warnings)


def test_the_pack_id_title_version_and_language_travel_in_a_leading_comment(
    tmp_path: Path,
) -> None:
    pack = Pack(
        id="moodle", title="Moodle questions; week 3 = revision", version="2.1",
        language="fr", lessons=sample_pack().lessons, questions=sample_pack().questions,
    )
    text = write_gift(pack)
    assert (
        "// quizapp-pack: id=moodle; version=2.1; language=fr; source=; "
        "title=Moodle questions; week 3 = revision"
    ) in text.splitlines()[:3]
    exported = tmp_path / "moodle-export.gift"  # a name that is not the pack's
    exported.write_text(text, encoding="utf-8")
    again = read_gift(exported).pack
    assert (again.id, again.title, again.version, again.language) == (
        "moodle", "Moodle questions; week 3 = revision", "2.1", "fr",
    )
    assert carried(again) == carried(pack)


def test_without_the_pack_comment_the_pack_is_named_after_the_file() -> None:
    pack = parse_gift("// just a note\n\nQ?{=a ~b}\n", "semi-ok.gift").pack
    assert (pack.id, pack.title, pack.version, pack.language) == ("semi-ok", "semi-ok", "1", "en")


def test_the_pack_comment_counts_only_at_the_top_and_a_bad_id_is_ignored() -> None:
    late = parse_gift("Q?{=a ~b}\n\n// quizapp-pack: id=other; title=Other\n", "late.gift")
    assert (late.pack.id, late.pack.title) == ("late", "late")
    bad = parse_gift("// quizapp-pack: id=Not A Slug; title=Kept\n\nQ?{=a ~b}\n", "bad.gift")
    assert (bad.pack.id, bad.pack.title) == ("bad", "Kept")
    assert any("Not A Slug" in w for w in bad.warnings)
