"""The EXIF thumbnail against the photo itself: does it show the same picture?

A camera writes the thumbnail from the same capture, so at thumbnail size the two agree.
A crop (or an edit) made later keeps the old thumbnail when the EXIF is copied: then the
top of the photo no longer matches the top of the thumbnail. The photo side costs no
decode: the DC coefficients of the sampled strip are the block means (T.81 A.3.3), a
1/8-scale image of it; only the thumbnail (160x120 or so) is decoded.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from ingest import turbojpeg_reader
from ingest.jpegcoefficients import Sample, reader_name

_MIN_STD = 3.0  # grey levels: flatter regions (sky, a wall) cannot be compared
_MIN_ROWS, _MIN_COLUMNS = 2, 16  # the smallest thumbnail region compared

Box = tuple[int, int, int, int]


_THUMBNAIL_SIZE = (160, 120)  # DCF's thumbnail size; larger ones are scaled down to it


def thumbnail_pixels(thumbnail: bytes) -> np.ndarray[Any, Any] | None:
    """The thumbnail as grey levels (a DCT-domain downscale of larger phone thumbnails to
    about 160x120), or None when it cannot be decoded (it then says nothing here; the
    reader reports real damage).

    libturbojpeg decodes it where it is installed, with the pixels Pillow gives
    (``tests/test_photo_coefficients.py``) at a third of the cost; Pillow otherwise, and
    for any thumbnail the library has a word to say about.
    """
    fast = (
        turbojpeg_reader.grey_pixels(thumbnail, _THUMBNAIL_SIZE)
        if reader_name() == "turbojpeg"
        else None
    )
    if fast is not None:
        return fast.astype(np.float64)
    return pillow_thumbnail_pixels(thumbnail)


def pillow_thumbnail_pixels(thumbnail: bytes) -> np.ndarray[Any, Any] | None:
    """:func:`thumbnail_pixels` through Pillow alone (without libturbojpeg, and the
    reference the library's pixels are tested against)."""
    try:
        with Image.open(io.BytesIO(thumbnail)) as im:
            im.draft("L", _THUMBNAIL_SIZE)
            grey = im if im.mode == "L" else im.convert("L")
            return np.asarray(grey, dtype=np.float64)
    except Exception:  # a broken thumbnail is no evidence either way
        return None


def _boxes(thumb_w: int, thumb_h: int, width: int, height: int) -> set[Box]:
    """Where the picture may sit in the thumbnail: scaled to fit and padded (DCF pads 3:2
    photos into 160x120, centred or not: at the start, the middle or the end), or
    stretched to fill."""
    fit = min(thumb_w / width, thumb_h / height)
    w, h = width * fit, height * fit
    corners = [(x, y) for x in (0.0, (thumb_w - w) / 2, thumb_w - w)
               for y in (0.0, (thumb_h - h) / 2, thumb_h - h)]  # fmt: skip
    boxes = {(round(x), round(y), round(w), round(h)) for x, y in corners}  # same aspect: one
    boxes.add((0, 0, thumb_w, thumb_h))
    return boxes


def _region(box: Box, share: float) -> tuple[int, int, int, int]:
    """Top, bottom, left, right of the top ``share`` of the picture inside ``box``."""
    x0, y0, w, h = box
    return round(y0), round(y0 + h * share), round(x0), round(x0 + w)


def can_compare(thumb_shape: tuple[int, ...], width: int, height: int, strip_px: int) -> bool:
    """Whether a strip of ``strip_px`` rows at the top of a ``width`` x ``height`` photo
    covers enough of the thumbnail to compare (else :func:`thumbnail_correlation` is None,
    and reading the strip for it is wasted)."""
    th, tw = thumb_shape[:2]
    for box in _boxes(tw, th, width, height):
        top, bottom, left, right = _region(box, strip_px / height)
        if min(bottom, th) - top >= _MIN_ROWS and min(right, tw) - left >= _MIN_COLUMNS:
            return True
    return False


def thumbnail_correlation(
    thumb: np.ndarray[Any, Any], sample: Sample, dc_step: int, width: int, height: int
) -> float | None:
    """Normalised correlation of the thumbnail's top with the photo's sampled strip.

    ``thumb`` is :func:`thumbnail_pixels`; ``dc_step`` the luminance table's DC step;
    ``width`` x ``height`` the photo's size. None when either side is too flat or too
    small to compare. A thumbnail of another aspect holds the picture either scaled to
    fit and padded or stretched to fill: each is tried, the best match counts.
    """
    th, tw = thumb.shape
    blocks_wide = -(-width // 8)
    dc = sample.blocks[:, 0].reshape(sample.rows, sample.width)[:, :blocks_wide]
    strip = Image.fromarray((dc.astype(np.float64) * dc_step / 8 + 128).astype(np.float32))
    share = sample.rows * 8 / height
    scores = [_correlate(thumb, strip, box, share) for box in _boxes(tw, th, width, height)]
    found = [s for s in scores if s is not None]
    return max(found) if found else None


def _correlate(
    thumb: np.ndarray[Any, Any], strip: Image.Image, box: Box, share: float
) -> float | None:
    """Correlation of the strip with the top ``share`` of the picture inside ``box``."""
    top, bottom, left, right = _region(box, share)
    region = thumb[top:bottom, left:right]
    if region.shape[0] < _MIN_ROWS or region.shape[1] < _MIN_COLUMNS:
        return None
    small: Any = strip.resize((region.shape[1], region.shape[0]), Image.Resampling.BOX)
    a = region - region.mean()
    b = np.asarray(small, dtype=np.float64)
    b = b - b.mean()
    if a.std() < _MIN_STD or b.std() < _MIN_STD:
        return None
    return round(float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())), 3)
