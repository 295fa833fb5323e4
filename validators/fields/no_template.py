"""no_template: no template label was recognised anywhere in the message."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class NoTemplate:
    """Error when neither the body nor a document holds any label of the form."""

    name = "no_template"
    description = "No template label found in the body, the HTML body or a document."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem when ``labels_found`` is 0."""
        return [problem("no_template")] if candidate.labels_found == 0 else []
