"""Disposition order (issue 11): one test per ambiguous combination, and garbled text.

The order is written once, in validators/builtin.py; each case here is a real shape of
mail that two checks both claim, run through `tinbai check --json` as a user would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.charsets import looks_garbled
from tinbai.cli import main
from validators.builtin import CONTENT_DISPOSITION_CHECKS, DISPOSITION_CHECKS
from validators.dispositions import vietnamese_text

FORM = (
    "1. Tít tin, bài: Công đoàn cơ sở tổ chức hội thao\r\n"
    "2. Nội dung bài viết: Sáng nay, Công đoàn cơ sở trường Tiểu học Nam Cường tổ chức hội "
    "thao cho đoàn viên.\r\n3. Chú thích ảnh: Đoàn viên kéo co\r\n4. Tác giả: Nguyễn Văn An\r\n"
    "5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh\r\n6. Số điện thoại: 0983 123 789\r\n"
    "7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank\r\n"
    "8. Tên chủ tài khoản: Nguyễn Văn An\r\n"
)
DSN = (
    "--d\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n--d\r\n"
    "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n"
    "Final-Recipient: rfc822; x@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--d--\r\n"
)


def message(headers: dict[str, str], body: str = FORM, content_type: str | None = None) -> bytes:
    base = {
        "From": "Nguyễn Văn An <an.nv@example.org>",
        "To": "toasoan@congdoan.example.vn",
        "Subject": "Gửi tin bài hội thao",
        "Date": "Sat, 21 Nov 2026 09:00:00 +0700",
        "Message-ID": f"<{abs(hash(tuple(headers.items())))}@example.org>",
        "MIME-Version": "1.0",
        "Content-Type": content_type or "text/plain; charset=utf-8",
    }
    base.update(headers)
    head = "".join(f"{k}: {v}\r\n" for k, v in base.items())
    return (head + "Content-Transfer-Encoding: 8bit\r\n\r\n" + body).encode("utf-8")


def check_json(tmp_path: Path, raw: bytes, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    (tmp_path / "config.yaml").write_text(
        "mailboxes:\n  - name: e\n    url: maildir:inbox\nsmtp:\n  url: maildir:outbox\n"
        '  from: "Ban Biên tập <toasoan@congdoan.example.vn>"\ndata_dir: ./var\n',
        encoding="utf-8",
    )
    assert main(["--config", str(tmp_path / "config.yaml"), "check", "--json", str(path)]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


REPORT = 'multipart/report; report-type=delivery-status; boundary="d"'
AMBIGUOUS = {
    # list mail carries Precedence: bulk: the list check wins
    "list_id_and_precedence_bulk": (
        {"List-Id": "<tin.lists.example.org>", "Precedence": "bulk"}, FORM, None,
        "mailing_list"),
    # a list server's digest is auto-generated
    "list_unsubscribe_and_auto_submitted": (
        {"List-Unsubscribe": "<mailto:x@lists.example.org>",
         "Auto-Submitted": "auto-generated"}, FORM, None, "mailing_list"),
    # a DSN says Auto-Submitted: auto-replied (RFC 3464): it is a bounce
    "dsn_with_auto_submitted": (
        {"From": "MAILER-DAEMON@mx.example.org", "Auto-Submitted": "auto-replied",
         "Subject": "Undelivered Mail Returned to Sender"}, DSN, REPORT, "bounce"),
    # an empty reverse path alone proves nothing: an ordinary reply is read as one
    "return_path_null_alone": ({"Return-Path": "<>"}, FORM, None, None),
    "return_path_null_and_bounce_subject": (
        {"Return-Path": "<>", "Subject": "Delivery Status Notification (Failure)"}, FORM,
        None, "bounce"),
    "return_path_null_and_auto_submitted": (
        {"Return-Path": "<>", "Auto-Submitted": "auto-replied"}, FORM, None, "auto_reply"),
    # our own reply relayed back by a list
    "from_ourselves_through_a_list": (
        {"From": "Ban Biên tập <toasoan@congdoan.example.vn>",
         "List-Id": "<tin.lists.example.org>"}, FORM, None, "auto_reply"),
    # both unanswered; the robot is the more precise label
    "out_of_office_marked_spam": (
        {"Subject": "Out of Office: Gửi tin bài", "X-Spam-Flag": "YES"}, FORM, None,
        "auto_reply"),
    "list_mail_marked_spam": (
        {"List-Id": "<tin.lists.example.org>", "X-Spam-Status": "Yes, score=9"}, FORM, None,
        "mailing_list"),
    "mailer_daemon_marked_spam": (
        {"From": "postmaster@example.org", "Subject": "failure notice",
         "X-Spam-Flag": "YES"}, "Could not deliver.\r\n", None, "bounce"),
    "precedence_bulk_alone": ({"Precedence": "bulk"}, FORM, None, "auto_reply"),
    "spam_with_a_form": ({"X-Spam-Flag": "YES"}, FORM, None, "spam"),
}


@pytest.mark.parametrize("case", sorted(AMBIGUOUS))
def test_ambiguous_combination(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    headers, body, ctype, expected = AMBIGUOUS[case]
    result = check_json(tmp_path, message(headers, body, ctype), capsys)
    assert result["disposition"] == expected, result
    assert (result["status"] == "ignored") == (expected is not None)


def test_the_order_is_written_once() -> None:
    assert [c.name for c in DISPOSITION_CHECKS] == [
        "from_ourselves", "mailing_list", "bounce", "auto_reply", "spam"
    ]
    assert [c.name for c in CONTENT_DISPOSITION_CHECKS] == ["not_submission"]
    for check in (*DISPOSITION_CHECKS, *CONTENT_DISPOSITION_CHECKS):
        assert check.description and check.name


JAPANESE = "会議の資料を送ります。写真を添付しました。よろしくお願いします。"


def test_euc_jp_declared_as_iso_2022_jp_is_read_as_japanese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Mis-declared charset (issue 11 item 8): decoded as the same language's encoding,
    not as windows-1258 mojibake, and not taken for a Vietnamese submission."""
    raw = (
        b"From: tanaka@example.jp\r\nTo: toasoan@congdoan.example.vn\r\n"
        b"Subject: =?iso-2022-jp?b?GyRCMnFEJBsoQg==?=\r\nMessage-ID: <jp1@example.jp>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: 8bit"
        b"\r\n\r\n" + JAPANESE.encode("euc-jp") + b"\r\n--b\r\n"
        b'Content-Type: application/pdf; name="shiryou.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    from ingest.mime import parse_message

    mail = parse_message(raw)
    assert JAPANESE in mail.text
    assert "charset_mismatch: declared iso-2022-jp, content is euc-jp" in mail.defects
    result = check_json(tmp_path, raw, capsys)
    assert result["disposition"] == "not_submission"


@pytest.mark.parametrize("encoding", ["euc-jp", "gb2312", "big5", "utf-8"])
def test_mojibake_is_never_vietnamese(encoding: str) -> None:
    """Bytes of another language decoded with windows-1258 show Vietnamese letters (Đ,
    ơ, ư…) among foreign ones: that text is garbled, not Vietnamese."""
    text = {"euc-jp": JAPANESE, "gb2312": "会议资料已发送，照片见附件，谢谢。",
            "big5": "會議資料已寄出，照片請見附件。", "utf-8": "Gửi tin bài hội nghị công đoàn"}
    garbled = text[encoding].encode(encoding).decode("cp1258", errors="replace")
    assert looks_garbled(garbled), garbled
    assert not vietnamese_text(garbled)


@pytest.mark.parametrize("text", [
    "Gửi tin bài hội nghị công đoàn", "Đoàn viên tham gia kéo co",
    "Bài viết về ông François Müller, chuyên gia người Pháp, thăm Công đoàn tỉnh",
    "CÔNG ĐOÀN CƠ SỞ TRƯỜNG THPT CHỢ ĐỒN",
])
def test_real_vietnamese_is_not_garbled(text: str) -> None:
    assert not looks_garbled(text)
    assert vietnamese_text(text)


def test_garbled_attachment_only_mail_is_not_a_submission(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A picture with a GB2312 subject sent raw (no RFC 2047) and no declared charset:
    the subject falls back to windows-1258 (recorded), and the mojibake does not make it
    look like a submission."""
    raw = (
        b"From: spam@example.cn\r\nTo: toasoan@congdoan.example.vn\r\nSubject: "
        + "发票代开请联系我们".encode("gb2312")
        + b"\r\nMessage-ID: <cn1@example.cn>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\n\r\n--b\r\n"
        b'Content-Type: image/gif; name="a.gif"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        b"R0lGODlhAQABAAAAACw=\r\n--b--\r\n"
    )
    from ingest.mime import parse_message

    mail = parse_message(raw)
    assert any(d.startswith("raw_8bit_header: subject decoded as windows-1258") for d in
               mail.defects), mail.defects
    result = check_json(tmp_path, raw, capsys)
    assert result["disposition"] == "not_submission", result
