"""The template reader: label shapes, values, quotes and forwards, source choice, HTML."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from never_raise import nothing_swallowed
from shared_data import SEEDS

from ingest.documents import DocumentInfo
from ingest.htmltext import html_to_text
from ingest.template import TemplateResult, extract, find_template
from ingest.template_labels import ALIASES

FULL = """1. Tít tin, bài: Hội nghị tập huấn
2. Nội dung bài viết:
Đoạn một của bài.

Đoạn hai của bài.
3. Chú thích ảnh:
Ảnh 1: Quang cảnh hội nghị
Ảnh 2: Đại biểu phát biểu
4. Tác giả: Nông Văn K
5. Đơn vị công tác: CĐCS Trường THPT Chợ Đồn
6. Số điện thoại: 0983 123 456
7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank chi nhánh Chợ Đồn
8. Tên chủ tài khoản: NÔNG VĂN K
"""


def test_full_form() -> None:
    r = extract(FULL)
    assert r.labels_found == 8
    assert r.fields["title"] == "Hội nghị tập huấn"
    assert r.fields["body"] == "Đoạn một của bài.\n\nĐoạn hai của bài."
    assert r.captions == ["Ảnh 1: Quang cảnh hội nghị", "Ảnh 2: Đại biểu phát biểu"]
    assert r.fields["author"] == "Nông Văn K"
    assert r.fields["bank_name"] == "Agribank chi nhánh Chợ Đồn"
    assert r.fields["account_holder"] == "NÔNG VĂN K"


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("STK: 123456789", "bank_account", "123456789"),
        ("Số TK: 123456789", "bank_account", "123456789"),
        ("TK: 123456789", "bank_account", "123456789"),
        ("Chủ TK: Nông Văn K", "account_holder", "Nông Văn K"),
        ("Tên TK: Nông Văn K", "account_holder", "Nông Văn K"),
        ("Chu TK: Nong Van K", "account_holder", "Nong Van K"),
        ("SĐT: 0983123456", "phone", "0983123456"),
        ("SDT: 0983123456", "phone", "0983123456"),
        ("ĐT: 0983123456", "phone", "0983123456"),
        ("Điện thoại: 0983123456", "phone", "0983123456"),
        ("NH: Vietcombank", "bank_name", "Vietcombank"),
        ("Ngân hàng: BIDV", "bank_name", "BIDV"),
        ("Tiêu đề: Hội nghị", "title", "Hội nghị"),
        ("TIT TIN BAI: Hoi nghi", "title", "Hoi nghi"),
        ("tít tin/bài - Hội nghị", "title", "Hội nghị"),
        ("Chú thích: Quang cảnh", "caption", "Quang cảnh"),
        ("Tác giả bài viết: Nông Văn K", "author", "Nông Văn K"),
        ("Người viết: Nông Văn K", "author", "Nông Văn K"),
        ("Cơ quan: LĐLĐ tỉnh", "unit", "LĐLĐ tỉnh"),
        ("6) Số điện thoại: 0983123456", "phone", "0983123456"),
        ("(6) Số điện thoại: 0983123456", "phone", "0983123456"),
        ("- Số điện thoại: 0983123456", "phone", "0983123456"),
        ("**Tác giả:** Nông Văn K", "author", "Nông Văn K"),
        ("Số điện thoại (Zalo): 0983123456", "phone", "0983123456"),
        ("Tác giả (VD: Nông Văn K): Trần Thị B", "author", "Trần Thị B"),
        ("Tác giả\tTrần Thị B", "author", "Trần Thị B"),
        ("Tác giả: ……………", "author", None),
    ],
)
def test_label_variants(line: str, key: str, value: str | None) -> None:
    r = extract(line)
    assert r.labels == [key]
    assert r.fields.get(key) == value


def test_chu_tk_is_not_a_caption() -> None:
    # The trap of a naive fuzzy match: "Chủ TK" is close to "Chú thích".
    r = extract("Chủ TK: Nông Văn K\nChú thích: Quang cảnh")
    assert r.fields["account_holder"] == "Nông Văn K"
    assert r.fields["caption"] == "Quang cảnh"


@pytest.mark.parametrize(
    "text",
    [
        "Ngân hàng Agribank đã tài trợ buổi lễ.",
        "Đơn vị tổ chức là LĐLĐ huyện.",
        "Tài khoản facebook của công đoàn",
        "Ảnh hưởng của bão số 3",
        "Anh 2 người đến muộn",
        "Bài viết này nói về hội nghị",
        "Nội dung hội nghị gồm ba phần",
    ],
)
def test_article_sentences_are_not_labels(text: str) -> None:
    assert extract(text).labels_found == 0


def test_fuzzy_fallback_typos() -> None:
    r = extract("Tác gỉa: Nông Văn K\nSố điện thọai: 0983123456\nĐơn vi cong tac: CĐCS A")
    assert r.fields == {"author": "Nông Văn K", "phone": "0983123456", "unit": "CĐCS A"}


def test_fuzzy_fallback_refuses_unrelated_headings() -> None:
    r = extract("Thời gian: sáng 20/11\nĐịa điểm: Hội trường\nThành phần: đoàn viên")
    assert r.labels_found == 0


def test_values_on_following_lines_and_body_to_next_label() -> None:
    text = (
        "Tít tin, bài\nHội nghị\n\nNội dung bài viết\nDòng 1\nDòng 2\n\nDòng 3\n"
        "Tác giả\n\nNông Văn K\nTrân trọng!\n"
    )
    r = extract(text)
    assert r.fields["title"] == "Hội nghị"
    assert r.fields["body"] == "Dòng 1\nDòng 2\n\nDòng 3"
    assert r.fields["author"] == "Nông Văn K"


def test_inline_labels_split() -> None:
    r = extract("Tác giả: Nông Văn K; SĐT: 0983123456 - STK: 123456789 | Chủ TK: NONG VAN K")
    assert r.fields == {
        "author": "Nông Văn K",
        "phone": "0983123456",
        "bank_account": "123456789",
        "account_holder": "NONG VAN K",
    }


def test_bulleted_captions() -> None:
    r = extract("Chú thích ảnh:\n- Quang cảnh hội nghị\n- Đại biểu phát biểu\n\nTác giả: A")
    assert r.captions == ["Quang cảnh hội nghị", "Đại biểu phát biểu"]


def test_quoted_reply_and_signature_are_dropped() -> None:
    text = (
        "Tác giả: Nông Văn K\n\n-- \nNông Văn K\nĐT: 0912345678\n"
    )
    assert extract(text).fields == {"author": "Nông Văn K"}
    text = (
        "SĐT: 0983123456\n\nVào Th 5, 19 thg 11, 2026 vào lúc 10:00 Ban Biên tập "
        "<toasoan@congdoan.example.vn> đã viết:\n> 4. Tác giả:\n> 6. Số điện thoại:\n"
    )
    r = extract(text)
    assert r.fields == {"phone": "0983123456"}
    assert r.labels == ["phone"]
    wrapped = (
        "Tác giả: A\n\nOn Thu, Nov 19, 2026 at 10:00 AM Ban Biên tập <\n"
        "toasoan@x.vn> wrote:\n\n> Đơn vị: B\n"
    )
    assert extract(wrapped).fields == {"author": "A"}


def test_outlook_reply_original_is_not_read() -> None:
    text = (
        "SĐT: 0983123456\n\n________________________________\n"
        "From: Ban Biên tập <toasoan@congdoan.example.vn>\nSent: Thursday, November 19, 2026\n"
        "To: Nông Văn K\nSubject: RE: [TB-2026-0042] Cần bổ sung\n\n"
        "1. Tít tin, bài:\n4. Tác giả:\n5. Đơn vị công tác:\n"
    )
    r = extract(text)
    assert r.fields == {"phone": "0983123456"}


def test_forward_picks_the_forwarded_template() -> None:
    text = (
        "Chuyển bài của đ/c Hạnh.\n\n---------- Forwarded message ---------\n"
        "Từ: Hoàng Thị Hạnh <hanh@gmail.com>\nDate: Thu, 19 Nov 2026\n"
        "Subject: Tin bài\nTo: <k@gmail.com>\n\n" + FULL
    )
    r = extract(text)
    assert r.labels_found == 8
    assert r.fields["author"] == "Nông Văn K"
    assert "read from a forwarded message" in r.notes


def test_windows_1258_style_combining_marks() -> None:
    # cp1258 decodes "ệ" as "ê" + U+0323: not NFC; the reader normalises.
    text = "Ti\u0301t tin, ba\u0300i: Hô\u0323i nghi\u0323"
    r = extract(text)
    assert r.fields["title"] == "Hội nghị"
    assert unicodedata.is_normalized("NFC", r.fields["title"])


def test_source_choice() -> None:
    doc = DocumentInfo("bai.docx", "docx", "ok", text=FULL)
    assert find_template("", "", [doc]).source == "docx:bai.docx"
    assert find_template("Gửi bài ạ", "", [doc]).source == "docx:bai.docx"
    assert find_template(FULL, "", [doc]).source == "text"
    html = "<div>" + "</div><div>".join(FULL.split("\n")) + "</div>"
    assert find_template("", html, []).source == "html"
    assert find_template("Xem bản HTML", html, []).source == "html"
    bad = DocumentInfo("bai.docx", "docx", "unreadable", text="")
    r = find_template("Gửi bài", "", [bad])
    assert r.labels_found == 0 and r.source == "text"


def test_fields_merged_from_mail_and_document() -> None:
    doc = DocumentInfo("bai.docx", "docx", "ok", text=FULL.split("4. Tác giả")[0])
    mail = "Tác giả: Trần Thị B\nSĐT: 0912345678\n"
    r = find_template(mail, "", [doc])
    assert r.source == "docx:bai.docx"
    assert r.fields["title"] == "Hội nghị tập huấn"
    assert r.fields["author"] == "Trần Thị B"
    assert r.fields["phone"] == "0912345678"


def _swallowed(result: TemplateResult) -> list[str]:
    """The reader's notes of an exception it caught (it never raises, but must not fail)."""
    return [note for note in result.notes if note.startswith("template reader error")]


def test_extract_never_raises_on_odd_input() -> None:
    for text in ["", "\x00", "\n" * 1000, ":" * 5000, "Tác giả:" * 1000, "\ud800", "Ảnh 99:"]:
        assert _swallowed(extract(text)) == [], repr(text[:20])
    assert extract(None) == TemplateResult()  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_extract_never_raises(text: str) -> None:
    r = extract(text)
    assert _swallowed(r) == []
    assert r.labels_found >= 0
    for value in r.fields.values():
        assert unicodedata.is_normalized("NFC", value)


@settings(max_examples=200)
@given(st.text(max_size=500), st.text(max_size=500), st.lists(st.text(max_size=200), max_size=3))
def test_find_template_never_raises(text: str, html: str, docs: list[str]) -> None:
    documents = [DocumentInfo(f"d{i}.docx", "docx", "ok", text=t) for i, t in enumerate(docs)]
    with nothing_swallowed("ingest.htmltext", "ingest.normalize"):
        result = find_template(text, html, documents)
        html_to_text(html)
    assert _swallowed(result) == []
    for value in result.fields.values():
        assert unicodedata.is_normalized("NFC", value)


_LABEL_TEXTS = sorted({alias for _, alias, _ in ALIASES})
_VALUE = st.text(
    alphabet=st.sampled_from("abcdeghiklmnopqrstuvxyàáảãạâầấăằđêềếôồơờưừ0123456789 "),
    min_size=1,
    max_size=30,
).map(str.strip).filter(bool)


@st.composite
def _templates(draw: st.DrawFn) -> str:
    labels = draw(st.lists(st.sampled_from(_LABEL_TEXTS), min_size=1, max_size=9))
    numbered = draw(st.booleans())
    lines = []
    for i, label in enumerate(labels, 1):
        value = draw(_VALUE)
        prefix = f"{i}. " if numbered else ""
        lines.append(f"{prefix}{label}: {value}")
    return "\n".join(lines)


@settings(max_examples=300)
@given(
    _templates(),
    st.sampled_from(["NFC", "NFD", "NFKC", "NFKD"]),
    st.sampled_from([str, str.upper, str.lower, str.title]),
)
def test_labels_stable_under_normalisation_and_case(
    text: str, form: Literal["NFC", "NFD", "NFKC", "NFKD"], case: Callable[[str], str]
) -> None:
    base = extract(text)
    variant = extract(unicodedata.normalize(form, case(text)))
    assert variant.labels == base.labels
    assert variant.labels_found == base.labels_found


NOTIFIER_FORM = """MẪU CUNG CẤP TIN, BÀI, ẢNH (sao chép phần dưới đây, điền đủ và gửi lại)

1. Tít tin, bài:
2. Nội dung bài viết:
3. Chú thích ảnh: (Ảnh 1: …; Ảnh 2: …)
4. Tác giả:
5. Đơn vị công tác:
6. Số điện thoại:
7. Số tài khoản của tác giả: (ghi kèm tên ngân hàng, ví dụ: 3951 0001 2345 67 tại Agribank)
8. Tên chủ tài khoản:

Ảnh gốc (không nén, không chỉnh sửa) gửi kèm thành tệp riêng, không chèn vào bài viết.
"""


def test_our_blank_form_reads_as_empty() -> None:
    # The form of our fix request, copied back unfilled: labels, but no values (its
    # examples and instructions are not values, the sentence after it is not a holder).
    r = extract(NOTIFIER_FORM)
    assert r.labels_found == 8
    assert r.fields == {}
    assert r.captions == []


def test_our_form_partly_filled() -> None:
    text = NOTIFIER_FORM.replace("6. Số điện thoại:", "6. Số điện thoại: 0983123456").replace(
        "tại Agribank)", "tại Agribank) 0011004567890 tại Ngân hàng Vietcombank"
    )
    r = extract(text)
    assert r.fields == {
        "phone": "0983123456",
        "bank_account": "0011004567890 tại Ngân hàng Vietcombank",
        "bank_name": "Vietcombank",
    }


def test_format_flowed_soft_break_joins_a_long_value() -> None:
    text = (
        "7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Ngân hàng Nông nghiệp và Phát "
        "triển \nNông thôn chi nhánh Chợ Đồn\n8. Tên chủ tài khoản: A"
    )
    r = extract(text)
    assert r.fields["bank_account"].endswith("Nông thôn chi nhánh Chợ Đồn")
    assert r.fields["account_holder"] == "A"
    # A short line with a stray trailing space is not a soft break.
    assert extract("Tác giả: Nông Văn K \nTrân trọng!").fields == {"author": "Nông Văn K"}


def test_title_wrapped_over_two_lines() -> None:
    text = (
        "1. Tít tin, bài: Công đoàn cơ sở Trường THPT Chợ Đồn trao quà\n"
        "cho đoàn viên khó khăn\n2. Nội dung bài viết:\nĐoạn một."
    )
    r = extract(text)
    title = "Công đoàn cơ sở Trường THPT Chợ Đồn trao quà cho đoàn viên khó khăn"
    assert r.fields["title"] == title
    assert r.fields["body"] == "Đoạn một."


def test_article_sentences_that_look_like_mail_machinery() -> None:
    text = (
        "Nội dung bài viết:\nVào năm 1990, đồng chí đã viết:\n«Công đoàn là nhà».\n"
        "Từ: ngày 15/11\nNgày: 20/11\nThời gian: sáng\nGửi từ tấm lòng của đoàn viên.\n"
        "Tác giả: A\n"
    )
    r = extract(text)
    assert r.fields["author"] == "A"
    assert "Gửi từ tấm lòng" in r.fields["body"]
    assert "«Công đoàn là nhà»." in r.fields["body"]


def test_unlabelled_article_above_the_fields() -> None:
    body = " ".join(["Sáng ngày 18/11, công đoàn cơ sở tổ chức trao quà cho đoàn viên."] * 5)
    text = (
        "Kính gửi Ban Biên tập,\nEm gửi tin bài ạ.\n\n"
        "Công đoàn cơ sở Trường THPT Chợ Đồn trao quà cho đoàn viên\n\n"
        f"{body}\n\nẢnh 1: Quang cảnh\nTác giả: Nông Văn K\nSĐT: 0983123456\n"
    )
    r = extract(text)
    assert r.fields["title"] == "Công đoàn cơ sở Trường THPT Chợ Đồn trao quà cho đoàn viên"
    assert r.fields["body"] == body
    assert r.fields["author"] == "Nông Văn K"


def test_forwarder_adds_a_missing_field() -> None:
    text = (
        "Chuyển bài của đ/c Hạnh. STK của đồng chí:\nSTK: 0011004567890 Vietcombank\n\n"
        "---------- Forwarded message ---------\nFrom: Hạnh <hanh@gmail.com>\n"
        "Date: Thu, 19 Nov 2026\nSubject: Tin bài\nTo: <k@gmail.com>\n\n"
        + FULL.split("7. Số tài khoản")[0]
    )
    r = extract(text)
    assert r.fields["author"] == "Nông Văn K"
    assert r.fields["bank_account"] == "0011004567890 Vietcombank"


def test_the_seed_document_blank_form_has_labels_but_no_values() -> None:
    seed = (
        "\t1. Tít tin, bài (VD: Công đoàn cơ sở phòng A tổ chức tặng quà đoàn viên…)\n\n"
        "\t2. Nội dung bài viết (Toàn bộ nội dung của tin, bài viết)…………..\n"
        "………………………………………………………………………………\n……………………………………………………..\n\n"
        "\t3. Chú thích ảnh (VD: Đồng chí Nông Văn B trao quà cho đoàn viên Phạm Thị X)\n\n"
        "\t4. Tác giả (VD: Nông Văn K)\n\n\t5. Đơn vị công tác (VD: Công đoàn cơ sở Phòng A)\n\n"
        "\t6. Số điện thoại (VD: 0983………)\n\n\t7. Số tài khoản của tác giả (VD: 3951……….)\n\n"
        "\t8. Tên chủ tài khoản (VD: Nông Văn K)\n"
    )
    r = extract(seed)
    assert r.labels_found == 8
    assert r.fields == {}


def test_the_seed_document_itself_reads_as_a_blank_form() -> None:

    seed = SEEDS / "002_59ca8af955cf4b29.txt"
    if not seed.exists():
        return
    r = extract(seed.read_text(encoding="utf-8"))
    assert r.labels_found == 8
    assert r.fields == {}


def test_long_body_line_is_kept_whole() -> None:
    paragraph = "chữ " * 3000
    r = extract(f"Nội dung bài viết: {paragraph}\nTác giả: A")
    assert r.fields["body"] == paragraph.strip()


def test_signature_alone_is_not_a_template() -> None:
    text = (
        "Chị gửi em mấy ảnh hôm qua nhé.\n\nTrân trọng!\nNông Văn K\n"
        "Đơn vị: CĐCS Trường THPT Chợ Đồn\nĐT: 0983 123 456\n"
    )
    r = extract(text)
    assert r.labels_found == 0
    assert r.fields["phone"] == "0983 123 456"
    # With the form above the closing line, the signature's labels count as usual.
    r = extract("Tít: Hội nghị\n\nTrân trọng!\nĐT: 0983 123 456\n")
    assert r.labels == ["title", "phone"]


def test_thanks_before_the_form_is_not_a_signature() -> None:
    r = extract("Cảm ơn Ban Biên tập!\n" + FULL)
    assert r.labels_found == 8
