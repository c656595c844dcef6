"""Where the files shipped with the app live: the built-in pack and ``resources/``.

In an installed wheel they sit in ``quizapp/_bundled/`` (copied there by ``setup.py``);
in a source checkout or an editable install they are at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled_root() -> Path:
    inside = _PACKAGE_DIR / "_bundled"
    if (inside / "questions.json").is_file():
        return inside
    return _PACKAGE_DIR.parent


def builtin_pack_path() -> Path:
    """Path of the built-in pack (``questions.json``)."""
    return _bundled_root() / "questions.json"


def resources_dir() -> Path:
    """Path of the ``resources/`` folder (icons, templates)."""
    return _bundled_root() / "resources"
