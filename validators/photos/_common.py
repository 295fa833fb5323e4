"""Small helpers shared by the photo rules (name matching, sizes)."""

from __future__ import annotations

from collections.abc import Iterable

from ingest.photos import PhotoFacts


def first_match(text: str | None, names: Iterable[str]) -> str | None:
    """The first configured name found in ``text`` (case-insensitive substring), or None."""
    if not text:
        return None
    lowered = text.lower()
    return next((name for name in names if name and name.lower() in lowered), None)


def size_text(photo: PhotoFacts) -> str:
    """``4032x3024`` or ``?`` when the size is unknown."""
    if photo.width and photo.height:
        return f"{photo.width}x{photo.height}"
    return "?"


def usable(photo: PhotoFacts) -> bool:
    """Whether the per-photo rules have anything to judge (read, and a supported format)."""
    from ingest.photos import SUPPORTED_FORMATS

    return photo.error is None and photo.format in SUPPORTED_FORMATS
