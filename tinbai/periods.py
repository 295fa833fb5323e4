"""Reporting and payment periods (SPEC §7): ``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``,
and the ways people write them (``10/2026``, ``Q3/2026``, ``quý 3 2026``…): one parser for
the pages and the command line.

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

from ingest.normalize import fold
from tinbai import clock

PeriodKind = Literal["month", "quarter", "half", "year"]

#: Months in one period of each kind.
MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}

_ROMAN = ("I", "II", "III", "IV")
_ROMAN_INDEX = {"i": 1, "ii": 2, "iii": 3, "iv": 4}

#: What is left of a period once its year is taken out (folded: lower case, no
#: diacritics, separators as spaces), by kind: ``12``, ``thang 12``, ``t12`` · ``q4``,
#: ``quy 4``, ``quy iv`` · ``h1``, ``6 thang dau``, ``nua cuoi`` · nothing (a year).
_REST: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(?:t|thang)? ?(\d{1,2})$"), "month"),
    (re.compile(r"^(?:q|quy) ?([1-4]|i|ii|iii|iv)$"), "quarter"),
    (re.compile(r"^(?:h|nua nam|nua|6 thang|sau thang) ?([12]|dau|cuoi)$"), "half"),
    (re.compile(r"^$"), "year"),
)
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_SEPARATORS = re.compile(r"[\s/\-.,:_]+")
_YEAR_WORDS = re.compile(r"\b(?:nam|ky)\b")

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
    """Parse a period the way people write it; raises PeriodError naming the forms.

    Months: ``2026-10``, ``10/2026``, ``tháng 10/2026``, ``T10-2026``; quarters:
    ``2026-Q4``, ``Q4/2026``, ``quý 4 2026``, ``Quý IV/2026``; halves: ``2026-H1``,
    ``H1/2026``, ``6 tháng đầu năm 2026``, ``nửa cuối 2026``; years: ``2026``,
    ``năm 2026``. Case, diacritics and separators do not matter; the year is required.
    """
    folded = _SEPARATORS.sub(" ", fold(text or "")).strip()
    years = _YEAR.findall(folded)
    if len(years) == 1:
        year = int(years[0])
        rest = " ".join(_YEAR_WORDS.sub(" ", _YEAR.sub(" ", folded)).split())
        for pattern, kind in _REST:
            match = pattern.match(rest)
            if match and 1900 <= year <= 2999:
                index = _index(kind, match.group(1) if match.groups() else "")
                if index is not None:
                    return _period(kind, year, index)
    raise PeriodError(
        f"Kỳ «{text}» không hợp lệ: hãy viết tháng (10/2026 hoặc 2026-10), quý "
        "(quý 3/2026, Q3/2026 hoặc 2026-Q3), nửa năm (6 tháng đầu năm 2026 hoặc 2026-H1) "
        "hoặc năm (2026)."
    )


def _index(kind: PeriodKind, value: str) -> int | None:
    """The month, quarter or half named by ``value`` (None when out of range)."""
    if kind == "year":
        return 1
    if kind == "half":
        return {"1": 1, "dau": 1, "2": 2, "cuoi": 2}[value]
    if kind == "quarter":
        return _ROMAN_INDEX.get(value) or int(value)
    month = int(value)
    return month if 1 <= month <= 12 else None


def _period(kind: PeriodKind, year: int, index: int) -> Period:
    months = MONTHS[kind]
    start, end = _month_range(year, (index - 1) * months + 1, months)
    return Period(kind=kind, year=year, index=index, start=start, end=end)
