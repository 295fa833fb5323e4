"""photo_no_caption: photos without a caption, named one by one."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


def captions_of(candidate: Candidate) -> list[str]:
    """Caption per photo in order; a lone template caption counts as the first."""
    captions = [c.strip() for c in candidate.captions]
    if not any(captions) and candidate.fields.get("caption", "").strip():
        captions = [candidate.fields["caption"].strip()]
    return captions


class PhotoNoCaption:
    """Each photo needs its caption ("Ảnh 1: …"); one caption is enough for one photo."""

    name = "photo_no_caption"
    description = "Fewer captions than photos; names each photo without one."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem per photo whose caption is missing or empty."""
        captions = captions_of(candidate)
        if len(candidate.photos) == 1 and any(captions):
            return []
        return [
            problem(self.name, file=photo.filename)
            for index, photo in enumerate(candidate.photos)
            if index >= len(captions) or not captions[index]
        ]
