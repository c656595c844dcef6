"""Take screenshots of every student screen from the real app, on a temporary database.

Run under a display (the README's screenshots come from Xvfb)::

    xvfb-run -s "-screen 0 1280x900x24" python tools/screenshots.py docs/screenshots
    xvfb-run -s "-screen 0 1280x900x24" python tools/screenshots.py /tmp/shots --size 800x600 --dark

It builds the app exactly as ``quizapp.app.main`` does (same database opening, built-in
pack, services and main window), drives it through the window's own navigation
methods and buttons, and saves the screen area under the window (dialogs included)
as PNG files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from quizapp.app import configure_application, create_main_window, open_services
from quizapp.services.container import Services
from quizapp.ui.main_window import MainWindow
from quizapp.ui.settings import AppSettings


def dark_palette() -> QPalette:
    """A dark palette like the system dark themes, to check nothing vanishes in it."""
    p = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d31"), QColor("#e8e8e8")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#33353a"))
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor("#383a40"))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.Highlight, QColor("#4f8ff7"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#0b0b0b"))
    p.setColor(QPalette.ColorRole.Mid, QColor("#6b6e76"))
    p.setColor(QPalette.ColorRole.Midlight, QColor("#4a4d55"))
    p.setColor(QPalette.ColorRole.ToolTipBase, base)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#a0a0a0"))
    return p


class Shooter:
    def __init__(self, window: MainWindow, out: Path, suffix: str) -> None:
        self.window = window
        self.out = out
        self.suffix = suffix

    def settle(self) -> None:
        for _ in range(5):
            QApplication.processEvents()
        QTest.qWait(150)

    def shot(self, name: str) -> None:
        self.settle()
        geo = self.window.frameGeometry()
        screen = QGuiApplication.primaryScreen()
        pixmap = screen.grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        path = self.out / f"{name}{self.suffix}.png"
        pixmap.save(str(path))
        print(path)


def show_window(services: Services, folder: Path, width: int, height: int) -> MainWindow:
    """The app's main window on ``services``, its settings in ``folder``, shown at the
    top left at ``width`` × ``height`` and exposed (the screenshot tools' common start)."""
    settings = AppSettings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window = create_main_window(services, settings)
    window.setMinimumSize(0, 0)
    window.move(0, 0)
    window.resize(width, height)
    window.show()
    QTest.qWaitForWindowExposed(window)
    return window


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def run(out: Path, width: int, height: int, dark: bool) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    app.setStyle(QStyleFactory.create("Fusion"))
    if dark:
        app.setPalette(dark_palette())
    suffix = "" if (width, height) == (1024, 700) else f"-{width}x{height}"
    suffix += "-dark" if dark else ""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-shots-"))
    database, services = open_services(str(tmp / "quizapp.sqlite"))
    try:
        window = show_window(services, tmp, width, height)
        s = Shooter(window, out, suffix)
        for name in ("Amira", "Ben", "Chloé", "Dev", "Eliška"):
            services.students.create_student(name)
        window.show_profiles()
        s.shot("01-profiles")

        window.picker.new_student_requested.emit()
        dialog = window.new_student_dialog
        assert dialog is not None
        QTest.keyClicks(dialog.name_edit, "ben ")
        click(dialog.create_button)
        s.shot("02-new-student")
        dialog.name_edit.clear()
        QTest.keyClicks(dialog.name_edit, "Zoe")
        click(dialog.create_button)
        s.settle()

        assert window.home_data is not None
        first = window.home_data.packs[0].lessons[0]
        click(window.home.lesson_buttons[first.id])
        s.shot("03-notice")
        assert window.notice_dialog is not None
        click(window.notice_dialog.continue_button)
        s.shot("05-lesson")

        click(window.lesson.quiz_button)
        quiz = window.quiz
        assert quiz is not None
        s.settle()
        quiz.choose(1)
        s.shot("06-quiz-question")
        # Answer: first right, second wrong, then the rest alternately.
        from quizapp.bundled import builtin_pack_path
        from quizapp.formats.json_pack import load_pack

        pack = load_pack(builtin_pack_path())
        by_key = {q.id: q for q in pack.questions}
        n = 0
        while window.current_screen() == "quiz":
            slot = quiz.current_slot()
            assert slot is not None
            q = by_key[slot.question_key]
            wrong = next(i for i, c in enumerate(q.choices) if not c.is_correct)
            want = set(q.correct_indices) if n % 3 != 1 else {wrong}
            for row in quiz.rows:
                if row.checked != (row.choice.index in want):
                    row.activate()
            click(quiz.submit_button)
            if n == 0:
                s.shot("07-feedback-right")
            if n == 1:
                s.shot("08-feedback-wrong")
                click(quiz.show_in_lesson_button)
                s.shot("09-show-in-lesson")
                click(window.lesson.return_button)
            n += 1
            click(quiz.next_button)
        s.settle()
        window.results.items[1].toggle.click()
        s.shot("10-results")
        click(window.results.home_button)

        # A second lesson left half done, so Home offers to continue it.
        second = window.home_data.packs[0].lessons[1]
        window.open_lesson(second.id)
        click(window.lesson.quiz_button)
        for _ in range(2):
            quiz.choose(0)
            click(quiz.submit_button)
            click(quiz.next_button)
        window.show_home()
        s.shot("04-home")

        click(window.home.history_button)
        s.shot("11-history")
        finished = next(i for i, a in enumerate(window.history.attempts) if a.finished_at)
        window.history.table.selectRow(finished)
        click(window.history.open_button)
        window.results.items[0].toggle.click()
        s.shot("12-review")
        window.close()
    finally:
        database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="1024x700")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    run(args.out, width, height, args.dark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
