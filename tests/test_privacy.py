"""The masking rules (tinbai.privacy): known values in any spelling, the generic rule for
template values, what is not personal data, the public's phones, editors' corrections."""

from __future__ import annotations

import re

import pytest

from tinbai.privacy import (
    KnownAccounts,
    Redactor,
    account_values,
    digits,
    mask_account,
    phone_values,
)

ACCOUNT = "22334455667788"

#: The ways people write one account number (issue 13).
SPELLINGS: dict[str, str] = {
    "space": "2233 4455 6677 88",
    "two spaces": "2233  4455  6677  88",
    "dot": "2233.4455.6677.88",
    "dash": "2233-4455-6677-88",
    "slash": "2233/4455/6677/88",
    "underscore": "2233_4455_6677_88",
    "none": "22334455667788",
    "mixed": "2233 4455.6677-88",
    "mixed wide": "2233 / 4455 _ 6677\u00a088",
    "zero-width": "2233\u200b4455\u200b6677\u200b88",
    "full-width": "２２３３ ４４５５ ６６７７ ８８",
}


def flat_digits(text: str) -> str:
    """All digits of a text with the separators people use removed, as the crawl reads."""
    return digits("".join(c if c.isdecimal() else (" " if c.isalpha() else "") for c in text))


@pytest.mark.parametrize("kind", SPELLINGS)
def test_a_known_account_is_masked_in_every_spelling(kind: str) -> None:
    written = SPELLINGS[kind]
    for redactor in (Redactor(known=frozenset({ACCOUNT})), _own(ACCOUNT)):
        for text in (f"STK {written} tại BIDV", f"Số tài khoản: {written}.", written,
                     f"«{written}» không hợp lệ"):
            masked = redactor.redact(text)
            assert ACCOUNT not in digits(masked), (kind, masked)
            assert "•••• 7788" in masked, (kind, masked)


def _own(account: str) -> Redactor:
    redactor = Redactor()
    redactor.add(account)
    return redactor


@pytest.mark.parametrize("kind", SPELLINGS)
def test_a_submission_s_own_account_is_found_by_how_it_was_written(kind: str) -> None:
    """The raw field is the key: whatever spelling it had, the page text in another
    spelling is masked too."""
    redactor = _own(SPELLINGS[kind])
    for other in SPELLINGS.values():
        assert ACCOUNT not in digits(redactor.redact(f"TK {other} BIDV")), (kind, other)


def test_an_account_that_is_not_digits_only_is_masked_as_written() -> None:
    redactor = _own("19034-ABC-77")
    masked = redactor.redact("Số tài khoản «19034-ABC-77» không hợp lệ. Số tài khoản gồm 6…")
    assert "19034" not in masked and "ABC-77" not in masked
    assert "«•••• 3477»" in masked


def test_pieces_of_the_own_account_are_masked_and_other_numbers_are_not() -> None:
    redactor = _own("0451  0003  88990 tại Vietcombank chi nhánh 3")
    assert account_values("0451  0003  88990 tại Vietcombank chi nhánh 3") >= {"0451000388990"}
    text = "STK 0451000 388990; ngày 31/12/2026; SĐT 0912 345 678; 2.000.000 đồng"
    masked = redactor.redact(text)
    assert "0451000" not in masked and "388990" not in masked
    assert "31/12/2026" in masked and "0912 345 678" in masked and "2.000.000" in masked


def test_inline_markup_between_digits_is_still_one_number() -> None:
    redactor = Redactor(known=frozenset({"19034567890123"}))
    html = ('<p><span style="x">1903</span> <b>4567</b>&nbsp;8901<o:p></o:p>23</p>'
            "<td>1903</td><td>4567890123</td>")
    masked = redactor.redact(html, html=True)
    assert "•••• 0123" in masked
    assert "1903</span>" not in masked and "4567</b>" not in masked
    assert masked.count("<span") == masked.count("</span>")  # markup kept, well formed
    # table cells are separate values: not joined
    assert "<td>1903</td><td>4567890123</td>" in masked


@pytest.mark.parametrize(("text", "kept"), [
    ("Trao 1.500.000.000 đồng cho 25 đoàn viên", "1.500.000.000"),
    ("giá trị 150.000.000 đồng", "150.000.000"),
    ("từ ngày 31/12/2026 - 15/01/2027", "31/12/2026 - 15/01/2027"),
    ("năm học 2025-2026, lúc 10:15 ngày 7/11/2026 10 người", "7/11/2026 10"),
    ("hội nghị ngày 2026-12-31", "2026-12-31"),
    ("Ảnh 1, 2, 3, 4, 5, 6, 7, 8, 9 và 10", "1, 2, 3, 4, 5, 6, 7, 8, 9"),
])
def test_the_generic_rule_leaves_dates_amounts_and_lists(text: str, kept: str) -> None:
    assert kept in Redactor().redact(text, generic=True)


@pytest.mark.parametrize("text", [
    "CCCD 001234567890 cấp ngày 1/1/2021", "STK 1903 4567 8901 23 Techcombank",
    "số 0983.456.789", "mã 123456789", "chuyển vào 0071_0003_45678",
    "TK 1234 5678 9012 3456 7890 1",
])
def test_the_generic_rule_masks_other_long_digit_runs(text: str) -> None:
    masked = Redactor().redact(text, generic=True)
    long_runs = [digits(r) for r in re.findall(r"\d(?:[ ._/\-]?\d)+", text)
                 if len(digits(r)) >= 9]
    assert long_runs and "••••" in masked, masked
    for run in long_runs:
        assert run not in digits(masked), masked


@pytest.mark.parametrize("name", [
    "IMG_20261103_093012.jpg", "Screenshot_20261107-201133.png", "PXL_20261103_093012345.jpg",
    "VID20261103093012.mp4",
])
def test_the_generic_rule_leaves_file_names(name: str) -> None:
    """A camera's file name is a date and a time glued to letters: the editor must be able
    to tell the files apart (the receipt and the problems name them)."""
    text = f"Tệp «{name}» là ảnh chụp màn hình"
    assert Redactor().redact(text, generic=True) == text
    own = Redactor()
    own.add("20261103093012")  # a known value is still masked inside a name
    assert "20261103" not in own.redact(text, generic=True)


def test_the_generic_rule_is_only_for_template_values() -> None:
    text = "https://baocongdoan.example.vn/tin-20261231123456789.htm"
    assert Redactor(known=frozenset({ACCOUNT})).redact(text) == text


def test_phones_are_for_editors_but_not_for_the_public() -> None:
    phones = phone_values("0912.345.678", "+84912345678")
    assert {"0912345678", "84912345678"} <= phones
    editors = Redactor(exempt=phones)
    body = "Liên hệ tác giả: 0912.345.678 (hoặc +84 912 345 678); bạn đọc: 0983 456 789"
    seen = editors.redact(body, generic=True)
    assert "0912.345.678" in seen and "+84 912 345 678" in seen
    assert "0983 456 789" not in seen  # someone else's number in the text
    public = editors.for_public().redact(body, generic=True)
    assert "0912" not in public and "345" not in public.replace("•••• 5678", "")
    assert digits(public).count("912345678") == 0


def test_an_editor_s_correction_keeps_what_the_masks_hid() -> None:
    redactor = _own("0071 0003 45678")
    stored = "Bài viết… Chuyển khoản: 0071 0003 45678 (Vietcombank). CCCD 001234567890."
    shown = redactor.redact(stored, generic=True)
    assert "0071" not in shown
    assert redactor.restore(shown, stored) == stored
    edited = shown.replace("Bài viết…", "Bài viết đã sửa…")
    assert redactor.restore(edited, stored) == stored.replace("Bài viết…", "Bài viết đã sửa…")
    # a mask the editor deleted stays deleted; text they typed stays theirs
    cut = shown.replace(" (Vietcombank)", "").split(" CCCD")[0]
    assert redactor.restore(cut, stored) == "Bài viết… Chuyển khoản: 0071 0003 45678."


def test_mask_account_and_digits() -> None:
    assert mask_account("1903 4567 8901 23") == "•••• 0123"
    assert mask_account("") == "" and mask_account("12") == "••••"
    assert digits("３９５１-0001") == "39510001"
    assert flat_digits("a 12/3 b") == "123"


def test_the_databases_accounts_are_shared_not_copied_per_page() -> None:
    """Every page masks against the database's accounts: the set is passed on as it is,
    with its lengths counted once (counting them per digit run made the queue page of
    10,000 submissions 20 times slower than that of 100: benchmarks/queue_page.py)."""
    known = KnownAccounts({"190300014567", "3951000123456"})
    page = Redactor().with_known(known)
    assert page.known is known
    assert known.lengths == (12, 13) and "lengths" in vars(known)  # computed, then kept
    assert page.redact("TK 1903 0001 4567 và 3951000123456") == "TK •••• 4567 và •••• 3456"
    merged = Redactor(known=frozenset({"88889999000"})).with_known(known)
    assert isinstance(merged.known, KnownAccounts) and len(merged.known) == 3
