"""Perceptual hash of a stored photo (duplicate detection); the one place pixels are decoded."""

from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np
from PIL import Image

from ingest.pillow_env import collected_warnings

_PHASH_SIZE = 8
_PHASH_IMAGE = _PHASH_SIZE * 4


@functools.lru_cache(maxsize=1)
def _dct_matrix() -> Any:
    """The unnormalised DCT-II matrix of scipy.fftpack.dct: 2·cos(πk(2n+1)/2N)."""
    n = np.arange(_PHASH_IMAGE)
    return 2.0 * np.cos(np.pi * np.outer(n, 2 * n + 1) / (2 * _PHASH_IMAGE))


def _phash(gray: Image.Image, imagehash: Any) -> Any:
    """imagehash.phash, with its 32×32 DCT done as two small matrix products.

    Same bits as ``imagehash.phash`` (a test compares them); it avoids importing scipy,
    which costs about two seconds at the first photo of every poller start.
    """
    resample = Image.Resampling.LANCZOS
    pixels = np.asarray(gray.resize((_PHASH_IMAGE, _PHASH_IMAGE), resample), dtype=np.float64)
    matrix = _dct_matrix()
    dct = matrix @ pixels @ matrix.T
    low = dct[:_PHASH_SIZE, :_PHASH_SIZE]
    return imagehash.ImageHash(low > np.median(low))


def perceptual_hash(data: bytes) -> str | None:
    """The imagehash pHash of a photo from a ``draft()``-downscaled decode, or None.

    Called once by the pipeline when a photo is stored (it needs pixels, unlike the rules).
    """
    import imagehash  # deferred: only the store path needs it

    try:
        # The rules already reported what is wrong: warnings are collected and dropped.
        with collected_warnings(), Image.open(io.BytesIO(data)) as im:
            if im.format in ("JPEG", "MPO"):
                im.draft("L", (256, 256))
            im.load()
            # HEIC/PNG have no draft(): a box reduce first keeps pHash's resize cheap
            # (same hash, 20x less time on a 12-MP photo).
            gray = im.convert("L")
            factor = min(gray.size) // 256
            small = gray.reduce(factor) if factor > 1 else gray
            return str(_phash(small, imagehash))
    except Exception:  # unreadable photos have no hash; the rules report them
        return None
