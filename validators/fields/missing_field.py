"""missing_field: a required field of the form (1-8) is absent or blank."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import REQUIRED_FIELDS, Problem, problem
from validators.settings import ValidationSettings


class MissingField:
    """One error per required field that is absent or empty.

    Silent when no label was found at all: ``no_template`` already asks for the whole form,
    and eight more lines would bury that message.
    """

    name = "missing_field"
    description = "Each required field (title … account holder) must be present and non-empty."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """A ``missing_field`` problem with ``field`` set for each gap."""
        if candidate.labels_found == 0:
            return []
        found: list[Problem] = []
        for key in REQUIRED_FIELDS:
            value = (candidate.fields.get(key) or "").strip()
            if key == "caption" and any(c.strip() for c in candidate.captions):
                continue
            if not value:
                found.append(problem("missing_field", field=key))
        return found
