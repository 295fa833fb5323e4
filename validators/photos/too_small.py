"""photo_too_small: the long side is below the configured minimum."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import size_text, usable
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoTooSmall:
    """Too few pixels to print or publish; usually a thumbnail or a chat copy."""

    name = "photo_too_small"
    description = "Long side below photos.min_long_side pixels."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem giving the size and the minimum."""
        minimum = settings.photos.min_long_side
        if not usable(photo) or not photo.long_side or photo.long_side >= minimum:
            return []
        detail = f"{size_text(photo)}, cần cạnh dài tối thiểu {minimum} px"
        return [problem(self.name, file=photo.filename, detail=detail)]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        return f"cạnh dài {photo.long_side} px (tối thiểu {settings.photos.min_long_side})"
