"""Quantisation tables of known re-encoders other than libjpeg's Annex K scaling.

mozjpeg's default (``quant_table 3``, N. Robidoux's tables from ImageMagick) and other
encoders scale their own base tables with the IJG formula; a file whose luminance table is
such a base scaled exactly was written by that encoder, not by a camera.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingest.jpegquality import scaled_table

#: Base luminance tables (natural order) by encoder name.
BASES: dict[str, tuple[int, ...]] = {
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

_SCALED = {
    name: {tuple(scaled_table(base, q)): q for q in range(1, 101)} for name, base in BASES.items()
}


def known_encoder(luma: Sequence[int]) -> str | None:
    """The encoder whose scaled base table equals ``luma`` exactly, or None."""
    key = tuple(luma)
    for name, tables in _SCALED.items():
        if key in tables:
            return name
    return None
