"""Operational alerts for admins: a row in ``alerts`` and, rate-limited, an email.

Why: the daemon runs unattended for months; a revoked app password or a message that
cannot be processed must reach a person, but a failing login repeated every five
minutes must not flood the admins' inboxes (nor loop: alerts are ``Auto-Submitted``).
The email goes through the transactional outbox like every reply (``Outbox.alert``), so
it is sent by the same retrying sender and survives a crash.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from tinbai import clock
from tinbai.config import Config

#: Vietnamese titles of the alert kinds admins receive (docs/operations.md explains them).
TITLES: dict[str, str] = {
    "auth_failure": "Hộp thư từ chối đăng nhập",
    "quarantined": "Có thư không xử lý được (đã cách ly)",
    "mailbox_unreachable": "Không kết nối được hộp thư",
    "oauth_revoked": "Đăng nhập OAuth của hộp thư đã hết hạn hoặc bị thu hồi",
    "backup_failed": "Sao lưu hằng ngày không thành công",
    "login_burst": "Nhiều lần đăng nhập sai vào trang biên tập",
}


def alert_subject(kind: str) -> str:
    """The subject of an alert email; also the key of its rate limit."""
    return f"[tinbai] Cảnh báo: {TITLES.get(kind, kind)} ({kind})"


def alert_message(config: Config, kind: str, text: str, to_addr: str) -> EmailMessage:
    """The alert email to one admin (queued by :meth:`tinbai.outbox.Outbox.alert`)."""
    sender = config.smtp.from_
    domain = parseaddr(sender)[1].rpartition("@")[2] or "tinbai.invalid"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to_addr
    message["Subject"] = alert_subject(kind)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid("tinbai-alert", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(
        f"{TITLES.get(kind, kind)}\n\n{text}\n\n"
        f"Các cảnh báo cùng loại trong {config.replies.alert_interval_hours:g}"
        " giờ tới chỉ được ghi vào nhật ký, không gửi lại thư.\n"
        "Hướng dẫn xử lý: docs/operations.md (mục Cảnh báo).\n"
    )
    return message
