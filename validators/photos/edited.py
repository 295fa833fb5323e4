"""photo_edited: editing software recorded in EXIF, XMP, a JPEG comment or APP13.

Only editor names count (``photos.editor_names``): phones write their firmware version in
EXIF Software ("8.3", "Version 1.3", "G935FXXU1APL1"), which is not editing. XMP history
events that changed only metadata (Lightroom keywording) are not editing either.
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos._common import first_match, usable
from validators.photos._verdict import evidence_problem, explain_evidence
from validators.photos.evidence import Evidence, Strength, for_code
from validators.problems import Problem
from validators.settings import PhotoRules, ValidationSettings

CODE = "photo_edited"

#: Photoshop image resources that IPTC metadata tools also write: not a Photoshop save.
IPTC_ONLY_RESOURCES = frozenset({0x0404, 0x0425, 0x040A, 0x040B})


def editing_traces(photo: PhotoFacts, rules: PhotoRules) -> list[str]:
    """Each trace of an editor found in the file, for the problem detail."""
    traces = []
    if first_match(photo.software, rules.editor_names):
        traces.append(f"EXIF Software «{photo.software}»")
    if first_match(photo.xmp_creator_tool, rules.editor_names):
        traces.append(f"XMP CreatorTool «{photo.xmp_creator_tool}»")
    if photo.xmp_history:
        traces.append("lịch sử XMP: " + "; ".join(photo.xmp_history[:2]))
    if photo.photoshop_history:
        traces.append("photoshop:History")
    if photo.xmp_derived:
        traces.append("XMP DerivedFrom (lưu lại từ tệp khác)")
    if photo.xmp_raw_settings:
        traces.append("thiết lập Camera Raw/Lightroom")
    saved = [r for r in photo.photoshop_resources if r not in IPTC_ONLY_RESOURCES]
    if saved:
        traces.append("khối Photoshop APP13 (" + ", ".join(f"0x{r:04X}" for r in saved[:4]) + ")")
    for comment in photo.comments:
        if first_match(comment, rules.editor_names):
            traces.append(f"chú thích JPEG «{comment[:60]}»")
    return traces


class EditorTraces:
    """Each editing trace is strong evidence (an editor wrote its name or history)."""

    name = "editor_traces"
    description = "Editor named in EXIF Software, XMP CreatorTool/history, COM or APP13."

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        return [Evidence(self.name, CODE, Strength.STRONG, trace)
                for trace in editing_traces(photo, rules)]  # fmt: skip


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
