"""Photo rules (SPEC §3): one module per rule, run in the order written here.

Per-photo checks judge :class:`~ingest.photos.PhotoFacts` read from headers only; the
submission checks judge the photo set of a :class:`~ingest.model.Candidate`.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.photos import PhotoFacts
from validators.base import PhotoCheck, SubmissionCheck
from validators.photos.duplicate import PhotoDuplicate
from validators.photos.edited import PhotoEdited
from validators.photos.embedded import PhotoEmbedded
from validators.photos.evidence import judge
from validators.photos.link_only import PhotoLinkOnly
from validators.photos.no_caption import PhotoNoCaption
from validators.photos.no_photo import NoPhoto
from validators.photos.not_original import PhotoNotOriginal
from validators.photos.recompressed import PhotoRecompressed
from validators.photos.resized import PhotoResized
from validators.photos.screenshot import PhotoScreenshot
from validators.photos.signs import for_code, one_judgement
from validators.photos.too_small import PhotoTooSmall
from validators.photos.unreadable import PhotoUnreadable
from validators.photos.unsupported_format import PhotoUnsupportedFormat
from validators.problems import Problem, Severity
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
    with one_judgement():
        return _check_photo(facts, settings)


def _check_photo(facts: PhotoFacts, settings: ValidationSettings) -> list[Problem]:
    problems: list[Problem] = []
    for check in PHOTO_CHECKS:
        found = check.check(facts, settings)
        problems.extend(found)
        if found and check.name in _STOPPING:
            return problems
    if any(p.code == "photo_screenshot" for p in problems):
        problems = [p for p in problems if p.code not in _SUPERSEDED_BY_SCREENSHOT]
    return _combine_warnings(facts, problems, settings)


#: Codes whose evidence all says "this is not the file the camera wrote".
_EVIDENCE_CODES = ("photo_recompressed", "photo_resized", "photo_edited")


def _combine_warnings(
    facts: PhotoFacts, problems: list[Problem], settings: ValidationSettings
) -> list[Problem]:
    """Warnings of different codes whose evidence together is enough become errors.

    A crop saved again shows a thumbnail of another aspect (resized) and a re-encoder's
    structure (recompressed): two independent signs of one fact, the file is not the
    camera's, even if neither code has enough on its own.
    """
    warned = [p for p in problems if p.code in _EVIDENCE_CODES and not p.is_error]
    if len(warned) < 2 or any(p.is_error for p in problems if p.code in _EVIDENCE_CODES):
        return problems
    items = [e for code in _EVIDENCE_CODES for e in for_code(facts, settings.photos, code)]
    unique = list({(e.kind, e.seen): e for e in items}.values())
    if judge(unique, settings.photos) is not Severity.ERROR:
        return problems
    return [replace(p, severity=Severity.ERROR) if p in warned else p for p in problems]


def explain_photo(facts: PhotoFacts, settings: ValidationSettings) -> dict[str, str]:
    """Each rule's evidence for editors (``check-photo``), by rule name."""
    with one_judgement():
        return _explain_photo(facts, settings)


def _explain_photo(facts: PhotoFacts, settings: ValidationSettings) -> dict[str, str]:
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
