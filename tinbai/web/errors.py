"""Error pages, in Vietnamese, for every way a request can fail.

A bad id or parameter is a 404 or 400 page saying what was not found; a refused action
403; a body too large 413; too many login attempts 429. An unexpected failure is a 500
page with a reference (``LOI-20270101-3FA2C1``) that is also in the log line carrying the
traceback, so the admin finds what happened from what the user reads out. Nothing in
English, no traceback, reaches the browser.

An id too large for SQLite (``/photos/99999999999999999999/…``) does not reach the
database: route ids use the ``{name:id}`` convertor (1–18 digits, registered in
:mod:`tinbai.web`); should one still get through, it is a 404, not a 500.
"""

from __future__ import annotations

import http
import logging
import secrets
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinbai import clock
from tinbai.web.context import WebContext, context

log = logging.getLogger(__name__)

#: Title and default text of each status, when the code raising it said nothing better.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Địa chỉ hoặc dữ liệu gửi lên không hợp lệ."),
    401: ("Chưa đăng nhập", "Hãy đăng nhập để tiếp tục."),
    403: ("Không được phép", "Tài khoản của bạn không có quyền làm việc này."),
    404: ("Không tìm thấy", "Không có trang hoặc mục này. Có thể địa chỉ bị sai hoặc mục đã "
                            "bị xoá."),
    405: ("Không thực hiện được", "Trang này không nhận thao tác này."),
    413: ("Dữ liệu quá lớn", "Dữ liệu gửi lên quá lớn."),
    429: ("Thử quá nhiều lần", "Bạn đã thử quá nhiều lần; hãy chờ một lát rồi thử lại."),
    500: ("Lỗi hệ thống", "Đã có lỗi ngoài dự kiến. Thao tác chưa được thực hiện. Hãy báo "
                          "cho quản trị viên mã tham chiếu dưới đây."),
    503: ("Máy chủ đang bận", "Máy chủ đang bận, hãy thử lại sau ít giây."),
}


def title_and_text(status: int, detail: object = None) -> tuple[str, str]:
    """The Vietnamese title and text of an error (Starlette's English phrases replaced)."""
    title, default = MESSAGES.get(status, (f"Lỗi {status}", "Không thực hiện được yêu cầu."))
    text = str(detail or "")
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if not text or text == phrase or text.isascii():
        text = default
    return title, text


def new_reference() -> str:
    """A reference for one failure, as the admin will search the log for it."""
    return f"LOI-{clock.today():%Y%m%d}-{secrets.token_hex(3).upper()}"


def error_response(ctx: WebContext, status: int, detail: object = None, *,
                   reference: str | None = None, request: Request | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    """The error page (with the top bar when ``request`` has a logged-in user)."""
    title, text = title_and_text(status, detail)
    values: dict[str, Any] = {"status": status, "title": title, "detail": text,
                              "reference": reference}
    try:
        if request is not None:
            response: Response = ctx.render(request, "error.html", values, status_code=status)
        else:
            html = ctx.env.get_template("error.html").render(
                {"user": None, "nav": [], "flashes": [], "csrf_token": "", **values})
            response = HTMLResponse(html, status_code=status)
    except Exception:  # the error page itself must not fail
        log.exception("the error page could not be rendered")
        response = PlainTextResponse(f"{title}. {text}"
                                     + (f" Mã tham chiếu: {reference}" if reference else ""),
                                     status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's handler of HTTPException (raised by pages and by the router)."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (301, 302, 303, 307, 308):
        return Response(status_code=exc.status_code, headers=exc.headers)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
    return error_response(context(request), exc.status_code, exc.detail, request=request,
                          headers=headers)


class ErrorPages:
    """Catches what the pages did not: a Vietnamese 500 page with a logged reference."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except OverflowError:  # an id beyond SQLite's integers: nothing has it
            if started:
                raise
            log.info("%s %s: an id too large for the database", scope.get("method"),
                     scope.get("path"))
            await error_response(self.ctx, 404)(scope, receive, send)
        except Exception:
            reference = new_reference()
            user = (scope.get("state") or {}).get("user")
            log.exception("error reference %s: %s %s (user %s)", reference,
                          scope.get("method"), scope.get("path"),
                          user["name"] if user else "-")
            if started:
                raise
            await error_response(self.ctx, 500, reference=reference)(scope, receive, send)
