"""Evidence: independent signs of what happened to a photo, each with its strength.

A verdict comes from evidence, not from one threshold (README "Photo rules", the evidence
table). Each collector is a small object (name, one-line description, one method) that
looks at one kind of fact and returns :class:`Evidence` items: what was seen, in
Vietnamese for editors, which problem code it supports and how strongly. :func:`judge`
turns the items of one code into a severity: an error only on strong evidence or when two
independent kinds agree; weaker evidence is a warning with its reason; evidence that
supports the original (the camera's own tables, a valid C2PA capture) weighs against
weak signs but never against a strong one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Protocol

from ingest.photos import PhotoFacts
from validators.problems import Severity
from validators.settings import PhotoRules


class Strength(StrEnum):
    """How much one sign weighs (points in :func:`judge`)."""

    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"
    SUPPORTS_ORIGINAL = "supports_original"


#: Vietnamese names of the strengths, for the photo card and the CLI report.
STRENGTH_LABELS = {
    Strength.STRONG: "dấu hiệu mạnh",
    Strength.MEDIUM: "dấu hiệu vừa",
    Strength.WEAK: "dấu hiệu yếu",
    Strength.SUPPORTS_ORIGINAL: "ủng hộ ảnh gốc",
}

_POINTS = {Strength.STRONG: 3, Strength.MEDIUM: 2, Strength.WEAK: 1}
SUPPORT = "original"
#: Kinds that add points but never count as one of the "two independent signs".
SUPPORTING_ONLY = frozenset({"chat_size"})
"""The ``code`` of evidence that supports the photo being the camera's original."""


@dataclass(frozen=True)
class Evidence:
    """One sign: which collector saw it, the code it supports, its strength, what was seen
    (plain Vietnamese for editors and contributors) and, for experts, the technical facts
    behind it (segment names, EXIF tags: the photo card's tooltip, ``check-photo``)."""

    kind: str
    code: str
    strength: Strength
    seen: str
    technical: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["strength"] = str(self.strength)
        data["strength_label"] = STRENGTH_LABELS[self.strength]
        return data


class EvidenceCollector(Protocol):
    """A look at one kind of fact (tables, structure, coefficients, EXIF…)."""

    name: str
    description: str

    def collect(self, photo: PhotoFacts, rules: PhotoRules) -> list[Evidence]:
        """The signs found; an empty list when this kind says nothing."""
        ...


def judge(items: Iterable[Evidence], rules: PhotoRules) -> Severity | None:
    """The severity the evidence for one code supports, or None (not enough).

    Strong evidence alone is an error. Otherwise each kind of evidence counts as its
    strongest sign, medium 2 and weak 1 (several signs of one kind may share one cause: a
    camera that uses libjpeg writes libjpeg's JFIF segment *and* layout); evidence
    supporting the original counts -2. The sum reaching ``evidence_error_points`` from at
    least two kinds is an error; reaching ``evidence_warning_points``, or one medium sign
    not outweighed, is a warning (two weak signs alone are not).
    """
    items = list(items)
    against = [e for e in items if e.strength is not Strength.SUPPORTS_ORIGINAL]
    if any(e.strength is Strength.STRONG for e in against):
        return Severity.ERROR
    support = sum(2 for e in items if e.strength is Strength.SUPPORTS_ORIGINAL)
    per_kind: dict[str, int] = {}
    for e in against:
        per_kind[e.kind] = max(per_kind.get(e.kind, 0), _POINTS[e.strength])
    points = sum(per_kind.values()) - support
    kinds = {e.kind for e in against if e.kind not in SUPPORTING_ONLY}
    if points >= rules.evidence_error_points and len(kinds) >= 2:
        return Severity.ERROR
    medium = any(e.strength is Strength.MEDIUM for e in against)
    if points >= rules.evidence_warning_points or (medium and points >= 2):
        return Severity.WARNING
    return None
