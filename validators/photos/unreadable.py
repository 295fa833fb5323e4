"""photo_unreadable: corrupt, truncated, oversized or a decompression bomb."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoUnreadable:
    """The file could not be read safely; nothing else can be judged."""

    name = "photo_unreadable"
    description = "Corrupt, truncated, too large, or a header claiming a huge size."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem carrying the reader's error, if any."""
        if photo.error is None:
            return []
        technical = (
            ({"kind": "reader", "strength": "strong", "strength_label": "lỗi đọc tệp",
              "seen": photo.error, "technical": photo.error_detail},)
            if photo.error_detail
            else ()
        )  # fmt: skip
        return [problem(self.name, file=photo.filename, detail=photo.error, evidence=technical)]

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        return photo.error or "cấu trúc tệp đọc được (đầu tệp, EXIF, phần cuối tệp)"
