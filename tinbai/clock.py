"""The local clock: the one definition of the time zone every date is in (SPEC §7).

"Today", the reference year, the period of a reception, a publication or a payment, and
every time shown to people are the configured zone's (``timezone:`` in config.yaml,
default ``Asia/Ho_Chi_Minh``), whatever zone the machine runs in. Everything asks this
module; nothing else names a zone. The store stamps rows in UTC (``store.base``) and
:func:`to_local` turns those stamps into local time.

The zone is an IANA name read with :mod:`zoneinfo` (the ``tzdata`` package provides the
data where the system has none, as on Windows or slim containers);
:func:`tinbai.config.load_config` calls :func:`configure`. "Now" comes from the store's
time source (:func:`store.base.utcnow`), so rows and local dates always agree; tests move
both at once with :func:`frozen`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store import base as store_base

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (ValueError naming it when unknown)."""
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {name!r}: write an IANA name such as {DEFAULT_ZONE!r}"
        ) from None


_zone: tzinfo = zone_named(DEFAULT_ZONE)


def configure(name: str) -> tzinfo:
    """Use the zone called ``name`` from now on (config.yaml's ``timezone``)."""
    global _zone
    _zone = zone_named(name)
    return _zone


def zone() -> tzinfo:
    """The local time zone (Vietnam unless config.yaml says otherwise)."""
    return _zone


def now() -> datetime:
    """The current time, aware, in the local zone."""
    return store_base.utcnow().astimezone(_zone)


def today() -> date:
    """Today's local date."""
    return now().date()


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Stop the program's clock at ``moment`` (aware) for the block: tests of dates.

    The store's stamps and every local date follow, because both read the one time
    source of :mod:`store.base`.
    """
    if moment.tzinfo is None:
        raise ValueError("frozen() needs an aware moment")
    previous = store_base.set_time_source(lambda: moment)
    try:
        yield moment.astimezone(_zone)
    finally:
        store_base.set_time_source(previous)


def to_local(moment: datetime) -> datetime:
    """``moment`` in the local zone (a naive moment is taken as UTC, as the store writes)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone)


def day_start(day: date) -> datetime:
    """The first instant of a local calendar day."""
    return datetime.combine(day, time.min, _zone)


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` allowed, naive = UTC) in the local zone; None when
    unreadable."""
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return to_local(moment)
    except OverflowError:  # year 9999 plus an offset
        return None


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
