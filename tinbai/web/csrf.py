"""CSRF protection: one random token per session, required in every POST.

The token lives in the session on the server (:mod:`tinbai.web.sessions`; never in the
cookie) and is repeated in a hidden ``csrf`` field of every form (or an ``X-CSRF-Token``
header). A POST whose token is missing or different is refused with 403 before anything
else happens. The second line is :class:`tinbai.web.guards.SameOrigin` (``Origin`` and
``Sec-Fetch-Site`` checked on every POST).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

SESSION_KEY = "csrf"
FIELD = "csrf"
HEADER = "x-csrf-token"


def token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    value = request.session.get(SESSION_KEY)
    if not isinstance(value, str) or len(value) < 32:
        value = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = value
    return value


def rotate(request: Request) -> str:
    """A new token (after login, so a token seen before login is worthless)."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(request.session[SESSION_KEY])


async def checked_form(request: Request) -> FormData:
    """The POSTed form, after checking its CSRF token (403 when wrong or missing)."""
    form = await request.form()
    expected = request.session.get(SESSION_KEY)
    sent = form.get(FIELD) or request.headers.get(HEADER) or ""
    if (
        not isinstance(expected, str)
        or not isinstance(sent, str)
        or not expected
        or not hmac.compare_digest(expected.encode(), sent.encode())
    ):
        raise HTTPException(403, "Phiên làm việc không hợp lệ (CSRF). Hãy tải lại trang.")
    return form
