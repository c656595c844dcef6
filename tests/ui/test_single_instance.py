"""One window per database: a second start on the same database asks the first to come
to the front and exits 0; another database, or a lock left by a killed instance, does
not block a start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from quizapp.ui.single_instance import (
    SingleInstanceGuard,
    database_identity,
    instance_key,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "locks"


def test_identity_is_the_absolute_path_or_the_url(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_identity("class.sqlite3", {}) == str(tmp_path / "class.sqlite3")
    assert database_identity(None, {"QUIZAPP_DB": str(tmp_path / "env.sqlite3")}) == str(
        tmp_path / "env.sqlite3"
    )
    url = "postgresql+psycopg://teacher@server/quizapp"
    assert database_identity(url, {}) == url
    assert instance_key(database_identity("a.sqlite3", {})) != instance_key(
        database_identity("b.sqlite3", {})
    )


def test_second_guard_on_the_same_database_wakes_the_first(qtbot: Any, folder: Path) -> None:
    key = instance_key("/data/quizapp.sqlite3")
    first = SingleInstanceGuard(key, folder)
    second = SingleInstanceGuard(key, folder)
    try:
        assert first.acquire()
        assert first.is_primary
        assert first.listen()
        assert not second.acquire()
        with qtbot.waitSignal(first.activation_requested, timeout=5000):
            assert second.notify_running()
    finally:
        first.release()
        second.release()
    # Released: the next start is the first one again.
    third = SingleInstanceGuard(key, folder)
    assert third.acquire()
    third.release()


def test_a_start_before_the_first_listens_still_wakes_it(qtbot: Any, folder: Path) -> None:
    """The first instance listens only after its window is painted: a second start in
    that moment keeps knocking until it is heard."""
    key = instance_key("/data/quizapp.sqlite3")
    first = SingleInstanceGuard(key, folder)
    assert first.acquire()
    code = (
        "from pathlib import Path;"
        "from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]);"
        "from quizapp.ui.single_instance import SingleInstanceGuard;"
        f"g = SingleInstanceGuard({key!r}, Path({str(folder)!r}));"
        "print(g.acquire(), flush=True);"
        "print(g.notify_running(10000), flush=True)"
    )
    second = _run(code)
    try:
        assert second.stdout is not None
        assert second.stdout.readline().strip() == "False"  # the lock is held
        with qtbot.waitSignal(first.activation_requested, timeout=15000):
            assert first.listen()  # only now, while the second one is knocking
        assert second.stdout.readline().strip() == "True"
        second.wait(timeout=10)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
        for stream in (second.stdout, second.stderr):
            if stream is not None:
                stream.close()
        first.release()


def test_another_database_is_not_blocked(folder: Path) -> None:
    first = SingleInstanceGuard(instance_key("/data/one.sqlite3"), folder)
    other = SingleInstanceGuard(instance_key("/data/two.sqlite3"), folder)
    try:
        assert first.acquire()
        assert other.acquire()
    finally:
        first.release()
        other.release()


def _run(code: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_a_lock_left_by_a_killed_instance_is_taken_over(qtbot: Any, folder: Path) -> None:
    key = instance_key("/data/quizapp.sqlite3")
    code = (
        "import sys; from pathlib import Path;"
        "from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]);"
        "from quizapp.ui.single_instance import SingleInstanceGuard;"
        f"g = SingleInstanceGuard({key!r}, Path({str(folder)!r}));"
        "print(g.acquire(), flush=True); sys.stdin.readline()"
    )
    holder = _run(code, stdin=subprocess.PIPE)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert not SingleInstanceGuard(key, folder).acquire()  # held by a live process
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        for stream in (holder.stdin, holder.stdout, holder.stderr):
            if stream is not None:
                stream.close()
    guard = SingleInstanceGuard(key, folder)
    assert guard.acquire()  # stale: its process is gone
    guard.release()


def test_a_second_app_on_the_same_database_raises_the_first_and_exits_0(
    qtbot: Any, tmp_path: Path
) -> None:
    """A real second ``python -m quizapp --db X`` (offscreen) while this process holds
    the guard of X as the first instance would."""
    from platformdirs import user_data_dir

    db = tmp_path / "class.sqlite3"
    first = SingleInstanceGuard(
        instance_key(database_identity(str(db), {})),
        Path(user_data_dir("quizapp", appauthor=False)),
    )
    assert first.acquire()
    assert first.listen()
    woken: list[bool] = []
    first.activation_requested.connect(lambda: woken.append(True))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTEST_CURRENT_TEST", None)
    second = subprocess.Popen(
        [sys.executable, "-m", "quizapp", "--db", str(db)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: second.poll() is not None and bool(woken), timeout=30000)
        _, err = second.communicate(timeout=10)
    finally:
        if second.poll() is None:
            second.kill()
            second.communicate()
        first.release()
    assert second.returncode == 0, err
    assert woken == [True]
    assert not db.exists()  # the second start opened nothing
