"""Photo facts read from file headers (EXIF, quantisation tables, XMP) without decoding pixels.

Everything the photo rules judge is read here once: headers, plus, for a JPEG, the
quantised DCT coefficients of a small strip (:mod:`ingest.jpegcoefficients`), never the
pixels: a full decode of a 12-MP photo costs 20-100 times more than its headers, and a
hostile file can claim any size. Broken or hostile input becomes ``PhotoFacts.error`` (a
Vietnamese reason for people) with ``error_detail`` (the parser's own words, for editors
and the log), never an exception. Every field is a JSON-friendly primitive because
candidates are stored as JSON and judged again after a fix-by-reply.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError

from ingest import jpegcoefficients
from ingest.c2pa_reader import has_manifest, read_c2pa
from ingest.containers import isobmff_structure_error, jpeg_structure_error, png_structure_error
from ingest.jpegquality import estimate_quality, known_encoder
from ingest.jpegstructure import JpegHeader, libjpeg_layout, parse_header
from ingest.jpegview import OpenedImage, from_header, from_pillow
from ingest.limits import PhotoReadLimits
from ingest.photoexif import read_exif
from ingest.photokinds import (
    IMAGE_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    SUPPORTED_FORMATS,
    _extension,
    is_photo_candidate,
)
from ingest.photometa import clean, icc_description, parse_xmp, photoshop_resources
from ingest.pillow_env import collected_warnings, ensure_pixel_limit
from ingest.thumbcompare import can_compare, thumbnail_correlation, thumbnail_pixels

log = logging.getLogger(__name__)

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
    """Why the file cannot be judged, in Vietnamese for the contributor."""
    error_detail: str | None = None
    """The reader's own words (a library message), for editors and the log only."""
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
    # --- EXIF consistency (ingest.exifinfo) ---
    ifd0_width: int | None = None
    ifd0_height: int | None = None
    modify_date: str | None = None
    makernote_bytes: int = 0
    makernote_consistent: bool | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    thumbnail_match: float | None = None
    """Correlation of the EXIF thumbnail's top with the photo's (ingest.thumbcompare)."""
    # --- JPEG coding ---
    quality_distance: float | None = None
    """Mean absolute difference from the best-fitting scaled Annex K tables (0: libjpeg)."""
    quality_relative_distance: float | None = None
    progressive: bool = False
    app_markers: list[str] = field(default_factory=list)
    """APPn segments in file order with their identifier, e.g. ``APP1:Exif``."""
    jpeg_segments: list[str] = field(default_factory=list)
    """Every header segment in file order (``APP1:Exif DQT SOF0 DHT SOS``)."""
    qtables: list[list[int]] = field(default_factory=list)
    """Luminance and chrominance quantisation tables, natural order."""
    qtable_fingerprint: str | None = None
    standard_huffman: bool | None = None
    subsampling: str | None = None
    restart_interval: int = 0
    libjpeg_layout: bool = False
    """Segment order as libjpeg's writer makes it (JFIF first, one DQT/DHT per table)."""
    scan_offset: int = 0
    """Where the first scan's entropy-coded data starts (the header's length)."""
    dq: dict[str, Any] | None = None
    """Double-quantisation marks of the coefficient sample (see ingest.jpegcoefficients)."""
    dq_error: str | None = None
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
    c2pa: dict[str, Any] | None = None
    """C2PA Content Credentials, when the file has a manifest (ingest.c2pa_reader)."""

    @property
    def long_side(self) -> int:
        """The longer pixel side (0 when unknown)."""
        return max(self.width or 0, self.height or 0)

    @property
    def has_camera_metadata(self) -> bool:
        """Make/Model, DateTimeOriginal, or exposure data: written by a camera at capture."""
        return bool(self.make or self.model or self.datetime_original or self.exposure_tags >= 2)


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


def _read_jpeg_header(facts: PhotoFacts, header: JpegHeader) -> None:
    """Tables, layout and coding of a JPEG from its own header segments."""
    tables = {k: v for k, v in header.qtables.items()}
    used = [c.table for c in header.components] or sorted(tables)
    ordered = [tables[t] for t in dict.fromkeys(used) if t in tables]
    facts.qtables = ordered[:2]
    estimate = estimate_quality(dict(enumerate(facts.qtables)))
    if estimate is not None:
        facts.quality = estimate.quality
        facts.quality_distance = estimate.distance
        facts.quality_relative_distance = estimate.relative_distance
    facts.qtable_fingerprint = header.qtable_fingerprint() if tables else None
    facts.jpeg_segments = header.segments[:64]
    facts.app_markers = [s for s in header.segments if s.startswith("APP")][:64]
    facts.standard_huffman = header.standard_huffman
    facts.subsampling = header.subsampling
    facts.restart_interval = header.restart_interval
    facts.scan_offset = header.scan_offset
    facts.libjpeg_layout = libjpeg_layout(header.segments)
    facts.progressive = header.sof_marker in (0xC2, 0xC6, 0xCA, 0xCE)


def _read_jpeg(
    facts: PhotoFacts, opened: OpenedImage, data: bytes, header: JpegHeader | None,
    limits: PhotoReadLimits, thumbnail: bytes | None,
) -> None:  # fmt: skip
    """Header facts, COM/APP13 traces and the coefficient sample of a JPEG."""
    if header is not None:
        _read_jpeg_header(facts, header)
    for marker, payload in opened.applist[:64]:
        if marker == "COM":
            text = clean(payload[:200])
            if text:
                facts.comments.append(text)
        elif marker == "APP13":
            facts.photoshop_resources.extend(photoshop_resources(payload))
            if b"FBMD" in payload:
                facts.reencoder_traces.append("Facebook (FBMD)")
    if header is None or limits.coefficient_sample_blocks <= 0 or not facts.qtables:
        return
    _read_coefficients(facts, data, header, limits, thumbnail)


def _read_coefficients(
    facts: PhotoFacts, data: bytes, header: JpegHeader, limits: PhotoReadLimits,
    thumbnail: bytes | None,
) -> None:  # fmt: skip
    """Double-quantisation marks and the thumbnail comparison, from one coefficient sample.

    Read only where they can be judged: the double-quantisation statistic for tables that
    are an encoder's (libjpeg's or a known re-encoder's; with the camera's own tables the
    tables are the evidence and the rules do not judge the statistic), the comparison when
    the file has a thumbnail the strip covers (with the camera's own tables only if
    ``thumbnail_with_own_tables``). A file with neither is not sampled.
    """
    rows = jpegcoefficients.strip_rows(
        header, limits.coefficient_sample_blocks, limits.coefficient_max_fraction
    )
    if rows == 0:
        return
    luma = header.qtables.get(header.components[0].table, facts.qtables[0])
    encoder = (facts.quality_distance or 0.0) <= limits.standard_table_max_distance or bool(
        known_encoder(facts.qtables[0])
    )
    compare = bool(thumbnail and facts.width and facts.height)
    compare = compare and (encoder or limits.thumbnail_with_own_tables)
    thumb = thumbnail_pixels(thumbnail) if compare and thumbnail else None
    strip_px = rows * header.components[0].v * 8  # the sample's rows of luminance pixels
    if thumb is not None and not can_compare(thumb.shape, facts.width or 0, facts.height or 0,
                                             strip_px):  # fmt: skip
        thumb = None
    if not encoder and thumb is None:
        return
    try:
        sample = jpegcoefficients.sample_luma_blocks(
            data, header, limits.coefficient_sample_blocks, limits.coefficient_max_fraction
        )
    except jpegcoefficients.CoefficientError as exc:
        facts.dq_error = "không đọc được hệ số DCT"
        log.info("%s: DCT coefficients unreadable: %s", facts.filename, exc)
        return
    if sample is None:
        return
    if thumb is not None and facts.width and facts.height:
        facts.thumbnail_match = thumbnail_correlation(
            thumb, sample, luma[0], facts.width, facts.height
        )
    if not encoder:
        return
    result = jpegcoefficients.periodicity(sample.blocks, luma)
    facts.dq = {
        "blocks": result.blocks,
        "frequencies": result.frequencies,
        "periodic": result.periodic,
        "score": result.score,
        "scores": [list(s) for s in result.scores],
    }


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
            segments=" ".join(facts.jpeg_segments),
            subsampling=facts.subsampling,
            standard_huffman=facts.standard_huffman,
        )
    optional = {
        "comments": facts.comments,
        "thumbnail_size": [facts.thumbnail_width, facts.thumbnail_height]
        if facts.thumbnail_width
        else None,
        "thumbnail_match": facts.thumbnail_match,
        "modify_date": facts.modify_date,
        "makernote_consistent": facts.makernote_consistent,
        "double_quantisation": facts.dq,
        "coefficients_error": facts.dq_error,
        "xmp_creator_tool": facts.xmp_creator_tool,
        "xmp_history": facts.xmp_history,
        "xmp_derived": facts.xmp_derived,
        "xmp_raw_settings": facts.xmp_raw_settings,
        "photoshop_history": facts.photoshop_history,
        "photoshop_resources": [f"0x{r:04X}" for r in facts.photoshop_resources],
        "reencoder_traces": facts.reencoder_traces,
        "icc_description": facts.icc_description,
        "user_comment": facts.user_comment,
        "c2pa": facts.c2pa,
    }
    evidence.update({k: v for k, v in optional.items() if v not in (None, [], "", False)})
    return evidence


#: Who reads a JPEG's header: the own reader (:mod:`ingest.jpegview`, Pillow for irregular
#: headers) or, as the reference in tests, Pillow always.
JpegHeaders = Literal["own", "pillow"]

#: Python object addresses in library messages ("<_io.BytesIO object at 0x7f…>"): noise
#: for editors, and different at every read of the same file.
_OBJECT_REPR = re.compile(r" ?<[\w.]+ object at 0x[0-9a-fA-F]+>")


def _technical(exc: BaseException) -> str:
    """A library error as one bounded line for the log and editors (never for people)."""
    return f"{type(exc).__name__}: {_OBJECT_REPR.sub('', str(exc))[:200]}"


def read_photo_facts(
    filename: str, data: bytes, limits: PhotoReadLimits, *, context: str | None = None,
    jpeg_headers: JpegHeaders = "own",
) -> PhotoFacts:  # fmt: skip
    """Read one photo's headers into :class:`PhotoFacts`; never raises, never decodes pixels.

    ``context`` (a message-id) goes into the log lines of files that could not be read.
    ``jpeg_headers="pillow"`` opens every JPEG with Pillow's parser: the reference the
    own header reader (:mod:`ingest.jpegview`) is tested against.
    """
    facts = PhotoFacts(filename=filename, size_bytes=len(data))
    try:
        _read_into(facts, data, limits, jpeg_headers)
    except Exception as exc:  # any parser failure on hostile input is data, not a crash
        facts.error = "không đọc được tệp ảnh"
        facts.error_detail = _technical(exc)
    if facts.error:
        log.info("%s%s: %s (%s)", f"<{context}> " if context else "", filename, facts.error,
                 facts.error_detail or "-")  # fmt: skip
    facts.evidence = _describe(facts)
    if facts.error:
        facts.evidence["error"] = facts.error
        if facts.error_detail:
            facts.evidence["error_detail"] = facts.error_detail
    return facts


def content_digest(facts: PhotoFacts, data: bytes) -> PhotoFacts:
    """Set ``facts.sha256`` from the photo's bytes (identity for storage and dedupe)."""
    facts.sha256 = hashlib.sha256(data).hexdigest()
    return facts


def _read_into(
    facts: PhotoFacts, data: bytes, limits: PhotoReadLimits, jpeg_headers: JpegHeaders
) -> None:
    """The body of :func:`read_photo_facts`; may raise, the caller turns that into data."""
    if not data:
        facts.error = "tệp rỗng"
        return
    if len(data) > limits.max_photo_bytes:
        facts.error = f"tệp quá lớn ({len(data) // 1_000_000} MB)"
        return
    # No SHA-256 here: hashing reads every byte and is the store's concern (content
    # addressing); the pipeline sets ``sha256`` with :func:`content_digest` when it keeps
    # the photo, outside the per-photo checks that `check-photo` and the benchmark time.
    ensure_pixel_limit(limits.max_pixels)
    # Pillow reports corrupt EXIF and oversized headers as warnings: record them (nothing
    # reaches stderr) and turn the decompression-bomb warning into an error.
    with collected_warnings() as caught:
        _open_and_read(facts, data, limits, caught, jpeg_headers)


def _open(facts: PhotoFacts, data: bytes) -> Image.Image | None:
    """Pillow's image over the bytes, or None with ``facts`` saying why."""
    sniffed, ext = _sniff(data), _extension(facts.filename)
    try:
        return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        facts.format = sniffed
        facts.error = "ảnh khai báo kích thước quá lớn"
        facts.error_detail = _technical(exc)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if sniffed in SUPPORTED_FORMATS or (sniffed is None and ext in SUPPORTED_EXTENSIONS):
            facts.format = sniffed
            facts.error = "tệp ảnh hỏng hoặc không phải tệp ảnh"
            facts.error_detail = _technical(exc)
        else:
            facts.format = sniffed or (ext.upper() if ext else "không rõ")
    return None


_STRUCTURE_CHECKS = {
    "JPEG": jpeg_structure_error,
    "PNG": png_structure_error,
    "HEIF": isobmff_structure_error,
}


def _open_and_read(
    facts: PhotoFacts, data: bytes, limits: PhotoReadLimits,
    caught: list[warnings.WarningMessage], jpeg_headers: JpegHeaders,
) -> None:  # fmt: skip
    """Open the photo and read every header; ``caught`` collects Pillow's warnings.

    A well-formed JPEG is read from its own header (:mod:`ingest.jpegview`); everything
    else, and every JPEG when ``jpeg_headers`` is ``"pillow"``, is opened by Pillow.
    """
    header = parse_header(data) if data[:3] == b"\xff\xd8\xff" else None
    if header is not None and jpeg_headers == "own":
        opened = from_header(data, header, limits.max_pixels)
        if opened is not None:
            _read_opened(facts, data, limits, caught, opened, header)
            return
    im = _open(facts, data)
    if im is None:
        return
    with im:
        _read_opened(facts, data, limits, caught, from_pillow(im), header)


def _read_opened(
    facts: PhotoFacts, data: bytes, limits: PhotoReadLimits,
    caught: list[warnings.WarningMessage], opened: OpenedImage, header: JpegHeader | None,
) -> None:  # fmt: skip
    """Every header fact of an opened photo (by Pillow or from its JPEG header)."""
    fmt = opened.format or _sniff(data) or "?"
    facts.format = "JPEG" if fmt == "MPO" else ("HEIF" if fmt in ("HEIF", "HEIC") else fmt)
    facts.width, facts.height = opened.size
    if facts.width * facts.height > limits.max_pixels:
        facts.error = f"ảnh khai báo kích thước quá lớn ({facts.width}x{facts.height})"
        return
    if facts.format not in SUPPORTED_FORMATS:
        return
    defect = _STRUCTURE_CHECKS[facts.format](data)
    if defect:
        facts.error = defect
        return
    try:
        thumbnail = read_exif(facts, opened)
    except Exception as exc:
        facts.error = "thông tin EXIF hỏng"
        facts.error_detail = _technical(exc)
        return
    corrupt = [str(w.message) for w in caught if "corrupt exif" in str(w.message).lower()]
    if corrupt:
        facts.error = "thông tin EXIF hỏng"
        facts.error_detail = corrupt[0][:200]
        return
    if facts.format == "JPEG":
        _read_jpeg(facts, opened, data, header, limits, thumbnail)
    parse_xmp(facts, opened.info.get("xmp") or opened.info.get("XML:com.adobe.xmp"))
    icc = opened.info.get("icc_profile")
    if isinstance(icc, bytes) and icc:
        facts.icc_description = icc_description(icc)
    if has_manifest(data, facts.format, facts.jpeg_segments, facts.scan_offset or len(data)):
        facts.c2pa = read_c2pa(data, facts.format)
    camera = " ".join(part for part in (facts.make, facts.model) if part)
    # "Canon Canon EOS 40D": drop a Make the Model already starts with.
    if facts.make and facts.model and facts.model.lower().startswith(facts.make.lower()):
        camera = facts.model
    facts.camera = camera or None


# Re-exported: callers read photos through this module.
from ingest.phash import perceptual_hash  # noqa: E402
from ingest.photozip import expand_zip  # noqa: E402

__all__ = [
    "IMAGE_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "SUPPORTED_FORMATS",
    "PhotoFacts",
    "collected_warnings",
    "content_digest",
    "expand_zip",
    "is_photo_candidate",
    "perceptual_hash",
    "read_photo_facts",
]
