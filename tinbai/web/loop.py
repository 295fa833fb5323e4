"""The loop with units and contributors on a submission's page (issue 15).

The panel (``_loop_panel.html``, included in the submission page) shows the unit's
approval — who was asked, when, the reminder, who decided and how — with the editors'
buttons to remind the approvers or approve in their place (with a reason); how many
personal status links work, and a button to revoke them; for finance, the near-copies of
the body and the confirmation that it may still be paid. Decisions go through
:mod:`tinbai.approvals` and :mod:`tinbai.textdup`, like the command line.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from store.approvals import HOW_LABELS
from store.base import Row
from store.db import Store
from store.errors import NotFound
from tinbai import textdup
from tinbai.approvals import ApprovalDesk, ApprovalError
from tinbai.web.auth import PAYMENT_VIEWERS, REVIEWERS, require
from tinbai.web.context import WebContext, context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.notify import send_notices

#: Who confirms that a near-copy may be paid (as on the finance pages).
FINANCE: tuple[str, ...] = ("finance",)


def load_submission(store: Store, ref: str) -> Row:
    """The submission of a ``/s/{ref}/…`` path (404 for anything else)."""
    try:
        return store.submissions.get(ref.strip().upper()[:40])
    except NotFound:
        raise HTTPException(404, "Không có tin, bài này.") from None


def panel_values(ctx: WebContext, submission: Row, role: str) -> dict[str, Any]:
    """What the submission page shows of the approval, status links and near-copies."""
    store = ctx.store
    sid = int(submission["id"])
    rounds = store.approvals.of_submission(sid)
    awaiting = submission["status"] == lifecycle.AWAITING_APPROVAL
    duplicates = [p for p in store.submissions.problems_of(sid) if p["code"] == "text_duplicate"]
    refusal = (textdup.paid_copy(store, ctx.config, sid)
               if duplicates and role in PAYMENT_VIEWERS else None)
    return {"panel": {
        "rounds": rounds, "how_labels": HOW_LABELS, "awaiting": awaiting,
        "can_act": role in REVIEWERS and awaiting and any(r["state"] == "pending"
                                                          for r in rounds),
        "links": store.notices.live_links(sid), "can_revoke": role in REVIEWERS,
        "duplicates": duplicates, "refusal": refusal,
        "confirmation": store.texts.confirmation(sid) if duplicates else None,
        "can_confirm": role in FINANCE and bool(duplicates),
    }}


def _back(submission: Row) -> RedirectResponse:
    return RedirectResponse(f"/s/{submission['ref']}#loop", status_code=303)


async def remind(request: Request) -> Response:
    """An editor asks the approvers again now."""
    user = require(request, *REVIEWERS)
    await checked_form(request)
    ctx = context(request)
    submission = load_submission(ctx.store, request.path_params["ref"])
    try:
        count = ApprovalDesk(ctx.config, ctx.store, ctx.outbox).remind_now(
            str(submission["ref"]), actor=str(user["name"]))
    except ApprovalError as exc:
        flash(request, str(exc), "error")
        return _back(submission)
    await send_notices(ctx)
    flash(request, f"Đã gửi thư nhắc tới {count} người duyệt của đơn vị.")
    return _back(submission)


async def approve_in_place(request: Request) -> Response:
    """An editor approves in the unit's place, with a reason (in the history)."""
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    ctx = context(request)
    submission = load_submission(ctx.store, request.path_params["ref"])
    try:
        ApprovalDesk(ctx.config, ctx.store, ctx.outbox).approve_in_place(
            str(submission["ref"]), actor=str(user["name"]),
            reason=str(form.get("reason") or "")[:2000])
    except ApprovalError as exc:
        flash(request, str(exc), "error")
        return _back(submission)
    flash(request, "Đã duyệt thay đơn vị; tin, bài chuyển sang «Chờ duyệt».")
    return _back(submission)


async def revoke_links(request: Request) -> Response:
    """Revoke every personal status link of the submission (the next e-mail has a new one)."""
    user = require(request, *REVIEWERS)
    await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    with store.transaction():
        count = store.notices.revoke_links(int(submission["id"]), by=str(user["name"]))
        store.audit.record(str(user["name"]), "revoke_links", int(submission["id"]),
                           {"count": count})
    flash(request, f"Đã thu hồi {count} liên kết theo dõi.")
    return _back(submission)


async def confirm_duplicate(request: Request) -> Response:
    """Finance confirms that an item with a near-copy may be paid."""
    user = require(request, *FINANCE)
    form = await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    try:
        textdup.confirm(store, str(submission["ref"]), actor=str(user["name"]),
                        note=str(form.get("note") or "")[:2000])
    except (ValueError, NotFound) as exc:
        flash(request, str(exc), "error")
        return _back(submission)
    flash(request, "Đã xác nhận: tin, bài được đưa vào đợt chi sau dù có bài gần trùng.")
    return _back(submission)


ROUTES: list[BaseRoute] = [
    Route("/s/{ref}/unit/remind", remind, methods=["POST"]),
    Route("/s/{ref}/unit/approve", approve_in_place, methods=["POST"]),
    Route("/s/{ref}/links/revoke", revoke_links, methods=["POST"]),
    Route("/s/{ref}/duplicate/confirm", confirm_duplicate, methods=["POST"]),
]
