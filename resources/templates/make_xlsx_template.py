"""Build questions-template.xlsx from questions-template.csv (run after editing the CSV).

    python resources/templates/make_xlsx_template.py

The workbook has one sheet, "questions", with the same header and example rows as the
CSV, a bold frozen header row and wrapped text, so teachers can start from either file.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
WIDTHS = {"lesson": 14, "question": 48, "correct": 10, "explanation": 48}


def main() -> None:
    """Write questions-template.xlsx beside this script."""
    with (HERE / "questions-template.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "questions"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, name in enumerate(rows[0], start=1):
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 16)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    workbook.save(HERE / "questions-template.xlsx")


if __name__ == "__main__":
    main()
