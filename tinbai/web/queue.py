"""The queue: every submission, filtered, oldest first within a status, paginated in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from store import lifecycle
from tinbai.periods import PeriodError, parse_period
from tinbai.web.auth import READERS, require
from tinbai.web.context import NavItem, context
from tinbai.web.masking import UNMASKED_ROLES, mask_rows
from validators.problems import CATALOGUE

PAGE_SIZE = 50
MAX_PAGE = 100_000

NAV: tuple[NavItem, ...] = (NavItem("/", "Danh sách tin, bài", READERS),)

#: Status tabs in work order (matches the queue's default order).
STATUS_ORDER: tuple[str, ...] = (
    lifecycle.PENDING_REVIEW, lifecycle.APPROVED, lifecycle.AWAITING_APPROVAL,
    lifecycle.NEEDS_FIX, lifecycle.PUBLISHED,
    lifecycle.PAID, lifecycle.REJECTED,
)

#: Short Vietnamese names of problem codes for the filter and the queue's chips.
PROBLEM_LABELS: dict[str, str] = {
    "no_template": "Không có mẫu",
    "missing_field": "Thiếu mục",
    "invalid_phone": "SĐT sai",
    "invalid_bank_account": "STK sai",
    "missing_bank_name": "Thiếu ngân hàng",
    "account_holder_mismatch": "Chủ TK khác tác giả",
    "unknown_unit": "Đơn vị lạ",
    "body_too_short": "Bài quá ngắn",
    "legacy_encoding": "Mã phông cũ",
    "unsupported_document": "Tệp không đọc được",
    "document_unreadable": "Tệp hỏng",
    "multiple_documents": "Nhiều tệp bài",
    "no_photo": "Không có ảnh",
    "photo_embedded": "Ảnh chèn trong bài",
    "photo_no_caption": "Thiếu chú thích ảnh",
    "photo_not_original": "Ảnh không gốc",
    "photo_recompressed": "Ảnh bị nén",
    "photo_resized": "Ảnh bị thu nhỏ",
    "photo_too_small": "Ảnh quá nhỏ",
    "photo_edited": "Ảnh đã chỉnh sửa",
    "photo_screenshot": "Ảnh chụp màn hình",
    "photo_unreadable": "Ảnh hỏng",
    "photo_unsupported_format": "Định dạng ảnh",
    "photo_link_only": "Ảnh gửi qua đường dẫn",
    "photo_duplicate": "Ảnh trùng",
    "bank_account_changed": "Đổi STK",
    "sender_unverified": "Người gửi chưa xác thực",
    "text_duplicate": "Bài gần trùng",
}


#: Short names of the template fields on chips ("Thiếu tác giả, SĐT").
FIELD_SHORT: dict[str, str] = {
    "title": "tít", "body": "nội dung", "caption": "chú thích ảnh", "author": "tác giả",
    "unit": "đơn vị", "phone": "SĐT", "bank_account": "STK", "account_holder": "chủ TK",
    "bank_name": "ngân hàng",
}


def problem_label(code: str) -> str:
    return PROBLEM_LABELS.get(code, "Lỗi khác")


def problem_severity(code: str) -> str:
    info = CATALOGUE.get(code)
    return str(info.severity) if info else "warning"


@dataclass(frozen=True)
class Chip:
    """One short problem label of a list or a version: what, how bad, the codes (tooltip)."""

    label: str
    severity: str
    codes: str


def problem_chips(items: Iterable[Any]) -> list[Chip]:
    """Problems as chips, one per code in order of first appearance: missing fields are
    named ("Thiếu tác giả, SĐT"), repeats counted ("Ảnh bị nén (2 ảnh)").

    ``items`` are problem dicts (``code``, ``field``, ``severity``) or (code, field) pairs.
    """
    grouped: dict[str, list[tuple[str | None, str]]] = {}
    for item in items:
        if isinstance(item, dict):
            code, field = str(item.get("code")), item.get("field")
            severity = str(item.get("severity") or problem_severity(code))
        else:
            code, field = item[0], item[1]
            severity = problem_severity(code)
        grouped.setdefault(code, []).append((field, severity))
    chips = []
    for code, entries in grouped.items():
        severity = "error" if any(s == "error" for _, s in entries) else "warning"
        if code == "missing_field" and any(f for f, _ in entries):
            names = ", ".join(dict.fromkeys(FIELD_SHORT.get(str(f), str(f)) for f, _ in entries
                                            if f))
            label = f"Thiếu {names}"
        elif len(entries) > 1:
            unit = " ảnh" if code.startswith("photo_") else ""
            label = f"{problem_label(code)} ({len(entries)}{unit})"
        else:
            label = problem_label(code)
        chips.append(Chip(label, severity, code))
    return chips


#: Names the templates call to show problem codes.
TEMPLATE_GLOBALS: dict[str, object] = {
    "problem_label": problem_label, "problem_severity": problem_severity,
    "problem_chips": problem_chips,
}


async def queue(request: Request) -> Response:
    user = require(request, *READERS)
    ctx = context(request)
    params = request.query_params
    status = params.get("status") or ""
    if status not in lifecycle.STATUSES:
        status = ""
    unit = (params.get("unit") or "").strip()[:200]
    problem = params.get("problem") or ""
    if problem not in CATALOGUE:
        problem = ""
    search = (params.get("q") or "").strip()[:200]
    period = (params.get("period") or "").strip()[:20]
    try:
        page = min(MAX_PAGE, max(1, int(params.get("page") or 1)))
    except ValueError:
        page = 1
    error = None
    start = end = None
    if period:
        try:
            chosen = parse_period(period)
        except PeriodError as exc:
            error = str(exc)
            period = ""
        else:
            start, end = chosen.start_utc_iso(), chosen.end_utc_iso()
    store = ctx.store
    rows = store.queue.page(
        status=status or None, unit=unit or None, received_from=start,
        received_before=end, problem=problem or None, search=search or None,
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
    )
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if user["role"] not in UNMASKED_ROLES:
        rows = mask_rows(rows, ("title", "author", "unit", "sender_name"), ctx.known_redactor())
    counts = ctx.cached("status_counts", store.queue.status_counts)
    units = [u.name for u in ctx.config.units] or ctx.cached("units", store.queue.units)
    filters: dict[str, Any] = {"status": status, "unit": unit, "period": period,
                               "problem": problem, "q": search}

    def link(**changes: Any) -> str:
        query = {k: v for k, v in {**filters, **changes}.items() if v not in ("", None, 1)}
        return "/?" + urlencode(query) if query else "/"

    return ctx.render(request, "queue.html", {
        "rows": rows, "counts": counts, "total": sum(counts.values()),
        "status_order": STATUS_ORDER, "filters": filters, "units": units,
        "problem_codes": list(CATALOGUE), "page": page, "has_next": has_next,
        "link": link, "error": error, "page_size": PAGE_SIZE,
    })


ROUTES: list[BaseRoute] = [Route("/", queue, methods=["GET"], name="queue")]
