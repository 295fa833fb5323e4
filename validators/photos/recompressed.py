"""photo_recompressed: re-encoded by a chat app, a social network or a compressor.

One hard cut would either pass chat copies or reject phones that write custom tables at
79-85, so several signals are combined (README "Photo rules"):

- a re-encoder trace (Facebook's FBMD IPTC reference, a compressor's name) is enough;
- an estimated quality below ``hard_min_quality`` is enough;
- exact libjpeg tables (distance 0 from scaled Annex K) below ``standard_min_quality``
  are enough: phones that use libjpeg tables save at 85-95, chat apps at 70-80;
- a quality below ``min_quality`` counts only together with another sign: no camera EXIF,
  a chat-app long side, a size that differs from EXIF, or progressive coding (cameras
  write baseline JPEG).
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import first_match, usable
from validators.photos.resized import size_matches
from validators.problems import Problem, problem
from validators.settings import PhotoRules, ValidationSettings


def reencoder_traces(photo: PhotoFacts, rules: PhotoRules) -> list[str]:
    """Re-encoder marks found in the file."""
    traces = list(photo.reencoder_traces)
    for label, text in (
        ("EXIF Software", photo.software),
        ("XMP CreatorTool", photo.xmp_creator_tool),
        *(("chú thích JPEG", comment) for comment in photo.comments),
    ):
        if first_match(text, rules.reencoder_names):
            traces.append(f"{label} «{text}»")
    return traces


def recompression_reasons(photo: PhotoFacts, rules: PhotoRules) -> list[str]:
    """Why the photo counts as recompressed (empty: it does not)."""
    reasons = reencoder_traces(photo, rules)
    q = photo.quality
    if photo.format != "JPEG" or q is None:
        return reasons
    standard = (
        photo.quality_distance is not None
        and photo.quality_distance <= rules.standard_table_max_distance
    )
    if q < rules.hard_min_quality:
        reasons.append(f"chất lượng ước tính {q} (dưới {rules.hard_min_quality})")
    elif standard and q < rules.standard_min_quality:
        reasons.append(f"chất lượng ước tính {q}, bảng lượng tử chuẩn libjpeg của phần mềm nén")
    elif q < rules.min_quality:
        signs = []
        if not photo.has_camera_metadata:
            signs.append("không có EXIF máy chụp")
        if photo.long_side in rules.chat_long_sides:
            signs.append(f"cạnh dài {photo.long_side} px như ảnh gửi qua ứng dụng chat")
        if size_matches(photo, rules.resize_tolerance_px) is False:
            signs.append("kích thước khác EXIF")
        if photo.progressive:
            signs.append("JPEG progressive (máy ảnh ghi baseline)")
        if signs:
            reasons.append(f"chất lượng ước tính {q}, " + ", ".join(signs))
    return reasons


class PhotoRecompressed:
    """Quality lost to a re-encode; see the module docstring for the signals."""

    name = "photo_recompressed"
    description = "Estimated JPEG quality too low, or re-encoder traces (signals combined)."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem listing the signals."""
        if not usable(photo):
            return []
        reasons = recompression_reasons(photo, settings.photos)
        if not reasons:
            return []
        return [problem(self.name, file=photo.filename, detail="; ".join(reasons))]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        if photo.format != "JPEG" or photo.quality is None:
            return f"{photo.format}: không có bảng lượng tử JPEG để ước tính"
        kind = (
            "bảng chuẩn libjpeg"
            if (photo.quality_distance or 0.0) <= settings.photos.standard_table_max_distance
            else f"bảng riêng của máy, độ lệch {photo.quality_distance}"
        )
        reasons = recompression_reasons(photo, settings.photos)
        tail = "; ".join(reasons) if reasons else "không có dấu hiệu nén lại"
        return f"chất lượng ước tính {photo.quality} ({kind}); {tail}"
