"""Evidence from the metadata: re-encoder names, EXIF consistency, C2PA, chat-app sizes."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import exif_date_text, exif_datetime, first_match
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
        traces = [(t, t) for t in photo.reencoder_traces]
        for label, tag, text in (
            ("phần mềm ghi trong ảnh", "EXIF Software", photo.software),
            ("công cụ tạo tệp", "XMP CreatorTool", photo.xmp_creator_tool),
            *(("ghi chú trong tệp", "JPEG COM", comment) for comment in photo.comments),
        ):
            if first_match(text, rules.reencoder_names):
                traces.append((f"{label} «{text}»", tag))
        return [
            Evidence(self.name, RECOMPRESSED, Strength.STRONG,
                     f"tệp ghi tên phần mềm nén lại: {seen}", technical)
            for seen, technical in traces
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
                                  "không có thông tin máy chụp",
                                  "không có EXIF Make, Model, DateTimeOriginal"))  # fmt: skip
        w, h = photo.width or 0, photo.height or 0
        iw, ih = photo.ifd0_width or 0, photo.ifd0_height or 0
        if w and h and iw and ih and not _same_size(w, h, iw, ih, rules.resize_tolerance_px):
            seen = f"kích thước khác với máy chụp ghi lại ({iw} × {ih})"
            found.append(Evidence("ifd0_size", RESIZED, Strength.MEDIUM, seen,
                                  f"IFD0 ImageWidth/ImageLength {iw}x{ih}"))
        if photo.makernote_consistent is False:
            seen = "thông tin riêng của máy chụp bị dời chỗ: phần mềm đã ghi lại thông tin ảnh"
            found.append(Evidence("makernote", RECOMPRESSED, Strength.MEDIUM, seen,
                                  "MakerNote dời chỗ (EXIF ghi lại)"))
        later = _seconds_between(photo.datetime_original, photo.modify_date)
        if later is not None and later > rules.modify_date_min_seconds:
            seen = (
                f"ảnh đã được lưu lại sau khi chụp (chụp {exif_date_text(photo.datetime_original)}"
                f", lưu {exif_date_text(photo.modify_date)})"
            )
            technical = (f"DateTimeOriginal {photo.datetime_original}, "
                         f"ModifyDate {photo.modify_date}")
            found.append(Evidence("dates", RECOMPRESSED, Strength.WEAK, seen, technical))
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
                seen = (f"ảnh thu nhỏ máy chụp lưu kèm ({tw} × {th}) khác tỉ lệ ảnh "
                        f"({w} × {h}): ảnh đã bị cắt")
                found.append(Evidence("thumbnail", RESIZED, Strength.MEDIUM, seen,
                                      f"ảnh thu nhỏ EXIF {tw}x{th}"))
        match = photo.thumbnail_match
        if match is not None and match < rules.thumbnail_min_correlation:
            shown = f"{match:.2f}".replace(".", ",")
            seen = (
                f"ảnh thu nhỏ máy chụp lưu kèm không cùng khung hình với ảnh (độ khớp {shown})"
                ": ảnh đã bị cắt hoặc sửa sau khi chụp"
            )
            found.append(Evidence("thumbnail_content", RESIZED, Strength.MEDIUM, seen,
                                  f"tương quan ảnh thu nhỏ EXIF {match:.3f}"))
        return found


def _seconds_between(first: str | None, second: str | None) -> float | None:
    """Seconds from EXIF date ``first`` to ``second`` (``YYYY:MM:DD HH:MM:SS``), or None."""
    a, b = exif_datetime(first), exif_datetime(second)
    return (b - a).total_seconds() if a and b else None


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
            seen = f"chứng nhận nguồn gốc ảnh ghi {len(c2pa['edits'])} thao tác chỉnh sửa"
            technical = f"C2PA: {', '.join(c2pa['edits'])} ({generator})"
            return [Evidence(self.name, EDITED, Strength.STRONG, seen, technical)]
        if c2pa.get("capture") and state in ("valid", "trusted"):
            seen = "chứng nhận nguồn gốc ảnh hợp lệ ghi ảnh chụp từ máy"
            return [Evidence(self.name, SUPPORT, Strength.SUPPORTS_ORIGINAL, seen,
                             f"C2PA {state} ({generator})")]
        return []


class ChatSize:
    """A long side chat apps resize to: supporting evidence only, never alone."""

    name = "chat_size"
    description = "Long side in chat_long_sides (weak: only counts with another sign)."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        if photo.long_side not in rules.chat_long_sides:
            return []
        seen = f"cạnh dài {photo.long_side} điểm ảnh, cỡ mà ứng dụng nhắn tin hay thu nhỏ về"
        return [Evidence(self.name, RECOMPRESSED, Strength.WEAK, seen,
                         f"long side {photo.long_side} px")]
