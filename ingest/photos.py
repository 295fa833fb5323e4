"""Photo facts read from file headers (EXIF, quantisation tables, XMP) without decoding pixels.

Everything the photo rules judge is read here once, from headers only: a full decode of a
12-MP photo costs 20-100 times more than its headers, and a hostile file can claim any size.
Broken or hostile input becomes ``PhotoFacts.error`` (a ``photo_unreadable`` problem), never
an exception. Every field is a JSON-friendly primitive because candidates are stored as JSON
and judged again after a fix-by-reply.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import posixpath
import re
import struct
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from ingest.jpegquality import estimate_quality
from validators.settings import PhotoRules

try:  # pillow-heif is a dependency; without it a HEIC is reported unreadable, not a crash
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass

#: Formats the rules read (SPEC §3); anything else is ``photo_unsupported_format``.
SUPPORTED_FORMATS = frozenset({"JPEG", "HEIF", "PNG"})

#: Extensions of the supported formats: a file named so that cannot be opened is unreadable.
SUPPORTED_EXTENSIONS = frozenset({"jpg", "jpeg", "jpe", "jfif", "heic", "heif", "hif", "png"})

#: Every image extension: these count as photos so unsupported ones get a clear problem.
IMAGE_EXTENSIONS = SUPPORTED_EXTENSIONS | frozenset(
    {
        "gif", "bmp", "dib", "webp", "tif", "tiff", "avif", "jxl", "jp2", "j2k", "ico",
        "svg", "psd", "dng", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf", "srw", "pef",
        "raw", "tga", "pcx", "emf", "wmf", "jxr", "hdp", "wdp", "mpo", "avifs", "heics",
    }
)  # fmt: skip

_EXIF_IFD = 0x8769
_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE, _TAG_ORIENTATION = 271, 272, 305, 274
_TAG_DATETIME_ORIGINAL, _TAG_EXIF_WIDTH, _TAG_EXIF_HEIGHT = 36867, 40962, 40963
#: ExposureTime, FNumber, ISOSpeedRatings, FocalLength: written only by a capture.
_EXPOSURE_TAGS = (33434, 33437, 34855, 37386)
_TAG_USER_COMMENT = 37510

_MAX_XMP_CHARS = 512 * 1024

#: ISO-BMFF major brands of HEIF still images (HEVC and generic).
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"mif2"}
)


@dataclass
class PhotoFacts:
    """What the headers of one photo say; rules in ``validators.photos`` judge them."""

    filename: str
    format: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int = 0
    sha256: str = ""
    camera: str | None = None
    quality: int | None = None
    error: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    # --- EXIF (IFD0 and Exif IFD) ---
    make: str | None = None
    model: str | None = None
    software: str | None = None
    datetime_original: str | None = None
    exif_width: int | None = None
    exif_height: int | None = None
    orientation: int | None = None
    exposure_tags: int = 0
    """How many of ExposureTime, FNumber, ISO, FocalLength the EXIF holds."""
    user_comment: str | None = None
    # --- JPEG coding ---
    quality_distance: float | None = None
    """Mean absolute difference from the best-fitting scaled Annex K tables (0: libjpeg)."""
    quality_relative_distance: float | None = None
    progressive: bool = False
    app_markers: list[str] = field(default_factory=list)
    """APPn segments in file order with their identifier, e.g. ``APP1:Exif``."""
    comments: list[str] = field(default_factory=list)
    # --- editing traces ---
    xmp_creator_tool: str | None = None
    xmp_history: list[str] = field(default_factory=list)
    """xmpMM:History events that changed more than metadata: ``action by agent``."""
    xmp_derived: bool = False
    """xmpMM:DerivedFrom present: the file was saved from another document."""
    xmp_raw_settings: bool = False
    """Camera Raw / Lightroom develop settings (crs:HasSettings or crs:HasCrop) applied."""
    photoshop_history: str | None = None
    photoshop_resources: list[int] = field(default_factory=list)
    """Resource ids of the APP13 Photoshop block."""
    reencoder_traces: list[str] = field(default_factory=list)
    """Marks re-encoders leave, e.g. Facebook's ``FBMD`` IPTC reference."""
    icc_description: str | None = None

    @property
    def long_side(self) -> int:
        """The longer pixel side (0 when unknown)."""
        return max(self.width or 0, self.height or 0)

    @property
    def has_camera_metadata(self) -> bool:
        """Make/Model, DateTimeOriginal, or exposure data: written by a camera at capture."""
        return bool(self.make or self.model or self.datetime_original or self.exposure_tags >= 2)


def _extension(filename: str) -> str:
    """Lower-case extension without the dot."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_photo_candidate(filename: str, content_type: str) -> bool:
    """Whether an attachment is meant as a photo: image/* or an image extension."""
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    if ctype.startswith("image/"):
        return True
    return _extension(filename) in IMAGE_EXTENSIONS


def _clean(value: Any) -> str | None:
    """An EXIF text value as a clean string (NULs and padding stripped), or None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", " ").strip()
    return text or None


def _as_int(value: Any) -> int | None:
    """An EXIF dimension as int; odd types (a LONG read as two SHORTs) give the first."""
    if isinstance(value, tuple | list) and value:
        value = value[0]
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _sniff(data: bytes) -> str | None:
    """The container type from magic bytes, before Pillow is asked."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in _HEIF_BRANDS:
            return "HEIF"
        return "MP4/MOV"  # an ISO-BMFF video (e.g. the motion part of a Live Photo)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:2] == b"BM":
        return "BMP"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    return None


# ---------------------------------------------------------------- container integrity

_VALID_AFTER_FF = np.zeros(256, dtype=bool)
_VALID_AFTER_FF[[0x00, 0xFF, *range(0xD0, 0xD8)]] = True
_SCAN_CHUNK = 4 * 1024 * 1024


def _next_marker(data: bytes, start: int) -> int:
    """Offset of the first 0xFF not followed by a stuffing zero, a fill byte or RSTn; -1 if none.

    Vectorised and chunked: memory stays a few times the chunk size even for a file that
    is nothing but 0xFF 0x00 pairs.
    """
    n = len(data)
    pos = start
    while pos < n - 1:
        count = min(_SCAN_CHUNK + 1, n - pos)
        arr = np.frombuffer(data, dtype=np.uint8, count=count, offset=pos)
        ff = np.flatnonzero(arr[:-1] == 0xFF)
        bad = ff[~_VALID_AFTER_FF[arr[ff + 1]]]
        if bad.size:
            return pos + int(bad[0])
        pos += count - 1
    return -1


def _jpeg_structure_error(data: bytes) -> str | None:
    """Walk the JPEG segments and entropy-coded scans; describe the first defect or None.

    Pillow's header parse stops at the first scan, so a truncated file or garbage inside
    the compressed data (an invalid marker) only shows at decode time. A vectorised search
    for 0xFF bytes not followed by a stuffing zero or a restart marker finds both at a
    small fraction of a decode's cost.
    """
    n = len(data)
    i = 2
    while True:
        if i + 1 >= n:
            return "thiếu phần cuối tệp (EOI): tệp bị cắt cụt"
        if data[i] != 0xFF:
            return f"dữ liệu lạ ở byte {i}"
        m = data[i + 1]
        if m == 0xFF:
            i += 1
            continue
        if m == 0xD9:
            return None
        if m == 0x01 or 0xD0 <= m <= 0xD7:
            i += 2
            continue
        if m < 0xC0 or m == 0xD8:
            return f"mã đánh dấu không hợp lệ 0xFF{m:02X} ở byte {i}"
        if i + 4 > n:
            return "tệp bị cắt cụt"
        length = (data[i + 2] << 8) | data[i + 3]
        end = i + 2 + length
        if length < 2 or end > n:
            return "tệp bị cắt cụt"
        if m != 0xDA:
            i = end
            continue
        i = _next_marker(data, end)
        if i < 0:
            return "thiếu phần cuối tệp (EOI): tệp bị cắt cụt"


def _png_structure_error(data: bytes) -> str | None:
    """Walk PNG chunks up to IEND; a chunk running past the end means truncation."""
    n, i = len(data), 8
    while i + 8 <= n:
        length = struct.unpack(">I", data[i : i + 4])[0]
        ctype = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > n:
            return "tệp PNG bị cắt cụt"
        if ctype == b"IEND":
            return None
        if (
            ctype == b"IHDR"
            and zlib.crc32(data[i + 4 : i + 8 + length])
            != struct.unpack(">I", data[i + 8 + length : end])[0]
        ):
            return "phần đầu PNG hỏng (CRC)"
        i = end
    return "thiếu phần cuối tệp PNG (IEND): tệp bị cắt cụt"


def _isobmff_structure_error(data: bytes) -> str | None:
    """Walk the top-level HEIF boxes; a box running past the end means truncation."""
    n, i, seen = len(data), 0, set()
    while i + 8 <= n:
        size = struct.unpack(">I", data[i : i + 4])[0]
        box = data[i + 4 : i + 8]
        header = 8
        if size == 1:
            if i + 16 > n:
                return "tệp HEIF bị cắt cụt"
            size = struct.unpack(">Q", data[i + 8 : i + 16])[0]
            header = 16
        elif size == 0:
            size = n - i
        if size < header or i + size > n:
            return "tệp HEIF bị cắt cụt"
        seen.add(box)
        i += size
    if i != n and n - i >= 8:
        return "tệp HEIF bị cắt cụt"
    if b"meta" not in seen:
        return "tệp HEIF thiếu phần mô tả (meta)"
    return None


# ---------------------------------------------------------------- metadata parsers


def _xmp_value(xmp: str, name: str) -> str | None:
    """A simple XMP property as attribute or element (``prefix:Name``, any case)."""
    pattern = rf'{name}\s*=\s*"([^"]*)"|{name}\s*=\s*\'([^\']*)\'|<{name}>\s*([^<]*?)\s*</{name}>'
    match = re.search(pattern, xmp, re.IGNORECASE)
    if not match:
        return None
    value = next((g for g in match.groups() if g is not None), "")
    return value.strip() or None


_LI = re.compile(r"<rdf:li\b(.*?)(?:/>|</rdf:li>)", re.IGNORECASE | re.DOTALL)


def _xmp_history(xmp: str) -> list[str]:
    """xmpMM:History events that changed pixels, as ``action by agent (changed)``.

    Lightroom writes ``saved`` with ``changed="/metadata"`` when only keywords or ratings
    were edited; that is not editing the photo, so such events are left out.
    """
    block = re.search(r"<xmpMM:History\b.*?</xmpMM:History>", xmp, re.IGNORECASE | re.DOTALL)
    if not block:
        return []
    events = []
    for li in _LI.findall(block.group(0)):
        action = (_xmp_value(li, "stEvt:action") or "").lower()
        agent = _xmp_value(li, "stEvt:softwareAgent") or ""
        changed = _xmp_value(li, "stEvt:changed") or ""
        if action == "created" or not action:
            continue
        parts = [p.strip() for p in changed.split(";") if p.strip()]
        if parts and all(p == "/metadata" for p in parts):
            continue
        text = f"{action} by {agent}" if agent else action
        events.append(f"{text} ({changed})" if changed else text)
        if len(events) >= 20:  # enough evidence; the facts are stored as JSON
            break
    return events


def _parse_xmp(facts: PhotoFacts, raw: Any) -> None:
    """Fill the XMP editing traces from the raw packet (regex, no XML parser: bounded)."""
    if isinstance(raw, bytes):
        xmp = raw[:_MAX_XMP_CHARS].decode("utf-8", "replace")
    elif isinstance(raw, str):
        xmp = raw[:_MAX_XMP_CHARS]
    else:
        return
    if not xmp:
        return
    facts.xmp_creator_tool = _xmp_value(xmp, "xmp:CreatorTool") or _xmp_value(
        xmp, "xap:CreatorTool"
    )
    facts.xmp_history = _xmp_history(xmp)
    facts.xmp_derived = bool(re.search(r"<xmpMM:DerivedFrom\b", xmp, re.IGNORECASE))
    facts.xmp_raw_settings = any(
        (_xmp_value(xmp, f"crs:{prop}") or "").lower() == "true"
        for prop in ("HasSettings", "HasCrop")
    )
    history = _xmp_value(xmp, "photoshop:History")
    facts.photoshop_history = history[:200] if history else None
    if not facts.make:
        facts.make = _xmp_value(xmp, "tiff:Make")
    if not facts.model:
        facts.model = _xmp_value(xmp, "tiff:Model")
    if not facts.datetime_original:
        facts.datetime_original = _xmp_value(xmp, "exif:DateTimeOriginal")


def _photoshop_resources(block: bytes) -> list[int]:
    """Resource ids of an APP13 ``Photoshop 3.0`` block (8BIM records)."""
    ids: list[int] = []
    prefix = b"Photoshop 3.0\x00"
    if not block.startswith(prefix):
        return ids
    i, n = len(prefix), len(block)
    while i + 12 <= n and block[i : i + 4] == b"8BIM" and len(ids) < 256:
        rid = struct.unpack(">H", block[i + 4 : i + 6])[0]
        name_len = block[i + 6]
        j = i + 7 + name_len
        if (1 + name_len) % 2:
            j += 1
        if j + 4 > n:
            break
        size = struct.unpack(">I", block[j : j + 4])[0]
        ids.append(rid)
        i = j + 4 + size + (size % 2)
    return ids


def _icc_description(icc: bytes) -> str | None:
    """The profile description (``desc`` tag, v2 text or v4 mluc) of an ICC profile."""
    if len(icc) < 132:
        return None
    count = struct.unpack(">I", icc[128:132])[0]
    for k in range(min(count, 100)):
        off = 132 + 12 * k
        if off + 12 > len(icc):
            return None
        sig, start, size = struct.unpack(">4sII", icc[off : off + 12])
        if sig != b"desc" or start + size > len(icc) or size < 12:
            continue
        tag = icc[start : start + size]
        if tag[:4] == b"desc":
            length = struct.unpack(">I", tag[8:12])[0]
            return _clean(tag[12 : 12 + min(length, 256)].split(b"\x00", 1)[0])
        if tag[:4] == b"mluc" and size >= 28:
            rec_len, rec_off = struct.unpack(">II", tag[20:28])
            return _clean(tag[rec_off : rec_off + min(rec_len, 512)].decode("utf-16-be", "replace"))
    return None


def _app_name(marker: str, payload: bytes) -> str:
    """``APPn:Identifier`` for an APP segment (Exif, XMP, ICC_PROFILE, MPF, Photoshop…)."""
    if payload.startswith(b"Exif\x00"):
        ident = "Exif"
    elif payload.startswith(b"http://ns.adobe.com/xap/1.0/"):
        ident = "XMP"
    elif payload.startswith(b"http://ns.adobe.com/xmp/extension/"):
        ident = "XMP-ext"
    else:
        ident = payload[:14].split(b"\x00", 1)[0].decode("latin-1", "replace").strip()
        ident = re.sub(r"[^\w .-]", "", ident)[:20]
    return f"{marker}:{ident}" if ident else marker


# ---------------------------------------------------------------- reading


def _read_exif(facts: PhotoFacts, im: Image.Image) -> None:
    """Fill the EXIF fields; Pillow's parser may raise on a corrupt block."""
    exif = im.getexif()
    facts.make = _clean(exif.get(_TAG_MAKE))
    facts.model = _clean(exif.get(_TAG_MODEL))
    facts.software = _clean(exif.get(_TAG_SOFTWARE))
    facts.orientation = _as_int(exif.get(_TAG_ORIENTATION))
    ifd = exif.get_ifd(_EXIF_IFD)
    facts.datetime_original = _clean(ifd.get(_TAG_DATETIME_ORIGINAL))
    facts.exif_width = _as_int(ifd.get(_TAG_EXIF_WIDTH))
    facts.exif_height = _as_int(ifd.get(_TAG_EXIF_HEIGHT))
    facts.exposure_tags = sum(1 for tag in _EXPOSURE_TAGS if ifd.get(tag) not in (None, ""))
    comment = ifd.get(_TAG_USER_COMMENT)
    if isinstance(comment, bytes):
        comment = comment[8:] if comment[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00") else comment
    facts.user_comment = _clean(comment)
    if facts.user_comment:
        facts.user_comment = facts.user_comment[:200]


def _read_jpeg(facts: PhotoFacts, im: Image.Image) -> None:
    """Quantisation tables, progressive flag and APP segments of a JPEG."""
    tables = getattr(im, "quantization", None) or {}
    estimate = estimate_quality(tables)
    if estimate is not None:
        facts.quality = estimate.quality
        facts.quality_distance = estimate.distance
        facts.quality_relative_distance = estimate.relative_distance
    facts.progressive = bool(im.info.get("progressive") or im.info.get("progression"))
    for marker, payload in getattr(im, "applist", [])[:64]:
        if marker == "COM":
            text = _clean(payload[:200])
            if text:
                facts.comments.append(text)
            continue
        facts.app_markers.append(_app_name(marker, payload))
        if marker == "APP13":
            facts.photoshop_resources.extend(_photoshop_resources(payload))
            if b"FBMD" in payload:
                facts.reencoder_traces.append("Facebook (FBMD)")


def _describe(facts: PhotoFacts) -> dict[str, Any]:
    """The facts an editor reads in ``check-photo`` (evidence of the rules)."""
    evidence: dict[str, Any] = {
        "size_bytes": facts.size_bytes,
        "make": facts.make,
        "model": facts.model,
        "software": facts.software,
        "datetime_original": facts.datetime_original,
        "exif_size": [facts.exif_width, facts.exif_height] if facts.exif_width else None,
        "orientation": facts.orientation,
        "exposure_tags": facts.exposure_tags,
    }
    if facts.format == "JPEG":
        evidence.update(
            quality=facts.quality,
            quality_distance=facts.quality_distance,
            progressive=facts.progressive,
            app_markers=facts.app_markers,
        )
    optional = {
        "comments": facts.comments,
        "xmp_creator_tool": facts.xmp_creator_tool,
        "xmp_history": facts.xmp_history,
        "xmp_derived": facts.xmp_derived,
        "xmp_raw_settings": facts.xmp_raw_settings,
        "photoshop_history": facts.photoshop_history,
        "photoshop_resources": [f"0x{r:04X}" for r in facts.photoshop_resources],
        "reencoder_traces": facts.reencoder_traces,
        "icc_description": facts.icc_description,
        "user_comment": facts.user_comment,
    }
    evidence.update({k: v for k, v in optional.items() if v})
    return evidence


def read_photo_facts(filename: str, data: bytes, rules: PhotoRules) -> PhotoFacts:
    """Read one photo's headers into :class:`PhotoFacts`; never raises, never decodes pixels."""
    facts = PhotoFacts(filename=filename, size_bytes=len(data))
    try:
        _read_into(facts, data, rules)
    except Exception as exc:  # any parser failure on hostile input is data, not a crash
        facts.error = f"không đọc được tệp ảnh ({type(exc).__name__}: {str(exc)[:120]})"
    facts.evidence = _describe(facts)
    if facts.error:
        facts.evidence["error"] = facts.error
    return facts


def content_digest(facts: PhotoFacts, data: bytes) -> PhotoFacts:
    """Set ``facts.sha256`` from the photo's bytes (identity for storage and dedupe)."""
    facts.sha256 = hashlib.sha256(data).hexdigest()
    return facts


# -- Pillow's warnings, per thread ------------------------------------------------------
#
# Pillow reports corrupt EXIF as a warning, which the rules need per photo. The standard
# warnings.catch_warnings() swaps process-wide state: while the pipeline reads one photo's
# headers in one thread and decodes another for its pHash in a second, a warning from one
# thread could be recorded for the other photo, and the filters left behind could belong
# to either. Instead, one router (installed once, idempotent) hands each warning raised
# while a thread collects to that thread's list; other warnings go on as before.

_CAPTURE = threading.local()
_ROUTER_LOCK = threading.Lock()
_shown_before_router = warnings.showwarning  # where warnings nobody collects go


def _route_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int,
    file: Any = None, line: str | None = None,
) -> None:
    sink: list[warnings.WarningMessage] | None = getattr(_CAPTURE, "sink", None)
    if sink is not None:
        sink.append(warnings.WarningMessage(message, category, filename, lineno, file, line))
        return
    _shown_before_router(message, category, filename, lineno, file, line)


def _install_router() -> None:
    """Route warnings.showwarning through :func:`_route_warning` (again, if a
    catch_warnings() block, as pytest uses, put the previous one back)."""
    global _shown_before_router
    with _ROUTER_LOCK:
        if warnings.showwarning is _route_warning:
            return
        _shown_before_router = warnings.showwarning
        warnings.showwarning = _route_warning
        # Every Pillow warning is reported (not once per place), and a decompression bomb
        # is an error everywhere in the process. (catch_warnings() restores the filters
        # together with showwarning, so they are put back here together.)
        warnings.filterwarnings("always", module=r"PIL(\.|$)")
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


@contextlib.contextmanager
def collected_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """The warnings raised in this thread inside the block, collected, not printed."""
    _install_router()
    previous = getattr(_CAPTURE, "sink", None)
    sink: list[warnings.WarningMessage] = []
    _CAPTURE.sink = sink
    try:
        yield sink
    finally:
        _CAPTURE.sink = previous


def _read_into(facts: PhotoFacts, data: bytes, rules: PhotoRules) -> None:
    """The body of :func:`read_photo_facts`; may raise, the caller turns that into data."""
    if not data:
        facts.error = "tệp rỗng"
        return
    if len(data) > rules.max_photo_bytes:
        facts.error = f"tệp quá lớn ({len(data) // 1_000_000} MB)"
        return
    # No SHA-256 here: hashing reads every byte and is the store's concern (content
    # addressing); the pipeline sets ``sha256`` with :func:`content_digest` when it keeps
    # the photo, outside the per-photo checks that `check-photo` and the benchmark time.
    sniffed = _sniff(data)
    ext = _extension(facts.filename)
    Image.MAX_IMAGE_PIXELS = rules.max_pixels
    # Pillow reports corrupt EXIF and oversized headers as warnings: record them (nothing
    # reaches stderr) and turn the decompression-bomb warning into an error.
    with collected_warnings() as caught:
        _open_and_read(facts, data, rules, sniffed, ext, caught)


def _open_and_read(
    facts: PhotoFacts,
    data: bytes,
    rules: PhotoRules,
    sniffed: str | None,
    ext: str,
    caught: list[warnings.WarningMessage],
) -> None:
    """Open with Pillow and read every header; ``caught`` collects Pillow's warnings."""
    try:
        im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        facts.format = sniffed
        facts.error = f"ảnh khai báo kích thước quá lớn ({exc})"[:200]
        return
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if sniffed in SUPPORTED_FORMATS or (sniffed is None and ext in SUPPORTED_EXTENSIONS):
            facts.format = sniffed
            facts.error = f"tệp ảnh hỏng ({str(exc)[:120]})"
        else:
            facts.format = sniffed or (ext.upper() if ext else "không rõ")
        return
    with im:
        fmt = im.format or sniffed or "?"
        facts.format = "JPEG" if fmt == "MPO" else ("HEIF" if fmt in ("HEIF", "HEIC") else fmt)
        facts.width, facts.height = im.size
        if facts.width * facts.height > rules.max_pixels:
            facts.error = f"ảnh khai báo kích thước quá lớn ({facts.width}x{facts.height})"
            return
        if facts.format not in SUPPORTED_FORMATS:
            return
        structure = {
            "JPEG": _jpeg_structure_error,
            "PNG": _png_structure_error,
            "HEIF": _isobmff_structure_error,
        }[facts.format]
        defect = structure(data)
        if defect:
            facts.error = defect
            return
        try:
            _read_exif(facts, im)
        except Exception as exc:
            facts.error = f"thông tin EXIF hỏng ({type(exc).__name__})"
            return
        corrupt = [str(w.message) for w in caught if "corrupt exif" in str(w.message).lower()]
        if corrupt:
            facts.error = f"thông tin EXIF hỏng ({corrupt[0][:100]})"
            return
        if facts.format == "JPEG":
            _read_jpeg(facts, im)
        _parse_xmp(facts, im.info.get("xmp") or im.info.get("XML:com.adobe.xmp"))
        icc = im.info.get("icc_profile")
        if isinstance(icc, bytes) and icc:
            facts.icc_description = _icc_description(icc)
    camera = " ".join(part for part in (facts.make, facts.model) if part)
    # "Canon Canon EOS 40D": drop a Make the Model already starts with.
    if facts.make and facts.model and facts.model.lower().startswith(facts.make.lower()):
        camera = facts.model
    facts.camera = camera or None


# ---------------------------------------------------------------- zip and hash


def expand_zip(
    filename: str, data: bytes, rules: PhotoRules
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The photos of a .zip as ``(basename, bytes)``, plus error strings for what was refused.

    Bounds are checked from the central directory before anything is inflated (entry
    count, total declared size, per-entry size) and again while reading (a lying header
    cannot make an entry inflate past its declared size). Names are reduced to basenames.
    Entries that are not images are skipped; each error string names the zip and entry.
    """
    photos: list[tuple[str, bytes]] = []
    errors: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return [], [f"{filename}: tệp nén hỏng ({str(exc)[:100]})"]
    if len(infos) > rules.zip_max_entries:
        return [], [f"{filename}: quá nhiều tệp trong tệp nén ({len(infos)})"]
    total = sum(info.file_size for info in infos)
    if total > rules.zip_max_total_bytes:
        return [], [f"{filename}: tệp nén giải nén quá lớn ({total // 1_000_000} MB)"]
    used: set[str] = set()
    with archive:
        for info in infos:
            base = posixpath.basename(info.filename.replace("\\", "/")).strip()
            if not base or base.startswith(".") or "__MACOSX/" in info.filename:
                continue
            if base.lower() in ("thumbs.db", "desktop.ini"):
                continue
            if not is_photo_candidate(base, ""):
                continue  # not a photo (a note, a document): not judged as one
            if info.flag_bits & 0x1:
                errors.append(f"{filename}/{base}: tệp có mật khẩu")
                continue
            if info.file_size > rules.max_photo_bytes:
                errors.append(f"{filename}/{base}: tệp quá lớn")
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
                    RuntimeError, ValueError) as exc:  # fmt: skip
                errors.append(f"{filename}/{base}: không giải nén được ({str(exc)[:80]})")
                continue
            if len(content) != info.file_size:
                errors.append(f"{filename}/{base}: kích thước không khớp khai báo")
                continue
            name, k = base, 2
            while name.lower() in used:
                stem, dot, ext = base.rpartition(".")
                name = f"{stem} ({k}).{ext}" if dot else f"{base} ({k})"
                k += 1
            used.add(name.lower())
            photos.append((name, content))
    return photos, errors


_PHASH_SIZE = 8
_PHASH_IMAGE = _PHASH_SIZE * 4


@functools.lru_cache(maxsize=1)
def _dct_matrix() -> Any:
    """The unnormalised DCT-II matrix of scipy.fftpack.dct: 2·cos(πk(2n+1)/2N)."""
    n = np.arange(_PHASH_IMAGE)
    return 2.0 * np.cos(np.pi * np.outer(n, 2 * n + 1) / (2 * _PHASH_IMAGE))


def _phash(gray: Image.Image, imagehash: Any) -> Any:
    """imagehash.phash, with its 32×32 DCT done as two small matrix products.

    Same bits as ``imagehash.phash`` (a test compares them); it avoids importing scipy,
    which costs about two seconds at the first photo of every poller start.
    """
    resample = Image.Resampling.LANCZOS
    pixels = np.asarray(gray.resize((_PHASH_IMAGE, _PHASH_IMAGE), resample), dtype=np.float64)
    matrix = _dct_matrix()
    dct = matrix @ pixels @ matrix.T
    low = dct[:_PHASH_SIZE, :_PHASH_SIZE]
    return imagehash.ImageHash(low > np.median(low))


def perceptual_hash(data: bytes) -> str | None:
    """The imagehash pHash of a photo from a ``draft()``-downscaled decode, or None.

    Called once by the pipeline when a photo is stored (it needs pixels, unlike the rules).
    """
    import imagehash  # deferred: only the store path needs it

    try:
        # The rules already reported what is wrong: warnings are collected and dropped.
        with collected_warnings(), Image.open(io.BytesIO(data)) as im:
            if im.format in ("JPEG", "MPO"):
                im.draft("L", (256, 256))
            im.load()
            # HEIC/PNG have no draft(): a box reduce first keeps pHash's resize cheap
            # (same hash, 20x less time on a 12-MP photo).
            gray = im.convert("L")
            factor = min(gray.size) // 256
            small = gray.reduce(factor) if factor > 1 else gray
            return str(_phash(small, imagehash))
    except Exception:  # unreadable photos have no hash; the rules report them
        return None
