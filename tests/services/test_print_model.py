"""The paper quiz model: versions A and B, same questions, different order, consistent key."""

from __future__ import annotations

from quizapp.domain.model import Pack
from quizapp.services.print_model import (
    CHOOSE_ALL,
    CHOOSE_ONE,
    build_paper_quiz,
    build_paper_versions,
)
from quizapp.store.database import Database


def test_versions_a_and_b_ask_the_same_questions_in_another_order_with_matching_keys(
    database: Database, installed: int, pack: Pack
) -> None:
    a, b = build_paper_versions(database.sessions, pack_id=installed)

    assert (a.version, b.version) == ("A", "B")
    assert a.base_seed == b.base_seed
    assert a.seed != b.seed
    assert sorted(q.key for q in a.questions) == sorted(q.key for q in b.questions)
    assert len(a.questions) == len(pack.questions)
    assert [q.key for q in a.questions] != [q.key for q in b.questions]
    assert [q.number for q in a.questions] == list(range(1, len(a.questions) + 1))
    by_id = {q.id: q for q in pack.questions}
    for paper in (a, b):
        for question, entry in zip(paper.questions, paper.answer_key, strict=True):
            source = by_id[question.key]
            assert entry.key == question.key
            assert entry.number == question.number
            # The key's letters are exactly the printed letters of the right choices.
            right = {c.letter for c in question.choices if source.choices[c.index].is_correct}
            assert set(entry.letters) == right
            assert [c.letter for c in question.choices] == list("ABCD"[: len(question.choices)])
            assert question.instruction == (
                CHOOSE_ALL if source.type.value == "multiple" else CHOOSE_ONE
            )
            assert entry.explanation == source.explanation
    assert a.fields == ("Name", "Class", "Date")
    assert a.letters == ("A", "B", "C", "D")


def test_same_stored_seed_prints_the_same_paper_again(database: Database, installed: int) -> None:
    first = build_paper_quiz(database.sessions, pack_id=installed, version="A")
    again = build_paper_quiz(database.sessions, pack_id=installed, version="A")
    assert first == again
    other = build_paper_quiz(database.sessions, pack_id=installed, version="A", base_seed=7)
    assert [q.key for q in other.questions] != [q.key for q in first.questions]


def test_a_drawn_subset_is_the_same_for_both_versions(database: Database, installed: int) -> None:
    a, b = build_paper_versions(database.sessions, pack_id=installed, question_count=5)
    assert len(a.questions) == 5
    assert sorted(q.key for q in a.questions) == sorted(q.key for q in b.questions)
