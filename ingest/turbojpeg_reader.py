"""Quantised luminance coefficients of a JPEG strip through libjpeg-turbo's TurboJPEG API.

The fast reader of :mod:`ingest.jpegcoefficients`: ``tjTransform`` with
``TJXOPT_NOOUTPUT`` and a custom filter reads the strip's coefficients without the inverse
DCT (the filter sees each row of coefficient blocks, which is copied out with one
``memmove``), with libjpeg-turbo's own error handling (no ``exit()``, nothing on stderr).
The library is found as the system's ``turbojpeg`` (Debian ``libturbojpeg0``, Homebrew
``jpeg-turbo``, ``turbojpeg.dll`` of the libjpeg-turbo installer on ``PATH``) or at the
path in ``TINBAI_TURBOJPEG``. Without it the portable reader
(:mod:`ingest.huffman_reader`) gives the same coefficients, more slowly.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

_TJXOPT_NOOUTPUT = 16  # turbojpeg.h: transform, do not write an output image
_TJERR_WARNING = 0
#: Environment variable naming the TurboJPEG library file (where the system has none).
LIBRARY_VARIABLE = "TINBAI_TURBOJPEG"


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


class TurboJpegError(Exception):
    """libturbojpeg refused the strip (a corrupt scan); the message is for the log."""


def _library_path() -> str | None:
    """Where the TurboJPEG library is: ``TINBAI_TURBOJPEG`` or the system's search."""
    return os.environ.get(LIBRARY_VARIABLE) or ctypes.util.find_library("turbojpeg")


@functools.lru_cache(maxsize=1)
def library() -> Any:
    """libturbojpeg loaded through ctypes, or None (the portable reader is used then)."""
    name = _library_path()
    if not name:
        log.info("libturbojpeg not found: DCT coefficients are read by the Python reader")
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
        lib.tjInitDecompress.restype = ctypes.c_void_p
        lib.tjInitDecompress.argtypes = []
        lib.tjDecompressHeader3.restype = ctypes.c_int
        lib.tjDecompressHeader3.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, *[ctypes.POINTER(ctypes.c_int)] * 4,
        ]  # fmt: skip
        lib.tjDecompress2.restype = ctypes.c_int
        lib.tjDecompress2.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p,
            ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
        ]  # fmt: skip
    except (OSError, AttributeError) as exc:  # an old libturbojpeg without tjGetErrorCode
        log.warning("libturbojpeg at %s unusable (%s): the Python reader is used", name, exc)
        return None
    return lib


def describe() -> str | None:
    """The loaded library's file name (for ``tinbai doctor``), or None."""
    return _library_path() if library() is not None else None


_TJPF_GRAY = 6  # turbojpeg.h: one byte of luminance per pixel


def grey_pixels(jpeg: bytes, at_least: tuple[int, int]) -> np.ndarray[Any, Any] | None:
    """A small JPEG (an EXIF thumbnail) decoded to grey levels, scaled down in the DCT
    domain by the largest of 1/8, 1/4, 1/2 that keeps it at least ``at_least`` (the choice
    of Pillow's ``draft``, so the pixels are Pillow's); None when the library is missing or
    reports anything at all, warnings included (Pillow then decodes and judges it)."""
    lib = library()
    if lib is None:
        return None
    handle = lib.tjInitDecompress()
    if not handle:
        return None
    try:
        width, height, subsampling, colourspace = (ctypes.c_int() for _ in range(4))
        if lib.tjDecompressHeader3(handle, jpeg, len(jpeg), ctypes.byref(width),
                                   ctypes.byref(height), ctypes.byref(subsampling),
                                   ctypes.byref(colourspace)):  # fmt: skip
            return None
        ratio = min(width.value // at_least[0], height.value // at_least[1])
        scale = next((s for s in (8, 4, 2) if ratio >= s), 1)
        out_w, out_h = -(-width.value // scale), -(-height.value // scale)
        pixels = np.empty((out_h, out_w), dtype=np.uint8)
        if lib.tjDecompress2(handle, jpeg, len(jpeg), pixels.ctypes.data, out_w, out_w, out_h,
                             _TJPF_GRAY, 0):  # fmt: skip
            return None
        return pixels
    finally:
        lib.tjDestroy(handle)


def luma_rows(strip: bytes, max_rows: int) -> tuple[np.ndarray[Any, Any], int]:
    """The luminance coefficient blocks of ``strip`` (a JPEG), row after row.

    Returns ``(blocks, width)``: ``(n, 64)`` int16 in natural order, ``n`` a multiple of
    ``width`` (blocks per row); at most ``max_rows`` rows are kept. Raises
    :class:`TurboJpegError` when the library refuses the data.
    """
    lib = library()
    if lib is None:
        raise TurboJpegError("libturbojpeg not loaded")
    # One array for all rows, made at the first row (its width is the component's).
    kept: list[np.ndarray[Any, Any]] = []
    count = [0]
    address = [0]

    def collect(coeffs: Any, array: _Region, plane: Any, component: int, index: int,
                transform: Any) -> int:  # fmt: skip
        if component != 0 or array.w <= 0 or count[0] >= max_rows:
            return 0
        width = (array.w * array.h) // 64 * 64
        if not kept:
            kept.append(np.empty((max_rows, width), dtype=np.int16))
            address[0] = kept[0].ctypes.data  # asked once: each ask builds an object
        if width == kept[0].shape[1]:
            ctypes.memmove(address[0] + count[0] * width * 2, coeffs, width * 2)
            count[0] += 1
        return 0

    callback = _FILTER(collect)
    transform = _Transform()
    transform.options = _TJXOPT_NOOUTPUT
    transform.customFilter = callback
    handle = lib.tjInitTransform()
    if not handle:
        raise TurboJpegError("tjInitTransform failed")
    try:
        out = (ctypes.c_void_p * 1)()
        sizes = (ctypes.c_ulong * 1)()
        status = lib.tjTransform(handle, strip, len(strip), 1, out, sizes,
                                 ctypes.byref(transform), 0)  # fmt: skip
        # The strip always ends with a warning (data cut short or left over). A fatal
        # error after a warning is reported as a warning too (libjpeg-turbo 2.1), so a
        # transform that reached no row of coefficients failed, whatever its code says.
        if status != 0 and (lib.tjGetErrorCode(handle) != _TJERR_WARNING or not count[0]):
            message = (lib.tjGetErrorStr2(handle) or b"").decode("latin-1", "replace")
            raise TurboJpegError(message[:200])
    finally:
        lib.tjDestroy(handle)
    if not count[0]:
        return np.zeros((0, 64), dtype=np.int16), 0
    rows = kept[0]
    return rows[: count[0]].reshape(-1, 64), rows.shape[1] // 64
