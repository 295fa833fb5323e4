"""photo_recompressed: saved again after capture (re-encoded), judged from evidence.

One hard cut on the estimated quality either passed re-saves or refused old cameras that
shoot at 75-89 with their own tables, so the verdict combines independent evidence
(:mod:`validators.photos.signs`): re-encoder traces; the quantisation tables against
libjpeg's, known re-encoders' and the maker's own family; the header structure against the
maker's; double quantisation in the DCT coefficients; MakerNote and dates; the chat-app
long side as supporting evidence only. Strong evidence, or two kinds that agree, is an
error; weaker evidence is a warning for editors (README "Photo rules").
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import usable
from validators.photos._verdict import evidence_problem, explain_evidence
from validators.photos.signs import for_code
from validators.problems import Problem
from validators.settings import ValidationSettings

CODE = "photo_recompressed"


class PhotoRecompressed:
    """Saved again (by an app, an editor or a compressor); see the module docstring."""

    name = CODE
    description = "Saved again after capture: tables, structure, double quantisation, traces."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem listing what was seen, with the severity the evidence supports."""
        if not usable(photo):
            return []
        return evidence_problem(CODE, photo, settings.photos)

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        items = for_code(photo, settings.photos, CODE)
        head = (
            f"chất lượng ước tính {photo.quality}"
            if photo.format == "JPEG" and photo.quality is not None
            else f"{photo.format}: không có bảng lượng tử JPEG"
        )
        if photo.dq_error:
            head += f" (hệ số DCT: {photo.dq_error})"
        return f"{head}; " + (explain_evidence(items) if items else "không có dấu hiệu lưu lại")
