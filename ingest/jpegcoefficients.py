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

The coefficients are read without the inverse DCT, through libjpeg-turbo's TurboJPEG
lossless-transform API (a custom filter sees each row of coefficient blocks), and only for
the top of the image: a copy of the header claiming a few MCU rows and the first part of
the entropy-coded data is transformed, so the cost is a few percent of a decode.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.jpegstructure import ZIGZAG, JpegHeader

log = logging.getLogger(__name__)

_TJXOPT_NOOUTPUT = 16  # turbojpeg.h: transform, do not write an output image
_TJERR_WARNING = 0


class _Region(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int), ("h", ctypes.c_int)]


class _Transform(ctypes.Structure):
    pass


_FILTER = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.POINTER(ctypes.c_short),
    _Region,
    _Region,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.POINTER(_Transform),
)
_Transform._fields_ = [
    ("r", _Region),
    ("op", ctypes.c_int),
    ("options", ctypes.c_int),
    ("data", ctypes.c_void_p),
    ("customFilter", _FILTER),
]


@functools.lru_cache(maxsize=1)
def _turbojpeg() -> Any:
    """libturbojpeg loaded through ctypes, or None (the analysis is then reported absent)."""
    name = ctypes.util.find_library("turbojpeg")
    if not name:
        log.info("libturbojpeg not found: the JPEG coefficient analysis is off")
        return None
    try:
        lib = ctypes.CDLL(name)
        lib.tjInitTransform.restype = ctypes.c_void_p
        lib.tjInitTransform.argtypes = []
        lib.tjTransform.restype = ctypes.c_int
        lib.tjTransform.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_int,
            ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(_Transform), ctypes.c_int,
        ]  # fmt: skip
        lib.tjGetErrorStr2.restype = ctypes.c_char_p
        lib.tjGetErrorStr2.argtypes = [ctypes.c_void_p]
        lib.tjGetErrorCode.restype = ctypes.c_int
        lib.tjGetErrorCode.argtypes = [ctypes.c_void_p]
        lib.tjDestroy.restype = ctypes.c_int
        lib.tjDestroy.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError) as exc:  # an old libturbojpeg without tjGetErrorCode
        log.warning("libturbojpeg unusable (%s): the JPEG coefficient analysis is off", exc)
        return None
    return lib


def available() -> bool:
    """Whether coefficients can be read on this machine."""
    return _turbojpeg() is not None


class CoefficientError(Exception):
    """libturbojpeg refused the sample (a corrupt scan); the message is for the log."""


def _strip(data: bytes, header: JpegHeader, rows: int, total_rows: int) -> bytes:
    """A JPEG of the first ``rows`` MCU rows: the header with a smaller frame height and
    a generous share of the entropy-coded data, then EOI (the decoder stops at the height;
    data it lacks is filled with zeros and trimmed by the caller)."""
    _, mcu_h = header.mcu_size
    scan = len(data) - header.scan_offset
    share = min(scan, int(scan * rows / total_rows * 2.0) + 16_384)
    head = bytearray(data[: header.scan_offset])
    at = header.sof_offset + 5  # FF Cx, length (2), precision (1), then height
    head[at : at + 2] = struct.pack(">H", min(rows * mcu_h, header.height))
    return bytes(head) + data[header.scan_offset : header.scan_offset + share] + b"\xff\xd9"


def _transform(lib: Any, buffer: bytes) -> list[np.ndarray[Any, Any]]:
    """Rows of luminance coefficient blocks (``(blocks, 64)`` int16 each) of ``buffer``."""
    rows: list[np.ndarray[Any, Any]] = []

    def collect(coeffs: Any, array: _Region, plane: Any, component: int, index: int,
                transform: Any) -> int:  # fmt: skip
        if component == 0 and array.w > 0:
            count = array.w * array.h
            row = np.ctypeslib.as_array(coeffs, (count,)).copy()
            rows.append(row.reshape(-1, 64))
        return 0

    callback = _FILTER(collect)
    transform = _Transform()
    transform.options = _TJXOPT_NOOUTPUT
    transform.customFilter = callback
    handle = lib.tjInitTransform()
    if not handle:
        raise CoefficientError("tjInitTransform failed")
    try:
        out = (ctypes.c_void_p * 1)()
        sizes = (ctypes.c_ulong * 1)()
        status = lib.tjTransform(handle, buffer, len(buffer), 1, out, sizes,
                                 ctypes.byref(transform), 0)  # fmt: skip
        if status != 0 and lib.tjGetErrorCode(handle) != _TJERR_WARNING:
            message = (lib.tjGetErrorStr2(handle) or b"").decode("latin-1", "replace")
            raise CoefficientError(message[:200])
    finally:
        lib.tjDestroy(handle)
    return rows


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


def sample_luma_blocks(
    data: bytes, header: JpegHeader, max_blocks: int, max_fraction: float
) -> Sample | None:
    """Quantised luminance blocks from the top of the photo, or None when the file is not
    sequential Huffman JPEG or libturbojpeg is absent.

    Raises CoefficientError when the library refuses the data.
    """
    lib = _turbojpeg()
    if lib is None or not header.baseline_like or not header.width or not header.height:
        return None
    mcu_w, mcu_h = header.mcu_size
    luma = header.components[0]
    blocks_per_row = -(-header.width // mcu_w) * luma.h * luma.v
    total_rows = -(-header.height // mcu_h)
    wanted = min(max_blocks, int(blocks_per_row * total_rows * max_fraction))
    rows = max(1, min(total_rows, -(-wanted // blocks_per_row)))
    block_rows = _transform(lib, _strip(data, header, rows, total_rows))
    if not block_rows:
        return None
    width = len(block_rows[0])
    blocks = np.concatenate([r for r in block_rows if len(r) == width])
    # Blocks after the data ran out are all zero (DC included): drop them and the row in
    # which decoding stopped.
    nonzero = np.flatnonzero(blocks.any(axis=1))
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
    scores: list[tuple[int, int, float]] = []
    indices = [ZIGZAG[k] for k in range(1, frequencies + 1)]
    # One histogram per frequency of |value| in 0..MAX_BIN+1 (larger values in the last
    # bin), built with a single bincount.
    values = np.minimum(np.abs(blocks[:, indices].astype(np.int32)), _MAX_BIN + 1)
    offsets = np.arange(len(indices), dtype=np.int32) * (_MAX_BIN + 2)
    flat = np.bincount((values + offsets).ravel(), minlength=len(indices) * (_MAX_BIN + 2))
    histograms = flat.reshape(len(indices), _MAX_BIN + 2)[:, 1 : _MAX_BIN + 1]
    for k, index, z in zip(range(1, frequencies + 1), indices, _z_scores(histograms, min_count),
                           strict=True):  # fmt: skip
        if not np.isnan(z):
            scores.append((k, int(qtable[index]), round(float(z), 1)))
    periodic = sum(1 for _, _, z in scores if z > z_threshold)
    median = float(np.median([z for _, _, z in scores])) if scores else 0.0
    return PeriodicityResult(len(blocks), len(scores), periodic, round(median, 2), scores)
