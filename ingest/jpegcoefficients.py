"""Quantised DCT coefficients of a sample of a JPEG, and their double-quantisation marks.

A JPEG that was decoded and saved again keeps the first encoding's quantisation in its
coefficients: each coefficient was a multiple of the first step ``q1`` before it was
quantised again with step ``q2``, so its histogram is modulated periodically — bins
receive unequal numbers of first-step values (peaks) or none at all (gaps) whenever
``q2`` is not a multiple of ``q1`` (Lukáš & Fridrich, "Estimation of primary quantization
matrix in double compressed JPEG images", DFRWS 2003; Popescu & Farid, "Statistical tools
for digital forensics", IH 2004). A photo saved once by a camera has smooth, unimodal
histograms whose logarithm bends gently. The statistic here measures, per frequency, how
far the log-histogram departs from being locally straight, in units of its Poisson noise:
a periodic modulation gives departures of ``log 2`` and more every bin or two, which a
single compression does not.

The coefficients are read without the inverse DCT and only for the top of the image: a
copy of the header claiming a few MCU rows and the first part of the entropy-coded data
is read by libjpeg-turbo's TurboJPEG lossless-transform API
(:mod:`ingest.turbojpeg_reader`, the fast path: a few percent of a decode) or, where that
library cannot be loaded, by a bounded Python Huffman decoder of the same bytes
(:mod:`ingest.huffman_reader`) that returns the same coefficients.
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import struct
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest import huffman_reader, turbojpeg_reader
from ingest.jpegstructure import ZIGZAG, JpegHeader

log = logging.getLogger(__name__)

#: The readers, fastest first (``reader`` argument of :func:`sample_luma_blocks`).
READERS = ("turbojpeg", "python")


_FORCED: ContextVar[str | None] = ContextVar("coefficient_reader", default=None)


def reader_name() -> str:
    """The reader :func:`sample_luma_blocks` uses here: the fastest available, unless
    :func:`using_reader` chose one."""
    forced = _FORCED.get()
    if forced is not None:
        return forced
    return "turbojpeg" if turbojpeg_reader.library() is not None else "python"


@contextlib.contextmanager
def using_reader(name: str) -> Iterator[None]:
    """Read coefficients with reader ``name`` (one of :data:`READERS`) inside the block
    (tests and the benchmark compare the readers)."""
    if name not in READERS:
        raise ValueError(f"unknown coefficient reader {name!r}")
    token = _FORCED.set(name)
    try:
        yield
    finally:
        _FORCED.reset(token)


def available() -> bool:
    """Whether coefficients can be read on this machine (always: the Python reader)."""
    return True


class CoefficientError(Exception):
    """The reader refused the sample (a corrupt scan); the message is for the log."""


def _strip(data: bytes, header: JpegHeader, rows: int, share: int) -> bytes:
    """A JPEG of the first ``rows`` MCU rows: the header with a smaller frame height,
    ``share`` bytes of the entropy-coded data, then EOI (the decoder stops at the height;
    data it lacks is filled with zeros and trimmed by the caller)."""
    _, mcu_h = header.mcu_size
    head = bytearray(data[: header.scan_offset])
    at = header.sof_offset + 5  # FF Cx, length (2), precision (1), then height
    head[at : at + 2] = struct.pack(">H", min(rows * mcu_h, header.height))
    return bytes(head) + data[header.scan_offset : header.scan_offset + share] + b"\xff\xd9"


def _share(data: bytes, header: JpegHeader, rows: int, total_rows: int) -> int:
    """Bytes of entropy-coded data read for ``rows`` of ``total_rows`` MCU rows: twice the
    proportional share and 16 KB more (the top of a photo may be busier than the rest)."""
    scan = len(data) - header.scan_offset
    return min(scan, int(scan * rows / total_rows * 2.0) + 16_384)


@dataclass(frozen=True)
class Sample:
    """Quantised luminance blocks from the top of a photo, row after row."""

    blocks: np.ndarray[Any, Any]
    """``(n, 64)`` int16 in natural order; ``n`` is a multiple of ``width``."""
    width: int
    """Blocks per block row (the component's width in blocks, padding included)."""

    @property
    def rows(self) -> int:
        return len(self.blocks) // self.width


def strip_rows(header: JpegHeader, max_blocks: int, max_fraction: float) -> int:
    """MCU rows to read for at most ``max_blocks`` luminance blocks and ``max_fraction``
    of the photo's (at least one row); 0 when the file is not sequential Huffman JPEG."""
    if not header.baseline_like or not header.width or not header.height:
        return 0
    mcu_w, mcu_h = header.mcu_size
    luma = header.components[0]
    blocks_per_row = -(-header.width // mcu_w) * luma.h * luma.v
    total_rows = -(-header.height // mcu_h)
    wanted = min(max_blocks, int(blocks_per_row * total_rows * max_fraction))
    return max(1, min(total_rows, -(-wanted // blocks_per_row)))


def sample_luma_blocks(
    data: bytes, header: JpegHeader, max_blocks: int, max_fraction: float,
    reader: str | None = None,
) -> Sample | None:  # fmt: skip
    """Quantised luminance blocks from the top of the photo, or None when the file is not
    sequential Huffman JPEG.

    ``reader`` is one of :data:`READERS` (default: the fastest available); both give the
    same blocks. Raises CoefficientError when the reader refuses the data.
    """
    rows = strip_rows(header, max_blocks, max_fraction)
    if rows == 0:
        return None
    if data[header.sof_offset + 4 : header.sof_offset + 5] != b"\x08":
        raise CoefficientError("sample precision other than 8 bits")
    total_rows = -(-header.height // header.mcu_size[1])
    share = _share(data, header, rows, total_rows)
    luma_rows = rows * header.components[0].v
    try:
        if (reader or reader_name()) == "turbojpeg":
            strip = _strip(data, header, rows, share)
            blocks, width = turbojpeg_reader.luma_rows(strip, luma_rows)
        else:
            blocks, width = huffman_reader.luma_rows(data, header, rows, share)
    except (turbojpeg_reader.TurboJpegError, huffman_reader.HuffmanError) as exc:
        raise CoefficientError(str(exc)) from exc
    return _trimmed(blocks, width)


def _trimmed(blocks: np.ndarray[Any, Any], width: int) -> Sample | None:
    """Blocks after the data ran out are all zero (DC included): drop them and the row in
    which decoding stopped."""
    if width == 0 or len(blocks) == 0:
        return None
    if blocks[-1].any():  # the data lasted to the end of the strip (the usual case)
        return Sample(blocks, width)
    # A block is zero when its 64 coefficients are: 16 eight-byte words each.
    nonzero = np.flatnonzero(np.ascontiguousarray(blocks).view(np.int64).any(axis=1))
    if nonzero.size == 0:
        return None
    last = int(nonzero[-1])
    if last < len(blocks) - 1:
        last = (last // width) * width - 1
    return Sample(blocks[: last + 1], width) if last >= 0 else None


@dataclass(frozen=True)
class PeriodicityResult:
    """Double-quantisation marks of one photo's luminance coefficients."""

    blocks: int
    """Blocks analysed."""
    frequencies: int
    """AC frequencies with enough non-zero coefficients to judge."""
    periodic: int
    """Of those, frequencies whose histogram is periodically modulated."""
    score: float
    """The median z-score of the analysed frequencies (about 0 for a single save)."""
    scores: list[tuple[int, int, float]]
    """(zig-zag index, step, z-score) of every analysed frequency."""


_MAX_BIN = 24
#: Natural-order indices of the AC frequencies in zig-zag order (1, 2, ... 63).
_FIRST_AC = [ZIGZAG[k] for k in range(1, 64)]


def _z_scores(histograms: np.ndarray[Any, Any], min_count: int) -> np.ndarray[Any, Any]:
    """Per frequency, how far the folded log-histogram departs from locally straight.

    ``histograms[f, c - 1]`` counts the coefficients of frequency ``f`` with
    ``|value| == c`` (zero excluded: it also holds every flat block). Bins are used from
    ``c = 1`` up to the last one holding ``min_count`` values; an empty bin inside that
    range (the gaps a finer second quantisation leaves) counts as half a value. For each
    inner bin the departure ``log n(c) - (log n(c-1) + log n(c+1)) / 2`` is divided by its
    Poisson standard error; the statistic is the chi-square of these, normalised
    ``(X - k) / sqrt(2k)``. NaN where fewer than four bins (or ``4 * min_count`` values)
    can be used.
    """
    counts = histograms.astype(np.float64)
    bins = counts.shape[1]
    enough_bin = counts >= min_count
    last = np.where(enough_bin.any(axis=1), bins - 1 - enough_bin[:, ::-1].argmax(axis=1), -1)
    used = np.arange(bins)[None, :] <= last[:, None]
    safe = np.where(used, np.maximum(counts, 0.5), 1.0)
    logs = np.log(safe)
    inner = logs[:, 1:-1] - (logs[:, :-2] + logs[:, 2:]) / 2
    variance = 1 / safe[:, 1:-1] + (1 / safe[:, :-2] + 1 / safe[:, 2:]) / 4
    valid = used[:, 2:]  # the bin after each inner bin is used too
    chi = np.where(valid, inner * inner / variance, 0.0).sum(axis=1)
    k = valid.sum(axis=1)
    z = (chi - k) / np.sqrt(np.maximum(2 * k, 1))
    enough = (last >= 3) & (counts.sum(axis=1) >= 4 * min_count)
    return np.where(enough, z, np.nan)


def periodicity(
    blocks: np.ndarray[Any, Any], qtable: list[int], *, frequencies: int = 20,
    min_count: int = 20, z_threshold: float = 6.0,
) -> PeriodicityResult:
    """Per-frequency departures from a smooth histogram for the first AC frequencies
    (zig-zag 1..``frequencies``); ``periodic`` counts those above ``z_threshold``."""
    indices = _FIRST_AC[:frequencies]
    # One histogram per frequency of |value| in 0..MAX_BIN+1 (larger values in the last
    # bin), built with a single bincount.
    values = np.minimum(np.abs(blocks[:, indices].astype(np.int32)), _MAX_BIN + 1)
    values += np.arange(len(indices), dtype=np.int32) * (_MAX_BIN + 2)
    flat = np.bincount(values.ravel(), minlength=len(indices) * (_MAX_BIN + 2))
    histograms = flat.reshape(len(indices), _MAX_BIN + 2)[:, 1 : _MAX_BIN + 1]
    # Plain floats from here: twenty numbers, where numpy calls cost more than the sums.
    zs = _z_scores(histograms, min_count).tolist()
    scores = [
        (k, int(qtable[index]), round(z, 1))
        for k, index, z in zip(range(1, frequencies + 1), indices, zs, strict=True)
        if z == z  # not NaN
    ]
    periodic = sum(1 for _, _, z in scores if z > z_threshold)
    median = statistics.median([z for _, _, z in scores]) if scores else 0.0
    return PeriodicityResult(len(blocks), len(scores), periodic, round(median, 2), scores)
