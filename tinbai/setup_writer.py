"""The commented config.yaml that ``tinbai init`` writes, from the answers given.

Only what the office chose is written, each key with a Vietnamese comment; everything
else keeps its default (the shipped config.yaml of the repository documents all keys).
Strings are written as JSON strings, which are valid YAML double-quoted scalars, so no
answer can break the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote

from tinbai.units_import import ImportedUnit

#: Mailbox kinds offered by ``tinbai init``.
KINDS = ("gmail", "microsoft", "imap", "maildir")

SERVERS = {
    "gmail": ("imap.gmail.com", 993, "smtp.gmail.com", 587),
    "microsoft": ("outlook.office365.com", 993, "smtp.office365.com", 587),
}


@dataclass
class Answers:
    """Everything ``tinbai init`` asked."""

    kind: str = "maildir"
    email: str = ""
    login: str = "password"  # password | oauth
    imap_host: str = ""
    imap_port: int = 993
    smtp_host: str = ""
    smtp_port: int = 587
    maildir: str = "inbox"
    client_id: str = ""
    from_address: str = ""
    data_dir: str = "./var"
    admin_emails: list[str] = field(default_factory=list)
    units: list[ImportedUnit] = field(default_factory=list)


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _mailbox(a: Answers) -> str:
    if a.kind == "maildir":
        return (f"  - name: editorial\n"
                f"    url: {_q('maildir:' + a.maildir)}   # thư mục Maildir trên máy này\n")
    host, port = (SERVERS[a.kind][:2] if a.kind in SERVERS else (a.imap_host, a.imap_port))
    url = f"imaps://{quote(a.email, safe='')}@{host}:{port}/INBOX"
    lines = [
        "  - name: editorial                # tên ngắn, dùng trong nhật ký và lệnh tinbai auth",
        f"    url: {_q(url)}",
    ]
    if a.kind in SERVERS:  # "/" separates folders there; other servers may use "."
        lines += ["    processed_folder: \"tinbai/Đã xử lý\"   # thư đã lưu được chuyển vào đây",
                  "    quarantine_folder: \"tinbai/Cách ly\"   # thư không xử lý được"]
    if a.login == "oauth":
        provider = "google" if a.kind == "gmail" else "microsoft"
        lines += ["    auth: xoauth2                  # đăng nhập OAuth: chạy tinbai auth login "
                  "editorial", f"    oauth_provider: {provider}"]
    else:
        lines += ["    password_env: TINBAI_IMAP_PASSWORD   # mật khẩu (ứng dụng) trong biến "
                  "môi trường"]
    return "\n".join(lines) + "\n"


def _smtp(a: Answers) -> str:
    if a.kind == "maildir":
        return ("smtp:\n  url: \"maildir:outbox\"          # thư trả lời ghi vào thư mục này\n"
                f"  from: {_q(a.from_address)}\n")
    host, port = (SERVERS[a.kind][2:] if a.kind in SERVERS else (a.smtp_host, a.smtp_port))
    lines = ["smtp:", f"  url: {_q(f'smtp://{host}:{port}?starttls=1')}",
             f"  username: {_q(a.email)}"]
    if a.login == "oauth":
        lines.append("  auth: xoauth2                    # dùng chung đăng nhập OAuth của hộp thư")
    else:
        lines.append("  password_env: TINBAI_SMTP_PASSWORD")
    lines.append(f"  from: {_q(a.from_address)}   # người gửi của mọi thư trả lời")
    return "\n".join(lines) + "\n"


def _oauth(a: Answers) -> str:
    if a.login != "oauth":
        return ""
    provider = "google" if a.kind == "gmail" else "microsoft"
    text = ("\n# Đăng nhập OAuth (docs/operations.md, mục OAuth). Mã làm mới được mã hoá bằng\n"
            "# khoá trong biến môi trường TINBAI_OAUTH_KEY (xem secrets.env).\n"
            "oauth:\n  providers:\n"
            f"    {provider}:\n      client_id: {_q(a.client_id)}\n")
    if provider == "google":
        text += "      client_secret_env: TINBAI_GOOGLE_CLIENT_SECRET\n"
    return text


def _units(a: Answers) -> str:
    text = ("\n# Loại đơn vị và chỉ tiêu số tin, bài (văn bản 002: 12 tin, bài/năm với cấp huyện,\n"
            "# ngành; 2 tin, bài/năm với công đoàn cơ sở). Sửa theo quy định của đơn vị mình.\n"
            "unit_kinds:\n  huyen_nganh:\n    label: \"LĐLĐ cấp huyện, công đoàn ngành\"\n"
            "    quota: {month: 1, quarter: 3, half: 6, year: 12}\n"
            "  co_so:\n    label: \"Công đoàn cơ sở\"\n    quota: {half: 1, year: 2}\n\n"
            "# Danh sách đơn vị: tên đơn vị trong thư được so khớp với danh sách này.\n")
    if not a.units:
        return text + "units: []\n"
    text += "units:\n"
    for unit in a.units:
        text += f"  - name: {_q(unit.name)}\n    kind: {unit.kind}\n"
        if unit.aliases:
            text += f"    aliases: [{', '.join(_q(x) for x in unit.aliases)}]\n"
    return text


def render_config(a: Answers) -> str:
    """The text of config.yaml."""
    admins = ", ".join(_q(x) for x in a.admin_emails)
    return (
        "# Cấu hình tinbai, do `tinbai init` tạo. Mọi khoá khác giữ giá trị mặc định (xem\n"
        "# config.yaml mẫu trong mã nguồn và README, mục Configuration). Không ghi mật khẩu vào\n"
        "# tệp này: chỉ ghi TÊN biến môi trường chứa chúng (password_env, key_env…).\n\n"
        "# Hộp thư nhận tin, bài.\nmailboxes:\n" + _mailbox(a) + "\n"
        "# Gửi thư trả lời.\n" + _smtp(a) + "\n"
        "# Cơ sở dữ liệu, thư gốc và ảnh (đường dẫn tính từ thư mục của tệp này).\n"
        f"data_dir: {_q(a.data_dir)}\n\n"
        "replies:\n"
        f"  admin_emails: [{admins}]   # ai nhận cảnh báo vận hành\n\n"
        "# Sao lưu hằng ngày lúc 2 giờ sáng, giữ 7 bản (tinbai run).\n"
        "backup:\n  folder: \"./backups\"\n  keep: 7\n"
        + _oauth(a) + _units(a)
    )
