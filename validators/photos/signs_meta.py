"""Evidence from the metadata: re-encoder names, EXIF consistency, C2PA, chat-app sizes."""

from __future__ import annotations

from datetime import datetime

from ingest.photos import PhotoFacts
from validators.photos._common import first_match
from validators.photos.evidence import SUPPORT, Evidence, Strength
from validators.settings import PhotoRules

RECOMPRESSED = "photo_recompressed"
RESIZED = "photo_resized"
EDITED = "photo_edited"


class ReencoderTraces:
    """Names of chat apps, social networks or compressors written into the file."""

    name = "reencoder_trace"
    description = "Facebook FBMD, a compressor's or chat app's name in Software/XMP/COM."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        traces = list(photo.reencoder_traces)
        for label, text in (
            ("EXIF Software", photo.software),
            ("XMP CreatorTool", photo.xmp_creator_tool),
            *(("chú thích JPEG", comment) for comment in photo.comments),
        ):
            if first_match(text, rules.reencoder_names):
                traces.append(f"{label} «{text}»")
        return [
            Evidence(self.name, RECOMPRESSED, Strength.STRONG, f"tệp ghi tên phần mềm nén lại: {t}")
            for t in traces
        ]


def _same_size(w: int, h: int, other_w: int, other_h: int, tolerance: int) -> bool:
    """Equal within ``tolerance`` pixels, in either orientation."""
    same = abs(w - other_w) <= tolerance and abs(h - other_h) <= tolerance
    return same or (abs(w - other_h) <= tolerance and abs(h - other_w) <= tolerance)


class MetadataConsistency:
    """EXIF against itself and the image: thumbnail, IFD0 size, MakerNote, dates."""

    name = "metadata_consistency"
    description = "EXIF thumbnail aspect and content, IFD0 size, MakerNote pointers, ModifyDate."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        found = self._thumbnail(photo, rules)
        if photo.format == "JPEG" and not photo.has_camera_metadata:
            found.append(Evidence("no_camera_exif", RECOMPRESSED, Strength.WEAK,
                                  "không có EXIF máy chụp"))  # fmt: skip
        w, h = photo.width or 0, photo.height or 0
        iw, ih = photo.ifd0_width or 0, photo.ifd0_height or 0
        if w and h and iw and ih and not _same_size(w, h, iw, ih, rules.resize_tolerance_px):
            seen = f"kích thước khác với máy chụp ghi lại (IFD0 {iw}x{ih})"
            found.append(Evidence("ifd0_size", RESIZED, Strength.MEDIUM, seen))
        if photo.makernote_consistent is False:
            seen = "MakerNote của máy bị dời chỗ: EXIF đã được phần mềm ghi lại"
            found.append(Evidence("makernote", RECOMPRESSED, Strength.MEDIUM, seen))
        later = _seconds_between(photo.datetime_original, photo.modify_date)
        if later is not None and later > rules.modify_date_min_seconds:
            seen = (
                f"ảnh đã được lưu lại sau khi chụp (ModifyDate {photo.modify_date}, "
                f"chụp {photo.datetime_original})"
            )
            found.append(Evidence("dates", RECOMPRESSED, Strength.WEAK, seen))
        return found

    def _thumbnail(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        """The EXIF thumbnail's aspect (DCF fixed sizes excepted) and content."""
        found: list[Evidence] = []
        w, h = photo.width or 0, photo.height or 0
        tw, th = photo.thumbnail_width or 0, photo.thumbnail_height or 0
        dcf = [tuple(s) for s in rules.dcf_thumbnail_sizes]
        if w and h and tw and th and (tw, th) not in dcf and (th, tw) not in dcf:
            main, thumb = max(w, h) / min(w, h), max(tw, th) / min(tw, th)
            if abs(main - thumb) / thumb > rules.thumbnail_aspect_tolerance:
                seen = f"ảnh thu nhỏ trong EXIF {tw}x{th} khác tỉ lệ ảnh {w}x{h}: ảnh đã bị cắt"
                found.append(Evidence("thumbnail", RESIZED, Strength.MEDIUM, seen))
        match = photo.thumbnail_match
        if match is not None and match < rules.thumbnail_min_correlation:
            seen = (
                f"ảnh thu nhỏ trong EXIF không cùng khung hình với ảnh (tương quan {match:.2f}): "
                "ảnh đã bị cắt hoặc sửa sau khi chụp"
            )
            found.append(Evidence("thumbnail_content", RESIZED, Strength.MEDIUM, seen))
        return found


def _seconds_between(first: str | None, second: str | None) -> float | None:
    """Seconds from EXIF date ``first`` to ``second`` (``YYYY:MM:DD HH:MM:SS``), or None."""
    try:
        a = datetime.strptime((first or "")[:19], "%Y:%m:%d %H:%M:%S")
        b = datetime.strptime((second or "")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return (b - a).total_seconds()


class ContentCredentials:
    """C2PA manifest: a valid capture supports the original, an edit action is editing."""

    name = "c2pa"
    description = "C2PA Content Credentials: capture manifest, edit actions."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        c2pa = photo.c2pa
        if not c2pa:
            return []
        state = str(c2pa.get("state", "")).lower()
        generator = c2pa.get("generator") or "?"
        if c2pa.get("edits"):
            seen = (
                "Content Credentials (C2PA) ghi thao tác chỉnh sửa: "
                f"{', '.join(c2pa['edits'])} ({generator})"
            )
            return [Evidence(self.name, EDITED, Strength.STRONG, seen)]
        if c2pa.get("capture") and state in ("valid", "trusted"):
            seen = f"Content Credentials (C2PA) hợp lệ ghi ảnh chụp từ máy ({generator})"
            return [Evidence(self.name, SUPPORT, Strength.SUPPORTS_ORIGINAL, seen)]
        return []


class ChatSize:
    """A long side chat apps resize to: supporting evidence only, never alone."""

    name = "chat_size"
    description = "Long side in chat_long_sides (weak: only counts with another sign)."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        if photo.long_side not in rules.chat_long_sides:
            return []
        seen = f"cạnh dài {photo.long_side} px, một cỡ thu nhỏ thường gặp"
        return [Evidence(self.name, RECOMPRESSED, Strength.WEAK, seen)]
