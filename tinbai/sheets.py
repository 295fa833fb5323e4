"""What every spreadsheet tinbai writes shares: one house style, CSV that Excel opens in
Vietnamese, and the guard against formulas planted in mail.

The payment lists (finance) and the unit reports (leadership) use it, so a clerk sees the
same headers, borders and print setup in both.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BOLD = Font(bold=True)
ITALIC = Font(italic=True)
TITLE = Font(bold=True, size=13)
_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTER = Alignment(horizontal="center")

#: First characters that make a spreadsheet treat text as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExcelText(str):
    """A CSV value Excel must keep as text (an account number's leading zeros): written
    as ``="0071000345678"``, the form Excel reads as a text formula. Only for values we
    make ourselves from digits, never for text from mail (see :func:`csv_safe`)."""


def csv_safe(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe (OWASP CSV injection);
    titles and names come from emails, so a contributor could otherwise plant one."""
    if isinstance(value, ExcelText):
        return f'="{value}"' if value.isdigit() else csv_safe(str(value))
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def no_formulas(wb: Workbook) -> None:
    """Store every cell openpyxl took for a formula (text starting with =) as text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


def write_csv(path: Path, rows: Iterable[Sequence[Any]]) -> None:
    """CSV, UTF-8 with BOM (Excel opens Vietnamese correctly), comma-separated, CRLF,
    every value through :func:`csv_safe`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_safe(value) for value in row] for row in rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def header_row(
    ws: Worksheet,
    row: int,
    heads: Sequence[str],
    widths: Sequence[float] | None = None,
    *,
    alignment: Alignment = CENTER,
) -> None:
    """Write a bold, shaded, bordered header in ``row``; set column widths when given."""
    for col, head in enumerate(heads, start=1):
        cell = ws.cell(row=row, column=col, value=head)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = alignment
        if widths is not None:
            ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]


def print_setup(ws: Worksheet, header: int, *, landscape: bool = False) -> None:
    """Freeze the rows down to ``header``, repeat it on every printed page, fit the width
    of an A4 page."""
    ws.freeze_panes = ws.cell(row=header + 1, column=1)
    ws.print_title_rows = f"{header}:{header}"
    if landscape:
        ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save(wb: Workbook, path: Path, title: str) -> None:
    """Neutralise formulas, set the document title and author, write ``path``."""
    no_formulas(wb)
    wb.properties.title = title
    wb.properties.creator = "tinbai"
    wb.save(path)
