"""Reading attached article documents: .docx text, guards, legacy fonts, refusals."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image

from ingest.documents import is_document, read_document
from ingest.legacy_text import (
    detect_legacy_text,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)
from validators.settings import FieldRules

RULES = FieldRules.model_validate({})


def _docx(build: object = None) -> bytes:
    d = docx.Document()
    if callable(build):
        build(d)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "ctype", "expected"),
    [
        ("bai viet.docx", "application/octet-stream", True),
        ("BAI.DOC", "", True),
        ("a.pdf", "application/pdf", True),
        ("a.odt", "", True),
        ("a.rtf", "", True),
        ("noname", "application/msword", True),
        ("IMG_1.jpg", "image/jpeg", False),
        ("anh.zip", "application/zip", False),
        ("ghi chu.txt", "text/plain", False),
    ],
)
def test_is_document(name: str, ctype: str, expected: bool) -> None:
    assert is_document(name, ctype) is expected


def test_paragraphs_and_tables_in_document_order() -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("MẪU CUNG CẤP TIN, BÀI")
        t = d.add_table(rows=2, cols=2)
        t.cell(0, 0).text = "Tít tin, bài"
        t.cell(0, 1).text = "Hội nghị tập huấn"
        t.cell(1, 0).text = "Nội dung bài viết"
        t.cell(1, 1).text = "Đoạn một."
        t.cell(1, 1).add_paragraph("Đoạn hai.")
        d.add_paragraph("Tác giả: Nông Văn K")

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "ok", info.detail
    assert info.text.split("\n") == [
        "MẪU CUNG CẤP TIN, BÀI",
        "Tít tin, bài\tHội nghị tập huấn",
        "Nội dung bài viết\tĐoạn một.",
        "Đoạn hai.",
        "Tác giả: Nông Văn K",
    ]


def test_embedded_images_are_listed() -> None:
    png = io.BytesIO()
    Image.new("RGB", (20, 10), (255, 0, 0)).save(png, "PNG")

    def build(d: docx.document.Document) -> None:
        d.add_paragraph("Bài viết")
        png.seek(0)
        d.add_picture(png)

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "ok"
    assert info.embedded_images == ["image1.png"]


def test_zip_bomb_is_refused_from_the_directory() -> None:
    base = zipfile.ZipFile(io.BytesIO(_docx(lambda d: d.add_paragraph("x"))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in base.infolist():
            z.writestr(entry, base.read(entry))
        z.writestr("word/media/big.bin", b"\0" * 3_000_000)
    rules = FieldRules.model_validate({"max_document_inflate_bytes": 2_000_000})
    info = read_document("bom.docx", out.getvalue(), rules)
    assert info.status == "unreadable"
    assert "MB" in info.detail
    assert read_document("bom.docx", out.getvalue(), RULES).status == "ok"


def test_too_many_entries_is_refused() -> None:
    base = zipfile.ZipFile(io.BytesIO(_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for entry in base.infolist():
            z.writestr(entry, base.read(entry))
        for i in range(60):
            z.writestr(f"extra/item{i}.xml", b"<a/>")
    rules = FieldRules.model_validate({"max_document_entries": 50})
    info = read_document("x.docx", out.getvalue(), rules)
    assert info.status == "unreadable"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"PK\x03\x04garbage",
        b"not a zip at all",
        _docx()[:500],
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le"),
    ],
)
def test_corrupt_or_encrypted_docx_is_unreadable(payload: bytes) -> None:
    info = read_document("bai.docx", payload, RULES)
    assert info.status == "unreadable"
    assert info.detail


def test_zip_without_word_parts_is_unreadable() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert read_document("bai.docx", out.getvalue(), RULES).status == "unreadable"


@pytest.mark.parametrize("name", ["bai.pdf", "bai.odt", "bai.rtf"])
def test_other_formats_are_unsupported(name: str) -> None:
    info = read_document(name, b"%PDF-1.4 whatever", RULES)
    assert info.status == "unsupported"


def test_doc_without_libreoffice_is_unsupported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    info = read_document("bai.doc", ole, RULES)
    assert info.status == "unsupported"
    assert "LibreOffice" in info.detail


def test_doc_that_is_really_docx_is_read() -> None:
    payload = _docx(lambda d: d.add_paragraph("Tác giả: A"))
    info = read_document("bai.doc", payload, RULES)
    assert info.status == "ok"
    assert "Tác giả: A" in info.text


def test_tcvn3_round_trip() -> None:
    text = "công đoàn cơ sở trường thpt chợ đồn trao quà cho đoàn viên khó khăn"
    legacy = unicode_to_tcvn3(text)
    assert legacy == "c«ng ®oµn c¬ së tr\u00adêng thpt chî ®ån trao quµ cho ®oµn viªn khã kh¨n"
    assert tcvn3_to_unicode(legacy) == text
    assert tcvn3_to_unicode(unicode_to_tcvn3("đoàn viên"), upper=True) == "ĐOÀN VIÊN"


def test_tcvn3_font_runs_are_converted_and_reported() -> None:
    def build(d: docx.document.Document) -> None:
        p = d.add_paragraph()
        r = p.add_run(unicode_to_tcvn3("Tác giả: Nông Văn K"))
        r.font.name = ".VnTime"
        p = d.add_paragraph()
        r = p.add_run(unicode_to_tcvn3("hội nghị tập huấn"))
        r.font.name = ".VnTimeH"

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "legacy_encoding"
    assert info.legacy == "tcvn3" and info.converted
    assert info.text.split("\n") == ["Tác giả: Nông Văn K", "HỘI NGHỊ TẬP HUẤN"]


def test_tcvn3_style_font_is_seen() -> None:
    def build(d: docx.document.Document) -> None:
        d.styles["Normal"].font.name = ".VnTime"
        d.add_paragraph(unicode_to_tcvn3("Đơn vị công tác: Công đoàn"))

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "legacy_encoding"
    assert info.text == "Đơn vị công tác: Công đoàn"


def test_vni_font_is_converted_and_still_reported() -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("Tác giả: ").add_run(unicode_to_vni("Nguyễn Thị Hương")).font.name = (
            "VNI-Times")
        r = d.add_paragraph().add_run(unicode_to_vni(
            "Đơn vị công tác: Công đoàn cơ sở trường học, ĐẠI HỘI ỦY BAN"))
        r.font.name = "VNI-Times"

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "legacy_encoding"
    assert info.legacy == "vni" and info.converted
    assert info.text == ("Tác giả: Nguyễn Thị Hương\n"
                         "Đơn vị công tác: Công đoàn cơ sở trường học, ĐẠI HỘI ỦY BAN")


def test_vni_text_without_its_font_is_converted() -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph(unicode_to_vni("Người lao động tham gia hội thao; "
                                       "Ban Thường vụ Liên đoàn Lao động tỉnh"))

    info = read_document("a.docx", _docx(build), RULES)
    assert (info.status, info.legacy, info.converted) == ("legacy_encoding", "vni", True)
    assert info.text == ("Người lao động tham gia hội thao; "
                         "Ban Thường vụ Liên đoàn Lao động tỉnh")


def test_vni_conversion_covers_every_vietnamese_letter() -> None:
    """Every letter (both cases) survives Unicode → VNI → Unicode; known VNI spellings
    read as the words they are."""
    vowels = "aáàảãạăắằẳẵặâấầẩẫậeéèẻẽẹêếềểễệiíìỉĩịoóòỏõọôốồổỗộơớờởỡợuúùủũụưứừửữựyýỳỷỹỵđ"
    for letter in vowels + vowels.upper():
        assert vni_to_unicode(unicode_to_vni(letter)) == letter, letter
    assert vni_to_unicode("Coâng ñoaøn cô sôû tröôøng hoïc toå chöùc hoäi nghò") == (
        "Công đoàn cơ sở trường học tổ chức hội nghị")
    assert vni_to_unicode("AÙnh saùng, Aùnh saùng") == "Ánh sáng, Ánh sáng"
    assert vni_to_unicode("Phone 0983 123 456, email a@b.vn") == (
        "Phone 0983 123 456, email a@b.vn")


def test_legacy_text_detection() -> None:
    assert detect_legacy_text(unicode_to_tcvn3("Công đoàn cơ sở trường học tổ chức hội nghị")) == (
        "tcvn3"
    )
    assert detect_legacy_text("Coâng ñoaøn cô sôû tröôøng hoïc toå chöùc hoäi nghò") == "vni"
    assert detect_legacy_text("Công đoàn cơ sở trường học tổ chức hội nghị") is None
    assert detect_legacy_text("Müller, Gödel và Schrödinger là ba nhà khoa học nổi tiếng") is None
    assert detect_legacy_text("") is None


def test_read_document_never_raises_on_random_bytes() -> None:
    import random

    rnd = random.Random(7)
    for _ in range(200):
        blob = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 400)))
        for name in ("a.docx", "a.doc", "a.pdf", "a"):
            info = read_document(name, blob, RULES)
            assert info.status in {"ok", "unsupported", "unreadable", "legacy_encoding"}


def test_content_controls_and_nested_tables_are_read() -> None:
    from docx.oxml import OxmlElement

    def build(d: docx.document.Document) -> None:
        p = d.add_paragraph("Tác giả: Nông Văn K")
        sdt = OxmlElement("w:sdt")
        content = OxmlElement("w:sdtContent")
        sdt.append(content)
        p._p.addprevious(sdt)
        content.append(p._p)
        t = d.add_table(rows=1, cols=2)
        t.cell(0, 0).text = "Nội dung bài viết"
        inner = t.cell(0, 1).add_table(rows=1, cols=1)
        inner.cell(0, 0).text = "Đoạn trong bảng con."

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "ok"
    assert "Tác giả: Nông Văn K" in info.text.split("\n")
    assert "Đoạn trong bảng con." in info.text


def test_unicode_typed_in_a_legacy_font_is_left_alone() -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("Tác giả: Nguyễn Văn Đức").runs[0].font.name = ".VnTime"
        d.add_paragraph("0983 123 456").runs[0].font.name = "VNI-Times"

    info = read_document("a.docx", _docx(build), RULES)
    assert info.status == "ok"
    assert info.text == "Tác giả: Nguyễn Văn Đức\n0983 123 456"


def _fake_soffice(tmp_path: Path, script: str) -> None:
    """A stand-in for LibreOffice's ``soffice`` (not installed on the test machine)."""
    exe = tmp_path / "soffice"
    exe.write_text("#!/bin/sh\n" + script)
    exe.chmod(0o755)


def test_doc_is_converted_when_soffice_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    converted = tmp_path / "converted.docx"
    converted.write_bytes(_docx(lambda d: d.add_paragraph("Tác giả: Nông Văn K")))
    # Like soffice: --outdir DIR INPUT.doc writes DIR/INPUT.docx.
    _fake_soffice(
        tmp_path,
        'for a; do prev="$cur"; cur="$a"; [ "$prev" = "--outdir" ] && out="$a"; done\n'
        f'cp "{converted}" "$out/$(basename "$cur" .doc).docx"\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    info = read_document("bai.doc", ole, RULES)
    assert info.status == "ok", info.detail
    assert info.kind == "doc"
    assert info.text == "Tác giả: Nông Văn K"
    assert "LibreOffice" in info.detail


def test_doc_conversion_is_bounded_in_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_soffice(tmp_path, "sleep 30\n")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    rules = FieldRules.model_validate({"soffice_timeout_seconds": 0.5})
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    import time

    start = time.monotonic()
    info = read_document("bai.doc", ole, rules)
    assert time.monotonic() - start < 10
    assert info.status == "unreadable"
    assert "thời gian" in info.detail


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def _word97(tmp_path: Path, build: object) -> bytes:
    """A real Word 97-2003 .doc: a .docx made with python-docx, saved by LibreOffice's
    "MS Word 97" filter (what Word 2003 users send)."""
    source = tmp_path / "bai.docx"
    source.write_bytes(_docx(build))
    subprocess.run(
        [str(SOFFICE), "--headless", "--norestore",
         f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "doc", "--outdir", str(tmp_path / "out"), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    data = (tmp_path / "out" / "bai.doc").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE compound file, not a renamed docx
    return data


@needs_libreoffice
def test_a_real_word_97_document_is_read_through_libreoffice(tmp_path: Path) -> None:
    def build(d: docx.document.Document) -> None:
        d.add_paragraph("1. Tít tin, bài: Hội thao công nhân lao động năm 2026")
        d.add_paragraph("2. Nội dung bài viết: Sáng 20/11, Công đoàn cơ sở tổ chức hội thao.")
        d.add_paragraph().add_run(unicode_to_tcvn3("4. Tác giả: Nông Văn K")).font.name = (
            ".VnTime")

    info = read_document("Bai viet.doc", _word97(tmp_path, build), RULES)
    assert info.kind == "doc" and info.legacy == "tcvn3" and info.converted
    assert info.text.split("\n") == [
        "1. Tít tin, bài: Hội thao công nhân lao động năm 2026",
        "2. Nội dung bài viết: Sáng 20/11, Công đoàn cơ sở tổ chức hội thao.",
        "4. Tác giả: Nông Văn K",
    ]


@needs_libreoffice
def test_a_broken_doc_gets_a_clear_status_from_real_libreoffice() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16
    info = read_document("hong.doc", ole, RULES)
    assert info.kind == "doc"
    assert info.status == "unreadable" and info.detail
