"""The ASGI application of ``tinbai serve``, assembled from the route modules.

A page module (see :data:`ROUTE_MODULES`) exposes

    ROUTES: list[starlette.routing.BaseRoute]   # module-level async handlers
    NAV: tuple[NavItem, ...]                    # optional: top-bar links for some roles
    TEMPLATE_GLOBALS: dict[str, object]         # optional: names the templates may call

and is listed in :data:`ROUTE_MODULES`. A handler gets what the pages share with
``ctx = context(request)`` (:mod:`tinbai.web.context`: config, store, outbox, render,
flash). Templates go in ``tinbai/web/templates`` and extend ``base.html``.

What every route gets for free (see :mod:`tinbai.web.auth`): login is required for every
path except ``/login`` and ``/static``; ``request.state.user`` is the logged-in user row;
check the role with ``require(request, *roles)``; read POSTed forms only through
``await checked_form(request)`` (CSRF check, 403 when missing); answer a successful POST
with a 303 redirect (POST/redirect/GET) and ``flash(request, text)`` for the message.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.db import Store
from tinbai import formatting
from tinbai.config import Config
from tinbai.outbox import Outbox
from tinbai.web import (
    auth,
    downloads,
    finance,
    messages,
    publication,
    queue,
    submission,
    users,
)
from tinbai.web.context import WebContext
from tinbai.web.masking import mask_account

log = logging.getLogger(__name__)

HERE = Path(__file__).parent

#: The page modules, in order (their routes and top-bar links).
ROUTE_MODULES: tuple[ModuleType, ...] = (
    auth, queue, submission, publication, downloads, messages, users, finance,
)

SESSION_COOKIE = "tinbai_session"
SESSION_MAX_AGE = 12 * 3600


def _environment(config: Config, extra_dirs: Iterable[Path] = ()) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([HERE / "templates", *extra_dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(formatting.FILTERS)  # dates, numbers, names as people write them
    labels = formatting.genre_labels(config)
    env.filters["genre"] = lambda key: formatting.genre_text(key, labels)
    env.filters["mask_account"] = mask_account
    for module in ROUTE_MODULES:
        env.globals.update(getattr(module, "TEMPLATE_GLOBALS", {}))
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
    route_modules: Sequence[ModuleType] = ROUTE_MODULES,
) -> Starlette:
    """The web application over ``config``'s data folder (or the given store)."""
    own_store = store is None
    the_store = store or Store(config.data_path)
    ctx = WebContext(config=config, store=the_store, outbox=Outbox(config, the_store),
                     env=_environment(config))
    routes: list[BaseRoute] = []
    for module in route_modules:
        routes.extend(module.ROUTES)
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
            Middleware(auth.LoginRequired, ctx=ctx),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.login_failures = auth.LoginFailures()
    return app
