"""photo_duplicate: the same photo (perceptual hash) was used in an earlier submission."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoDuplicate:
    """A warning for editors; the pipeline looks the hashes up in the store."""

    name = "photo_duplicate"
    description = "Same photo as in an earlier submission (warning, names it)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning per reused photo, naming the earlier submission."""
        return [
            problem(self.name, file=filename, detail=f"bài {reference}")
            for filename, reference in candidate.duplicate_photos.items()
        ]
