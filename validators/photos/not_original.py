"""photo_not_original: no camera metadata (Make/Model, DateTimeOriginal, exposure)."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import usable
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoNotOriginal:
    """Chat apps and social networks strip EXIF; a camera or phone always writes some.

    Camera metadata is Make or Model, DateTimeOriginal, or at least two exposure tags
    (some phones, e.g. Nokia HEIF, write exposure data but no Make/Model). A PNG is judged
    by ``photo_screenshot`` instead.
    """

    name = "photo_not_original"
    description = "No camera metadata (EXIF Make/Model, DateTimeOriginal or exposure data)."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem when the photo carries no camera metadata."""
        if not usable(photo) or photo.has_camera_metadata or photo.format == "PNG":
            return []
        return [problem(self.name, file=photo.filename, detail="không có thông tin máy chụp")]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        if photo.has_camera_metadata:
            parts = [
                f"máy: {photo.camera}" if photo.camera else "",
                f"chụp lúc {photo.datetime_original}" if photo.datetime_original else "",
                f"{photo.exposure_tags} thông số phơi sáng" if photo.exposure_tags else "",
            ]
            return "có EXIF máy chụp (" + ", ".join(p for p in parts if p) + ")"
        return "không có Make/Model, DateTimeOriginal hay thông số phơi sáng"
