"""The segment structure of a JPEG header, parsed without decoding (ITU-T T.81 Annex B).

Cameras and phone makers each write their own header layout: which APPn segments and in
what order, one DQT segment holding both quantisation tables or one per table, the
Huffman tables of Annex K.3 or optimised ones, a restart interval, the chroma sampling.
Encoders built on libjpeg (Pillow, GIMP, most editors and chat apps) write libjpeg's
layout. These facts are the "structure signature" evidence of the photo rules (Kee,
Johnson & Farid, "Digital image authentication from JPEG headers", IEEE TIFS 2011).
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
from dataclasses import dataclass, field

#: Zig-zag order (T.81 Figure A.6): position k of the coded sequence -> natural index.
ZIGZAG: tuple[int, ...] = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip

#: Natural index -> position in the coded (zig-zag) sequence: the inverse of ZIGZAG.
_NATURAL_TO_ZIGZAG: tuple[int, ...] = tuple(ZIGZAG.index(i) for i in range(64))

# Annex K.3 (Tables K.3-K.6): the "typical" Huffman tables as (counts, values) per
# (class, destination).  Encoders that do not optimise Huffman coding write exactly these.
_DC_LUMA = (bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]), bytes(range(12)))
_DC_CHROMA = (bytes([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]), bytes(range(12)))
_AC_LUMA = (
    bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]),
    bytes.fromhex(
        "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a16"
        "1718191a25262728292a3435363738393a434445464748494a535455565758595a63646566676869"
        "6a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6"
        "b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
        "f9fa"
    ),
)
_AC_CHROMA = (
    bytes([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77]),
    bytes.fromhex(
        "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434"
        "e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768"
        "696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4"
        "b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8"
        "f9fa"
    ),
)
STANDARD_HUFFMAN = frozenset({_DC_LUMA, _DC_CHROMA, _AC_LUMA, _AC_CHROMA})

_MAX_SEGMENTS = 512


@dataclass
class Component:
    """One colour component of the frame (T.81 B.2.2)."""

    ident: int
    h: int
    v: int
    table: int


@dataclass
class JpegHeader:
    """Everything before the first scan's entropy-coded data, as read from the bytes."""

    segments: list[str] = field(default_factory=list)
    """Marker names in file order, APPn with their identifier (``APP1:Exif``)."""
    qtables: dict[int, list[int]] = field(default_factory=dict)
    """Quantisation tables by destination, in natural (row-major) order."""
    qtable_precision: dict[int, int] = field(default_factory=dict)
    huffman: list[tuple[int, int, bytes, bytes]] = field(default_factory=list)
    """(class, destination, 16 code counts, symbols) of every DHT table."""
    sof_marker: int | None = None
    sof_offset: int = 0
    sof_count: int = 0
    precision: int = 0
    """Sample precision of the frame in bits (8 for every photo; 12 and 16 exist)."""
    width: int = 0
    height: int = 0
    components: list[Component] = field(default_factory=list)
    restart_interval: int = 0
    scan_components: int = 0
    scan_offset: int = 0
    """Offset of the first byte of entropy-coded data of the first scan."""
    spectral: tuple[int, int] = (0, 63)
    apps: list[tuple[int, int, int]] = field(default_factory=list)
    """(marker, payload start, payload end) of every APPn and COM segment, in file order."""
    irregular: str | None = None
    """Where the header departs from a well-formed one in a way Pillow's parser reads
    differently (a short table, a marker without a length, a segment past the end): the
    reader of :mod:`ingest.jpegview` then leaves the file to Pillow."""

    @property
    def baseline_like(self) -> bool:
        """Sequential Huffman (SOF0/SOF1) with every component in the first scan."""
        return (
            self.sof_marker in (0xC0, 0xC1)
            and bool(self.components)
            and self.scan_components == len(self.components)
        )

    @property
    def standard_huffman(self) -> bool | None:
        """True when every Huffman table is one of Annex K.3's; None without tables."""
        if not self.huffman:
            return None
        return all((counts, symbols) in STANDARD_HUFFMAN for _, _, counts, symbols in self.huffman)

    @property
    def subsampling(self) -> str:
        """``4:2:0``, ``4:2:2``, ``4:4:4``, ``4:4:0``, ``gray`` or ``HxV,…``."""
        if len(self.components) == 1:
            return "gray"
        if len(self.components) != 3:
            return ",".join(f"{c.h}x{c.v}" for c in self.components)
        (y, cb, cr) = self.components
        if (cb.h, cb.v, cr.h, cr.v) != (1, 1, 1, 1):
            return ",".join(f"{c.h}x{c.v}" for c in self.components)
        return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0"}.get(
            (y.h, y.v), f"{y.h}x{y.v}"
        )

    @property
    def mcu_size(self) -> tuple[int, int]:
        """MCU width and height in pixels (8 x the largest sampling factors)."""
        if not self.components:
            return (8, 8)
        return (8 * max(c.h for c in self.components), 8 * max(c.v for c in self.components))

    def qtable_fingerprint(self) -> str:
        """A short hash of the tables used by the frame's components, in component order."""
        used = [self.qtables.get(c.table, []) for c in self.components] or list(
            self.qtables.values()
        )
        return _fingerprint(tuple(tuple(t) for t in used))


@functools.lru_cache(maxsize=512)
def _fingerprint(tables: tuple[tuple[int, ...], ...]) -> str:
    """:meth:`JpegHeader.qtable_fingerprint` of tables (cached: cameras reuse theirs)."""
    raw = ";".join(",".join(map(str, t)) for t in tables)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _app_ident(payload: bytes) -> str:
    """The identifier of an APP segment: Exif, JFIF, XMP, ICC_PROFILE, MPF, Photoshop…"""
    if payload.startswith(b"Exif\x00"):
        return "Exif"
    if payload.startswith(b"http://ns.adobe.com/xap/1.0/"):
        return "XMP"
    if payload.startswith(b"http://ns.adobe.com/xmp/extension/"):
        return "XMP-ext"
    ident = payload[:14].split(b"\x00", 1)[0].decode("latin-1", "replace").strip()
    return re.sub(r"[^\w .-]", "", ident, flags=re.ASCII)[:20]


def _parse_dqt(header: JpegHeader, payload: bytes) -> None:
    """One DQT segment may hold several tables (T.81 B.2.4.1)."""
    i = 0
    while i < len(payload):
        pq, tq = payload[i] >> 4, payload[i] & 15
        size = 128 if pq else 64
        body = payload[i + 1 : i + 1 + size]
        if len(body) < size:
            header.irregular = header.irregular or "short DQT"
            return
        values = struct.unpack(">64H", body) if pq else body
        header.qtables[tq] = [values[k] for k in _NATURAL_TO_ZIGZAG]
        header.qtable_precision[tq] = 16 if pq else 8
        i += 1 + size


def _parse_dht(header: JpegHeader, payload: bytes) -> None:
    """One DHT segment may hold several tables (T.81 B.2.4.2)."""
    i = 0
    while i + 17 <= len(payload) and len(header.huffman) < 32:
        tc, th = payload[i] >> 4, payload[i] & 15
        counts = bytes(payload[i + 1 : i + 17])
        total = sum(counts)
        symbols = bytes(payload[i + 17 : i + 17 + total])
        if len(symbols) < total:
            return
        header.huffman.append((tc, th, counts, symbols))
        i += 17 + total


def _parse_sof(header: JpegHeader, marker: int, offset: int, payload: bytes) -> None:
    header.sof_count += 1
    if len(payload) < 6 or header.sof_marker is not None:
        return
    header.sof_marker, header.sof_offset = marker, offset
    header.precision = payload[0]
    header.height, header.width = struct.unpack(">HH", payload[1:5])
    count = payload[5]
    if count not in (1, 3, 4) or header.precision != 8:  # Pillow opens no other frame
        header.irregular = header.irregular or f"frame of {count} components, {payload[0]} bits"
    for k in range(count):
        part = payload[6 + 3 * k : 9 + 3 * k]
        if len(part) == 3:
            header.components.append(Component(part[0], part[1] >> 4, part[1] & 15, part[2]))


#: Markers Pillow reads without a length (T.81 B.1.1.3: RSTn, SOI, EOI, TEM) or not at all
#: (reserved ones, JPG, JPGn) and DHP, which it reads as a frame.
_NOT_SEGMENTS = frozenset({*range(0x00, 0xC0), 0xC8, 0xDE, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})


def parse_header(data: bytes, *, tables: bool = True) -> JpegHeader | None:
    """The header up to the first scan, or None when the bytes are not a JPEG stream.

    ``tables=False`` skips the quantisation and Huffman tables (an EXIF thumbnail's size
    is all that is read of it).
    """
    if data[:2] != b"\xff\xd8":
        return None
    header = JpegHeader()
    i, n = 2, len(data)
    while i + 4 <= n and len(header.segments) < _MAX_SEGMENTS:
        if data[i] != 0xFF:
            header.irregular = header.irregular or "bytes between segments"
            return header
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in _NOT_SEGMENTS or length < 2 or i + 2 + length > n:
            header.irregular = header.irregular or f"marker 0x{marker:02X} at {i}"
        payload = data[i + 4 : i + 2 + length]
        if 0xE0 <= marker <= 0xEF:
            ident = _app_ident(payload)
            name = f"APP{marker - 0xE0}"
            header.segments.append(f"{name}:{ident}" if ident else name)
            header.apps.append((marker, i + 4, min(n, i + 2 + length)))
        elif marker == 0xDB:
            header.segments.append("DQT")
            if tables:
                _parse_dqt(header, payload)
        elif marker == 0xC4:
            header.segments.append("DHT")
            if tables:
                _parse_dht(header, payload)
        elif marker == 0xDD:
            header.segments.append("DRI")
            if len(payload) >= 2:
                header.restart_interval = struct.unpack(">H", payload[:2])[0]
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            header.segments.append(f"SOF{marker - 0xC0}")
            _parse_sof(header, marker, i, payload)
        elif marker == 0xDA:
            header.segments.append("SOS")
            if payload:
                header.scan_components = payload[0]
                tail = payload[1 + 2 * payload[0] :]
                if len(tail) >= 2:
                    header.spectral = (tail[0], tail[1])
            header.scan_offset = i + 2 + length
            return header
        elif marker == 0xFE:
            header.segments.append("COM")
            header.apps.append((marker, i + 4, min(n, i + 2 + length)))
        else:
            header.segments.append(f"0x{marker:02X}")
        i += 2 + length
    return header


#: The layout libjpeg's writer (and so Pillow, GIMP and most re-encoders) produces: an
#: optional JFIF APP0 first, then the caller's APP segments, one DQT per table, the frame,
#: one DHT per table, the scan.
_LIBJPEG_TAIL = re.compile(r"(?:DQT ){1,4}SOF[012] (?:DHT ){2,8}SOS$")


def libjpeg_layout(segments: list[str]) -> bool:
    """Whether the segment order is the one libjpeg's writer produces (JFIF first when
    present, each table in its own DQT and DHT segment)."""
    return _libjpeg_layout(tuple(segments))


@functools.lru_cache(maxsize=256)
def _libjpeg_layout(segments: tuple[str, ...]) -> bool:
    """:func:`libjpeg_layout` of one segment list (cached: cameras write the same ones)."""
    text = " ".join(segments)
    if not _LIBJPEG_TAIL.search(text):
        return False
    dqt = segments.count("DQT")
    dht = segments.count("DHT")
    return dqt >= 2 and dht >= 4 and (
        "APP0:JFIF" not in segments or segments.index("APP0:JFIF") == 0
    )
