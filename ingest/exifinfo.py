"""EXIF facts for the consistency checks: thumbnail, focal plane, MakerNote, dates.

Read from the raw TIFF structure of the APP1 Exif block (TIFF 6.0 §2, Exif 2.32 §4.6)
rather than through Pillow, because the checks need offsets Pillow does not expose: where
the MakerNote sits and where its own pointers point (a MakerNote whose pointers no longer
land inside it was moved by software that rewrote the EXIF), and the embedded thumbnail's
own JPEG header (its size and aspect, against the main image's).
"""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass
from typing import Any

from ingest.jpegstructure import parse_header

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_MAX_ENTRIES = 512

#: MakerNote headers before their IFD: (prefix, offset of the IFD, pointers relative to
#: the MakerNote itself instead of the TIFF header).  Plain IFDs (Canon, Samsung…) have
#: no prefix and TIFF-relative pointers.
_MAKERNOTE_HEADERS: tuple[tuple[bytes, int, bool], ...] = (
    (b"Nikon\x00\x02", -1, True),  # a TIFF header of its own at +10: self-contained
    (b"Apple iOS\x00", 14, True),
    (b"FUJIFILM", -2, True),  # IFD offset stored at +8, relative to the MakerNote
    (b"OLYMPUS\x00", 12, True),
    (b"OLYMP\x00", 8, False),
    (b"SONY DSC \x00\x00\x00", 12, False),
    (b"SONY CAM \x00\x00\x00", 12, False),
    (b"Panasonic\x00\x00\x00", 12, False),
    (b"PENTAX \x00", 10, True),
    (b"AOC\x00", 6, False),
    (b"QVC\x00", 6, False),
    (b"SIGMA\x00\x00\x00", 10, False),
)


@dataclass
class ExifDetails:
    """The consistency facts of one EXIF block (all optional)."""

    ifd0_width: int | None = None
    ifd0_height: int | None = None
    modify_date: str | None = None
    datetime_digitized: str | None = None
    focal_length: float | None = None
    focal_length_35mm: int | None = None
    focal_plane_x_resolution: float | None = None
    focal_plane_y_resolution: float | None = None
    focal_plane_unit: int | None = None
    makernote_bytes: int = 0
    makernote_consistent: bool | None = None
    """False when the MakerNote's pointers no longer land inside it (moved by a rewrite)."""
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    thumbnail: bytes | None = None
    """The embedded thumbnail JPEG itself (not kept in the facts: compared, then dropped)."""
    tags: dict[int, Any] | None = None
    """The camera tags the photo rules read (Make, Model, Software, Orientation from IFD0;
    DateTimeOriginal, PixelX/YDimension, UserComment, exposure tags from the Exif IFD), as
    Pillow's ``getexif()`` gives them, when the block is :func:`plain`; else None (the
    caller asks Pillow, which also reports the damage)."""


class _Tiff:
    """Bounded reader of one TIFF structure (the Exif block after ``Exif\\0\\0``)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if data[:2] == b"II":
            self.order = "<"
        elif data[:2] == b"MM":
            self.order = ">"
        else:
            raise ValueError("not a TIFF header")
        self._entries: dict[tuple[str, int], dict[int, tuple[int, int, int, int]]] = {}

    def u16(self, at: int) -> int:
        return int(struct.unpack_from(self.order + "H", self.data, at)[0])

    def u32(self, at: int) -> int:
        return int(struct.unpack_from(self.order + "I", self.data, at)[0])

    def entries(self, at: int) -> dict[int, tuple[int, int, int, int]]:
        """Tag -> (type, count, value offset or inline value, entry offset) of one IFD
        (read once: the consistency facts and the camera tags ask for the same IFDs)."""
        key = (self.order, at)  # a MakerNote is tried in both byte orders
        known = self._entries.get(key)
        if known is None:
            known = self._entries[key] = self._read_entries(at)
        return known

    def _read_entries(self, at: int) -> dict[int, tuple[int, int, int, int]]:
        if at < 0 or at + 2 > len(self.data):
            return {}
        count = self.u16(at)
        if count > _MAX_ENTRIES or at + 2 + 12 * count > len(self.data):
            return {}
        fields = struct.unpack_from(self.order + "HHII" * count, self.data, at + 2)
        # Built by zip, in C (a MakerNote holds hundreds of entries); a tag written twice
        # keeps its last entry, as Pillow does.
        offsets = range(at + 2, at + 2 + 12 * count, 12)
        return dict(zip(fields[0::4], zip(fields[1::4], fields[2::4], fields[3::4], offsets,
                                          strict=True), strict=True))  # fmt: skip

    def value_at(self, entry: tuple[int, int, int, int]) -> int:
        """Where the value bytes of an entry start."""
        kind, count, value, offset = entry
        size = _TYPE_SIZES.get(kind, 1) * count
        return offset + 8 if size <= 4 else value

    def number(self, entry: tuple[int, int, int, int] | None) -> float | None:
        """SHORT, LONG or RATIONAL value of an entry."""
        if entry is None:
            return None
        kind, _, value, offset = entry
        if kind == 3:
            return float(self.u16(offset + 8))
        if kind == 4:
            return float(value)
        if kind in (5, 10) and value + 8 <= len(self.data):
            num, den = self.u32(value), self.u32(value + 4)
            return num / den if den else None
        return None

    def text(self, entry: tuple[int, int, int, int] | None) -> str | None:
        if entry is None or entry[0] != 2:
            return None
        start = self.value_at(entry)
        raw = self.data[start : start + min(entry[1], 64)]
        return raw.split(b"\x00", 1)[0].decode("latin-1", "replace").strip() or None


def _makernote_consistent(tiff: _Tiff, start: int, size: int) -> bool | None:
    """Whether the MakerNote's out-of-line pointers land inside the MakerNote.

    Makers count those pointers from the TIFF header (Canon, Sony, Panasonic…) or from the
    MakerNote itself (Apple, Fujifilm, Samsung's newer notes…): the note is consistent
    when either base puts them inside it. When neither does, the note was moved by
    software that rewrote the EXIF without fixing it. None: not an IFD we can judge.
    """
    note = tiff.data[start : start + size]
    ifd_at, fixed_order = 0, None
    for prefix, offset, _relative in _MAKERNOTE_HEADERS:
        if note.startswith(prefix):
            if offset == -1:
                return True  # Nikon type 3: its own TIFF header, immune to moves
            if offset == -2:  # Fujifilm: always little-endian, IFD offset at +8
                offset = int(struct.unpack("<I", note[8:12])[0]) if len(note) >= 12 else 0
                fixed_order = "<"
            elif prefix.startswith(b"Apple"):
                fixed_order = ">"
            ifd_at = offset
            break
    else:
        if note[:1].isalpha() and note[:4].isascii() and note[1:2].isalpha():
            return None  # another maker's text header: format unknown here
    view = _Shifted(tiff, start)
    if fixed_order:
        view.order = fixed_order  # self-relative, fixed byte order: immune to moves
        return True if _plausible(view.entries(ifd_at)) else None
    entries = view.entries(ifd_at)
    if not _plausible(entries):
        view.order = ">" if tiff.order == "<" else "<"
        if _plausible(view.entries(ifd_at)):
            return False  # copied verbatim into an EXIF rewritten in the other byte order
        return None  # not an IFD (a binary MakerNote)
    pointers = [
        value
        for kind, count, value, _ in entries.values()
        if _TYPE_SIZES.get(kind, 1) * count > 4
    ]
    if not pointers:
        return None
    for base in (0, start):
        inside = sum(1 for p in pointers if start <= base + p < start + size)
        if inside >= 0.8 * len(pointers):
            return True
    return False


def _plausible(entries: dict[int, tuple[int, int, int, int]]) -> bool:
    """Enough entries, nearly all with a TIFF type: an IFD, not binary data."""
    valid = sum(1 for kind, _, _, _ in entries.values() if kind in _TYPE_SIZES)
    return len(entries) >= 2 and valid >= 0.9 * len(entries)


class _Shifted(_Tiff):
    """A view of the TIFF data starting at a MakerNote (its own byte order kept)."""

    def __init__(self, tiff: _Tiff, start: int) -> None:
        self.data = tiff.data[start:]
        self.order = tiff.order
        self._entries = {}


_MAX_THUMBNAIL = 256 * 1024


def _thumbnail(details: ExifDetails, tiff: _Tiff, ifd1: int) -> None:
    """The IFD1 thumbnail (JPEGInterchangeFormat) and its size from its own header."""
    entries = tiff.entries(ifd1)
    offset, length = entries.get(513), entries.get(514)
    if offset is None or length is None or length[2] > _MAX_THUMBNAIL:
        return
    start, size = offset[2], length[2]
    data = tiff.data[start : start + size]
    header = parse_header(data, tables=False)
    if header is None or not header.width:
        return
    details.thumbnail_width, details.thumbnail_height = header.width, header.height
    details.thumbnail = data


#: Byte sizes of the field types Pillow reads (TIFF 6.0 §2 plus IFD and LONG8); others
#: it skips.
_PILLOW_SIZES = {**_TYPE_SIZES, 13: 4, 16: 8}
_IFD0_TAGS = {271: 2, 272: 2, 305: 2, 274: 3}  # tag -> the one type read without Pillow
_EXIF_TAGS = {36867: 2, 40962: 3, 40963: 3, 37510: 7}
#: ExposureTime, FNumber, ISOSpeedRatings, FocalLength: written only by a capture.
EXPOSURE_TAGS = (33434, 33437, 34855, 37386)


def _plain_ifd(tiff: _Tiff, at: int) -> dict[int, tuple[int, int, int, int]] | None:
    """The entries of an IFD when Pillow would read it without a word: its count, entries
    and next pointer inside the block, no tag twice, every value of a known type inside
    the block and all of them together no larger than it; else None."""
    data = tiff.data
    if at < 8 or at + 2 > len(data):
        return None
    count = tiff.u16(at)
    if count > _MAX_ENTRIES or at + 2 + 12 * count + 4 > len(data):
        return None
    entries = tiff.entries(at)
    if len(entries) != count:
        return None
    total = 0
    for kind, number, value, _ in entries.values():
        size = _PILLOW_SIZES.get(kind, 0) * number
        if size > 4:
            total += size
            if value + size > len(data) or total > len(data):
                return None
    return entries


def _camera_tags(tiff: _Tiff, ifd0_at: int) -> dict[int, Any] | None:
    """The tags of :attr:`ExifDetails.tags`, or None where only Pillow can say."""
    if tiff.data[2:4] != (b"\x2a\x00" if tiff.order == "<" else b"\x00\x2a"):
        return None
    ifd0 = _plain_ifd(tiff, ifd0_at)
    if ifd0 is None:
        return None
    pointer = ifd0.get(0x8769)
    exif: dict[int, tuple[int, int, int, int]] | None = {}
    if pointer is not None:
        if pointer[0] not in (4, 13) or pointer[1] != 1:
            return None
        exif = _plain_ifd(tiff, pointer[2])
    if exif is None:
        return None
    tags: dict[int, Any] = {}
    for entries, wanted in ((ifd0, _IFD0_TAGS), (exif, _EXIF_TAGS)):
        for tag, kind in wanted.items():
            entry = entries.get(tag)
            if entry is None or entry[1] == 0:
                continue
            value = _pillow_value(tiff, entry, kind)
            if value is _ODD:
                return None
            tags[tag] = value
    tags[0] = sum(1 for tag in EXPOSURE_TAGS if _present(tiff, exif.get(tag)))
    return tags


_ODD = object()


def _pillow_value(tiff: _Tiff, entry: tuple[int, int, int, int], kind: int) -> Any:
    """The value Pillow gives a tag of the expected type, or :data:`_ODD` for another."""
    have, number, _, _ = entry
    start = tiff.value_at(entry)
    if kind == 2 and have == 2:
        raw = tiff.data[start : start + number]
        return (raw[:-1] if raw.endswith(b"\x00") else raw).decode("latin-1", "replace")
    if kind == 3 and have in (3, 4) and number == 1:
        return tiff.u16(start) if have == 3 else tiff.u32(start)
    if kind == 7 and have == 7:
        return tiff.data[start : start + number]
    return _ODD


def _present(tiff: _Tiff, entry: tuple[int, int, int, int] | None) -> bool:
    """Whether Pillow holds a value for the entry (an empty string counts as none)."""
    if entry is None or entry[1] == 0 or entry[0] not in _PILLOW_SIZES:
        return False
    if entry[0] == 2:
        raw = tiff.data[tiff.value_at(entry) : tiff.value_at(entry) + entry[1]]
        return raw not in (b"", b"\x00")
    return True


def read_exif_details(block: bytes) -> ExifDetails:
    """The facts of an APP1 Exif block (``Exif\\0\\0`` + TIFF); never raises."""
    details = ExifDetails()
    # What was read before a defect stays; a corrupt block is reported by the reader.
    with contextlib.suppress(ValueError, struct.error, IndexError):
        _read(details, block[6:] if block.startswith(b"Exif\x00\x00") else block)
    return details


def _read(details: ExifDetails, data: bytes) -> None:
    tiff = _Tiff(data)
    ifd0_at = tiff.u32(4)
    details.tags = _camera_tags(tiff, ifd0_at)
    ifd0 = tiff.entries(ifd0_at)
    number = tiff.number
    width, height = number(ifd0.get(256)), number(ifd0.get(257))
    details.ifd0_width = int(width) if width else None
    details.ifd0_height = int(height) if height else None
    details.modify_date = tiff.text(ifd0.get(306))
    exif_ptr = ifd0.get(0x8769)
    exif = tiff.entries(exif_ptr[2]) if exif_ptr else {}
    details.datetime_digitized = tiff.text(exif.get(36868))
    details.focal_length = number(exif.get(37386))
    focal35 = number(exif.get(41989))
    details.focal_length_35mm = int(focal35) if focal35 else None
    details.focal_plane_x_resolution = number(exif.get(41486))
    details.focal_plane_y_resolution = number(exif.get(41487))
    unit = number(exif.get(41488))
    details.focal_plane_unit = int(unit) if unit else None
    note = exif.get(37500)
    if note is not None and note[1] > 4:
        details.makernote_bytes = note[1]
        details.makernote_consistent = _makernote_consistent(tiff, note[2], note[1])
    count = tiff.u16(ifd0_at) if ifd0_at + 2 <= len(data) else 0
    next_at = ifd0_at + 2 + 12 * count
    if next_at + 4 <= len(data):
        _thumbnail(details, tiff, tiff.u32(next_at))


def as_dict(details: ExifDetails) -> dict[str, Any]:
    """The non-empty facts, for the evidence shown to editors."""
    return {
        k: v
        for k, v in vars(details).items()
        if v is not None and v != 0 and k not in ("thumbnail", "tags")
    }
