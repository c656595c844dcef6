"""The process ``bench_startup.py`` launches: a bare window, quizapp, or Anki, with marks.

Run as ``python bench/_startup_child.py MODE OUT [ARG]``; it writes a JSON object of
marks to ``OUT``: each a ``time.monotonic()`` reading (CLOCK_MONOTONIC is one clock for
every process on Linux, so the parent subtracts the moment it spawned this process) and
the peak resident set (``VmHWM``, KiB) at the last mark. Then it leaves at once
(``os._exit``), so nothing after the last mark is measured and no settings are saved.

Modes:

- ``floor``: a bare ``QMainWindow`` of quizapp's size (1024×700), PySide6; the floor.
- ``app``: ``quizapp.app.main(ARG)`` exactly as ``python -m quizapp --db ARG`` runs it.
  Marks: ``painted`` (first top-level window painted), ``profiles`` (the profile picker
  with its students listed, painted: interactive), ``home`` (the first student's tile
  clicked, Home painted; memory is read there).
- ``anki``: Anki's desktop app (``aqt``, PyQt6), ``-b ARG`` as its base folder; its
  first-run dialogs are accepted. Marks: ``painted`` (main window painted),
  ``deck_list`` (the deck browser rendered, then painted).

At the last mark it also sums the memory of the whole process tree (``tree_*``): the
same as the process alone for the floor and quizapp, and Anki with its web engine
processes.

"Painted" is when the handling of an ``Expose`` or ``UpdateRequest`` event of a
top-level ``QWindow`` whose widget is a ``QMainWindow`` returns: Qt's widget backing
store has then been painted and flushed to the X server. It is observed by overriding
``QApplication.notify`` in a subclass created before the app creates its own
(quizapp's ``main`` reuses an existing ``QApplication``; for Anki its ``AnkiApp`` class
is subclassed), the same way in every mode, so its small cost is in the floor too.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from typing import ClassVar

MARKS: dict[str, object] = {"started": time.monotonic()}
MODE, OUT = sys.argv[1], sys.argv[2]
ARG = sys.argv[3] if len(sys.argv) > 3 else None


WATCHED_MODULES = (
    "sqlalchemy", "alembic", "mako", "pygments", "markdown_it", "numpy", "pyqtgraph",
    "openpyxl", "fsrs", "defusedxml", "PySide6.QtWebEngineCore", "PySide6.QtCharts",
    "quizapp.formats.json_pack", "quizapp.formats.gift", "quizapp.formats.registry",
)
"""Heavy or optional modules whose presence at the last mark is reported."""


def vm_hwm_kib() -> int:
    """Peak resident set of this process so far, KiB (``/proc/self/status`` VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it (``/proc/*/stat`` parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_memory_kib() -> tuple[int, int, int]:
    """(processes, summed VmRSS, summed Pss) of this process and its descendants, KiB.

    Anki draws its screens in Qt WebEngine processes of its own: its memory is the
    whole tree's. Pss (``/proc/PID/smaps_rollup``) shares each shared page among the
    processes mapping it, so the sum counts the web engine's libraries once."""
    rss = pss = 0
    pids = _descendants(os.getpid())
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                rss += next((int(x.split()[1]) for x in status if x.startswith("VmRSS:")), 0)
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
                pss += next((int(x.split()[1]) for x in rollup if x.startswith("Pss:")), 0)
        except OSError:
            continue
    return len(pids), rss, pss


def finish() -> None:
    """Write the marks and leave at once."""
    MARKS["vm_hwm_kib"] = vm_hwm_kib()
    MARKS["tree_processes"], MARKS["tree_rss_kib"], MARKS["tree_pss_kib"] = tree_memory_kib()
    MARKS["modules"] = sorted(name for name in WATCHED_MODULES if name in sys.modules)
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(MARKS, out)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # Anki replaces the streams
            stream.flush()
    os._exit(0)


if MODE == "app":
    # As ``python -m quizapp`` loads it: the command line and the app module come
    # before PySide6 (whose import hook then sees fewer modules).
    import quizapp.app
    import quizapp.cli  # noqa: F401

if MODE == "anki":
    from PyQt6.QtCore import QEvent, QTimer
    from PyQt6.QtGui import QWindow
    from PyQt6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox
else:
    from PySide6.QtCore import QEvent, QTimer
    from PySide6.QtGui import QWindow
    from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox

_PAINT_EVENTS = (QEvent.Type.Expose, QEvent.Type.UpdateRequest)


class Watch:
    """What the next paint of the main window completes (a mark name), if anything."""

    pending: ClassVar[list[str]] = ["painted"]
    after: ClassVar[dict[str, object]] = {}


def on_main_window_painted() -> None:
    """Called after each paint of a top-level main window."""
    if not Watch.pending:
        return
    name = Watch.pending.pop(0)
    MARKS[name] = time.monotonic()
    follow = Watch.after.get(name)
    if callable(follow):
        follow()


def notify_hook(receiver: object, event: QEvent, result: bool) -> bool:
    """After an event is handled: was it a paint of the main window?

    Qt paints a widget window on the window's ``Expose`` (sent to its ``QWindow``) and on
    ``UpdateRequest`` (posted to the top-level widget, or to its ``QWindow`` on some
    platforms); both paint and flush synchronously inside their handling."""
    if not Watch.pending or event.type() not in _PAINT_EVENTS:
        return result
    if isinstance(receiver, QMainWindow):
        on_main_window_painted()
    elif isinstance(receiver, QWindow) and receiver.isExposed():
        app = QApplication.instance()
        widgets = app.topLevelWidgets() if app is not None else []
        for widget in widgets:
            if isinstance(widget, QMainWindow) and widget.windowHandle() is receiver:
                on_main_window_painted()
                break
    return result


def accept_dialogs_later() -> None:
    """Accept any modal dialog that turns up (Anki's first-run questions)."""

    def accept() -> None:
        app = QApplication.instance()
        modal = app.activeModalWidget() if app is not None else None
        if isinstance(modal, QMessageBox):
            yes = modal.button(QMessageBox.StandardButton.Yes)
            button = yes if yes is not None else modal.defaultButton()
            if button is not None:
                button.click()
            else:
                modal.accept()
        elif isinstance(modal, QDialog):
            modal.accept()
        QTimer.singleShot(100, accept)

    QTimer.singleShot(100, accept)


def run_floor() -> None:
    class App(QApplication):
        def notify(self, receiver, event):  # type: ignore[no-untyped-def]
            return notify_hook(receiver, event, super().notify(receiver, event))

    app = App(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("floor")
    window.resize(1024, 700)
    window.show()
    Watch.after["painted"] = finish
    app.exec()


def run_app(db: str) -> None:
    class App(QApplication):
        def notify(self, receiver, event):  # type: ignore[no-untyped-def]
            return notify_hook(receiver, event, super().notify(receiver, event))

    App(sys.argv[:1])
    import quizapp.app as quizapp_app

    make_window = quizapp_app.create_main_window

    def create_main_window(*args, **kwargs):  # type: ignore[no-untyped-def]
        window = make_window(*args, **kwargs)

        def on_screen(name: str) -> None:
            if name == "profiles" and "profiles" not in MARKS:
                MARKS["profiles_shown"] = time.monotonic()
                MARKS["students_listed"] = len(window.picker.tiles())
                Watch.pending.append("profiles")
            elif name == "home" and "home" not in MARKS:
                MARKS["home_shown"] = time.monotonic()
                Watch.pending.append("home")

        def click_first_student() -> None:
            tiles = window.picker.tiles()
            if tiles:
                tiles[0].click()
            else:
                finish()

        window.screen_changed.connect(on_screen)
        Watch.after["profiles"] = lambda: QTimer.singleShot(0, click_first_student)
        Watch.after["home"] = finish
        return window

    quizapp_app.create_main_window = create_main_window
    quizapp_app.main(db)
    finish()


def run_anki(base: str) -> None:
    import aqt
    import aqt.profiles
    from aqt import gui_hooks

    class App(aqt.AnkiApp):  # type: ignore[misc,name-defined]
        def __init__(self, argv: list[str]) -> None:
            super().__init__(argv)
            accept_dialogs_later()
            QTimer.singleShot(60_000, finish)

        def notify(self, receiver, event):  # type: ignore[no-untyped-def]
            return notify_hook(receiver, event, super().notify(receiver, event))

    aqt.AnkiApp = App
    # first run only (not timed): take English without the language dialog
    aqt.profiles.ProfileManager.setDefaultLang = lambda self, _idx: self.setLang("en_US")

    def on_deck_browser(_browser: object) -> None:
        if "deck_list_rendered" not in MARKS:
            MARKS["deck_list_rendered"] = time.monotonic()
            # the page is drawn by the web engine in its own process: give it a moment
            # of event loop, then count the next paint of the main window
            Watch.pending.append("deck_list")

    gui_hooks.deck_browser_did_render.append(on_deck_browser)
    Watch.after["deck_list"] = finish
    sys.argv = ["anki", "-b", base]
    aqt.run()
    finish()


if __name__ == "__main__":
    if MODE == "floor":
        run_floor()
    elif MODE == "app":
        assert ARG is not None
        run_app(ARG)
    elif MODE == "anki":
        assert ARG is not None
        run_anki(ARG)
    else:
        raise SystemExit(f"unknown mode {MODE!r}")
