"""UI preferences (text size, window geometry) behind one typed wrapper over ``QSettings``.

Domain data never lives here: only how the window looks on this computer.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

DEFAULT_FONT_POINT_SIZE = 12
"""Base text size in points (UI.md: at least 11 pt)."""
MIN_FONT_POINT_SIZE = 9
MAX_FONT_POINT_SIZE = 32


class AppSettings:
    """Typed access to the app's ``QSettings``.

    ``AppSettings()`` uses the application's own settings (organisation and application
    name set by :func:`quizapp.app.main`); tests pass a ``QSettings`` on a temp file.
    """

    _FONT = "ui/font_point_size"
    _GEOMETRY = "ui/window_geometry"
    _LAST_FOLDER = "ui/last_folder"

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings()

    @property
    def font_point_size(self) -> int:
        """Base text size in points, clamped to [MIN_FONT_POINT_SIZE, MAX_FONT_POINT_SIZE]."""
        raw = self._s.value(self._FONT, DEFAULT_FONT_POINT_SIZE)
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            value = DEFAULT_FONT_POINT_SIZE
        return max(MIN_FONT_POINT_SIZE, min(MAX_FONT_POINT_SIZE, value))

    @font_point_size.setter
    def font_point_size(self, value: int) -> None:
        clamped = max(MIN_FONT_POINT_SIZE, min(MAX_FONT_POINT_SIZE, int(value)))
        self._s.setValue(self._FONT, clamped)

    @property
    def window_geometry(self) -> QByteArray | None:
        """The main window's saved geometry (``QWidget.saveGeometry``), or ``None``."""
        value = self._s.value(self._GEOMETRY)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._s.setValue(self._GEOMETRY, value)

    @property
    def last_folder(self) -> str:
        """The folder a file dialog was last used in (absolute path), or "" if none yet."""
        return str(self._s.value(self._LAST_FOLDER, "") or "")

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._s.setValue(self._LAST_FOLDER, str(value))

    def sync(self) -> None:
        """Write pending changes to storage."""
        self._s.sync()
