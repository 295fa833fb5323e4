"""text_duplicate: the body is a near-copy of another submission's (SPEC §4, issue 15)."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class TextDuplicate:
    """Warning naming the earlier submissions whose body this one nearly copies.

    The similarities come from the store's text index (``Candidate.text_duplicates``,
    filled by the intake); the same submission's earlier versions are never among them,
    so a fix by reply is not a duplicate of itself.
    """

    name = "text_duplicate"
    description = "The body should not be a near-copy of an earlier submission's."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning listing the near-copies (reference and similarity in %)."""
        threshold = settings.fields.text_duplicate_similarity
        close = [
            (str(d.get("ref")), float(str(d.get("similarity") or 0)))
            for d in candidate.text_duplicates
            if float(str(d.get("similarity") or 0)) >= threshold
        ]
        if not close:
            return []
        detail = ", ".join(f"{ref}, giống khoảng {round(sim * 100)}%" for ref, sim in close[:3])
        return [problem("text_duplicate", field="body", detail=detail)]
