"""unsupported_document: an article document in a format that cannot be read."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class UnsupportedDocument:
    """Error per .pdf/.odt/.rtf document, or .doc when LibreOffice is not installed."""

    name = "unsupported_document"
    description = "Article documents must be .docx (or .doc with LibreOffice installed)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem per unsupported document, ``file`` and ``detail`` set."""
        return [
            problem("unsupported_document", file=doc.filename, detail=doc.detail or doc.kind)
            for doc in candidate.documents
            if doc.status == "unsupported"
        ]
