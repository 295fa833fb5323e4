"""Every .eml case of tests/data/template read at the extractor level against its sidecar."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_template_harness import CASES, load_expected, problem_keys, run_case, without_soffice

from validators.problems import has_errors

CASE_FILES = sorted(CASES.glob("*.eml"))


def test_enough_cases() -> None:
    assert len(CASE_FILES) >= 25


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = load_expected(path)
    if expected.get("requires", {}).get("soffice") is False:
        without_soffice(monkeypatch)  # the case shows the answer without LibreOffice
    outcome = run_case(path)
    fields = outcome.candidate.fields
    for key, value in expected.get("fields", {}).items():
        assert fields.get(key) == value, f"field {key}: {fields.get(key)!r} != {value!r}"
    for key, part in expected.get("fields_contains", {}).items():
        assert part in fields.get(key, ""), f"field {key} lacks {part!r}: {fields.get(key)!r}"
    if "captions" in expected:
        assert outcome.candidate.captions == expected["captions"]
    c = outcome.candidate
    normalized = {
        "phone_e164": c.phone_e164,
        "bank_account_digits": c.bank_account_digits,
        "bank_code": c.bank.code if c.bank else None,
        "account_holder_ascii": c.account_holder_ascii,
        "unit_name": c.unit_name,
    }
    for key, value in expected.get("normalized", {}).items():
        assert normalized[key] == value, f"{key}: {normalized[key]!r} != {value!r}"
    if "template_source" in expected:
        assert c.template_source == expected["template_source"]
    assert problem_keys(outcome.problems) == sorted(expected["problems"])
    photo_errors = bool(expected.get("photo_problems"))
    status = "needs_fix" if has_errors(outcome.problems) or photo_errors else "accepted"
    assert status == expected["status"]
