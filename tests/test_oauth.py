"""OAuth 2.0 built in (issue 17): the real consent flows against a local authorization
server (tests/oauth_server.py), IMAP logins checked by a real Dovecot's oauth2 passdb at
that server's introspection endpoint, SMTP by aiosmtpd with an XOAUTH2 authenticator.
"""

from __future__ import annotations

import os
import queue
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from oauth_server import OAuthServer, follow_authorize
from resilience_support import rows, submission
from servers import Dovecot, SmtpServer

from ingest.errors import SourceAuthError
from ingest.sources.imap import ImapSource
from ingest.sources.oauth import RefreshingToken, RefreshTokenRevoked, TokenRecord
from notifier.errors import TransportError
from notifier.transport import SmtpTransport
from store.db import Store
from tinbai.config import Config, load_config
from tinbai.oauth import vault, wiring
from tinbai.oauth.flows import LoginFailed
from tinbai.outbox import Outbox
from tinbai.poll import Poller

KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _oauth_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINBAI_OAUTH_KEY", KEY)
    monkeypatch.setenv("TINBAI_TEST_CLIENT_SECRET", "s3cret")


def write_config(folder: Path, server: OAuthServer, imap_url: str, smtp_url: str,
                 flow: str = "loopback", extra: str = "") -> Path:
    """config.yaml with one xoauth2 mailbox and SMTP reusing its login."""
    endpoint = (f"authorize_url: {server.authorize_url}" if flow == "loopback"
                else f"device_url: {server.device_url}")
    path = folder / "config.yaml"
    path.write_text(f"""
mailboxes:
  - name: editorial
    url: "{imap_url}"
    auth: xoauth2
    oauth_provider: local
    batch_size: 10
smtp:
  url: "{smtp_url}"
  auth: xoauth2
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: ./var
replies:
  admin_emails: [quantri@congdoan.example.vn]
oauth:
  providers:
    local:
      flow: {flow}
      client_id: {server.client_id}
      client_secret_env: {'TINBAI_TEST_CLIENT_SECRET' if server.client_secret else 'null'}
      {endpoint}
      token_url: {server.token_url}
      scopes: [mail, offline_access]
{extra}
""", encoding="utf-8")
    return path


@pytest.fixture
def secret_server(oauth_server: OAuthServer) -> OAuthServer:
    oauth_server.client_secret = "s3cret"
    return oauth_server


class Cli:
    """``tinbai`` as a subprocess whose output lines can be read while it runs."""

    def __init__(self, config: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tinbai.cli", "--config", str(config), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, predicate: Any, timeout: float = 60) -> str:
        while True:
            line = self.lines.get(timeout=timeout)  # queue.Empty: a hang guard
            self.seen.append(line)
            if predicate(line):
                return line

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        code = self.proc.wait(timeout=timeout)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        assert self.proc.stderr is not None
        return code, "\n".join(self.seen), self.proc.stderr.read()


def _login_loopback(config_path: Path) -> tuple[int, str, str]:
    cli = Cli(config_path, "auth", "login", "editorial", "--no-browser")
    url = cli.wait_line(lambda line: "/authorize?" in line).strip()
    assert follow_authorize(url) == 200  # the browser ends on tinbai's "done" page
    return cli.finish()


def test_loopback_login_then_poll_and_reply_over_xoauth2(
    tmp_path: Path, secret_server: OAuthServer, oauth_dovecot: Dovecot, oauth_smtp: SmtpServer
) -> None:
    config_path = write_config(tmp_path, secret_server, oauth_dovecot.url(), oauth_smtp.url)
    code, out, err = _login_loopback(config_path)
    assert code == 0, out + err
    assert "Đăng nhập IMAP bằng quyền mới: thành công" in out
    assert "Testing" not in out  # a local provider, not Google
    config = load_config(config_path)
    token_file = vault.token_path(config, "editorial")
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    record = vault.load(config, "editorial")
    assert record is not None and record.account == "editor@example.org"
    assert record.refresh_token.encode() not in token_file.read_bytes()  # encrypted
    assert secret_server.grants("authorization_code") == 1

    oauth_dovecot.append(submission(1))
    poll = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config_path), "poll"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert poll.returncode == 0, poll.stderr
    assert "stored=1" in poll.stdout and "replies_sent=1" in poll.stdout, poll.stdout
    sent = oauth_smtp.wait_for(1)
    assert sent[0].auth_login == "editor@example.org"  # AUTH XOAUTH2 with the same login
    assert oauth_smtp.handler.refused == 0  # type: ignore[attr-defined]


def test_loopback_login_refused_by_the_person(
    tmp_path: Path, oauth_server: OAuthServer, oauth_dovecot: Dovecot
) -> None:
    oauth_server.deny = True
    config_path = write_config(tmp_path, oauth_server, oauth_dovecot.url(), "maildir:outbox")
    code, _, err = _login_loopback(config_path)
    assert code == 1
    assert "consent refused: access_denied" in err
    assert not vault.token_path(load_config(config_path), "editorial").exists()


def test_device_code_login_and_status(
    tmp_path: Path, oauth_server: OAuthServer, oauth_dovecot: Dovecot
) -> None:
    config_path = write_config(tmp_path, oauth_server, oauth_dovecot.url(), "maildir:outbox",
                               flow="device")
    cli = Cli(config_path, "auth", "login", "editorial")
    cli.wait_line(lambda line: f"{oauth_server.base_url}/device/login" in line)
    user_code = cli.wait_line(lambda line: "nhập mã:" in line).split(":", 1)[1].strip()
    oauth_server.approve_device(user_code)
    code, out, err = cli.finish()
    assert code == 0, out + err
    assert "thành công" in out

    status = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config_path), "auth", "status",
         "editorial", "--json"], capture_output=True, text=True, timeout=120, check=False,
    )
    assert status.returncode == 0, status.stderr
    import json

    shown = json.loads(status.stdout)
    assert shown["valid"] is True and shown["account"] == "editor@example.org"
    assert shown["scopes"] == ["mail", "offline_access"]
    assert shown["access_expires_at"] > shown["obtained_at"]

    oauth_server.revoke_all()
    status = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config_path), "auth", "status",
         "editorial"], capture_output=True, text=True, timeout=120, check=False,
    )
    assert status.returncode == 1
    assert "KHÔNG dùng được" in status.stdout and "tinbai auth login editorial" in status.stdout


def test_device_code_refused(tmp_path: Path, oauth_server: OAuthServer) -> None:
    config = load_config(write_config(tmp_path, oauth_server, "imap://u@127.0.0.1/INBOX",
                                      "maildir:outbox", flow="device"))
    said: list[str] = []

    def say(text: str) -> None:
        said.append(text)
        if text.startswith("nhập mã:"):
            oauth_server.deny_device(text.split(":", 1)[1].strip())

    with pytest.raises(LoginFailed, match="access_denied"):
        wiring.login(config, config.mailbox("editorial"), say=say)


def _logged_in(tmp_path: Path, server: OAuthServer, imap_url: str, smtp_url: str,
               extra: str = "") -> Config:
    """A config whose mailbox holds a stored login (as after ``tinbai auth login``)."""
    config = load_config(write_config(tmp_path, server, imap_url, smtp_url, extra=extra))
    vault.save(config, "editorial", TokenRecord(
        provider="local", account=server.user, refresh_token=server.issue_refresh_token(),
        scopes=["mail"], obtained_at=1.0))
    return config


def test_access_token_renewed_before_expiry_and_cached_until_then(
    tmp_path: Path, oauth_server: OAuthServer
) -> None:
    config = _logged_in(tmp_path, oauth_server, "imap://u@127.0.0.1/INBOX", "maildir:o")
    now = [1_000_000.0]
    source = RefreshingToken(
        "editorial", token_url=oauth_server.token_url, client_id=oauth_server.client_id,
        client_secret=None, load=lambda: vault.load(config, "editorial"),
        save=lambda r: vault.save(config, "editorial", r) and None, margin=300,
        clock=lambda: now[0],
    )
    first = source()
    assert oauth_server.grants("refresh_token") == 1
    now[0] += 3600 - 301  # still outside the margin
    assert source() == first and oauth_server.grants("refresh_token") == 1
    now[0] += 2  # 299 s left: renewed before it expires
    second = source()
    assert second != first and oauth_server.grants("refresh_token") == 2
    stored = vault.load(config, "editorial")
    assert stored is not None and stored.access_token == second


def test_rotated_refresh_token_is_stored(tmp_path: Path, oauth_server: OAuthServer) -> None:
    oauth_server.rotate_refresh = True  # Microsoft hands out a new refresh token each time
    config = _logged_in(tmp_path, oauth_server, "imap://u@127.0.0.1/INBOX", "maildir:o")
    before = vault.load(config, "editorial")
    source = wiring.mailbox_token_source(config, config.mailbox("editorial"))
    source.fresh()
    source.fresh()  # would be invalid_grant with the first (now revoked) refresh token
    after = vault.load(config, "editorial")
    assert before is not None and after is not None
    assert after.refresh_token != before.refresh_token


def test_refused_token_renewed_once_for_imap_and_smtp(
    tmp_path: Path, oauth_server: OAuthServer, oauth_dovecot: Dovecot, oauth_smtp: SmtpServer
) -> None:
    config = _logged_in(tmp_path, oauth_server, oauth_dovecot.url(), oauth_smtp.url)
    source = wiring.mailbox_token_source(config, config.mailbox("editorial"))
    source()  # cached, valid for an hour by its own clock…
    oauth_server.expire_access_tokens()  # …but the server no longer accepts it
    imap = ImapSource.from_url("editorial", oauth_dovecot.url(), password=None,
                               oauth_token=source, timeout=20)
    with imap:
        assert imap.uidvalidity > 0
    assert oauth_server.grants("refresh_token") == 2  # renewed on the AUTHENTICATE failure

    oauth_server.expire_access_tokens()
    smtp = SmtpTransport(oauth_smtp.host, oauth_smtp.port, implicit_tls=False, starttls=False,
                         username=oauth_server.user, password=None, timeout=20,
                         oauth_token=source)
    with smtp:
        smtp.send(b"From: a@example.org\r\nTo: b@example.org\r\nSubject: t\r\n\r\nx\r\n",
                  "a@example.org", ["b@example.org"])
    assert oauth_smtp.wait_for(1)[0].auth_login == oauth_server.user
    assert oauth_smtp.handler.refused == 1  # type: ignore[attr-defined]
    assert oauth_server.grants("refresh_token") == 3

    wrong = SmtpTransport(oauth_smtp.host, oauth_smtp.port, implicit_tls=False,
                          starttls=False, username="someone@example.org", password=None,
                          timeout=20, oauth_token=source)
    with pytest.raises(TransportError, match="login refused"), wrong:
        wrong.send(b"Subject: t\r\n\r\nx\r\n", "a@example.org", ["b@example.org"])


@pytest.fixture
def revoked_pipeline(
    tmp_path: Path, oauth_server: OAuthServer, oauth_dovecot: Dovecot, oauth_smtp: SmtpServer
) -> Iterator[tuple[Poller, Store, OAuthServer]]:
    config = _logged_in(tmp_path, oauth_server, oauth_dovecot.url(), oauth_smtp.url)
    oauth_server.revoke_all()
    store = Store(config.data_path)
    yield Poller(config, store), store, oauth_server
    store.close()


def test_revoked_refresh_token_alerts_admins_and_does_not_loop(
    revoked_pipeline: tuple[Poller, Store, OAuthServer]
) -> None:
    pipeline, store, server = revoked_pipeline
    report = pipeline.poll()  # never raises
    assert report.errors and "tinbai auth login editorial" in report.errors[0]
    alerts = store.outbox.open_alerts()
    assert [a["kind"] for a in alerts] == ["oauth_revoked"]
    assert "revoked or expired" in alerts[0]["message"]
    emails = rows(store.path, "SELECT to_addr, subject FROM outbox WHERE kind = 'alert'")
    assert emails and emails[0]["to_addr"] == "quantri@congdoan.example.vn"
    assert "hết hạn hoặc bị thu hồi" in emails[0]["subject"]
    asked = server.grants("refresh_token")
    for _ in range(3):  # `tinbai run` polls again every interval: no new login attempt
        pipeline.poll()
    assert server.grants("refresh_token") == asked
    assert len(store.outbox.open_alerts()) == 1


def test_revoked_login_is_a_line_in_the_web_pages(
    revoked_pipeline: tuple[Poller, Store, OAuthServer]
) -> None:
    from starlette.testclient import TestClient
    from web_support import PASSWORD, login

    from tinbai.web.app import create_app
    from tinbai.web.auth import create_user

    pipeline, store, _ = revoked_pipeline
    pipeline.poll()
    create_user(store, "quantri", "admin", PASSWORD)
    with TestClient(create_app(pipeline.config, store=store)) as client:
        login(client, "quantri")
        page = client.get("/messages").text
    assert "Cảnh báo vận hành" in page and "oauth_revoked" in page
    assert "run: tinbai auth login editorial" in page


def test_revoked_token_for_smtp_is_an_alert_and_a_retry_later(
    tmp_path: Path, oauth_server: OAuthServer, oauth_smtp: SmtpServer
) -> None:
    config = _logged_in(tmp_path, oauth_server, "imap://editor%40example.org@127.0.0.1:1/INBOX",
                        oauth_smtp.url)
    oauth_server.revoke_all()
    store = Store(config.data_path)
    try:
        outbox = Outbox(config, store)
        outbox.alert("quarantined", "a message to send")  # something to send
        report = outbox.send_pending()
        assert report.replies_failed == 1 and report.replies_sent == 0
        kinds = [a["kind"] for a in store.outbox.open_alerts()]
        assert "oauth_revoked" in kinds
        row = rows(store.path, "SELECT state, last_error FROM outbox")[0]
        assert row["state"] == "pending" and "revoked" in row["last_error"]
    finally:
        store.close()


def test_stored_login_needs_the_key(tmp_path: Path, oauth_server: OAuthServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    config = _logged_in(tmp_path, oauth_server, "imap://u@127.0.0.1/INBOX", "maildir:o")
    monkeypatch.setenv("TINBAI_OAUTH_KEY", Fernet.generate_key().decode())
    with pytest.raises(vault.VaultError, match="cannot be decrypted"):
        vault.load(config, "editorial")
    monkeypatch.delenv("TINBAI_OAUTH_KEY")
    with pytest.raises(vault.VaultError, match="TINBAI_OAUTH_KEY, which is not set"):
        vault.load(config, "editorial")
    source = wiring.mailbox_token_source(config, config.mailbox("editorial"))
    imap = ImapSource.from_url("editorial", "imap://u@127.0.0.1:1/INBOX", password=None,
                               oauth_token=source, timeout=5)
    with pytest.raises(SourceAuthError, match="TINBAI_OAUTH_KEY"):
        imap._token()


def test_no_login_yet_is_a_clear_auth_error(tmp_path: Path, oauth_server: OAuthServer) -> None:
    config = load_config(write_config(tmp_path, oauth_server, "imap://u@127.0.0.1/INBOX",
                                      "maildir:o"))
    source = wiring.mailbox_token_source(config, config.mailbox("editorial"))
    with pytest.raises(RefreshTokenRevoked, match="run: tinbai auth login editorial"):
        source()


def test_doctor_reports_a_dead_login_without_alerting(
    revoked_pipeline: tuple[Poller, Store, OAuthServer]
) -> None:
    from tinbai.doctor import run_checks

    pipeline, store, _ = revoked_pipeline
    checks = {c.name: c for c in run_checks(pipeline.config)}
    assert checks["imap_login"].status == "fail"
    assert checks["imap_login"].hint == "Chạy: tinbai auth login editorial"
    assert checks["smtp"].status == "fail" and "revoked" in checks["smtp"].message
    assert store.outbox.open_alerts() == []  # a check informs; only the daemon alerts
