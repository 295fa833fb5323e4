"""How dates, numbers and names read for people: one module for the pages and the exports.

Office staff in Vietnam write dates ``01/12/2026``, times on the 24-hour clock, thousands
with dots and decimals with a comma (``1.234.567 đ``, ``0,8``); they name genres ("Bài"),
not the keys of config.yaml ("bai"), and read "Hệ thống" where tinbai itself acted. The
web pages use these through the Jinja filters of :data:`FILTERS` (registered once, in
:func:`tinbai.web.app._environment`); the payment lists and reports call them directly.
Local dates and times come from :mod:`tinbai.clock` (the one module that knows the zone).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tinbai import clock
from tinbai.config import Config

#: Who the history names for what tinbai itself did (new mail, a contributor's fix) and
#: for accounts made on the command line.
SYSTEM_ACTORS: frozenset[str] = frozenset({"tinbai", "system", "cli"})
SYSTEM_LABEL = "Hệ thống"


def date_text(value: object, empty: str = "") -> str:
    """``dd/mm/yyyy`` of a date, an ISO date (``2026-12-01``) or an ISO timestamp (its
    local date); ``empty`` when there is none, the text as given when it is unreadable."""
    if value in (None, ""):
        return empty
    if isinstance(value, datetime):
        return clock.to_local(value).strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    day = clock.local_date(str(value))
    return day.strftime("%d/%m/%Y") if day else str(value)


def parse_date_text(text: str) -> date | None:
    """A date as people type it: ``15/10/2026``, ``15-10-2026``, ``15.10.2026`` (day
    first) or ISO ``2026-10-15``; None when it is not a real date."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            year, month, day = (int(p) for p in value.split("-"))
            return date(year, month, day)
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", value)
        if match:
            day, month, year = (int(p) for p in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def datetime_text(value: object, empty: str = "") -> str:
    """``dd/mm/yyyy HH:MM`` (24 h, local time) of an ISO timestamp."""
    return clock.format_local(value, empty)


def number_text(value: int) -> str:
    """``1234567`` → ``1.234.567`` (Vietnamese thousands separator)."""
    return f"{int(value):,}".replace(",", ".")


def money_text(value: int) -> str:
    """``1234567`` → ``1.234.567 đ``."""
    return number_text(value) + " đ"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None


def decimal_text(value: object, empty: str = "") -> str:
    """``0.8`` → ``0,8``; ``2.50`` → ``2,5``; ``2.0`` → ``2`` (decimal comma, no trailing
    zeros); unreadable text is returned as given."""
    number = _decimal(value)
    if number is None:
        return empty if value in (None, "") else str(value)
    normal = number.normalize()
    sign = "-" if normal < 0 else ""
    whole, _, fraction = format(abs(normal), "f").partition(".")
    return sign + number_text(int(whole)) + ("," + fraction if fraction else "")


def percent_text(rate: object) -> str:
    """``0.10`` → ``10 %``."""
    number = _decimal(rate)
    return "" if number is None else decimal_text(number * 100) + " %"


def genre_labels(config: Config) -> dict[str, str]:
    """Every genre key of every coefficient table → its label (the newest table wins)."""
    labels: dict[str, str] = {}
    for table in config.royalties.coefficient_tables:
        labels.update({key: genre.label for key, genre in table.genres.items()})
    return labels


def genre_text(key: object, labels: Mapping[str, str]) -> str:
    """A genre's label (``bai`` → ``Bài``); an unknown key is shown capitalised."""
    if not key:
        return ""
    text = str(key)
    return labels.get(text) or text.replace("_", " ").capitalize()


def actor_text(actor: object) -> str:
    """The user who acted, or "Hệ thống" for tinbai itself."""
    name = str(actor or "")
    return SYSTEM_LABEL if not name or name in SYSTEM_ACTORS else name


def source_text(source: object) -> str:
    """Where the template was read (``text``, ``html``, ``docx:NAME``), for editors."""
    text = str(source or "")
    if text == "text":
        return "nội dung thư"
    if text == "html":
        return "nội dung thư (bản có định dạng)"
    if text.startswith("docx:"):
        return f"tệp Word «{text[5:]}»"
    return text or "không rõ"


def size_text(width: object, height: object) -> str:
    """``4000 × 3000`` (pixels), ``?`` parts when unknown."""
    return f"{width or '?'} × {height or '?'}"


def bytes_text(size: object) -> str:
    """``4215331`` → ``4,2 MB``; ``5120`` → ``5 KB``."""
    try:
        value = int(str(size))
    except ValueError:
        return str(size)
    if value >= 1_000_000:
        return decimal_text(round(Decimal(value) / 1_000_000, 1)) + " MB"
    if value >= 1_000:
        return decimal_text(round(Decimal(value) / 1_000)) + " KB"
    return f"{value} B"


def exif_datetime_text(value: object) -> str:
    """An EXIF date (``2026:11:03 09:31:00``) as ``03/11/2026 09:31``; the camera's clock
    has no zone, so it is shown as written."""
    text = str(value or "").strip()
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S").strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return text


#: Browsers by their User-Agent token, most specific first (Edge, Opera and Cốc Cốc also
#: name Chrome and Safari; Chrome names Safari).
_BROWSERS: tuple[tuple[str, str], ...] = (
    (r"\bEdg(?:e|A|iOS)?/", "Edge"),
    (r"\b(?:OPR|Opera)/", "Opera"),
    (r"\bcoc_coc_browser/", "Cốc Cốc"),
    (r"\bZalo\b", "Zalo"),
    (r"\b(?:Firefox|FxiOS)/", "Firefox"),
    (r"\b(?:HeadlessChrome|Chrome|CriOS|Chromium)/", "Chrome"),
    (r"\bVersion/[\d.]+.*\bSafari/", "Safari"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    (r"\b(?:iPhone|iPad|iPod)\b", "iPhone/iPad"),
    (r"\bAndroid\b", "Android"),
    (r"\bWindows\b", "Windows"),
    (r"\bCrOS\b", "ChromeOS"),
    (r"\bMac OS X\b|\bMacintosh\b", "macOS"),
    (r"\bLinux\b", "Linux"),
)


#: The names :func:`browser_text` writes (brands, not words to translate).
BROWSER_NAMES: frozenset[str] = frozenset(name for _, name in (*_BROWSERS, *_SYSTEMS))


def browser_text(user_agent: object) -> str:
    """A User-Agent header as people name it: ``Chrome trên Windows``.

    The header itself (``Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 ...``) is for
    programs; an administrator ending a session wants to recognise the browser.
    """
    text = str(user_agent or "")
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, text)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, text)), "")
    if browser and system:
        return f"{browser} trên {system}"
    return browser or (f"Trình duyệt trên {system}" if system else "Không rõ")


#: The Jinja filters of the web pages (tinbai.web.app registers them).
FILTERS: dict[str, Callable[..., Any]] = {
    "localtime": datetime_text,
    "day": date_text,
    "number": number_text,
    "money": money_text,
    "decimal": decimal_text,
    "percent": percent_text,
    "actor": actor_text,
    "source": source_text,
    "browser": browser_text,
}
