"""Reporting periods as written in SPEC §7: ``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``.

A period is a half-open range of local (Vietnam) dates; :func:`period_bounds` turns it into
the UTC ISO texts that ``submissions.received_at`` is compared with.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7))

_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])|[Hh]([12])))?$")


class PeriodError(ValueError):
    """Not a period of the form YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY."""


def period_dates(period: str) -> tuple[date, date]:
    """First day and the day after the last day of ``period``."""
    match = _PERIOD.match(period.strip())
    if not match:
        raise PeriodError(f"{period!r}: dùng dạng 2026-10, 2026-Q3, 2026-H1 hoặc 2026")
    year = int(match.group(1))
    month, quarter, half = match.group(2), match.group(3), match.group(4)
    if month is not None:
        m = int(month)
        if not 1 <= m <= 12:
            raise PeriodError(f"{period!r}: tháng phải từ 01 đến 12")
        start, months = date(year, m, 1), 1
    elif quarter is not None:
        start, months = date(year, 3 * (int(quarter) - 1) + 1, 1), 3
    elif half is not None:
        start, months = date(year, 6 * (int(half) - 1) + 1, 1), 6
    else:
        start, months = date(year, 1, 1), 12
    index = start.month - 1 + months
    end = date(year + index // 12, index % 12 + 1, 1)
    return start, end


def period_bounds(period: str) -> tuple[str, str]:
    """UTC ISO bounds ``[start, end)`` of a period of Vietnam local days."""
    start, end = period_dates(period)

    def utc(day: date) -> str:
        moment = datetime(day.year, day.month, day.day, tzinfo=VN_TZ).astimezone(UTC)
        return moment.isoformat(timespec="seconds")

    return utc(start), utc(end)


def local_time(value: object) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time for an ISO timestamp ('' when unreadable)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
