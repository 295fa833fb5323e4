"""The local clock (SPEC §7: every date is Vietnam's, whatever zone the machine runs in)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tinbai import clock


def test_now_and_today_are_in_vietnam_time() -> None:
    moment = clock.now()
    assert moment.utcoffset() == timedelta(hours=7)
    assert clock.today() in (moment.date(), (moment + timedelta(seconds=5)).date())


def test_store_stamps_are_shown_in_local_time() -> None:
    assert clock.format_local("2026-09-30T17:30:00+00:00") == "01/10/2026 00:30"
    assert clock.format_local("2026-09-30T17:30:00Z") == "01/10/2026 00:30"
    assert clock.format_local("2026-09-30T17:30:00") == "01/10/2026 00:30"  # naive = UTC
    assert clock.format_local(None) == "" and clock.format_local("", "—") == "—"
    assert clock.format_local("hôm qua") == "hôm qua"


def test_a_local_day_starts_at_17_utc_the_day_before() -> None:
    start = clock.day_start(date(2026, 1, 1))
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert clock.to_local(datetime(2025, 12, 31, 17, 0)).date() == date(2026, 1, 1)
