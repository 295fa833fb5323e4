"""Editors' decisions (SPEC §5), shared by the CLI and the web pages.

Every decision changes the status through the lifecycle, writes the audit log, and —
for rejections and change requests — commits the email to the author in the same
transaction (it is sent by the outbox afterwards).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from store import lifecycle
from store.db import Store
from tinbai.config import Config
from tinbai.pipeline import Pipeline


class DecisionError(ValueError):
    """A decision with invalid arguments (bad date, coefficient…); the message says which."""


def _parse_date(value: str | None) -> str:
    if not value:
        return date.today().isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise DecisionError(
            f"Ngày đăng «{value}» không hợp lệ: hãy viết theo dạng YYYY-MM-DD "
            "(ví dụ 2026-10-15)."
        ) from None


def _parse_coefficient(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise DecisionError(
            f"Hệ số nhuận bút «{value}» không phải là số: hãy viết dạng 1,5 hoặc 1.5."
        ) from None
    if number <= 0 or number > 100:
        raise DecisionError(
            f"Hệ số nhuận bút «{value}» không hợp lệ: hệ số phải lớn hơn 0 và không quá 100."
        )
    return str(number)


def approve(store: Store, ref: str, *, actor: str, note: str | None = None) -> dict[str, Any]:
    """pending_review → approved."""
    with store.transaction():
        submission = store.submission(ref)
        store.set_status(submission["id"], lifecycle.APPROVED, actor=actor, reason=note)
        store.audit(actor, "approve", submission["id"], {"note": note})
    return store.submission(ref)


def publish(
    store: Store, config: Config, ref: str, *, url: str, on: str | None = None,
    genre: str | None = None, coefficient: str | None = None, actor: str,
) -> dict[str, Any]:
    """Record the publication (URL, date, genre, royalty coefficient)."""
    if not url or not url.startswith(("http://", "https://")):
        raise DecisionError(
            "Địa chỉ bài đã đăng (URL) phải bắt đầu bằng http:// hoặc https://: hãy dán "
            "đầy đủ đường dẫn của bài trên trang tin."
        )
    published_date = _parse_date(on)
    coef = _parse_coefficient(coefficient)
    # The genre and coefficient must fit the royalty table in force on the published date;
    # a genre with a single coefficient (or a configured default) fills it in.
    from tinbai.finance.money import RoyaltyError, RoyaltyRules

    try:
        genre, coef_value = RoyaltyRules(config.royalties).resolve(
            genre, coef, date.fromisoformat(published_date)
        )
    except RoyaltyError as exc:
        raise DecisionError(str(exc)) from None
    coef = None if coef_value is None else str(coef_value)
    with store.transaction():
        submission = store.submission(ref)
        extra = {"published_url": url, "published_date": published_date, "genre": genre,
                 "coefficient": coef}
        store.set_status(submission["id"], lifecycle.PUBLISHED, actor=actor,
                         reason=f"đăng tại {url}", extra=extra)
        store.audit(actor, "publish", submission["id"], extra)
    return store.submission(ref)


def reject(pipeline: Pipeline, ref: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Reject from any open state; the reason is emailed to the author."""
    if not reason.strip():
        raise DecisionError(
            "Hãy ghi lý do không sử dụng tin, bài (lý do này được gửi cho tác giả)."
        )
    store = pipeline.store
    with store.transaction():
        submission = store.submission(ref)
        store.set_status(submission["id"], lifecycle.REJECTED, actor=actor, reason=reason,
                         extra={"reject_reason": reason})
        store.audit(actor, "reject", submission["id"], {"reason": reason})
        pipeline.enqueue_decision_reply("rejected", submission, reason)
    return store.submission(ref)


def request_changes(pipeline: Pipeline, ref: str, *, message: str, actor: str) -> dict[str, Any]:
    """Back to needs_fix with a message emailed to the author."""
    if not message.strip():
        raise DecisionError(
            "Hãy ghi nội dung cần bổ sung, sửa chữa (nội dung này được gửi cho tác giả)."
        )
    store = pipeline.store
    with store.transaction():
        submission = store.submission(ref)
        store.set_status(submission["id"], lifecycle.NEEDS_FIX, actor=actor, reason=message)
        store.audit(actor, "request_changes", submission["id"], {"message": message})
        pipeline.enqueue_decision_reply("changes_requested", submission, message)
    return store.submission(ref)
