"""photo_link_only: photos shared as cloud links with no photo attached."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class PhotoLinkOnly:
    """A Drive/OneDrive/Dropbox link is not an original file the board can check or keep."""

    name = "photo_link_only"
    description = "Cloud links (Drive, OneDrive, Dropbox, Google Photos…) and no photo attached."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem quoting the links (recorded for editors)."""
        if candidate.photos or not candidate.cloud_links:
            return []
        shown = ", ".join(candidate.cloud_links[:3])
        if len(candidate.cloud_links) > 3:
            shown += f" (+{len(candidate.cloud_links) - 3})"
        return [problem(self.name, detail=shown)]
