"""The composition root: the one place that wires paths, database, services and window.

Start-up paints first (performance issue 8: first window painted within 1.5× a bare
PySide6 window, the profile picker interactive within 3.5×):

1. The main window is shown in an "Opening…" state before SQLAlchemy (or anything else
   heavy) is imported.
2. Once it has really been painted (:func:`after_first_paint`: on X11 the window's first
   ``Expose`` arrives after a plain zero timer would have fired), the SQLite file is
   checked (``PRAGMA quick_check``, with the recovery dialog if it is damaged) and its
   students are read with the standard library alone
   (:func:`quizapp.services.quick_start.early_students`): the profile picker is on
   screen and clickable.
3. Then a worker thread (:class:`ServiceLoader`) imports SQLAlchemy, opens the database
   (migrated if needed), checks the built-in pack and builds the services, which are
   handed to the window on the GUI thread; a student chosen meanwhile is taken Home as
   soon as they arrive.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import uuid

    from PySide6.QtCore import QObject
    from PySide6.QtWidgets import QApplication, QWidget

    from quizapp.services.attempts import AttemptService
    from quizapp.services.container import Services
    from quizapp.store.database import Database
    from quizapp.store.health import HealthReport
    from quizapp.ui.main_window import MainWindow
    from quizapp.ui.settings import AppSettings

APP_NAME = "quizapp"
ORGANISATION = "quizapp"
ORGANISATION_DOMAIN = "quizapp.invalid"

log = logging.getLogger("quizapp")


def open_services(db: str | None) -> tuple[Database, Services]:
    """Open the database ``db`` says (path, URL, or ``None`` for ``QUIZAPP_DB`` or the
    default file in the user data folder), migrate it, make sure the built-in pack is
    installed and current, and build the services.

    A shared server (any URL but SQLite) is never migrated from here: a schema older
    or newer than this app raises ``DatabaseOutOfDateError`` ("ask your administrator
    to run `quizapp db upgrade`") or ``DatabaseTooNewError`` ("update quizapp on this
    computer"); an unreachable server raises ``ServerUnavailableError``, with no
    fallback to a local file. On a server the services' repeatable calls are retried
    through short network blips (:func:`with_server_retries`).

    Raises :class:`quizapp.domain.errors.QuizAppError` (database or pack problems) with
    a message for the user. The caller closes the returned ``Database``.
    """
    from quizapp.bundled import builtin_pack_path
    from quizapp.services.builtin import ensure_builtin_pack_fast
    from quizapp.services.container import build_services
    from quizapp.store.database import open_database, resolve_db_url
    from quizapp.store.server import is_server_url

    url = resolve_db_url(db)
    server = is_server_url(url)
    database = open_database(url, migrate=not server)
    try:
        # Parsed only when questions.json changed since the last install (its SHA-256).
        ensure_builtin_pack_fast(database.sessions, builtin_pack_path())
        services = build_services(database)
        if server:
            with_server_retries(services)
    except BaseException:
        database.close()
        raise
    return database, services


SERVER_RETRY_SAFE: dict[str, tuple[str, ...]] = {
    "students": ("list_students", "select_student"),
    "course": ("home", "lesson", "mark_lesson_read", "acknowledge_notice"),
    "attempts": (
        "get",
        "summary",
        "unfinished",
        "history",
        "review",
        "finish",
        "set_flag",
        "save_answer",
        "submit",
    ),
}
"""Service methods safe to repeat after a lost connection: reads, and writes that are
idempotent (finishing twice, flags, "read" marks), or keyed by a response UUID made
once per call before the retries (``submit`` and ``save_answer``: see
:func:`with_server_retries`; a repeat finds the stored response instead of counting a
second try). Not ``start_*`` or ``create_student`` (a repeat would make two)."""


def with_server_retries(
    services: Services, *, sleep: Callable[[float], None] | None = None
) -> Services:
    """Wrap the :data:`SERVER_RETRY_SAFE` methods of ``services`` (in place, and
    returned) so a ``ServerUnavailableError`` is retried a few times within ~3.5 s
    (:func:`quizapp.store.server.retrying`; ``sleep`` waits between tries, default
    ``time.sleep``) before it reaches the screen.

    ``services.attempts.submit`` and ``save_answer`` are given one new response UUID
    per call, made *before* the retry loop, so a try whose commit reached the server
    but whose answer was lost is found on the repeat, not stored twice."""
    import time

    from quizapp.store.server import retrying

    wait = sleep if sleep is not None else time.sleep
    for name, methods in SERVER_RETRY_SAFE.items():
        setattr(services, name, retrying(getattr(services, name), methods, sleep=wait))
    services.attempts = _with_response_ids(services.attempts)
    return services


class _ResponseIds:
    """Proxy over an attempts service whose ``submit`` / ``save_answer`` make the
    response UUID when the caller gave none; everything else passes through."""

    def __init__(self, target: object) -> None:
        self._target = target

    def __getattr__(self, name: str) -> object:
        return getattr(self._target, name)

    def submit(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        response_uuid: uuid.UUID | None = None,
    ) -> object:
        import uuid  # here, not at the top: uuid is not needed before the first paint

        return self._target.submit(  # type: ignore[attr-defined]
            attempt_id, slot, selected, response_uuid=response_uuid or uuid.uuid4()
        )

    def save_answer(
        self,
        attempt_id: int,
        slot: int,
        selected: Sequence[int],
        certainty: int | None = None,
        response_uuid: uuid.UUID | None = None,
    ) -> object:
        import uuid

        return self._target.save_answer(  # type: ignore[attr-defined]
            attempt_id, slot, selected, certainty, response_uuid=response_uuid or uuid.uuid4()
        )

    def __repr__(self) -> str:
        return f"with_response_ids({self._target!r})"


def _with_response_ids(attempts: AttemptService) -> AttemptService:
    """``attempts`` whose answers each carry one UUID across retries (see above)."""
    return _ResponseIds(attempts)  # type: ignore[return-value]


def after_first_paint(
    window: QWidget, callback: Callable[[], None], fallback_ms: int = 1500
) -> QObject:
    """Call ``callback`` once, on the event loop, right after ``window`` (shown) was
    first painted: an event filter waits for its first ``Paint`` (or
    ``UpdateRequest``) event, then a zero timer runs ``callback`` once that paint has
    been flushed to the screen. If no paint comes within ``fallback_ms`` milliseconds
    (a window started minimised, a platform that never exposes it) the callback runs
    anyway. Returns the watcher (a child of ``window``)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class _AfterFirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__(window)
            self._callback: Callable[[], None] | None = callback
            window.installEventFilter(self)
            QTimer.singleShot(fallback_ms, self._fire)

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if self._callback is not None and event.type() in (
                QEvent.Type.Paint,
                QEvent.Type.UpdateRequest,
            ):
                window.removeEventFilter(self)
                QTimer.singleShot(0, self._fire)  # after this paint is flushed
            return False

        def _fire(self) -> None:
            if self._callback is None:
                return
            run, self._callback = self._callback, None
            window.removeEventFilter(self)
            run()

    return _AfterFirstPaint()


_QT_FREE = frozenset(
    {
        "sqlalchemy", "greenlet", "psycopg", "alembic", "mako", "fsrs", "platformdirs",
        "markdown_it", "mdurl", "openpyxl", "et_xmlfile", "defusedxml", "numpy",
        "typing_extensions",
    }
)
"""Third-party packages that never use Qt (the standard library is known as such)."""
_QT_FREE_OURS = ("quizapp.domain", "quizapp.store", "quizapp.services", "quizapp.formats")
_QT_OURS = ("quizapp.ui", "quizapp.app")


def skip_pyside_source_scan() -> bool:
    """Spare start-up PySide6's source scan of modules whose answer is known.

    Once PySide6 is imported, every later ``import`` statement runs shiboken's
    ``feature_imported`` hook, which asks whether the *importing* module uses PySide6
    (for ``from __feature__ import snake_case``) by reading its whole source with
    ``inspect.getsource``, kept in ``linecache``. At start-up that was ~670 files
    (SQLAlchemy's ~380, the standard library's ~280): about 20 MiB of source lines held
    in memory, and tens of milliseconds. This answers at once: "no" for the standard
    library (``sys.stdlib_module_names``), the packages in ``_QT_FREE`` and our Qt-free
    layers; "yes" for our GUI (``quizapp.ui``, ``quizapp.app``: they import PySide6, and
    none uses ``__feature__``); every other module is left to PySide6. Returns False
    (and changes nothing) when this PySide6 has no such hook."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(original) or getattr(original, "quizapp_skip", False):
        return False
    stdlib = frozenset(sys.stdlib_module_names)

    def mod_uses_pyside(module: object) -> object:
        name = str(getattr(module, "__name__", "") or "")
        top = name.partition(".")[0]
        if top in _QT_FREE or top in stdlib or name.startswith(_QT_FREE_OURS):
            return False
        if name.startswith(_QT_OURS):
            return True
        return original(module)

    mod_uses_pyside.quizapp_skip = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = mod_uses_pyside  # type: ignore[attr-defined]
    return True


def configure_application(app: QApplication) -> None:
    """Names used by ``QSettings`` and the window system."""
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("quizapp")
    app.setOrganizationName(ORGANISATION)
    app.setOrganizationDomain(ORGANISATION_DOMAIN)


def create_main_window(
    services: Services | None = None, settings: AppSettings | None = None
) -> MainWindow:
    """The main window, with ``services`` attached when given (tests pass both).

    ``settings`` defaults to the application's own ``QSettings``; the window is not shown.
    """
    from quizapp.ui.main_window import MainWindow
    from quizapp.ui.settings import AppSettings

    return MainWindow(settings if settings is not None else AppSettings(), services)


def _log_path() -> str:
    from platformdirs import user_log_dir

    folder = user_log_dir(APP_NAME, appauthor=False)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, "quizapp.log")


def setup_logging() -> None:
    """Log to a rotating file in the user log folder (1 MB × 3), and to stderr."""
    from logging.handlers import RotatingFileHandler

    log.setLevel(logging.INFO)
    try:
        handler: logging.Handler = RotatingFileHandler(
            _log_path(), maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)


def install_excepthook(parent: QWidget | None = None) -> None:
    """Log every uncaught exception and show it in a crash dialog with copyable details.

    Not installed under pytest (pytest-qt reports uncaught exceptions itself).
    """
    if "PYTEST_CURRENT_TEST" in os.environ:
        return
    sys.excepthook = make_excepthook(parent)


def make_excepthook(
    parent: QWidget | None = None,
) -> Callable[[type[BaseException], BaseException, TracebackType | None], None]:
    """The hook :func:`install_excepthook` installs: it logs the traceback (to the
    rotating log file once :func:`setup_logging` ran) and shows it in a
    :class:`quizapp.ui.crash_dialog.CrashDialog`; it never raises."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("Uncaught exception\n%s", details)
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        try:
            from quizapp.ui.crash_dialog import CrashDialog

            CrashDialog.show_crash(parent, str(value) or kind.__name__, details)
        except Exception:  # the hook must never raise
            sys.__excepthook__(kind, value, tb)

    return hook


def check_database_file(db: str | None) -> tuple[Path, HealthReport] | None:
    """``PRAGMA quick_check`` on the SQLite file ``db`` says (path; ``None``: the
    ``QUIZAPP_DB`` or default file): ``None`` when it is sound, missing (a first start)
    or a server; otherwise its path and what is wrong, for :func:`recover`. Reads the
    whole file, so the app runs it on its loader thread (:class:`ServiceLoader`), not
    on the GUI thread. Writes nothing."""
    from quizapp.store.health import check_database
    from quizapp.store.location import database_identity, local_sqlite_file

    path = local_sqlite_file(db)
    if path is None and database_identity(db).startswith("sqlite"):
        from quizapp.store.database import resolve_db_url, sqlite_path  # a sqlite:// URL

        path = sqlite_path(resolve_db_url(db))
    if path is None:
        return None
    report = check_database(path)
    return None if report.ok else (path, report)


def recover(parent: QWidget | None, path: Path, report: HealthReport) -> bool:
    """The damaged (or not-a-database) file at ``path`` gets
    :class:`quizapp.ui.recovery_dialog.RecoveryDialog`: restore the latest automatic
    backup, start a new database (the damaged file is kept aside with a timestamp
    either way) or quit. Returns False when the user chose to quit.

    Raises :class:`quizapp.store.health.StorageError` when the file cannot be moved."""
    from quizapp.store.backups import latest_backup
    from quizapp.store.health import restore_backup, start_new
    from quizapp.ui.recovery_dialog import RecoveryChoice, RecoveryDialog

    log.error("Database check failed: %s %s", report.describe(), report.problems)
    backup = latest_backup(path)
    label = None
    if backup is not None:  # "2024-09-02, /…/backups/quizapp-2024-09-02.sqlite3"
        label = f"{'-'.join(backup.stem.split('-')[-3:])}, {backup}"
    choice = RecoveryDialog.ask(parent, report.describe(), label, "\n".join(report.problems))
    if choice is RecoveryChoice.RESTORE and backup is not None:
        kept = restore_backup(path, backup)
        log.warning("Restored %s from %s; the damaged file is at %s", path, backup, kept)
        return True
    if choice is RecoveryChoice.START_NEW:
        kept = start_new(path)
        log.warning("Started a new database at %s; the old file is at %s", path, kept)
        return True
    return False


def check_and_recover(parent: QWidget | None, db: str | None) -> bool:
    """Before anything is written: :func:`check_database_file`, then :func:`recover`
    when the file is damaged. Returns False when the user chose to quit.

    Raises :class:`quizapp.store.health.StorageError` when the file cannot be moved."""
    damaged = check_database_file(db)
    return True if damaged is None else recover(parent, *damaged)


def start_daily_backup(url: str) -> object | None:
    """Take today's automatic backup of the SQLite database at ``url`` on a worker
    thread (:func:`quizapp.store.backups.daily_backup`: once a day, 7 kept). Returns
    the started ``threading.Thread`` (join it before exit), or ``None`` for a server.
    A failed backup is logged, never shown: it must not stop a lesson."""
    import threading

    from quizapp.store.backups import daily_backup
    from quizapp.store.database import sqlite_path

    path = sqlite_path(url)
    if path is None:
        return None

    def run(target: Path = path) -> None:
        try:
            made = daily_backup(target)
            if made is not None:
                log.info("Automatic backup: %s", made)
        except Exception:
            log.exception("The automatic backup of %s failed", target)

    thread = threading.Thread(target=run, name="quizapp-backup", daemon=True)
    thread.start()
    return thread


def freeze_long_lived_objects() -> None:
    """Move every object alive now (modules, SQLAlchemy's mappers and compiled
    statements, the services) out of the cyclic garbage collector's sight
    (``gc.collect()`` then ``gc.freeze()``, Python's documented way to spare a
    long-running process full collections over its start-up heap).

    Called once, on the loader thread, when the services are loaded: without it the
    collector's older-generation passes walk the ~65,000 container objects of the
    start-up heap (SQLAlchemy's above all), pauses of 5–40 ms measured in the middle of
    recording an answer (``bench/bench_record.py``: performance issue 8, p99 of a
    response)."""
    import gc

    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class NeedsRecovery:
    """What :class:`ServiceLoader` found instead of opening: the SQLite file at
    ``path`` is damaged (``report``), and :func:`recover` must ask the user first."""

    path: Path
    report: HealthReport


class ServiceLoader:
    """On a worker thread: :func:`check_database_file` (when ``check``), then
    :func:`open_services`; the outcome is delivered on the GUI thread, from the event
    loop: ``on_done(database, services)``, ``on_damaged(NeedsRecovery)`` (nothing was
    opened or written) or ``on_error(exception)`` (any exception,
    :class:`~quizapp.domain.errors.QuizAppError` or not).

    :meth:`join` waits for the thread (before the app exits, so a database it opened is
    closed, never left half-open)."""

    def __init__(
        self,
        db: str | None,
        on_done: Callable[[Database, Services], None],
        on_error: Callable[[BaseException], None],
        on_damaged: Callable[[NeedsRecovery], None] | None = None,
        *,
        check: bool = True,
    ) -> None:
        import threading

        from PySide6.QtCore import QObject, Signal, Slot

        class _Bridge(QObject):
            """Lives on the GUI thread: ``finished``, emitted on the worker, is queued
            to :meth:`deliver`, a slot of this object."""

            finished = Signal(object)  # (database, services) or the exception

            @Slot(object)
            def deliver(self, outcome: object) -> None:
                if isinstance(outcome, BaseException):
                    on_error(outcome)
                elif isinstance(outcome, NeedsRecovery):
                    if on_damaged is None:
                        on_error(RuntimeError(f"{outcome.path} is damaged"))
                    else:
                        on_damaged(outcome)
                else:
                    opened = cast("tuple[Database, Services]", outcome)
                    on_done(*opened)

        self.db = db
        self.check = check
        self.result: tuple[Database, Services] | NeedsRecovery | BaseException | None = None
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._bridge.deliver)
        self._thread = threading.Thread(target=self._run, name="quizapp-open", daemon=True)

    def start(self) -> None:
        """Start loading."""
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker (``timeout`` seconds; ``None``: as long as it takes)."""
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            damaged = check_database_file(self.db) if self.check else None
            if damaged is not None:
                outcome: object = NeedsRecovery(*damaged)
            else:
                outcome = open_services(self.db)
                freeze_long_lived_objects()
        except BaseException as error:  # delivered to the GUI thread, raised or shown there
            outcome = error
        self.result = outcome  # type: ignore[assignment]
        self._bridge.finished.emit(outcome)


def main(db: str | None = None) -> int:
    """Run the GUI on the database ``db`` (path or SQLAlchemy URL; ``None``: ``QUIZAPP_DB``
    or the default file). Returns the exit status: 0, or 2 when the database cannot be
    opened (the reason is shown in a message box)."""
    from PySide6.QtWidgets import QApplication

    skip_pyside_source_scan()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    from quizapp.ui.single_instance import (
        SingleInstanceGuard,
        bring_to_front,
        database_identity,
        instance_key,
    )

    guard = SingleInstanceGuard(instance_key(database_identity(db)))
    if not guard.acquire():
        # quizapp is already open on this database: show that window instead.
        guard.notify_running()
        return 0
    window = create_main_window()
    window.show()
    guard.activation_requested.connect(lambda: bring_to_front(window))
    install_excepthook(window)
    state: dict[str, object] = {"status": 0, "database": None, "backup": None, "loader": None}

    def cannot_start(error: BaseException) -> None:
        log.error("Cannot open the database: %s", error)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        window.set_opening_message(window.tr("quizapp could not open its data."))
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            window.tr("quizapp cannot start"),
            str(error),
            parent=window,
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setInformativeText(window.tr("Nothing was changed. Show this message to your teacher."))
        box.exec()
        state["status"] = 2
        app.exit(2)

    def loaded(database: Database, services: Services) -> None:
        if state["status"]:  # the window was closed with an error meanwhile
            return
        state["database"] = database
        window.set_services(services)
        state["backup"] = start_daily_backup(database.url)

    def failed(error: BaseException) -> None:
        from quizapp.domain.errors import QuizAppError

        if isinstance(error, QuizAppError):
            cannot_start(error)
            return
        raise error  # to the crash dialog (install_excepthook)

    def damaged(found: NeedsRecovery) -> None:
        from quizapp.domain.errors import QuizAppError

        try:
            if not recover(window, found.path, found.report):
                app.exit(0)
                return
        except QuizAppError as error:
            cannot_start(error)
            return
        load_services(check=False)  # restored or new: open it

    def load_services(check: bool = True) -> None:
        guard.listen()  # later starts on this database now raise this window
        loader = ServiceLoader(db, loaded, failed, damaged, check=check)
        state["loader"] = loader
        loader.start()

    def finish_start() -> None:
        from quizapp.services.quick_start import early_students

        window.build()  # the header and shortcuts, now that "Opening…" is on screen
        setup_logging()
        # The file is read (never written) here; the quick check of the whole file runs
        # on the loader thread before anything is opened for writing.
        students = early_students(db)
        if students is None:  # first start, a server, or a file only SQLAlchemy can judge
            load_services()
            return
        window.show_students_early(students)
        after_first_paint(window, load_services)  # the picker is on screen, then the rest

    after_first_paint(window, finish_start)  # "Opening…" is on screen before the heavy work
    status = app.exec()
    loader = state["loader"]
    if isinstance(loader, ServiceLoader):
        loader.join()  # a database opened after the window closed is closed below
        result = loader.result
        if state["database"] is None and isinstance(result, tuple):
            state["database"] = result[0]
    backup = state["backup"]
    if backup is not None:
        backup.join(timeout=30)  # type: ignore[attr-defined]
    database = state["database"]
    if database is not None:
        database.close()  # type: ignore[attr-defined]
    guard.release()
    failed_status = state["status"]
    return failed_status if isinstance(failed_status, int) and failed_status else status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
