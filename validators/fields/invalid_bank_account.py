"""invalid_bank_account: the account is not 6-19 digits once separators are removed."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class InvalidBankAccount:
    """Error when an account was written but no 6-19 digit number could be read from it."""

    name = "invalid_bank_account"
    description = "The bank account must be 6-19 digits (spaces, dots, dashes allowed)."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One problem, with the raw value as detail, when the digits are None."""
        raw = (candidate.fields.get("bank_account") or "").strip()
        if raw and candidate.bank_account_digits is None:
            return [problem("invalid_bank_account", field="bank_account", detail=raw)]
        return []
