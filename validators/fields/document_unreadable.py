"""document_unreadable: a corrupt, encrypted or oversized document."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class DocumentUnreadable:
    """Error per document that could not be opened (zip bomb, password, corruption)."""

    name = "document_unreadable"
    description = "Attached documents must open: not corrupt, encrypted or oversized."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem per unreadable document, ``file`` and ``detail`` set."""
        return [
            problem("document_unreadable", file=doc.filename, detail=doc.detail or None)
            for doc in candidate.documents
            if doc.status == "unreadable"
        ]
