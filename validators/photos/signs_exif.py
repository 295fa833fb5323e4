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


def editing_traces(photo: PhotoFacts, rules: PhotoRules) -> list[str]:
    """Each trace of an editor found in the file, for the problem detail."""
    traces = []
    if first_match(photo.software, rules.editor_names):
        traces.append(f"EXIF Software «{photo.software}»")
    if first_match(photo.xmp_creator_tool, rules.editor_names):
        traces.append(f"XMP CreatorTool «{photo.xmp_creator_tool}»")
    if photo.xmp_history:
        traces.append("lịch sử XMP: " + "; ".join(photo.xmp_history[:2]))
    if photo.photoshop_history:
        traces.append("photoshop:History")
    if photo.xmp_derived:
        traces.append("XMP DerivedFrom (lưu lại từ tệp khác)")
    if photo.xmp_raw_settings:
        traces.append("thiết lập Camera Raw/Lightroom")
    saved = [r for r in photo.photoshop_resources if r not in IPTC_ONLY_RESOURCES]
    if saved:
        traces.append("khối Photoshop APP13 (" + ", ".join(f"0x{r:04X}" for r in saved[:4]) + ")")
    for comment in photo.comments:
        if first_match(comment, rules.editor_names):
            traces.append(f"chú thích JPEG «{comment[:60]}»")
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
        seen = f"{size_text(photo)}, máy chụp ghi {photo.exif_width}x{photo.exif_height}"
        return [Evidence(self.name, RESIZED, Strength.STRONG, seen)]


class EditorTraces:
    """Each editing trace is strong evidence (an editor wrote its name or history)."""

    name = "editor_traces"
    description = "Editor named in EXIF Software, XMP CreatorTool/history, COM or APP13."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        return [Evidence(self.name, EDITED, Strength.STRONG, trace)
                for trace in editing_traces(photo, rules)]  # fmt: skip
