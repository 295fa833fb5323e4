"""``tinbai init``: the guided set-up, in Vietnamese, for an office without a programmer.

Asks for the mailbox (Gmail, Microsoft 365, another IMAP server or a local Maildir), the
login method, the From address, the data folder and the units (or imports them from the
federation's CSV/XLSX list); writes a commented config.yaml and ``secrets.env`` (the
generated keys, mode 0600), creates the first admin of the web pages, offers the OAuth
login, and runs ``tinbai doctor``. Every question has a flag, so ``--yes`` with flags is
a scripted install that asks nothing (the admin's password then comes from
``TINBAI_ADMIN_PASSWORD`` or standard input).
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

from tinbai.config import Config, ConfigError, load_config
from tinbai.setup_writer import KINDS, Answers, render_config
from tinbai.units_import import UnitsImportError, read_units

KIND_LABELS = {"gmail": "Gmail / Google Workspace", "microsoft": "Microsoft 365 (Outlook)",
               "imap": "Máy chủ IMAP khác", "maildir": "Thư mục Maildir trên máy này"}
DEFAULT_KINDS = {"huyen_nganh": "LĐLĐ cấp huyện, công đoàn ngành", "co_so": "Công đoàn cơ sở"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``init``."""
    p = subparsers.add_parser("init", help="guided set-up: mailbox, login, units, first admin "
                              "(writes config.yaml, then runs the doctor)")
    p.add_argument("--yes", "-y", action="store_true",
                   help="ask nothing: take the flags below and the defaults")
    p.add_argument("--mailbox", choices=KINDS, help="gmail, microsoft, imap or maildir")
    p.add_argument("--email", help="the editorial mailbox address")
    p.add_argument("--login", choices=("oauth", "password"),
                   help="oauth (Gmail, Microsoft 365) or password (app password)")
    p.add_argument("--client-id", help="OAuth client ID registered for this office")
    p.add_argument("--imap-host", help="imap: the server name")
    p.add_argument("--imap-port", type=int, default=993, help="imap: port (993, TLS)")
    p.add_argument("--smtp-host", help="imap: the SMTP server name")
    p.add_argument("--smtp-port", type=int, default=587, help="imap: port (587, STARTTLS)")
    p.add_argument("--maildir", help="maildir: the inbox folder")
    p.add_argument("--from", dest="from_address", help='From of replies, "Ban Biên tập <…>"')
    p.add_argument("--data-dir", help="data folder (default ./var beside config.yaml)")
    p.add_argument("--admin-email", action="append", default=None,
                   help="who gets operational alerts (repeatable)")
    p.add_argument("--units", metavar="FILE", help="CSV or XLSX list of units to import")
    p.add_argument("--admin", metavar="NAME", help="first admin of the web pages")
    p.add_argument("--force", action="store_true", help="overwrite an existing config.yaml")
    p.add_argument("--no-doctor", action="store_true", help="do not run tinbai doctor")
    p.set_defaults(func=run, on_config_error=on_config_error)


class Prompter:
    """Questions on the terminal (or answers read line by line from a piped script)."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def ask(self, question: str, default: str = "", given: str | None = None) -> str:
        if given is not None:
            return given
        if not self.interactive:
            return default
        shown = f" [{default}]" if default else ""
        print(f"{question}{shown}: ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            raise SystemExit("tinbai init: hết dữ liệu vào (standard input) giữa chừng")
        return line.strip() or default

    def choose(self, question: str, options: dict[str, str], default: str,
               given: str | None = None) -> str:
        if given is not None or not self.interactive:
            return given or default
        keys = list(options)
        print(question)
        for number, key in enumerate(keys, start=1):
            print(f"  {number}. {options[key]}")
        while True:
            answer = self.ask("Chọn số", str(keys.index(default) + 1))
            if answer.isdigit() and 1 <= int(answer) <= len(keys):
                return keys[int(answer) - 1]
            if answer in options:
                return answer
            print(f"  Hãy gõ một số từ 1 đến {len(keys)}.")

    def password(self, question: str) -> str:
        env = os.environ.get("TINBAI_ADMIN_PASSWORD")
        if env:
            return env
        if sys.stdin.isatty():
            first = getpass.getpass(f"{question}: ")
            if getpass.getpass("Nhập lại: ") != first:
                raise SystemExit("tinbai init: hai lần nhập mật khẩu không khớp")
            return first
        if self.interactive:
            print(f"{question}: ", end="", flush=True)
        return sys.stdin.readline().rstrip("\r\n")


def _answers(args: argparse.Namespace, ask: Prompter) -> Answers:
    a = Answers()
    a.kind = ask.choose("Hộp thư nhận tin, bài là loại nào?", KIND_LABELS,
                        "gmail", args.mailbox)
    if a.kind == "maildir":
        a.maildir = ask.ask("Thư mục Maildir", "inbox", args.maildir)
        a.from_address = ask.ask("Địa chỉ người gửi của thư trả lời",
                                 "Ban Biên tập <toasoan@congdoan.example.vn>", args.from_address)
    else:
        a.email = ask.ask("Địa chỉ email của hộp thư", "", args.email)
        if "@" not in a.email:
            raise ConfigError(f"«{a.email}» không phải một địa chỉ email (--email)")
        if a.kind == "imap":
            a.imap_host = ask.ask("Tên máy chủ IMAP", "", args.imap_host)
            a.imap_port = int(ask.ask("Cổng IMAP (TLS)", str(args.imap_port)))
            a.smtp_host = ask.ask("Tên máy chủ SMTP", a.imap_host, args.smtp_host)
            a.smtp_port = int(ask.ask("Cổng SMTP (STARTTLS)", str(args.smtp_port)))
            a.login = "password"
        elif a.kind == "microsoft":
            a.login = "oauth"  # Microsoft 365 turned basic authentication off for IMAP
        else:
            a.login = ask.choose("Đăng nhập bằng cách nào?", {
                "oauth": "OAuth: đăng nhập một lần trên trình duyệt (khuyên dùng)",
                "password": "Mật khẩu ứng dụng (cần xác minh 2 bước)"}, "oauth", args.login)
        if a.login == "oauth":
            a.client_id = ask.ask("Client ID của ứng dụng OAuth (docs/operations.md)", "",
                                  args.client_id)
        a.from_address = ask.ask("Địa chỉ người gửi của thư trả lời",
                                 f"Ban Biên tập <{a.email}>", args.from_address)
    a.data_dir = ask.ask("Thư mục dữ liệu", "./var", args.data_dir)
    admins = args.admin_email or ask.ask("Email nhận cảnh báo (cách nhau bởi dấu phẩy)",
                                         a.email).split(",")
    a.admin_emails = [x.strip() for x in admins if "@" in x]
    units = ask.ask("Tệp danh sách đơn vị (CSV/XLSX), bỏ trống nếu chưa có", "", args.units)
    if units:
        try:
            a.units = read_units(Path(units).expanduser(), DEFAULT_KINDS, "co_so")
        except UnitsImportError as exc:
            raise ConfigError(f"danh sách đơn vị: {exc}") from None
        print(f"Đã đọc {len(a.units)} đơn vị từ {units}.")
    return a


def _write_secrets(folder: Path, a: Answers) -> Path:
    """secrets.env beside config.yaml: the generated keys and the names still to fill."""
    from tinbai.oauth.vault import new_key
    from tinbai.platform import restrict_to_owner

    path = folder / "secrets.env"
    values = {"TINBAI_SECRET_KEY": secrets.token_urlsafe(32)}
    if a.login == "oauth":
        values["TINBAI_OAUTH_KEY"] = new_key()
        if a.kind == "gmail":
            values["TINBAI_GOOGLE_CLIENT_SECRET"] = ""
    elif a.kind != "maildir":
        values.update(TINBAI_IMAP_PASSWORD="", TINBAI_SMTP_PASSWORD="")
    if path.exists():  # keep keys made earlier: stored logins are encrypted with them
        for line in path.read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition("=")
            if name.strip() in values and value.strip():
                values[name.strip()] = value.strip()
    text = ("# Bí mật của tinbai: nạp vào môi trường trước khi chạy (systemd: EnvironmentFile=;\n"
            "# Linux: set -a; . ./secrets.env; set +a). Điền các giá trị còn trống.\n"
            + "".join(f"{k}={v}\n" for k, v in values.items()))
    path.write_text(text, encoding="utf-8")
    restrict_to_owner(path)
    for name, value in values.items():
        if value and not os.environ.get(name):
            os.environ[name] = value  # for the login and the doctor run just below
    return path


def run(args: argparse.Namespace, config: Config | None) -> int:
    target = Path(args.config or "config.yaml").resolve()
    if target.exists() and not args.force:
        print(f"tinbai init: {target} đã có; thêm --force để ghi đè.", file=sys.stderr)
        return 2
    print("Thiết lập tinbai: trả lời các câu hỏi, Enter để nhận giá trị trong [ ].")
    ask = Prompter(interactive=not args.yes)
    a = _answers(args, ask)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_config(a), encoding="utf-8")
    secrets_path = _write_secrets(target.parent, a)
    print(f"Đã ghi {target} và {secrets_path}.")
    config = load_config(target)
    admin = ask.ask("Tên đăng nhập của quản trị trang web", "quantri", args.admin)
    if admin:
        _create_admin(config, admin, ask)
    login_now = a.login == "oauth" and a.client_id and ask.interactive and ask.ask(
        "Đăng nhập hộp thư bằng OAuth ngay bây giờ? (c/k)", "c").lower() in ("c", "y")
    if login_now:
        from tinbai.commands.auth import run_login

        run_login(argparse.Namespace(mailbox="editorial", no_browser=False, no_check=True),
                  config)
    if args.no_doctor:
        return 0
    print("\nKiểm tra (tinbai doctor):")
    from tinbai.commands.doctor import _print
    from tinbai.doctor import run_checks

    return _print(run_checks(config), False)


def _create_admin(config: Config, name: str, ask: Prompter) -> None:
    from store.db import Store
    from tinbai.web.auth import UserError, create_user

    store = Store(config.data_path)
    try:
        if store.users.by_name(name) is not None:
            print(f"Người dùng «{name}» đã có; giữ nguyên.")
            return
        password = ask.password(f"Mật khẩu cho «{name}» (ít nhất 8 ký tự)")
        try:
            create_user(store, name, "admin", password)
        except UserError as exc:
            raise ConfigError(f"quản trị viên: {exc}") from None
        print(f"Đã tạo quản trị viên «{name}».")
    finally:
        store.close()


def on_config_error(args: argparse.Namespace, error: ConfigError) -> int:
    """An existing, broken config.yaml does not stop ``init --force`` from replacing it."""
    if args.force or not Path(args.config or "config.yaml").exists():
        try:
            return run(args, None)
        except ConfigError as exc:
            print(f"tinbai: {exc}", file=sys.stderr)
            return 2
    print(f"tinbai: {error}\n(tinbai init --force writes a new one)", file=sys.stderr)
    return 2
