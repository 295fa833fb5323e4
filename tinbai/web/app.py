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
Ids in paths are ``{name:id}``. And, without doing anything (docs/security.md): sessions
on the server (:mod:`tinbai.web.sessions`), POSTs only from this site and bounded bodies
(:mod:`tinbai.web.guards`), Vietnamese error pages with a logged reference for failures
(:mod:`tinbai.web.errors`), bank accounts masked in whatever an editor receives
(:mod:`tinbai.web.masking`), and bidirectional controls stripped from every printed value.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.db import Store
from tinbai import formatting
from tinbai.bidi import strip_bidi
from tinbai.config import Config
from tinbai.outbox import Outbox
from tinbai.web import (
    admin_sessions,
    auth,
    downloads,
    finance,
    loop,
    messages,
    public,
    publication,
    queue,
    submission,
    users,
)
from tinbai.web.context import WebContext
from tinbai.web.errors import ErrorPages, error_response, http_error
from tinbai.web.guards import BodyLimit, SameOrigin
from tinbai.web.masking import EditorMasking, mask_account
from tinbai.web.passwords import PasswordPool
from tinbai.web.sessions import ServerSessions
from tinbai.web.throttle import LoginThrottle

log = logging.getLogger(__name__)

HERE = Path(__file__).parent

#: The page modules, in order (their routes and top-bar links).
ROUTE_MODULES: tuple[ModuleType, ...] = (
    auth, queue, submission, publication, downloads, messages, users, admin_sessions, finance,
    loop, public,
)


def _printable(value: object) -> object:
    """Every value a template prints, without bidirectional controls (tinbai.bidi)."""
    if isinstance(value, Markup):
        return Markup(strip_bidi(str(value)))
    if isinstance(value, str):
        return strip_bidi(value)
    return value


def _environment(config: Config, extra_dirs: Iterable[Path] = ()) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([HERE / "templates", *extra_dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,
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


def create_app(
    config: Config, *, store: Store | None = None,
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

    async def refuse(scope: Scope, receive: Receive, send: Send, status: int,
                     text: str) -> None:
        await error_response(ctx, status, text)(scope, receive, send)

    passwords = PasswordPool()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        passwords.close()
        if own_store:
            the_store.close()

    app = Starlette(
        routes=routes,
        middleware=[  # outermost first
            Middleware(SecurityHeaders),
            Middleware(ErrorPages, ctx=ctx),
            Middleware(BodyLimit, refuse=refuse),
            Middleware(SameOrigin, refuse=refuse),
            Middleware(ServerSessions, store=lambda: ctx.store,
                       max_age=int(config.web.session_hours * 3600),
                       secure=config.web.secure_cookies),
            Middleware(auth.LoginRequired, ctx=ctx),
            Middleware(EditorMasking, known=ctx.known_redactor),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.passwords = passwords
    app.state.login_throttle = LoginThrottle()
    return app
