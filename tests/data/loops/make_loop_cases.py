"""Writes the mail-loop cases (issue 5 "Loops"): messages that must never be answered.

Run: python tests/data/loops/make_loop_cases.py. Each case carries a complete submission form
where that makes sense, so it is the loop rule alone that keeps a reply from going out.
``expected.json`` maps each file to the disposition (or, for SPF/DMARC failures, the
warning) that ``tinbai check --json`` must report.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent

FORM = """1. Tít tin, bài: Công đoàn cơ sở tổ chức hội thao chào mừng ngày thành lập
2. Nội dung bài viết:
Sáng nay, Công đoàn cơ sở trường Tiểu học Nam Cường tổ chức hội thao cho đoàn viên.
3. Chú thích ảnh: Đoàn viên tham gia kéo co
4. Tác giả: Nguyễn Văn An
5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh
6. Số điện thoại: 0983 123 789
7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank
8. Tên chủ tài khoản: Nguyễn Văn An
"""


def message(headers: dict[str, str], body: str = FORM, *, content_type: str | None = None) -> str:
    base = {
        "From": "Nguyễn Văn An <an.nv@example.org>",
        "To": "toasoan@congdoan.example.vn",
        "Subject": "Gửi tin bài hội thao",
        "Date": "Sat, 21 Nov 2026 09:00:00 +0700",
        "MIME-Version": "1.0",
    }
    base.update(headers)
    lines = [f"{k}: {v}" for k, v in base.items() if v is not None]
    if content_type is None:
        lines += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
    else:
        lines.append(f"Content-Type: {content_type}")
    return "\r\n".join(lines) + "\r\n\r\n" + body.replace("\n", "\r\n")


DSN_BODY = """This is a MIME-encapsulated message.

--dsn-boundary
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to ctv@example.org.

--dsn-boundary
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Final-Recipient: rfc822; ctv@example.org
Action: failed
Status: 5.1.1

--dsn-boundary
Content-Type: message/rfc822

From: toasoan@congdoan.example.vn
To: ctv@example.org
Subject: Re: Gửi tin bài

Ban Biên tập đã nhận được tin, bài.
--dsn-boundary--
"""

CASES: dict[str, tuple[str, str]] = {
    "auto_submitted.eml": (message({"Auto-Submitted": "auto-replied",
                                    "Subject": "Re: Gửi tin bài"}), "auto_reply"),
    "out_of_office_subject.eml": (message({"Subject": "Out of Office: Gửi tin bài"}),
                                  "auto_reply"),
    "tra_loi_tu_dong.eml": (message({"Subject": "Trả lời tự động: đang nghỉ phép"}),
                            "auto_reply"),
    "outlook_rules_loop.eml": (message({"X-MS-Exchange-Inbox-Rules-Loop": "an.nv@example.org"}),
                               "auto_reply"),
    "x_autoreply.eml": (message({"X-Autoreply": "yes"}), "auto_reply"),
    "precedence_bulk.eml": (message({"Precedence": "bulk"}), "auto_reply"),
    "bounce_dsn.eml": (message(
        {"From": "Mail Delivery System <MAILER-DAEMON@mx.example.org>",
         "Subject": "Undelivered Mail Returned to Sender"},
        DSN_BODY,
        content_type='multipart/report; report-type=delivery-status; boundary="dsn-boundary"',
    ), "bounce"),
    "dsn_from_a_person_address.eml": (message(
        {"From": "bounces@example.org", "Subject": "Delivery Status Notification (Failure)"},
        DSN_BODY,
        content_type='multipart/report; report-type=delivery-status; boundary="dsn-boundary"',
    ), "bounce"),
    "mailer_daemon.eml": (message({"From": "postmaster@example.org",
                                   "Subject": "failure notice"}), "bounce"),
    "empty_return_path.eml": (message({"Return-Path": "<>",
                                       "Subject": "Delivery Status Notification (Delay)"}),
                              "bounce"),
    "mailing_list_id.eml": (message({"List-Id": "Tin tuc <tintuc.lists.example.org>"}),
                            "mailing_list"),
    "mailing_list_unsubscribe.eml": (message(
        {"List-Unsubscribe": "<mailto:leave@lists.example.org>"}), "mailing_list"),
    "precedence_list.eml": (message({"Precedence": "list"}), "mailing_list"),
    "from_ourselves.eml": (message({"From": "Ban Biên tập <toasoan@congdoan.example.vn>",
                                    "Subject": "Re: Gửi tin bài [TB-2026-0001]"}),
                           "auto_reply"),
    "spam_flag.eml": (message({"X-Spam-Flag": "YES"}), "spam"),
    "spam_status.eml": (message({"X-Spam-Status": "Yes, score=12.3 required=5.0"}), "spam"),
    "not_submission.eml": (message({"Subject": "Hỏi thăm"},
                                   "Chào anh, cuối tuần này anh có rảnh không?\n"),
                           "not_submission"),
    "spf_dmarc_fail.eml": (message({
        "Authentication-Results": "mx.congdoan.example.vn; spf=fail smtp.mailfrom=example.org;"
                                  " dkim=none; dmarc=fail header.from=example.org",
    }), "sender_unverified"),
}


def main() -> None:
    for name, (text, _) in CASES.items():
        (HERE / name).write_bytes(text.encode("utf-8"))
    expected = {name: verdict for name, (_, verdict) in CASES.items()}
    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
