"""multiple_documents: more than one article document in one email."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class MultipleDocuments:
    """Error when one message carries several article documents (one item per email)."""

    name = "multiple_documents"
    description = "One email carries one article: at most one article document."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem listing the documents' names."""
        if len(candidate.documents) > 1:
            names = ", ".join(doc.filename for doc in candidate.documents)
            return [problem("multiple_documents", detail=names)]
        return []
