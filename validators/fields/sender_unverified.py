"""sender_unverified: SPF/DKIM/DMARC failed per Authentication-Results."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class SenderUnverified:
    """Warning listing the failed mechanisms (the pipeline also withholds the reply)."""

    name = "sender_unverified"
    description = "The sender's address should pass SPF/DKIM/DMARC."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning with the failures (e.g. ``spf=fail``) as detail."""
        if candidate.auth_failures:
            return [problem("sender_unverified", detail=", ".join(candidate.auth_failures))]
        return []
