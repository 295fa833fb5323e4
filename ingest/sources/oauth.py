"""Access tokens for SASL XOAUTH2 logins (IMAP and SMTP): refreshed or from a command.

Two token sources share one small interface (``source()`` → a valid access token,
``source.fresh()`` → a token certainly newer than the last one, used after the server
refused it):

- :class:`RefreshingToken`, the built-in one: an OAuth 2.0 refresh-token grant
  (RFC 6749 §6) against the provider's token endpoint, renewed a margin before the access
  token expires; a revoked or expired refresh token (``invalid_grant``) is
  :class:`RefreshTokenRevoked`, reported once, and not retried against the server until
  a new login replaced the stored token.
- :class:`TokenCommand`, the escape hatch: a command printing a fresh access token.

Both raise :class:`~ingest.errors.SourceAuthError` subclasses, so a failure is an
authentication failure of the mailbox (an alert, an hourly retry), never a traceback.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NoReturn, Protocol

from ingest.errors import SourceAuthError

log = logging.getLogger(__name__)


class OAuthError(SourceAuthError):
    """The authorization server refused a request or could not be reached."""


class RefreshTokenRevoked(OAuthError):
    """The refresh token no longer works (``invalid_grant``: revoked, expired — a Google
    client left in "Testing" loses it after 7 days — or the password changed).

    Only a new consent helps: ``tinbai auth login MAILBOX``.
    """


class TokenSource(Protocol):
    """Where an XOAUTH2 login gets its bearer token."""

    def __call__(self) -> str:
        """A valid access token (cached while it is valid)."""
        ...

    def fresh(self) -> str:
        """A new access token, after the server refused the previous one."""
        ...


@dataclass
class TokenRecord:
    """What a login leaves behind (stored encrypted by ``tinbai.oauth.vault``)."""

    provider: str
    account: str
    refresh_token: str
    scopes: list[str] = field(default_factory=list)
    access_token: str = ""
    expires_at: float = 0.0
    """Epoch seconds when the access token expires (0: unknown, refresh before use)."""
    obtained_at: float = 0.0
    """When the refresh token was obtained (the consent)."""
    refresh_expires_at: float | None = None
    """When the refresh token expires, if the server said (``refresh_token_expires_in``)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenRecord:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def post_form(url: str, form: dict[str, str], *, timeout: float = 30.0) -> dict[str, Any]:
    """POST ``application/x-www-form-urlencoded`` and return the JSON answer.

    An error answer (RFC 6749 §5.2: HTTP 400/401 with ``{"error": …}``) is returned as a
    dict with ``error`` too, so callers read one shape; a network failure or a non-JSON
    answer is :class:`OAuthError`.
    """
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        payload = exc.read(1_000_000)
        if exc.code >= 500 or not payload:
            raise OAuthError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise OAuthError(f"{url}: unreachable: {exc}") from exc
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise OAuthError(f"{url}: not a JSON answer") from exc
    if not isinstance(data, dict):
        raise OAuthError(f"{url}: unexpected answer")
    return data


def error_text(answer: dict[str, Any]) -> str:
    """``invalid_grant: Token has been expired or revoked.`` from an error answer."""
    text = str(answer.get("error", "error"))
    if answer.get("error_description"):
        text += f": {str(answer['error_description'])[:300]}"
    return text


def apply_token_answer(record: TokenRecord, answer: dict[str, Any], now: float) -> TokenRecord:
    """The record after a successful token response (RFC 6749 §5.1); a rotated refresh
    token (Microsoft) replaces the old one, an absent one keeps it (Google)."""
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("the token endpoint answered without an access_token")
    scope = answer.get("scope")
    refresh_in = answer.get("refresh_token_expires_in")
    return replace(
        record,
        access_token=access,
        expires_at=now + float(answer.get("expires_in") or 3600),
        refresh_token=str(answer.get("refresh_token") or record.refresh_token),
        scopes=str(scope).split() if scope else record.scopes,
        refresh_expires_at=(now + float(refresh_in)) if refresh_in else record.refresh_expires_at,
    )


class RefreshingToken:
    """Access tokens from a stored refresh token (RFC 6749 §6), cached until
    ``margin`` seconds before they expire. Thread-safe: the read-ahead thread and the
    reply sender may ask at once.

    ``load``/``save`` read and write the :class:`TokenRecord` (the encrypted file);
    ``on_revoked`` is told once per revoked token, with the text for the admins.
    """

    def __init__(
        self,
        name: str,
        *,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        load: Callable[[], TokenRecord | None],
        save: Callable[[TokenRecord], None],
        margin: float = 300.0,
        timeout: float = 30.0,
        on_revoked: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self._load = load
        self._save = save
        self.margin = margin
        self.timeout = timeout
        self._on_revoked = on_revoked
        self._clock = clock
        self._lock = threading.Lock()
        self._revoked: str | None = None  # the refresh token found revoked

    def _record(self) -> TokenRecord:
        record = self._load()
        if record is None:
            self._fail(f"mailbox {self.name}: no OAuth login stored yet; run: tinbai auth "
                       f"login {self.name}")
        return record

    def _fail(self, text: str) -> NoReturn:
        """Report a dead login once (log + ``on_revoked``) and raise it."""
        log.error("%s", text)
        if self._on_revoked is not None:
            self._on_revoked(text)
        raise RefreshTokenRevoked(text)

    def __call__(self) -> str:
        with self._lock:
            record = self._record()
            if record.access_token and record.expires_at - self.margin > self._clock():
                return record.access_token
            return self._refresh(record)

    def fresh(self) -> str:
        with self._lock:
            return self._refresh(self._record())

    def _refresh(self, record: TokenRecord) -> str:
        if self._revoked == record.refresh_token:
            raise RefreshTokenRevoked(
                f"mailbox {self.name}: the OAuth login was revoked or expired; run: "
                f"tinbai auth login {self.name}"
            )
        form = {"grant_type": "refresh_token", "refresh_token": record.refresh_token,
                "client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        now = self._clock()
        answer = post_form(self.token_url, form, timeout=self.timeout)
        if "error" in answer:
            if answer.get("error") in ("invalid_grant", "unauthorized_client",
                                       "invalid_client"):
                self._revoked = record.refresh_token
                self._fail(f"mailbox {self.name}: the OAuth login was revoked or expired "
                           f"({error_text(answer)}); run: tinbai auth login {self.name}")
            raise OAuthError(f"mailbox {self.name}: token refresh refused: {error_text(answer)}")
        updated = apply_token_answer(record, answer, now)
        self._save(updated)
        log.info("mailbox %s: access token renewed (valid %d min)",
                 self.name, int((updated.expires_at - now) / 60))
        return updated.access_token


class TokenCommand:
    """The ``oauth_token_command`` escape hatch: a command printing an access token,
    run for every login (so the command's own cache decides when to refresh)."""

    def __init__(self, name: str, command: str, *, timeout: float = 60.0) -> None:
        self.name = name
        self.command = command
        self.timeout = timeout

    def __call__(self) -> str:
        try:
            done = subprocess.run(
                shlex.split(self.command), capture_output=True, text=True,
                timeout=self.timeout, check=False,
            )
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            raise SourceAuthError(f"oauth_token_command of {self.name} failed: {exc}") from exc
        value = done.stdout.strip()
        if done.returncode != 0 or not value:
            detail = (done.stderr or "").strip().splitlines()[-1:] or ["no token printed"]
            raise SourceAuthError(
                f"oauth_token_command of {self.name} failed "
                f"(exit {done.returncode}): {detail[0][:200]}"
            )
        return value

    def fresh(self) -> str:
        return self()
