"""The order of all checks, written in one place (after Mailman 3's pipelines/builtin.py).

To add a check: write it as a module of :mod:`validators.fields` or
:mod:`validators.photos` (name, one-line description, one method returning problems) and
list it there; the tuples below pick them up in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.model import Candidate, ParsedMail
from validators.base import SubmissionCheck
from validators.dispositions import (
    AutoReply,
    Bounce,
    ContentDispositionCheck,
    DispositionCheck,
    DispositionContext,
    FromOurselves,
    MailingList,
    NotSubmission,
    Spam,
)
from validators.fields import FIELD_CHECKS
from validators.photos import PHOTO_CHECKS, PHOTO_SUBMISSION_CHECKS, check_photo
from validators.problems import Problem, has_errors
from validators.settings import ValidationSettings

#: Messages that are not submissions, from the headers, first match wins (the order
#: and the ambiguous combinations it settles: :mod:`validators.dispositions`).
DISPOSITION_CHECKS: tuple[DispositionCheck, ...] = (
    FromOurselves(),
    MailingList(),
    Bounce(),
    AutoReply(),
    Spam(),
)

#: Then, once documents, photos and the template are read, first match wins.
CONTENT_DISPOSITION_CHECKS: tuple[ContentDispositionCheck, ...] = (NotSubmission(),)

#: Checks over the whole submission: template fields first, then the photo set.
SUBMISSION_CHECKS: tuple[SubmissionCheck, ...] = (*FIELD_CHECKS, *PHOTO_SUBMISSION_CHECKS)

__all__ = [
    "CONTENT_DISPOSITION_CHECKS",
    "DISPOSITION_CHECKS",
    "PHOTO_CHECKS",
    "SUBMISSION_CHECKS",
    "Verdict",
    "classify",
    "classify_content",
    "validate",
]


def classify(mail: ParsedMail, context: DispositionContext) -> str | None:
    """The disposition of a message that is not a submission, or None."""
    for check in DISPOSITION_CHECKS:
        disposition = check.check(mail, context)
        if disposition:
            return disposition
    return None


def classify_content(
    mail: ParsedMail, candidate: Candidate, settings: ValidationSettings
) -> str | None:
    """The disposition of a message whose content shows it is not a submission, or None."""
    for check in CONTENT_DISPOSITION_CHECKS:
        disposition = check.check(mail, candidate, settings)
        if disposition:
            return disposition
    return None


@dataclass
class Verdict:
    """All problems of a candidate: per photo, and overall (photo problems included)."""

    problems: list[Problem] = field(default_factory=list)
    photo_problems: list[list[Problem]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not has_errors(self.problems)


def validate(candidate: Candidate, settings: ValidationSettings) -> Verdict:
    """Run every check in order."""
    verdict = Verdict()
    for check in SUBMISSION_CHECKS:
        verdict.problems.extend(check.check(candidate, settings))
    for photo in candidate.photos:
        found = check_photo(photo, settings)
        verdict.photo_problems.append(found)
        verdict.problems.extend(found)
    return verdict
