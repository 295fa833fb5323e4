"""Quantisation tables of known re-encoders other than libjpeg's Annex K scaling.

mozjpeg's default (``quant_table 3``, N. Robidoux's tables from ImageMagick) and other
encoders scale their own base tables with the IJG formula; a file whose luminance table is
such a base scaled exactly was written by that encoder, not by a camera. The tables live
in :mod:`ingest.jpegquality` (ingest decides from them which files get the coefficient
analysis); this module names them for the rules.
"""

from __future__ import annotations

from ingest.jpegquality import ENCODER_BASES as BASES
from ingest.jpegquality import known_encoder

__all__ = ["BASES", "known_encoder"]
