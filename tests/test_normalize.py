"""Normalisation of template values: phone, bank account and bank, names, units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from never_raise import nothing_swallowed

from ingest.normalize import (
    UnitEntry,
    banks_snapshot_date,
    find_bank,
    fold,
    holder_ascii,
    load_banks,
    match_unit,
    normalize_phone,
    parse_bank_account,
)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0983 123 456", "+84983123456"),
        ("0983.123.456 (Zalo)", "+84983123456"),
        ("098-312-3456", "+84983123456"),
        ("+84 983 123 456", "+84983123456"),
        ("(+84) 983123456", "+84983123456"),
        ("84983123456", "+84983123456"),
        ("0353 456 789", "+84353456789"),
        ("0703456789", "+84703456789"),
        ("0563456789", "+84563456789"),
        ("0868 123 456", "+84868123456"),
        ("0209 3875 281", "+842093875281"),
        ("0209.3875.281", "+842093875281"),
        ("024 3825 1234", "+842438251234"),
        ("ĐT: 0943 013 111", "+84943013111"),
        ("0983123456 - 0209 3875 281", "+84983123456"),
    ],
)
def test_valid_phones(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    "raw",
    ["0983 123", "0123456789", "01683123456", "12345678901234", "+1 650 253 0000", "abc", ""],
)
def test_invalid_phones(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_account_with_bank_words() -> None:
    digits, bank = parse_bank_account("3951 0001 2345 67 tại Agribank chi nhánh Chợ Đồn")
    assert digits == "39510001234567"
    assert bank is not None and bank.short_name == "Agribank" and bank.bin == "970405"


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("0011004567890", "0011004567890"),
        ("0011.0045.67890", "0011004567890"),
        ("0011-0045-67890 VCB", "0011004567890"),
        ("123456", "123456"),
        ("1234567890123456789", "1234567890123456789"),
        ("12345", None),
        ("12345678901234567890", None),
        ("không có", None),
    ],
)
def test_account_digits(raw: str, digits: str | None) -> None:
    assert parse_bank_account(raw)[0] == digits


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("VCB", "VCB"),
        ("Vietcombank chi nhánh Bắc Kạn", "VCB"),
        ("NH Ngoại thương", "VCB"),
        ("BIDV Bắc Kạn", "BIDV"),
        ("Vietinbank", "ICB"),
        ("CTG", "ICB"),
        ("Ngân hàng Công thương", "ICB"),
        ("Agribank", "VBA"),
        ("VBA", "VBA"),
        ("NH Nông nghiệp và PTNT huyện Chợ Đồn", "VBA"),
        ("Techcombank", "TCB"),
        ("TCB", "TCB"),
        ("MB", "MB"),
        ("MBBank", "MB"),
        ("Ngân hàng Quân đội", "MB"),
        ("ACB", "ACB"),
        ("VPBank", "VPB"),
        ("Sacombank", "STB"),
        ("STB", "STB"),
        ("Ngân hàng TMCP Đông Nam Á", "SEAB"),
        ("Nam Á Bank", "NAB"),
        ("Sài Gòn Công Thương", "SGICB"),
        ("Ngân hàng Chính sách xã hội", "VBSP"),
        ("LienVietPostBank", "LPB"),
    ],
)
def test_find_bank(text: str, code: str) -> None:
    bank = find_bank(text)
    assert bank is not None and bank.code == code


@pytest.mark.parametrize("text", ["", "chi nhánh Chợ Đồn", "ngân hàng", "tomb", "Trường THPT"])
def test_find_no_bank(text: str) -> None:
    assert find_bank(text) is None


def test_bank_snapshot_is_dated_and_unique() -> None:
    banks = load_banks()
    assert banks_snapshot_date()
    assert len({b.bin for b in banks}) == len(banks)
    assert len({b.code for b in banks}) == len(banks)
    assert all(len(b.bin) == 6 and b.bin.isdigit() for b in banks)


@pytest.mark.parametrize(("text", "code", "bin_"), [
    ("Đông Á Bank", "Vikki", "970406"),  # DongA Bank renamed Vikki Bank: VietQR code Vikki
    ("Ngân hàng Bản Việt", "VCCB", "970454"),
    ("ví Viettel Money", "VTLMONEY", "971005"),
    ("PVcomBank Pay", "PVDB", "971133"),  # the longer alias wins over PVcomBank
    ("PVcomBank chi nhánh Hà Nội", "PVCB", "970412"),
    ("Kookmin Bank", "KBHN", "970462"),
])
def test_renamed_and_added_banks_use_the_vietqr_codes(text: str, code: str, bin_: str) -> None:
    bank = find_bank(text)
    assert bank is not None and (bank.code, bank.bin) == (code, bin_)


def test_fold_and_holder() -> None:
    assert fold("  Tít TIN,   bài ") == "tit tin, bai"
    assert fold("Đặng Thị Ngọc Ánh") == "dang thi ngoc anh"
    assert holder_ascii("Đặng  Thị Ngọc Ánh") == "DANG THI NGOC ANH"
    assert holder_ascii("Nguyễn Văn Đức") == "NGUYEN VAN DUC"


UNITS = [
    UnitEntry("Công đoàn cơ sở Trường THPT Chợ Đồn", ["CĐCS Trường THPT Chợ Đồn"]),
    UnitEntry("Công đoàn cơ sở Trường THCS Chợ Đồn", ["CĐCS Trường THCS Chợ Đồn"]),
    UnitEntry("Liên đoàn Lao động huyện Chợ Đồn", ["LĐLĐ huyện Chợ Đồn"]),
]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("cđcs trường thpt chợ đồn", "Công đoàn cơ sở Trường THPT Chợ Đồn"),
        ("Cong doan co so Truong THPT Cho Don", "Công đoàn cơ sở Trường THPT Chợ Đồn"),
        ("Công đoàn cơ sở trường THPT Chợ Đồn.", "Công đoàn cơ sở Trường THPT Chợ Đồn"),
        ("LĐLĐ huyện Chợ Đồn, tỉnh Bắc Kạn", "Liên đoàn Lao động huyện Chợ Đồn"),
        ("Liên đoàn Lao động huyện Chợ Đồn", "Liên đoàn Lao động huyện Chợ Đồn"),
        ("Lien doan lao dong huyen Cho Don", "Liên đoàn Lao động huyện Chợ Đồn"),
        ("Trường THPT", None),
        ("Công đoàn cơ sở Trường", None),
        ("", None),
    ],
)
def test_match_unit(text: str, name: str | None) -> None:
    assert match_unit(text, UNITS) == name


def test_match_unit_fuzzy_needs_margin() -> None:
    # A typo close to one unit is matched; THPT vs THCS differ by one letter and a text
    # halfway between them is not guessed.
    assert match_unit("Công đoàn cơ sở Trường THPT Chợ Đồnn", UNITS) == UNITS[0].name
    assert match_unit("Công đoàn cơ sở Trường TH Chợ Đồn", UNITS) is None


@given(st.text(max_size=300))
def test_normalisers_never_raise(text: str) -> None:
    with nothing_swallowed("ingest.normalize"):
        phone = normalize_phone(text)
        digits, _ = parse_bank_account(text)
        find_bank(text)
        fold(text)
        holder_ascii(text)
        unit = match_unit(text, UNITS)
    assert phone is None or phone.startswith("+84")
    assert digits is None or (digits.isdigit() and 6 <= len(digits) <= 19)
    assert unit is None or unit in {u.name for u in UNITS}


def test_unit_abbreviations_are_expanded() -> None:
    units = [
        UnitEntry("Công đoàn cơ sở Trường THPT Chợ Đồn"),
        UnitEntry("Liên đoàn Lao động thành phố Bắc Kạn"),
        UnitEntry("Công đoàn cơ sở Bệnh viện Đa khoa tỉnh Bắc Kạn"),
    ]
    assert match_unit("CĐCS Trường THPT Chợ Đồn", units) == units[0].name
    assert match_unit("LĐLĐ TP Bắc Kạn", units) == units[1].name
    assert match_unit("CĐCS BVĐK tỉnh Bắc Kạn", units) == units[2].name
    college = [UnitEntry("Công đoàn Trường Cao đẳng Bắc Kạn")]
    assert match_unit("CĐ Trường CĐ Bắc Kạn", college) == college[0].name
