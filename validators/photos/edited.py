"""photo_edited: editing software recorded in EXIF, XMP, a JPEG comment or APP13.

Only editor names count (``photos.editor_names``): phones write their firmware version in
EXIF Software ("8.3", "Version 1.3", "G935FXXU1APL1"), which is not editing. XMP history
events that changed only metadata (Lightroom keywording) are not editing either.
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import usable
from validators.photos._verdict import evidence_problem, explain_evidence
from validators.photos.signs import for_code
from validators.problems import Problem
from validators.settings import ValidationSettings

CODE = "photo_edited"

class PhotoEdited:
    """Retouched, cropped or re-saved in an editor (or a C2PA edit action)."""

    name = CODE
    description = "Editor named in EXIF Software, XMP, COM or APP13; C2PA edit actions."

    def check(self, photo: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
        """One problem listing the traces."""
        if not usable(photo):
            return []
        return evidence_problem(CODE, photo, settings.photos)

    def explain(self, photo: PhotoFacts, settings: ValidationSettings) -> str:
        """What was checked, for editors."""
        items = for_code(photo, settings.photos, CODE)
        if items:
            return explain_evidence(items)
        if photo.software:
            return f"Software «{photo.software}» không phải phần mềm chỉnh sửa"
        return "không có dấu vết phần mềm chỉnh sửa"
