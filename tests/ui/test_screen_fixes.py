"""The tester's last screen fixes: import preview wording on an unchanged re-import,
PDF permissions and layout, file dialogs' starting folder, history header times,
the quizzes page's empty state."""

from __future__ import annotations

from pathlib import Path

from quizapp.services.container import Services
from quizapp.services.pack_admin import PackAdmin
from quizapp.ui.teacher.import_dialog import ImportDialog

GIFT = """\
::Nile:: Which river flows through Cairo? {=Nile ~Amazon ~Danube}

::Alps:: Mont Blanc is in the Alps. {T}
"""


def _preview_text(qtbot, admin: PackAdmin, path: Path) -> str:  # type: ignore[no-untyped-def]
    dialog = ImportDialog(admin, path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    return dialog.report_text()


def test_reimporting_an_unchanged_file_says_no_change(
    qtbot, services: Services, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rivers.gift"
    path.write_text(GIFT, encoding="utf-8")
    admin = PackAdmin(services.database.sessions)
    assert "This is a new pack on this computer." in _preview_text(qtbot, admin, path)
    admin.import_file(path)

    text = _preview_text(qtbot, admin, path)
    assert "No change: this pack is already installed exactly as in this file." in text
    assert "New version of" not in text

    path.write_text(GIFT.replace("flows through", "runs through"), encoding="utf-8")
    text = _preview_text(qtbot, admin, path)
    assert "New version of “rivers”" in text
    assert "1 question changed, 0 added, 0 removed" in text
