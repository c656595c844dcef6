"""Hostile or odd content is shown inert, through the real quiz view and lesson reader
on a real database: markup stays characters, nothing remote is loaded, huge texts
wrap inside the screen, right-to-left scripts run right to left, emoji render; and
question sets over the documented size limit are refused with a clear message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QTextDocument, QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from quizapp.domain.errors import PackError
from quizapp.domain.model import Choice, Lesson, Pack, Question, QuestionType, TextFormat
from quizapp.services.container import Services
from quizapp.services.packs import install_pack
from quizapp.ui.lesson_view import LessonView
from quizapp.ui.quiz_view import QuizView

IMG = '<img src="http://example.com/x.png">'
LONG = " ".join(f"word{n % 97}" for n in range(1700))[:10_000]
ARABIC = "ما هي عاصمة المغرب؟"
HEBREW = "מהי בירת ישראל?"
EMOJI = "Which animal is this? 🐘🦒 👩🏽‍🏫"

LESSON_BODY = (
    "# Facts\n\n"
    "![a picture](http://example.com/x.png)\n\n"
    f"{IMG}\n\n"
    '<link rel="stylesheet" href="http://example.com/s.css">\n\n'
    "[a link](http://example.com/page) and <script>alert(1)</script> text.\n\n"
    f"{ARABIC}\n\n"
    f"{EMOJI}\n"
)


def _question(qid: str, lesson: str, prompt: str, choices: tuple[str, ...],
              fmt: TextFormat = TextFormat.PLAIN) -> Question:
    return Question(
        id=qid,
        lesson_id=lesson,
        type=QuestionType.SINGLE,
        prompt=prompt,
        choices=tuple(
            Choice(text=t, fraction=1.0 if i == 0 else 0.0) for i, t in enumerate(choices)
        ),
        explanation="Because.",
        text_format=fmt,
    )


def _pack() -> Pack:
    plain = f"Plain words.\n\n{ARABIC}\n\n{HEBREW}\n\n{EMOJI}\n"
    lessons = tuple(
        Lesson(id=key, title=key, body=LESSON_BODY if key == "inert" else plain)
        for key in ("inert", "html", "long", "rtl", "emoji")
    )
    questions = (
        _question("q-inert", "inert", f"What is {IMG} here?", (IMG, "<b>bold</b>")),
        _question(
            "q-html", "html",
            f'<p>Safe <b>bold</b> {IMG}<script>alert("x")</script></p>',
            ("<i>one</i>", "two"), TextFormat.HTML,
        ),
        _question("q-long", "long", LONG, (LONG, "short")),
        _question("q-rtl", "rtl", ARABIC, (HEBREW, ARABIC)),
        _question("q-emoji", "emoji", EMOJI, ("🐘", "🦒")),
    )
    return Pack(id="hostile", title="Hostile", lessons=lessons, questions=questions)


@pytest.fixture
def lessons(services: Services) -> dict[str, int]:
    """The hostile pack installed; lesson key -> lesson id."""
    report = install_pack(services.database.sessions, _pack())
    student = services.students.create_student("Ana")
    home = services.course.home(student.id)
    (pack,) = [p for p in home.packs if p.pack.id == report.pack_id]
    return {"student": student.id} | {les.title: les.id for les in pack.lessons}


@pytest.fixture
def quiz(qtbot: Any, services: Services) -> Iterator[QuizView]:
    """The real quiz view on the real attempt service, in a 700×600 window."""
    host = QWidget()
    layout = QVBoxLayout(host)
    view = QuizView(services.attempts)
    layout.addWidget(view)
    qtbot.addWidget(host)
    host.resize(700, 600)
    host.show()
    qtbot.waitExposed(host)
    yield view  # (the host stays referenced until the test ends)
    host.close()


def _take(quiz: QuizView, services: Services, lessons: dict[str, int], key: str) -> None:
    attempt = services.attempts.start_lesson_quiz(lessons["student"], lessons[key])
    quiz.set_attempt(attempt)


def _ink_columns(label: QLabel) -> tuple[int, int]:
    """Leftmost and rightmost columns where the label painted something."""
    image = label.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    background = image.pixel(0, 0)
    columns = [
        x for x in range(image.width())
        if any(image.pixel(x, y) != background for y in range(0, image.height(), 2))
    ]
    assert columns, "the label painted nothing"
    return columns[0], columns[-1]


def test_an_img_tag_in_a_plain_prompt_shows_as_characters(
    quiz: QuizView, services: Services, lessons: dict[str, int]
) -> None:
    _take(quiz, services, lessons, "inert")
    assert quiz.prompt_label.text() == f"What is {IMG} here?"
    assert quiz.prompt_label.textFormat() == Qt.TextFormat.PlainText
    texts = sorted(row.label.text() for row in quiz.rows)
    assert texts == sorted([IMG, "<b>bold</b>"])
    assert all(row.label.textFormat() == Qt.TextFormat.PlainText for row in quiz.rows)


def test_html_prompt_keeps_text_only_nothing_runs_or_loads(
    quiz: QuizView, services: Services, lessons: dict[str, int]
) -> None:
    _take(quiz, services, lessons, "html")
    markup = quiz.prompt_label.text()  # rich text of the safe subset only (bold kept)
    shown = QTextDocumentFragment.fromHtml(markup).toPlainText()
    assert "Safe bold" in shown
    assert "alert" not in markup
    assert "<b>bold</b>" in markup
    for unsafe in ("<img", "<script", "src=", "href", "http", "style"):
        assert unsafe not in markup


def test_the_lesson_reader_never_loads_a_remote_resource(
    qtbot: Any, services: Services, lessons: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Images, style sheets and links in a lesson stay unloaded: the reader's own
    ``loadResource`` answers nothing for every URL the layout asks about, and Qt's
    loaders (the ones that would read a file or a URL) are never reached."""
    reached: list[str] = []

    def record(self: object, kind: int, name: QUrl | str) -> object:
        reached.append(name.toString() if isinstance(name, QUrl) else str(name))
        return None

    monkeypatch.setattr(QTextBrowser, "loadResource", record)
    monkeypatch.setattr(QTextDocument, "loadResource", record)
    view = LessonView()
    qtbot.addWidget(view)
    asked: list[tuple[str, object]] = []
    original = view.browser.loadResource

    def spy(kind: int, name: QUrl | str) -> object:
        result = original(kind, name)
        asked.append((name.toString() if isinstance(name, QUrl) else str(name), result))
        return result

    view.browser.loadResource = spy  # type: ignore[method-assign]
    view.set_lesson(services.course.lesson(lessons["inert"]))
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    view.browser.viewport().grab()  # lay out and paint everything

    assert not [url for url in reached if "http" in url], reached
    assert all(result is None for _, result in asked)
    shown = view.browser.toPlainText()
    assert shown.startswith("Facts")
    # Raw HTML lines show as their characters and swallow nothing that follows them.
    assert IMG in shown
    assert "<script>alert(1)</script> text." in shown
    assert ARABIC in shown
    assert EMOJI in shown
    assert not view.browser.openLinks()
    assert not view.browser.openExternalLinks()


def test_ten_thousand_characters_wrap_inside_the_screen(
    quiz: QuizView, services: Services, lessons: dict[str, int], qtbot: Any
) -> None:
    _take(quiz, services, lessons, "long")
    host = quiz.window()
    host.adjustSize()
    qtbot.wait(1)  # let the layout settle (no sleep: processes events)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert len(quiz.prompt_label.text()) == 10_000
    assert host.width() <= screen.width()
    assert host.minimumSizeHint().width() <= screen.width()
    # It wrapped: many lines tall, no wider than the view.
    line = quiz.prompt_label.fontMetrics().height()
    assert quiz.prompt_label.height() > 20 * line
    assert quiz.prompt_label.width() <= quiz.width()
    long_row = next(row for row in quiz.rows if len(row.label.text()) == 10_000)
    assert long_row.label.height() > 20 * long_row.label.fontMetrics().height()


def test_right_to_left_text_runs_right_to_left(
    quiz: QuizView, services: Services, lessons: dict[str, int], qtbot: Any
) -> None:
    _take(quiz, services, lessons, "rtl")
    assert quiz.prompt_label.text() == ARABIC
    left, right = _ink_columns(quiz.prompt_label)
    width = quiz.prompt_label.width()
    assert right > width * 0.8  # starts at the right edge...
    assert left > width * 0.3  # ...and a short line does not reach the left
    for row in quiz.rows:
        left, right = _ink_columns(row.label)
        assert right > row.label.width() * 0.8
    # The lesson reader: the Arabic paragraph's direction is right to left.
    view = LessonView()
    qtbot.addWidget(view)
    view.set_lesson(services.course.lesson(lessons["rtl"]))
    document = view.browser.document()
    block = document.begin()
    while block.isValid() and block.text() != ARABIC:
        block = block.next()
    assert block.isValid()
    assert block.textDirection() == Qt.LayoutDirection.RightToLeft


def test_emoji_display(
    quiz: QuizView, services: Services, lessons: dict[str, int]
) -> None:
    _take(quiz, services, lessons, "emoji")
    assert quiz.prompt_label.text() == EMOJI
    _ink_columns(quiz.prompt_label)  # painted something, no exception
    assert sorted(row.label.text() for row in quiz.rows) == sorted(["🐘", "🦒"])
    for row in quiz.rows:
        _ink_columns(row.label)


def test_a_question_set_over_the_size_limit_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quizapp.formats import registry

    path = tmp_path / "huge.gift"
    with path.open("wb") as handle:  # sparse: 1 byte over the limit, no real disk use
        handle.truncate(registry.MAX_FILE_BYTES + 1)
    with pytest.raises(PackError) as info:
        registry.read_question_set(path)
    message = str(info.value)
    assert "huge.gift" in message
    assert "20 MB" in message
    assert "refused" in message
    assert [p.rule for p in info.value.problems] == ["file-too-large"]
