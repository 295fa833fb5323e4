"""One problem from the evidence for one code (shared by the evidence-based photo rules)."""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.photos.evidence import Evidence, Strength, judge
from validators.photos.signs import for_code
from validators.problems import Problem, problem
from validators.settings import PhotoRules


def evidence_problem(code: str, photo: PhotoFacts, rules: PhotoRules) -> list[Problem]:
    """The problem ``code`` with the severity its evidence supports, or none.

    The detail lists what was seen, strongest first; the problem carries every item (the
    supporting-original ones too) for the photo card.
    """
    items = for_code(photo, rules, code)
    severity = judge(items, rules)
    if severity is None:
        return []
    order = [Strength.STRONG, Strength.MEDIUM, Strength.WEAK]
    against = sorted(
        (e for e in items if e.strength is not Strength.SUPPORTS_ORIGINAL),
        key=lambda e: order.index(e.strength),
    )
    return [
        problem(
            code,
            file=photo.filename,
            detail="; ".join(e.seen for e in against),
            severity=severity,
            evidence=tuple(e.as_dict() for e in items),
        )
    ]


def explain_evidence(items: list[Evidence]) -> str:
    """Evidence as one line for ``check-photo``: ``[strength] seen; …``."""
    return "; ".join(f"[{e.as_dict()['strength_label']}] {e.seen}" for e in items)
