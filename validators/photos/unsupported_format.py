"""photo_unsupported_format: not JPEG, HEIC/HEIF or PNG."""

from __future__ import annotations

from ingest.photos import SUPPORTED_FORMATS, PhotoFacts
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoUnsupportedFormat:
    """GIF, WebP, TIFF, RAW… cannot be judged by these rules (SPEC §3)."""

    name = "photo_unsupported_format"
    description = "The image is not JPEG, HEIC/HEIF or PNG."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem naming the format found."""
        if photo.error is not None or photo.format in SUPPORTED_FORMATS:
            return []
        return [problem(self.name, file=photo.filename, detail=photo.format or "không rõ")]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        return f"định dạng {photo.format or 'không rõ'} (nhận JPEG, HEIC/HEIF, PNG)"
