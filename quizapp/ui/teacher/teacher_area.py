"""The teacher area: a strip that says "Teacher" with a lock and "Leave teacher area",
a list of pages on the left, the chosen page on the right.

It is only ever shown after the PIN gate (:class:`~quizapp.ui.teacher.pin_dialog.PinDialog`,
called by the main window on every entry); leaving it locks it again.

Adding a page is one call, from the composition in ``MainWindow._build_screens``::

    window.teacher.add_page(self.tr("Results"), "clipboard-list", ResultsPage(...))

A page may define ``on_shown()`` (called each time it becomes visible, e.g. to refresh
its data) and ``activate_primary()`` (what Enter does on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from quizapp.services.pack_admin import IMPORT_EXTENSIONS
from quizapp.ui.common import icon, icon_edge, wrap_label

TEACHER_STYLE = """
QFrame#teacherStrip {
    background: palette(highlight);
    border-bottom: 2px solid palette(text);
}
QFrame#teacherStrip QLabel { color: palette(highlighted-text); background: transparent; }
QListWidget#teacherNav { border: none; border-right: 1px solid palette(mid); padding: 6px; }
QListWidget#teacherNav::item { padding: 8px 6px; border-radius: 6px; }
QListWidget#teacherNav::item:selected {
    background: palette(highlight);
    color: palette(highlighted-text);
}
"""


def question_files(urls: Iterable[object]) -> list[str]:
    """The local files among dropped ``urls`` (``QUrl``) whose extension quizapp reads."""
    files: list[str] = []
    for url in urls:
        to_local = getattr(url, "toLocalFile", None)
        path = to_local() if callable(to_local) else ""
        if path and Path(path).suffix.lower() in IMPORT_EXTENSIONS:
            files.append(str(path))
    return files


class _Nav(QListWidget):
    """The page list, as wide as its longest title at the current text size (never a
    horizontal scroll bar): its width follows the font when the text size changes."""

    MIN_WIDTH = 150

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        # Items' own width (icon, text, style-sheet padding), the list's frame and padding,
        # and a vertical scroll bar's width in case the pages outgrow a short window.
        content = self.sizeHintForColumn(0) if self.count() else 0
        extra = 2 * self.frameWidth() + 2 * 6 + 12 + self.verticalScrollBar().sizeHint().width()
        return QSize(max(self.MIN_WIDTH, content + extra), hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(self.sizeHint().width(), super().minimumSizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit_icons()
            self.updateGeometry()

    def fit_icons(self) -> None:
        """The pages' icons as tall as a line of their titles, at least 20 px (20 px at
        the default 12 pt, as before; 50 px at 32 pt, where they stayed 20 px)."""
        edge = icon_edge(20, font=self.font())
        self.setIconSize(QSize(edge, edge))


class _PageScroller(QScrollArea):
    """One page of the teacher area, at least as big as the room, scrolling when it
    needs more: what the teacher area's stack holds instead of the page.

    A page wider or taller than the room scrolls rather than widen the window: a
    QStackedWidget asks for the room of its widest page, shown or not, and one page
    924 px wide (Results, at the default text size) made a 1024-px window 1129 px wide,
    its right edge off a 1024-px screen, and still so back on the students' picker.

    The page gets the whole room down to its minimum size (not a QScrollArea's
    ``widgetResizable``, which gives a page with wrapping labels its preferred height:
    the Statistics page then ran below the window, its tables squeezed no more)."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the page list to the page
        self.setWidget(page)
        page.installEventFilter(self)  # its minimum size changes: fit it again

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Size the page: the room left by the scroll bars it needs, or its minimum."""
        page = self.widget()
        if page is None:
            return
        least = page.minimumSizeHint().expandedTo(page.minimumSize())
        room = self.maximumViewportSize()  # with no scroll bar
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        wide = least.width() > room.width()
        tall = least.height() > room.height() - (bar if wide else 0)
        wide = wide or (tall and least.width() > room.width() - bar)
        page.resize(
            max(least.width(), room.width() - (bar if tall else 0)),
            max(least.height(), room.height() - (bar if wide else 0)),
        )


class _LockIcon(QLabel):
    """The strip's lock, as tall as a line of the base text, at least 22 px (22 px at
    the default 12 pt, as before; 50 px at 32 pt)."""

    def __init__(self, lock: QIcon) -> None:
        super().__init__()
        self._lock = lock
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        edge = icon_edge(22)
        self.setPixmap(self._lock.pixmap(QSize(edge, edge)))


class TeacherArea(QWidget):
    """The teacher's screen. Signals: ``leave_requested()``; ``page_changed(index)``."""

    leave_requested = Signal()
    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(TEACHER_STYLE)
        self.pages: list[QWidget] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.strip = QFrame()
        self.strip.setObjectName("teacherStrip")
        row = QHBoxLayout(self.strip)
        row.setContentsMargins(14, 8, 10, 8)
        row.setSpacing(10)
        highlighted = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
        self.lock_icon = _LockIcon(icon("lock", highlighted, size=96))
        self.lock_icon.setAccessibleName(self.tr("Locked area"))
        self.strip_label = wrap_label(self.tr("Teacher"), 1.25, bold=True)
        self.strip_label.setAccessibleName(self.tr("Teacher area"))
        self.strip_note = wrap_label(self.tr("Students cannot see this area."))
        self.leave_button = QPushButton(icon("log-out", size=96), self.tr("Leave teacher area"))
        self.leave_button.setToolTip(
            self.tr("Lock the teacher area and go back to the students' screens (Esc)")
        )
        row.addWidget(self.lock_icon)
        row.addWidget(self.strip_label)
        row.addSpacing(12)
        row.addWidget(self.strip_note, 1)
        row.addWidget(self.leave_button)
        outer.addWidget(self.strip)
        self._fit_leave_icon()

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        self.nav = _Nav()
        self.nav.setObjectName("teacherNav")
        self.nav.fit_icons()
        self.nav.setAccessibleName(self.tr("Teacher pages"))
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self._connect_signals()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Text size
            self._fit_leave_icon()

    def _fit_leave_icon(self) -> None:
        """The icon of "Leave teacher area" as big as the window header's: 0.85 of a
        line of the base text, at least 16 px (16 px at 12 pt, as before; 42 at 32 pt)."""
        edge = icon_edge(16, 0.85)  # as the window header's (MainWindow.header_icon_size)
        self.leave_button.setIconSize(QSize(edge, edge))

    def _connect_signals(self) -> None:
        self.leave_button.clicked.connect(self.leave_requested)
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)

    # ------------------------------------------------------------ pages

    def add_page(self, title: str, icon_name: str, widget: QWidget) -> int:
        """Add ``widget`` as a page listed as ``title`` with the icon
        ``resources/icons/<icon_name>.svg``; returns its index. The first page added
        is shown first."""
        item = QListWidgetItem(icon(icon_name, size=96), title)  # 50 px at 32 pt
        item.setToolTip(title)
        self.nav.addItem(item)
        self.nav.updateGeometry()
        self.stack.addWidget(_PageScroller(widget))
        self.pages.append(widget)
        if len(self.pages) == 1:
            self.nav.setCurrentRow(0)
        return len(self.pages) - 1

    def show_page(self, page: QWidget | int) -> None:
        """Make ``page`` (a widget given to :meth:`add_page`, or its index) current."""
        index = page if isinstance(page, int) else self.pages.index(page)
        if self.nav.currentRow() == index:
            self._on_nav_current_row_changed(index)
        else:
            self.nav.setCurrentRow(index)

    def current_page(self) -> QWidget | None:
        """The page shown, if any."""
        index = self.stack.currentIndex()
        return self.pages[index] if 0 <= index < len(self.pages) else None

    def page_titles(self) -> list[str]:
        """The titles in the page list, in order."""
        return [self.nav.item(i).text() for i in range(self.nav.count())]

    def refresh(self) -> None:
        """Tell the current page it is shown (it reloads its data): on every entry."""
        page = self.current_page()
        on_shown = getattr(page, "on_shown", None)
        if callable(on_shown):
            on_shown()

    def activate_primary(self) -> None:
        """Enter: the current page's primary action, if it has one."""
        activate = getattr(self.current_page(), "activate_primary", None)
        if callable(activate):
            activate()

    # ------------------------------------------------------------ slots

    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            self.stack.setCurrentIndex(row)
            self.refresh()
            self.page_changed.emit(row)


__all__ = ["TEACHER_STYLE", "TeacherArea", "question_files"]
