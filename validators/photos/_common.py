"""Small helpers shared by the photo rules (name matching, sizes)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from ingest.model import Candidate
from ingest.photos import PhotoFacts
from validators.settings import PhotoRules


def first_match(text: str | None, names: Iterable[str]) -> str | None:
    """The first configured name found in ``text`` (case-insensitive substring), or None."""
    if not text:
        return None
    lowered = text.lower()
    return next((name for name in names if name and name.lower() in lowered), None)


def size_text(photo: PhotoFacts) -> str:
    """``4032 × 3024`` or ``?`` when the size is unknown."""
    if photo.width and photo.height:
        return f"{photo.width} × {photo.height}"
    return "?"


def inserted_photos(candidate: Candidate, rules: PhotoRules) -> list[str]:
    """The images inside the body or the document that are photos, not decoration.

    Outlook and most webmail put the sender's signature logo in the HTML as a ``cid:``
    image, and letterheads put a logo in the .docx: those are small. An image of unknown
    size counts as a photo (the contributor is asked rather than a photo missed).
    """
    sides = candidate.embedded_image_sides
    return [name for name in candidate.embedded_images
            if not 0 < sides.get(name, 0) <= rules.decoration_max_side]


#: An EXIF date and time (Exif 2.32 §4.6.5, DateTime: ``YYYY:MM:DD HH:MM:SS``), with the
#: one- and two-digit fields ``strptime`` would also take.
_EXIF_DATE = re.compile(r"(\d{4}):(\d\d?):(\d\d?)\s+(\d\d?):(\d\d?):(\d\d?)")


def exif_datetime(value: str | None) -> datetime | None:
    """An EXIF date as a datetime, or None when it is not one (``0000:00:00 …``, garbage).

    A regular expression rather than ``strptime``, which looks up the locale on every call
    and cost more than the rest of the date rules.
    """
    found = _EXIF_DATE.fullmatch((value or "")[:19])
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in found.groups())
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def exif_date_text(value: str | None) -> str:
    """An EXIF date (``2026:11:03 09:31:00``) as people write it: ``03/11/2026 09:31``."""
    text = (value or "").strip()
    moment = exif_datetime(text)
    return moment.strftime("%d/%m/%Y %H:%M") if moment else (text or "?")


def usable(photo: PhotoFacts) -> bool:
    """Whether the per-photo rules have anything to judge (read, and a supported format)."""
    from ingest.photos import SUPPORTED_FORMATS

    return photo.error is None and photo.format in SUPPORTED_FORMATS
