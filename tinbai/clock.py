"""The local clock: the one definition of the time zone every date is in (SPEC §7).

"Today", the reference year, the period of a reception, a publication or a payment, and
every time shown to people are Vietnam's, whatever zone the machine runs in. Everything
asks this module; nothing else names a zone. The store stamps rows in UTC (``store.base``)
and :func:`to_local` turns those stamps into local time.

The zone is fixed today (UTC+7: Vietnam has had no daylight saving since 1975). Making it
configurable (``timezone: Asia/Ho_Chi_Minh``) only changes :data:`_ZONE` into a
``zoneinfo.ZoneInfo`` chosen at start-up: callers use :func:`zone`, never the constant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

_ZONE: tzinfo = timezone(timedelta(hours=7), "ICT")


def zone() -> tzinfo:
    """The local time zone (Vietnam)."""
    return _ZONE


def now() -> datetime:
    """The current time, aware, in the local zone."""
    return datetime.now(_ZONE)


def today() -> date:
    """Today's local date."""
    return now().date()


def to_local(moment: datetime) -> datetime:
    """``moment`` in the local zone (a naive moment is taken as UTC, as the store writes)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_ZONE)


def day_start(day: date) -> datetime:
    """The first instant of a local calendar day."""
    return datetime.combine(day, time.min, _ZONE)


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` allowed, naive = UTC) in the local zone; None when
    unreadable."""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return to_local(moment)


def local_date(iso_text: str | None) -> date | None:
    """The local calendar date of an ISO 8601 timestamp (a bare date is taken as is)."""
    if not iso_text:
        return None
    text = str(iso_text).strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    moment = parse_moment(text)
    return moment.date() if moment else None


def format_local(value: object, empty: str = "") -> str:
    """``dd/mm/yyyy HH:MM`` in local time for an ISO timestamp (``empty`` when there is
    none, the text as given when it is unreadable)."""
    if not value:
        return empty
    moment = parse_moment(value)
    return moment.strftime("%d/%m/%Y %H:%M") if moment else str(value)
