"""JPEG quality estimated from quantisation tables, as ImageMagick and JPEGsnoop do.

libjpeg (and every encoder built on it: Pillow, chat apps, social networks) derives its
tables by scaling the standard tables of ITU-T T.81 Annex K with the IJG formula. Fitting
that formula back to a file's tables gives the quality it was saved at; how far the tables
are from the best-fitting scaled standard table tells a libjpeg re-encode (distance 0)
from a camera's own custom tables. Other encoders (mozjpeg) scale their own base tables
the same way: :func:`known_encoder` names them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Annex K.1 luminance table, natural (row-major) order, as Pillow reports tables.
STD_LUMINANCE: tuple[int, ...] = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip

#: Annex K.2 chrominance table, natural order.
STD_CHROMINANCE: tuple[int, ...] = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
)  # fmt: skip


def ijg_scale(quality: int) -> int:
    """The IJG percentage scale for a quality 1-100 (integer maths, as libjpeg)."""
    quality = min(max(quality, 1), 100)
    return 5000 // quality if quality < 50 else 200 - quality * 2


def scaled_table(base: Sequence[int], quality: int) -> tuple[int, ...]:
    """A standard table scaled to ``quality`` with libjpeg's baseline clamp to 1..255."""
    scale = ijg_scale(quality)
    return tuple(min(max((v * scale + 50) // 100, 1), 255) for v in base)


def _all_scaled() -> np.ndarray[Any, np.dtype[np.int32]]:
    """Scaled luminance+chrominance tables for qualities 1-100, shape (100, 128)."""
    rows = [
        scaled_table(STD_LUMINANCE, q) + scaled_table(STD_CHROMINANCE, q) for q in range(1, 101)
    ]
    return np.array(rows, dtype=np.int32)


#: Built once at import (100 x 128 small ints): fitting a file is then one array op.
_SCALED = _all_scaled()


@dataclass(frozen=True)
class QualityEstimate:
    """The best IJG fit of a file's tables."""

    quality: int
    """Quality 1-100 whose scaled standard tables are nearest to the file's."""
    distance: float
    """Mean absolute difference per coefficient from those tables (0.0: a libjpeg encode)."""
    relative_distance: float
    """``distance`` divided by the mean coefficient of the fitted tables (scale-free)."""
    tables: int
    """How many tables the file defines."""

    @property
    def standard(self) -> bool:
        """True when the tables are exactly the IJG tables for ``quality``."""
        return self.distance == 0.0


def estimate_quality(tables: Mapping[int, Sequence[int]]) -> QualityEstimate | None:
    """Fit IJG quality to the luminance (0) and chrominance (1) tables; None when absent.

    Every quality 1-100 is tried and the one with the smallest summed absolute difference
    wins: exact for libjpeg encodes and a sound nearest estimate for custom tables, unlike
    a single-coefficient ratio that one odd camera table entry would throw off.
    """
    luma = tables.get(0)
    if luma is None or len(luma) != 64:
        return None
    chroma = tables.get(1)
    if chroma is not None and len(chroma) != 64:
        chroma = None
    return _estimate(tuple(luma), None if chroma is None else tuple(chroma), len(tables))


@functools.lru_cache(maxsize=512)
def _estimate(
    luma: tuple[int, ...], chroma: tuple[int, ...] | None, count_tables: int
) -> QualityEstimate:
    """:func:`estimate_quality` of one pair of tables (cached: cameras reuse theirs)."""
    count = 64 if chroma is None else 128
    actual = np.array(list(luma) + ([] if chroma is None else list(chroma)), dtype=np.int32)
    sums = np.abs(_SCALED[:, :count] - actual).sum(axis=1)
    # On ties prefer the higher quality: q 98-100 all clamp many entries to 1.
    best_index = int(len(sums) - 1 - np.argmin(sums[::-1]))
    best_q, best_sum = best_index + 1, int(sums[best_index])
    mean_std = float(_SCALED[best_index, :count].mean())
    distance = best_sum / count
    return QualityEstimate(
        quality=best_q,
        distance=round(distance, 3),
        relative_distance=round(distance / mean_std, 3) if mean_std else 0.0,
        tables=count_tables,
    )


#: Base luminance tables (natural order) by encoder name.
ENCODER_BASES: dict[str, tuple[int, ...]] = {
    # mozjpeg jcparam.c std_luminance_quant_tbl[3] (ImageMagick, N. Robidoux).
    "mozjpeg/ImageMagick (Robidoux)": (
        16, 16, 16, 18, 25, 37, 56, 85,
        16, 17, 20, 27, 34, 40, 53, 75,
        16, 20, 24, 31, 43, 62, 91, 135,
        18, 27, 31, 40, 53, 74, 106, 156,
        25, 34, 43, 53, 69, 94, 131, 189,
        37, 40, 62, 74, 94, 124, 169, 238,
        56, 53, 91, 106, 131, 169, 226, 311,
        85, 75, 135, 156, 189, 238, 311, 418,
    ),
}  # fmt: skip

_ENCODER_SCALED = {
    name: {tuple(scaled_table(base, q)): q for q in range(1, 101)}
    for name, base in ENCODER_BASES.items()
}


def known_encoder(luma: Sequence[int]) -> str | None:
    """The encoder whose scaled base table equals ``luma`` exactly, or None."""
    key = tuple(luma)
    for name, tables in _ENCODER_SCALED.items():
        if key in tables:
            return name
    return None
