"""Admins manage users: add, change role, reset password, disable or enable."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tinbai.web.auth import ADMINS, ROLES, UserError, create_user, hash_password, require
from tinbai.web.context import NavItem, context, flash
from tinbai.web.csrf import checked_form

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
        try:
            values = {"password_hash": hash_password(str(form.get("password") or ""))}
        except UserError as exc:
            flash(request, str(exc), "error")
            return RedirectResponse("/admin/users", status_code=303)
    else:
        raise HTTPException(400, "Thao tác không hợp lệ.")
    if int(user["id"]) == int(admin["id"]) and action in ("disable", "role"):
        flash(request, "Không tự khoá hay tự đổi vai trò của chính mình.", "error")
        return RedirectResponse("/admin/users", status_code=303)
    with store.transaction():
        store.users.update(int(user["id"]), values)
        store.audit.record(admin["name"], f"user_{action}", None,
                    {"user": user["name"], **({"role": values["role"]}
                                              if action == "role" else {})})
    flash(request, f"Đã cập nhật «{user['name']}».")
    return RedirectResponse("/admin/users", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/admin/users", users_page, methods=["GET"]),
    Route("/admin/users", add_user, methods=["POST"]),
    Route("/admin/users/{uid:int}", change_user, methods=["POST"]),
]
