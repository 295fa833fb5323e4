"""Unit reports on the pipeline-built world of test_finance (hand counts in its docstring).

Hand counts for 2026-Q3 (reception dates in Vietnam time; M2 arrived 00:30 on 1 October):

=================================  ========  ========  =========  =====  ========
unit                               received  accepted  published  quota  verdict
=================================  ========  ========  =========  =====  ========
LĐLĐ huyện Chợ Đồn                 4 (A1-4)  4         4          3      Đạt
Công đoàn ngành Giáo dục           1 (M1)    1         1          3      Chưa đạt
Công đoàn ngành Y tế               2 (Y1,2)  1 (Y2)    0          3      Chưa đạt
CĐCS Công ty TNHH May Chợ Mới      4 (L1-4)  4         4          ½*     Đạt
CĐCS Trường THPT Chợ Đồn           1 (G1)    1         1 (G1)     ½*     Đạt
Khác: CĐCS Xí nghiệp Xi măng …     1 (T1)    1         1          —      —
=================================  ========  ========  =========  =====  ========
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from headless import chromium, require_chromium
from openpyxl import load_workbook
from test_finance import World, _publish, build_world

from tinbai.config import QuotaConfig
from tinbai.reports.data import build_unit_report, quota_for

DOCS_PNG = Path(__file__).resolve().parent.parent / "docs" / "report-units.png"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(tmp_path_factory.mktemp("report-world"))
    _publish(built, "G1", ("2026-09-28", "bai", "2.0"))
    yield built


def test_quota_derivation_from_the_quota_table() -> None:
    huyen = QuotaConfig(month=1, quarter=3, half=6, year=12)
    co_so = QuotaConfig(half=1, year=2)
    year_only = QuotaConfig(year=12)
    monthly = QuotaConfig(month=2)
    assert quota_for(huyen, "quarter") == (Fraction(3), False)
    assert quota_for(co_so, "half") == (Fraction(1), False)
    assert quota_for(co_so, "quarter") == (Fraction(1, 2), True)  # from the half-year
    assert quota_for(co_so, "month") == (Fraction(1, 6), True)
    assert quota_for(year_only, "quarter") == (Fraction(3), True)
    assert quota_for(monthly, "year") == (Fraction(24), True)
    assert quota_for(QuotaConfig(), "year") == (None, False)


def _table(world: World, period: str) -> dict[str, tuple[int, int, int, str, str]]:
    store = world.store()
    try:
        from tinbai.periods import parse_period

        report = build_unit_report(store, world.config, parse_period(period))
    finally:
        store.close()
    return {r.name: (r.received, r.accepted, r.published, r.quota_text, r.verdict)
            for r in report.all_rows}


def test_q3_figures_match_hand_counts(world: World) -> None:
    assert _table(world, "2026-Q3") == {
        "LĐLĐ huyện Chợ Đồn": (4, 4, 4, "3", "Đạt"),
        "Công đoàn ngành Giáo dục": (1, 1, 1, "3", "Chưa đạt"),
        "Công đoàn ngành Y tế": (2, 1, 0, "3", "Chưa đạt"),
        "CĐCS Công ty TNHH May Chợ Mới": (4, 4, 4, "0,5*", "Đạt"),
        "CĐCS Trường THPT Chợ Đồn": (1, 1, 1, "0,5*", "Đạt"),
        "CĐCS Xí nghiệp Xi măng Bắc Kạn": (1, 1, 1, "—", "—"),
    }


def test_q4_month_and_year_figures(world: World) -> None:
    q4 = _table(world, "2026-Q4")
    assert q4["LĐLĐ huyện Chợ Đồn"] == (1, 1, 1, "3", "Chưa đạt")
    assert q4["Công đoàn ngành Giáo dục"] == (1, 1, 1, "3", "Chưa đạt")  # M2, 1 Oct VN time
    assert q4["CĐCS Trường THPT Chợ Đồn"] == (1, 1, 1, "0,5*", "Đạt")
    assert q4["Công đoàn ngành Y tế"] == (0, 0, 0, "3", "Chưa đạt")
    assert "CĐCS Xí nghiệp Xi măng Bắc Kạn" not in q4
    september = _table(world, "2026-09")
    assert september["LĐLĐ huyện Chợ Đồn"] == (2, 2, 2, "1", "Đạt")
    assert september["Công đoàn ngành Giáo dục"] == (0, 0, 0, "1", "Chưa đạt")
    year = _table(world, "2026")
    assert year["LĐLĐ huyện Chợ Đồn"] == (5, 5, 5, "12", "Chưa đạt")
    assert year["CĐCS Công ty TNHH May Chợ Mới"] == (4, 4, 4, "2", "Đạt")
    assert year["CĐCS Trường THPT Chợ Đồn"] == (2, 2, 2, "2", "Đạt")
    assert sum(v[0] for v in year.values()) == 16
    h2 = _table(world, "2026-H2")
    assert h2["CĐCS Trường THPT Chợ Đồn"] == (2, 2, 2, "1", "Đạt")


def test_public_list_of_the_quarter(world: World) -> None:
    store = world.store()
    from tinbai.periods import parse_period

    report = build_unit_report(store, world.config, parse_period("2026-Q3"))
    store.close()
    assert report.public_units == [
        ("CĐCS Công ty TNHH May Chợ Mới", 4), ("LĐLĐ huyện Chợ Đồn", 4),
        ("CĐCS Trường THPT Chợ Đồn", 1), ("CĐCS Xí nghiệp Xi măng Bắc Kạn", 1),
        ("Công đoàn ngành Giáo dục", 1),
    ]
    people = [(p.author, p.unit, len(p.items)) for p in report.public_people]
    assert people == [
        ("Hoàng Văn Hùng", "LĐLĐ huyện Chợ Đồn", 4),
        ("Nông Thị Lan", "CĐCS Công ty TNHH May Chợ Mới", 4),
        ("Đinh Văn Toàn", "CĐCS Xí nghiệp Xi măng Bắc Kạn", 1),
        ("Lục Văn Sơn", "CĐCS Trường THPT Chợ Đồn", 1),
        ("Triệu Thị Mai", "Công đoàn ngành Giáo dục", 1),
    ]


def test_report_files_xlsx_csv_html(world: World, tmp_path: Path) -> None:
    xlsx = tmp_path / "q3.xlsx"
    assert world.cli("report", "units", "--period", "2026-Q3", "--format", "xlsx",
                     "-o", str(xlsx)) == 0
    wb = load_workbook(xlsx)
    ws = wb["Theo đơn vị"]
    assert ws["A2"].value == "BÁO CÁO KẾT QUẢ GỬI TIN, BÀI THEO ĐƠN VỊ — QUÝ III/2026"
    assert [c.value for c in ws[5]] == ["STT", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng",
                                       "Chỉ tiêu", "Đánh giá"]
    rows = [list(r) for r in ws.iter_rows(min_row=6, values_only=True)]
    assert rows[0][0] == "LĐLĐ huyện, công đoàn ngành — chỉ tiêu 3"
    assert rows[1] == [1, "LĐLĐ huyện Chợ Đồn", 4, 4, 4, "3", "Đạt"]
    assert rows[3] == [3, "Công đoàn ngành Y tế", 2, 1, 0, "3", "Chưa đạt"]
    assert rows[4] == [None, "Cộng LĐLĐ huyện, công đoàn ngành", 7, 6, 5, None, None]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    assert total[2:5] == [13, 12, 11]
    public = wb["Danh sách công khai"]
    assert public["A1"].value.endswith("QUÝ III/2026")

    out = tmp_path / "q3.csv"
    # the command reads periods as the pages do (tinbai.periods): "quý 3/2026" is 2026-Q3
    assert world.cli("report", "units", "--period", "quý 3/2026", "-o", str(out)) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    assert table[0] == ["STT", "Nhóm đơn vị", "Đơn vị", "Gửi đến", "Hợp lệ", "Đã đăng",
                        "Chỉ tiêu", "Đánh giá"]
    assert table[6] == ["1", "Khác/Không xác định", "CĐCS Xí nghiệp Xi măng Bắc Kạn", "1", "1",
                        "1", "—", "—"]

    html_path = tmp_path / "q3.html"
    assert world.cli("report", "units", "--period", "2026-Q3", "--format", "html",
                     "-o", str(html_path)) == 0
    html = html_path.read_text(encoding="utf-8")
    assert "@page { size: A4;" in html
    assert html.count("<svg") == 1 and "4/3" in html and "0/3" in html
    assert "Danh sách công khai các đơn vị, cá nhân" in html
    assert "0071000345678" not in html  # no bank data in a public report
    assert "&#34;" not in html.split("</style>")[0]  # CSS is not HTML-escaped


def test_bad_period_is_refused(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.cli("report", "units", "--period", "2026-Q5", "-o", "/dev/null") == 2
    assert "2026-Q3" in capsys.readouterr().err


def test_html_report_renders_in_chromium(world: World, tmp_path: Path) -> None:
    """Headless Chromium screenshot; with TINBAI_WRITE_DOCS=1 it refreshes docs/."""
    require_chromium()
    html_path = tmp_path / "q3.html"
    assert world.cli("report", "units", "--period", "2026-Q3", "-o", str(html_path)) == 0
    png = tmp_path / "report-units.png"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.goto(html_path.as_uri())
        bars = page.locator("svg rect").count()
        page.screenshot(path=str(png), full_page=True)
        page.pdf(path=str(tmp_path / "q3.pdf"), format="A4", print_background=True)
    assert bars > 10 and png.stat().st_size > 20_000
    assert (tmp_path / "q3.pdf").read_bytes().startswith(b"%PDF")
    if os.environ.get("TINBAI_WRITE_DOCS") == "1":
        DOCS_PNG.parent.mkdir(exist_ok=True)
        shutil.copyfile(png, DOCS_PNG)
