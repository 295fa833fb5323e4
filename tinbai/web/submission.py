"""One submission: its fields, problems, photos, history; the editors' decisions.

Decisions go through :mod:`tinbai.decisions` (the same code as ``tinbai publish`` and
``tinbai reject``), so the web and the command line behave the same; the replies they
commit are sent right after by :meth:`tinbai.outbox.Outbox.send_pending`. The handlers
only read the form, call the decision and say what happened; the downloads are in
:mod:`tinbai.web.downloads`.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from store.base import Row
from store.db import Store
from store.errors import InvalidTransition, NotFound
from tinbai import clock, decisions, formatting
from tinbai.approvals import ApprovalDesk
from tinbai.decisions import AlreadyDone, DecisionError, ErrorsLeft, MissingReason
from tinbai.web import loop
from tinbai.web.auth import ADMINS, READERS, REVIEWERS, require
from tinbai.web.context import WebContext, context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.masking import UNMASKED_ROLES, editor_page_values
from tinbai.web.notify import send_notices
from tinbai.web.photocard import photo_cards
from validators.problems import FIELD_LABELS

log = logging.getLogger(__name__)

REF = re.compile(r"^TB-\d{4}-\d{4,}$")

#: Genres of the royalty table, used when the configuration has none.
DEFAULT_GENRES: tuple[tuple[str, str], ...] = (
    ("tin", "Tin"), ("bai", "Bài"), ("anh", "Ảnh"), ("phong_su", "Phóng sự"),
    ("binh_luan", "Bình luận"),
)

#: Fields editors may correct (bank account: admins only, editors never see it whole).
EDITABLE: tuple[str, ...] = (
    "title", "body", "caption", "author", "unit", "phone", "account_holder", "bank_name",
)
ADMIN_EDITABLE: tuple[str, ...] = ("bank_account",)
EDIT_STATES = frozenset({*lifecycle.OPEN_STATES, lifecycle.PUBLISHED})

ACTION_LABELS: dict[str, str] = {
    "approve": "Duyệt",
    "publish": "Ghi nhận đã đăng",
    "reject": "Không sử dụng",
    "request_changes": "Yêu cầu sửa",
    "override": "Bỏ qua lỗi",
    "edit_field": "Sửa mục",
    "note": "Ghi chú",
    "reopen": "Đưa lại vào hàng chờ duyệt",
    "strip_bidi": "Bỏ ký tự đảo chiều chữ",
    # issue 15: the unit's approval, status links, near-copies
    "unit_approve": "Đơn vị duyệt",
    "unit_return": "Đơn vị trả lại",
    "unit_remind": "Nhắc đơn vị duyệt",
    "unit_cancel": "Huỷ đề nghị duyệt (đã sửa đơn vị)",
    "unit_reply_ignored": "Thư trả lời duyệt không được tính",
    "revoke_links": "Thu hồi liên kết theo dõi",
    "confirm_duplicate": "Xác nhận chi dù gần trùng",
    "correct_publication": "Sửa thông tin đăng bài",
    "confirm_payee": "Kế toán xác nhận người nhận",
    "paid": "Đã chi nhuận bút",
    "cancel_batch": "Huỷ đợt chi",
}

REPLY_LABELS: dict[str, str] = {
    "receipt": "Báo đã nhận",
    "fix_request": "Đề nghị bổ sung",
    "rejected": "Báo không sử dụng",
    "changes_requested": "Yêu cầu sửa",
    "too_large": "Thư quá lớn",
    # issue 15
    "approval_request": "Đề nghị đơn vị duyệt",
    "approval_reminder": "Nhắc đơn vị duyệt",
    "approval_done": "Báo người duyệt đã ghi nhận",
    "unit_returned": "Đơn vị trả lại tác giả",
    "published": "Báo đã đăng",
    "paid": "Báo đã chi nhuận bút",
    "fix_reminder": "Nhắc bổ sung",
}

def genres(ctx: WebContext) -> list[tuple[str, str]]:
    """Genres of the coefficient table in force today (``royalties``), else the defaults,
    as (key, "Tin (hệ số 0,5–1)")."""
    royalties: Any = getattr(ctx.config, "royalties", None)
    tables: list[Any] = list(getattr(royalties, "coefficient_tables", None) or [])
    today = clock.today()
    in_force = [t for t in tables if t.since <= today] or tables
    if not in_force:
        return list(DEFAULT_GENRES)
    result = []
    for key, genre in in_force[-1].genres.items():
        low, high = formatting.decimal_text(genre.min), formatting.decimal_text(genre.max)
        span = low if low == high else f"{low}–{high}"
        result.append((str(key), f"{genre.label} (hệ số {span})"))
    return result


def _json(text: object, default: Any) -> Any:
    try:
        return json.loads(str(text)) if text else default
    except ValueError:
        return default


def _reply_text(raw: object) -> str:
    try:
        data = raw if isinstance(raw, bytes | bytearray | memoryview) else b""
        message = email.message_from_bytes(bytes(data), policy=email.policy.default)
        body = message.get_body(("plain",))
        return str(body.get_content()) if body is not None else ""
    except Exception:
        return ""


def _transition_error(submission: Row, to_status: str) -> str | None:
    if lifecycle.can_move(submission["status"], to_status):
        return None
    labels = lifecycle.STATUS_LABELS
    return (f"Không thể chuyển tin, bài từ «{labels.get(submission['status'])}» sang "
            f"«{labels.get(to_status)}».")


def load_submission(store: Store, ref: str) -> Row:
    """The submission of a ``/s/{ref}`` path (404 for anything else)."""
    ref = ref.strip().upper()
    if not REF.match(ref):
        raise HTTPException(404, "Không có tin, bài này.")
    try:
        return store.submissions.get(ref)
    except NotFound:
        raise HTTPException(404, "Không có tin, bài này.") from None


def _back(submission: Row, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/s/{submission['ref']}{anchor}", status_code=303)


# -- the page ------------------------------------------------------------------------------


def _versions(store: Store, sid: int) -> list[dict[str, Any]]:
    versions = []
    for version in store.submissions.versions(sid):
        candidate = _json(version["candidate_json"], {})
        versions.append({
            **version,
            "fields": candidate.get("fields") or {},
            "problems": _json(version["problems_json"], []),
        })
    return versions


def _panel_note(status: str, batch: Row | None) -> str:
    """What the decisions panel says when no decision is left to make."""
    if status == lifecycle.PUBLISHED and batch is not None:
        return (f"Đã đăng và đã vào đợt chi {batch['code']}: người nhận và số tiền đã chốt "
                "trong đợt chi (sửa các mục không làm đổi đợt chi); thông tin đăng bài chỉ còn "
                "sửa được địa chỉ.")
    if status == lifecycle.PUBLISHED:
        return ("Đã đăng. Vẫn sửa được các mục và thông tin đăng bài cho đến khi vào danh "
                "sách chi nhuận bút.")
    if status == lifecycle.PAID:
        return "Đã chi nhuận bút: tin, bài đã đóng, không sửa được nữa."
    if status == lifecycle.REJECTED:
        return "Không sử dụng: tin, bài đã đóng, không sửa được nữa."
    return ""


def render_page(
    request: Request, submission: Row, *, publish_form: dict[str, str] | None = None,
    publish_error: str | None = None, status_code: int = 200,
) -> Response:
    """The submission page; ``publish_form`` and ``publish_error`` keep what the editor
    typed in the publish (or correction) form and say, beside it, why it was refused."""
    user = require(request, *READERS)
    ctx = context(request)
    store = ctx.store
    sid = int(submission["id"])
    replies = [{**r, "text": _reply_text(r["raw"]), "raw": None}
               for r in store.outbox.of_submission(sid)]
    audit = [{**a, "detail": _json(a["detail_json"], {})}
             for a in store.audit.of_submission(sid)]
    role = user["role"]
    can_review = role in REVIEWERS
    status = submission["status"]
    problems = store.submissions.problems_of(sid)
    published = status in (lifecycle.PUBLISHED, lifecycle.PAID)
    batch = store.finance.batch_of_submission(sid) if published else None
    values = {
        "s": submission,
        "problems": problems,
        "photos": photo_cards(ctx, sid, problems),
        "messages": store.messages.of_submission(sid),
        "versions": _versions(store, sid),
        "history": store.submissions.history(sid),
        "replies": replies,
        "audit": audit,
        "notes": store.submissions.notes_of(sid) if can_review else [],
        "field_labels": FIELD_LABELS,
        "editable": [*EDITABLE, *(ADMIN_EDITABLE if role in ADMINS else ())],
        "can_review": can_review,
        "can_edit": can_review and status in EDIT_STATES,
        "is_open": status in lifecycle.OPEN_STATES,
        "can_approve": can_review and status == lifecycle.PENDING_REVIEW,
        "can_publish": can_review and lifecycle.can_move(status, lifecycle.PUBLISHED),
        "can_correct": can_review and status == lifecycle.PUBLISHED,
        "batch": batch,
        "can_reopen": can_review and status == lifecycle.NEEDS_FIX
        and store.submissions.active_error_count(sid) == 0,
        "panel_note": _panel_note(status, batch),
        "registry_units": [u.name for u in ctx.config.units],
        "show_bank": role in ("finance", "admin"),
        "genres": genres(ctx),
        "publish_form": publish_form or {},
        "publish_error": publish_error,
        "today": formatting.date_text(clock.today()),
        "action_labels": ACTION_LABELS,
        "reply_labels": REPLY_LABELS,
        **loop.panel_values(ctx, submission, role),  # issue 15: approval, links, copies
    }
    redactor = ctx.redactor_for(sid)
    if role not in UNMASKED_ROLES:
        values = editor_page_values(values, redactor)
    return ctx.render(request, "submission.html", values, redactor=redactor,
                      status_code=status_code)


async def page(request: Request) -> Response:
    require(request, *READERS)
    submission = load_submission(context(request).store, request.path_params["ref"])
    return render_page(request, submission)


# -- decisions -----------------------------------------------------------------------------


async def approve(request: Request) -> Response:
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    error = _transition_error(submission, lifecycle.APPROVED)
    if error:
        flash(request, error, "error")
        return _back(submission)
    try:
        decisions.approve(store, submission["ref"], actor=user["name"],
                          note=str(form.get("note") or "").strip()[:2000] or None)
    except InvalidTransition:
        flash(request, "Trạng thái vừa thay đổi; hãy xem lại tin, bài.", "error")
    else:
        flash(request, f"Đã duyệt {submission['ref']}.")
    return _back(submission)


async def reject(request: Request) -> Response:
    return await _with_reply(request, "reject")


async def request_changes(request: Request) -> Response:
    return await _with_reply(request, "request_changes")


async def _with_reply(request: Request, action: str) -> Response:
    """A decision emailed to the author: commit it with its reply, then send at once."""
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    ctx = context(request)
    store = ctx.store
    submission = load_submission(store, request.path_params["ref"])
    text = str(form.get("reason") or "").strip()[:5000]
    to_status = lifecycle.REJECTED if action == "reject" else lifecycle.NEEDS_FIX
    error = _transition_error(submission, to_status)
    if error:
        flash(request, error, "error")
        return _back(submission)
    try:
        if action == "reject":
            decisions.reject(store, ctx.outbox, submission["ref"], reason=text,
                             actor=user["name"])
        else:
            decisions.request_changes(store, ctx.outbox, submission["ref"], message=text,
                                      actor=user["name"])
    except MissingReason:
        flash(request, "Hãy ghi lý do (nội dung này được gửi cho tác giả).", "error")
        return _back(submission, f"#{action}")
    except (DecisionError, InvalidTransition) as exc:
        flash(request, f"Chưa thực hiện được: {exc}", "error")
        return _back(submission)
    try:
        await run_in_threadpool(ctx.send_replies)
    except Exception:  # committed: the outbox retries; the editor's decision stands
        log.exception("sending the reply for %s failed", submission["ref"])
    sent = store.outbox.of_submission(int(submission["id"]))[-1:]
    state = sent[0]["state"] if sent else "pending"
    done = "Đã chuyển sang «Không sử dụng»" if action == "reject" else "Đã yêu cầu tác giả sửa"
    if state == "sent":
        flash(request, f"{done}; thư đã gửi tới {submission['sender']}.")
    else:
        flash(request, f"{done}; thư cho tác giả chưa gửi được, hệ thống sẽ gửi lại.",
              "warning")
    return _back(submission)


async def reopen(request: Request) -> Response:
    """needs_fix → pending_review when no error is left (tinbai.decisions.reopen)."""
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    note = str(form.get("note") or "").strip()[:2000]
    try:
        decisions.reopen(store, submission["ref"], actor=user["name"], note=note)
    except ErrorsLeft as exc:
        flash(request, str(exc), "error")
        return _back(submission, "#problems")
    except DecisionError as exc:
        flash(request, str(exc), "error")
        return _back(submission)
    flash(request, "Đã đưa tin, bài vào «Chờ duyệt».")
    return _back(submission)


async def override(request: Request) -> Response:
    """An editor overrides one problem's verdict (tinbai.decisions.override)."""
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    problem_id = int(request.path_params["pid"])
    note = str(form.get("note") or "").strip()[:2000]
    try:
        settled = decisions.override(store, submission["ref"], problem_id, actor=user["name"],
                                     note=note)
    except NotFound:
        raise HTTPException(404, "Không có lỗi này.") from None
    except MissingReason as exc:
        flash(request, str(exc), "error")
        return _back(submission, f"#problem-{problem_id}")
    except AlreadyDone as exc:
        flash(request, str(exc), "warning")
        return _back(submission)
    except DecisionError as exc:
        flash(request, str(exc), "error")
        return _back(submission)
    moved = " Không còn lỗi nào: tin, bài chuyển sang «Chờ duyệt»." if settled.moved else ""
    flash(request, "Đã bỏ qua lỗi." + moved)
    return _back(submission, "#problems")


async def edit(request: Request) -> Response:
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    ctx = context(request)
    submission = load_submission(ctx.store, request.path_params["ref"])
    if submission["status"] not in EDIT_STATES:
        flash(request, "Tin, bài đã đóng: không sửa được nữa.", "error")
        return _back(submission)
    allowed = [*EDITABLE, *(ADMIN_EDITABLE if user["role"] in ADMINS else ())]
    if ctx.config.units:
        allowed.append("unit_name")
    # an editor was shown the values masked: a mask left in place keeps what it hides
    restore = (None if user["role"] in UNMASKED_ROLES
               else ctx.redactor_for(int(submission["id"])).restore)
    changes = _changes(submission, form, allowed, restore)
    if not changes:
        flash(request, "Không có mục nào thay đổi.", "warning")
        return _back(submission, "#fields")
    units = {u.name for u in ctx.config.units}
    if "unit_name" in changes and changes["unit_name"] not in units | {None}:
        flash(request, "Đơn vị không có trong danh mục.", "error")
        return _back(submission, "#fields")
    result = decisions.edit_fields(ctx.store, ctx.config, str(submission["ref"]), changes,
                                   actor=user["name"])
    names = ", ".join(FIELD_LABELS.get(k, k) for k in result.changed)
    checked = (f"Đã kiểm tra lại: còn {result.open_errors} lỗi."
               if result.open_errors else "Đã kiểm tra lại: không còn lỗi.")
    if result.moved_to_review:
        checked += " Tin, bài chuyển sang «Chờ duyệt»."
    if ctx.store.submissions.get(str(submission["ref"])).get("unit_name") != submission.get(
            "unit_name"):  # the unit changed (picked, or matched from the corrected text)
        approval = ApprovalDesk(ctx.config, ctx.store, ctx.outbox).follow_unit(
            str(submission["ref"]), actor=str(user["name"]))
        if approval:
            checked += f" {approval}"
            await send_notices(ctx)
    flash(request, f"Đã lưu: {names}. {checked}")
    return _back(submission, "#fields")


async def add_note(request: Request) -> Response:
    user = require(request, *REVIEWERS)
    form = await checked_form(request)
    store = context(request).store
    submission = load_submission(store, request.path_params["ref"])
    body = str(form.get("body") or "").strip()[:5000]
    if not body:
        flash(request, "Ghi chú trống.", "error")
        return _back(submission, "#notes")
    with store.transaction():
        note_id = store.submissions.add_note(int(submission["id"]), author=user["name"],
                                             body=body)
        store.audit.record(user["name"], "note", int(submission["id"]), {"note_id": note_id})
    flash(request, "Đã thêm ghi chú.")
    return _back(submission, "#notes")


ROUTES: list[BaseRoute] = [
    Route("/s/{ref}", page, methods=["GET"], name="submission"),
    Route("/s/{ref}/approve", approve, methods=["POST"]),
    Route("/s/{ref}/reject", reject, methods=["POST"]),
    Route("/s/{ref}/request-changes", request_changes, methods=["POST"]),
    Route("/s/{ref}/reopen", reopen, methods=["POST"]),
    Route("/s/{ref}/problems/{pid:id}/override", override, methods=["POST"]),
    Route("/s/{ref}/edit", edit, methods=["POST"]),
    Route("/s/{ref}/notes", add_note, methods=["POST"]),
]


def _changes(submission: Row, form: FormData, allowed: list[str],
             restore: Callable[[str, str], str] | None = None) -> dict[str, str | None]:
    """Fields whose submitted value differs from the stored one (line ends normalised;
    ``restore`` puts back what the masks an editor saw stand for)."""
    changes: dict[str, str | None] = {}
    for key in allowed:
        if key not in form:
            continue
        new = str(form.get(key) or "").replace("\r\n", "\n").strip()
        old = str(submission.get(key) or "").replace("\r\n", "\n").strip()
        if restore is not None:
            new = restore(new, old)
        if new != old:
            changes[key] = new or None
    return changes
