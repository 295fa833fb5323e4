"""photo_resized: pixel size differs from the size the camera recorded in EXIF."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import size_text, usable
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


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


class PhotoResized:
    """Scaled down or cropped after capture (by a chat app, an editor or on the phone)."""

    name = "photo_resized"
    description = "Pixel size differs from EXIF PixelXDimension/PixelYDimension."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem giving both sizes."""
        if not usable(photo):
            return []
        if size_matches(photo, settings.photos.resize_tolerance_px) is not False:
            return []
        detail = f"{size_text(photo)}, máy chụp ghi {photo.exif_width}x{photo.exif_height}"
        return [problem(self.name, file=photo.filename, detail=detail)]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        match = size_matches(photo, settings.photos.resize_tolerance_px)
        if match is None:
            return "EXIF không ghi kích thước ảnh, không so sánh được"
        verdict = "khớp" if match else "khác"
        return f"{size_text(photo)} {verdict} EXIF {photo.exif_width}x{photo.exif_height}"
