"""Mail that did not become a submission (auto-replies, spam, not an article, failures)
and the operational alerts (login refused by the mailbox, quarantined mail)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tinbai.alerts import TITLES as ALERT_TITLES
from tinbai.web.auth import READERS, REVIEWERS, require
from tinbai.web.context import NavItem, context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.masking import UNMASKED_ROLES, mask_rows

PAGE_SIZE = 50

NAV: tuple[NavItem, ...] = (NavItem("/messages", "Thư khác", READERS),)

KIND_LABELS: dict[str, str] = {
    "not_submission": "Không phải tin, bài",
    "auto_reply": "Trả lời tự động",
    "mailing_list": "Thư từ danh sách",
    "bounce": "Thư báo lỗi gửi",
    "duplicate": "Thư trùng",
    "spam": "Thư rác",
    "quarantined": "Không đọc được (cách ly)",
    "too_large": "Thư quá lớn",
    "failed": "Lỗi xử lý",
    "processed": "Đã xử lý",
    "approval_reply": "Ý kiến duyệt của đơn vị",  # issue 15
    "approval_ignored": "Thư về việc duyệt không được tính",
}


#: What each alert means for the people reading this page (the alert's own text, written
#: for the log, stays in the tooltip; docs/operations.md explains each kind).
ALERT_HINTS: dict[str, str] = {
    "auth_failure": "Hộp thư không nhận mật khẩu: quản trị viên kiểm tra lại mật khẩu ứng "
                    "dụng của hộp thư, rồi đánh dấu đã xử lý.",
    "quarantined": "Có thư không xử lý được; thư gốc vẫn được giữ nguyên. Quản trị viên xem "
                   "nhật ký hệ thống và cho xử lý lại.",
    "mailbox_unreachable": "Không kết nối được tới máy chủ thư; hệ thống tự thử lại. Nếu kéo "
                           "dài, quản trị viên kiểm tra mạng và địa chỉ máy chủ.",
    "oauth_revoked": "Quyền đăng nhập của hộp thư đã hết hạn hoặc bị thu hồi: quản trị viên "
                     "đăng nhập lại cho hộp thư.",
    "backup_failed": "Bản sao lưu hằng ngày không tạo được: quản trị viên kiểm tra thư mục "
                     "sao lưu và dung lượng đĩa.",
}


async def messages(request: Request) -> Response:
    user = require(request, *READERS)
    ctx = context(request)
    store = ctx.store
    kind = request.query_params.get("kind") or ""
    counts = store.messages.other_counts()
    if kind not in counts:
        kind = ""
    try:
        page = min(100_000, max(1, int(request.query_params.get("page") or 1)))
    except ValueError:
        page = 1
    rows = store.messages.others(kind=kind or None, limit=PAGE_SIZE + 1,
                                offset=(page - 1) * PAGE_SIZE)
    alerts = store.outbox.open_alerts()
    if user["role"] not in UNMASKED_ROLES:
        rows = mask_rows(rows, ("subject", "sender_name"), ctx.known_redactor())
        alerts = mask_rows(alerts, ("message",), ctx.known_redactor())

    def link(**changes: Any) -> str:
        query = {k: v for k, v in {"kind": kind, "page": page, **changes}.items()
                 if v not in ("", None, 1)}
        return "/messages?" + urlencode(query) if query else "/messages"

    return ctx.render(request, "messages.html", {
        "rows": rows[:PAGE_SIZE], "has_next": len(rows) > PAGE_SIZE, "page": page,
        "counts": counts, "kind": kind, "kind_labels": KIND_LABELS, "link": link,
        "alerts": alerts, "alert_titles": ALERT_TITLES, "alert_hints": ALERT_HINTS,
        "can_resolve": user["role"] in REVIEWERS,
    })


async def resolve(request: Request) -> Response:
    user = require(request, *REVIEWERS)
    store = context(request).store
    await checked_form(request)
    alert_id = int(request.path_params["aid"])
    with store.transaction():
        if not store.outbox.resolve_alert(alert_id):
            raise HTTPException(404, "Không có cảnh báo này, hoặc cảnh báo đã được xử lý.")
        store.audit.record(user["name"], "resolve_alert", None, {"alert_id": alert_id})
    flash(request, "Đã đánh dấu cảnh báo là đã xử lý.")
    return RedirectResponse("/messages", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/messages", messages, methods=["GET"]),
    Route("/alerts/{aid:id}/resolve", resolve, methods=["POST"]),
]
