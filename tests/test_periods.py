"""Period parsing (SPEC §7): month, quarter, half-year, year; Vietnam-time boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from tinbai.clock import local_date
from tinbai.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "code", "label"),
    [
        ("2026-10", "month", date(2026, 10, 1), date(2026, 10, 31), "2026-10", "Tháng 10/2026"),
        ("2026-2", "month", date(2026, 2, 1), date(2026, 2, 28), "2026-02", "Tháng 2/2026"),
        ("2028-02", "month", date(2028, 2, 1), date(2028, 2, 29), "2028-02", "Tháng 2/2028"),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 9, 30), "2026-Q3", "Quý III/2026"),
        ("2026-q1", "quarter", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1", "Quý I/2026"),
        ("2026-H1", "half", date(2026, 1, 1), date(2026, 6, 30), "2026-H1",
         "6 tháng đầu năm 2026"),
        ("2026-H2", "half", date(2026, 7, 1), date(2026, 12, 31), "2026-H2",
         "6 tháng cuối năm 2026"),
        (" 2026 ", "year", date(2026, 1, 1), date(2026, 12, 31), "2026", "Năm 2026"),
    ],
)
def test_parse(text: str, kind: str, start: date, end: date, code: str, label: str) -> None:
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.code, period.label) == (
        kind, start, end, code, label)
    assert parse_period(period.code) == period
    assert parse_period(period.label) == period  # what the pages show reads back


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12/2026", "2026-12"), ("tháng 12/2026", "2026-12"), ("Tháng 12 năm 2026", "2026-12"),
        ("T12/2026", "2026-12"), ("2026/10", "2026-10"), ("3-2026", "2026-03"),
        ("Q4/2026", "2026-Q4"), ("q4 2026", "2026-Q4"), ("Q3-2026", "2026-Q3"),
        ("quý 4 2026", "2026-Q4"), ("Quý IV/2026", "2026-Q4"), ("QUY IV NAM 2026", "2026-Q4"),
        ("quý 4 năm 2026", "2026-Q4"), ("kỳ quý 3/2026", "2026-Q3"),
        ("H1/2026", "2026-H1"), ("6 tháng đầu năm 2026", "2026-H1"),
        ("6 thang cuoi nam 2026", "2026-H2"), ("nửa cuối năm 2026", "2026-H2"),
        ("năm 2026", "2026"), ("Năm  2026", "2026"),
    ],
)
def test_the_ways_people_write_periods(text: str, code: str) -> None:
    """The queue, the finance page, the report page and the commands share this parser."""
    assert parse_period(text).code == code


@pytest.mark.parametrize("text", ["", "2026-13", "2026-00", "2026-Q5", "2026-H3", "26-Q1",
                                  "quý 3", "13/2026", "6 tháng 2026", "2026 2027",
                                  "tháng 2026", "quý 5/2026", "1899"])
def test_bad_periods_name_the_accepted_forms(text: str) -> None:
    with pytest.raises(PeriodError,
                       match=r"^Kỳ «.*» không hợp lệ: .*2026-10.*2026-Q3.*2026-H1.*\(2026\)"):
        parse_period(text)


def test_boundaries_are_in_vietnam_time() -> None:
    q4 = parse_period("2026-Q4")
    assert q4.start_utc_iso() == "2026-09-30T17:00:00+00:00"
    assert q4.end_utc_iso() == "2026-12-31T17:00:00+00:00"
    assert local_date("2026-09-30T17:30:00+00:00") == date(2026, 10, 1)
    assert local_date("2026-09-30T16:59:59+00:00") == date(2026, 9, 30)
    assert local_date("2026-07-01") == date(2026, 7, 1)
    assert local_date("garbage") is None and local_date(None) is None
    assert parse_period("2026-Q3").label_ascii == "quy III/2026"
    assert parse_period("2026-Q3").months == 3
