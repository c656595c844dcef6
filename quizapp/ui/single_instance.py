"""One quizapp window per database: a second start brings the first window to the front.

The guard is a :class:`QLockFile` in the user data folder, named after a hash of the
database (path or URL) and of the user, plus a request file of the same name
(``<key>.activate``). The first instance holds the lock and, once its window is
painted, watches the request file (:meth:`SingleInstanceGuard.listen`, a
:class:`QFileSystemWatcher`); a second one fails to take the lock, appends
``activate`` to the request file and waits until the first has read it (emptied the
file), then exits. A request made before the first instance listens is found when it
starts listening. A lock left by a crashed instance is stale (its process is gone) and
is taken over (Qt checks the PID).

Why a watched file and not ``QLocalServer``: QtNetwork alone is 3 MiB of the app's
resident memory, which performance issue 8 bounds (peak at Home ≤ 2× a bare window),
and the file needs nothing but QtCore. It works wherever the data folder is writable,
which the lock needs anyway.

Qt docs: QLockFile (tryLock, stale lock detection by PID), QFileSystemWatcher.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QFileSystemWatcher, QLockFile, QObject, Signal

from quizapp.store.location import database_identity

__all__ = ["SingleInstanceGuard", "bring_to_front", "database_identity", "instance_key"]

log = logging.getLogger("quizapp")

MESSAGE = b"activate\n"


def instance_key(identity: str) -> str:
    """A short name for the lock and the server: a hash of the database and the user."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name (some containers): the hash of the path alone
        user = ""
    digest = hashlib.sha256(f"{user}\0{identity}".encode()).hexdigest()
    return f"quizapp-{digest[:20]}"


def default_lock_folder() -> Path:
    """The user data folder (platformdirs), where the lock files live."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("quizapp", appauthor=False))


class SingleInstanceGuard(QObject):
    """The single-instance guard of one database.

    ``key`` from :func:`instance_key`; ``folder`` holds the lock file. Call
    :meth:`acquire` at start: True means this is the first instance (keep the guard
    alive, and call :meth:`listen` once the window is up: ``activation_requested``
    fires when a later start asks for the window). False means another instance has
    the database: call :meth:`notify_running` and exit. :meth:`release` (or deleting
    the guard) frees the lock and stops listening.
    """

    activation_requested = Signal()

    def __init__(self, key: str, folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.folder = folder if folder is not None else default_lock_folder()
        self.lock_path = self.folder / f"{key}.lock"
        self.request_path = self.folder / f"{key}.activate"
        self._lock: QLockFile | None = None
        self._watcher: QFileSystemWatcher | None = None

    @property
    def is_primary(self) -> bool:
        """True while this guard holds the lock."""
        return self._lock is not None

    def acquire(self) -> bool:
        """Take the lock; False when another instance holds it.

        When the lock file cannot be written at all (read-only data folder), the guard
        steps aside and returns True: a second window is better than no window."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("Single-instance guard off: cannot create %s (%s)", self.folder, exc)
            return True
        lock = QLockFile(str(self.lock_path))
        lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        if not lock.tryLock(0):
            if lock.error() == QLockFile.LockError.LockFailedError:
                return False
            log.warning("Single-instance guard off: %s (%s)", self.lock_path, lock.error())
            return True
        self._lock = lock
        return True

    def listen(self) -> bool:
        """Start answering later starts (after :meth:`acquire` returned True; once is
        enough); a request already waiting is answered at once. Returns True when
        listening."""
        if self._lock is None or self._watcher is not None:
            return self._watcher is not None
        try:
            self.request_path.touch(exist_ok=True)
        except OSError as exc:
            log.warning("Single-instance requests off: %s (%s)", self.request_path, exc)
            return False
        watcher = QFileSystemWatcher(self)
        if not watcher.addPath(str(self.request_path)):
            log.warning("Single-instance requests off: cannot watch %s", self.request_path)
            return False
        watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._watcher = watcher
        self._on_watcher_file_changed(str(self.request_path))  # knocked before we listened
        return True

    def notify_running(self, timeout_ms: int = 3000) -> bool:
        """Ask the instance holding the lock to bring its window to the front.

        Appends the request, then waits (up to ``timeout_ms`` milliseconds, handling
        events meanwhile) until the first instance has read it; the first instance
        starts listening only once its window is painted. Returns True when the
        request was read; otherwise it is withdrawn and False returned."""
        try:
            with self.request_path.open("ab") as request:
                request.write(MESSAGE)
        except OSError as exc:
            log.warning("Cannot ask the open quizapp to come to the front: %s", exc)
            return False
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()  # the first instance may be this process
            if self._request_size() == 0:
                return True
            time.sleep(0.02)  # waiting for another process to read the request
        log.warning("quizapp is already open on this database but did not answer.")
        self._clear_requests()
        return False

    def release(self) -> None:
        """Stop listening and free the lock."""
        if self._watcher is not None:
            self._watcher.removePaths(self._watcher.files())
            self._watcher = None  # stays a child of the guard, deleted with it
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _request_size(self) -> int:
        try:
            return self.request_path.stat().st_size
        except OSError:
            return 0

    def _clear_requests(self) -> bool:
        """Empty the request file; True when it held a request."""
        try:
            with self.request_path.open("r+b") as request:
                asked = MESSAGE.strip() in request.read()
                request.seek(0)
                request.truncate()
        except OSError:
            return False
        return asked

    def _on_watcher_file_changed(self, _path: str) -> None:
        if self._watcher is None:
            return
        if str(self.request_path) not in self._watcher.files():
            self._watcher.addPath(str(self.request_path))  # replaced or removed: watch again
        if self._request_size() and self._clear_requests():
            self.activation_requested.emit()


def bring_to_front(window: object) -> None:
    """Show ``window`` (a QWidget) normal-sized, raised and activated."""
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
