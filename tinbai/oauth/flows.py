"""The consent of ``tinbai auth login``: loopback + PKCE, or device code.

- Loopback (RFC 8252 §7.3, Google's installed-app flow): tinbai listens on
  ``http://127.0.0.1:PORT/`` (any free port; the IP literal, not ``localhost``), the
  person opens the authorization URL in a browser and consents, the browser is
  redirected to tinbai with a one-time code, which is exchanged together with the PKCE
  verifier (RFC 7636, S256) so an app that intercepts the code cannot use it.
- Device code (RFC 8628, Microsoft 365): tinbai shows a short code and a URL to open on
  any phone or computer, and polls the token endpoint until the person has consented.

Both print their instructions in Vietnamese through ``say`` and return the token
endpoint's answer (RFC 6749 §5.1).
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import secrets
import sys
import threading
import time
import urllib.parse
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ingest.sources.oauth import OAuthError, error_text, post_form
from tinbai.config_ops import OAuthProviderConfig

Say = Callable[[str], None]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class LoginFailed(OAuthError):
    """The consent did not happen: refused, timed out, or answered wrongly."""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (43–128 unreserved characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)  # 86 characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


_DONE_PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8">
<title>tinbai</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>{title}</h1><p>{text}</p></body></html>"""


class _Redirect:
    """What the browser brought back to the loopback listener."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        self.done = threading.Event()


def _listener(redirect: _Redirect) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = urllib.parse.urlsplit(self.path).query
            params = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
            if "code" not in params and "error" not in params:
                self.send_error(404)  # a favicon or a stray request
                return
            ok = "code" in params
            page = _DONE_PAGE.format(
                title="Đã đăng nhập" if ok else "Chưa đăng nhập được",
                text=("tinbai đã nhận quyền truy cập hộp thư. Có thể đóng cửa sổ này và "
                      "quay lại cửa sổ dòng lệnh." if ok else
                      "Lỗi: " + html.escape(params.get("error", "")) + ". Hãy chạy lại "
                      "lệnh tinbai auth login."),
            ).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            if not redirect.done.is_set():
                redirect.params = params
                redirect.done.set()

        def log_message(self, format: str, *args: Any) -> None:
            return None  # the URL holds the one-time code: keep it out of the logs

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def _has_desktop() -> bool:
    """A graphical browser can be opened: Windows, macOS, or a Linux desktop session
    (on a bare server ``webbrowser`` would start lynx in this very terminal)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def loopback_login(
    provider: OAuthProviderConfig,
    *,
    client_secret: str | None,
    account: str,
    timeout: float,
    say: Say,
    open_browser: bool = True,
) -> dict[str, Any]:
    """Installed-app flow with a loopback redirect and PKCE; the token answer."""
    if not provider.authorize_url:
        raise LoginFailed("oauth provider: authorize_url is needed for the loopback flow")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    redirect = _Redirect()
    server = _listener(redirect)
    redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/"
    params = {
        "response_type": "code", "client_id": provider.client_id,
        "redirect_uri": redirect_uri, "scope": " ".join(provider.scopes), "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256",
        **({"login_hint": account} if account else {}), **provider.extra_params,
    }
    url = f"{provider.authorize_url}?{urllib.parse.urlencode(params)}"
    thread = threading.Thread(target=server.serve_forever, name="tinbai-oauth-loopback",
                              daemon=True)
    thread.start()
    try:
        say("Mở địa chỉ sau bằng trình duyệt trên máy này, đăng nhập bằng tài khoản "
            f"{account or 'của hộp thư'} và bấm «Cho phép» (Allow):")
        say(url)
        if open_browser and _has_desktop():
            webbrowser.open(url, new=1)
        say(f"Đang chờ trình duyệt quay lại (tối đa {timeout / 60:.0f} phút)…")
        if not redirect.done.wait(timeout):
            raise LoginFailed(f"no consent within {timeout:.0f} s; run tinbai auth login again")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    got = redirect.params
    if got.get("state") != state:
        raise LoginFailed("the redirect carried a wrong state parameter (not our request)")
    if "error" in got:
        raise LoginFailed(f"consent refused: {error_text(got)}")
    form = {"grant_type": "authorization_code", "code": got["code"],
            "redirect_uri": redirect_uri, "client_id": provider.client_id,
            "code_verifier": verifier}
    if client_secret:
        form["client_secret"] = client_secret
    answer = post_form(provider.token_url, form)
    if "error" in answer:
        raise LoginFailed(f"the code was not accepted: {error_text(answer)}")
    return answer


def device_login(
    provider: OAuthProviderConfig,
    *,
    client_secret: str | None,
    account: str,
    timeout: float,
    say: Say,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Device authorization grant (RFC 8628 §3): show the code, poll until consent."""
    if not provider.device_url:
        raise LoginFailed("oauth provider: device_url is needed for the device-code flow")
    start = post_form(provider.device_url, {"client_id": provider.client_id,
                                            "scope": " ".join(provider.scopes)})
    if "error" in start:
        raise LoginFailed(f"device authorization refused: {error_text(start)}")
    try:
        device_code = str(start["device_code"])
        user_code = str(start["user_code"])
        uri = str(start.get("verification_uri") or start["verification_url"])
    except KeyError as exc:
        raise LoginFailed(f"device authorization answer lacks {exc}") from exc
    interval = float(start.get("interval") or 5)
    deadline = time.monotonic() + min(timeout, float(start.get("expires_in") or timeout))
    say(f"Trên điện thoại hoặc máy tính bất kỳ, mở {uri}")
    say(f"nhập mã: {user_code}")
    say(f"rồi đăng nhập bằng tài khoản {account or 'của hộp thư'} và chấp nhận quyền truy "
        "cập. Đang chờ…")
    form = {"grant_type": DEVICE_GRANT, "device_code": device_code,
            "client_id": provider.client_id}
    if client_secret:
        form["client_secret"] = client_secret
    while True:
        sleep(interval)
        answer = post_form(provider.token_url, form)
        error = answer.get("error")
        if error is None:
            return answer
        if error == "authorization_pending":
            pass
        elif error == "slow_down":
            interval += 5  # RFC 8628 §3.5
        elif error == "access_denied":
            raise LoginFailed("the person refused the access (access_denied)")
        elif error == "expired_token":
            raise LoginFailed("the code expired before consent; run tinbai auth login again")
        else:
            raise LoginFailed(f"device login failed: {error_text(answer)}")
        if time.monotonic() > deadline:
            raise LoginFailed(f"no consent within {timeout:.0f} s; run tinbai auth login again")
