"""Operational alerts for admins: a row in ``alerts`` and, rate-limited, an email.

Why: the daemon runs unattended for months; a revoked app password or a message that
cannot be processed must reach a person, but a failing login repeated every five
minutes must not flood the admins' inboxes (nor loop: alerts are ``Auto-Submitted``).
The email goes through the transactional outbox like every reply, so it is sent by the
same retrying sender and survives a crash.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from store.base import utcnow
from store.db import Store
from tinbai.config import Config

log = logging.getLogger(__name__)

#: Vietnamese titles of the alert kinds admins receive (docs/operations.md explains them).
TITLES: dict[str, str] = {
    "auth_failure": "Hộp thư từ chối đăng nhập",
    "quarantined": "Có thư không xử lý được (đã cách ly)",
    "mailbox_unreachable": "Không kết nối được hộp thư",
}


def alert_subject(kind: str) -> str:
    """The subject of an alert email; also the key of its rate limit."""
    return f"[tinbai] Cảnh báo: {TITLES.get(kind, kind)} ({kind})"


def raise_alert(store: Store, config: Config, kind: str, text: str) -> bool:
    """Record an alert and queue an email to ``replies.admin_emails`` unless one of the
    same kind was queued within ``replies.alert_interval_hours``; returns True when queued.

    Joins the caller's transaction when there is one.
    """
    with store.transaction():
        store.outbox.add_alert(kind, text)
        admins = [a for a in config.replies.admin_emails if "@" in a]
        if not admins:
            return False
        subject = alert_subject(kind)
        interval = timedelta(hours=config.replies.alert_interval_hours)
        if store.outbox.alert_emails_since(subject, utcnow() - interval) > 0:
            log.info("alert %s: email already sent within %s, not repeated", kind, interval)
            return False
        sender = config.smtp.from_
        domain = parseaddr(sender)[1].rpartition("@")[2] or "tinbai.invalid"
        for admin in admins:
            message = EmailMessage()
            message["From"] = sender
            message["To"] = admin
            message["Subject"] = subject
            message["Date"] = format_datetime(utcnow())
            message["Message-ID"] = make_msgid("tinbai-alert", domain=domain)
            message["Auto-Submitted"] = "auto-generated"
            message["X-Auto-Response-Suppress"] = "All"
            message.set_content(
                f"{TITLES.get(kind, kind)}\n\n{text}\n\n"
                f"Các cảnh báo cùng loại trong {config.replies.alert_interval_hours:g}"
                " giờ tới chỉ được ghi vào nhật ký, không gửi lại thư.\n"
                "Hướng dẫn xử lý: docs/operations.md (mục Cảnh báo).\n"
            )
            store.outbox.enqueue(
                {"submission_id": None, "message_row_id": None, "kind": "alert",
                 "to_addr": admin, "subject": subject,
                 "reply_message_id": str(message["Message-ID"]).strip("<>"),
                 "raw": message.as_bytes()}
            )
        return True
