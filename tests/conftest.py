"""Test-wide set-up: headless Qt, fresh settings and a temporary data folder per test."""

from __future__ import annotations

import os

# Before anything imports Qt: run headless, and never touch the user's real data.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from hypothesis import settings

# No per-example deadline (a loaded classroom or CI machine is slow, not wrong); in CI the
# examples are derived from the test itself, so a run there is repeatable.
settings.register_profile("quizapp", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "quizapp")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point platformdirs' data, config and log folders (XDG on Linux) at a temp folder."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        path = home / sub
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    monkeypatch.delenv("QUIZAPP_DB", raising=False)
