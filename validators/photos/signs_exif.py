"""Evidence from what the camera and the editors wrote in EXIF/XMP: the recorded pixel
size (``photo_resized``) and editing software (``photo_edited``)."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import first_match, size_text
from validators.photos.evidence import Evidence, Strength
from validators.settings import PhotoRules

EDITED = "photo_edited"
RESIZED = "photo_resized"

#: Photoshop image resources that IPTC metadata tools also write: not a Photoshop save.
IPTC_ONLY_RESOURCES = frozenset({0x0404, 0x0425, 0x040A, 0x040B})


def editing_traces(photo: PhotoFacts, rules: PhotoRules) -> list[tuple[str, str]]:
    """Each trace of an editor found in the file: (what an editor reads, the technical
    name of where it was found)."""
    traces = []
    if first_match(photo.software, rules.editor_names):
        traces.append((f"phần mềm chỉnh sửa ghi trong ảnh: «{photo.software}»", "EXIF Software"))
    if first_match(photo.xmp_creator_tool, rules.editor_names):
        traces.append((f"công cụ tạo tệp: «{photo.xmp_creator_tool}»", "XMP CreatorTool"))
    if photo.xmp_history:
        traces.append(("tệp ghi lịch sử chỉnh sửa: " + "; ".join(photo.xmp_history[:2]),
                       "XMP xmpMM:History"))
    if photo.photoshop_history:
        traces.append(("tệp ghi lịch sử chỉnh sửa của Photoshop", "photoshop:History"))
    if photo.xmp_derived:
        traces.append(("ảnh được lưu lại từ một tệp khác", "XMP DerivedFrom"))
    if photo.xmp_raw_settings:
        traces.append(("tệp ghi thiết lập của phần mềm xử lý ảnh thô",
                       "thiết lập Camera Raw/Lightroom (crs:)"))
    saved = [r for r in photo.photoshop_resources if r not in IPTC_ONLY_RESOURCES]
    if saved:
        traces.append(("tệp có khối dữ liệu Photoshop ghi khi lưu ảnh",
                       "APP13 " + ", ".join(f"0x{r:04X}" for r in saved[:4])))
    for comment in photo.comments:
        if first_match(comment, rules.editor_names):
            traces.append((f"ghi chú trong tệp nêu phần mềm chỉnh sửa: «{comment[:60]}»",
                           "JPEG COM"))
    return traces


def size_matches(photo: PhotoFacts, tolerance: int) -> bool | None:
    """True/False when EXIF PixelX/YDimension can be compared, None when absent.

    Both orientations are accepted: HEIC readers report the rotated (displayed) size and
    some phones record the sensor orientation.
    """
    if not (photo.exif_width and photo.exif_height and photo.width and photo.height):
        return None
    w, h, ew, eh = photo.width, photo.height, photo.exif_width, photo.exif_height
    same = abs(w - ew) <= tolerance and abs(h - eh) <= tolerance
    rotated = abs(w - eh) <= tolerance and abs(h - ew) <= tolerance
    return same or rotated


class ExifDimensions:
    """EXIF PixelX/YDimension against the pixel size (strong evidence)."""

    name = "exif_dimensions"
    description = "Pixel size vs EXIF PixelXDimension/PixelYDimension (both orientations)."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        if size_matches(photo, rules.resize_tolerance_px) is not False:
            return []
        seen = f"{size_text(photo)} điểm ảnh, máy chụp ghi {photo.exif_width} × {photo.exif_height}"
        return [Evidence(self.name, RESIZED, Strength.STRONG, seen,
                         f"EXIF PixelXDimension/PixelYDimension {photo.exif_width}x"
                         f"{photo.exif_height}")]


class EditorTraces:
    """Each editing trace is strong evidence (an editor wrote its name or history)."""

    name = "editor_traces"
    description = "Editor named in EXIF Software, XMP CreatorTool/history, COM or APP13."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        return [Evidence(self.name, EDITED, Strength.STRONG, seen, technical)
                for seen, technical in editing_traces(photo, rules)]  # fmt: skip
