"""The unit report as XLSX, CSV (UTF-8 with BOM) or printable HTML with an SVG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tinbai import sheets
from tinbai.reports.chart import bar_chart
from tinbai.reports.data import OTHER_KIND, UnitReport

DEFAULT_ORG = "LIÊN ĐOÀN LAO ĐỘNG TỈNH"

UNIT_HEADERS = ("STT", "Nhóm đơn vị", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng", "Chỉ tiêu",
                "Đánh giá")
#: The column added after "Gửi đến" when a unit kind needs approval (issue 15).
APPROVED_HEADER = "Đơn vị đã duyệt"


def _with_approval(report: UnitReport, values: list[Any], approved: Any,
                   at: int) -> list[Any]:
    """``values`` with the "approved by the unit" value inserted at ``at`` when the report
    has that column."""
    return [*values[:at], approved, *values[at:]] if report.has_approval else values


def unit_headers(report: UnitReport) -> tuple[str, ...]:
    """The headers of the unit table (CSV)."""
    return tuple(_with_approval(report, list(UNIT_HEADERS), APPROVED_HEADER, 4))
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
            out.append(_with_approval(report, [index, group.label, row.name, row.received,
                                               row.accepted, row.published, row.quota_text,
                                               row.verdict], row.approved_text, 4))
    return out


def people_rows(report: UnitReport) -> list[list[Any]]:
    return [
        [index, p.author, p.unit, len(p.items),
         "; ".join(f"{i.title} ({_vn_date(i.published_date)})" for i in p.items)]
        for index, p in enumerate(report.public_people, start=1)
    ]


def write_csv(report: UnitReport, path: Path) -> None:
    """The unit table; after one empty row, the public list of individuals."""
    sheets.write_csv(path, [
        unit_headers(report),
        *unit_rows(report),
        _with_approval(report, ["", "Tổng cộng", "", report.received, report.accepted,
                                report.published, "", ""], report.approved, 4),
        [],
        [f"Danh sách công khai cá nhân có tin, bài được đăng — {report.period.label}"],
        PEOPLE_HEADERS,
        *people_rows(report),
    ])


def write_xlsx(report: UnitReport, path: Path, *, org: str = DEFAULT_ORG) -> None:
    """Sheet "Theo đơn vị" (grouped by kind, subtotals, total) and "Danh sách công khai"."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Theo đơn vị"
    bold, border = sheets.BOLD, sheets.BORDER
    group_fill = PatternFill("solid", fgColor="ECEFF1")
    ws["A1"] = org
    ws["A1"].font = bold
    ws["A2"] = f"BÁO CÁO KẾT QUẢ GỬI TIN, BÀI THEO ĐƠN VỊ — {report.period.label.upper()}"
    ws["A2"].font = sheets.TITLE
    ws["A3"] = (f"Từ {report.period.start.strftime('%d/%m/%Y')} đến "
                f"{report.period.end.strftime('%d/%m/%Y')} · lập lúc {report.generated_at}")
    headers = tuple(_with_approval(report, ["STT", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng",
                                            "Chỉ tiêu", "Đánh giá"], APPROVED_HEADER, 3))
    widths = tuple(_with_approval(report, [6, 46, 10, 10, 10, 10, 12], 12, 3))
    last = len(headers)
    header_row = 5
    sheets.header_row(ws, header_row, headers, widths)
    r = header_row
    for group in report.groups:
        r += 1
        cell = ws.cell(row=r, column=1, value=group.label + (
            f" — chỉ tiêu {group.quota_text}" if group.quota_text != "—" else ""))
        cell.font = bold
        for col in range(1, last + 1):
            ws.cell(row=r, column=col).fill = group_fill
            ws.cell(row=r, column=col).border = border
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        for index, row in enumerate(group.rows, start=1):
            r += 1
            values: list[Any] = _with_approval(report, [
                index, row.name, row.received, row.accepted, row.published, row.quota_text,
                row.verdict], row.approved_text, 3)
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col, value=value)
                cell.border = border
                if col == last and row.met is not None:
                    cell.font = Font(bold=True, color="2E7D32" if row.met else "C62828")
                if col == last - 1:
                    cell.alignment = Alignment(horizontal="right")
        r += 1
        for col, value in enumerate(_with_approval(report, [
                "", f"Cộng {group.label}", group.received, group.accepted, group.published,
                "", ""], group.approved, 3), start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font = sheets.ITALIC
            cell.border = border
    r += 1
    for col, value in enumerate(_with_approval(report, [
            "", "Tổng cộng", report.received, report.accepted, report.published, "", ""],
            report.approved, 3), start=1):
        cell = ws.cell(row=r, column=col, value=value)
        cell.font = bold
        cell.border = border
    if report.has_derived_quota:
        ws.cell(row=r + 2, column=1,
                value="(*) Chỉ tiêu suy ra theo tỷ lệ thời gian từ chỉ tiêu đã giao.")
    sheets.print_setup(ws, header_row)

    pl = wb.create_sheet("Danh sách công khai")
    pl["A1"] = (f"DANH SÁCH CÁC ĐƠN VỊ, CÁ NHÂN CÓ TIN, BÀI ĐƯỢC ĐĂNG — "
                f"{report.period.label.upper()}")
    pl["A1"].font = sheets.TITLE
    pl["A3"] = "Đơn vị"
    pl["A3"].font = bold
    row_no = 4
    sheets.header_row(pl, row_no, ("STT", "Đơn vị", "Số tin, bài"))
    for index, (name, count) in enumerate(report.public_units, start=1):
        row_no += 1
        for col, value in enumerate((index, name, count), start=1):
            pl.cell(row=row_no, column=col, value=value).border = border
    row_no += 2
    pl.cell(row=row_no, column=1, value="Cá nhân").font = bold
    row_no += 1
    sheets.header_row(pl, row_no, PEOPLE_HEADERS)
    for values in people_rows(report):
        row_no += 1
        for col, value in enumerate(values, start=1):
            cell = pl.cell(row=row_no, column=col, value=value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=col == 5)
    for col, width in enumerate((6, 28, 40, 12, 70), start=1):
        pl.column_dimensions[get_column_letter(col)].width = width
    sheets.save(wb, path, f"Báo cáo tin, bài theo đơn vị {report.period.code}")


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
