"""unknown_unit: the unit written is not in the unit registry."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class UnknownUnit:
    """Warning when the unit could not be matched to the registry of config.yaml."""

    name = "unknown_unit"
    description = "The unit should match a unit of the registry (name or alias)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning, with the raw unit as detail, when ``unit_name`` is None."""
        raw = (candidate.fields.get("unit") or "").strip()
        if raw and candidate.unit_registry and candidate.unit_name is None:
            return [problem("unknown_unit", field="unit", detail=raw)]
        return []
