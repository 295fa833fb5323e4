"""The unit report as XLSX, CSV (UTF-8 with BOM) or printable HTML with an SVG chart."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from tinbai.finance.export import csv_safe, no_formulas
from tinbai.reports.chart import bar_chart
from tinbai.reports.data import OTHER_KIND, UnitReport

DEFAULT_ORG = "LIÊN ĐOÀN LAO ĐỘNG TỈNH"

UNIT_HEADERS = ("STT", "Nhóm đơn vị", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng", "Chỉ tiêu",
                "Đánh giá")
PEOPLE_HEADERS = ("STT", "Họ và tên", "Đơn vị", "Số tin, bài", "Tin, bài đã đăng")

_PERIOD_WORDS = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm"}


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("tinbai.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True, lstrip_blocks=True,
    )


def _vn_date(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else day


def render_html(report: UnitReport, *, org: str = DEFAULT_ORG) -> str:
    """A self-contained HTML page (inline CSS and SVG) that prints on A4."""
    env = _env()
    css = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    rows = [r for r in report.all_rows if r.kind != OTHER_KIND and r.quota is not None]
    return env.get_template("units.html.j2").render(
        r=report, css=css, chart=bar_chart(report), org=org,
        met=sum(1 for r in rows if r.met), with_quota=len(rows),
        period_word=_PERIOD_WORDS[report.period.kind],
    )


def unit_rows(report: UnitReport) -> list[list[Any]]:
    """Data rows of the unit table (numbered within each group)."""
    out: list[list[Any]] = []
    for group in report.groups:
        for index, row in enumerate(group.rows, start=1):
            out.append([index, group.label, row.name, row.received, row.accepted,
                        row.published, row.quota_text, row.verdict])
    return out


def people_rows(report: UnitReport) -> list[list[Any]]:
    return [
        [index, p.author, p.unit, len(p.items),
         "; ".join(f"{i.title} ({_vn_date(i.published_date)})" for i in p.items)]
        for index, p in enumerate(report.public_people, start=1)
    ]


def write_csv(report: UnitReport, path: Path) -> None:
    """The unit table; after one empty row, the public list of individuals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(UNIT_HEADERS)
    writer.writerows([[csv_safe(v) for v in row] for row in unit_rows(report)])
    writer.writerow(["", "Tổng cộng", "", report.received, report.accepted, report.published,
                     "", ""])
    writer.writerow([])
    writer.writerow([f"Danh sách công khai cá nhân có tin, bài được đăng — {report.period.label}"])
    writer.writerow(PEOPLE_HEADERS)
    writer.writerows([[csv_safe(v) for v in row] for row in people_rows(report)])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def write_xlsx(report: UnitReport, path: Path, *, org: str = DEFAULT_ORG) -> None:
    """Sheet "Theo đơn vị" (grouped by kind, subtotals, total) and "Danh sách công khai"."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Theo đơn vị"
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    group_fill = PatternFill("solid", fgColor="ECEFF1")
    ws["A1"] = org
    ws["A1"].font = bold
    ws["A2"] = f"BÁO CÁO KẾT QUẢ GỬI TIN, BÀI THEO ĐƠN VỊ — {report.period.label.upper()}"
    ws["A2"].font = Font(bold=True, size=13)
    ws["A3"] = (f"Từ {report.period.start.strftime('%d/%m/%Y')} đến "
                f"{report.period.end.strftime('%d/%m/%Y')} · lập lúc {report.generated_at}")
    headers = ("STT", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng", "Chỉ tiêu", "Đánh giá")
    widths = (6, 46, 10, 10, 10, 10, 12)
    header_row = 5
    for col, (head, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=header_row, column=col, value=head)
        cell.font = bold
        cell.fill = head_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    r = header_row
    for group in report.groups:
        r += 1
        cell = ws.cell(row=r, column=1, value=group.label + (
            f" — chỉ tiêu {group.quota_text}" if group.quota_text != "—" else ""))
        cell.font = bold
        for col in range(1, 8):
            ws.cell(row=r, column=col).fill = group_fill
            ws.cell(row=r, column=col).border = border
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=7)
        for index, row in enumerate(group.rows, start=1):
            r += 1
            values: list[Any] = [index, row.name, row.received, row.accepted, row.published,
                                 row.quota_text, row.verdict]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col, value=value)
                cell.border = border
                if col == 7 and row.met is not None:
                    cell.font = Font(bold=True, color="2E7D32" if row.met else "C62828")
                if col == 6:
                    cell.alignment = Alignment(horizontal="right")
        r += 1
        for col, value in enumerate(["", f"Cộng {group.label}", group.received, group.accepted,
                                     group.published, "", ""], start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font = Font(italic=True)
            cell.border = border
    r += 1
    for col, value in enumerate(["", "Tổng cộng", report.received, report.accepted,
                                 report.published, "", ""], start=1):
        cell = ws.cell(row=r, column=col, value=value)
        cell.font = bold
        cell.border = border
    if report.has_derived_quota:
        ws.cell(row=r + 2, column=1,
                value="(*) Chỉ tiêu suy ra theo tỷ lệ thời gian từ chỉ tiêu đã giao.")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"

    pl = wb.create_sheet("Danh sách công khai")
    pl["A1"] = (f"DANH SÁCH CÁC ĐƠN VỊ, CÁ NHÂN CÓ TIN, BÀI ĐƯỢC ĐĂNG — "
                f"{report.period.label.upper()}")
    pl["A1"].font = Font(bold=True, size=13)
    pl["A3"] = "Đơn vị"
    pl["A3"].font = bold
    row_no = 4
    for col, head in enumerate(("STT", "Đơn vị", "Số tin, bài"), start=1):
        cell = pl.cell(row=row_no, column=col, value=head)
        cell.font = bold
        cell.fill = head_fill
        cell.border = border
    for index, (name, count) in enumerate(report.public_units, start=1):
        row_no += 1
        for col, value in enumerate((index, name, count), start=1):
            pl.cell(row=row_no, column=col, value=value).border = border
    row_no += 2
    pl.cell(row=row_no, column=1, value="Cá nhân").font = bold
    row_no += 1
    for col, head in enumerate(PEOPLE_HEADERS, start=1):
        cell = pl.cell(row=row_no, column=col, value=head)
        cell.font = bold
        cell.fill = head_fill
        cell.border = border
    for values in people_rows(report):
        row_no += 1
        for col, value in enumerate(values, start=1):
            cell = pl.cell(row=row_no, column=col, value=value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=col == 5)
    for col, width in enumerate((6, 28, 40, 12, 70), start=1):
        pl.column_dimensions[get_column_letter(col)].width = width
    no_formulas(wb)
    wb.properties.title = f"Báo cáo tin, bài theo đơn vị {report.period.code}"
    wb.properties.creator = "tinbai"
    wb.save(path)


def write_report(report: UnitReport, path: Path, fmt: str, *, org: str = DEFAULT_ORG) -> None:
    """Write ``report`` as ``fmt`` (xlsx, csv or html)."""
    if fmt == "xlsx":
        write_xlsx(report, path, org=org)
    elif fmt == "csv":
        write_csv(report, path)
    elif fmt == "html":
        path.write_text(render_html(report, org=org), encoding="utf-8")
    else:
        raise ValueError(f"format {fmt!r}: use xlsx, csv or html")
