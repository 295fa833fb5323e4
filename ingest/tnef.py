"""TNEF (``winmail.dat``): the attachments Outlook packs inside it, taken out.

Outlook with "Rich Text" format sends every attachment of a message inside one
``application/ms-tnef`` part; without this the photos of such a submission would be one
unreadable ``winmail.dat``. Decoding is tnefparse's (MS-OXTNEF); this module bounds it
and turns every failure into a defect.
"""

from __future__ import annotations

import logging
import struct
from typing import Any

log = logging.getLogger(__name__)

_SIGNATURE = 0x223E9F78
#: Objects scanned before tnefparse is trusted with the data (it copies the rest of the
#: data for each object, so their number must stay small).
MAX_OBJECTS = 2000
MAX_FILES = 100


def _object_count(data: bytes) -> int:
    """How many TNEF objects ``data`` holds (stops past :data:`MAX_OBJECTS`)."""
    offset, count = 6, 0
    while offset + 12 <= len(data) and count <= MAX_OBJECTS:
        (length,) = struct.unpack_from("<I", data, offset + 5)
        offset += 11 + length
        count += 1
    return count


def _name(attachment: Any, index: int) -> str:
    for getter in (attachment.long_filename, lambda: attachment.name):
        try:
            value = getter()
        except Exception:  # a name in an undeclared code page: try the next one
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        text = str(value or "").strip("\x00").strip()
        if text:
            return text
    return f"attachment-{index}.bin"


def expand_tnef(data: bytes, defects: list[str]) -> list[tuple[str, bytes]] | None:
    """The (file name, bytes) of each attachment inside a TNEF blob; None when it is
    not TNEF or cannot be read (the caller keeps the blob as it is)."""
    if len(data) < 12 or struct.unpack_from("<I", data, 0)[0] != _SIGNATURE:
        defects.append("tnef_unreadable: not a TNEF file")
        return None
    if _object_count(data) > MAX_OBJECTS:
        defects.append(f"tnef_unreadable: more than {MAX_OBJECTS} objects")
        return None
    try:
        from tnefparse import TNEF

        parsed = TNEF(data, do_checksum=False)
        files = [
            (_name(att, i + 1), bytes(att.data))
            for i, att in enumerate(parsed.attachments[:MAX_FILES])
            if isinstance(att.data, bytes | bytearray) and att.data
        ]
    except Exception as e:  # tnefparse raises ValueError, IndexError, struct.error…
        log.info("winmail.dat could not be read: %s: %s", type(e).__name__, e)
        defects.append(f"tnef_unreadable: {type(e).__name__}")
        return None
    defects.append(f"tnef: {len(files)} attachment(s) taken out of winmail.dat")
    return files


__all__ = ["expand_tnef"]
