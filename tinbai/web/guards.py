"""Guards in front of every page: same-origin POSTs and bounded request bodies.

- :class:`SameOrigin` is the second line behind the CSRF token: a POST (or any unsafe
  method) whose ``Sec-Fetch-Site`` says it comes from another site, or whose ``Origin`` is
  not this host, is refused with 403 before it reaches a page. Requests without either
  header (old browsers, scripts) still need the CSRF token. Behind a reverse proxy the
  proxy must pass the ``Host`` header on (docs/security.md).
- :class:`BodyLimit` refuses a body over the limit with 413 before it is read: the
  ``Content-Length`` is checked first, and a chunked body is counted as it arrives. The
  login form takes a few kilobytes, the other forms (an article body edited) a few MB.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Bytes a request body may have, by path (the rest: :data:`DEFAULT_LIMIT`).
LIMITS: dict[str, int] = {"/login": 16 * 1024, "/logout": 16 * 1024}
DEFAULT_LIMIT = 2 * 1024 * 1024

#: Answers a refused request: (scope, receive, send, status, Vietnamese text).
Refuse = Callable[[Scope, Receive, Send, int, str], Awaitable[None]]


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _host_of(origin: str) -> str:
    parts = urlsplit(origin)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _request_host(value: str) -> str:
    host = value.strip().lower()
    for default in (":80", ":443"):
        if host.endswith(default):
            return host[: -len(default)]
    return host


def cross_site(scope: Scope) -> str | None:
    """Why an unsafe request comes from elsewhere, or None when it may be ours."""
    headers = _headers(scope)
    fetch_site = headers.get(b"sec-fetch-site", b"").decode("latin-1").strip().lower()
    if fetch_site:
        return None if fetch_site in ("same-origin", "none") else f"Sec-Fetch-Site {fetch_site}"
    origin = headers.get(b"origin", b"").decode("latin-1").strip()
    if not origin:
        return None
    host = _request_host(headers.get(b"host", b"").decode("latin-1"))
    if origin == "null" or _host_of(origin) != host:
        return f"Origin {origin[:100]} is not {host[:100]}"
    return None


class SameOrigin:
    """Unsafe methods only from this site (see the module docstring)."""

    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method", "GET") not in SAFE_METHODS:
            why = cross_site(scope)
            if why is not None:
                await self.refuse(scope, receive, send, 403,
                                  "Yêu cầu đến từ trang web khác nên bị từ chối.")
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Request bodies are bounded (see the module docstring)."""

    def __init__(self, app: ASGIApp, refuse: Refuse) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LIMITS.get(str(scope.get("path", "")), DEFAULT_LIMIT)
        length = _headers(scope).get(b"content-length", b"").decode("latin-1")
        if length.strip().isdigit() and int(length) > limit:
            await self.refuse(scope, receive, send, 413, _too_large(limit))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)


def _too_large(limit: int) -> str:
    size = f"{limit // 1024} KB" if limit < 1024 * 1024 else f"{limit // (1024 * 1024)} MB"
    return f"Dữ liệu gửi lên quá lớn (tối đa {size})."
