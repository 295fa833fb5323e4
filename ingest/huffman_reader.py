"""Quantised luminance coefficients of a JPEG strip, decoded in Python (T.81 Annex F).

The portable reader of :mod:`ingest.jpegcoefficients`, used where libturbojpeg cannot be
loaded (a fresh ``pip install`` on Windows or macOS, a slim container): a bounded
baseline Huffman decoder of the first MCU rows only, with libjpeg's behaviour where the
data runs out (the MCU being decoded is finished with zero bits, the rest of its restart
interval is left zero; T.81 F.2.2.5 and libjpeg's ``jdhuff.c``), so that it returns the
very coefficients libjpeg-turbo does (tests/test_photo_coefficients.py compares both on
the real photos). It reads at most the strip the caller bounds, never the pixels; it is
about a hundred times slower than libjpeg-turbo, which stays the fast path.
"""

from __future__ import annotations

import functools
import re
from array import array
from typing import Any

import numpy as np

from ingest.jpegstructure import _AC_CHROMA, _AC_LUMA, _DC_CHROMA, _DC_LUMA, ZIGZAG, JpegHeader

_LOOKUP_BITS = 10
_PAD = bytes(4096)  # zero bits after the data, as libjpeg stuffs them (an MCU needs < 4 KB)
#: A marker inside entropy-coded data: 0xFF (fill bytes allowed) not followed by a stuffed 0.
_MARKER = re.compile(rb"\xff+[^\x00\xff]")


#: Zig-zag to natural order, with libjpeg's extra entries: a run past the last coefficient
#: (corrupt data) lands on 63 (``jpeg_natural_order`` in jutils.c).
_NATURAL = ZIGZAG + (63,) * 16


class HuffmanError(Exception):
    """The strip cannot be decoded here (a table is missing or malformed)."""


class _Table:
    """One Huffman table: a ``2**_LOOKUP_BITS`` lookup of short codes and the canonical
    ``maxcode``/``valptr`` arrays of T.81 Figure F.16 for longer ones."""

    __slots__ = ("lookup", "maxcode", "symbols", "valptr")

    def __init__(self, counts: bytes, symbols: bytes) -> None:
        if len(counts) != 16 or sum(counts) != len(symbols) or len(symbols) > 256:
            raise HuffmanError("malformed Huffman table")
        self.symbols = symbols
        self.lookup = [-1] * (1 << _LOOKUP_BITS)
        self.maxcode = [-1] * 18
        self.valptr = [0] * 17
        code = index = 0
        for length in range(1, 17):
            count = counts[length - 1]
            self.valptr[length] = index - code
            for _ in range(count):
                if length <= _LOOKUP_BITS:
                    shift = _LOOKUP_BITS - length
                    entry = (length << 8) | symbols[index]
                    start = code << shift
                    self.lookup[start : start + (1 << shift)] = [entry] * (1 << shift)
                code += 1
                index += 1
            self.maxcode[length] = code - 1 if count else -1
            if count and code >= (1 << length):  # jdhuff.c: all-ones codes are reserved
                raise HuffmanError("Huffman code lengths over-subscribed")
            code <<= 1
        self.maxcode[17] = 1 << 30  # sentinel: a code longer than 16 bits ends the search


@functools.lru_cache(maxsize=64)
def _table(counts: bytes, symbols: bytes) -> _Table:
    """Tables are cached by content: cameras and encoders reuse theirs."""
    return _Table(counts, symbols)


class _Bits:
    """An MSB-first bit reader over one restart interval's unstuffed bytes, then zeros:
    ``acc`` holds ``nbits`` unread bits, ``at`` is the next byte to load."""

    __slots__ = ("acc", "at", "buf", "end", "nbits")

    def __init__(self, data: bytes) -> None:
        self.buf = data + _PAD
        self.end = 8 * len(data)
        self.acc = self.nbits = self.at = 0

    @property
    def pos(self) -> int:
        """Bits consumed."""
        return 8 * self.at - self.nbits


#: ``_MASKS[n]`` keeps the low n bits.
_MASKS = [(1 << n) - 1 for n in range(65)]


def _segments(scan: bytes) -> list[bytes]:
    """The unstuffed entropy-coded segments of a scan, split at RSTn, up to another marker.

    Raises :class:`HuffmanError` on a marker libjpeg does not know (corrupt data).
    """
    parts: list[bytes] = []
    start = 0
    for match in _MARKER.finditer(scan):
        parts.append(scan[start : match.start()].replace(b"\xff\x00", b"\xff"))
        marker = scan[match.end() - 1]
        if (marker < 0xC0 and marker != 0x01) or 0xF0 <= marker <= 0xFD:
            # libjpeg reads on to this marker and fails on it ("Unsupported marker type").
            raise HuffmanError(f"unsupported marker 0x{marker:02X} in the scan")
        if not 0xD0 <= marker <= 0xD7:
            return parts
        start = match.end()
    parts.append(scan[start:].replace(b"\xff\x00", b"\xff"))
    return parts


def _decode_block(
    bits: _Bits, dc: _Table, ac: _Table, out: Any, base: int
) -> int:  # fmt: skip
    """Decode one block; store its coefficients at ``out[base + natural index]`` when
    ``out`` is given (luminance). Returns the DC difference.

    Before each symbol at least 32 bits are loaded (a code is at most 16 bits, its extra
    bits at most 15), four bytes at a time.
    """
    buf, acc, nbits, at, masks = bits.buf, bits.acc, bits.nbits, bits.at, _MASKS
    if nbits < 32:
        acc = ((acc & masks[nbits]) << 32) | int.from_bytes(buf[at : at + 4], "big")
        at, nbits = at + 4, nbits + 32
    symbol, nbits = _symbol(acc, nbits, dc)
    diff = 0
    if symbol:
        diff = (acc >> (nbits - symbol)) & masks[symbol]
        nbits -= symbol
        if diff < (1 << (symbol - 1)):
            diff -= masks[symbol]
    lookup, natural = ac.lookup, _NATURAL
    k = 1
    while k < 64:
        if nbits < 32:
            acc = ((acc & masks[nbits]) << 32) | int.from_bytes(buf[at : at + 4], "big")
            at, nbits = at + 4, nbits + 32
        entry = lookup[(acc >> (nbits - _LOOKUP_BITS)) & 1023]
        if entry >= 0:
            nbits -= entry >> 8
            symbol = entry & 255
        else:
            symbol, nbits = _symbol(acc, nbits, ac)
        size = symbol & 15
        if size:
            k += symbol >> 4
            value = (acc >> (nbits - size)) & masks[size]
            nbits -= size
            if value < (1 << (size - 1)):
                value -= masks[size]
            if out is not None:
                out[base + natural[k]] = value
            k += 1
        elif symbol == 0xF0:
            k += 16
        else:
            break
    bits.acc, bits.nbits, bits.at = acc, nbits, at
    return diff


def _symbol(acc: int, nbits: int, table: _Table) -> tuple[int, int]:
    """One Huffman symbol from the top of the ``nbits`` (>= 17) bits of ``acc`` (T.81
    F.2.2.3 DECODE) and the bits left; a code matching no table entry gives symbol 0
    after 17 bits, as libjpeg does."""
    entry = table.lookup[(acc >> (nbits - _LOOKUP_BITS)) & 1023]
    if entry >= 0:
        return entry & 255, nbits - (entry >> 8)
    maxcode, length = table.maxcode, _LOOKUP_BITS + 1
    code = (acc >> (nbits - length)) & _MASKS[length]
    while length <= 16 and code > maxcode[length]:
        length += 1
        code = (acc >> (nbits - length)) & _MASKS[length]
    if length > 16:
        return 0, nbits - 17
    return table.symbols[table.valptr[length] + code], nbits - length


def luma_rows(
    data: bytes, header: JpegHeader, mcu_rows: int, share: int
) -> tuple[np.ndarray[Any, Any], int]:
    """The luminance coefficient blocks of the first ``mcu_rows`` MCU rows of a baseline
    JPEG, decoding at most ``share`` bytes of its first scan.

    Returns ``(blocks, width)`` as :func:`ingest.turbojpeg_reader.luma_rows` does:
    ``(n, 64)`` int16 in natural order, ``width`` the luminance width in blocks. Raises
    :class:`HuffmanError` where libjpeg would refuse the tables.
    """
    comps = header.components
    hmax, vmax = max(c.h for c in comps), max(c.v for c in comps)
    luma = comps[0]
    width = -(-(header.width * luma.h) // (8 * hmax))
    rows_out = mcu_rows * luma.v
    out = array("h", bytes(2 * rows_out * width * 64))
    layout = _Layout(header, mcu_rows, width, vmax)
    # The bytes the fast reader is given (an EOI after the share), so that a cut-off 0xFF
    # counts as a marker prefix, as libjpeg reads it.
    end = header.scan_offset + share
    segments = _segments(data[header.scan_offset : end] + b"\xff\xd9")
    try:
        _decode_scan(segments, _scan_tables(data, header), layout, out, header.restart_interval)
    except (IndexError, ValueError, OverflowError) as exc:  # a header no decoder accepts
        raise HuffmanError(f"{type(exc).__name__}: {exc}") from exc
    return np.frombuffer(out, dtype=np.int16).reshape(-1, 64), width


class _Layout:
    """Where each block of each MCU goes (interleaved scans: T.81 A.2.3; one component:
    one block per MCU, A.2.2)."""

    __slots__ = ("mcus_wide", "plan", "row_blocks", "total")

    def __init__(self, header: JpegHeader, mcu_rows: int, width: int, vmax: int) -> None:
        comps = header.components
        self.row_blocks = 64 * width
        if len(comps) == 1:
            # Non-interleaved: blocks in raster order over the component's own grid.
            strip_h = min(mcu_rows * header.mcu_size[1], header.height)
            self.mcus_wide = width
            self.total = width * -(-strip_h // 8)
            self.plan = [(0, 0, 0, 1)]  # component, block row, block column, rows per MCU
        else:
            hmax = max(c.h for c in comps)
            self.mcus_wide = -(-header.width // (8 * hmax))
            self.total = self.mcus_wide * mcu_rows
            self.plan = [(ci, by, bx, c.v) for ci, c in enumerate(comps)
                         for by in range(c.v) for bx in range(c.h)]  # fmt: skip


def _decode_scan(
    segments: list[bytes], tables: list[tuple[_Table, _Table]], layout: _Layout,
    out: Any, restart: int,
) -> None:  # fmt: skip
    """Decode MCUs interval after interval into ``out`` (luminance blocks only), with
    libjpeg's rules where data runs out: the MCU being decoded is finished with zero bits
    and the rest of its interval stays zero; an interval after the last segment is
    decoded from zero bits once, unless data had already run out (``jdhuff.c``
    ``process_restart``)."""
    total, mcus_wide, row_blocks = layout.total, layout.mcus_wide, layout.row_blocks
    interval = restart or total
    width = row_blocks // 64
    hs = [0] * len(tables)
    for ci, _, bx, _ in layout.plan:
        hs[ci] = max(hs[ci], bx + 1)
    mcu, index, insufficient = 0, 0, False
    while mcu < total:
        if index < len(segments):
            bits = _Bits(segments[index])
        elif insufficient:
            return
        else:
            bits = _Bits(b"")
        index += 1
        preds = [0] * len(tables)
        last = min(total, mcu + interval)
        insufficient = False
        while mcu < last:
            my, mx = divmod(mcu, mcus_wide)
            for ci, by, bx, v in layout.plan:
                dc, ac = tables[ci]
                column = mx * hs[ci] + bx
                keep = ci == 0 and column < width
                base = (my * v + by) * row_blocks + column * 64
                preds[ci] += _decode_block(bits, dc, ac, out if keep else None, base)
                if keep:
                    out[base] = ((preds[ci] + 32768) & 0xFFFF) - 32768
            mcu += 1
            if bits.pos > bits.end:  # data ran out in this MCU: the rest stays zero
                insufficient, mcu = True, last


_STANDARD = {(0, 0): _DC_LUMA, (0, 1): _DC_CHROMA, (1, 0): _AC_LUMA, (1, 1): _AC_CHROMA}


def _scan_tables(data: bytes, header: JpegHeader) -> list[tuple[_Table, _Table]]:
    """(DC, AC) table of each frame component from the first scan's header; Annex K's
    tables where the file defines none (as libjpeg-turbo does)."""
    defined = {(tc, th): (counts, symbols) for tc, th, counts, symbols in header.huffman}
    count = header.scan_components
    # The SOS segment ends at the scan offset: Ns x (Cs, Td|Ta), then Ss, Se, Ah|Al.
    start = header.scan_offset - (3 + 2 * count)
    selectors: dict[int, tuple[int, int]] = {}
    for k in range(count):
        ident, td_ta = data[start + 2 * k], data[start + 2 * k + 1]
        selectors[ident] = (td_ta >> 4, td_ta & 15)
    found: list[tuple[_Table, _Table]] = []
    for comp in header.components:
        pair = []
        for tc, th in zip((0, 1), selectors.get(comp.ident, (-1, -1)), strict=True):
            raw = defined.get((tc, th)) or _STANDARD.get((tc, th))
            if raw is None:
                raise HuffmanError(f"no Huffman table {tc}/{th} for component {comp.ident}")
            if tc == 0 and any(s > 15 for s in raw[1]):
                raise HuffmanError("DC Huffman table with a category above 15")
            pair.append(_table(*raw))
        found.append((pair[0], pair[1]))
    return found
