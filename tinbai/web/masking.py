"""Bank account numbers are personal data (SPEC §8): editors see them masked.

:func:`mask_account` shows the last four digits (``•••• 4567``). :class:`Redactor` is the
safety net applied to every text an editor receives (pages, raw mail): it finds digit runs
(spaces, dots and dashes allowed between digits, as people write accounts) and masks those
that are one of the submission's known account numbers, whatever the formatting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "••••"
_RUN = re.compile(r"\d(?:[ .\-\u00a0]?\d){5,}")
_DIGITS = re.compile(r"\D")


def digits(value: object) -> str:
    """The digits of a value (``'3951 0001-23'`` → ``'3951000123'``)."""
    return _DIGITS.sub("", str(value or ""))


def mask_account(value: object) -> str:
    """``•••• 4567`` for an account number; '' for nothing."""
    number = digits(value)
    if not number:
        return "" if not value else MASK
    return f"{MASK} {number[-4:]}" if len(number) > 4 else MASK


class Redactor:
    """Masks the given account numbers wherever they appear in a text.

    ``accounts`` (a submission's own) are masked also when a run holds only a piece of
    one (odd spacing splits a number into several runs); ``known`` (every account in the
    database) are masked when a run holds a whole one.
    """

    def __init__(self, accounts: Iterable[object] = (),
                 known: frozenset[str] = frozenset()) -> None:
        self.accounts: set[str] = set()
        self.known = known
        for account in accounts:
            self.add(account)

    def add(self, account: object) -> None:
        number = digits(account)
        if len(number) >= 6:
            self.accounts.add(number)

    def with_known(self, known: frozenset[str]) -> Redactor:
        """This redactor, also masking every account of ``known``."""
        return Redactor(self.accounts, known | self.known)

    def __bool__(self) -> bool:
        return bool(self.accounts or self.known)

    def _hit(self, run: str) -> bool:
        number = digits(run)
        if any(account in number or number in account for account in self.accounts):
            return True
        if not self.known:
            return False
        # any known account inside the run: look its substrings up (O(len²), not O(known))
        size = len(number)
        return any(number[i:j] in self.known
                   for i in range(size - 5) for j in range(i + 6, size + 1))

    def redact(self, text: str) -> str:
        """``text`` with every known account number masked."""
        if not self:
            return text

        def replace(match: re.Match[str]) -> str:
            run = match.group(0)
            return mask_account(run) if self._hit(run) else run

        return _RUN.sub(replace, text)
