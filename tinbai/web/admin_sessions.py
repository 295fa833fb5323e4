"""Admins see who is logged in where, and end sessions: one, a user's, or all.

Sessions are kept on the server (:mod:`tinbai.web.sessions`), so ending one takes effect
on that browser's next request. "End all" keeps the admin's own session.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tinbai.web import sessions
from tinbai.web.auth import ADMINS, require
from tinbai.web.context import NavItem, context, flash
from tinbai.web.csrf import checked_form

NAV: tuple[NavItem, ...] = (NavItem("/admin/sessions", "Phiên đăng nhập", ADMINS),)


def _back() -> RedirectResponse:
    return RedirectResponse("/admin/sessions", status_code=303)


async def sessions_page(request: Request) -> Response:
    require(request, *ADMINS)
    ctx = context(request)
    return ctx.render(request, "sessions.html", {
        "sessions": ctx.store.sessions.active(), "current": sessions.current_id(request),
    })


async def end_one(request: Request) -> Response:
    admin = require(request, *ADMINS)
    await checked_form(request)
    store = context(request).store
    sid = int(request.path_params["sid"])
    found = {int(row["id"]): row for row in store.sessions.active()}
    if sid not in found:
        raise HTTPException(404, "Không có phiên đăng nhập này (có thể đã kết thúc).")
    with store.transaction():
        store.sessions.delete(sid)
        store.audit.record(admin["name"], "session_end", None, {"user": found[sid]["name"]})
    flash(request, f"Đã kết thúc một phiên của «{found[sid]['name']}».")
    return _back()


async def end_of_user(request: Request) -> Response:
    admin = require(request, *ADMINS)
    await checked_form(request)
    store = context(request).store
    user = store.users.by_id(int(request.path_params["uid"]))
    if user is None:
        raise HTTPException(404, "Không có người dùng này.")
    with store.transaction():
        ended = store.sessions.delete_of_user(int(user["id"]),
                                              keep=sessions.current_id(request))
        store.audit.record(admin["name"], "session_end_user", None,
                           {"user": user["name"], "sessions_ended": ended})
    flash(request, f"Đã kết thúc {ended} phiên của «{user['name']}».")
    return _back()


async def end_all(request: Request) -> Response:
    admin = require(request, *ADMINS)
    await checked_form(request)
    store = context(request).store
    with store.transaction():
        ended = store.sessions.delete_all(keep=sessions.current_id(request))
        store.audit.record(admin["name"], "session_end_all", None, {"sessions_ended": ended})
    flash(request, f"Đã kết thúc {ended} phiên đăng nhập (trừ phiên của bạn).")
    return _back()


ROUTES: list[BaseRoute] = [
    Route("/admin/sessions", sessions_page, methods=["GET"]),
    Route("/admin/sessions/end-all", end_all, methods=["POST"]),
    Route("/admin/sessions/{sid:id}/end", end_one, methods=["POST"]),
    Route("/admin/users/{uid:id}/end-sessions", end_of_user, methods=["POST"]),
]
