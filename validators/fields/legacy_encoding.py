"""legacy_encoding: text typed in TCVN3/VNI fonts (garbled Vietnamese)."""

from __future__ import annotations

from ingest.legacy_text import detect_legacy_text
from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class LegacyEncoding:
    """Error per document in a legacy font, or once when the mail text itself is TCVN3/VNI.

    The second case is text copied from a .VnTime document into the mail body: it arrives
    as Unicode but reads "C«ng ®oµn" instead of "Công đoàn".
    """

    name = "legacy_encoding"
    description = "Text must be Unicode, not typed in TCVN3 (.VnTime) or VNI fonts."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """Problems with ``file`` for documents, without for the mail text."""
        found = [
            problem("legacy_encoding", file=doc.filename, detail=doc.detail or None)
            for doc in candidate.documents
            if doc.status == "legacy_encoding"
        ]
        if not found:
            kind = candidate.legacy_text or detect_legacy_text(
                "\n".join(candidate.fields.values())
            )
            if kind:
                found.append(problem("legacy_encoding", detail=kind.upper()))
        return found
