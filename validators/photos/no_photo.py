"""no_photo: the submission has no photo at all."""

from __future__ import annotations

from ingest.model import Candidate
from validators.photos._common import inserted_photos
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class NoPhoto:
    """Every item needs at least one photo (seed 002).

    Photos sent only as cloud links get ``photo_link_only`` and photos only inserted in
    the document get ``photo_embedded`` instead: those say precisely what to fix.
    """

    name = "no_photo"
    description = "No photo attached (and none as a link or inserted in the article)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem when nothing photo-like came with the message."""
        if (candidate.photos or candidate.cloud_links
                or inserted_photos(candidate, settings.photos)):
            return []
        return [problem(self.name)]
