"""What the photo readers take from an opened image, from Pillow or from the JPEG header.

The readers use three things of an opened image: its size, Pillow's ``info`` (EXIF, XMP,
ICC profile) and, for a JPEG, its list of APPn and COM segments. For a JPEG whose header
is well formed they are taken from :func:`ingest.jpegstructure.parse_header`, which the
rules need anyway, exactly as Pillow's ``JpegImagePlugin`` would give them, so the header
is read once instead of twice; a header Pillow reads differently (a short table, a marker
without a length, a segment running past the end, a second frame, a Photoshop block) or an
EXIF block only Pillow can judge (:func:`ingest.exifinfo.read_exif_details`) is left to
Pillow. ``tests/test_photo_headers.py`` holds the two readers to the same facts on every
photo of the corpora and on damaged copies of them.

Why it matters: the photo check must cost a small fraction of a decode (issue 12), and on
a 2-MP photo, which decodes in 8 ms, Pillow's open (its marker loop in Python, and the EXIF
parse it runs for the DPI) cost about as much as everything else the check does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from PIL import Image

from ingest.exifinfo import ExifDetails, read_exif_details
from ingest.jpegstructure import JpegHeader

_EXIF = b"Exif\x00\x00"
_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_ICC = b"ICC_PROFILE\x00"
#: APP segments Pillow reads fields of at fixed offsets: shorter ones make it fail.
_MIN_LENGTHS = ((0xE0, b"JFIF", 7), (0xEE, b"Adobe", 7), (0xE2, _ICC, 14))


@dataclass
class OpenedImage:
    """The parts of an opened image the photo readers use."""

    format: str
    size: tuple[int, int]
    info: dict[str, Any]
    applist: list[tuple[str, bytes]] = field(default_factory=list)
    """APPn and COM segments in file order, as Pillow names them (``APP1``, ``COM``)."""
    exif: ExifDetails | None = None
    """The EXIF block's facts when they were read to decide who opens the file."""
    image: Image.Image | None = None
    """Pillow's image, when Pillow opened the file (it parses odd EXIF blocks)."""


def from_pillow(im: Image.Image) -> OpenedImage:
    """The view of an image Pillow opened."""
    return OpenedImage(
        format=im.format or "", size=im.size, info=cast(dict[str, Any], im.info),
        applist=list(getattr(im, "applist", [])), image=im,
    )  # fmt: skip


def from_header(data: bytes, header: JpegHeader, max_pixels: int) -> OpenedImage | None:
    """The view of a JPEG from its own header, or None where Pillow must open it."""
    if (
        header.irregular
        or not header.scan_offset
        or header.sof_count != 1
        or header.sof_marker not in (0xC0, 0xC1, 0xC2)
        or header.precision != 8
        or len(header.components) not in (1, 3, 4)
        or not header.width
        or not header.height
        or header.width * header.height > max_pixels
    ):
        return None
    info: dict[str, Any] = {}
    applist: list[tuple[str, bytes]] = []
    icc: list[bytes] = []
    exif_parts: list[bytes] = []  # joined once: hundreds of Exif segments stay linear
    for marker, start, end in header.apps:
        payload = data[start:end]
        if marker == 0xFE:
            applist.append(("COM", payload))
            info["comment"] = payload
            continue
        if any(marker == m and payload.startswith(p) and len(payload) < n
               for m, p, n in _MIN_LENGTHS):  # fmt: skip
            return None
        applist.append((f"APP{marker & 15}", payload))
        if marker == 0xE1 and payload.startswith(_EXIF):
            exif_parts.append(payload[6:] if exif_parts else payload)
        elif marker == 0xE1 and payload.startswith(_XMP):
            info["xmp"] = payload.split(b"\x00", 1)[1]
        elif marker == 0xE2 and payload.startswith(_ICC) and start < header.sof_offset:
            icc.append(payload)
        elif marker == 0xED and payload.startswith(b"Photoshop 3.0\x00"):
            return None  # Pillow walks its resources and fails on some truncations
    if exif_parts:  # Pillow joins every Exif segment after the first's header
        info["exif"] = b"".join(exif_parts)
    if icc:
        icc.sort()  # by sequence number, as Pillow does
        info["icc_profile"] = b"".join(p[14:] for p in icc) if icc[0][13] == len(icc) else None
    block = info.get("exif")
    exif = read_exif_details(block) if block else None
    if exif is not None and exif.tags is None:
        return None  # a block Pillow parses (and warns about) in its own way
    return OpenedImage("JPEG", (header.width, header.height), info, applist, exif)
