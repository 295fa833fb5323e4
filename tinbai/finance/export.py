"""The payment list of a batch as XLSX (openpyxl) or CSV (UTF-8 with BOM), per bank layout.

A layout (``royalties.payment_layouts`` in config.yaml) is an ordered list of columns,
each a field of the payee row and a header. Account numbers are always written as text
(a leading zero must survive Excel: a text cell in XLSX, ``="0071…"`` in CSV unless the
layout sets ``csv_excel_text: false`` for a bank that reads the CSV itself), amounts as
integer VND, coefficients as numbers, dates as dates (shown dd/mm/yyyy), genres by label.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from tinbai import formatting, sheets
from tinbai.config import Config, PaymentLayoutConfig
from tinbai.finance.batches import FLAG_LABELS, Batch, Payee, ascii_text
from tinbai.finance.money import vnd_in_words

VND_FORMAT = "#,##0"
DATE_FORMAT = "DD/MM/YYYY"
COEFFICIENT_FORMAT = "0.0#"
MONEY_FIELDS = frozenset({"gross", "tax", "net"})
TEXT_FIELDS = frozenset({"account_number", "bank_bin", "bank_code"})


class LayoutError(ValueError):
    """An unknown layout name; the message lists the configured ones."""


def layout_for(config: Config, name: str | None) -> PaymentLayoutConfig:
    """The named layout (default: ``royalties.default_layout``)."""
    layouts = config.royalties.payment_layouts
    key = name or config.royalties.default_layout
    if key not in layouts:
        raise LayoutError(
            f"Chưa có mẫu danh sách chi «{key}» trong cấu hình: hãy chọn một trong các mẫu "
            f"{', '.join(sorted(layouts))} (royalties.payment_layouts trong config.yaml)."
        )
    return layouts[key]


def items_text(payee: Payee) -> str:
    """``TB-2026-0001 — Title (15/07/2026)`` one per line."""
    lines = []
    for item in payee.items:
        day = item.published_date
        shown = f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else day
        lines.append(f"{item.ref} — {item.title} ({shown})")
    return "\n".join(lines)


def flag_text(payee: Payee) -> str:
    """Empty, or the flags with their confirmation state (Vietnamese)."""
    if not payee.flags:
        return ""
    labels = ", ".join(FLAG_LABELS.get(f, "Cần kiểm tra") for f in payee.flags)
    state = f"đã xác nhận ({payee.confirmed_by})" if payee.confirmed_by else "CHƯA XÁC NHẬN"
    return f"{labels} — {state}"


def cell_value(payee: Payee, field: str, layout: PaymentLayoutConfig) -> Any:
    """The value of one layout field for one payee."""
    values: dict[str, Any] = {
        "stt": payee.position,
        "author": payee.author,
        "account_holder": payee.account_holder,
        "account_number": payee.account_digits,
        "bank": payee.bank_short_name or "",
        "bank_code": payee.bank_code or "",
        "bank_bin": payee.bank_bin or "",
        "items": items_text(payee),
        "item_count": len(payee.items),
        "gross": payee.gross,
        "tax": payee.tax,
        "net": payee.net,
        "description": ascii_text(payee.description)[: layout.description_max_length],
        "flag": flag_text(payee),
    }
    return values[field]


def table_rows(batch: Batch, layout: PaymentLayoutConfig) -> list[list[Any]]:
    """Header row then one row per payee (no totals); text fields (account numbers)
    as :class:`tinbai.sheets.ExcelText` when the layout wants Excel to keep them text."""
    rows: list[list[Any]] = [[c.header for c in layout.columns]]
    for payee in batch.payees:
        row = []
        for column in layout.columns:
            value = cell_value(payee, column.field, layout)
            if column.field in TEXT_FIELDS and layout.csv_excel_text and value:
                value = sheets.ExcelText(value)
            row.append(value)
        rows.append(row)
    return rows


def write_csv(batch: Batch, layout: PaymentLayoutConfig, path: Path) -> None:
    """CSV, UTF-8 with BOM (Excel opens Vietnamese correctly), comma-separated, CRLF."""
    sheets.write_csv(path, table_rows(batch, layout))


def write_xlsx(
    batch: Batch, layout: PaymentLayoutConfig, path: Path, *,
    genre_labels: Mapping[str, str] | None = None,
) -> None:
    """An Excel workbook: a title, the list with a frozen header, totals, VND format.

    Sheet 1 "Danh sách chi" is the list in the layout's columns; sheet 2 "Chi tiết tin bài"
    lists every item with its coefficient, unit value and royalty so the figures can be
    checked.
    """
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách chi"
    bold, border = sheets.BOLD, sheets.BORDER
    flag_fill = PatternFill("solid", fgColor="FCE4D6")
    columns = layout.columns
    ws.cell(row=1, column=1, value=f"DANH SÁCH CHI NHUẬN BÚT — {batch.period_label.upper()}")
    ws.cell(row=1, column=1).font = sheets.TITLE
    ws.cell(row=2, column=1,
            value=f"Đợt {batch.code} · lập ngày {formatting.date_text(batch.created_at)} · "
                  f"ngày chi {formatting.date_text(batch.payment_date)} · {layout.label}")
    header_row = 4
    sheets.header_row(
        ws, header_row, [c.header for c in columns], [c.width or 16 for c in columns],
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    row = header_row
    for payee in batch.payees:
        row += 1
        for col, column in enumerate(columns, start=1):
            value = cell_value(payee, column.field, layout)
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=column.field in (
                "items", "description", "flag", "author"))
            if column.field in MONEY_FIELDS:
                cell.number_format = VND_FORMAT
            elif column.field in TEXT_FIELDS:
                cell.number_format = "@"
                cell.data_type = "s"
            if column.field == "flag" and payee.flags:
                cell.fill = flag_fill
                cell.font = Font(bold=True, color="9C0006")
    if layout.totals_row:
        row += 1
        fields = [c.field for c in columns]
        label_col = 1
        for index, field in enumerate(fields, start=1):
            if field in MONEY_FIELDS:
                total = {"gross": batch.total_gross, "tax": batch.total_tax,
                         "net": batch.total_net}[field]
                cell = ws.cell(row=row, column=index, value=total)
                cell.number_format = VND_FORMAT
                cell.font = bold
                cell.border = border
        first_money = next((i for i, f in enumerate(fields, start=1) if f in MONEY_FIELDS),
                           len(fields) + 1)
        if first_money > 1:
            label = ws.cell(row=row, column=label_col,
                            value=f"Tổng cộng ({len(batch.payees)} người, "
                                  f"{batch.item_count} tin, bài)")
            label.font = bold
            if first_money - 1 > label_col:
                ws.merge_cells(start_row=row, start_column=label_col, end_row=row,
                               end_column=first_money - 1)
        # What a paper payment list carries: the amount in words and the signatures.
        row += 2
        ws.cell(row=row, column=1,
                value=f"Số tiền thực nhận bằng chữ: {vnd_in_words(batch.total_net)}.").font = \
            sheets.ITALIC
        row += 2
        places = sorted({min(2, len(columns)), max(1, (len(columns) + 1) // 2), len(columns)})
        titles = ("NGƯỜI LẬP BIỂU", "KẾ TOÁN TRƯỞNG", "THỦ TRƯỞNG ĐƠN VỊ")[-len(places):]
        for col, title in zip(places, titles, strict=True):
            cell = ws.cell(row=row, column=col, value=title)
            cell.font = bold
            cell.alignment = sheets.CENTER
            ws.cell(row=row + 1, column=col, value="(Ký, ghi rõ họ tên)").alignment = \
                sheets.CENTER
    sheets.print_setup(ws, header_row, landscape=True)

    _detail_sheet(wb, batch, genre_labels or {})
    sheets.save(wb, path, f"Danh sách chi nhuận bút {batch.code}")


def _detail_sheet(wb: Workbook, batch: Batch, labels: Mapping[str, str]) -> None:
    """Sheet 2: every item with its date, genre, coefficient, unit value and royalty."""
    border = sheets.BORDER
    detail = wb.create_sheet("Chi tiết tin bài")
    heads = [("STT", 6), ("Tác giả", 24), ("Mã số", 14), ("Tít tin, bài", 50),
             ("Ngày đăng", 12), ("Thể loại", 10), ("Hệ số", 8), ("Giá trị 1 hệ số", 14),
             ("Nhuận bút", 14)]
    sheets.header_row(detail, 1, [h for h, _ in heads], [w for _, w in heads])
    r = 1
    for payee in batch.payees:
        for item in payee.items:
            r += 1
            values: list[Any] = [payee.position, payee.author, item.ref, item.title,
                                 date.fromisoformat(item.published_date),
                                 formatting.genre_text(item.genre, labels),
                                 Decimal(item.coefficient), item.unit_value, item.gross]
            for col, value in enumerate(values, start=1):
                cell = detail.cell(row=r, column=col, value=value)
                cell.border = border
                if col in (8, 9):
                    cell.number_format = VND_FORMAT
                elif col == 5:
                    cell.number_format = DATE_FORMAT
                elif col == 7:
                    cell.number_format = COEFFICIENT_FORMAT
    detail.freeze_panes = "A2"


def write_batch(
    batch: Batch, layout: PaymentLayoutConfig, path: Path, fmt: str, *,
    genre_labels: Mapping[str, str] | None = None,
) -> None:
    """Write ``batch`` as ``fmt`` (xlsx or csv) to ``path``; ``genre_labels`` name the
    genres (:func:`tinbai.formatting.genre_labels`)."""
    if fmt == "xlsx":
        write_xlsx(batch, layout, path, genre_labels=genre_labels)
    elif fmt == "csv":
        write_csv(batch, layout, path)
    else:
        raise ValueError(f"Định dạng tệp «{fmt}» không được hỗ trợ: hãy chọn xlsx hoặc csv.")
