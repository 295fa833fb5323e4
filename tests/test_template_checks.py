"""The field checks of validators/fields, one by one, on hand-built candidates."""

from __future__ import annotations

from ingest.documents import DocumentInfo
from ingest.legacy_text import unicode_to_tcvn3
from ingest.model import Candidate
from ingest.normalize import BankInfo
from validators.fields import FIELD_CHECKS
from validators.problems import CATALOGUE, Problem
from validators.settings import ValidationSettings

SETTINGS = ValidationSettings.model_validate({})
AGRIBANK = BankInfo("970405", "VBA", "Agribank", "Ngân hàng Nông nghiệp")
BODY = " ".join(["chữ"] * 100)


def _complete() -> Candidate:
    return Candidate(
        fields={
            "title": "Hội nghị",
            "body": BODY,
            "caption": "Quang cảnh",
            "author": "Nông Văn K",
            "unit": "CĐCS A",
            "phone": "0983123456",
            "bank_account": "3951000123456 Agribank",
            "account_holder": "NONG VAN K",
        },
        labels_found=8,
        phone_e164="+84983123456",
        bank_account_digits="3951000123456",
        bank=AGRIBANK,
        account_holder_ascii="NONG VAN K",
        unit_name="Công đoàn cơ sở A",
        captions=["Quang cảnh"],
    )


def _run(c: Candidate) -> list[Problem]:
    return [p for check in FIELD_CHECKS for p in check.check(c, SETTINGS)]


def _keys(c: Candidate) -> list[str]:
    return [f"{p.code}:{p.field}" if p.field else p.code for p in _run(c)]


def test_checks_have_names_descriptions_and_known_codes() -> None:
    names = [c.name for c in FIELD_CHECKS]
    assert len(set(names)) == len(names)
    for check in FIELD_CHECKS:
        assert check.name in CATALOGUE
        assert check.description and "\n" not in check.description


def test_complete_candidate_has_no_problem() -> None:
    assert _run(_complete()) == []


def test_no_template_alone() -> None:
    assert _keys(Candidate()) == ["no_template"]


def test_missing_fields_and_caption_from_captions() -> None:
    c = _complete()
    del c.fields["phone"], c.fields["caption"]
    c.fields["unit"] = "   "
    c.phone_e164 = None
    # The caption label is gone but the captions list still has one: not missing.
    assert _keys(c) == ["missing_field:unit", "missing_field:phone"]
    c.captions = []
    assert "missing_field:caption" in _keys(c)


def test_invalid_phone_and_account() -> None:
    c = _complete()
    c.fields["phone"] = "0983 123"
    c.phone_e164 = None
    c.fields["bank_account"] = "12345"
    c.bank_account_digits = None
    c.bank = None
    problems = _run(c)
    assert [p.code for p in problems] == ["invalid_phone", "invalid_bank_account"]
    assert problems[0].detail == "0983 123" and "0983 123" in problems[0].message


def test_warnings() -> None:
    c = _complete()
    c.bank = None
    c.fields["account_holder"] = "Nông Thị Lan"
    c.unit_name = None
    c.fields["body"] = "ngắn quá"
    problems = _run(c)
    assert [p.code for p in problems] == [
        "missing_bank_name",
        "account_holder_mismatch",
        "unknown_unit",
        "body_too_short",
    ]
    assert all(not p.is_error for p in problems)
    assert problems[-1].detail == "2 từ, tối thiểu 80 từ"


def test_holder_inside_author_is_not_a_mismatch() -> None:
    c = _complete()
    c.fields["author"] = "Nông Văn K (Chủ tịch CĐCS), Trần Thị B"
    assert _run(c) == []
    c.fields["author"] = "Nông Văn Khải"
    assert [p.code for p in _run(c)] == ["account_holder_mismatch"]


def test_document_problems() -> None:
    c = _complete()
    c.documents = [
        DocumentInfo("a.pdf", "pdf", "unsupported", "tệp PDF"),
        DocumentInfo("b.docx", "docx", "unreadable", "tệp có mật khẩu"),
        DocumentInfo("c.docx", "docx", "legacy_encoding", "phông TCVN3"),
    ]
    problems = _run(c)
    assert [(p.code, p.file) for p in problems] == [
        ("legacy_encoding", "c.docx"),
        ("unsupported_document", "a.pdf"),
        ("document_unreadable", "b.docx"),
        ("multiple_documents", None),
    ]
    assert problems[-1].detail == "a.pdf, b.docx, c.docx"


def test_legacy_text_in_fields() -> None:
    c = _complete()
    c.fields["body"] = unicode_to_tcvn3("Công đoàn cơ sở tổ chức trao quà cho đoàn viên. " * 20)
    assert [p.code for p in _run(c)] == ["legacy_encoding"]


def test_bank_account_changed_is_masked() -> None:
    c = _complete()
    c.previous_bank_accounts = ["0011004567890"]
    problems = _run(c)
    assert [p.code for p in problems] == ["bank_account_changed"]
    assert problems[0].detail == "trước đây: …7890"
    assert "0011004567890" not in problems[0].message
    c.previous_bank_accounts = ["0011004567890", "3951000123456"]
    assert _run(c) == []


def test_sender_unverified() -> None:
    c = _complete()
    c.auth_failures = ["dmarc=fail", "spf=fail"]
    problems = _run(c)
    assert [p.code for p in problems] == ["sender_unverified"]
    assert problems[0].detail == "dmarc=fail, spf=fail"


def test_no_unit_is_unknown_without_a_unit_registry() -> None:
    from ingest.model import Candidate
    from validators.fields.unknown_unit import UnknownUnit
    from validators.settings import ValidationSettings

    candidate = Candidate(fields={"unit": "CĐCS Xí nghiệp Xi măng"}, unit_registry=False)
    assert UnknownUnit().check(candidate, ValidationSettings()) == []
    candidate.unit_registry = True
    assert [p.code for p in UnknownUnit().check(candidate, ValidationSettings())] == [
        "unknown_unit"
    ]
