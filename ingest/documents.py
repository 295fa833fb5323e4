"""Article documents attached to a message (.docx read; others recognised and refused)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DocumentInfo:
    """What was read from one attached article document.

    ``status`` is ``ok``, ``unsupported`` (format we cannot read), ``unreadable`` (corrupt,
    encrypted, oversized) or ``legacy_encoding`` (TCVN3/VNI font text); validators turn it
    into a problem code.
    """

    filename: str
    kind: str
    status: str
    detail: str = ""
    text: str = ""
    embedded_images: list[str] = field(default_factory=list)
