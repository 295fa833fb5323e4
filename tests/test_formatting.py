"""Dates, numbers and names as Vietnamese office staff write them (tinbai/formatting.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tinbai import formatting as f
from tinbai.config import Config


def test_dates_and_times() -> None:
    assert f.date_text("2026-12-01") == "01/12/2026"
    assert f.date_text(date(2026, 7, 5)) == "05/07/2026"
    assert f.date_text("2026-09-30T17:30:00+00:00") == "01/10/2026"  # Vietnam's date
    assert f.date_text(None, "—") == "—" and f.date_text("bad") == "bad"
    assert f.datetime_text("2026-09-30T17:30:00+00:00") == "01/10/2026 00:30"  # 24 h
    assert f.datetime_text("2026-12-01T13:05:00+00:00") == "01/12/2026 20:05"
    assert f.exif_datetime_text("2026:11:03 09:31:00") == "03/11/2026 09:31"
    assert f.date_text(datetime(2026, 12, 1, 20, 0)) == "02/12/2026"  # naive = UTC


@pytest.mark.parametrize(("text", "day"), [
    ("15/10/2026", date(2026, 10, 15)), ("5/1/2027", date(2027, 1, 5)),
    ("15-10-2026", date(2026, 10, 15)), ("15.10.2026", date(2026, 10, 15)),
    ("2026-10-15", date(2026, 10, 15)), (" 01/12/2026 ", date(2026, 12, 1)),
    ("31/02/2026", None), ("10/15/2026", None), ("hôm qua", None), ("", None),
])
def test_dates_as_people_type_them(text: str, day: date | None) -> None:
    assert f.parse_date_text(text) == day


def test_numbers() -> None:
    assert f.number_text(1234567) == "1.234.567"
    assert f.money_text(187200) == "187.200 đ"
    assert f.decimal_text("0.8") == "0,8" and f.decimal_text(Decimal("2.50")) == "2,5"
    assert f.decimal_text("2.0") == "2" and f.decimal_text("1234.5") == "1.234,5"
    assert f.decimal_text(None, "—") == "—" and f.decimal_text("hai") == "hai"
    assert f.percent_text("0.10") == "10 %"
    assert f.bytes_text(4_215_331) == "4,2 MB" and f.bytes_text(5120) == "5 KB"
    assert f.size_text(4000, 3000) == "4000 × 3000"


def test_names() -> None:
    labels = f.genre_labels(Config())
    assert f.genre_text("bai", labels) == "Bài" and f.genre_text("anh", labels) == "Ảnh"
    assert f.genre_text("phong_su", labels) == "Phong su" and f.genre_text(None, labels) == ""
    assert f.actor_text("tinbai") == "Hệ thống" and f.actor_text("bientap") == "bientap"
    assert f.source_text("text") == "nội dung thư"
    assert f.source_text("html") == "nội dung thư (bản có định dạng)"
    assert f.source_text("docx:bai viet.docx") == "tệp Word «bai viet.docx»"
    assert f.source_text("") == "không rõ"


@pytest.mark.parametrize(("user_agent", "shown"), [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", "Edge trên Windows"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1", "Safari trên iPhone/iPad"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "coc_coc_browser/117.0.200 Chrome/111.0.0.0 Safari/537.36", "Cốc Cốc trên Windows"),
    ("Mozilla/5.0 (Linux; Android 13; SM-A525F) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/119.0.0.0 Mobile Safari/537.36", "Chrome trên Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0",
     "Firefox trên macOS"),
    ("curl/8.4.0", "Không rõ"),
    ("", "Không rõ"),
])
def test_a_browser_reads_as_people_name_it(user_agent: str, shown: str) -> None:
    assert f.browser_text(user_agent) == shown
