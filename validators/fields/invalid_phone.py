"""invalid_phone: a phone was written but is not a valid Vietnamese number."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class InvalidPhone:
    """Error when the raw phone could not be normalised to E.164."""

    name = "invalid_phone"
    description = "The phone must be a Vietnamese mobile (10 digits) or landline (11 digits)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem, with the raw value as detail, when ``phone_e164`` is None."""
        raw = (candidate.fields.get("phone") or "").strip()
        if raw and candidate.phone_e164 is None:
            return [problem("invalid_phone", field="phone", detail=raw)]
        return []
