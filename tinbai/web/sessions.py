"""Sessions kept on the server: the cookie holds only an opaque id.

The cookie ``tinbai_session`` carries 256 random bits and nothing else (no user id, no
CSRF token, no piece of a password hash); the database keeps the session under the
SHA-256 of that id (:mod:`store.sessions`) with its user and its small data (the CSRF
token, flash messages), readable as ``request.session`` as with Starlette's own
middleware. So a session ends everywhere at once: logout deletes it, a password change or
a disabled user deletes all of that user's, an admin ends any or all of them
(:mod:`tinbai.web.admin_sessions`), and a copied cookie is worthless afterwards.

Login gives a new id (:func:`begin`: no session fixation); a visitor who has not logged
in gets a short-lived session only once a page needs one (the login form's CSRF token),
and at most :data:`MAX_ANONYMOUS` of those are kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.base import utcnow
from store.db import Store

COOKIE = "tinbai_session"
#: A visitor's session before login (the login form): an hour.
ANONYMOUS_SECONDS = 3600
MAX_ANONYMOUS = 5000
#: "Last seen" is written at most this often per session.
TOUCH_SECONDS = 60
STATE_KEY = "tinbai.session"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@dataclass
class SessionState:
    """The server side of one request's session."""

    row_id: int | None = None
    user_id: int | None = None
    loaded: str = "{}"
    seen_at: str = ""
    renew: bool = False
    ended: bool = False


def state_of(scope_or_request: Scope | Request) -> SessionState:
    scope = scope_or_request.scope if isinstance(scope_or_request, Request) else scope_or_request
    state = scope.get(STATE_KEY)
    return state if isinstance(state, SessionState) else SessionState()


def user_id(scope: Scope) -> int | None:
    """The logged-in user of this request's session, if any."""
    return state_of(scope).user_id


def current_id(request: Request) -> int | None:
    """The database id of this request's session (None before it is stored)."""
    return state_of(request).row_id


def begin(request: Request, uid: int) -> None:
    """Log ``uid`` in: the session gets a new id and starts empty (then a CSRF token)."""
    state = state_of(request)
    state.renew, state.ended, state.user_id = True, False, uid
    request.session.clear()


def end(request: Request) -> None:
    """Log out: the session is deleted and the cookie cleared."""
    state = state_of(request)
    state.ended, state.user_id = True, None
    request.session.clear()


class ServerSessions:
    """The middleware: loads the session named by the cookie, saves it with the answer."""

    def __init__(self, app: ASGIApp, store: Callable[[], Store], *, max_age: int,
                 secure: bool) -> None:
        self.app = app
        self.store = store
        self.max_age = max_age
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            if scope["type"] == "http":
                scope["session"] = {}
            await self.app(scope, receive, send)
            return
        state, data = self._load(scope)
        scope["session"] = data
        scope[STATE_KEY] = state

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = self._save(scope, state)
                if cookie is not None:
                    message["headers"] = [*message.get("headers", []),
                                          (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _token(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(value.decode("latin-1"))
                except Exception:  # a malformed Cookie header is no session
                    continue
                morsel = jar.get(COOKIE)
                if morsel is not None and _TOKEN.match(morsel.value):
                    return morsel.value
        return None

    def _load(self, scope: Scope) -> tuple[SessionState, dict[str, Any]]:
        token = self._token(scope)
        row = self.store().sessions.find(_digest(token)) if token else None
        if row is None:
            return SessionState(), {}
        try:
            data = json.loads(str(row["data_json"]))
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        loaded = json.dumps(data, sort_keys=True, ensure_ascii=False)
        uid = row["user_id"]
        return SessionState(int(row["id"]), int(uid) if uid is not None else None, loaded,
                            str(row["seen_at"])), data

    def _cookie(self, token: str, max_age: int) -> str:
        parts = [f"{COOKIE}={token}", "Path=/", f"Max-Age={max_age}", "HttpOnly",
                 "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    def _save(self, scope: Scope, state: SessionState) -> str | None:
        """Write what changed (no transaction when nothing did); the Set-Cookie value
        when the browser must learn one."""
        data = scope.get("session") or {}
        store = self.store()
        if state.ended:
            if state.row_id is not None:
                with store.transaction():
                    store.sessions.delete(state.row_id)
                state.row_id = None
            return self._cookie("", 0)
        if state.renew or state.row_id is None:
            if state.row_id is None and not data and state.user_id is None:
                return None
            with store.transaction():
                if state.row_id is not None:
                    store.sessions.delete(state.row_id)
                return self._create(scope, state, data)
        if json.dumps(data, sort_keys=True, ensure_ascii=False) != state.loaded:
            with store.transaction():
                store.sessions.save(state.row_id, user_id=state.user_id, data=data)
        elif _older_than(state.seen_at, TOUCH_SECONDS):
            with store.transaction():
                store.sessions.touch(state.row_id)
        return None

    def _create(self, scope: Scope, state: SessionState, data: dict[str, Any]) -> str:
        store = self.store()
        token = secrets.token_urlsafe(32)
        seconds = self.max_age if state.user_id is not None else ANONYMOUS_SECONDS
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        client = scope.get("client") or ("", 0)
        if state.user_id is None:
            store.sessions.prune(max_anonymous=MAX_ANONYMOUS)
        state.row_id = store.sessions.add(
            _digest(token), user_id=state.user_id, data=data,
            expires=utcnow() + timedelta(seconds=seconds), address=str(client[0] or ""),
            user_agent=headers.get(b"user-agent", b"").decode("latin-1", "replace"),
        )
        return self._cookie(token, seconds)


def _older_than(stamp: str, seconds: int) -> bool:
    try:
        seen = datetime.fromisoformat(stamp)
    except ValueError:
        return True
    return (utcnow() - seen).total_seconds() >= seconds
