"""bank_account_changed: a known author now gives a different bank account."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


def _mask(account: str) -> str:
    """Only the last four digits: account numbers are personal data."""
    return "…" + account[-4:] if len(account) > 4 else "…"


class BankAccountChanged:
    """Warning when the author used other accounts before and not this one (possible fraud)."""

    name = "bank_account_changed"
    description = "A known author's account should match one used in earlier submissions."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning naming the earlier accounts masked."""
        digits = candidate.bank_account_digits
        previous = [p for p in candidate.previous_bank_accounts if p]
        if not digits or not previous or digits in previous:
            return []
        detail = "trước đây: " + ", ".join(_mask(p) for p in previous)
        return [problem("bank_account_changed", field="bank_account", detail=detail)]
