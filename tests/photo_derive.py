"""Non-originals made from real originals, as people make them (issue 12's kinds).

Every kind is deterministic (no randomness): re-encodes at quality 75 with libjpeg,
mozjpeg/Robidoux and smooth non-IJG tables; same-size re-saves at 85 and 92; resizes to
1600 px with the EXIF pixel size kept or updated (piexif); crops; chat copies without EXIF;
an editor's name in Software. EXIF is copied as the raw block (what ``exif=`` of a
re-save does) except where a tool rewrites it (piexif), which moves the MakerNote.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import piexif
from PIL import Image

from ingest.jpegquality import scaled_table
from validators.photos.encoders import BASES

ROBIDOUX = BASES["mozjpeg/ImageMagick (Robidoux)"]


def smooth_table(quality: int) -> list[int]:
    """A smooth, frequency-weighted table like jpegli's: neither Annex K nor Robidoux."""
    base = [round(12 + 5.5 * (u + v) + 0.9 * u * v) for v in range(8) for u in range(8)]
    return list(scaled_table(base, quality))


def _open(data: bytes) -> tuple[Image.Image, bytes | None]:
    image = Image.open(io.BytesIO(data))
    exif = image.info.get("exif")
    image = image.convert("RGB")
    return image, exif if isinstance(exif, bytes) else None


def _save(image: Image.Image, exif: bytes | None, **params: object) -> bytes:
    out = io.BytesIO()
    if exif:
        params["exif"] = exif
    image.save(out, "JPEG", **params)
    return out.getvalue()


def _rewrite_exif(exif: bytes | None, size: tuple[int, int] | None = None,
                  software: str | None = None) -> bytes | None:  # fmt: skip
    """The EXIF block rewritten by piexif (PixelX/YDimension, Software), as tools do."""
    if not exif:
        return None
    data = piexif.load(exif)
    if size is not None:
        data["Exif"][piexif.ExifIFD.PixelXDimension] = size[0]
        data["Exif"][piexif.ExifIFD.PixelYDimension] = size[1]
    if software is not None:
        data["0th"][piexif.ImageIFD.Software] = software.encode()
    _sanitise(data)
    try:
        return bytes(piexif.dump(data))
    except piexif.InvalidImageDataError:  # a thumbnail piexif cannot parse: dropped, as it does
        data["thumbnail"], data["1st"] = None, {}
        return bytes(piexif.dump(data))


def _sanitise(data: dict[str, Any]) -> None:
    """Drop the tags piexif cannot write back (odd types some makers use), as it would."""
    thumbnail = data.get("thumbnail")
    if thumbnail and not bytes(thumbnail).startswith(b"\xff\xd8"):
        data["thumbnail"], data["1st"] = None, {}
    for ifd in ("0th", "Exif", "GPS", "Interop", "1st"):
        known = piexif.TAGS.get("Image" if ifd in ("0th", "1st") else ifd, {})
        for tag in list(data.get(ifd) or {}):
            value, kind = data[ifd][tag], known.get(tag, {}).get("type")
            text = kind == piexif.TYPES.Ascii
            rational = kind in (piexif.TYPES.Rational, piexif.TYPES.SRational)
            if (
                kind is None
                or (text and not isinstance(value, bytes | str))
                or (rational and not (isinstance(value, tuple) and value
                                      and isinstance(value[0], int | tuple)))
            ):  # fmt: skip
                del data[ifd][tag]


def _scaled(image: Image.Image, long_side: int) -> Image.Image:
    w, h = image.size
    k = long_side / max(w, h)
    return image.resize((round(w * k), round(h * k)), Image.Resampling.LANCZOS)


def resave(data: bytes, quality: int) -> bytes:
    image, exif = _open(data)
    return _save(image, exif, quality=quality)


def reencode_tables(data: bytes, table: list[int]) -> bytes:
    image, exif = _open(data)
    return _save(image, exif, qtables=[table, table])


def resize(data: bytes, update_exif: bool, long_side: int = 1600) -> bytes:
    image, exif = _open(data)
    small = _scaled(image, long_side)
    if update_exif:
        exif = _rewrite_exif(exif, size=small.size)
    return _save(small, exif, quality=90)


def crop(data: bytes, update_exif: bool) -> bytes:
    image, exif = _open(data)
    w, h = image.size
    box = (w // 10, h // 6, w - w // 10, h - h // 12)
    cut = image.crop(box)
    if update_exif:
        exif = _rewrite_exif(exif, size=cut.size)
    return _save(cut, exif, quality=95)


def chat_copy(data: bytes, long_side: int) -> bytes:
    image, _ = _open(data)
    return _save(_scaled(image, long_side), None, quality=80)


def editor(data: bytes) -> bytes:
    image, exif = _open(data)
    return _save(image, _rewrite_exif(exif, software="Adobe Photoshop 25.0 (Windows)"), quality=95)


#: Kind name -> (group of the issue's goal table, maker of the non-original).
KINDS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "q75 libjpeg": ("reencode_q75", lambda d: resave(d, 75)),
    "q75 mozjpeg (Robidoux)": (
        "reencode_q75", lambda d: reencode_tables(d, list(scaled_table(ROBIDOUX, 75)))
    ),
    "q75 smooth tables": ("reencode_q75", lambda d: reencode_tables(d, smooth_table(75))),
    "same size q85": ("resave_same_size", lambda d: resave(d, 85)),
    "same size q92": ("resave_same_size", lambda d: resave(d, 92)),
    "resize 1600, EXIF size kept": ("resize", lambda d: resize(d, False)),
    "resize 1600, EXIF size updated": ("resize", lambda d: resize(d, True)),
    "crop, EXIF size kept": ("crop_chat_editor", lambda d: crop(d, False)),
    "crop, EXIF size updated": ("crop_chat_editor", lambda d: crop(d, True)),
    "chat copy 1600 without EXIF": ("crop_chat_editor", lambda d: chat_copy(d, 1600)),
    "chat copy 1280 without EXIF": ("crop_chat_editor", lambda d: chat_copy(d, 1280)),
    "editor in Software": ("crop_chat_editor", editor),
}  # fmt: skip

#: The issue's goals: the share of each group that must be rejected (originals: accepted).
GOALS = {
    "originals": 0.98,
    "reencode_q75": 0.95,
    "resave_same_size": 0.90,
    "resize": 0.90,
    "crop_chat_editor": 0.95,
}
