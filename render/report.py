"""The per-agency task report as .csv and .xlsx (openpyxl)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HEADER = ("Cơ quan chủ trì", "Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Đang thực hiện trong hạn", "Quá hạn", "Tổng")


def write_csv(rows: Sequence[Sequence[object]], path: Path) -> Path:
    """Write the table (header first) as UTF-8 CSV with a BOM, which Excel opens with its diacritics."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(rows: Sequence[Sequence[object]], path: Path, *, title: str) -> Path:
    """Write the table as an .xlsx sheet with a title line and a bold header."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "Báo cáo"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(list(HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 48
    for column in "BCDEF":
        sheet.column_dimensions[column].width = 16
    book.save(str(path))
    return path
