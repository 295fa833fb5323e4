"""Normalisation of template values: phone, bank account, bank, names, units."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BankInfo:
    """A bank of the VietQR/NAPAS list."""

    bin: str
    code: str
    short_name: str
    name: str
