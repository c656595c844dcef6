"""Small pieces every screen shares: icons, scaled fonts, buttons, colours, error boxes.

Colours come from the palette (``palette(...)`` in style sheets, ``QPalette`` roles in
code), so screens work in light, dark and high-contrast palettes; right and wrong are
always said with an icon and a word too, never by colour alone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QLocale, QSize
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QWidget,
)

from quizapp.bundled import resources_dir
from quizapp.domain.errors import QuizAppError
from quizapp.domain.model import TextFormat
from quizapp.domain.text import plural as plural  # re-exported: the screens count with it

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from quizapp.ui.settings import AppSettings

T = TypeVar("T")

FONT_SCALE_PROPERTY = "quizappFontScale"
FONT_BOLD_PROPERTY = "quizappFontBold"

STYLE_SHEET = """
QPushButton {
    border: 1px solid palette(mid);
    border-radius: 6px;
    padding: 7px 16px;
    background: palette(button);
    color: palette(button-text);
}
QPushButton:hover { border: 1px solid palette(highlight); }
QPushButton:focus { border: 2px solid palette(highlight); padding: 6px 15px; }
QPushButton:pressed { background: palette(midlight); }
/* A tool button that opens a menu (the header's "Text size"): its arrow at the right,
   in room of its own, not squeezed into the corner against the text. */
QToolButton[popupMode="2"] { padding-right: 16px; }
QToolButton[popupMode="2"]::menu-indicator {
    subcontrol-origin: padding;
    subcontrol-position: right center;
}
/* Disabled: flat and grey, with a plain solid border. Dashes and thick borders are the
   keyboard focus look (choice rows, :focus below), so a disabled button never has them. */
QPushButton:disabled {
    color: palette(mid);
    border: 1px solid palette(midlight);
    background: palette(window);
}
QPushButton#primary {
    background: palette(highlight);
    color: palette(highlighted-text);
    border: 2px solid palette(highlight);
    font-weight: bold;
    padding: 8px 20px;
}
QPushButton#primary:focus { border: 3px solid palette(text); padding: 7px 19px; }
QPushButton#primary:disabled {
    background: palette(window);
    color: palette(mid);
    border: 2px solid palette(midlight);
}
QPushButton#tile {
    text-align: left;
    padding: 14px 18px;
    border-radius: 10px;
    background: palette(base);
    color: palette(text);
}
QPushButton#tile:focus { border: 3px solid palette(highlight); padding: 12px 16px; }
QFrame#card {
    border: 1px solid palette(mid);
    border-radius: 10px;
    background: palette(base);
}
QFrame#card QLabel { background: transparent; }
/* A choice's border is 1, 2 or 3 px by state; border + padding stay 3 px, so its letter,
   button and text never shift when it is picked, focused or marked. */
QFrame#choiceRow {
    border: 1px solid palette(mid);
    padding: 2px;
    border-radius: 8px;
    background: palette(base);
}
QFrame#choiceRow[checked="true"] {
    border: 2px solid palette(highlight);
    padding: 1px;
    background: palette(alternate-base);
}
QFrame#choiceRow[focused="true"] { border: 3px dashed palette(highlight); padding: 0; }
QFrame#choiceRow QLabel { background: transparent; }
QLabel#badge {
    border: 2px solid palette(text);
    border-radius: 6px;
    padding: 2px 6px;
    font-weight: bold;
}
QDialog { border: 1px solid palette(mid); }
QFrame#headerBar { border-bottom: 1px solid palette(mid); }
QPushButton#reviewItem {
    text-align: left;
    padding: 6px 8px;
    border: 1px solid transparent;
    background: transparent;
}
QPushButton#reviewItem:hover { border: 1px solid palette(mid); }
QPushButton#reviewItem:focus { border: 2px solid palette(highlight); padding: 5px 7px; }
QPushButton#reviewItem:checked { background: palette(alternate-base); }
"""


# ---------------------------------------------------------------- counts


def count(n: int) -> str:
    """``n`` with the user's locale's digit grouping, always grouped: "20,001" in
    English (and in the C locale, which Qt would otherwise leave ungrouped), "20 001"
    in French."""
    locale = QLocale()
    locale.setNumberOptions(locale.numberOptions() & ~QLocale.NumberOption.OmitGroupSeparator)
    return locale.toString(n)


def counted(n: int, one: str, many: str) -> str:
    """:func:`plural` with the number grouped (:func:`count`): "20,001 attempts",
    "1 attempt"."""
    return plural(n, one, many, number=count(n))


# ---------------------------------------------------------------- icons


@cache
def _svg_bytes(name: str) -> bytes:
    return (resources_dir() / "icons" / f"{name}.svg").read_bytes()


def icon(name: str, color: QColor | None = None, size: int = 48) -> QIcon:
    """An icon from ``resources/icons/<name>.svg``, drawn in ``color``.

    The SVGs stroke ``currentColor``; it is replaced by ``color`` (default: the
    application palette's text colour) so icons stay visible on dark palettes.
    Returns an empty ``QIcon`` if the file is missing.
    """
    if color is None:
        color = QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
    try:
        data = _svg_bytes(name)
    except OSError:
        return QIcon()
    data = data.replace(b"currentColor", color.name().encode())
    renderer = QSvgRenderer(QByteArray(data))
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter)
    painter.end()
    return QIcon(pixmap)


def icon_edge(least: int, scale: float = 1.0, font: QFont | None = None) -> int:
    """The side, px, of a square icon that grows with the text: ``scale`` times a line
    of ``font`` (its ``QFontMetrics.height()``; default the application font), rounded,
    and at least ``least`` px (the size it had at the default text size)."""
    metrics = QFontMetrics(font if font is not None else QGuiApplication.font())
    return max(least, round(scale * metrics.height()))


# ---------------------------------------------------------------- fonts


def set_font_scale(widget: QWidget, scale: float, bold: bool = False) -> None:
    """Give ``widget`` a font ``scale`` times the application's base size (kept on rescale)."""
    widget.setProperty(FONT_SCALE_PROPERTY, float(scale))
    widget.setProperty(FONT_BOLD_PROPERTY, bool(bold))
    _apply_scale(widget)


def _apply_scale(widget: QWidget) -> None:
    scale = widget.property(FONT_SCALE_PROPERTY)
    if scale is None:
        return
    base = QApplication.font()
    font = QFont(base)
    font.setPointSizeF(max(1.0, base.pointSizeF() * float(scale)))
    font.setBold(bool(widget.property(FONT_BOLD_PROPERTY)))
    widget.setFont(font)


def rescale_fonts(root: QWidget) -> None:
    """Re-apply every scaled font under ``root`` after the base text size changed."""
    for widget in [root, *root.findChildren(QWidget)]:
        _apply_scale(widget)


def refresh_fonts(root: QWidget) -> None:
    """Make every widget under ``root`` follow the application font again.

    A style sheet pins each widget's font when it polishes the widget, so a new
    application font never reaches widgets under one (Qt stops propagating it there).
    Setting the same style sheet again polishes them anew at the current base size;
    then every scaled font (headings, prompts) is derived again from that base.
    """
    for widget in [root, *root.findChildren(QWidget)]:
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)
    rescale_fonts(root)


def apply_text_size(point_size: float) -> None:
    """Set the whole app's base text size to ``point_size`` points, at once.

    The one mechanism for text size: the application font carries the base size, every
    window (and its style-sheet-polished widgets) follows it, and scaled widgets
    (:func:`set_font_scale`: headings, question prompts) keep their ratio to it.
    """
    font = QFont(QApplication.font())
    font.setPointSizeF(float(point_size))
    QApplication.setFont(font)
    for top in QApplication.topLevelWidgets():
        refresh_fonts(top)


# ---------------------------------------------------------------- words


# ---------------------------------------------------------------- widgets


def wrap_label(text: str = "", scale: float = 1.0, bold: bool = False) -> QLabel:
    """A plain-text label that wraps instead of widening the window."""
    label = QLabel(text)
    label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    if scale != 1.0 or bold:
        set_font_scale(label, scale, bold)
    return label


def set_content_text(
    label: QLabel, text: str | Sequence[str], text_format: TextFormat, prefix: str = ""
) -> None:
    """Show question content (prompt, explanation, choice feedback, hint) in ``label`` by
    the question's ``text_format``: plain text as its characters (``<b>`` stays ``<b>``),
    Markdown and HTML as inert rich text (the safe subset the services give:
    :func:`quizapp.services.display.display_html`), so an imported ``<p>`` never shows.

    ``text`` may be several texts (one per line); ``prefix`` (UI text such as
    "Hint: ") is put before them as plain characters.
    """
    from quizapp.services.display import display_html

    texts = [text] if isinstance(text, str) else list(text)
    label.setOpenExternalLinks(False)
    if text_format is TextFormat.PLAIN:
        label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        label.setText(prefix + "\n".join(texts))
        return
    parts = [display_html(t, text_format) or "" for t in texts]
    label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    label.setText(html.escape(prefix) + "<br>".join(parts))


def content_label(text: str, text_format: TextFormat, scale: float = 1.0) -> QLabel:
    """A wrapping label showing question content (see :func:`set_content_text`)."""
    label = wrap_label("", scale)
    set_content_text(label, text, text_format)
    return label


def primary_button(text: str, icon_name: str | None = None) -> QPushButton:
    """The screen's one filled button (style sheet ``#primary``)."""
    button = QPushButton(text)
    button.setObjectName("primary")
    if icon_name:
        palette = QGuiApplication.palette()
        drawn = icon(icon_name, palette.color(QPalette.ColorRole.HighlightedText))
        # Disabled, the button is grey on the window's colour (style sheet): the icon is
        # drawn in its text's colour, not the filled button's (white on light grey).
        greyed = icon(icon_name, palette.color(QPalette.ColorRole.Mid))
        drawn.addPixmap(greyed.pixmap(QSize(48, 48)), QIcon.Mode.Disabled)
        button.setIcon(drawn)
    return button


def button(text: str, icon_name: str | None = None, tooltip: str = "") -> QPushButton:
    """A plain secondary button with an optional icon and tooltip."""
    btn = QPushButton(text)
    if icon_name:
        btn.setIcon(icon(icon_name))
    if tooltip:
        btn.setToolTip(tooltip)
    return btn


def fit_to_width(content: QWidget) -> QWidget:
    """Make ``content`` (the widget of a resizable ``QScrollArea``, with its layout) as
    tall as its wrapped text needs at the scroll area's width, and returns it.

    Otherwise the layout sets ``content``'s minimum height from word-wrapped labels
    measured at a narrow width, and the scroll area shows a scroll bar (a few pixels,
    or a few hundred, of range) under content that fits. Here the layout sets no
    minimum and the height is ignored, so the scroll area goes by
    ``heightForWidth`` at its viewport's width: a scroll bar only when it is needed."""
    layout = content.layout()
    if layout is not None:
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        # A list of one-line buttons has no word-wrapped text: without this item the
        # layout had no height-for-width, the scroll area then took the ignored height
        # for "no minimum" and squeezed 20 rows into the window, clipping their text.
        layout.addItem(_HeightForWidthAnchor())
    content.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
    return content


class _HeightForWidthAnchor(QSpacerItem):
    """An empty layout item that says its height depends on its width (it is 0 at any
    width), so a layout holding it always has height-for-width: what
    :func:`fit_to_width` relies on for the scroll area to measure the content."""

    def __init__(self) -> None:
        super().__init__(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return 0


def card() -> QFrame:
    """A bordered panel on the base colour (style sheet ``#card``)."""
    frame = QFrame()
    frame.setObjectName("card")
    return frame


def status_colors(palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(right, wrong) colours readable on ``palette``'s base colour.

    Green and red darkened on light palettes and lightened on dark ones; meaning is
    always carried by an icon and a word as well.
    """
    palette = palette or QGuiApplication.palette()
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    if dark:
        return QColor("#7ee39a"), QColor("#ff9b92")
    return QColor("#16692e"), QColor("#b3261e")


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


# ---------------------------------------------------------------- file dialogs


def start_folder(settings: AppSettings | None = None) -> str:
    """Where a file dialog opens: the folder last used (``AppSettings.last_folder``) if it
    still exists, else the user's Documents folder, else their home folder; never the
    working directory."""
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    from quizapp.ui.settings import AppSettings

    last = (settings or AppSettings()).last_folder
    if last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return documents
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation)


def ask_files(
    parent: QWidget | None,
    title: str,
    filters: str,
    *,
    mode: str = "open",
    suggested: str = "",
    settings: AppSettings | None = None,
) -> tuple[list[str], str]:
    """The one way the UI asks for files: ``mode`` "open" (one file), "open_many" or
    "save" (``suggested`` is the file name offered). Opens in :func:`start_folder` and
    remembers the chosen file's folder there. Returns (the absolute paths chosen, the
    filter chosen); ([], "") when cancelled."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog

    from quizapp.ui.settings import AppSettings

    settings = settings or AppSettings()
    folder = start_folder(settings)
    if mode == "save":
        start = str(Path(folder) / suggested) if suggested else folder
        name, chosen = QFileDialog.getSaveFileName(parent, title, start, filters)
        names = [name] if name else []
    elif mode == "open_many":
        names, chosen = QFileDialog.getOpenFileNames(parent, title, folder, filters)
    else:
        name, chosen = QFileDialog.getOpenFileName(parent, title, folder, filters)
        names = [name] if name else []
    if names:
        settings.last_folder = str(Path(names[0]).parent)
    return names, chosen if names else ""


# ---------------------------------------------------------------- messages


def show_error(
    parent: QWidget | None, error: BaseException, title: str | None = None
) -> QMessageBox:
    """Show ``error``'s message in a window-modal box that does not block the caller.

    The message is selectable and the details (error type) can be copied.
    Returns the box (tests may read its text).
    """
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or QApplication.translate("common", "Something went wrong"))
    box.setText(str(error) or type(error).__name__)
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setDetailedText(f"{type(error).__name__}: {error}")
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def confirm(parent: QWidget | None, title: str, question: str, yes: str, no: str) -> bool:
    """Ask a yes/no question; True when the user chose ``yes``. Tests monkeypatch this."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(question)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def guarded(parent: QWidget | None, call: Callable[[], T]) -> T | None:
    """Run a service call; on a :class:`QuizAppError` show its message and return ``None``."""
    try:
        return call()
    except QuizAppError as error:
        show_error(parent, error)
        return None
