"""account_holder_mismatch: the account holder is not the author (diacritics ignored)."""

from __future__ import annotations

import re

from ingest.model import Candidate
from ingest.normalize import fold
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


def _words(name: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", fold(name)).split()


class AccountHolderMismatch:
    """Warning when the holder differs from the author once folded.

    A holder found word for word inside the author field still matches, so that
    "Nông Văn K (Chủ tịch CĐCS)" or "Nông Văn K, Trần Thị B" do not warn for holder
    "NONG VAN K".
    """

    name = "account_holder_mismatch"
    description = "The account holder should be the author (compared without diacritics)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning, with the holder as detail, when the names differ."""
        holder = (candidate.fields.get("account_holder") or "").strip()
        author = (candidate.fields.get("author") or "").strip()
        if not holder or not author:
            return []
        h, a = _words(holder), _words(author)
        if not h or h == a:
            return []
        n = len(h)
        if any(a[i : i + n] == h for i in range(len(a) - n + 1)):
            return []
        return [problem("account_holder_mismatch", field="account_holder", detail=holder)]
