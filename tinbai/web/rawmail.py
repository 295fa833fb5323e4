"""Raw messages for download; editors get a copy with bank account numbers masked.

The original bytes go to finance and admins. For editors, every text part is decoded,
masked with the submission's :class:`~tinbai.privacy.Redactor` (its known values, and the
generic rule: the text parts are what the contributor typed) and re-encoded; attachments
that are neither text nor images (documents, archives — they may hold the template with
the account number) are replaced by a short note. Headers are masked too.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from tinbai.privacy import Redactor

NOTE = (
    "Tệp đính kèm «{name}» đã được ẩn trong bản tải về của biên tập viên vì có thể chứa "
    "số tài khoản. Kế toán hoặc quản trị tải được bản gốc.\n"
)
UNREADABLE = (
    "Không hiển thị được thư này ở dạng đã che số tài khoản. Kế toán hoặc quản trị tải "
    "được bản gốc.\n"
)


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, AttributeError):
        pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload.decode("utf-8", "replace")
    return str(part.get_payload())


def redacted_eml(raw: bytes, redactor: Redactor) -> bytes:
    """``raw`` with the known account numbers masked and risky attachments replaced."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        for name, value in list(message.items()):
            text = str(value)
            masked = redactor.redact(text, generic=name.lower() == "subject")
            if masked != text:
                message.replace_header(name, masked)
        for part in message.walk():
            if part.is_multipart():
                continue
            assert isinstance(part, EmailMessage)
            maintype = part.get_content_maintype()
            filename = part.get_filename()
            disposition = part.get_content_disposition()
            if maintype == "image":
                continue
            if maintype == "text":
                subtype = part.get_content_subtype()
                text = redactor.redact(_text_of(part), generic=True, html=subtype == "html")
            else:
                text = NOTE.format(name=filename or part.get_content_type())
                subtype = "plain"
                filename = (filename or "tep") + ".txt"
            part.set_content(text, subtype=subtype, charset="utf-8",
                             disposition=disposition, filename=filename)
        return message.as_bytes()
    except Exception:  # hostile or broken MIME: refuse to guess what is safe
        fallback = EmailMessage()
        fallback["Subject"] = "tinbai"
        fallback.set_content(UNREADABLE, charset="utf-8")
        return fallback.as_bytes()
