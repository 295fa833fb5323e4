"""missing_bank_name: the account is valid but no known bank is named."""

from __future__ import annotations

from ingest.model import Candidate
from validators.problems import Problem, problem
from validators.settings import ValidationSettings


class MissingBankName:
    """Warning: finance needs the bank to pay; the account alone is not enough."""

    name = "missing_bank_name"
    description = "A valid account should come with a bank of the VietQR/NAPAS list."

    def check(self, candidate: Candidate, settings: ValidationSettings) -> list[Problem]:
        """One warning when the digits are known and the bank is not."""
        if candidate.bank_account_digits and candidate.bank is None:
            detail = (candidate.fields.get("bank_name") or "").strip() or None
            return [problem("missing_bank_name", field="bank_name", detail=detail)]
        return []
