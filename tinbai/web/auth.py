"""Users, passwords, logins and roles.

Passwords are hashed with argon2id (argon2-cffi), off the event loop in a bounded pool
(:mod:`tinbai.web.passwords`). A login starts a session kept on the server
(:mod:`tinbai.web.sessions`: the cookie holds only an opaque id); a password change or a
disabled user ends all of that user's sessions. Failed logins slow down per client
address and per name (:mod:`tinbai.web.throttle`); bursts are logged and alerted.

Roles: ``editor`` reviews and decides; ``finance`` sees payment data (whole bank account
numbers) but cannot decide; ``admin`` does everything and manages users.
"""

from __future__ import annotations

import logging
import math
from urllib.parse import quote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from store.base import Row
from store.db import Store
from tinbai.web import csrf, sessions
from tinbai.web.context import WebContext, context
from tinbai.web.passwords import Busy, PasswordPool
from tinbai.web.throttle import LoginThrottle

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("editor", "finance", "admin")
#: Who may do what.
READERS: tuple[str, ...] = ("editor", "finance", "admin")
REVIEWERS: tuple[str, ...] = ("editor", "admin")
PAYMENT_VIEWERS: tuple[str, ...] = ("finance", "admin")
ADMINS: tuple[str, ...] = ("admin",)

PUBLIC_PATHS: frozenset[str] = frozenset({"/login"})
#: Paths opened without an account: static files; status and approval links from e-mails
#: (issue 15, tinbai/web/public.py: each checks its own token).
PUBLIC_PREFIXES: tuple[str, ...] = ("/static/", "/t/", "/a/")
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why (Vietnamese)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches (blocking: the web uses :class:`PasswordPool`)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(store: Store, name: str, role: str, password: str) -> int:
    """Add a user (name unique, case-insensitive)."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise UserError("Tên đăng nhập phải có 1–64 ký tự, không có khoảng trắng.")
    if role not in ROLES:
        raise UserError(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    if store.users.by_name(name) is not None:
        raise UserError(f"Người dùng «{name}» đã tồn tại.")
    password_hash = hash_password(password)
    with store.transaction():
        user_id = store.users.add(name, role, password_hash)
        store.audit.record("system", "user_add", None, {"user": name, "role": role})
    return user_id


def set_password(store: Store, name: str, password: str, *, actor: str) -> None:
    """A new password; every session of the user ends (``tinbai user passwd``)."""
    user = store.users.by_name(name)
    if user is None:
        raise UserError(f"Không có người dùng «{name}».")
    password_hash = hash_password(password)
    with store.transaction():
        store.users.update(int(user["id"]), {"password_hash": password_hash})
        ended = store.sessions.delete_of_user(int(user["id"]))
        store.audit.record(actor, "user_password", None,
                           {"user": user["name"], "sessions_ended": ended})


def current_user(request: Request) -> Row:
    user: Row | None = getattr(request.state, "user", None)
    if user is None:  # LoginRequired guarantees a user; this is belt and braces
        raise HTTPException(401, "Chưa đăng nhập.")
    return user


def require(request: Request, *roles: str) -> Row:
    """The logged-in user, if their role is one of ``roles`` (403 otherwise)."""
    user = current_user(request)
    if user["role"] not in roles:
        raise HTTPException(403, "Tài khoản của bạn không có quyền làm việc này.")
    return user


def safe_next(value: str | None) -> str:
    """A local path to go back to after login; anything else (other hosts) → ``/``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return "/"
    return value


class LoginRequired:
    """Every path except ``/login`` and ``/static/…`` needs a logged-in, enabled user."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        user = self._user(sessions.user_id(scope))
        scope.setdefault("state", {})["user"] = user
        if user is None and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES):
            target = path + (("?" + scope["query_string"].decode("latin-1"))
                             if scope.get("query_string") else "")
            location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _user(self, uid: int | None) -> Row | None:
        if uid is None:
            return None
        user = self.ctx.store.users.by_id(uid)
        if user is None or user["disabled"]:
            return None
        return user


def client_address(request: Request) -> str:
    """The client's address (the proxy's X-Forwarded-For when ``web.trusted_proxies``)."""
    return request.client.host if request.client else "?"


async def login_page(request: Request) -> Response:
    ctx = context(request)
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    return ctx.render(request, "login.html",
                      {"next": safe_next(request.query_params.get("next")), "error": None,
                       "name": "", "no_users": not ctx.store.users.all()})


async def _check_login(request: Request, name: str,
                       password: str) -> tuple[Row | None, str, int]:
    """The user if the password is right, else why not (Vietnamese) and the status."""
    ctx = context(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    pool: PasswordPool = request.app.state.passwords
    address, key = client_address(request), name.lower()
    wait = throttle.wait(address, key)
    if wait > 0:
        log.info("login refused (backoff %.0fs) for %r from %s", wait, key[:64], address)
        return None, f"Đăng nhập sai nhiều lần: hãy chờ {math.ceil(wait)} giây rồi thử lại.", 429
    user = ctx.store.users.by_name(name) if name else None
    try:
        good = await pool.verify(str(user["password_hash"]) if user else None, password)
    except Busy:
        log.warning("login refused: too many password checks waiting")
        return None, "Máy chủ đang bận, hãy thử lại sau ít giây.", 503
    if user is not None and good and not user["disabled"]:
        throttle.succeeded(address, key)
        return user, "", 200
    by_address, by_name, burst = throttle.failed(address, key)
    log.info("login failed for %r from %s (failures: %d from the address, %d for the name)",
             key[:64], address, by_address, by_name)
    if burst is not None:
        text = (f"{burst.failures} lần đăng nhập sai trong {burst.window_seconds // 60} phút "
                f"vào trang biên tập. Địa chỉ: {', '.join(burst.addresses)}. "
                f"Tên đăng nhập đã thử: {', '.join(n[:64] for n in burst.names)}.")
        log.warning("login burst: %s", text)
        ctx.outbox.alert("login_burst", text)
    return None, "Tên đăng nhập hoặc mật khẩu không đúng.", 400


async def login(request: Request) -> Response:
    ctx = context(request)
    form = await csrf.checked_form(request)
    name = str(form.get("name") or "").strip()[:200]
    password = str(form.get("password") or "")[:1024]
    target = safe_next(str(form.get("next") or "/"))
    user, error, status = await _check_login(request, name, password)
    if user is not None:
        sessions.begin(request, int(user["id"]))
        csrf.rotate(request)
        if target == "/" and user["role"] == "finance":
            target = "/finance"  # finance's work is there; the queue is one click away
        return RedirectResponse(target, status_code=303)
    return ctx.render(request, "login.html",
                      {"next": target, "error": error, "name": name, "no_users": False},
                      status_code=status)


async def logout(request: Request) -> Response:
    await csrf.checked_form(request)
    sessions.end(request)
    return RedirectResponse("/login", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
