"""`tinbai check FILE.eml --json`: the exact SPEC §7 shape, for valid and invalid mail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"

PROBLEM_KEYS = {"code", "severity", "field", "file", "message"}
PHOTO_KEYS = {"file", "format", "width", "height", "quality", "camera", "problems"}


def check(path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "check", str(path), "--json", *extra],
        capture_output=True, text=True, timeout=120, check=False, cwd=path.parent,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def assert_shape(data: dict[str, Any]) -> None:
    assert {"status", "disposition", "fields", "problems", "photos"} <= set(data)
    assert data["status"] in ("accepted", "needs_fix", "ignored")
    for key in ("title", "body", "caption", "author", "unit", "phone", "bank_account",
                "account_holder"):
        assert key in data["fields"]
    for problem in data["problems"]:
        assert set(problem) >= PROBLEM_KEYS
        assert problem["severity"] in ("error", "warning")
        assert problem["message"]
    for photo in data["photos"]:
        assert set(photo) >= PHOTO_KEYS
        for problem in photo["problems"]:
            assert set(problem) >= PROBLEM_KEYS


def test_valid_submission_is_accepted() -> None:
    status, data = check(DATA / "check_valid.eml")
    assert status == 0
    assert_shape(data)
    assert data["status"] == "accepted", data["problems"]
    assert data["disposition"] is None
    assert data["fields"]["title"] == "LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ công đoàn"
    assert data["fields"]["phone_e164"] == "+84912345678"
    assert data["fields"]["bank_account_digits"] == "8600205012345"
    assert [p["severity"] for p in data["problems"]] in ([], ["warning"] * len(data["problems"]))
    photo = data["photos"][0]
    assert (photo["file"], photo["format"], photo["width"], photo["height"]) == (
        "DSC_0412.jpg", "JPEG", 2400, 1800)
    assert photo["quality"] >= 90
    assert "samsung" in photo["camera"].lower()


def test_invalid_submission_lists_each_problem() -> None:
    status, data = check(DATA / "check_invalid.eml")
    assert status == 0  # processed, whatever the verdict
    assert_shape(data)
    assert data["status"] == "needs_fix"
    found = {(p["code"], p["field"]) for p in data["problems"]}
    assert ("invalid_phone", "phone") in found
    assert ("invalid_bank_account", "bank_account") in found
    assert ("missing_field", "caption") in found
    assert ("no_photo", None) in found
    assert all(p["severity"] == "error" for p in data["problems"] if p["code"] == "no_photo")


def test_auto_reply_gets_a_disposition(tmp_path: Path) -> None:
    eml = tmp_path / "ooo.eml"
    eml.write_bytes(
        b"From: a@example.org\r\nTo: toasoan@congdoan.example.vn\r\n"
        b"Subject: Automatic reply: tin bai\r\nAuto-Submitted: auto-replied\r\n"
        b"Message-ID: <ooo-1@example.org>\r\n\r\nI am out of the office.\r\n"
    )
    status, data = check(eml)
    assert status == 0
    assert (data["status"], data["disposition"]) == ("ignored", "auto_reply")
    assert data["problems"] == []


def test_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "check", str(tmp_path / "missing.eml")],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "cannot read" in result.stderr and "Traceback" not in result.stderr


def test_form_typed_in_legacy_fonts_is_read_and_reported() -> None:
    """A form pasted from a VNI-Times or .VnTime document into the mail: the fields are
    read as the Vietnamese they are, and legacy_encoding asks for Unicode."""
    for name, kind in (("check_vni_text.eml", "VNI"), ("check_tcvn3_text.eml", "TCVN3")):
        status, data = check(DATA / name)
        assert_shape(data)
        assert status == 0 and data["status"] == "needs_fix", name
        assert data["fields"]["title"] == "LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ công đoàn"
        assert data["fields"]["author"] == "Hoàng Văn Hùng"
        assert data["fields"]["phone_e164"] == "+84912345678"
        assert data["fields"]["bank_account_digits"] == "8600205012345"
        legacy = [p for p in data["problems"] if p["code"] == "legacy_encoding"]
        assert len(legacy) == 1 and legacy[0]["detail"] == kind, data["problems"]
        assert [p["code"] for p in data["problems"] if p["severity"] == "error"] == [
            "legacy_encoding"]


def test_article_in_a_word_97_document(tmp_path: Path) -> None:
    """The whole form in an attached Word 2003 .doc, converted by a real LibreOffice."""
    import shutil

    import pytest

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    from email.message import EmailMessage

    import docx

    from tinbai.samples import BODY_2, _form

    document = docx.Document()
    for line in _form("Tập huấn nghiệp vụ công đoàn năm 2026", BODY_2, "Quang cảnh lớp học",
                      "Hoàng Văn Hùng", "LĐLĐ huyện Chợ Đồn", "0912 345 678",
                      "8600 2050 12345 tại Vietinbank", "Hoàng Văn Hùng").splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "Tin tap huan.docx")
    subprocess.run(
        [soffice, "--headless", "--norestore",
         f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "doc",
         "--outdir", str(tmp_path), str(tmp_path / "Tin tap huan.docx")],
        check=True, capture_output=True, timeout=120,
    )
    msg = EmailMessage()
    msg["From"] = "Hoàng Văn Hùng <hunghv@example.org>"
    msg["To"] = "toasoan@example.org"
    msg["Subject"] = "Gửi tin bài"
    msg["Message-ID"] = "<doc-97@example.org>"
    msg.set_content("Em gửi tin bài trong tệp đính kèm ạ.")
    msg.add_attachment((tmp_path / "Tin tap huan.doc").read_bytes(), maintype="application",
                       subtype="msword", filename="Tin tap huan.doc")
    eml = tmp_path / "doc.eml"
    eml.write_bytes(msg.as_bytes())
    status, data = check(eml)
    assert status == 0
    assert_shape(data)
    assert data["template_source"] == "docx:Tin tap huan.doc"
    assert data["fields"]["title"] == "Tập huấn nghiệp vụ công đoàn năm 2026"
    assert data["fields"]["phone_e164"] == "+84912345678"
    assert data["fields"]["bank_account_digits"] == "8600205012345"
    assert "unsupported_document" not in {p["code"] for p in data["problems"]}
