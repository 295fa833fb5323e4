"""The EXIF fields of a photo (IFD0 and the Exif IFD), read once per photo.

A JPEG's APP1 block is parsed by :mod:`ingest.exifinfo`, which also gives the
consistency facts (thumbnail, MakerNote, IFD0 size) and, when the block is plain, the
camera tags exactly as Pillow's ``getexif()`` would; Pillow parses only the other blocks
(odd types, values outside the block) and other formats, and warns about the damage it
finds (``photo_unreadable``). Parsing the block twice cost more than the rest of the
headers together.
"""

from __future__ import annotations

import re
from typing import Any

from PIL import Image

from ingest.exifinfo import EXPOSURE_TAGS, read_exif_details
from ingest.jpegview import OpenedImage
from ingest.photometa import as_int, clean

_EXIF_IFD = 0x8769
_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE, _TAG_ORIENTATION = 271, 272, 305, 274
_TAG_DATETIME_ORIGINAL, _TAG_EXIF_WIDTH, _TAG_EXIF_HEIGHT = 36867, 40962, 40963
_TAG_USER_COMMENT = 37510


def read_exif(facts: Any, opened: OpenedImage) -> bytes | None:
    """Fill the EXIF fields of ``facts`` (a PhotoFacts) and return the embedded thumbnail;
    Pillow's parser may raise on a corrupt block.

    A JPEG's block is read once, by :func:`ingest.exifinfo.read_exif_details` (already
    when the header view was made, :mod:`ingest.jpegview`); only a block it does not find
    plain (odd types, values outside it: what Pillow warns about) and other formats go
    through Pillow's ``getexif()``, which reports the damage.
    """
    block = opened.info.get("exif")
    details = opened.exif
    if details is None and isinstance(block, bytes) and block:
        details = read_exif_details(block)
    tags = details.tags if details is not None and facts.format == "JPEG" else None
    if tags is None and facts.format == "JPEG" and details is None:
        tags = {0: 0}  # no EXIF at all: nothing for Pillow to parse either
    if tags is not None:
        tags = _with_xmp_orientation(tags, opened.info)
    elif opened.image is not None:
        tags = _pillow_tags(opened.image)
    else:  # pragma: no cover - ingest.jpegview leaves such blocks to Pillow
        raise ValueError("EXIF block needs Pillow's parser")
    facts.make = clean(tags.get(_TAG_MAKE))
    facts.model = clean(tags.get(_TAG_MODEL))
    facts.software = clean(tags.get(_TAG_SOFTWARE))
    facts.orientation = as_int(tags.get(_TAG_ORIENTATION))
    facts.datetime_original = clean(tags.get(_TAG_DATETIME_ORIGINAL))
    facts.exif_width = as_int(tags.get(_TAG_EXIF_WIDTH))
    facts.exif_height = as_int(tags.get(_TAG_EXIF_HEIGHT))
    facts.exposure_tags = int(tags.get(0, 0))
    comment = tags.get(_TAG_USER_COMMENT)
    if isinstance(comment, bytes):
        comment = comment[8:] if comment[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00") else comment
    facts.user_comment = clean(comment)
    if facts.user_comment:
        facts.user_comment = facts.user_comment[:200]
    if details is None:
        return None
    facts.ifd0_width, facts.ifd0_height = details.ifd0_width, details.ifd0_height
    facts.modify_date = details.modify_date
    facts.makernote_bytes = details.makernote_bytes
    facts.makernote_consistent = details.makernote_consistent
    facts.thumbnail_width = details.thumbnail_width
    facts.thumbnail_height = details.thumbnail_height
    return details.thumbnail


def _pillow_tags(im: Image.Image) -> dict[int, Any]:
    """The tags :func:`_read_exif` needs, through Pillow (which warns about damage)."""
    exif = im.getexif()
    ifd = exif.get_ifd(_EXIF_IFD)
    tags: dict[int, Any] = {t: exif.get(t) for t in (_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE,
                                                     _TAG_ORIENTATION)}  # fmt: skip
    for tag in (_TAG_DATETIME_ORIGINAL, _TAG_EXIF_WIDTH, _TAG_EXIF_HEIGHT, _TAG_USER_COMMENT):
        tags[tag] = ifd.get(tag)
    tags[0] = sum(1 for tag in EXPOSURE_TAGS if ifd.get(tag) not in (None, ""))
    return tags


_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(="|>)([0-9])')


def _with_xmp_orientation(tags: dict[int, Any], info: dict[str, Any]) -> dict[int, Any]:
    """Pillow's ``getexif()`` takes the orientation from XMP when EXIF has none."""
    if _TAG_ORIENTATION in tags:
        return tags
    xmp = info.get("xmp")
    match = _XMP_ORIENTATION.search(xmp) if isinstance(xmp, bytes) else None
    return {**tags, _TAG_ORIENTATION: int(match[2])} if match else tags
