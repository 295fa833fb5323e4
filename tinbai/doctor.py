"""``tinbai doctor``: every check an office needs before trusting tinbai, in Vietnamese.

Each check is a function ``(Context) -> list[Check]`` listed in :data:`CHECKS`, in the
order they are shown; a check never raises (an unexpected error is its own failure).
``quick`` skips the checks that talk to servers (the container health check).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from ingest import jpegcoefficients, turbojpeg_reader
from ingest.errors import SourceAuthError, SourceConnectError, SourceError, SourceProtocolError
from ingest.sources.imap import ImapSource
from notifier.transport import SmtpTransport
from store.errors import StoreError
from store.inspect import database_health
from tinbai import clock
from tinbai.config import Config, ConfigError, MailboxConfig
from tinbai.health import read_health

Status = Literal["ok", "warn", "fail"]

MIN_FREE_BYTES = 200 * 1024 * 1024
WARN_FREE_BYTES = 1024 * 1024 * 1024
MAX_CLOCK_SKEW = 300.0


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    message: str
    hint: str = ""


@dataclass
class Context:
    config: Config
    quick: bool = False
    send_test: bool = False
    results: list[Check] = field(default_factory=list)


def _imap_mailboxes(config: Config) -> list[MailboxConfig]:
    return [m for m in config.mailboxes if not m.url.startswith("maildir:")]


def check_config(ctx: Context) -> list[Check]:
    config = ctx.config
    where = config.base_dir / "config.yaml"
    return [Check("config", "ok", f"Cấu hình hợp lệ ({where}); {len(config.mailboxes)} hộp "
                  f"thư, {len(config.units)} đơn vị.")]


def check_secrets(ctx: Context) -> list[Check]:
    config = ctx.config
    wanted: list[tuple[str, str]] = []
    for box in _imap_mailboxes(config):
        if box.auth == "password" and box.password_env:
            wanted.append((f"mailboxes[{box.name}].password_env", box.password_env))
        if box.auth == "xoauth2" and box.oauth_provider and not box.oauth_token_command:
            wanted.append(("oauth.key_env", config.oauth.key_env))
            provider = config.oauth.providers[box.oauth_provider]
            if provider.client_secret_env:
                wanted.append((f"oauth.providers.{box.oauth_provider}.client_secret_env",
                               provider.client_secret_env))
    smtp = config.smtp
    if not smtp.url.startswith("maildir:") and smtp.auth == "password" and smtp.password_env:
        wanted.append(("smtp.password_env", smtp.password_env))
    results = []
    for key, env in dict(wanted).items():  # one line per variable
        if os.environ.get(env):
            results.append(Check("secret", "ok", f"Biến môi trường {env} đã đặt ({key})."))
        else:
            results.append(Check("secret", "fail", f"Thiếu biến môi trường {env} ({key}).",
                                 f"Đặt {env} trong tệp bí mật (secrets.env) rồi chạy lại."))
    if not config.web.public_url and any(k.needs_approval for k in config.unit_kinds.values()):
        results.append(Check("secret", "warn", "Có loại đơn vị cần duyệt nhưng chưa đặt "
                             "web.public_url: thư xin duyệt và thư trả lời sẽ không có liên "
                             "kết (người duyệt vẫn trả lời thư được).",
                             "Đặt web.public_url là địa chỉ trang web mà người ngoài mở được."))
    return results or [Check("secret", "ok", "Không cần bí mật nào (hộp thư Maildir).")]


def _tcp_tls(host: str, port: int, tls: bool, ca_file: str | None, timeout: float) -> str | None:
    """None when ``host:port`` accepts TCP (and a verified TLS handshake), else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            if tls:
                context = ssl.create_default_context(cafile=ca_file)
                with context.wrap_socket(raw, server_hostname=host):
                    pass
    except ssl.SSLError as exc:
        return f"TLS: {exc}"
    except OSError as exc:
        return f"connect: {exc}"
    return None


def check_mailboxes(ctx: Context) -> list[Check]:
    results: list[Check] = []
    for box in ctx.config.mailboxes:
        if box.url.startswith("maildir:"):
            path = ctx.config.resolve(box.url.split(":", 1)[1].removeprefix("//"))
            ok = path.is_dir() and os.access(path, os.W_OK)
            results.append(Check("mailbox", "ok" if ok else "fail",
                                 f"Hộp thư {box.name}: thư mục Maildir {path} "
                                 + ("đọc/ghi được." if ok else "không có hoặc không ghi được."),
                                 "" if ok else f"Tạo thư mục {path}/new, cur, tmp."))
            continue
        if ctx.quick:
            continue
        parts = urlsplit(box.url)
        host, tls = parts.hostname or "", parts.scheme == "imaps"
        port = parts.port or (993 if tls else 143)
        problem = _tcp_tls(host, port, tls, box.ca_file, min(box.timeout_seconds, 20))
        if problem:
            tls_failed = problem.startswith("TLS")
            results.append(Check("imap_tls" if tls_failed else "imap_reachable", "fail",
                                 f"Hộp thư {box.name}: không kết nối được {host}:{port} "
                                 f"({problem}).",
                                 "Chứng chỉ TLS không hợp lệ: kiểm tra tên máy chủ, ngày giờ "
                                 "máy, hoặc ca_file." if tls_failed else
                                 "Kiểm tra mạng, tên máy chủ và cổng trong url."))
            continue
        results.append(Check("imap_reachable", "ok", f"Hộp thư {box.name}: kết nối {host}:"
                             f"{port}" + (" (TLS hợp lệ)." if tls else ".")))
        results.extend(_imap_session(ctx, box))
    return results


def _imap_session(ctx: Context, box: MailboxConfig) -> list[Check]:
    from tinbai.connections import open_mailbox
    from tinbai.oauth.wiring import mailbox_token_source

    try:  # a token source that alerts nobody: the doctor reports, it does not alarm
        token = mailbox_token_source(ctx.config, box) if box.auth == "xoauth2" else None
        with open_mailbox(ctx.config, box, token) as source:
            found = [Check("imap_login", "ok", f"Hộp thư {box.name}: đăng nhập và mở thư mục "
                           f"thành công (UIDVALIDITY {source.uidvalidity}).")]
            for folder in (box.processed_folder, box.quarantine_folder):
                if folder and isinstance(source, ImapSource):
                    try:
                        source.ensure_folder(folder)
                        found.append(Check("imap_folder", "ok", f"Hộp thư {box.name}: thư mục "
                                           f"«{folder}» có sẵn hoặc đã tạo được."))
                    except Exception as exc:
                        found.append(Check("imap_folder", "fail", f"Hộp thư {box.name}: không "
                                           f"tạo được thư mục «{folder}»: {exc}"))
            return found
    except SourceAuthError as exc:
        hint = (f"Chạy: tinbai auth login {box.name}" if box.auth == "xoauth2"
                else "Tạo lại mật khẩu ứng dụng và đặt vào biến môi trường.")
        return [Check("imap_login", "fail", f"Hộp thư {box.name}: đăng nhập bị từ chối: {exc}",
                      hint)]
    except SourceProtocolError as exc:
        return [Check("imap_folder", "fail", f"Hộp thư {box.name}: {exc}",
                      "Kiểm tra tên thư mục (thường là INBOX) ở cuối url.")]
    except (SourceConnectError, SourceError, ConfigError) as exc:
        return [Check("imap_login", "fail", f"Hộp thư {box.name}: {exc}")]


def check_smtp(ctx: Context) -> list[Check]:
    from notifier.errors import NotifierError
    from notifier.transport import MaildirTransport
    from tinbai.connections import open_smtp, smtp_uses_oauth
    from tinbai.oauth.wiring import smtp_token_source

    try:
        token = smtp_token_source(ctx.config) if smtp_uses_oauth(ctx.config) else None
        transport = open_smtp(ctx.config, token)
        if isinstance(transport, MaildirTransport):
            path = transport.path
            path.mkdir(parents=True, exist_ok=True)
            ok = os.access(path, os.W_OK)
            return [Check("smtp", "ok" if ok else "fail",
                          f"Thư trả lời ghi vào thư mục {path}"
                          + (" (ghi được)." if ok else " (không ghi được)."))]
        if ctx.quick:
            return []
        assert isinstance(transport, SmtpTransport)
        with transport:
            transport.open()
            results = [Check("smtp", "ok", f"SMTP {transport.host}:{transport.port}: kết nối "
                             "và đăng nhập thành công.")]
            if ctx.send_test:
                results.append(_send_test(ctx, transport))
        return results
    except (NotifierError, ConfigError, OSError) as exc:
        return [Check("smtp", "fail", f"SMTP: {exc}",
                      "Kiểm tra smtp.url, tên đăng nhập và mật khẩu/OAuth.")]


def _send_test(ctx: Context, transport: SmtpTransport) -> Check:
    admins = [a for a in ctx.config.replies.admin_emails if "@" in a]
    if not admins:
        return Check("smtp_test", "warn", "Không gửi thư thử: chưa có replies.admin_emails.")
    sender = parseaddr(ctx.config.smtp.from_)[1]
    message = EmailMessage()
    message["From"] = ctx.config.smtp.from_
    message["To"] = ", ".join(admins)
    message["Subject"] = "[tinbai] Thư thử của tinbai doctor"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("tinbai-doctor", domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("tinbai gửi được thư qua máy chủ SMTP đã cấu hình.\n")
    transport.send(message.as_bytes(), sender, admins)
    return Check("smtp_test", "ok", f"Đã gửi thư thử tới {', '.join(admins)}.")


def check_data_folder(ctx: Context) -> list[Check]:
    path = ctx.config.data_path
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".doctor-{os.getpid()}"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return [Check("data_folder", "fail", f"Thư mục dữ liệu {path} không ghi được: {exc}")]
    free = shutil.disk_usage(path).free
    status: Status = ("fail" if free < MIN_FREE_BYTES else
                      "warn" if free < WARN_FREE_BYTES else "ok")
    return [Check("data_folder", status, f"Thư mục dữ liệu {path} ghi được; còn trống "
                  f"{free / 1024 ** 3:.1f} GB.",
                  "" if status == "ok" else "Giải phóng ổ đĩa: thư gốc và ảnh cần chỗ.")]


def check_database(ctx: Context) -> list[Check]:
    path = ctx.config.data_path / "tinbai.sqlite3"
    if not path.exists():
        return [Check("database", "ok", "Chưa có cơ sở dữ liệu (tạo ở lần nhận thư đầu).")]
    try:
        health = database_health(path, quick=ctx.quick)
    except StoreError as exc:
        return [Check("database", "fail", f"Không đọc được {path}: {exc}")]
    verdict, pending, oldest, failed = (health.verdict, health.pending_replies,
                                        health.oldest_pending, health.failed_replies)
    results = [Check("database", "ok" if verdict == "ok" else "fail",
                     f"Cơ sở dữ liệu {path}: " + ("nguyên vẹn." if verdict == "ok"
                                                  else f"HỎNG ({verdict})."),
                     "" if verdict == "ok" else "Khôi phục từ bản sao lưu: tinbai restore.")]
    waited = (datetime.now(UTC) - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0
    late = waited > 3600
    results.append(Check("outbox", "warn" if late or failed else "ok",
                         f"Thư chờ gửi: {pending}" + (f" (cũ nhất từ {oldest})" if oldest else "")
                         + f"; gửi thất bại hẳn: {failed}.",
                         "Kiểm tra SMTP (mục trên) và nhật ký." if late or failed else ""))
    return results


def check_clock(ctx: Context) -> list[Check]:
    now = datetime.now(UTC)
    local = clock.to_local(now).strftime("%d/%m/%Y %H:%M")
    system = time.strftime("%Z (UTC%z)")
    results = [Check("clock", "ok" if now.year >= 2024 else "fail",
                     f"Giờ Việt Nam theo máy: {local}; múi giờ hệ thống {system}. Ngày giờ "
                     "của tin, bài và kỳ báo cáo luôn tính theo giờ Việt Nam (UTC+7).")]
    if ctx.quick:
        return results
    urls = {p.token_url for m in ctx.config.mailboxes if m.oauth_provider
            for p in [ctx.config.oauth.providers[m.oauth_provider]]}
    for url in sorted(urls):
        skew = _clock_skew(url)
        if skew is None:
            continue
        bad = abs(skew) > MAX_CLOCK_SKEW
        results.append(Check("clock", "fail" if bad else "ok",
                             f"Đồng hồ máy lệch {skew:+.0f} giây so với {urlsplit(url).hostname}.",
                             "Bật đồng bộ giờ (NTP): mã OAuth và chứng chỉ TLS cần giờ đúng."
                             if bad else ""))
    return results


def _clock_skew(url: str) -> float | None:
    """Seconds this clock is ahead of the server's HTTP Date header (None: unknown)."""
    try:
        request = urllib.request.Request(url, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                header = response.headers.get("Date")
        except urllib.error.HTTPError as exc:  # 405 or 400: still dated
            header = exc.headers.get("Date")
        if not header:
            return None
        return time.time() - parsedate_to_datetime(header).timestamp()
    except (OSError, ValueError):
        return None


def check_last_poll(ctx: Context) -> list[Check]:
    health = read_health(ctx.config.data_path)
    ok_at = health.get("last_poll_ok_at")
    if not ok_at:
        return [Check("last_poll", "warn", "Chưa có lần nhận thư nào thành công.",
                      "Chạy tinbai poll, hoặc khởi động dịch vụ tinbai run.")]
    age = (datetime.now(UTC) - datetime.fromisoformat(ok_at)).total_seconds()
    limit = max(3 * ctx.config.polling.interval_seconds, 3600)
    errors = health.get("last_poll_errors") or []
    when = clock.format_local(ok_at)
    return [Check("last_poll", "fail" if age > limit else "ok",
                  f"Lần nhận thư thành công gần nhất: {when} ({age / 60:.0f} phút trước)"
                  + (f"; lần gần nhất có lỗi: {errors[0]}" if errors else "."),
                  "Dịch vụ tinbai run có đang chạy không? Xem nhật ký." if age > limit else "")]


def check_photo_reader(ctx: Context) -> list[Check]:
    """Which reader gives the photo rules their DCT coefficients (README "Photo rules")."""
    if jpegcoefficients.reader_name() == "turbojpeg":
        return [Check("photo_reader", "ok", "Hệ số DCT của ảnh JPEG được đọc bằng libjpeg-turbo "
                      f"(TurboJPEG, {turbojpeg_reader.describe()}).")]
    return [Check("photo_reader", "warn",
                  "Không có thư viện libjpeg-turbo (TurboJPEG): hệ số DCT của ảnh JPEG được đọc "
                  "bằng bộ giải mã Python, kết luận về ảnh như nhau nhưng chậm hơn nhiều "
                  "(vài chục mili giây mỗi ảnh).",
                  "Debian/Ubuntu: apt-get install libturbojpeg0; macOS: brew install jpeg-turbo; "
                  "Windows: cài libjpeg-turbo (bản 64-bit) rồi thêm thư mục bin vào PATH hoặc đặt "
                  f"biến {turbojpeg_reader.LIBRARY_VARIABLE} là đường dẫn tới turbojpeg.dll.")]


CHECKS: tuple[Callable[[Context], list[Check]], ...] = (
    check_config, check_secrets, check_data_folder, check_database, check_clock,
    check_mailboxes, check_smtp, check_last_poll, check_photo_reader,
)


def run_checks(config: Config, *, quick: bool = False, send_test: bool = False) -> list[Check]:
    """Every check, in order; an unexpected error is reported as that check's failure."""
    ctx = Context(config, quick=quick, send_test=send_test)
    for check in CHECKS:
        try:
            ctx.results.extend(check(ctx))
        except Exception as exc:
            name = check.__name__.removeprefix("check_")
            ctx.results.append(Check(name, "fail", f"Lỗi khi kiểm tra: {exc}"))
    return ctx.results


def report_json(checks: list[Check]) -> str:
    """The ``--json`` report: ``{"ok": bool, "checks": [{name, status, message, hint}]}``."""
    return json.dumps({"ok": all(c.status != "fail" for c in checks),
                       "checks": [asdict(c) for c in checks]}, ensure_ascii=False, indent=2)


def config_failure(error: Exception, path: Path | None) -> list[Check]:
    """The report when config.yaml itself cannot be loaded."""
    return [Check("config", "fail", f"Cấu hình không hợp lệ: {error}",
                  f"Sửa {path or 'config.yaml'} theo thông báo trên, hoặc chạy tinbai init.")]
