"""Pages opened from e-mails without an account (issue 15).

- ``/t/{token}``: a contributor's personal status link — that submission's status, its
  history, what is still missing, the published URL and the payment with the account
  masked; nothing else, read-only, and a revoked link says so (410).
- ``/a/{token}``: an approver's signed, expiring link (:mod:`tinbai.links`) — the item as
  in the approval e-mail and two buttons, approve or return with a reason. Opening it
  changes nothing (mail scanners follow links); only the POST of a button decides.

Both paths are public (``tinbai.web.auth.PUBLIC_PREFIXES``); forms carry the session's
CSRF token like every other form.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from store.approvals import HOW_LABELS
from store.base import Row
from store.errors import NotFound
from tinbai.approvals import ApprovalDesk, item_view
from tinbai.finance.money import format_vnd
from tinbai.links import LinkError, read_approval_token
from tinbai.web.context import WebContext, context
from tinbai.web.csrf import checked_form
from tinbai.web.masking import mask_account
from tinbai.web.notify import send_notices

log = logging.getLogger(__name__)

#: What the contributor reads of each status change (no names of editors, no notes).
PUBLIC_STEPS: dict[str, str] = {
    lifecycle.NEEDS_FIX: "Cần bổ sung, sửa theo thư của Ban Biên tập",
    lifecycle.AWAITING_APPROVAL: "Chờ lãnh đạo đơn vị duyệt",
    lifecycle.PENDING_REVIEW: "Ban Biên tập đang xem xét",
    lifecycle.APPROVED: "Ban Biên tập đã duyệt, chờ đăng",
    lifecycle.PUBLISHED: "Đã đăng",
    lifecycle.PAID: "Đã chi nhuận bút",
    lifecycle.REJECTED: "Không sử dụng",
}


def _message(ctx: WebContext, request: Request, title: str, text: str,
             status_code: int) -> Response:
    return ctx.render(request, "public_message.html", {"title": title, "text": text},
                      status_code=status_code)


def _payment(ctx: WebContext, sid: int) -> dict[str, Any] | None:
    row = ctx.store.finance.payment_of(sid)
    if row is None:
        return None
    return {"batch": row["code"], "paid": row["status"] == "paid",
            "paid_at": row["paid_at"], "payment_date": row["payment_date"],
            "item_gross": format_vnd(int(row["item_gross"])),
            "gross": format_vnd(int(row["gross"])),
            "tax": format_vnd(int(row["tax"])), "net": format_vnd(int(row["net"])),
            "account": mask_account(row["account_digits"]), "bank": row["bank_short_name"] or ""}


async def status_page(request: Request) -> Response:
    """A contributor's status link: one submission, read-only."""
    ctx = context(request)
    store = ctx.store
    link = store.notices.link(str(request.path_params["token"]))
    if link is None:
        return _message(ctx, request, "Không tìm thấy", "Liên kết theo dõi không đúng: hãy mở "
                        "lại đúng liên kết trong thư của Ban Biên tập.", 404)
    if link["revoked_at"]:
        return _message(ctx, request, "Liên kết đã bị thu hồi", "Liên kết này đã bị Ban Biên "
                        "tập thu hồi. Thư sau của Ban Biên tập sẽ có liên kết mới; cần gấp, "
                        "đồng chí trả lời thư của Ban Biên tập.", 410)
    sid = int(link["submission_id"])
    submission = store.submissions.get(sid)
    missing = [p["message"] for p in store.submissions.problems_of(sid)
               if p["severity"] == "error" and not p["overridden_at"]]
    approval = store.approvals.pending_of(sid)
    steps = [{"at": h["at"], "label": PUBLIC_STEPS.get(h["to_status"], h["to_status"])}
             for h in store.submissions.history(sid)]
    return ctx.render(request, "status.html", {
        "s": submission, "steps": steps, "status_label": PUBLIC_STEPS.get(
            submission["status"], submission["status"]),
        "missing": missing if submission["status"] == lifecycle.NEEDS_FIX else [],
        "waiting_unit": approval["unit_name"] if approval and submission["status"]
        == lifecycle.AWAITING_APPROVAL else None,
        "payment": _payment(ctx, sid),
    })


def _approval_of(ctx: WebContext, token: str) -> tuple[Row, Row, str]:
    """(approval, submission, approver) of a valid link; LinkError otherwise."""
    named = read_approval_token(ctx.config, token)
    approval = ctx.store.approvals.get(named.approval_id)
    if approval is None or int(approval["submission_id"]) != named.submission_id:
        raise LinkError("Liên kết duyệt không đúng: hãy mở lại đúng liên kết trong thư.")
    if named.approver not in approval["approvers"]:
        raise LinkError("Địa chỉ của đồng chí không còn trong danh sách người duyệt của đơn "
                        "vị; hãy liên hệ Ban Biên tập.")
    try:
        submission = ctx.store.submissions.get(named.submission_id)
    except NotFound:
        raise LinkError("Không tìm thấy tin, bài của liên kết này.") from None
    return approval, submission, named.approver


def _decided(approval: Row) -> str:
    state = {"approved": "đã được duyệt", "returned": "đã được trả lại tác giả",
             "cancelled": "không còn chờ duyệt"}.get(str(approval["state"]), "đã có quyết định")
    how = HOW_LABELS.get(str(approval["decided_how"] or ""), "")
    who = f" bởi {approval['decided_by']}" if approval["decided_by"] else ""
    return f"Tin, bài này {state}{who}{f' ({how})' if how else ''}."


async def approval_page(request: Request) -> Response:
    """An approver's link: the item and the two buttons (nothing is decided by opening)."""
    ctx = context(request)
    token = str(request.path_params["token"])
    try:
        approval, submission, approver = _approval_of(ctx, token)
    except LinkError as exc:
        return _message(ctx, request, "Không dùng được liên kết", str(exc), 400)
    open_round = (approval["state"] == "pending"
                  and submission["status"] == lifecycle.AWAITING_APPROVAL)
    return ctx.render(request, "approval_link.html", {
        "item": item_view(ctx.store, submission), "approver": approver,
        "unit": approval["unit_name"], "token": token, "open": open_round,
        "decided": None if open_round else _decided(approval),
    })


async def approval_decide(request: Request) -> Response:
    """The approver's button: approve, or return with a reason."""
    ctx = context(request)
    form = await checked_form(request)
    token = str(request.path_params["token"])
    try:
        approval, submission, approver = _approval_of(ctx, token)
    except LinkError as exc:
        return _message(ctx, request, "Không dùng được liên kết", str(exc), 400)
    action = str(form.get("action") or "")
    reason = str(form.get("reason") or "").strip()[:2000]
    if action not in ("approve", "return") or (action == "return" and not reason):
        return _message(ctx, request, "Chưa ghi nhận", "Muốn trả lại tác giả, đồng chí ghi lý "
                        "do rồi bấm «Trả lại tác giả».", 400)
    desk = ApprovalDesk(ctx.config, ctx.store, ctx.outbox)
    with ctx.store.transaction():
        done = desk.decide(approval, approve=action == "approve", by=approver, how="link",
                           reason=reason)
    if not done:
        fresh = ctx.store.approvals.get(int(approval["id"])) or approval
        return _message(ctx, request, "Đã có quyết định", _decided(fresh), 409)
    await send_notices(ctx)
    log.info("%s: %s by link from %s", submission["ref"], action, approver)
    text = (f"Đã ghi nhận: đồng chí đã duyệt tin, bài {submission['ref']}; tin, bài được "
            "chuyển tới Ban Biên tập." if action == "approve" else
            f"Đã ghi nhận: tin, bài {submission['ref']} được trả lại tác giả với lý do của "
            "đồng chí.")
    return _message(ctx, request, "Cảm ơn đồng chí", text, 200)


ROUTES: list[BaseRoute] = [
    Route("/t/{token}", status_page, methods=["GET"]),
    Route("/a/{token}", approval_page, methods=["GET"]),
    Route("/a/{token}", approval_decide, methods=["POST"]),
]
