"""Reporting and payment periods (SPEC §7): ``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``.

A period is a closed range of local calendar dates (Vietnam time, :mod:`tinbai.clock`):
the dates of ``received_at`` timestamps are taken in that zone, so a message received at
23:30 on 30 September Vietnam time counts in Q3 even though it is already 16:30 UTC.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Literal

from tinbai import clock

PeriodKind = Literal["month", "quarter", "half", "year"]

#: Months in one period of each kind.
MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}

_ROMAN = ("I", "II", "III", "IV")

_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    """A period that cannot be parsed; the message shows the accepted forms."""


@dataclass(frozen=True)
class Period:
    """A month, quarter, half-year or year: its kind, canonical code and date range."""

    kind: PeriodKind
    year: int
    index: int  # month 1-12, quarter 1-4, half 1-2, 1 for a year
    start: date
    end: date  # inclusive

    @property
    def code(self) -> str:
        """Canonical text: ``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``."""
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.kind == "half":
            return f"{self.year}-H{self.index}"
        return str(self.year)

    @property
    def label(self) -> str:
        """Vietnamese name: ``Tháng 10/2026``, ``Quý III/2026``, ``6 tháng đầu năm 2026``."""
        if self.kind == "month":
            return f"Tháng {self.index}/{self.year}"
        if self.kind == "quarter":
            return f"Quý {_ROMAN[self.index - 1]}/{self.year}"
        if self.kind == "half":
            return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"

    @property
    def label_ascii(self) -> str:
        """The label without diacritics (bank transfer descriptions)."""
        if self.kind == "month":
            return f"thang {self.index}/{self.year}"
        if self.kind == "quarter":
            return f"quy {_ROMAN[self.index - 1]}/{self.year}"
        if self.kind == "half":
            return f"6 thang {'dau' if self.index == 1 else 'cuoi'} nam {self.year}"
        return f"nam {self.year}"

    @property
    def months(self) -> int:
        return MONTHS[self.kind]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def start_utc_iso(self) -> str:
        """The first instant of the period (Vietnam time) as UTC ISO text."""
        return clock.day_start(self.start).astimezone(UTC).isoformat(timespec="seconds")

    def end_utc_iso(self) -> str:
        """The first instant *after* the period (Vietnam time) as UTC ISO text."""
        moment = clock.day_start(self.end + timedelta(days=1))
        return moment.astimezone(UTC).isoformat(timespec="seconds")


def current_quarter(day: date) -> str:
    """The code of the quarter ``day`` is in (``2026-Q4`` in October)."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def previous_quarter(day: date) -> str:
    """The code of the last complete quarter before ``day`` (``2026-Q3`` in October)."""
    quarter = (day.month - 1) // 3  # 0-based index of the current quarter
    return f"{day.year - 1}-Q4" if quarter == 0 else f"{day.year}-Q{quarter}"


def _month_range(year: int, first_month: int, months: int) -> tuple[date, date]:
    last_month = first_month + months - 1
    return (date(year, first_month, 1),
            date(year, last_month, calendar.monthrange(year, last_month)[1]))


def parse_period(text: str) -> Period:
    """Parse ``2026-10``, ``2026-Q3``, ``2026-H1`` or ``2026``; raises PeriodError."""
    value = (text or "").strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        index = int(match.group(2)) if kind != "year" else 1
        if not 1900 <= year <= 2999:
            break
        if kind == "month" and not 1 <= index <= 12:
            break
        months = MONTHS[kind]
        start, end = _month_range(year, (index - 1) * months + 1, months)
        return Period(kind=kind, year=year, index=index, start=start, end=end)
    raise PeriodError(
        f"Kỳ «{text}» không hợp lệ: hãy viết tháng (ví dụ 2026-10), quý (2026-Q3), "
        "nửa năm (2026-H1) hoặc năm (2026)."
    )
