"""The ASGI application of ``tinbai serve``, assembled from route modules.

Extending the pages (for example finance's payment lists): write a module exposing

    def routes(ctx: WebContext) -> list[starlette.routing.BaseRoute]: ...
    NAV: tuple[NavItem, ...] = (NavItem("/finance", "Nhuận bút", ("finance", "admin")),)

(``NAV`` is optional: links added to the top bar for those roles) and add its name to
:data:`ROUTE_MODULES`. Templates go in ``tinbai/web/templates`` and extend ``base.html``;
render them with ``ctx.render(request, "name.html", {...})``, which adds the user, the CSRF
token and flash messages, and masks bank account numbers for editors (pass
``redactor=ctx.redactor_for(submission_id)`` for pages showing a submission's data).

What every route gets for free (see :mod:`tinbai.web.auth`): login is required for every
path except ``/login`` and ``/static``; ``request.state.user`` is the logged-in user row;
check the role with ``require(request, *roles)``; read POSTed forms only through
``await checked_form(request)`` (CSRF check, 403 when missing); answer a successful POST
with a 303 redirect (POST/redirect/GET) and ``flash(request, text)`` for the message.

The store's single SQLite connection is used from the event loop only (handlers are
``async`` and do their quick queries inline); slow work (thumbnails, zips, SMTP) runs in
the thread pool without touching that connection.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import lifecycle
from store.base import Row
from store.db import Store
from tinbai import clock
from tinbai.config import Config
from tinbai.web import csrf
from tinbai.web.masking import Redactor, digits, mask_account

log = logging.getLogger(__name__)

T = TypeVar("T")

HERE = Path(__file__).parent

#: Route modules, in order; each exposes ``routes(ctx) -> list[BaseRoute]``.
ROUTE_MODULES: tuple[str, ...] = (
    "tinbai.web.auth",
    "tinbai.web.queue",
    "tinbai.web.submission",
    "tinbai.web.messages",
    "tinbai.web.users",
    "tinbai.web.finance",
)

ROLE_LABELS: dict[str, str] = {
    "editor": "Biên tập viên",
    "finance": "Kế toán",
    "admin": "Quản trị",
}

SESSION_COOKIE = "tinbai_session"
SESSION_MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class NavItem:
    """A link of the top bar, shown to the given roles."""

    path: str
    label: str
    roles: tuple[str, ...] = ("editor", "finance", "admin")


@dataclass
class WebContext:
    """What route modules share: configuration, store, templates."""

    config: Config
    store: Store
    env: jinja2.Environment
    nav: list[NavItem] = field(default_factory=list)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[str, tuple[tuple[int, int], Any]] = field(default_factory=dict)

    def cached(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the database changes.

        ``PRAGMA data_version`` changes when another connection commits and
        ``total_changes()`` when this one writes, so checking costs O(1) per request.
        """
        mark = self.store.change_mark()
        hit = self._cache.get(name)
        if hit is not None and hit[0] == mark:
            return cast(T, hit[1])
        value = compute()
        self._cache[name] = (mark, value)
        return value

    def known_accounts(self) -> frozenset[str]:
        """Every account number in the database (as digits), cached until a write."""
        return self.cached("accounts", self._all_accounts)

    def _all_accounts(self) -> frozenset[str]:
        found = {digits(text) for text in self.store.submissions.account_numbers()}
        return frozenset(a for a in found if len(a) >= 6)

    @property
    def thumbs_dir(self) -> Path:
        return self.config.data_path / "thumbs"

    def render(
        self, request: Request, name: str, values: dict[str, Any] | None = None, *,
        redactor: Redactor | None = None, status_code: int = 200,
    ) -> HTMLResponse:
        """Render a page; for editors, known account numbers are masked in the output."""
        user: Row | None = getattr(request.state, "user", None)
        context = {
            "request": request,
            "user": user,
            "csrf_token": csrf.token(request),
            "flashes": pop_flashes(request),
            "nav": [n for n in self.nav if user and user["role"] in n.roles],
            "status_labels": lifecycle.STATUS_LABELS,
            "role_labels": ROLE_LABELS,
            **(values or {}),
        }
        html = self.env.get_template(name).render(context)
        if user is None or user["role"] == "editor":
            html = (redactor or Redactor()).with_known(self.known_accounts()).redact(html)
        return HTMLResponse(html, status_code=status_code)

    def redactor_for(self, submission_id: int) -> Redactor:
        """Every account number connected with a submission (all versions, the author's
        earlier accounts, edits recorded in the audit log)."""
        import json

        store = self.store
        submission = store.submissions.get(submission_id)
        redactor = Redactor([submission.get("bank_account"),
                             submission.get("bank_account_digits")])
        for version in store.submissions.versions(submission_id):
            try:
                data = json.loads(version["candidate_json"])
            except ValueError:
                continue
            redactor.add((data.get("fields") or {}).get("bank_account"))
            redactor.add(data.get("bank_account_digits"))
            for account in data.get("previous_bank_accounts") or []:
                redactor.add(account)
        if submission.get("author_key"):
            author = str(submission["author_key"])
            for account in store.submissions.previous_bank_accounts(author, None):
                redactor.add(account)
        for entry in store.audit.of_submission(submission_id):
            if entry["action"] == "edit_field" and "bank_account" in entry["detail_json"]:
                try:
                    detail = json.loads(entry["detail_json"])
                except ValueError:
                    continue
                redactor.add(detail.get("old"))
                redactor.add(detail.get("new"))
        return redactor.with_known(self.known_accounts())

    def send_replies(self) -> None:
        """Send the committed replies now (blocking: call from the thread pool).

        Uses its own connection so the event loop's one is never shared across threads.
        """
        from tinbai.outbox import Outbox

        with self.send_lock:
            store = Store(self.config.data_path)
            try:
                report = Outbox(self.config, store).send_pending()
            finally:
                store.close()
        if report.errors or report.replies_failed:
            log.warning("replies not sent yet (will be retried): %s", "; ".join(report.errors))


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once on the next page."""
    messages = list(request.session.get("flash") or [])
    messages.append([kind, text])
    request.session["flash"] = messages[-5:]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    messages = request.session.pop("flash", None) or []
    return [(str(k), str(t)) for k, t in messages]


def _environment(extra_dirs: Iterable[Path] = ()) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([HERE / "templates", *extra_dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["localtime"] = clock.format_local
    env.filters["mask_account"] = mask_account
    return env


class SecurityHeaders:
    """Headers every response gets: no framing, no sniffing, no caching of personal data."""

    HEADERS: tuple[tuple[bytes, bytes], ...] = (
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy",
         b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
         b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.HEADERS if h[0] not in names)
                if not static and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secret_key(config: Config) -> str:
    """The session-signing key from ``web.secret_key_env``, else random for this run."""
    value = os.environ.get(config.web.secret_key_env, "")
    if len(value) >= 16:
        return value
    if value:
        log.warning("%s is shorter than 16 characters: using a random key instead",
                    config.web.secret_key_env)
    else:
        log.warning("%s is not set: sessions use a random key and end when the server "
                    "restarts", config.web.secret_key_env)
    return secrets.token_urlsafe(32)


def create_app(
    config: Config, *, store: Store | None = None, key: str | None = None,
    route_modules: Sequence[str] = ROUTE_MODULES,
) -> Starlette:
    """The web application over ``config``'s data folder (or the given store)."""
    from tinbai.web.auth import LoginRequired

    own_store = store is None
    the_store = store or Store(config.data_path)
    ctx = WebContext(config=config, store=the_store, env=_environment())
    routes: list[BaseRoute] = []
    for name in route_modules:
        module = importlib.import_module(name)
        routes.extend(module.routes(ctx))
        ctx.nav.extend(getattr(module, "NAV", ()))
    routes.append(Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code in (301, 302, 303, 307, 308):
            return Response(status_code=exc.status_code, headers=exc.headers)
        try:
            return ctx.render(request, "error.html",
                              {"status": exc.status_code, "detail": exc.detail},
                              status_code=exc.status_code)
        except Exception:  # the error page must not fail
            return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if own_store:
            the_store.close()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware, secret_key=key or secret_key(config),
                session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE, same_site="lax",
                https_only=config.web.secure_cookies,
            ),
            Middleware(LoginRequired, ctx=ctx),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
