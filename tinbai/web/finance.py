"""Finance and report pages of ``tinbai serve`` (issue 7).

- ``/finance`` (finance, admin): payment batches with totals and what waits; a form to
  create the batch of a period (finance);
- ``/finance/batches/{code}``: payees with whole account numbers, items, totals, the
  flags (account changed, holder not the author) with a confirmation form, downloads in
  every layout, "mark paid" (finance; confirmed with a tick; refused while a flagged
  payee is unconfirmed), and the period's items no batch could take (no usable account,
  no coefficient) with a form to correct the account;
- ``/reports/units?period=2026-Q3`` (every role): the unit report with its SVG chart and
  the public list, downloadable as XLSX, CSV or printable HTML.

Money and batch rules live in :mod:`tinbai.finance`; these handlers only call them. File
writing runs in the thread pool and never touches the store's connection.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from store.db import Store
from store.errors import NotFound
from tinbai import clock, formatting
from tinbai.finance.batches import (
    FLAG_LABELS,
    Batch,
    FinanceError,
    cancel_batch,
    confirm_payee,
    create_batch,
    load_batch,
    mark_paid,
)
from tinbai.finance.export import LayoutError, items_text, layout_for, write_batch
from tinbai.finance.money import RoyaltyError, format_vnd
from tinbai.finance.pending import (
    AccountFixError,
    fix_account,
    left_out,
    suggested_period,
    waiting_by_quarter,
)
from tinbai.periods import Period, PeriodError, current_quarter, parse_period
from tinbai.reports.chart import bar_chart
from tinbai.reports.data import OTHER_KIND, UnitReport, build_unit_report
from tinbai.reports.writers import write_report
from tinbai.web.auth import PAYMENT_VIEWERS, READERS, require
from tinbai.web.context import NavItem, context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.notify import send_notices

#: Who may create batches, confirm flagged payees and mark batches paid.
FINANCE: tuple[str, ...] = ("finance",)

NAV: tuple[NavItem, ...] = (
    NavItem("/finance", "Nhuận bút", PAYMENT_VIEWERS),
    NavItem("/reports/units", "Báo cáo đơn vị", READERS),
)

FORMATS: dict[str, tuple[str, str]] = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "html": ("html", "text/html; charset=utf-8"),
}

_PERIOD_WORDS = {"month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm"}


def _download(data: bytes, filename: str, fmt: str) -> Response:
    _, media = FORMATS[fmt]
    return Response(data, media_type=media, headers={
        "content-disposition": f"attachment; filename=\"{filename}\"; "
                               f"filename*=UTF-8''{quote(filename)}",
    })


async def _written(write: Any, suffix: str) -> bytes:
    """Run ``write(path)`` in the thread pool on a temporary file; return its bytes."""
    def job() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"out.{suffix}"
            write(path)
            return path.read_bytes()

    data: bytes = await run_in_threadpool(job)
    return data


def _batch_or_404(store: Store, code: str) -> Batch:
    try:
        return load_batch(store, code)
    except NotFound:
        raise HTTPException(404, f"Không có đợt chi {code}.") from None


async def batches_page(request: Request) -> Response:
    user = require(request, *PAYMENT_VIEWERS)
    ctx = context(request)
    store = ctx.store
    return ctx.render(request, "finance_batches.html", {
        "batches": store.finance.batches(), "vnd": format_vnd,
        "default_period": suggested_period(store, clock.today()).label,
        "waiting": waiting_by_quarter(store), "period_label": _period_label,
        "today": formatting.date_text(clock.today()), "can_act": user["role"] in FINANCE,
    })


def _period_label(code: str) -> str:
    try:
        return parse_period(code).label
    except PeriodError:
        return code


async def create(request: Request) -> Response:
    user = require(request, *FINANCE)
    ctx = context(request)
    store, config = ctx.store, ctx.config
    form = await checked_form(request)
    try:
        period = parse_period(str(form.get("period") or ""))
    except PeriodError as exc:
        flash(request, str(exc), "error")
        return RedirectResponse("/finance", status_code=303)
    typed = str(form.get("payment_date") or "").strip()
    pay_day = formatting.parse_date_text(typed) if typed else clock.today()
    if pay_day is None:
        flash(request, f"Ngày chi «{typed}» không hợp lệ: hãy viết ngày/tháng/năm, ví dụ "
                       f"{formatting.date_text(clock.today())}.", "error")
        return RedirectResponse("/finance", status_code=303)
    try:
        result = create_batch(store, config, period, actor=str(user["name"]),
                              payment_date=pay_day)
    except RoyaltyError as exc:
        flash(request, f"Không tạo được đợt chi: {exc}", "error")
        return RedirectResponse("/finance", status_code=303)
    for skipped in result.skipped:
        flash(request, f"Chưa chi được {skipped.ref}: {skipped.reason} (xem danh sách "
                       "«Chưa vào đợt chi» để sửa).", "warning")
    if result.batch is None:
        flash(request, f"Không có tin, bài mới nào đã đăng mà chưa chi trong {period.label}: "
                       "không tạo đợt chi.", "warning")
        return RedirectResponse("/finance", status_code=303)
    batch = result.batch
    flash(request, f"Đã tạo đợt chi {batch.code}: {len(batch.payees)} người nhận, "
                   f"{batch.item_count} tin, bài, thực nhận {format_vnd(batch.total_net)} đ.")
    return RedirectResponse(f"/finance/batches/{batch.code}", status_code=303)


async def batch_page(request: Request) -> Response:
    user = require(request, *PAYMENT_VIEWERS)
    ctx = context(request)
    store, config = ctx.store, ctx.config
    batch = _batch_or_404(store, request.path_params["code"])
    period = parse_period(batch.period)
    return ctx.render(request, "finance_batch.html", {
        "batch": batch, "vnd": format_vnd, "items_text": items_text,
        "flag_labels": FLAG_LABELS, "layouts": config.royalties.payment_layouts,
        "default_layout": config.royalties.default_layout,
        "left_out": left_out(store, period), "period": period,
        "can_act": user["role"] in FINANCE and batch.status == "open",
        "can_fix": user["role"] in FINANCE,
    })


async def fix_item_account(request: Request) -> Response:
    """Finance corrects the account of an item no batch could take (with a note)."""
    user = require(request, *FINANCE)
    ctx = context(request)
    form = await checked_form(request)
    back = str(form.get("back") or "/finance")
    back = back if back.startswith("/finance") and "//" not in back else "/finance"
    ref = str(request.path_params["ref"]).strip().upper()
    try:
        ctx.store.submissions.get(ref)
    except NotFound:
        raise HTTPException(404, "Không có tin, bài này.") from None
    try:
        digits = fix_account(ctx.store, ctx.config, ref, str(form.get("account") or ""),
                             note=str(form.get("note") or "")[:2000], actor=str(user["name"]))
    except AccountFixError as exc:
        flash(request, f"Chưa sửa được số tài khoản của {ref}: {exc}", "error")
    else:
        flash(request, f"Đã sửa số tài khoản của {ref} thành {digits}. Lập danh sách chi "
                       "của kỳ một lần nữa để chi tin, bài này.")
    return RedirectResponse(back, status_code=303)


async def confirm(request: Request) -> Response:
    user = require(request, *FINANCE)
    ctx = context(request)
    store = ctx.store
    form = await checked_form(request)
    code = request.path_params["code"]
    _batch_or_404(store, code)
    try:
        position = int(str(form.get("position") or "0"))
        payee = confirm_payee(store, code, position, actor=str(user["name"]),
                              note=str(form.get("note") or ""))
    except (FinanceError, ValueError) as exc:
        flash(request, f"Chưa xác nhận được: {exc}", "error")
    else:
        flash(request, f"Đã xác nhận STT {payee.position} {payee.author} "
                       f"(TK {payee.account_digits}).")
    return RedirectResponse(f"/finance/batches/{code}", status_code=303)


async def paid(request: Request) -> Response:
    user = require(request, *FINANCE)
    ctx = context(request)
    store = ctx.store
    form = await checked_form(request)
    code = request.path_params["code"]
    _batch_or_404(store, code)
    if form.get("confirm") != "yes":
        flash(request, "Chưa đánh dấu đã chi: hãy đánh dấu ô «Tôi xác nhận đã chuyển khoản "
                       "xong» rồi bấm lại.", "error")
        return RedirectResponse(f"/finance/batches/{code}#paid", status_code=303)
    try:
        batch = mark_paid(store, code, actor=str(user["name"]), outbox=ctx.outbox)
    except FinanceError as exc:
        flash(request, f"Chưa đánh dấu đã chi được: {exc}", "error")
    else:
        flash(request, f"Đợt {batch.code} đã chi: {batch.item_count} tin, bài chuyển sang "
                       "«Đã chi nhuận bút».")
        await send_notices(ctx)  # issue 15: the payees' notices
    return RedirectResponse(f"/finance/batches/{code}", status_code=303)


async def cancel(request: Request) -> Response:
    user = require(request, *FINANCE)
    ctx = context(request)
    store = ctx.store
    form = await checked_form(request)
    code = request.path_params["code"]
    _batch_or_404(store, code)
    try:
        batch = cancel_batch(store, code, actor=str(user["name"]),
                             reason=str(form.get("reason") or ""))
    except FinanceError as exc:
        flash(request, f"Chưa huỷ được: {exc}", "error")
    else:
        flash(request, f"Đã huỷ đợt {batch.code}; các tin, bài của đợt có thể lập lại "
                       "danh sách chi.", "warning")
    return RedirectResponse(f"/finance/batches/{code}", status_code=303)


async def batch_download(request: Request) -> Response:
    require(request, *PAYMENT_VIEWERS)
    ctx = context(request)
    store, config = ctx.store, ctx.config
    batch = _batch_or_404(store, request.path_params["code"])
    if batch.status == "cancelled":
        raise HTTPException(404, f"Đợt chi {batch.code} đã huỷ.")
    fmt = request.query_params.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        raise HTTPException(400, "Định dạng phải là xlsx hoặc csv.")
    try:
        layout = layout_for(config, request.query_params.get("layout") or None)
    except LayoutError as exc:
        raise HTTPException(400, str(exc)) from None
    name = request.query_params.get("layout") or config.royalties.default_layout
    labels = formatting.genre_labels(config)
    data = await _written(
        lambda path: write_batch(batch, layout, path, fmt, genre_labels=labels), fmt)
    return _download(data, f"{batch.code}-{name}.{fmt}", fmt)


def _report_for(request: Request) -> tuple[str, Period | None, UnitReport | None]:
    ctx = context(request)
    text = (request.query_params.get("period") or "").strip()[:40] or \
        parse_period(current_quarter(clock.today())).label
    try:
        period = parse_period(text)
    except PeriodError:
        return text, None, None
    return text, period, build_unit_report(ctx.store, ctx.config, period)


async def report_page(request: Request) -> Response:
    require(request, *READERS)
    ctx = context(request)
    text, period, report = _report_for(request)
    values: dict[str, Any] = {"period_text": period.label if period else text,
                              "report": report, "period": period}
    if report is not None:
        rows = [r for r in report.all_rows if r.kind != OTHER_KIND and r.quota is not None]
        values.update({
            "chart": bar_chart(report, width=760),
            "met": sum(1 for r in rows if r.met), "with_quota": len(rows),
            "period_word": _PERIOD_WORDS[report.period.kind],
        })
    return ctx.render(request, "report_units.html", values,
                      status_code=200 if report is not None else 400)


async def report_download(request: Request) -> Response:
    require(request, *READERS)
    text, period, report = _report_for(request)
    fmt = request.query_params.get("format", "xlsx")
    if report is None or period is None:
        raise HTTPException(400, f"Kỳ «{text}» không hợp lệ.")
    if fmt not in FORMATS:
        raise HTTPException(400, "Định dạng phải là xlsx, csv hoặc html.")
    the_report = report
    data = await _written(lambda path: write_report(the_report, path, fmt), fmt)
    return _download(data, f"bao-cao-don-vi-{period.code}.{fmt}", fmt)


ROUTES: list[BaseRoute] = [
    Route("/finance", batches_page, methods=["GET"]),
    Route("/finance/batches", create, methods=["POST"]),
    Route("/finance/batches/{code}", batch_page, methods=["GET"]),
    Route("/finance/batches/{code}/confirm", confirm, methods=["POST"]),
    Route("/finance/batches/{code}/paid", paid, methods=["POST"]),
    Route("/finance/batches/{code}/cancel", cancel, methods=["POST"]),
    Route("/finance/batches/{code}/download", batch_download, methods=["GET"]),
    Route("/finance/items/{ref}/account", fix_item_account, methods=["POST"]),
    Route("/reports/units", report_page, methods=["GET"]),
    Route("/reports/units/download", report_download, methods=["GET"]),
]
