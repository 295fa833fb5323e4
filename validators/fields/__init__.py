"""Checks over the template fields and documents, one module per check (SPEC §4).

``FIELD_CHECKS`` lists them in the order their problems are reported;
:mod:`validators.builtin` runs them before the photo checks.
"""

from __future__ import annotations

from validators.fields.account_holder_mismatch import AccountHolderMismatch
from validators.fields.bank_account_changed import BankAccountChanged
from validators.fields.body_too_short import BodyTooShort
from validators.fields.document_unreadable import DocumentUnreadable
from validators.fields.invalid_bank_account import InvalidBankAccount
from validators.fields.invalid_phone import InvalidPhone
from validators.fields.legacy_encoding import LegacyEncoding
from validators.fields.missing_bank_name import MissingBankName
from validators.fields.missing_field import MissingField
from validators.fields.multiple_documents import MultipleDocuments
from validators.fields.no_template import NoTemplate
from validators.fields.sender_unverified import SenderUnverified
from validators.fields.text_duplicate import TextDuplicate
from validators.fields.unknown_unit import UnknownUnit
from validators.fields.unsupported_document import UnsupportedDocument

FIELD_CHECKS = (
    NoTemplate(),
    MissingField(),
    InvalidPhone(),
    InvalidBankAccount(),
    MissingBankName(),
    AccountHolderMismatch(),
    UnknownUnit(),
    BodyTooShort(),
    LegacyEncoding(),
    UnsupportedDocument(),
    DocumentUnreadable(),
    MultipleDocuments(),
    BankAccountChanged(),
    SenderUnverified(),
    TextDuplicate(),
)

__all__ = ["FIELD_CHECKS"]
