"""Parsers of photo metadata blocks: XMP packets, Photoshop APP13 resources, ICC profiles.

Bounded and regex-based (no XML parser): a hostile packet cannot make them read or
allocate more than a few hundred kilobytes.
"""

from __future__ import annotations

import re
import struct
from typing import Any

_MAX_XMP_CHARS = 512 * 1024


def clean(value: Any) -> str | None:
    """An EXIF text value as a clean string (NULs and padding stripped), or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", " ").strip()
    return text or None


def as_int(value: Any) -> int | None:
    """An EXIF dimension as int; odd types (a LONG read as two SHORTs) give the first."""
    if isinstance(value, tuple | list) and value:
        value = value[0]
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None



def xmp_value(xmp: str, name: str, lowered: str | None = None) -> str | None:
    """A simple XMP property as attribute or element (``prefix:Name``, any case).

    ``lowered`` (the packet in lower case) lets a caller that asks for many properties
    skip the search of absent ones.
    """
    if lowered is not None and name.lower() not in lowered:
        return None
    pattern = rf'{name}\s*=\s*"([^"]*)"|{name}\s*=\s*\'([^\']*)\'|<{name}>\s*([^<]*?)\s*</{name}>'
    match = re.search(pattern, xmp, re.IGNORECASE)
    if not match:
        return None
    value = next((g for g in match.groups() if g is not None), "")
    return value.strip() or None


_LI = re.compile(r"<rdf:li\b(.*?)(?:/>|</rdf:li>)", re.IGNORECASE | re.DOTALL)


def xmp_history(xmp: str) -> list[str]:
    """xmpMM:History events that changed pixels, as ``action by agent (changed)``.

    Lightroom writes ``saved`` with ``changed="/metadata"`` when only keywords or ratings
    were edited; that is not editing the photo, so such events are left out.
    """
    block = re.search(r"<xmpMM:History\b.*?</xmpMM:History>", xmp, re.IGNORECASE | re.DOTALL)
    if not block:
        return []
    events = []
    for li in _LI.findall(block.group(0)):
        action = (xmp_value(li, "stEvt:action") or "").lower()
        agent = xmp_value(li, "stEvt:softwareAgent") or ""
        changed = xmp_value(li, "stEvt:changed") or ""
        if action == "created" or not action:
            continue
        parts = [p.strip() for p in changed.split(";") if p.strip()]
        if parts and all(p == "/metadata" for p in parts):
            continue
        text = f"{action} by {agent}" if agent else action
        events.append(f"{text} ({changed})" if changed else text)
        if len(events) >= 20:  # enough evidence; the facts are stored as JSON
            break
    return events



def icc_description(icc: bytes) -> str | None:
    """The profile description (``desc`` tag, v2 text or v4 mluc) of an ICC profile."""
    if len(icc) < 132:
        return None
    count = struct.unpack(">I", icc[128:132])[0]
    for k in range(min(count, 100)):
        off = 132 + 12 * k
        if off + 12 > len(icc):
            return None
        sig, start, size = struct.unpack(">4sII", icc[off : off + 12])
        if sig != b"desc" or start + size > len(icc) or size < 12:
            continue
        tag = icc[start : start + size]
        if tag[:4] == b"desc":
            length = struct.unpack(">I", tag[8:12])[0]
            return clean(tag[12 : 12 + min(length, 256)].split(b"\x00", 1)[0])
        if tag[:4] == b"mluc" and size >= 28:
            rec_len, rec_off = struct.unpack(">II", tag[20:28])
            return clean(tag[rec_off : rec_off + min(rec_len, 512)].decode("utf-16-be", "replace"))
    return None


def photoshop_resources(block: bytes) -> list[int]:
    """Resource ids of an APP13 ``Photoshop 3.0`` block (8BIM records)."""
    ids: list[int] = []
    prefix = b"Photoshop 3.0\x00"
    if not block.startswith(prefix):
        return ids
    i, n = len(prefix), len(block)
    while i + 12 <= n and block[i : i + 4] == b"8BIM" and len(ids) < 256:
        rid = struct.unpack(">H", block[i + 4 : i + 6])[0]
        name_len = block[i + 6]
        j = i + 7 + name_len
        if (1 + name_len) % 2:
            j += 1
        if j + 4 > n:
            break
        size = struct.unpack(">I", block[j : j + 4])[0]
        ids.append(rid)
        i = j + 4 + size + (size % 2)
    return ids


def parse_xmp(facts: Any, raw: Any) -> None:
    """Fill the XMP editing traces of ``facts`` (a PhotoFacts) from the raw packet (regex,
    no XML parser: bounded)."""
    if isinstance(raw, bytes):
        xmp = raw[:_MAX_XMP_CHARS].decode("utf-8", "replace")
    elif isinstance(raw, str):
        xmp = raw[:_MAX_XMP_CHARS]
    else:
        return
    if not xmp:
        return
    low = xmp.lower()
    facts.xmp_creator_tool = xmp_value(xmp, "xmp:CreatorTool", low) or xmp_value(
        xmp, "xap:CreatorTool", low
    )
    facts.xmp_history = xmp_history(xmp) if "xmpmm:history" in low else []
    facts.xmp_derived = "<xmpmm:derivedfrom" in low
    facts.xmp_raw_settings = any(
        (xmp_value(xmp, f"crs:{prop}", low) or "").lower() == "true"
        for prop in ("HasSettings", "HasCrop")
    )
    history = xmp_value(xmp, "photoshop:History", low)
    facts.photoshop_history = history[:200] if history else None
    if not facts.make:
        facts.make = xmp_value(xmp, "tiff:Make", low)
    if not facts.model:
        facts.model = xmp_value(xmp, "tiff:Model", low)
    if not facts.datetime_original:
        facts.datetime_original = xmp_value(xmp, "exif:DateTimeOriginal", low)
