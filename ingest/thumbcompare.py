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

from ingest.jpegcoefficients import Sample

_MIN_STD = 3.0  # grey levels: flatter regions (sky, a wall) cannot be compared


def thumbnail_correlation(
    thumbnail: bytes, sample: Sample, dc_step: int, width: int, height: int
) -> float | None:
    """Normalised correlation of the thumbnail's top with the photo's sampled strip.

    ``dc_step`` is the luminance table's DC step; ``width`` x ``height`` the photo's size.
    None when either side is too flat or too small to compare. A thumbnail of another
    aspect holds the picture either scaled to fit and padded (DCF pads 3:2 photos into
    160x120, centred or not) or stretched to fill: each is tried, the best match counts.
    """
    try:
        with Image.open(io.BytesIO(thumbnail)) as im:
            im.draft("L", (160, 120))  # DCT-domain downscale of larger (phone) thumbnails
            thumb = np.asarray(im.convert("L"), dtype=np.float64)
    except Exception:  # a broken thumbnail says nothing here; the reader reports real damage
        return None
    th, tw = thumb.shape
    blocks_wide = -(-width // 8)
    dc = sample.blocks[:, 0].reshape(sample.rows, sample.width)[:, :blocks_wide]
    strip = dc.astype(np.float64) * dc_step / 8 + 128
    fit = min(tw / width, th / height)
    w, h = width * fit, height * fit
    # Padded: the picture at the start, the middle or the end of the padding (cameras
    # differ); or stretched to fill.
    corners = [(x, y) for x in (0.0, (tw - w) / 2, tw - w) for y in (0.0, (th - h) / 2, th - h)]
    boxes = {(round(x), round(y), round(w), round(h)) for x, y in corners}  # same aspect: one
    boxes.add((0, 0, tw, th))
    scores = [_correlate(thumb, strip, box, sample.rows * 8 / height) for box in boxes]
    found = [s for s in scores if s is not None]
    return max(found) if found else None


def _correlate(
    thumb: np.ndarray[Any, Any], strip: np.ndarray[Any, Any],
    box: tuple[int, int, int, int], share: float,
) -> float | None:  # fmt: skip
    """Correlation of the strip with the top ``share`` of the picture inside ``box``."""
    x0, y0, w, h = box
    top, bottom, left, right = round(y0), round(y0 + h * share), round(x0), round(x0 + w)
    region = thumb[top:bottom, left:right]
    if region.shape[0] < 2 or region.shape[1] < 16:
        return None
    small: Any = Image.fromarray(strip.astype(np.float32)).resize(
        (region.shape[1], region.shape[0]), Image.Resampling.BOX
    )
    a = region - region.mean()
    b = np.asarray(small, dtype=np.float64)
    b = b - b.mean()
    if a.std() < _MIN_STD or b.std() < _MIN_STD:
        return None
    return round(float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())), 3)
