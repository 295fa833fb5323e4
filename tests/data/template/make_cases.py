"""Generate the template test cases: ``NAME.eml`` + ``NAME.expected.json`` (see README.md).

Run from the repository root: ``.venv/bin/python tests/data/template/make_cases.py``.
The output is committed; the script is deterministic (fixed dates, boundaries, zip times),
so re-running it only changes files when a case changes.
"""

from __future__ import annotations

import io
import json
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import docx
from docx.shared import Cm, Pt
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from ingest.legacy_text import unicode_to_tcvn3  # noqa: E402

TO = "Ban Biên tập <toasoan@congdoan.example.vn>"
FIXED_DATE = "Fri, 20 Nov 2026 09:15:00 +0700"

# --------------------------------------------------------------------------- article texts

BODY_QUA = (
    "Sáng ngày 18/11/2026, Công đoàn cơ sở Trường THPT Chợ Đồn đã tổ chức trao quà cho "
    "10 đoàn viên có hoàn cảnh đặc biệt khó khăn nhân dịp kỷ niệm Ngày Nhà giáo Việt Nam "
    "20/11.\n\n"
    "Tham dự buổi trao quà có đồng chí Nông Văn B, Chủ tịch Công đoàn cơ sở, đại diện Ban "
    "Giám hiệu nhà trường cùng đông đảo đoàn viên công đoàn. Mỗi suất quà gồm 500.000 đồng "
    "tiền mặt và các nhu yếu phẩm thiết yếu, tổng trị giá 7 triệu đồng, được trích từ quỹ "
    "hoạt động công đoàn và nguồn ủng hộ của các nhà hảo tâm.\n\n"
    "Phát biểu tại buổi lễ, đồng chí Chủ tịch Công đoàn cơ sở mong muốn những phần quà tuy "
    "nhỏ nhưng sẽ động viên kịp thời các đoàn viên vượt qua khó khăn, yên tâm công tác, "
    "tiếp tục cống hiến cho sự nghiệp giáo dục của huyện nhà. Hoạt động này thể hiện sự "
    "quan tâm, chăm lo thiết thực của tổ chức công đoàn đối với đoàn viên, người lao động."
)

BODY_HOINGHI = (
    "Ngày 15/11/2026, Liên đoàn Lao động huyện Chợ Đồn tổ chức Hội nghị tập huấn nghiệp vụ "
    "công tác công đoàn năm 2026 cho hơn 120 cán bộ công đoàn cơ sở trên địa bàn huyện.\n\n"
    "Tại hội nghị, các đại biểu được nghe báo cáo viên truyền đạt những nội dung cơ bản của "
    "Luật Công đoàn năm 2024, hướng dẫn về tài chính công đoàn, công tác phát triển đoàn "
    "viên, thành lập công đoàn cơ sở và kỹ năng tổ chức đối thoại tại nơi làm việc. Các học "
    "viên đã tích cực trao đổi, thảo luận những khó khăn, vướng mắc trong quá trình hoạt "
    "động tại đơn vị.\n\n"
    "Thông qua hội nghị nhằm nâng cao kiến thức, kỹ năng cho đội ngũ cán bộ công đoàn cơ sở, "
    "góp phần nâng cao chất lượng hoạt động công đoàn, chăm lo, bảo vệ quyền và lợi ích hợp "
    "pháp, chính đáng của đoàn viên và người lao động trên địa bàn huyện."
)

BODY_THETHAO = (
    "Nhằm chào mừng kỷ niệm 95 năm Ngày thành lập Công đoàn Việt Nam, Công đoàn cơ sở Bệnh "
    "viện Đa khoa tỉnh Bắc Kạn tổ chức Giải thể thao cán bộ, viên chức, người lao động năm "
    "2026 với ba môn thi đấu: bóng chuyền hơi, cầu lông và kéo co.\n\n"
    "Giải đã thu hút gần 200 vận động viên đến từ 24 khoa, phòng của bệnh viện tham gia. "
    "Trong hai ngày thi đấu sôi nổi, các vận động viên đã thể hiện tinh thần thể thao cao "
    "thượng, đoàn kết, giao lưu học hỏi lẫn nhau. Kết thúc giải, Ban Tổ chức đã trao 3 giải "
    "nhất, 3 giải nhì, 6 giải ba cho các tập thể và cá nhân có thành tích xuất sắc.\n\n"
    "Giải thể thao là hoạt động thiết thực, góp phần nâng cao sức khỏe, tạo không khí vui "
    "tươi, phấn khởi, động lực để cán bộ, viên chức hoàn thành tốt nhiệm vụ được giao."
)

BODY_SHORT = "Chiều 19/11, CĐCS tổ chức gặp mặt nhà giáo nghỉ hưu nhân ngày 20/11."

TITLE_QUA = "Công đoàn cơ sở Trường THPT Chợ Đồn trao quà cho đoàn viên khó khăn"
TITLE_HOINGHI = "LĐLĐ huyện Chợ Đồn tập huấn nghiệp vụ công tác công đoàn năm 2026"
TITLE_THETHAO = "Sôi nổi Giải thể thao Bệnh viện Đa khoa tỉnh Bắc Kạn năm 2026"

CAP_QUA = [
    "Đồng chí Nông Văn B, Chủ tịch CĐCS trao quà cho đoàn viên Phạm Thị X",
    "Các đoàn viên nhận quà chụp ảnh lưu niệm",
]
CAP_HOINGHI = ["Quang cảnh Hội nghị tập huấn", "Báo cáo viên trao đổi với học viên"]
CAP_THETHAO = ["Trận chung kết môn bóng chuyền hơi nam", "Ban Tổ chức trao giải nhất môn kéo co"]


@dataclass
class Person:
    author: str
    unit: str
    phone: str
    account: str
    holder: str


K = Person(
    "Nông Văn K", "CĐCS Trường THPT Chợ Đồn", "0983.123.456",
    "3951 0001 2345 67 tại Agribank chi nhánh Chợ Đồn", "NÔNG VĂN K",
)
H = Person(
    "Hoàng Thị Hạnh", "LĐLĐ huyện Chợ Đồn", "0209 3875 281",
    "0011004567890 - Vietcombank Bắc Kạn", "Hoàng Thị Hạnh",
)
D = Person(
    "Đặng Minh Đức", "Công đoàn cơ sở Bệnh viện Đa khoa tỉnh Bắc Kạn", "+84 912 345 678",
    "19034567890123 Techcombank", "ĐẶNG MINH ĐỨC",
)

NORM_K = {
    "phone_e164": "+84983123456",
    "bank_account_digits": "39510001234567",
    "bank_code": "VBA",
    "account_holder_ascii": "NONG VAN K",
    "unit_name": "Công đoàn cơ sở Trường THPT Chợ Đồn",
}
NORM_H = {
    "phone_e164": "+842093875281",
    "bank_account_digits": "0011004567890",
    "bank_code": "VCB",
    "account_holder_ascii": "HOANG THI HANH",
    "unit_name": "Liên đoàn Lao động huyện Chợ Đồn",
}
NORM_D = {
    "phone_e164": "+84912345678",
    "bank_account_digits": "19034567890123",
    "bank_code": "TCB",
    "account_holder_ascii": "DANG MINH DUC",
    "unit_name": "Công đoàn cơ sở Bệnh viện Đa khoa tỉnh Bắc Kạn",
}


def form(
    title: str,
    body: str,
    captions: list[str],
    p: Person,
    *,
    numbered: bool = True,
    omit: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
) -> str:
    """The seed-002 form filled in, as people type it in a mail."""
    lab = {
        "title": "Tít tin, bài",
        "body": "Nội dung bài viết",
        "caption": "Chú thích ảnh",
        "author": "Tác giả",
        "unit": "Đơn vị công tác",
        "phone": "Số điện thoại",
        "bank_account": "Số tài khoản của tác giả",
        "account_holder": "Tên chủ tài khoản",
    }
    lab.update(labels or {})
    cap = (
        "\n".join(f"Ảnh {i}: {c}" for i, c in enumerate(captions, 1))
        if len(captions) > 1
        else captions[0]
    )
    items = [
        ("title", f"{lab['title']}: {title}"),
        ("body", f"{lab['body']}:\n{body}"),
        ("caption", f"{lab['caption']}:\n{cap}"),
        ("author", f"{lab['author']}: {p.author}"),
        ("unit", f"{lab['unit']}: {p.unit}"),
        ("phone", f"{lab['phone']}: {p.phone}"),
        ("bank_account", f"{lab['bank_account']}: {p.account}"),
        ("account_holder", f"{lab['account_holder']}: {p.holder}"),
    ]
    out = []
    n = 0
    for key, line in items:
        if key in omit:
            continue
        n += 1
        out.append(f"{n}. {line}" if numbered else line)
    return "\n".join(out)


def strip_accents(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


# --------------------------------------------------------------------------- binaries


def photo(seed: int) -> bytes:
    """A camera-like JPEG: 1632x1224, quality 92, EXIF Make/Model/DateTimeOriginal."""
    w, h = 1632, 1224
    # A plain colour keeps the committed .eml files small; only the headers matter here.
    im = Image.new("RGB", (w, h), (100 + 15 * seed, 140, 90 + 10 * seed))
    exif = im.getexif()
    exif[0x010F] = "samsung"
    exif[0x0110] = "SM-A536E"
    exif[0x0132] = f"2026:11:18 08:3{seed}:15"
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = f"2026:11:18 08:3{seed}:15"
    ifd[0xA002] = w
    ifd[0xA003] = h
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def _fixed_zip(data: bytes) -> bytes:
    """Re-pack a zip with fixed timestamps so generated .docx files are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 18, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info))
    return out.getvalue()


def _new_doc() -> Any:
    d = docx.Document()
    fixed = datetime(2026, 11, 18, 8, 0, 0)
    d.core_properties.created = fixed
    d.core_properties.modified = fixed
    d.core_properties.last_modified_by = "Nông Văn K"
    d.core_properties.author = "Nông Văn K"
    return d


def _save(d: Any) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


def docx_paragraphs(text: str) -> bytes:
    """A .docx with one paragraph per line (label and value lines as typed in Word)."""
    d = _new_doc()
    for line in text.split("\n"):
        d.add_paragraph(line)
    return _save(d)


def docx_table(rows: list[tuple[str, str]], heading: str) -> bytes:
    """A .docx with a heading and a two-column table (label | value, value may be multi-line)."""
    d = _new_doc()
    d.add_paragraph(heading)
    t = d.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = t.add_row().cells
        cells[0].text = label
        parts = value.split("\n")
        cells[1].text = parts[0]
        for extra in parts[1:]:
            cells[1].add_paragraph(extra)
    return _save(d)


def docx_article(title: str, body: str, *, with_image: bool = False) -> bytes:
    """An article .docx without labels: title paragraph, then the body paragraphs."""
    d = _new_doc()
    d.add_paragraph(title)
    for para in body.split("\n\n"):
        d.add_paragraph(para)
    if with_image:  # a photo pasted into the article (a small logo would be decoration)
        photo = io.BytesIO()
        Image.new("RGB", (1600, 1200), (200, 30, 30)).save(photo, "JPEG", quality=90)
        photo.seek(0)
        d.add_picture(photo, width=Cm(12))
    return _save(d)


def docx_tcvn3(text: str) -> bytes:
    """A .docx typed in the TCVN3 font .VnTime (title line in the capitals font .VnTimeH)."""
    d = _new_doc()
    for i, line in enumerate(text.split("\n")):
        p = d.add_paragraph()
        if i == 0 and ":" in line:
            label, value = line.split(":", 1)
            r1 = p.add_run(unicode_to_tcvn3(label + ":"))
            r1.font.name = ".VnTime"
            r2 = p.add_run(unicode_to_tcvn3(value.lower()))
            r2.font.name = ".VnTimeH"
            r2.font.size = Pt(14)
        else:
            r = p.add_run(unicode_to_tcvn3(line))
            r.font.name = ".VnTime"
    return _save(d)


def docx_zip_bomb() -> bytes:
    """A .docx whose media entry inflates to 110 MB of zeros (about 110 kB compressed)."""
    base = zipfile.ZipFile(io.BytesIO(docx_paragraphs("1. Tít tin, bài: Bom")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in base.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 18, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, base.read(info))
        zi = zipfile.ZipInfo("word/media/image1.png", date_time=(2026, 11, 18, 8, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(zi, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(110):
                fh.write(chunk)
    return out.getvalue()


def ole_blob(encrypted: bool) -> bytes:
    """An OLE compound-file header (+ the EncryptionInfo stream name when encrypted)."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
    name = "EncryptionInfo" if encrypted else "WordDocument"
    return head + b"\0" * 480 + name.encode("utf-16-le") + b"\0" * 2048


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# --------------------------------------------------------------------------- mail building

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Att:
    filename: str
    data: bytes
    maintype: str
    subtype: str


def jpg(seed: int, name: str | None = None) -> Att:
    return Att(name or f"IMG_20261118_08301{seed}.jpg", photo(seed), "image", "jpeg")


def doc_att(name: str, data: bytes, ctype: str = DOCX_TYPE) -> Att:
    main, sub = ctype.split("/", 1)
    return Att(name, data, main, sub)


def to_cp1258_form(text: str) -> str:
    """The text as windows-1258 can carry it: tone marks as separate combining characters."""
    out = []
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    for ch in unicodedata.normalize("NFC", text):
        try:
            ch.encode("cp1258")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
        out.append(base + "".join(c for c in d if c in tones))
    return "".join(out)


def build(
    name: str,
    *,
    subject: str,
    sender: str,
    text: str | None = None,
    html: str | None = None,
    attachments: list[Att] | None = None,
    charset: str = "utf-8",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = TO
    msg["Subject"] = subject
    msg["Date"] = FIXED_DATE
    msg["Message-ID"] = f"<{name}@cases.tinbai.test>"
    msg["MIME-Version"] = "1.0"
    for k, v in (headers or {}).items():
        msg[k] = v
    if text is not None:
        if charset == "windows-1258":
            msg.set_content(to_cp1258_form(text), charset="windows-1258", cte="quoted-printable")
        else:
            msg.set_content(text, charset=charset, cte="8bit" if charset == "utf-8" else None)
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    elif html is not None:
        msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for att in attachments or []:
        msg.add_attachment(att.data, maintype=att.maintype, subtype=att.subtype,
                           filename=att.filename)
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_tinbai_{name}_{i}")
    return bytes(msg)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    description: str
    raw: Callable[[], bytes]
    expected: dict[str, Any] = field(default_factory=dict)


def fields_of(title: str, p: Person, **extra: str) -> dict[str, str]:
    out = {
        "title": title,
        "author": p.author,
        "unit": p.unit,
        "phone": p.phone,
        "bank_account": p.account,
        "account_holder": p.holder,
    }
    out.update(extra)
    return out


GREETING = "Kính gửi Ban Biên tập Trang thông tin điện tử LĐLĐ tỉnh,\nEm gửi tin bài và ảnh ạ.\n\n"
THANKS = "\n\nTrân trọng cảm ơn!\n-- \nNông Văn K\nCĐCS Trường THPT Chợ Đồn\nĐT: 0983 123 456\n"
SENDER_K = "Nông Văn K <nongvank.thptchodon@gmail.com>"
SENDER_H = "Hoàng Thị Hạnh <hanh.ldldchodon@gmail.com>"
SENDER_D = "\"Đặng Minh Đức\" <ducdm@bvdkbackan.example.vn>"


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(name: str, description: str, raw: Callable[[], bytes], **expected: Any) -> None:
        cases.append(Case(name, description, raw, {"description": description, **expected}))

    ok_k = form(TITLE_QUA, BODY_QUA, CAP_QUA, K)
    add(
        "01_plain_numbered",
        "Plain-text Gmail body, the seed-002 form numbered 1-8, two photos with Ảnh 1/Ảnh 2.",
        lambda: build("01_plain_numbered", subject="Gửi tin bài: trao quà đoàn viên khó khăn",
                      sender=SENDER_K, text=GREETING + ok_k + THANKS,
                      attachments=[jpg(1), jpg(2)]),
        fields={**fields_of(TITLE_QUA, K), "bank_name": "Agribank chi nhánh Chợ Đồn"},
        fields_contains={"body": "trao quà cho 10 đoàn viên"},
        captions=[f"Ảnh {i}: {c}" for i, c in enumerate(CAP_QUA, 1)],
        normalized=NORM_K, template_source="text", problems=[], status="accepted",
    )
    add(
        "02_plain_unnumbered",
        "Labels without numbers; value on the same line; two photos.",
        lambda: build("02_plain_unnumbered", subject="Tin bài Hội nghị tập huấn",
                      sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H, numbered=False),
                      attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H, bank_name="Vietcombank Bắc Kạn"),
        normalized=NORM_H, template_source="text", problems=[], status="accepted",
    )
    no_dia = strip_accents(form(TITLE_QUA, BODY_QUA, CAP_QUA, K, numbered=False))
    add(
        "03_no_diacritics",
        "Everything typed without diacritics (phone keyboard without Vietnamese input).",
        lambda: build("03_no_diacritics", subject="Gui tin bai", sender=SENDER_K, text=no_dia,
                      attachments=[jpg(1), jpg(2)]),
        fields={"title": strip_accents(TITLE_QUA), "author": "Nong Van K",
                "phone": K.phone, "account_holder": "NONG VAN K"},
        normalized={**NORM_K}, template_source="text", problems=[], status="accepted",
    )
    abbrev = (
        f"Tít: {TITLE_HOINGHI}\nNội dung:\n{BODY_HOINGHI}\n"
        f"Ảnh 1: {CAP_HOINGHI[0]}\nẢnh 2: {CAP_HOINGHI[1]}\n"
        f"Tác giả: {H.author}\nĐơn vị: {H.unit}\nSĐT: 0209.3875.281\n"
        "STK: 0011 0045 67890\nNH: Vietcombank chi nhánh Bắc Kạn\nChủ TK: HOANG THI HANH\n"
    )
    add(
        "04_abbreviations",
        "Abbreviated labels: Tít, Nội dung, Ảnh 1/2 without a caption label, SĐT, STK, NH, Chủ TK.",
        lambda: build("04_abbreviations", subject="Tin hội nghị", sender=SENDER_H, text=abbrev,
                      attachments=[jpg(3), jpg(4)]),
        fields={"title": TITLE_HOINGHI, "phone": "0209.3875.281",
                "bank_account": "0011 0045 67890", "bank_name": "Vietcombank chi nhánh Bắc Kạn",
                "account_holder": "HOANG THI HANH", "unit": H.unit},
        captions=[f"Ảnh {i}: {c}" for i, c in enumerate(CAP_HOINGHI, 1)],
        normalized=NORM_H, template_source="text", problems=[], status="accepted",
    )
    upper = form(TITLE_THETHAO, BODY_THETHAO, CAP_THETHAO, D, labels={
        "title": "TÍT TIN, BÀI", "body": "NỘI DUNG BÀI VIẾT", "caption": "CHÚ THÍCH ẢNH",
        "author": "TÁC GIẢ", "unit": "ĐƠN VỊ CÔNG TÁC", "phone": "SỐ ĐIỆN THOẠI",
        "bank_account": "SỐ TÀI KHOẢN", "account_holder": "TÊN CHỦ TÀI KHOẢN"})
    add(
        "05_uppercase_labels",
        "Labels in capitals; +84 phone; account number followed by the bank name.",
        lambda: build("05_uppercase_labels", subject="GIẢI THỂ THAO BỆNH VIỆN", sender=SENDER_D,
                      text=upper, attachments=[jpg(5), jpg(6)]),
        fields=fields_of(TITLE_THETHAO, D, bank_name="Techcombank"),
        normalized=NORM_D, template_source="text", problems=[], status="accepted",
    )
    nfd = unicodedata.normalize("NFD", ok_k)
    add(
        "06_nfd_text",
        "The whole body in Unicode NFD (decomposed: macOS/iOS copy-paste).",
        lambda: build("06_nfd_text", subject=unicodedata.normalize("NFD", "Gửi tin bài"),
                      sender=SENDER_K, text=nfd, attachments=[jpg(1), jpg(2)]),
        fields=fields_of(TITLE_QUA, K), normalized=NORM_K, template_source="text",
        problems=[], status="accepted",
    )
    add(
        "07_windows_1258",
        "Body in windows-1258 with separate combining tone marks (decodes to non-NFC text).",
        lambda: build("07_windows_1258", subject="Tin bai hoi nghi", sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H),
                      charset="windows-1258", attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), normalized=NORM_H, template_source="text",
        problems=[], status="accepted",
    )
    gmail_html = (
        '<div dir="ltr"><div>Kính gửi Ban Biên tập,</div><div><br></div>'
        + "".join(f"<div>{line or '<br>'}</div>" for line in
                  form(TITLE_QUA, BODY_QUA, CAP_QUA, K).split("\n"))
        + '<div><br></div><div>Trân trọng!</div><div><br></div>'
        '<span class="gmail_signature_prefix">-- </span><br><div dir="ltr" '
        'class="gmail_signature">Nông Văn K<br>ĐT: 0983 123 456</div></div>'
    )
    add(
        "08_gmail_html_only",
        "HTML-only body as Gmail's rich editor writes it (a <div> per line, <br> blank lines).",
        lambda: build("08_gmail_html_only", subject="Tin bài trao quà", sender=SENDER_K,
                      html=gmail_html, attachments=[jpg(1), jpg(2)]),
        fields=fields_of(TITLE_QUA, K), normalized=NORM_K, template_source="html",
        problems=[], status="accepted",
    )
    outlook_rows = "".join(
        f'<p class=MsoNormal><b><span style="font-family:&quot;Times New Roman&quot;">'
        f"{line}</span></b><o:p></o:p></p>\n"
        if line else "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
        for line in form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H).split("\n")
    )
    outlook_html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv='
        '"Content-Type" content="text/html; charset=utf-8"><style><!-- p.MsoNormal '
        "{margin:0cm;font-size:11.0pt;} --></style></head><body lang=VI><div class=WordSection1>"
        + outlook_rows + "</div></body></html>"
    )
    add(
        "09_outlook_html_only",
        "HTML-only body from Outlook (<p class=MsoNormal>, <o:p>, &nbsp;, a <style> block).",
        lambda: build("09_outlook_html_only", subject="Tin hội nghị tập huấn", sender=SENDER_H,
                      html=outlook_html, attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), normalized=NORM_H, template_source="html",
        problems=[], status="accepted",
    )
    table_rows = [
        ("Tít tin, bài", TITLE_THETHAO),
        ("Nội dung bài viết", BODY_THETHAO.replace("\n\n", "<br><br>")),
        ("Chú thích ảnh", "<br>".join(f"Ảnh {i}: {c}" for i, c in enumerate(CAP_THETHAO, 1))),
        ("Tác giả", D.author), ("Đơn vị công tác", D.unit), ("Số điện thoại", D.phone),
        ("Số tài khoản", D.account), ("Tên chủ tài khoản", D.holder),
    ]
    html_table = (
        "<html><body><p>Kính gửi Ban Biên tập,</p><table border=1 cellpadding=4>"
        + "".join(f"<tr><td><b>{a}</b></td><td>{b}</td></tr>" for a, b in table_rows)
        + "</table><p>Trân trọng.</p></body></html>"
    )
    add(
        "10_html_table",
        "The form pasted as a two-column HTML table (label cell, value cell).",
        lambda: build("10_html_table", subject="Tin giải thể thao", sender=SENDER_D,
                      html=html_table, attachments=[jpg(5), jpg(6)]),
        fields=fields_of(TITLE_THETHAO, D), normalized=NORM_D, template_source="html",
        captions=[f"Ảnh {i}: {c}" for i, c in enumerate(CAP_THETHAO, 1)],
        problems=[], status="accepted",
    )
    fwd = (
        "Em chuyển bài của đồng chí Hạnh ạ.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Hoàng Thị Hạnh <hanh.ldldchodon@gmail.com>\n"
        "Date: Thu, 19 Nov 2026 at 16:02\n"
        "Subject: Tin bài hội nghị tập huấn\n"
        "To: Nông Văn K <nongvank.thptchodon@gmail.com>\n\n"
        + form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H) + "\n"
    )
    add(
        "11_gmail_forward",
        "Gmail forward: a note above '---------- Forwarded message ---------' and the template.",
        lambda: build("11_gmail_forward", subject="Fwd: Tin bài hội nghị tập huấn",
                      sender=SENDER_K, text=fwd, attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), normalized=NORM_H, template_source="text",
        problems=[], status="accepted",
    )
    outlook_fwd = (
        "Chuyển Ban Biên tập.\n\n"
        "-----Original Message-----\n"
        "From: Đặng Minh Đức <ducdm@bvdkbackan.example.vn>\n"
        "Sent: Thursday, November 19, 2026 3:10 PM\n"
        "To: Công đoàn BV <congdoan@bvdkbackan.example.vn>\n"
        "Subject: FW: Tin giải thể thao\n\n"
        + form(TITLE_THETHAO, BODY_THETHAO, CAP_THETHAO, D) + "\n"
    )
    add(
        "12_outlook_forward",
        "Outlook forward with '-----Original Message-----' and a From/Sent/To/Subject block.",
        lambda: build("12_outlook_forward", subject="FW: Tin giải thể thao",
                      sender="Công đoàn BV <congdoan@bvdkbackan.example.vn>",
                      text=outlook_fwd, attachments=[jpg(5), jpg(6)]),
        fields=fields_of(TITLE_THETHAO, D), normalized=NORM_D, template_source="text",
        problems=[], status="accepted",
    )
    blank_form = (
        "1. Tít tin, bài:\n2. Nội dung bài viết:\n3. Chú thích ảnh:\n4. Tác giả:\n"
        "5. Đơn vị công tác:\n6. Số điện thoại:\n7. Số tài khoản của tác giả:\n"
        "8. Tên chủ tài khoản:"
    )
    reply = (
        form(TITLE_QUA, BODY_QUA, CAP_QUA, K) + "\n\n"
        "On Thu, Nov 19, 2026 at 10:00 AM Ban Biên tập <toasoan@congdoan.example.vn> wrote:\n"
        + "\n".join("> " + line for line in (
            "Thư của đồng chí còn thiếu mục «Số điện thoại».\n\nMẫu:\n" + blank_form
        ).split("\n")) + "\n"
    )
    add(
        "13_quoted_reply",
        "A reply: the full template on top, our fix request with a blank form quoted below.",
        lambda: build("13_quoted_reply", subject="Re: [TB-2026-0042] Cần bổ sung tin bài",
                      sender=SENDER_K, text=reply, attachments=[jpg(1), jpg(2)],
                      headers={"In-Reply-To": "<fix-0042@congdoan.example.vn>"}),
        fields=fields_of(TITLE_QUA, K), normalized=NORM_K, template_source="text",
        problems=[], status="accepted",
    )
    nextline = (
        "1. Tít tin, bài\n" + TITLE_THETHAO + "\n\n2. Nội dung bài viết\n" + BODY_THETHAO
        + "\n\n3. Chú thích ảnh\n" + CAP_THETHAO[0] + "\n\n4. Tác giả\n" + D.author
        + "\n\n5. Đơn vị công tác\n" + D.unit + "\n\n6. Số điện thoại\n0912 345 678"
        + "\n\n7. Số tài khoản của tác giả\n" + D.account + "\n\n8. Tên chủ tài khoản\n"
        + D.holder + "\n"
    )
    add(
        "14_values_next_line",
        "Labels alone on their line, values on the following lines; one photo, one caption.",
        lambda: build("14_values_next_line", subject="Tin thể thao", sender=SENDER_D,
                      text=nextline, attachments=[jpg(5)]),
        fields={**fields_of(TITLE_THETHAO, D), "phone": "0912 345 678",
                "caption": CAP_THETHAO[0]},
        captions=[CAP_THETHAO[0]], normalized=NORM_D, template_source="text",
        problems=[], status="accepted",
    )
    add(
        "15_missing_fields",
        "Phone and bank account missing; the rest present.",
        lambda: build("15_missing_fields", subject="Tin bài", sender=SENDER_K,
                      text=form(TITLE_QUA, BODY_QUA, CAP_QUA, K,
                                omit=("phone", "bank_account")),
                      attachments=[jpg(1), jpg(2)]),
        fields={"title": TITLE_QUA, "author": K.author},
        problems=["missing_field:phone", "missing_field:bank_account"], status="needs_fix",
    )
    bad_phone = K.__class__(K.author, K.unit, "0983 123", K.account, K.holder)
    add(
        "16_invalid_phone",
        "Phone with too few digits.",
        lambda: build("16_invalid_phone", subject="Tin bài", sender=SENDER_K,
                      text=form(TITLE_QUA, BODY_QUA, CAP_QUA, bad_phone),
                      attachments=[jpg(1), jpg(2)]),
        fields={"phone": "0983 123"}, normalized={"phone_e164": None},
        problems=["invalid_phone:phone"], status="needs_fix",
    )
    bad_acc = Person(H.author, H.unit, H.phone, "12345 Vietcombank", H.holder)
    add(
        "17_invalid_account",
        "Bank account of 5 digits.",
        lambda: build("17_invalid_account", subject="Tin bài", sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, bad_acc),
                      attachments=[jpg(3), jpg(4)]),
        fields={"bank_account": "12345 Vietcombank"},
        normalized={"bank_account_digits": None},
        problems=["invalid_bank_account:bank_account"], status="needs_fix",
    )
    warn = Person("Nông Văn K", "CĐCS Trường Tiểu học Bằng Lũng", "0983123456",
                  "3951000123456", "NÔNG THỊ LAN")
    add(
        "18_warnings_only",
        "Accepted with warnings: no bank named, holder is not the author, unit not in registry.",
        lambda: build("18_warnings_only", subject="Tin bài", sender=SENDER_K,
                      text=form(TITLE_QUA, BODY_QUA, CAP_QUA, warn),
                      attachments=[jpg(1), jpg(2)]),
        fields={"account_holder": "NÔNG THỊ LAN", "unit": "CĐCS Trường Tiểu học Bằng Lũng"},
        normalized={"bank_account_digits": "3951000123456", "bank_code": None,
                    "unit_name": None},
        problems=["missing_bank_name:bank_name", "account_holder_mismatch:account_holder",
                  "unknown_unit:unit"],
        status="accepted",
    )
    add(
        "19_body_too_short",
        "A two-line body: accepted with a body_too_short warning.",
        lambda: build("19_body_too_short", subject="Tin ngắn", sender=SENDER_K,
                      text=form(TITLE_QUA, BODY_SHORT, CAP_QUA[:1], K), attachments=[jpg(1)]),
        fields={"body": BODY_SHORT}, problems=["body_too_short:body"], status="accepted",
    )
    form_docx = form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H)
    add(
        "20_docx_paragraphs",
        "Template in an attached .docx (paragraphs); the mail body is a greeting only.",
        lambda: build("20_docx_paragraphs", subject="Gửi tin bài", sender=SENDER_H,
                      text="Kính gửi Ban Biên tập, em gửi tin bài trong tệp đính kèm.\n",
                      attachments=[doc_att("Tin hoi nghi tap huan.docx",
                                           docx_paragraphs(form_docx)), jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), normalized=NORM_H,
        template_source="docx:Tin hoi nghi tap huan.docx", problems=[], status="accepted",
    )
    add(
        "21_docx_table",
        "Template in an attached .docx as a two-column table; body paragraphs in one cell.",
        lambda: build("21_docx_table", subject="Tin bài giải thể thao", sender=SENDER_D,
                      text="Gửi Ban Biên tập.\n",
                      attachments=[doc_att("Mau tin bai.docx", docx_table(
                          [(a, b.replace("<br><br>", "\n").replace("<br>", "\n"))
                           for a, b in table_rows],
                          "MẪU CUNG CẤP TIN, BÀI, ẢNH")), jpg(5), jpg(6)]),
        fields=fields_of(TITLE_THETHAO, D), normalized=NORM_D,
        captions=[f"Ảnh {i}: {c}" for i, c in enumerate(CAP_THETHAO, 1)],
        fields_contains={"body": "gần 200 vận động viên"},
        template_source="docx:Mau tin bai.docx", problems=[], status="accepted",
    )
    info_only = form("", "", CAP_QUA, K, omit=("title", "body"))
    add(
        "22_docx_article_body_fields",
        "Article (title + body, no labels) in a .docx; captions and personal data in the mail.",
        lambda: build("22_docx_article_body_fields", subject="Tin trao quà", sender=SENDER_K,
                      text=info_only,
                      attachments=[doc_att("Bai viet trao qua.docx",
                                           docx_article(TITLE_QUA, BODY_QUA)), jpg(1), jpg(2)]),
        fields=fields_of(TITLE_QUA, K), fields_contains={"body": "Ngày Nhà giáo Việt Nam"},
        normalized=NORM_K, template_source="text", problems=[], status="accepted",
    )
    add(
        "23_two_documents",
        "Two article documents in one mail.",
        lambda: build("23_two_documents", subject="Gửi 2 bài", sender=SENDER_K,
                      text="Em gửi 2 bài ạ.\n",
                      attachments=[doc_att("Bai 1.docx", docx_paragraphs(ok_k)),
                                   doc_att("Bai 2.docx", docx_paragraphs(
                                       form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, K))),
                                   jpg(1), jpg(2)]),
        problems=["multiple_documents"], status="needs_fix",
    )
    add(
        "24_pdf_document",
        "Fields in the mail, the article attached as PDF (unsupported).",
        lambda: build("24_pdf_document", subject="Tin bài", sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H),
                      attachments=[doc_att("Tin hoi nghi.pdf", PDF, "application/pdf"),
                                   jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), problems=["unsupported_document"],
        status="needs_fix",
    )
    good = docx_paragraphs(form_docx)
    add(
        "25_corrupt_docx",
        "A truncated .docx (corrupt) with the template in the mail body.",
        lambda: build("25_corrupt_docx", subject="Tin bài", sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H),
                      attachments=[doc_att("Tin hoi nghi.docx", good[: len(good) // 2]),
                                   jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), problems=["document_unreadable"],
        status="needs_fix",
    )
    add(
        "26_zip_bomb_docx",
        "A .docx whose media entry inflates to 110 MB (zip bomb): refused before reading.",
        lambda: build("26_zip_bomb_docx", subject="Tin bài", sender=SENDER_K,
                      text=ok_k, attachments=[doc_att("Bai viet.docx", docx_zip_bomb()), jpg(1),
                                              jpg(2)]),
        fields=fields_of(TITLE_QUA, K), problems=["document_unreadable"], status="needs_fix",
    )
    add(
        "27_encrypted_docx",
        "A password-protected .docx (an OLE container with EncryptionInfo).",
        lambda: build("27_encrypted_docx", subject="Tin bài", sender=SENDER_K,
                      text="Em gửi bài trong tệp đính kèm (mật khẩu em gửi sau).\n",
                      attachments=[doc_att("Bai viet.docx", ole_blob(True)), jpg(1)]),
        problems=["no_template", "document_unreadable"], status="needs_fix",
    )
    tcvn = form(TITLE_QUA, BODY_QUA, CAP_QUA, K)
    add(
        "28_tcvn3_docx",
        "Template typed in a .docx with the TCVN3 fonts .VnTime/.VnTimeH: converted, reported.",
        lambda: build("28_tcvn3_docx", subject="Gui tin bai", sender=SENDER_K,
                      text="Em gửi bài trong tệp đính kèm.\n",
                      attachments=[doc_att("Tin trao qua.docx", docx_tcvn3(tcvn)),
                                   jpg(1), jpg(2)]),
        fields={"author": K.author, "unit": K.unit, "phone": K.phone,
                "title": TITLE_QUA.upper()},
        template_source="docx:Tin trao qua.docx", problems=["legacy_encoding"],
        status="needs_fix",
    )
    pasted = form(unicode_to_tcvn3(TITLE_QUA), unicode_to_tcvn3(BODY_QUA), CAP_QUA, K)
    add(
        "29_tcvn3_pasted_in_body",
        "Labels typed in Gmail, title and body pasted from a .VnTime document ('C«ng ®oµn'): "
        "the pasted values are read as Unicode, the labels typed in Unicode are left alone.",
        lambda: build("29_tcvn3_pasted_in_body", subject="Gui tin bai", sender=SENDER_K,
                      text=pasted, attachments=[jpg(1), jpg(2)]),
        fields={"author": K.author, "title": TITLE_QUA, "body": BODY_QUA},
        problems=["legacy_encoding"], status="needs_fix",
    )
    add(
        "30_no_template",
        "Chit-chat with a photo and no template at all.",
        lambda: build("30_no_template", subject="Ảnh hội nghị", sender=SENDER_H,
                      text="Chị gửi em mấy ảnh hội nghị hôm qua nhé. Em xem rồi đăng giúp chị.\n"
                      "Cảm ơn em!\n", attachments=[jpg(3)]),
        problems=["no_template"], status="needs_fix",
    )
    inline = (
        f"Tít tin bài: {TITLE_QUA}\nNội dung:\n{BODY_QUA}\nChú thích ảnh: {CAP_QUA[0]}\n"
        f"Tác giả: {K.author}; Đơn vị: {K.unit}; SĐT: 0983123456\n"
        f"Số TK: 3951000123456 - NH Nông nghiệp Chợ Đồn; Chủ TK: Nông Văn K\n"
    )
    add(
        "31_inline_labels",
        "Several labels on one line separated by ';' (Tác giả: …; Đơn vị: …; SĐT: …).",
        lambda: build("31_inline_labels", subject="Tin bài", sender=SENDER_K, text=inline,
                      attachments=[jpg(1)]),
        fields={"author": K.author, "unit": K.unit, "phone": "0983123456",
                "bank_account": "3951000123456 - NH Nông nghiệp Chợ Đồn",
                "account_holder": "Nông Văn K"},
        normalized={"bank_code": "VBA", "bank_account_digits": "3951000123456",
                    "unit_name": "Công đoàn cơ sở Trường THPT Chợ Đồn"},
        problems=[], status="accepted",
    )
    placeholders = (
        f"1. Tít tin, bài (VD: Công đoàn cơ sở phòng A tổ chức tặng quà…): {TITLE_QUA}\n"
        f"2. Nội dung bài viết (Toàn bộ nội dung của tin, bài viết)…………..\n{BODY_QUA}\n"
        f"3. Chú thích ảnh (VD: Đồng chí Nông Văn B chủ tịch công đoàn cơ sở trao quà): "
        f"{CAP_QUA[0]}\n"
        "4. Tác giả (VD: Nông Văn K): Nông Văn K\n"
        "5. Đơn vị công tác (VD: Công đoàn cơ sở Phòng A): CĐCS Trường THPT Chợ Đồn\n"
        "6. Số điện thoại (VD: 0983………): 0983 123 456\n"
        "7. Số tài khoản của tác giả (VD: 3951……….): 3951 0001 2345 67 Agribank\n"
        "8. Tên chủ tài khoản (VD: Nông Văn K)\n"
    )
    add(
        "32_form_examples_left",
        "The seed form with its '(VD: …)' examples left in; field 8 left empty.",
        lambda: build("32_form_examples_left", subject="Tin bài", sender=SENDER_K,
                      text=placeholders, attachments=[jpg(1)]),
        fields={"title": TITLE_QUA, "author": "Nông Văn K", "phone": "0983 123 456",
                "caption": CAP_QUA[0]},
        problems=["missing_field:account_holder"], status="needs_fix",
    )
    typo = form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H, labels={
        "phone": "Số điện thọai", "author": "Tác gỉa", "account_holder": "Tên chủ tài khỏan"})
    add(
        "33_label_typos",
        "Misspelt labels (Tác gỉa, Số điện thọai, Tên chủ tài khỏan) caught by the fuzzy fallback.",
        lambda: build("33_label_typos", subject="Tin bài", sender=SENDER_H, text=typo,
                      attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), normalized=NORM_H, problems=[],
        status="accepted",
    )
    add(
        "34_doc_without_converter",
        "A Word 97-2003 .doc: unsupported when LibreOffice (soffice) is not installed.",
        lambda: build("34_doc_without_converter", subject="Tin bài", sender=SENDER_H,
                      text=form(TITLE_HOINGHI, BODY_HOINGHI, CAP_HOINGHI, H),
                      attachments=[doc_att("Tin hoi nghi.doc", ole_blob(False),
                                           "application/msword"), jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), problems=["unsupported_document"],
        status="needs_fix", requires={"soffice": False},
    )
    add(
        "35_sender_unverified",
        "A complete submission whose Authentication-Results says spf=fail, dmarc=fail.",
        lambda: build("35_sender_unverified", subject="Tin bài", sender=SENDER_K, text=ok_k,
                      attachments=[jpg(1), jpg(2)],
                      headers={"Authentication-Results": (
                          "mx.congdoan.example.vn; spf=fail smtp.mailfrom=gmail.com; "
                          "dkim=none; dmarc=fail header.from=gmail.com")}),
        fields=fields_of(TITLE_QUA, K), problems=["sender_unverified"], status="accepted",
    )
    add(
        "36_docx_with_embedded_photo",
        "Article .docx with a picture inserted in it (photo codes aside, the template reads).",
        lambda: build("36_docx_with_embedded_photo", subject="Tin trao quà", sender=SENDER_K,
                      text=info_only,
                      attachments=[doc_att("Bai viet.docx",
                                           docx_article(TITLE_QUA, BODY_QUA, with_image=True)),
                                   jpg(1), jpg(2)]),
        fields=fields_of(TITLE_QUA, K), problems=[], photo_problems=["photo_embedded"],
        status="needs_fix",
    )
    unlabelled = (
        GREETING + TITLE_HOINGHI + "\n\n" + BODY_HOINGHI + "\n\n"
        + "\n".join(f"Ảnh {i}: {c}" for i, c in enumerate(CAP_HOINGHI, 1)) + "\n"
        + f"Tác giả: {H.author}\nĐơn vị: {H.unit}\nĐT: {H.phone}\nSTK: {H.account}\n"
        + f"Chủ TK: {H.holder}\n"
    )
    add(
        "37_unlabelled_article",
        "Greeting, then the article (title line, paragraphs) without labels, then the fields.",
        lambda: build("37_unlabelled_article", subject="Tin hội nghị tập huấn", sender=SENDER_H,
                      text=unlabelled, attachments=[jpg(3), jpg(4)]),
        fields=fields_of(TITLE_HOINGHI, H), fields_contains={"body": "hơn 120 cán bộ"},
        normalized=NORM_H, problems=[], status="accepted",
    )
    return cases


def main() -> None:
    cases = _cases()
    for case in cases:
        (HERE / f"{case.name}.eml").write_bytes(case.raw())
        (HERE / f"{case.name}.expected.json").write_text(
            json.dumps(case.expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(f"{len(cases)} cases written to {HERE}")


if __name__ == "__main__":
    main()
