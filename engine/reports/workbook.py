"""The monthly tables written for a spreadsheet: one ``.xlsx`` workbook with a sheet per
table (title row, period row, frozen header, number formats, widths, a 合计 row), or a
zip of CSV files, one per table, UTF-8 with a BOM so that Excel reads the Chinese.

In the workbook a rate is a fraction shown as a percentage (the cell holds the API's
value); in the CSV it is written as a percentage with 2 decimals (``93.75``), as its
header says (``（%）``). A figure without a value (a rate without a denominator) is an
empty cell in both.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from engine.reports.monthly import Column, Table

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MEDIA_TYPE = "application/zip"
_FORMATS = {"count": "0", "rate": "0.00%", "days": "0.00"}
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed: the same tables give the same bytes


def headers(table: Table) -> list[str]:
    return ["编码", table.group_header, *(c.header for c in table.columns)]


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """The workbook: one sheet per table, named 表1 … 表6."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in tables:
        _sheet(book, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(book: Workbook, table: Table) -> None:
    sheet = book.create_sheet(f"表{table.spec.number}")
    names = headers(table)
    width = len(names)
    sheet.append([table.title])
    sheet.append([_period_line(table)])
    sheet.append(names)
    for row, size in ((1, 14), (2, 10)):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = sheet.cell(row=row, column=1)
        cell.font = Font(bold=row == 1, size=size)
        cell.alignment = Alignment(horizontal="center" if row == 1 else "left")
    sheet.row_dimensions[3].height = 36
    for index in range(1, width + 1):
        cell = sheet.cell(row=3, column=index)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for code, name, values in table.rows:
        sheet.append([code, name, *values])
        _format_row(sheet, sheet.max_row, table.columns)
    sheet.append([None, "合计", *table.total])
    last = sheet.max_row
    _format_row(sheet, last, table.columns)
    for index in range(1, width + 1):
        sheet.cell(row=last, column=index).font = Font(bold=True)
        sheet.cell(row=last, column=index).fill = _TOTAL_FILL
    sheet.freeze_panes = "C4"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = max(
        12, min(30, 2 * max((len(r[1]) for r in table.rows), default=4) + 2)
    )
    for index, col in enumerate(table.columns, start=3):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(col.header) + 4)
    sheet.print_title_rows = "1:3"
    sheet.page_setup.orientation = "landscape"


def _format_row(sheet: Any, row: int, columns: list[Column]) -> None:
    for index in (1, 2):
        sheet.cell(row=row, column=index).border = _BORDER
    for index, col in enumerate(columns, start=3):
        cell = sheet.cell(row=row, column=index)
        cell.number_format = _FORMATS[col.kind]
        cell.border = _BORDER


def _period_line(table: Table) -> str:
    period = table.period
    return (
        f"填报单位：{table.unit_name}　统计期：{table.period_title}"
        f"（{period.first:%Y-%m-%d} 至 {period.last:%Y-%m-%d}，截至 {table.as_of_text}）"
    )


def csv_text(table: Table) -> str:
    """One table as CSV text: the header row, a row per group, the 合计 row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(table))
    for code, name, values in table.rows:
        writer.writerow([code or "", name, *_csv_values(values, table.columns)])
    writer.writerow(["", "合计", *_csv_values(table.total, table.columns)])
    return out.getvalue()


def csv_name(table: Table) -> str:
    return f"表{table.spec.number}_{table.spec.title}.csv"


def csv_zip(tables: Sequence[Table]) -> bytes:
    """A zip with one CSV per table (``表1_全县办件情况（按乡镇）.csv`` …), UTF-8 with BOM."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            entry = zipfile.ZipInfo(csv_name(table), _ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, ("\ufeff" + csv_text(table)).encode("utf-8"))
    return out.getvalue()


def _csv_values(values: list[Any], columns: list[Column]) -> list[str]:
    shown = []
    for value, col in zip(values, columns, strict=True):
        if value is None:
            shown.append("")
        elif col.kind == "rate":
            shown.append(f"{value * 100:.2f}")
        else:
            shown.append(str(value))
    return shown
