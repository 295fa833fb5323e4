"""Composing replies and notices (Vietnamese, from Jinja2 templates).

Every reply is threaded (RFC 5322 In-Reply-To/References) and marked as automatic
(RFC 3834 ``Auto-Submitted: auto-replied``, or ``auto-generated`` for a notice that
answers no message: an approval request, a digest; Microsoft's
``X-Auto-Response-Suppress: All``) so that out-of-office robots do not answer it and start
a loop. Messages about a submission carry the contributor's personal status link when
there is one (``ReplyContext.status_url``, in the signature).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

import jinja2

from validators.problems import FIELD_LABELS

KINDS: dict[str, str] = {
    "receipt": "Đã nhận tin, bài",
    "fix_request": "Đề nghị bổ sung tin, bài",
    "too_large": "Thư quá dung lượng",
    "rejected": "Tin, bài không được sử dụng",
    "changes_requested": "Đề nghị chỉnh sửa tin, bài",
    # issue 15: the loop with contributors, units and editors
    "approval_request": "Đề nghị duyệt tin, bài",
    "approval_reminder": "Nhắc duyệt tin, bài",
    "approval_done": "Đã ghi nhận ý kiến duyệt",
    "unit_returned": "Lãnh đạo đơn vị trả lại tin, bài",
    "published": "Tin, bài đã được đăng",
    "paid": "Đã chi nhuận bút",
    "fix_reminder": "Nhắc bổ sung tin, bài",
    "digest": "Tóm tắt công việc hằng ngày",
    "quota_reminder": "Nhắc chỉ tiêu tin, bài",
    "quota_summary": "Tình hình chỉ tiêu tin, bài của các đơn vị",
}

#: Kinds that answer no message of the recipient: ``Auto-Submitted: auto-generated``.
GENERATED: frozenset[str] = frozenset({
    "approval_request", "approval_reminder", "digest", "quota_reminder", "quota_summary",
})

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("notifier", "templates"),
    autoescape=False,  # plain-text mail: nothing is interpreted as HTML
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
)


@dataclass
class ReplyContext:
    """What a reply talks about."""

    to_addr: str
    to_name: str
    original_subject: str
    in_reply_to: str | None
    references: list[str]
    ref: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    status_url: str = ""
    """The contributor's personal status link (empty: none configured)."""
    approval: dict[str, Any] | None = None
    """The unit's approval, for the receipt: ``waiting``, ``unit``, ``approvers``,
    ``approved_by``."""
    subject: str | None = None
    """A subject of its own (notices); None: ``Re: <original subject> [ref]``."""


def _short(value: str, limit: int = 120) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def subject_for(kind: str, original_subject: str, ref: str | None) -> str:
    """``Re: <original> [TB-…]``: keeps the thread and carries the reference."""
    base = " ".join((original_subject or KINDS[kind]).split())
    if not base.lower().startswith("re:"):
        base = f"Re: {base}"
    if ref and ref.lower() not in base.lower():
        base = f"{base} [{ref}]"
    return base


def render_body(kind: str, ctx: ReplyContext, board_name: str) -> str:
    """The Vietnamese text of a reply."""
    errors = [p for p in ctx.problems if p.get("severity") == "error"]
    warnings = [p for p in ctx.problems if p.get("severity") == "warning"]
    for p in ctx.problems:
        p.setdefault("label", FIELD_LABELS.get(p.get("field") or "", ""))
    summary = [
        (FIELD_LABELS[key], _short(ctx.fields[key]))
        for key in FIELD_LABELS
        if ctx.fields.get(key) and key != "caption"
    ]
    template = _env.get_template(f"{kind}.txt.j2")
    return template.render(
        greeting_name=ctx.to_name or ctx.fields.get("author") or ctx.to_addr,
        board_name=board_name,
        ref=ctx.ref,
        fields={k: ctx.fields.get(k, "") for k in FIELD_LABELS},
        summary=summary,
        photos=ctx.photos,
        errors=errors,
        warnings=warnings,
        original_subject=ctx.original_subject,
        reason=ctx.reason,
        status_url=ctx.status_url,
        approval=ctx.approval,
        **ctx.extra,
    )


def compose_reply(
    kind: str, ctx: ReplyContext, *, from_header: str, date: datetime | None = None
) -> EmailMessage:
    """A ready-to-send reply of ``kind`` (see :data:`KINDS`), dated ``date`` (the caller's
    clock, in the office's zone; the machine's clock when None)."""
    if kind not in KINDS:
        raise ValueError(f"unknown reply kind {kind!r}")
    board_name, from_addr = parseaddr(from_header)
    domain = from_addr.rpartition("@")[2] or "tinbai.invalid"
    msg = EmailMessage()
    msg["From"] = from_header
    msg["To"] = formataddr((ctx.to_name, ctx.to_addr)) if ctx.to_name else ctx.to_addr
    msg["Subject"] = (" ".join(ctx.subject.split()) if ctx.subject
                      else subject_for(kind, ctx.original_subject, ctx.ref))
    msg["Date"] = format_datetime(date or datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(idstring="tinbai", domain=domain)
    if ctx.in_reply_to:
        msg["In-Reply-To"] = f"<{ctx.in_reply_to}>"
    refs = [r for r in [*ctx.references, ctx.in_reply_to or ""] if r]
    if refs:
        # RFC 5322 §3.6.4: References = parent's References + parent's Message-ID.
        unique = list(dict.fromkeys(refs))
        msg["References"] = " ".join(f"<{r}>" for r in unique[-20:])
    msg["Auto-Submitted"] = "auto-generated" if kind in GENERATED else "auto-replied"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["Precedence"] = "auto_reply"
    if ctx.ref:
        msg["X-Tinbai-Ref"] = ctx.ref
    msg.set_content(render_body(kind, ctx, board_name or "Ban Biên tập"), charset="utf-8")
    return msg
