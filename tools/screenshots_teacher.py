"""Take screenshots of the teacher area from the real app, on a temporary database.

Run under a display (the README's screenshots come from Xvfb)::

    xvfb-run -s "-screen 0 1280x900x24" python tools/screenshots_teacher.py docs/screenshots
    xvfb-run -s "-screen 0 1280x900x24" python tools/screenshots_teacher.py /tmp/shots --dark

Builds the app as ``quizapp.app.main`` does (same database opening, built-in pack,
services and main window) and saves: ``20-pin`` (the PIN gate after wrong tries, with
its countdown), ``21-teacher-packs`` (the packs page with an imported GIFT pack) and
``22-import-preview`` (the preview of a GIFT file with skipped questions).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyleFactory

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import Shooter, click, dark_palette, show_window

from quizapp.app import configure_application, open_services
from quizapp.ui.teacher.pin_dialog import PinDialog

GIFT = """\
// Geography quiz, exported from Moodle.
$CATEGORY: $course$/top/Rivers of Europe

::paris:: Which river flows through Paris?{
  =Seine#Yes: the Seine crosses Paris from east to west.
  ~Thames#The Thames flows through London.
  ~Danube#The Danube flows through Vienna and Budapest.
}

::london:: Which rivers flow through London?{
  ~%50%Thames
  ~%50%Fleet
  ~%-100%Seine
  ####The Fleet still flows, under the streets.
}

::rhine:: The Rhine flows into the North Sea.{TRUE}

Describe the river nearest to your school.{}

$CATEGORY: $course$/top/Mountains

::everest:: Which is the highest mountain on Earth?{=Everest ~K2 ~Mont Blanc ~Kilimanjaro}

::height:: How high is Mont Blanc, in metres?{#4805:10}

::alps:: Mont Blanc is in the Alps.{T#It is, on the French-Italian border.#Right.}
"""


def run(out: Path, dark: bool) -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    app.setStyle(QStyleFactory.create("Fusion"))
    if dark:
        app.setPalette(dark_palette())
    suffix = "-dark" if dark else ""
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-teacher-shots-"))
    gift = tmp / "geography.gift"
    gift.write_text(GIFT, encoding="utf-8")
    database, services = open_services(str(tmp / "quizapp.sqlite"))
    try:
        window = show_window(services, tmp, 1024, 700)
        s = Shooter(window, out, suffix)
        for name in ("Amira", "Ben", "Chloé"):
            services.students.create_student(name)
        window.show_profiles()

        # 20: the PIN gate after three wrong tries (the field waits out the delay).
        window.teacher_auth.set_pin("2468")
        pin = PinDialog(window.teacher_auth, window)
        pin.show()
        for wrong in ("1111", "2222", "3333"):
            QTest.keyClicks(pin.pin_edit, wrong)
            click(pin.ok_button)
        s.shot("20-pin")
        pin.close()

        # Into the teacher area (the gate is what was just shown; skip it here).
        PinDialog.ask = classmethod(lambda cls, parent, auth: True)  # type: ignore[method-assign]
        window.open_teacher_area(window.packs_page)

        # 22: the import preview, with skipped questions.
        dialog = window.packs_page.start_import(gift)
        assert dialog is not None
        while dialog.preview is None:
            QTest.qWait(50)
        dialog.resize(700, 600)
        s.shot("22-import-preview")
        click(dialog.import_button)
        while window.packs_page.import_dialog is not None:
            QTest.qWait(50)

        # 21: the packs page with the new pack selected.
        s.shot("21-teacher-packs")
        window.close()
    finally:
        database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    run(args.out, args.dark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
