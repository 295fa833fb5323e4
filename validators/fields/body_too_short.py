"""body_too_short: the article body has fewer words than configured."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class BodyTooShort:
    """Warning when the body is present but shorter than ``fields.min_body_words``."""

    name = "body_too_short"
    description = "The body should have at least the configured number of words."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning with "N từ, tối thiểu M từ" as detail."""
        body = (candidate.fields.get("body") or "").strip()
        if not body:
            return []
        words = len(body.split())
        minimum = settings.fields.min_body_words
        if words < minimum:
            detail = f"{words} từ, tối thiểu {minimum} từ"
            return [problem("body_too_short", field="body", detail=detail)]
        return []
