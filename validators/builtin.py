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
    DispositionCheck,
    DispositionContext,
    FromOurselves,
    MailingList,
    Spam,
)
from validators.fields import FIELD_CHECKS
from validators.photos import PHOTO_CHECKS, PHOTO_SUBMISSION_CHECKS, check_photo
from validators.problems import Problem, has_errors
from validators.settings import ValidationSettings

#: Messages that are not submissions, first match wins.
DISPOSITION_CHECKS: tuple[DispositionCheck, ...] = (
    FromOurselves(),
    Bounce(),
    AutoReply(),
    MailingList(),
    Spam(),
)

#: Checks over the whole submission: template fields first, then the photo set.
SUBMISSION_CHECKS: tuple[SubmissionCheck, ...] = (*FIELD_CHECKS, *PHOTO_SUBMISSION_CHECKS)

__all__ = [
    "DISPOSITION_CHECKS",
    "PHOTO_CHECKS",
    "SUBMISSION_CHECKS",
    "Verdict",
    "classify",
    "validate",
]


def classify(mail: ParsedMail, context: DispositionContext) -> str | None:
    """The disposition of a message that is not a submission, or None."""
    for check in DISPOSITION_CHECKS:
        disposition = check.check(mail, context)
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
