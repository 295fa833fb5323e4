"""Users, passwords, sessions and roles.

Passwords are hashed with argon2id (argon2-cffi). A session (signed cookie, HttpOnly,
SameSite=Lax, Secure when ``web.secure_cookies``) holds the user id and a fingerprint of
the password hash, so changing a password or disabling a user ends their sessions.

Roles: ``editor`` reviews and decides; ``finance`` sees payment data (whole bank account
numbers) but cannot decide; ``admin`` does everything and manages users.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
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
from tinbai.web import csrf
from tinbai.web.context import WebContext, context

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
MAX_FAILURES = 10
FAILURE_WINDOW_SECONDS = 15 * 60

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why (Vietnamese)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    return _hasher.hash(password)


_dummy_hash: list[str] = []


def burn_verify(password: str) -> None:
    """Spend the time of a real verification (unknown user names answer as slowly)."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("tinbai-dummy-password"))
    verify_password(_dummy_hash[0], password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def fingerprint(user: Row) -> str:
    """Changes whenever the password does (the end of a hash is its digest)."""
    return str(user["password_hash"])[-16:]


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
    user = store.users.by_name(name)
    if user is None:
        raise UserError(f"Không có người dùng «{name}».")
    password_hash = hash_password(password)
    with store.transaction():
        store.users.update(int(user["id"]), {"password_hash": password_hash})
        store.audit.record(actor, "user_password", None, {"user": user["name"]})


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
        session: dict[str, Any] = scope.get("session") or {}
        user = self._user(session)
        scope.setdefault("state", {})["user"] = user
        if user is None and path not in PUBLIC_PATHS and not path.startswith(PUBLIC_PREFIXES):
            session.pop("uid", None)
            target = path + (("?" + scope["query_string"].decode("latin-1"))
                             if scope.get("query_string") else "")
            location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
            await RedirectResponse(location, status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _user(self, session: dict[str, Any]) -> Row | None:
        uid = session.get("uid")
        if not isinstance(uid, int):
            return None
        user = self.ctx.store.users.by_id(uid)
        if user is None or user["disabled"] or session.get("fp") != fingerprint(user):
            return None
        return user


class LoginFailures:
    """Failed logins per name: after MAX_FAILURES in the window, refuse for a while."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[float]] = {}

    def blocked(self, name: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self.by_name.get(name, []) if now - t < FAILURE_WINDOW_SECONDS]
        self.by_name[name] = recent
        return len(recent) >= MAX_FAILURES

    def add(self, name: str) -> None:
        self.by_name.setdefault(name, []).append(time.monotonic())

    def clear(self, name: str) -> None:
        self.by_name.pop(name, None)


async def login_page(request: Request) -> Response:
    ctx = context(request)
    if getattr(request.state, "user", None) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), 303)
    return ctx.render(request, "login.html",
                      {"next": safe_next(request.query_params.get("next")), "error": None,
                       "name": "", "no_users": not ctx.store.users.all()})


async def login(request: Request) -> Response:
    ctx = context(request)
    failures: LoginFailures = request.app.state.login_failures
    form = await csrf.checked_form(request)
    name = str(form.get("name") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or "/"))
    key = name.lower()
    error = None
    if failures.blocked(key):
        error = "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút."
    else:
        user = ctx.store.users.by_name(name) if name else None
        if user is None:
            burn_verify(password)
        if (user is None or user["disabled"]
                or not verify_password(str(user["password_hash"]), password)):
            failures.add(key)
            await asyncio.sleep(0.3)  # slows guessing down a little
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
        else:
            failures.clear(key)
            request.session.clear()
            request.session["uid"] = int(user["id"])
            request.session["fp"] = fingerprint(user)
            csrf.rotate(request)
            return RedirectResponse(target, status_code=303)
    return ctx.render(request, "login.html",
                      {"next": target, "error": error, "name": name, "no_users": False},
                      status_code=400)


async def logout(request: Request) -> Response:
    await csrf.checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


ROUTES: list[BaseRoute] = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
