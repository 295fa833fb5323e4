"""The own JPEG header reader gives the facts Pillow's parser gives, on every kind of file.

``ingest.jpegview`` reads a well-formed JPEG's size, EXIF, XMP, ICC profile and APPn list
from the header the rules parse anyway, instead of opening the file with Pillow too
(issue 12: the check must cost a small fraction of a decode). The facts, and so the
verdicts, must not change: every real photo of the corpora, copies made the ways tools
make them, and copies damaged the ways transfers and hostile senders damage files are
read both ways and must give identical :class:`~ingest.photos.PhotoFacts`.
"""

from __future__ import annotations

import dataclasses
import random
import struct

import pytest
from photo_derive import KINDS
from photo_factory import camera_exif, corrupt_exif_jpeg, make_jpeg, phone_tables
from shared_data import CAMERA_ORIGINALS, PHOTO_CORPUS, jpegs

from ingest.jpegstructure import parse_header
from ingest.jpegview import from_header
from ingest.photos import read_photo_facts
from validators.settings import ValidationSettings

LIMITS = ValidationSettings().photos


ORIGINALS = jpegs(CAMERA_ORIGINALS)
REAL = ORIGINALS + jpegs(PHOTO_CORPUS)
needs_corpus = pytest.mark.skipif(not REAL, reason="shared photo corpora absent")


def _both(name: str, data: bytes) -> tuple[dict[str, object], dict[str, object]]:
    own = read_photo_facts(name, data, LIMITS)
    pillow = read_photo_facts(name, data, LIMITS, jpeg_headers="pillow")
    return dataclasses.asdict(own), dataclasses.asdict(pillow)


def _assert_same(name: str, data: bytes) -> None:
    own, pillow = _both(name, data)
    differing = {k: (own[k], pillow[k]) for k in own if own[k] != pillow[k]}
    assert not differing, f"{name}: {differing}"


def _segments(data: bytes) -> list[tuple[int, int]]:
    """(offset, marker) of every header segment up to the scan."""
    found, i = [], 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        found.append((i, marker))
        if marker == 0xDA:
            break
        i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    return found


def damaged_copies(data: bytes, seed: int) -> list[tuple[str, bytes]]:
    """The file damaged in the header the ways transfers and hostile senders do."""
    header = parse_header(data)
    assert header is not None and header.scan_offset
    end = header.scan_offset
    copies: list[tuple[str, bytes]] = []
    for cut in sorted({4, 20, 200, end // 3, end // 2, end - 3, end + 10, len(data) // 2}):
        copies.append((f"cut at {cut}", data[:cut]))
    for offset, marker in _segments(data):
        for delta, value in ((1, 0x01), (1, 0xD3), (1, 0xF2), (1, 0xDE), (1, 0xC3),
                             (2, 0x00), (3, 0x01), (2, 0xFF), (4, 0x00)):  # fmt: skip
            damaged = bytearray(data)
            if offset + delta < end:
                damaged[offset + delta] = value
                copies.append((f"0x{marker:02X}@{offset}+{delta}={value:02X}", bytes(damaged)))
        copies.append((f"junk before 0x{marker:02X}", data[:offset] + b"\x00junk" + data[offset:]))
    sof = next(o for o, m in _segments(data) if 0xC0 <= m <= 0xC2)
    length = struct.unpack(">H", data[sof + 2 : sof + 4])[0]
    copies.append(("second frame", data[:sof] + data[sof : sof + 2 + length] + data[sof:]))
    rng = random.Random(seed)
    for k in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(2, end)] = rng.randrange(256)
        copies.append((f"random {k}", bytes(damaged)))
    return copies


@needs_corpus
def test_every_real_photo_gives_the_same_facts_both_ways() -> None:
    """Both readers agree on every real JPEG, and the own reader is the one that reads
    nearly all of them (the test would say nothing if it always fell back to Pillow)."""
    own_read = 0
    for path in REAL:
        data = path.read_bytes()
        _assert_same(path.name, data)
        header = parse_header(data)
        if header is not None and from_header(data, header, LIMITS.max_pixels) is not None:
            own_read += 1
    assert own_read >= 0.9 * len(REAL), (own_read, len(REAL))
    for path in ORIGINALS:
        data = path.read_bytes()
        header = parse_header(data)
        assert header is not None and from_header(data, header, LIMITS.max_pixels), path.name


@needs_corpus
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_copies_made_by_tools_give_the_same_facts(kind: str) -> None:
    """Re-encodes, resizes, crops, chat copies and editor saves (piexif-rewritten EXIF)."""
    make = KINDS[kind][1]
    for path in ORIGINALS[::5] or REAL[::10]:
        _assert_same(f"{kind}: {path.name}", make(path.read_bytes()))


XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
       b'xmp:CreatorTool="Adobe Photoshop Lightroom" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')


def _repeated_exif(data: bytes, times: int) -> bytes:
    """The file with its Exif segment written ``times`` times (Pillow joins them)."""
    length = struct.unpack(">H", data[4:6])[0]
    assert data[2:4] == b"\xff\xe1" and data[6:12] == b"Exif\x00\x00"
    segment = data[2 : 4 + length]
    return data[:2] + segment * times + data[4 + length :]


def _generated() -> list[tuple[str, bytes]]:
    """JPEGs encoded the ways cameras and encoders do, without the corpora."""
    return [
        ("Exif written 3 times", _repeated_exif(make_jpeg(exif=camera_exif()), 3)),
        ("Exif written 300 times", _repeated_exif(make_jpeg(exif=camera_exif()), 300)),
        ("camera", make_jpeg(exif=camera_exif())),
        ("phone tables", make_jpeg(exif=camera_exif(), qtables=phone_tables())),
        ("progressive", make_jpeg(exif=camera_exif(), progressive=True)),
        ("no EXIF", make_jpeg()),
        ("comment and XMP", make_jpeg(exif=camera_exif(), comment=b"SONY DSC", xmp=XMP)),
        ("corrupt EXIF", corrupt_exif_jpeg()),
    ]


@pytest.mark.parametrize("name,data", _generated(), ids=[n for n, _ in _generated()])
def test_generated_photos_give_the_same_facts(name: str, data: bytes) -> None:
    _assert_same(name, data)


def test_damaged_headers_give_the_same_facts() -> None:
    """Cut short, bytes overwritten at every segment's marker and length, junk between
    segments, a second frame, random damage: the two readers describe it alike."""
    sources = [("camera", make_jpeg(exif=camera_exif())),
               ("phone tables", make_jpeg(exif=camera_exif(), qtables=phone_tables()))]  # fmt: skip
    sources += [(p.name, p.read_bytes()) for p in ORIGINALS[::9]]
    checked = 0
    for seed, (name, data) in enumerate(sources):
        for how, damaged in damaged_copies(data, seed):
            _assert_same(f"{name} ({how})", damaged)
            checked += 1
    assert checked >= 150
