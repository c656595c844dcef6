"""The teacher's "Packs" page: every installed pack in a sortable, filterable table with
its counts, and Import…, Export…, Show/Hide and Delete… buttons.

Changes go through :class:`~quizapp.services.pack_admin.PackAdmin`; the page reloads
its rows after each one and emits ``packs_changed`` (the students' Home is rebuilt from
the database whenever it is shown, so it reflects them at once).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from quizapp.domain.errors import QuizAppError
from quizapp.services.dto import PackInstallReport
from quizapp.services.pack_admin import IMPORT_EXTENSIONS, PackAdmin, PackRow
from quizapp.ui import common
from quizapp.ui.common import button, primary_button, wrap_label
from quizapp.ui.teacher.import_dialog import ImportDialog

Index = QModelIndex | QPersistentModelIndex

JSON_FILTER = "quizapp pack (*.json)"
GIFT_FILTER = "GIFT, for Moodle (*.gift)"


def choose_import_file(parent: QWidget | None) -> str | None:
    """Ask for a question file to import (tests monkeypatch this); ``None`` if cancelled."""
    patterns = " ".join(f"*{ext}" for ext in IMPORT_EXTENSIONS)
    names, _ = common.ask_files(
        parent,
        QApplication.translate("PacksPage", "Import questions"),
        f"Question files ({patterns});;All files (*)",
    )
    return names[0] if names else None


def choose_export_file(parent: QWidget | None, suggested: str) -> str | None:
    """Ask where to export a pack; the extension follows the chosen filter (JSON or GIFT)
    when the name typed has none. Tests monkeypatch this. ``None`` if cancelled."""
    names, chosen = common.ask_files(
        parent,
        QApplication.translate("PacksPage", "Export pack"),
        f"{JSON_FILTER};;{GIFT_FILTER}",
        mode="save",
        suggested=suggested,
    )
    if not names:
        return None
    path = names[0]
    if Path(path).suffix.lower() not in (".json", ".gift", ".txt"):
        path += ".gift" if chosen == GIFT_FILTER else ".json"
    return path


def local_time(moment: Any) -> str:
    """An aware UTC datetime as local date and time, e.g. ``2024-09-02 10:00``."""
    return str(moment.astimezone().strftime("%Y-%m-%d %H:%M"))


class PackTableModel(QAbstractTableModel):
    """Rows of :class:`PackRow`; the "Shown to students" column is a checkbox.

    ``Qt.UserRole`` gives each cell's raw value, for sorting. Ticking the checkbox calls
    ``on_toggle(pack_id, enabled)``.
    """

    COLUMNS = ("Title", "Version", "Questions", "Imported", "Shown", "Built-in")
    QUESTIONS_COLUMN = 2
    IMPORTED_COLUMN = 3
    ENABLED_COLUMN = 4
    BUILTIN_COLUMN = 5

    def __init__(self, on_toggle: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[PackRow] = []
        self._on_toggle = on_toggle

    def set_rows(self, rows: list[PackRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        raw: list[Any] = [
            row.title.lower(),
            row.version,
            row.question_count,
            row.imported_at,
            row.enabled,
            row.is_builtin,
        ]
        if role == Qt.ItemDataRole.UserRole:
            return raw[col]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row.title
            if col == self.IMPORTED_COLUMN:
                return local_time(row.imported_at)
            if col == self.ENABLED_COLUMN:
                return self.tr("Shown") if row.enabled else self.tr("Hidden")
            if col == self.BUILTIN_COLUMN:
                return self.tr("Built-in") if row.is_builtin else ""
            return str(raw[col])
        if role == Qt.ItemDataRole.CheckStateRole and col == self.ENABLED_COLUMN:
            return Qt.CheckState.Checked if row.enabled else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return f"{row.title} ({row.key})"
            if col == self.ENABLED_COLUMN:
                return self.tr("Tick to show this pack on the students' Home")
            if col == self.IMPORTED_COLUMN:
                return self.tr("Last import that changed it (local time)")
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.QUESTIONS_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.ENABLED_COLUMN:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role == Qt.ItemDataRole.CheckStateRole
            and index.isValid()
            and index.column() == self.ENABLED_COLUMN
        ):
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            self._on_toggle(self.rows[index.row()].id, checked)
            return True
        return False


class PacksPage(QWidget):
    """The packs table with its buttons. Signals: ``packs_changed()``.

    ``start_import(path=None)`` opens the preview for ``path`` (or asks for a file);
    the open preview is ``import_dialog`` (tests drive it).
    """

    packs_changed = Signal()

    def __init__(self, admin: PackAdmin, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.admin = admin
        self.import_dialog: ImportDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        layout.setSpacing(10)
        layout.addWidget(wrap_label(self.tr("Question packs"), 1.3, bold=True))
        layout.addWidget(
            wrap_label(
                self.tr(
                    "Students see the packs ticked “Shown” on their Home. Import a file from "
                    "Moodle (GIFT, Aiken, Moodle XML), a spreadsheet (CSV, XLSX) or a quizapp "
                    "pack (JSON), or drop the file on this window."
                )
            )
        )
        filter_row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter by title, version…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setAccessibleName(self.tr("Filter packs"))
        self.count_label = QLabel("")
        filter_row.addWidget(self.filter_edit, 1)
        filter_row.addWidget(self.count_label)
        layout.addLayout(filter_row)

        self.model = PackTableModel(self._on_model_toggle, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName(self.tr("Installed packs"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(PackTableModel.COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.empty_label = wrap_label(
            self.tr("No packs yet: import a question file with “Import…”, or drop one here."),
            1.1,
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label, 1)

        self.detail_label = wrap_label("")
        self.detail_label.setAccessibleName(self.tr("Selected pack"))
        layout.addWidget(self.detail_label)
        self.status_label = wrap_label("")
        self.status_label.setAccessibleName(self.tr("Last action"))
        layout.addWidget(self.status_label)

        buttons = QHBoxLayout()
        self.export_button: QPushButton = button(
            self.tr("Export…"), "download", self.tr("Save the pack as quizapp JSON or as GIFT")
        )
        self.toggle_button: QPushButton = button(self.tr("Hide from students"), "toggle")
        self.delete_button: QPushButton = button(self.tr("Delete…"), "trash")
        self.import_button: QPushButton = primary_button(self.tr("Import…"), "upload")
        self.import_button.setToolTip(self.tr("Import a question file, after a preview"))
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.toggle_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        self._connect_signals()
        self._update_buttons()

    def _connect_signals(self) -> None:
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.toggle_button.clicked.connect(self._on_toggle_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)

    # ------------------------------------------------------------ data

    def on_shown(self) -> None:
        """Reload the rows (called each time the page is shown)."""
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """Read the packs again, keeping (or moving to ``select_id``) the selection."""
        keep = select_id if select_id is not None else self.selected_id()
        rows = common.guarded(self, self.admin.list_packs)
        if rows is None:
            return
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty_label.setVisible(not rows)
        shown = sum(1 for r in rows if r.enabled)
        self.count_label.setText(
            self.tr("{n} packs, {shown} shown to students").format(n=len(rows), shown=shown)
            if len(rows) != 1
            else self.tr("1 pack, {shown} shown to students").format(shown=shown)
        )
        if keep is not None:
            self.select_pack(keep)
        self._update_buttons()

    def rows(self) -> list[PackRow]:
        """The rows as the table shows them (filtered and sorted)."""
        return [
            self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
            for r in range(self.proxy.rowCount())
        ]

    def select_pack(self, pack_id: int) -> bool:
        """Select the row of ``pack_id``; False when it is not shown."""
        for r in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(r, 0))
            if self.model.rows[source.row()].id == pack_id:
                self.table.selectRow(r)
                return True
        return False

    def selected_row(self) -> PackRow | None:
        """The selected pack, if any."""
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.rows[self.proxy.mapToSource(indexes[0]).row()]

    def selected_id(self) -> int | None:
        row = self.selected_row()
        return row.id if row is not None else None

    # ------------------------------------------------------------ actions

    def start_import(self, path: str | os.PathLike[str] | None = None) -> ImportDialog | None:
        """Open the import preview for ``path`` (asking for a file when ``None``)."""
        if path is None:
            chosen = choose_import_file(self)
            if chosen is None:
                return None
            path = chosen
        if self.import_dialog is not None:
            self.import_dialog.close()
        dialog = ImportDialog(self.admin, path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._on_import_dialog_imported)
        dialog.destroyed.connect(self._on_import_dialog_destroyed)
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def set_enabled(self, pack_id: int, enabled: bool) -> None:
        """Show or hide a pack on the students' Home."""
        if self._do(lambda: self.admin.set_enabled(pack_id, enabled)):
            row = next((r for r in self.model.rows if r.id == pack_id), None)
            title = row.title if row is not None else ""
            self._status(
                self.tr("“{title}” is now shown to students.").format(title=title)
                if enabled
                else self.tr("“{title}” is now hidden from students.").format(title=title)
            )
            self.reload(select_id=pack_id)
            self.packs_changed.emit()

    def delete_selected(self) -> None:
        """Delete the selected pack after a confirmation that says what happens."""
        row = self.selected_row()
        if row is None or row.is_builtin:
            return
        if row.attempt_count == 0:
            attempts = self.tr("No attempt has used it yet.")
        elif row.attempt_count == 1:
            attempts = self.tr(
                "The 1 attempt made with it stays in the results and can still be reviewed."
            )
        else:
            attempts = self.tr(
                "The {n} attempts made with it stay in the results and can still be reviewed."
            ).format(n=row.attempt_count)
        question = self.tr(
            "Delete the pack “{title}” (version {version}, {questions} in "
            "{lessons})?\n\nStudents will no longer see it and it leaves this list. "
            "{attempts}\n\nImporting the same file again brings it back."
        ).format(
            title=row.title,
            version=row.version,
            questions=common.plural(row.question_count, self.tr("question"), self.tr("questions")),
            lessons=common.plural(row.lesson_count, self.tr("lesson"), self.tr("lessons")),
            attempts=attempts,
        )
        if not common.confirm(
            self,
            self.tr("Delete “{title}”?").format(title=row.title),
            question,
            self.tr("Delete “{title}”").format(title=row.title),
            self.tr("Keep it"),
        ):
            return
        if self._do(lambda: self.admin.delete_pack(row.id)):
            self._status(self.tr("“{title}” was deleted.").format(title=row.title))
            self.reload()
            self.packs_changed.emit()

    def export_selected(self) -> str | None:
        """Ask where, then export the selected pack as JSON or GIFT; the path written."""
        row = self.selected_row()
        if row is None:
            return None
        path = choose_export_file(self, f"{row.key}.json")
        if path is None:
            return None
        written = common.guarded(self, lambda: self.admin.export_pack(row.id, path))
        if written is None:
            return None
        self._status(
            self.tr("“{title}” was exported to {path}.").format(title=row.title, path=path)
        )
        return str(written)

    def activate_primary(self) -> None:
        """Enter: Import… (not while typing in the filter box)."""
        if not self.filter_edit.hasFocus():
            self.import_button.click()

    # ------------------------------------------------------------ helpers

    def _do(self, call: Callable[[], None]) -> bool:
        """Run a change; on a :class:`QuizAppError` show it and return False."""
        try:
            call()
        except QuizAppError as error:
            common.show_error(self, error)
            return False
        return True

    def _status(self, text: str) -> None:
        self.status_label.setText(text)

    def _update_buttons(self) -> None:
        row = self.selected_row()
        has = row is not None
        self.export_button.setEnabled(has)
        self.toggle_button.setEnabled(has)
        self.delete_button.setEnabled(has and row is not None and not row.is_builtin)
        if row is not None and row.is_builtin:
            self.delete_button.setToolTip(
                self.tr("The built-in pack cannot be deleted; hide it instead")
            )
        else:
            self.delete_button.setToolTip(
                self.tr("Delete the selected pack (asks first; attempts stay reviewable)")
            )
        if row is not None and not row.enabled:
            self.toggle_button.setText(self.tr("Show to students"))
        else:
            self.toggle_button.setText(self.tr("Hide from students"))
        if row is None:
            self.detail_label.setText(self.tr("Select a pack to export, hide or delete it."))
            return
        self.detail_label.setText(
            self.tr(
                "“{title}” (id {key}), version {version}: {lessons}, {questions}; "
                "imported {when}; used by {attempts}; {shown}."
            ).format(
                title=row.title,
                key=row.key,
                version=row.version,
                lessons=common.plural(row.lesson_count, self.tr("lesson"), self.tr("lessons")),
                questions=common.plural(
                    row.question_count, self.tr("question"), self.tr("questions")
                ),
                when=local_time(row.imported_at),
                attempts=common.plural(row.attempt_count, self.tr("attempt"), self.tr("attempts")),
                shown=self.tr("shown to students") if row.enabled else self.tr("hidden"),
            )
        )

    # ------------------------------------------------------------ slots

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_buttons()

    def _on_selection_changed(self, *_args: object) -> None:
        self._update_buttons()

    def _on_model_toggle(self, pack_id: int, enabled: bool) -> None:
        self.set_enabled(pack_id, enabled)

    def _on_import_button_clicked(self) -> None:
        self.start_import()

    def _on_export_button_clicked(self) -> None:
        self.export_selected()

    def _on_toggle_button_clicked(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.set_enabled(row.id, not row.enabled)

    def _on_delete_button_clicked(self) -> None:
        self.delete_selected()

    def _on_import_dialog_imported(self, report: PackInstallReport) -> None:
        if report.created:
            what = self.tr("Imported “{title}”: {questions}.").format(
                title=report.title,
                questions=common.plural(
                    report.questions_added, self.tr("question"), self.tr("questions")
                ),
            )
        elif report.changed:
            what = self.tr(
                "Imported a new version of “{title}”: {added} questions added, {revised} "
                "changed, {removed} removed, {same} unchanged."
            ).format(
                title=report.title,
                added=report.questions_added,
                revised=report.questions_revised,
                removed=report.questions_removed,
                same=report.questions_unchanged,
            )
        else:
            what = self.tr("“{title}” was already up to date: nothing changed.").format(
                title=report.title
            )
        self._status(what)
        self.reload(select_id=report.pack_id)
        self.packs_changed.emit()

    def _on_import_dialog_destroyed(self) -> None:
        self.import_dialog = None


__all__ = ["PackTableModel", "PacksPage", "choose_export_file", "choose_import_file"]
