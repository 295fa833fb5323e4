"""The text rules themselves (tests/text_rules.py): each kind of leak is caught, what
Vietnamese office staff write passes, and what people wrote is not judged."""

from __future__ import annotations

import pytest
from text_rules import data_words, is_vietnamese_syllable, violations

GOOD = (
    "Đã đăng ngày 21/11/2026 tại trang tin · thể loại Bài · hệ số 0,8 · nhuận bút "
    "1.234.567 đ · nhận lúc 02/12/2026 16:25 · Quý IV/2026 · 4,2 MB · JPEG 4000 × 3000 · "
    "Tải danh sách (Excel, CSV) · Lỗi: SĐT sai · STT 3 · thuế TNCN 10 % · Nhuan but quy "
    "IV/2026 · vd: 12/2026 · Địa chỉ (URL) phải bắt đầu bằng https:// · 2.1. Đơn vị · "
    "TM. BAN BIÊN TẬP"
)


def test_what_office_staff_write_passes() -> None:
    assert violations(GOOD, genre_keys=["bai", "anh"]) == []


def test_an_address_is_not_a_decimal_number() -> None:
    assert violations("Địa chỉ: 192.168.1.20") == []
    assert violations("hệ số 192.168.1") != []


@pytest.mark.parametrize(("text", "rule"), [
    ("Lỗi invalid_phone ở mục SĐT", "internal key"),
    ("Trạng thái: pending_review", "internal key"),
    ("Trạng thái: published", "internal key"),
    ("Nội dung đã đọc từ text/html", "MIME type"),
    ("Phân đoạn APP0:JFIF, APP1:Exif", "JPEG marker"),
    ("Phần mềm: None", "Python value"),
    ("Ghi chú: []", "Python value"),
    ("Đăng ngày 2026-12-01", "ISO date"),
    ("Chụp lúc 2026:11:03 09:31:00", "EXIF date"),
    ("Gửi lúc 9:31 PM", "12-hour time"),
    ("hệ số 0.8", "decimal point"),
    ("tổng 1,234,567 đ", "thousands comma"),
    ("hãy ghi hệ số nhuận bút (--coefficient)", "option name"),
    ("thể loại bai", "genre key"),
    ("Kiểu lưu: JPEG progressive", "English word"),
    ("Nội dung từ html", "English word"),
    ("bởi tinbai", "English word"),
])
def test_each_leak_is_caught(text: str, rule: str) -> None:
    found = violations(text, genre_keys=["bai", "anh"])
    assert any(v.startswith(rule) for v in found), found


def test_what_people_wrote_is_not_judged() -> None:
    data = data_words(["Screenshot_20261107-201133.png", "toandv.cdcs.xm@gmail.com",
                       "https://congdoan.example.vn/tin/hien-mau", "Samsung SM-A536E"])
    text = ("Ảnh Screenshot_20261107-201133.png của toandv.cdcs.xm@gmail.com "
            "(https://congdoan.example.vn/tin/hien-mau), máy Samsung SM-A536E")
    assert violations(text, data) == []
    assert violations(text) != []  # the same words, not marked as data, are judged


@pytest.mark.parametrize("word", ["tin", "theo", "Nhuan", "nguyen", "khuyen", "nghieng",
                                  "quy", "truy", "giao", "DINH"])
def test_vietnamese_syllables_without_marks(word: str) -> None:
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize("word", ["text", "html", "error", "none", "progressive", "JFIF",
                                  "tinbai", "docx", "eml", "false", "null"])
def test_english_and_technical_words(word: str) -> None:
    assert not is_vietnamese_syllable(word)
