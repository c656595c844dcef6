"""Screenshots of the teacher's results pages, and the paper quiz PDF as PNG pages.

Run under a display (the README's screenshots come from Xvfb)::

    xvfb-run -s "-screen 0 1280x900x24" python tools/screenshots_results.py docs/screenshots

It builds the app as ``quizapp.app.main`` does (same database opening, built-in pack,
services and main window) on a temporary database, fills it through the services with
a class of 14 students who took two lesson quizzes (answers drawn from a fixed seed,
stronger students answering right more often), opens the teacher area (the PIN gate is
skipped for the tool) and saves:

- ``40-teacher-results.png``  students table, a student's attempts
- ``41-teacher-review.png``   an attempt opened for review
- ``42-teacher-statistics.png`` question statistics with flags and distractors
- ``43-teacher-charts.png``   score distribution and facility/discrimination charts
- ``44-teacher-students.png`` classes and students
- ``45-paper-quiz.png``       first page of version A of a paper quiz (``pdftoppm``)
- ``46-answer-key.png``       its answer key page
- ``47-teacher-merge.png``    the merge page after merging a bundle twice
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from quizapp.app import configure_application, create_main_window, open_services
from quizapp.bundled import builtin_pack_path
from quizapp.formats.json_pack import load_pack
from quizapp.services.container import build_services
from quizapp.ui.settings import AppSettings

NAMES = [
    "Amira",
    "Ben",
    "Chloé",
    "Dario",
    "Elif",
    "Farid",
    "Grace",
    "Hugo",
    "Inès",
    "Jonas",
    "Kenji",
    "Lena",
    "Mateo",
    "Nora",
]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=9)

    def __call__(self) -> datetime:
        return self.now


def settle(ms: int = 200) -> None:
    for _ in range(5):
        QApplication.processEvents()
    QTest.qWait(ms)


def shot(widget: QWidget, path: Path) -> None:
    settle()
    window = widget.window()
    geo = window.frameGeometry()
    pixmap = QGuiApplication.primaryScreen().grabWindow(
        0, geo.x(), geo.y(), geo.width(), geo.height()
    )
    pixmap.save(str(path))
    print(path)


def fill(services, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    """14 students, two classes, two lesson quizzes each (some twice)."""
    from quizapp.services.classes import ClassService

    pack = load_pack(builtin_pack_path(), require_evidence=True)
    right = {q.id: [i for i, c in enumerate(q.choices) if c.fraction > 0] for q in pack.questions}
    rng = random.Random(6)
    classes = ClassService(services.database.sessions)
    a = classes.create_class("7B")
    b = classes.create_class("7C")
    ids = []
    for n, name in enumerate(NAMES):
        sid = services.students.create_student(name).id
        ids.append(sid)
        classes.set_class([sid], a.id if n % 2 == 0 else b.id)
    lessons = services.course.home(ids[0]).packs[0].lessons[:2]
    for lesson in lessons:
        for n, sid in enumerate(ids):
            ability = 0.35 + 0.6 * (n / (len(ids) - 1))
            tries = 2 if n % 5 == 1 else 1
            for _ in range(tries):
                clock.now += timedelta(minutes=rng.randint(3, 40))
                view = services.attempts.start_lesson_quiz(sid, lesson.id)
                for slot in view.slots:
                    clock.now += timedelta(seconds=rng.randint(12, 70))
                    good = right[slot.question_key]
                    wrong = [c.index for c in slot.choices if c.index not in good]
                    # One question almost everybody gets; one that misleads everybody.
                    p = ability
                    if slot.question_key.endswith("01") or slot.slot == 0:
                        p = 0.97
                    answer = good if rng.random() < p or not wrong else [rng.choice(wrong)]
                    services.attempts.submit(view.id, slot.slot, answer)
                services.attempts.finish(view.id)
                ability = min(1.0, ability + 0.2)
        clock.now += timedelta(days=2)


def run(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qs"))
    settings = AppSettings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    database, _ = open_services(str(tmp / "quizapp.sqlite"))
    clock = Clock()
    services = build_services(database, clock)
    fill(services, clock)
    window = create_main_window(services, settings)
    window.resize(1180, 800)
    window.show()
    settle()
    from quizapp.ui.teacher import pin_dialog
    from quizapp.ui.teacher.results_page import register_pages

    teacher = window.teacher
    pages = {}
    titles = teacher.page_titles()
    if "Results" in titles:  # registered by the main window already
        for name, page in zip(
            ("results", "statistics", "students", "print", "merge"),
            teacher.pages[titles.index("Results") : titles.index("Results") + 5],
            strict=True,
        ):
            pages[name] = page
    else:
        pages = register_pages(teacher, services)
    pin_dialog.PinDialog.ask = classmethod(lambda cls, *a, **k: True)  # type: ignore[method-assign]
    window.open_teacher_area(pages["results"])
    results = pages["results"]
    settle(300)
    while results.loader.loading:  # its data load on a pool thread
        settle(50)
    students = results.students
    results.select_student(students[1].student_id)
    shot(window, out / "40-teacher-results.png")
    results.attempts_table.selectRow(0)
    dialog = results.open_attempt(results.attempts[0].id)
    if dialog is not None:
        dialog.resize(900, 680)
        dialog.view.items[1].toggle.click()
        settle(300)
        geo = dialog.frameGeometry()
        QGuiApplication.primaryScreen().grabWindow(
            0, geo.x(), geo.y(), geo.width(), geo.height()
        ).save(str(out / "41-teacher-review.png"))
        print(out / "41-teacher-review.png")
        dialog.close()
    stats = pages["statistics"]
    window.teacher.show_page(stats)
    for _ in range(600):  # up to a minute on a busy machine
        if stats.report is not None and not stats.busy.isVisible():
            break
        settle(100)
    flagged = next((q.column for q in stats.report.questions if q.flags), 0)
    stats.questions_table.selectRow(flagged)
    shot(window, out / "42-teacher-statistics.png")
    stats.tabs.setCurrentIndex(1)
    shot(window, out / "43-teacher-charts.png")
    window.teacher.show_page(pages["students"])
    while pages["students"].loader.loading:
        settle(50)
    shot(window, out / "44-teacher-students.png")
    printing = pages["print"]
    window.teacher.show_page(printing)
    printing.count_spin.setValue(10)
    from quizapp.ui.teacher import print_page

    pdf = tmp / "paper.pdf"
    print_page.ask_save_path = lambda *a: pdf  # type: ignore[assignment]
    printing.print_papers()
    for _ in range(100):
        if pdf.exists():
            break
        settle(100)
    for first, name in ((1, "45-paper-quiz"), (None, "46-answer-key")):
        page_no = first
        if page_no is None:  # the key follows version A's questions and grid
            text = subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            page_no = next(i + 1 for i, t in enumerate(text.split("\f")) if "Answer key" in t)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-singlefile",
                "-f",
                str(page_no),
                "-l",
                str(page_no),
                str(pdf),
                str(out / name),
            ],
            check=True,
        )
        print(out / f"{name}.png")
    merge = pages["merge"]
    window.teacher.show_page(merge)
    from quizapp.services.bundles import export_results_bundle
    from quizapp.ui.teacher import merge_page

    bundle = tmp / "room-12.zip"
    export_results_bundle(database.sessions, bundle)
    merge_page.ask_open_paths = lambda *a: [bundle]  # type: ignore[assignment]
    for _ in range(2):
        merge.merge_results()
        for _ in range(1500):
            if merge.last_task is not None and not merge.last_task.task.is_running:
                break
            settle(100)
        else:
            print("merge did not finish", file=sys.stderr)
    shot(window, out / "47-teacher-merge.png")
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone()
    settle()
    window.close()
    database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    run(parser.parse_args().out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
