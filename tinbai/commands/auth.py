"""``tinbai auth login|status MAILBOX``: the built-in OAuth 2.0 login of a mailbox.

``login`` runs the provider's consent (Google: browser + loopback redirect with PKCE;
Microsoft 365: a code typed at microsoft.com/devicelogin), stores the refresh token
encrypted in the data folder, then tries the IMAP login with it. ``status`` shows who is
logged in, the scopes granted and the expiry dates, and (unless ``--offline``) renews an
access token to prove the login still works; exit status 1 when it does not.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from typing import Any

from ingest.errors import SourceError
from ingest.sources.oauth import TokenRecord
from tinbai import clock
from tinbai.config import Config, ConfigError, MailboxConfig

#: Google keeps the refresh token of a client in "Testing" publishing status 7 days.
GOOGLE_TESTING_DAYS = 7


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``auth login`` and ``auth status``."""
    p = subparsers.add_parser("auth", help="OAuth login of a mailbox (Gmail, Microsoft 365)")
    sub = p.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
    login = sub.add_parser("login", help="log in once in a browser; the token is stored "
                           "encrypted in the data folder")
    login.add_argument("mailbox", metavar="MAILBOX", help="a mailboxes[].name of config.yaml")
    login.add_argument("--no-browser", action="store_true",
                       help="only print the address to open (another machine, SSH)")
    login.add_argument("--no-check", action="store_true",
                       help="do not try the IMAP login afterwards")
    login.set_defaults(func=run_login)
    status = sub.add_parser("status", help="who is logged in, scopes and expiry")
    status.add_argument("mailbox", metavar="MAILBOX")
    status.add_argument("--offline", action="store_true",
                        help="do not renew an access token to check the login")
    status.add_argument("--json", action="store_true", help="print a JSON object")
    status.set_defaults(func=run_status)


def _say(text: str) -> None:
    print(text, flush=True)


def _local(epoch: float | None) -> str:
    if not epoch:
        return "không rõ"
    return datetime.fromtimestamp(epoch, clock.zone()).strftime("%d/%m/%Y %H:%M")


def _check_imap(config: Config, mailbox: MailboxConfig) -> str | None:
    """Log in to the mailbox with the new token; None when it worked, else why not."""
    from tinbai.connections import open_mailbox
    from tinbai.oauth.wiring import mailbox_token_source

    try:
        with open_mailbox(config, mailbox, mailbox_token_source(config, mailbox)) as source:
            _ = source.uidvalidity
    except SourceError as exc:
        return str(exc)
    return None


def run_login(args: argparse.Namespace, config: Config) -> int:
    from tinbai.oauth import vault, wiring

    mailbox = config.mailbox(args.mailbox)
    if mailbox.oauth_token_command:
        print(f"tinbai auth login: mailbox {mailbox.name} uses oauth_token_command; remove "
              "it to use the built-in login", file=sys.stderr)
        return 2
    name, _ = wiring.provider_of(config, mailbox)
    _say(f"Đăng nhập hộp thư «{mailbox.name}» ({wiring.account_of(mailbox)}) qua {name}.")
    record = wiring.login(config, mailbox, say=_say, open_browser=not args.no_browser)
    _say(f"Đã lưu quyền truy cập (mã hoá) vào {vault.token_path(config, mailbox.name)}.")
    _say(f"Quyền được cấp: {' '.join(record.scopes)}")
    if name == "google":
        _say("Lưu ý: nếu ứng dụng OAuth của Google còn ở trạng thái «Testing», Google thu hồi "
             f"quyền sau {GOOGLE_TESTING_DAYS} ngày (khoảng "
             f"{_local(record.obtained_at + GOOGLE_TESTING_DAYS * 86400)}); hãy chuyển sang "
             "«In production» (docs/operations.md).")
    if args.no_check or mailbox.url.startswith("maildir:"):
        return 0
    problem = _check_imap(config, mailbox)
    if problem:
        _say(f"Đăng nhập IMAP bằng quyền mới KHÔNG thành công: {problem}")
        return 1
    _say("Đăng nhập IMAP bằng quyền mới: thành công.")
    return 0


def status_of(config: Config, mailbox: MailboxConfig, *, offline: bool) -> dict[str, Any]:
    """The state of a mailbox's OAuth login, as printed by ``tinbai auth status``."""
    from tinbai.oauth import vault, wiring

    result: dict[str, Any] = {"mailbox": mailbox.name, "provider": mailbox.oauth_provider,
                              "account": wiring.account_of(mailbox), "logged_in": False,
                              "valid": None, "error": None}
    if mailbox.oauth_token_command:
        result.update(provider="oauth_token_command", logged_in=True)
        if not offline:
            _renew(result, wiring.mailbox_token_source(config, mailbox).fresh)
        return result
    wiring.provider_of(config, mailbox)
    record: TokenRecord | None = vault.load(config, mailbox.name)
    if record is None:
        result.update(valid=False, error=f"chưa đăng nhập: tinbai auth login {mailbox.name}")
        return result
    result.update(logged_in=True, scopes=record.scopes, obtained_at=record.obtained_at,
                  access_expires_at=record.expires_at,
                  refresh_expires_at=record.refresh_expires_at)
    if not offline:
        _renew(result, wiring.mailbox_token_source(config, mailbox).fresh)
        record = vault.load(config, mailbox.name) or record
        result.update(scopes=record.scopes, access_expires_at=record.expires_at)
    return result


def _renew(result: dict[str, Any], fresh: Any) -> None:
    try:
        fresh()
        result["valid"] = True
    except (SourceError, ConfigError) as exc:
        result.update(valid=False, error=str(exc))


def run_status(args: argparse.Namespace, config: Config) -> int:
    mailbox = config.mailbox(args.mailbox)
    result = status_of(config, mailbox, offline=args.offline)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 1 if result["valid"] is False else 0
    print(f"Hộp thư: {mailbox.name} ({result['account']}), đăng nhập qua {result['provider']}")
    if result.get("obtained_at"):
        print(f"  Đăng nhập lúc: {_local(result['obtained_at'])} (giờ Việt Nam)")
        print(f"  Quyền (scopes): {' '.join(result.get('scopes') or []) or 'không rõ'}")
        print(f"  Mã truy cập hết hạn: {_local(result.get('access_expires_at'))}")
        refresh_end = result.get("refresh_expires_at")
        print(f"  Mã làm mới hết hạn: {_local(refresh_end) if refresh_end else 'không báo'}")
        if result["provider"] == "google" and not refresh_end:
            print(f"  (Ứng dụng Google ở trạng thái «Testing»: hết hạn sau {GOOGLE_TESTING_DAYS}"
                  f" ngày, khoảng {_local(result['obtained_at'] + GOOGLE_TESTING_DAYS * 86400)})")
    if result["valid"] is True:
        print(f"  Kiểm tra lúc {_local(time.time())}: đăng nhập còn hiệu lực.")
    elif result["valid"] is False:
        print(f"  KHÔNG dùng được: {result['error']}")
        return 1
    return 0
