"""One quizapp window per database: a second start brings the first window to the front.

The guard is a :class:`QLockFile` in the user data folder, named after a hash of the
database (path or URL) and of the user, plus a :class:`QLocalServer` of the same name.
The first instance holds the lock and, once its window is painted, listens
(:meth:`SingleInstanceGuard.listen`: QtNetwork is loaded only then, off the start-up
path of performance issue 8); a second one fails to take the lock, connects to the
server (trying again for a few seconds, in case the first has not started listening
yet), sends ``activate`` and exits. A lock left by a crashed instance is stale (its
process is gone) and is taken over (Qt checks the PID); a leftover server socket is
removed before listening.

Qt docs: QLockFile (tryLock, stale lock detection by PID), QLocalServer::removeServer,
QLocalSocket::waitForConnected.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLockFile, QObject, Signal

from quizapp.store.location import database_identity

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

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
    the guard) frees both.
    """

    activation_requested = Signal()

    def __init__(self, key: str, folder: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.folder = folder if folder is not None else default_lock_folder()
        self.lock_path = self.folder / f"{key}.lock"
        self._lock: QLockFile | None = None
        self._server: QLocalServer | None = None

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
        enough). Returns True when listening."""
        if self._lock is None or self._server is not None:
            return self._server is not None
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(self.key)  # a socket left by a crashed instance
        listening = server.listen(self.key)
        if not listening:
            log.warning("Single-instance server not listening: %s", server.errorString())
        server.newConnection.connect(self._on_server_new_connection)
        self._server = server
        return listening

    def notify_running(self, timeout_ms: int = 3000) -> bool:
        """Ask the instance holding the lock to bring its window to the front.

        The first instance listens only once its window is painted, so a refused
        connection is tried again until ``timeout_ms`` milliseconds have passed.
        Returns True when the message was delivered."""
        from PySide6.QtNetwork import QLocalSocket

        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            socket = QLocalSocket()
            socket.connectToServer(self.key)
            left_ms = max(1, int((deadline - time.monotonic()) * 1000))
            if socket.waitForConnected(left_ms):
                break
            if time.monotonic() >= deadline:
                log.warning("quizapp is already open on this database but did not answer.")
                return False
            time.sleep(0.05)  # not listening yet: the first window is still starting
        socket.write(MESSAGE)
        delivered = socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(timeout_ms)
        return delivered

    def release(self) -> None:
        """Stop listening and free the lock."""
        if self._server is not None:
            self._server.close()  # stays a child of the guard, deleted with it
            self._server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _on_server_new_connection(self) -> None:
        server = self._server
        if server is None:
            return
        while (socket := server.nextPendingConnection()) is not None:
            # The message is one short line written at once: wait for it here (at most
            # a second, only when a second start knocks) rather than keep sockets alive.
            if not socket.canReadLine():
                socket.waitForReadyRead(1000)
            if socket.canReadLine() and bytes(socket.readLine().data()) == MESSAGE:
                self.activation_requested.emit()
            socket.close()


def bring_to_front(window: object) -> None:
    """Show ``window`` (a QWidget) normal-sized, raised and activated."""
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget)
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
