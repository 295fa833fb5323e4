"""Photo facts read from file headers (EXIF, quantisation tables, XMP) without decoding pixels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PhotoFacts:
    """What the headers of one photo say; rules in ``validators.photos`` judge them."""

    filename: str
    format: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int = 0
    sha256: str = ""
    camera: str | None = None
    quality: int | None = None
    error: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
