"""A small real OAuth 2.0 authorization server on 127.0.0.1, and the mail servers that
trust it: Dovecot with its ``oauth2`` passdb (RFC 7662 introspection) and aiosmtpd with
an XOAUTH2 authenticator asking the same introspection endpoint.

The server implements what tinbai uses of Google's and Microsoft's endpoints:
- ``GET /authorize`` (RFC 6749 §4.1 with PKCE S256, RFC 7636): the consenting person is
  simulated — the request is approved (or refused with ``deny``) and the browser is
  redirected to the loopback ``redirect_uri`` with the code;
- ``POST /token``: ``authorization_code`` (checks redirect_uri and the PKCE verifier),
  ``refresh_token`` (optionally rotating it, as Microsoft does), and the device grant
  (RFC 8628 §3.4: ``authorization_pending``, ``slow_down``, ``access_denied``);
- ``POST /device`` (RFC 8628 §3.1) and ``approve_device()`` for the person typing the code;
- ``POST /introspect`` (RFC 7662) for the mail servers.
Tokens are random; revoking a refresh token or expiring every access token is one call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from servers import Dovecot, SmtpServer, _Collector


@dataclass
class _Grant:
    user: str
    scope: str
    expires_at: float = 0.0
    revoked: bool = False


@dataclass
class _Device:
    user_code: str
    scope: str
    expires_at: float
    user: str | None = None
    denied: bool = False
    used: bool = False
    polls: list[float] = field(default_factory=list)


class OAuthServer:
    """The authorization server; ``start()``/``close()``; endpoints as attributes."""

    def __init__(self, *, client_id: str = "tinbai-test-client",
                 client_secret: str | None = None, user: str = "editor@example.org",
                 access_lifetime: float = 3600, rotate_refresh: bool = False,
                 device_interval: int = 1) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.user = user
        self.access_lifetime = access_lifetime
        self.rotate_refresh = rotate_refresh
        self.device_interval = device_interval
        self.deny = False
        self.lock = threading.Lock()
        self.codes: dict[str, dict[str, str]] = {}
        self.access: dict[str, _Grant] = {}
        self.refresh: dict[str, _Grant] = {}
        self.devices: dict[str, _Device] = {}
        self.log: list[tuple[str, str]] = []
        """(path, grant_type or "") of every request, in order."""
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.authorize_url = f"{self.base_url}/authorize"
        self.token_url = f"{self.base_url}/token"
        self.device_url = f"{self.base_url}/device"
        self.introspection_url = f"{self.base_url}/introspect"
        self._thread: threading.Thread | None = None

    # -- control -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="oauth-test-server")
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def revoke_all(self) -> None:
        """The person removed tinbai's access (or Google's 7 days in Testing ran out)."""
        with self.lock:
            for grant in [*self.refresh.values(), *self.access.values()]:
                grant.revoked = True

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working now (the refresh token stays)."""
        with self.lock:
            for grant in self.access.values():
                grant.expires_at = 0

    def approve_device(self, user_code: str, user: str | None = None) -> None:
        with self.lock:
            for device in self.devices.values():
                if device.user_code == user_code:
                    device.user = user or self.user
                    return
        raise KeyError(user_code)

    def deny_device(self, user_code: str) -> None:
        with self.lock:
            for device in self.devices.values():
                if device.user_code == user_code:
                    device.denied = True

    def grants(self, grant_type: str) -> int:
        """How many token requests of this grant type were made."""
        return sum(1 for path, kind in self.log if path == "/token" and kind == grant_type)

    def issue_refresh_token(self, user: str | None = None, scope: str = "mail") -> str:
        """A refresh token as a past consent would have left (for tests that start there)."""
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.refresh[token] = _Grant(user or self.user, scope)
        return token

    # -- protocol ------------------------------------------------------------------------

    def _tokens(self, user: str, scope: str, refresh: str | None) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        now = time.time()
        self.access[access] = _Grant(user, scope, now + self.access_lifetime)
        answer: dict[str, Any] = {"access_token": access, "token_type": "Bearer",
                                  "expires_in": int(self.access_lifetime), "scope": scope}
        if refresh is None or self.rotate_refresh:
            new = secrets.token_urlsafe(32)
            self.refresh[new] = _Grant(user, scope)
            if refresh is not None:
                self.refresh[refresh].revoked = True
            answer["refresh_token"] = new
        return answer

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
        redirect = query.get("redirect_uri", "")
        if (query.get("client_id") != self.client_id
                or not redirect.startswith("http://127.0.0.1:")
                or query.get("response_type") != "code"
                or query.get("code_challenge_method") != "S256"
                or not query.get("code_challenge")):
            return 400, {"error": "invalid_request"}, {}
        params = {"state": query.get("state", "")}
        if self.deny:
            params["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            with self.lock:
                self.codes[code] = {"redirect_uri": redirect, "scope": query.get("scope", ""),
                                    "challenge": query["code_challenge"],
                                    "user": query.get("login_hint") or self.user}
            params["code"] = code
        return 302, {}, {"Location": f"{redirect}?{urllib.parse.urlencode(params)}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or (
                self.client_secret is not None and form.get("client_secret") != self.client_secret):
            return 401, {"error": "invalid_client"}
        kind = form.get("grant_type", "")
        with self.lock:
            if kind == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if (grant is None or grant["redirect_uri"] != form.get("redirect_uri")
                        or grant["challenge"] != challenge):
                    return 400, {"error": "invalid_grant"}
                return 200, self._tokens(grant["user"], grant["scope"], None)
            if kind == "refresh_token":
                token = form.get("refresh_token", "")
                found = self.refresh.get(token)
                if found is None or found.revoked:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "Token has been expired or revoked."}
                return 200, self._tokens(found.user, found.scope, token)
            if kind == "urn:ietf:params:oauth:grant-type:device_code":
                device = self.devices.get(form.get("device_code", ""))
                if device is None or device.used:
                    return 400, {"error": "invalid_grant"}
                now = time.time()
                too_fast = bool(device.polls) and now - device.polls[-1] < 0.5
                device.polls.append(now)
                if device.denied:
                    return 400, {"error": "access_denied"}
                if now > device.expires_at:
                    return 400, {"error": "expired_token"}
                if device.user is None:
                    return 400, {"error": "slow_down" if too_fast else "authorization_pending"}
                device.used = True
                return 200, self._tokens(device.user, device.scope, None)
        return 400, {"error": "unsupported_grant_type"}

    def device(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id:
            return 401, {"error": "invalid_client"}
        code = secrets.token_urlsafe(24)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        with self.lock:
            self.devices[code] = _Device(user_code, form.get("scope", ""), time.time() + 600)
        return 200, {"device_code": code, "user_code": user_code,
                     "verification_uri": f"{self.base_url}/device/login", "expires_in": 600,
                     "interval": self.device_interval}

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            grant = self.access.get(form.get("token", ""))
            if grant is None or grant.revoked or grant.expires_at < time.time():
                return {"active": False}
            return {"active": True, "username": grant.user, "scope": grant.scope,
                    "exp": int(grant.expires_at), "client_id": self.client_id}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any],
                        headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
                server.log.append((parts.path, ""))
                if parts.path == "/authorize":
                    self._answer(*server.authorize(query))
                else:
                    self._answer(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                form = {k: v[-1] for k, v in urllib.parse.parse_qs(raw).items()}
                path = urllib.parse.urlsplit(self.path).path
                server.log.append((path, form.get("grant_type", "")))
                if path == "/token":
                    self._answer(*server.token(form))
                elif path == "/device":
                    self._answer(*server.device(form))
                elif path == "/introspect":
                    self._answer(200, server.introspect(form))
                else:
                    self._answer(404, {"error": "not_found"})

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler


def follow_authorize(url: str) -> int:
    """The person's browser: open the authorization URL and follow the redirect to the
    loopback listener of ``tinbai auth login``; returns the final HTTP status."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return int(response.status)


OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {dir}/users
}}
"""

OAUTH2_SETTINGS = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


class OAuthDovecot(Dovecot):
    """Dovecot whose XOAUTH2/OAUTHBEARER logins are checked by the ``oauth2`` passdb
    against ``introspection_url`` (PLAIN logins, used to APPEND test mail, still work)."""

    def __init__(self, introspection_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        (self.dir / "dovecot-oauth2.conf.ext").write_text(
            OAUTH2_SETTINGS.format(url=introspection_url))
        text = self.conf.read_text()
        start = text.index("passdb {")
        end = text.index("}", start) + 2
        self.conf.write_text(text[:start] + OAUTH2_PASSDB.format(dir=self.dir) + text[end:])


class _XOAuthCollector(_Collector):
    """The test SMTP server's handler with AUTH XOAUTH2 checked by introspection."""

    def __init__(self, introspection_url: str) -> None:
        super().__init__()
        self.introspection_url = introspection_url
        self.refused = 0

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if len(args) > 1:
            blob = base64.b64decode(args[1])
        else:
            blob = await server.challenge_auth("", encode_to_b64=False) or b""
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        body = urllib.parse.urlencode({"token": token}).encode()
        with urllib.request.urlopen(self.introspection_url, data=body, timeout=10) as resp:
            answer = json.loads(resp.read())
        if answer.get("active") and answer.get("username") == user:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        self.refused += 1
        # Google's error challenge; the client answers with an empty line, then 535.
        error = base64.b64encode(json.dumps({"status": "401", "schemes": "bearer"}).encode())
        await server.challenge_auth(error.decode(), encode_to_b64=False)
        return AuthResult(success=False, handled=False)


def xoauth_smtp_server(introspection_url: str) -> SmtpServer:
    """An aiosmtpd server requiring AUTH XOAUTH2 (started)."""
    server = SmtpServer(auth={})
    server.handler = _XOAuthCollector(introspection_url)
    server.start()
    return server
