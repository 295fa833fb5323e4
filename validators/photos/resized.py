"""photo_resized: the size differs from what the camera recorded, or the photo was cropped.

EXIF PixelX/YDimension against the pixel size is strong evidence on its own; the IFD0 size
and an EXIF thumbnail of another aspect (a crop) are medium evidence
(:class:`validators.photos.signs.MetadataConsistency`).
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import size_text, usable
from validators.photos._verdict import evidence_problem
from validators.photos.signs_exif import size_matches
from validators.problems import Problem
from validators.settings import ValidationSettings

CODE = "photo_resized"


class PhotoResized:
    """Scaled down or cropped after capture (by a chat app, an editor or on the phone)."""

    name = CODE
    description = "Pixel size differs from EXIF PixelX/YDimension or IFD0; thumbnail aspect."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem giving the sizes seen."""
        if not usable(photo):
            return []
        return evidence_problem(CODE, photo, settings.photos)

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        match = size_matches(photo, settings.photos.resize_tolerance_px)
        if match is None:
            head = "EXIF không ghi kích thước ảnh, không so sánh được"
        else:
            verdict = "khớp" if match else "khác"
            head = f"{size_text(photo)} {verdict} EXIF {photo.exif_width}x{photo.exif_height}"
        found = evidence_problem(CODE, photo, settings.photos)
        return f"{head}; {found[0].detail}" if found and found[0].detail != head else head
