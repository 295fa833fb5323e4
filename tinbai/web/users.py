"""Admins manage users: add, change role, reset password, disable or enable.

A new password or a disabled user ends every session of that user at once (sessions
are kept on the server: :mod:`tinbai.web.sessions`); the admins' list of sessions is
:mod:`tinbai.web.admin_sessions`.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tinbai.web import sessions
from tinbai.web.auth import (
    ADMINS,
    MIN_PASSWORD_LENGTH,
    ROLES,
    UserError,
    create_user,
    require,
)
from tinbai.web.context import NavItem, context, flash
from tinbai.web.csrf import checked_form
from tinbai.web.passwords import Busy, PasswordPool

NAV: tuple[NavItem, ...] = (NavItem("/admin/users", "Người dùng", ADMINS),)


async def users_page(request: Request) -> Response:
    require(request, *ADMINS)
    ctx = context(request)
    store = ctx.store
    return ctx.render(request, "users.html", {"users": store.users.all(), "roles": ROLES})


async def add_user(request: Request) -> Response:
    admin = require(request, *ADMINS)
    store = context(request).store
    form = await checked_form(request)
    name = str(form.get("name") or "").strip()
    try:
        create_user(store, name, str(form.get("role") or ""),
                    str(form.get("password") or ""))
    except UserError as exc:
        flash(request, str(exc), "error")
    else:
        store.audit.record(admin["name"], "user_add_web", None, {"user": name})
        flash(request, f"Đã thêm người dùng «{name}».")
    return RedirectResponse("/admin/users", status_code=303)


async def change_user(request: Request) -> Response:
    admin = require(request, *ADMINS)
    store = context(request).store
    form = await checked_form(request)
    user = store.users.by_id(int(request.path_params["uid"]))
    if user is None:
        raise HTTPException(404, "Không có người dùng này.")
    action = str(form.get("action") or "")
    values: dict[str, object] = {}
    if action == "role":
        role = str(form.get("role") or "")
        if role not in ROLES:
            flash(request, "Vai trò không hợp lệ.", "error")
            return RedirectResponse("/admin/users", status_code=303)
        values = {"role": role}
    elif action in ("disable", "enable"):
        values = {"disabled": 1 if action == "disable" else 0}
    elif action == "password":
        password = str(form.get("password") or "")
        pool: PasswordPool = request.app.state.passwords
        if len(password) < MIN_PASSWORD_LENGTH:
            flash(request, f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", "error")
            return RedirectResponse("/admin/users", status_code=303)
        try:
            values = {"password_hash": await pool.hash(password)}
        except Busy:
            flash(request, "Máy chủ đang bận, hãy thử lại sau ít giây.", "error")
            return RedirectResponse("/admin/users", status_code=303)
    else:
        raise HTTPException(400, "Thao tác không hợp lệ.")
    if int(user["id"]) == int(admin["id"]) and action in ("disable", "role"):
        flash(request, "Không tự khoá hay tự đổi vai trò của chính mình.", "error")
        return RedirectResponse("/admin/users", status_code=303)
    ended = 0
    with store.transaction():
        store.users.update(int(user["id"]), values)
        if action in ("password", "disable"):  # a copied cookie must not outlive either
            ended = store.sessions.delete_of_user(int(user["id"]),
                                                  keep=sessions.current_id(request))
        store.audit.record(admin["name"], f"user_{action}", None,
                    {"user": user["name"], **({"role": values["role"]}
                                              if action == "role" else {}),
                     **({"sessions_ended": ended} if ended else {})})
    flash(request, f"Đã cập nhật «{user['name']}»."
                   + (f" Đã kết thúc {ended} phiên đăng nhập." if ended else ""))
    return RedirectResponse("/admin/users", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/users/{uid:id}", change_user, methods=["POST"]),
]
