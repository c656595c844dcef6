"""Screenshots of the profile picker with a small and a large class, and of the quiz's
Submit button disabled, enabled and focused, from the real app on a temporary database.

Run under a display (the README's screenshots come from Xvfb)::

    xvfb-run -a -s "-screen 0 1280x900x24" python tools/screenshots_picker.py /tmp/shots
    xvfb-run -a -s "-screen 0 1280x900x24" python tools/screenshots_picker.py docs/screenshots \
        --students 500 --size 1024x700 --only picker

Each picture is named after what it shows, e.g. ``01-profiles-500-1280x900.png`` (the
picker at launch with 500 students), ``...-search`` (after typing a few letters),
``...-cleared`` (after clearing the search again), ``06-quiz-submit-disabled``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import show_window

from quizapp.app import configure_application, open_services
from quizapp.services.container import Services

# fmt: off
FIRST_NAMES = (
    "Amira", "Ben", "Chloé", "Dev", "Eliška", "Farah", "Gabriel", "Hana", "Ilyas", "Jade",
    "Kofi", "Léa", "Mateo", "Nina", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Tess",
    "Ugo", "Vera", "Wen", "Xavier", "Yara", "Zoe", "Anouk", "Bilal", "Cyril", "Dalia",
    "Elio", "Fatou", "Gaspard", "Inès", "Jonas", "Kenza", "Lucas", "Maëlle", "Noah", "Olga",
    "Paulo", "Rania", "Sacha", "Théo", "Ulla", "Victor", "Willem", "Ysé", "Zinedine",
)
# fmt: on


def class_names(n: int) -> list[str]:
    """``n`` distinct names like a class list: first name and surname initial."""
    pairs = itertools.product("ABCDEFGHJKLMNOPRSTVW", FIRST_NAMES)
    return [f"{first} {initial}." for initial, first in itertools.islice(pairs, n)]


class Clock:
    """A clock the students service reads: one minute per call, so the order is known."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def fill_class(services: Services, n: int, used: int) -> None:
    """``n`` students; every ``n // used``-th of them has used the app."""
    made = [services.students.create_student(name) for name in class_names(n)]
    step = max(1, n // max(1, used))
    for student in made[::step][:used]:
        services.students.select_student(student.id)


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()
    QTest.qWait(150)


def run(out: Path, width: int, height: int, students: int, only: str) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    app.setStyle(QStyleFactory.create("Fusion"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-shots-"))
    database, services = open_services(str(tmp / "quizapp.sqlite"))
    services.students._clock = Clock()  # type: ignore[attr-defined]
    fill_class(services, students, used=max(1, students // 10))  # before launch, as a class
    try:
        window = show_window(services, tmp, width, height)
        window.activateWindow()  # focus rings are drawn in the active window only
        QTest.qWaitForWindowActive(window)
        size = f"{width}x{height}"

        def shot(name: str, widget: QWidget | None = None) -> None:
            """The window, or ``widget`` and its surroundings drawn three times as large."""
            settle()
            if widget is None:
                pixmap = window.grab()
            else:
                corner = widget.mapTo(window, QPoint(0, 0))
                area = QRect(corner, widget.size()).adjusted(-16, -12, 16, 12)
                pixmap = window.grab(area)
                pixmap = pixmap.scaled(pixmap.size() * 3)
            pixmap.save(str(out / f"{name}.png"))
            print(out / f"{name}.png")

        if only in ("all", "picker"):
            shot(f"01-profiles-{students}-{size}")
            QTest.keyClicks(window.picker.filter_edit, "an")
            shot(f"01-profiles-{students}-{size}-search")
            window.picker.filter_edit.clear()
            shot(f"01-profiles-{students}-{size}-cleared")
        if only in ("all", "quiz"):
            window.choose_student(services.students.list_students()[0].id)
            settle()
            assert window.home_data is not None
            window.open_lesson(window.home_data.packs[0].lessons[0].id)
            settle()
            if window.notice_dialog is not None:
                window.notice_dialog.continue_button.click()
                settle()
            QTest.mouseClick(window.lesson.quiz_button, Qt.MouseButton.LeftButton)
            quiz = window.quiz
            assert quiz is not None
            shot(f"06-quiz-submit-disabled-{size}")
            shot(f"06-quiz-submit-disabled-{size}-zoom", quiz.submit_button)
            quiz.choose(1)
            shot(f"06-quiz-submit-enabled-{size}-zoom", quiz.submit_button)
            quiz.submit_button.setFocus(Qt.FocusReason.TabFocusReason)
            shot(f"06-quiz-submit-focused-{size}")
            shot(f"06-quiz-submit-focused-{size}-zoom", quiz.submit_button)
        window.close()
    finally:
        database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1024x700")
    parser.add_argument("--students", type=int, default=10)
    parser.add_argument("--only", choices=("all", "picker", "quiz"), default="all")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    run(args.out, width, height, args.students, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
