"""photo_embedded: images inserted in the document or inline in the HTML body."""

from __future__ import annotations

from ingest.model import Candidate
from validators.photos._common import inserted_photos
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoEmbedded:
    """Seed 002: "Thư mục ảnh gửi riêng, không chèn ảnh trên bài viết".

    The intake lists only images that are not also attached separately; small ones (a
    signature logo, a letterhead) are decoration (``photos.decoration_max_side``).
    """

    name = "photo_embedded"
    description = "Images inside the .docx or inline (cid:) instead of attached."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem per embedded image."""
        return [problem(self.name, file=name)
                for name in inserted_photos(candidate, settings.photos)]
