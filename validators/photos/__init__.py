"""Photo rules (SPEC §3): one module per rule, run in the order written here.

Per-photo checks judge :class:`~ingest.photos.PhotoFacts` read from headers only; the
submission checks judge the photo set of a :class:`~ingest.model.Candidate`.
"""

from __future__ import annotations

from ingest.photos import PhotoFacts
from validators.base import PhotoCheck, SubmissionCheck
from validators.photos.duplicate import PhotoDuplicate
from validators.photos.edited import PhotoEdited
from validators.photos.embedded import PhotoEmbedded
from validators.photos.link_only import PhotoLinkOnly
from validators.photos.no_caption import PhotoNoCaption
from validators.photos.no_photo import NoPhoto
from validators.photos.not_original import PhotoNotOriginal
from validators.photos.recompressed import PhotoRecompressed
from validators.photos.resized import PhotoResized
from validators.photos.screenshot import PhotoScreenshot
from validators.photos.too_small import PhotoTooSmall
from validators.photos.unreadable import PhotoUnreadable
from validators.photos.unsupported_format import PhotoUnsupportedFormat
from validators.problems import Problem
from validators.settings import ValidationSettings

#: Per-photo checks in order; the first two stop the rest (nothing else can be judged).
PHOTO_CHECKS: tuple[PhotoCheck, ...] = (
    PhotoUnreadable(),
    PhotoUnsupportedFormat(),
    PhotoNotOriginal(),
    PhotoRecompressed(),
    PhotoResized(),
    PhotoTooSmall(),
    PhotoEdited(),
    PhotoScreenshot(),
)

#: Checks over the photo set of a submission, in order.
PHOTO_SUBMISSION_CHECKS: tuple[SubmissionCheck, ...] = (
    NoPhoto(),
    PhotoLinkOnly(),
    PhotoEmbedded(),
    PhotoNoCaption(),
    PhotoDuplicate(),
)

_STOPPING = frozenset({"photo_unreadable", "photo_unsupported_format"})
#: A screenshot explains a missing EXIF and a low quality; saying it once is clearer.
_SUPERSEDED_BY_SCREENSHOT = frozenset({"photo_not_original", "photo_recompressed"})


def check_photo(facts: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
    """Run :data:`PHOTO_CHECKS` on one photo; an unreadable or unsupported one stops early."""
    problems: list[Problem] = []
    for check in PHOTO_CHECKS:
        found = check.check(facts, settings)
        problems.extend(found)
        if found and check.name in _STOPPING:
            return problems
    if any(p.code == "photo_screenshot" for p in problems):
        problems = [p for p in problems if p.code not in _SUPERSEDED_BY_SCREENSHOT]
    return problems


def explain_photo(facts: PhotoFacts, settings: ValidationSettings) -> dict[str, str]:
    """Each rule's evidence for editors (``check-photo``), by rule name."""
    evidence: dict[str, str] = {}
    stopped: str | None = None
    for check in PHOTO_CHECKS:
        if stopped:
            evidence[check.name] = f"không kiểm tra ({stopped})"
            continue
        explain = getattr(check, "explain", None)
        if explain is not None:
            evidence[check.name] = str(explain(facts, settings))
        if check.name in _STOPPING and check.check(facts, settings):
            stopped = check.name
    return evidence


__all__ = ["PHOTO_CHECKS", "PHOTO_SUBMISSION_CHECKS", "check_photo", "explain_photo"]
