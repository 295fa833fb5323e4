"""Classify and read one message, judging nothing and touching no store.

The first half of a message's way in: :meth:`tinbai.intake.Intake.prepare` runs it in the
read-ahead thread, before any database transaction (photo and document reading can take
a while and must not hold SQLite's write lock); the dry run ``tinbai check`` runs it too.
The judging (``validators.builtin.validate``) happens once, afterwards, with the store's
facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.candidate import read_candidate
from ingest.model import Candidate, ParsedMail
from tinbai.config import Config
from validators.builtin import classify, classify_content
from validators.dispositions import DispositionContext


@dataclass
class Reading:
    """One message classified and read: a disposition, or the candidate submission."""

    mail: ParsedMail
    disposition: str | None
    candidate: Candidate
    photo_payloads: list[bytes] = field(default_factory=list)
    """Bytes of ``candidate.photos`` read from *this* message, in the same order."""

    @property
    def may_be_submission(self) -> bool:
        """Whether it may be stored as a submission (a text-only reply can still be a fix);
        a robot's, a list's or spam's photos are not even decoded."""
        return self.disposition in (None, "not_submission")


def read_message(mail: ParsedMail, config: Config, *, own_addresses: frozenset[str]) -> Reading:
    """The disposition of one message, or its candidate submission (SPEC §4)."""
    disposition = classify(mail, DispositionContext(own_addresses=own_addresses))
    if disposition:
        return Reading(mail, disposition, Candidate())
    candidate, payloads = read_candidate(mail, config.validation, config.units)
    not_submission = classify_content(mail, candidate, config.validation)
    if not_submission:
        return Reading(mail, not_submission, candidate, payloads)
    return Reading(mail, None, candidate, payloads)
