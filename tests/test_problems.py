"""The problem catalogue: every SPEC §4 code, Vietnamese messages, clean formatting."""

from __future__ import annotations

import pytest

from validators.problems import CATALOGUE, FIELD_LABELS, Severity, problem

SPEC_CODES = {
    "no_template": "error", "missing_field": "error", "invalid_phone": "error",
    "invalid_bank_account": "error", "missing_bank_name": "warning",
    "account_holder_mismatch": "warning", "unknown_unit": "warning",
    "body_too_short": "warning", "legacy_encoding": "error", "unsupported_document": "error",
    "document_unreadable": "error", "multiple_documents": "error", "no_photo": "error",
    "photo_embedded": "error", "photo_no_caption": "error", "photo_not_original": "error",
    "photo_recompressed": "error", "photo_resized": "error", "photo_too_small": "error",
    "photo_edited": "error", "photo_screenshot": "error", "photo_unreadable": "error",
    "photo_unsupported_format": "error", "photo_link_only": "error",
    "photo_duplicate": "warning", "bank_account_changed": "warning",
    "sender_unverified": "warning", "text_duplicate": "warning",
}


def test_catalogue_has_exactly_the_spec_codes_and_severities() -> None:
    assert {c: str(i.severity) for c, i in CATALOGUE.items()} == SPEC_CODES


@pytest.mark.parametrize("code", sorted(SPEC_CODES))
def test_messages_render_without_placeholders_with_or_without_details(code: str) -> None:
    for detail in (None, "chi tiết"):
        found = problem(code, field="phone", file="IMG_1.jpg", detail=detail)
        assert "{" not in found.message and "()" not in found.message
        assert found.message.endswith(".")
    assert problem("missing_field", field="bank_account").message.startswith(
        f"Thiếu mục «{FIELD_LABELS['bank_account']}»"
    )


def test_unknown_code_fails_loudly() -> None:
    with pytest.raises(KeyError):
        problem("no_such_code")


def test_severity_can_be_overridden_and_json_shape() -> None:
    found = problem("unknown_unit", field="unit", detail="X", severity=Severity.ERROR)
    assert found.is_error
    assert set(found.as_dict()) >= {"code", "severity", "field", "file", "message"}
