"""Reading an approver's answer (issue 15): the first line of the mail's own text."""

from __future__ import annotations

import pytest

from ingest.mime import parse_message
from tinbai.approval_replies import own_lines, read_answer


@pytest.mark.parametrize(("first", "decision", "reason"), [
    ("DUYỆT", "approve", ""),
    ("Duyệt ạ.", "approve", ""),
    ("duyet", "approve", ""),
    ("ĐỒNG Ý", "approve", ""),
    ("Đồng ý, cảm ơn Ban Biên tập", "approve", ""),
    ("TRẢ LẠI: Ảnh mờ", "return", "Ảnh mờ"),
    ("Trả lại - thiếu tên người trong ảnh", "return", "thiếu tên người trong ảnh"),
    ("tra lai: sai ten don vi", "return", "sai ten don vi"),
    ("Không duyệt", None, ""),
    ("Duyệtttt", None, ""),
    ("Trả lạiii", None, ""),
    ("Tôi sẽ xem sau", None, ""),
])
def test_the_first_line_decides(first: str, decision: str | None, reason: str) -> None:
    assert read_answer([first, "Trân trọng"]) == (decision, reason)


def test_a_return_reason_may_follow_on_the_next_lines() -> None:
    assert read_answer(["TRẢ LẠI:", "Bài chưa nêu thời gian,", "địa điểm."]) == (
        "return", "Bài chưa nêu thời gian, địa điểm.")
    decision, reason = read_answer(["TRẢ LẠI"])
    assert decision == "return" and "không ghi lý do" in reason


def test_the_answer_is_read_above_the_quote_also_from_html_only_mail() -> None:
    raw = (
        "From: chutich@chodon.gov.vn\r\nTo: toasoan@congdoan.example.vn\r\n"
        "Subject: RE: =?utf-8?b?xJDhu4Egbmdo4buLIGR1eeG7h3Q=?= [TB-2026-0007]\r\n"
        "Message-ID: <a1@chodon.gov.vn>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "<div>Đồng ý</div><div><br></div><div>Vào Th 4, Ban Biên tập "
        "&lt;toasoan@congdoan.example.vn&gt; đã viết:</div>"
        "<blockquote>TRẢ LẠI: lý do</blockquote>\r\n"
    ).encode()
    lines = own_lines(parse_message(raw))
    assert read_answer(lines) == ("approve", "")
    assert not any("TRẢ LẠI" in line for line in lines)
