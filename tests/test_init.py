"""`tinbai init`: the guided set-up through a real pseudo-terminal, a piped answer script
and the flags of a scripted install (issue 17)."""

from __future__ import annotations

import os
import pty
import select
import stat
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from store.db import Store
from tinbai.config import load_config
from tinbai.units_import import UnitsImportError, read_units
from tinbai.web.auth import verify_password

KINDS = {"huyen_nganh": "LĐLĐ cấp huyện, công đoàn ngành", "co_so": "Công đoàn cơ sở"}
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("TINBAI_OAUTH_KEY", "TINBAI_SECRET_KEY", "TINBAI_ADMIN_PASSWORD")}


def windows_1258(text: str) -> bytes:
    """Text as Windows-1258 writes it: precomposed vowels (â, ơ, ư…) plus combining tone
    marks, which Python's codec does not split by itself."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return out


def _admin_password_ok(config_path: Path, name: str, password: str) -> bool:
    config = load_config(config_path)
    store = Store(config.data_path)
    try:
        user = store.users.by_name(name)
        return user is not None and user["role"] == "admin" and verify_password(
            str(user["password_hash"]), password)
    finally:
        store.close()


def test_interactive_set_up_on_a_real_terminal(tmp_path: Path) -> None:
    """Every question answered on a pseudo-terminal; the password is asked with no echo."""
    (tmp_path / "inbox").mkdir()
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "inbox" / sub).mkdir()
    script = [
        ("loại nào", "4"), ("Thư mục Maildir", "inbox"), ("người gửi", ""),
        ("Thư mục dữ liệu", ""), ("Email nhận cảnh báo", "quantri@congdoan.example.vn"),
        ("danh sách đơn vị", ""), ("quản trị trang web", "bientap"),
        ("Mật khẩu cho", "mat-khau-rat-dai"), ("Nhập lại", "mat-khau-rat-dai"),
    ]
    pid, fd = pty.fork()
    if pid == 0:  # the child: tinbai on the terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-m", "tinbai.cli", "init"],
                  {**CLEAN_ENV, "PYTHONPATH": os.pathsep.join(sys.path)})
    screen = b""
    deadline = time.monotonic() + 180  # a hang guard, not a timing assertion
    try:
        for prompt, answer in script:
            while prompt.encode() not in screen.rsplit(b"\n", 3)[-1] + screen[-200:]:
                assert time.monotonic() < deadline, screen.decode(errors="replace")
                ready, _, _ = select.select([fd], [], [], 1)
                if ready:
                    screen += os.read(fd, 65536)
            os.write(fd, answer.encode() + b"\r")
            screen += b"<" + answer.encode() + b">"
        while True:
            assert time.monotonic() < deadline, screen.decode(errors="replace")
            ready, _, _ = select.select([fd], [], [], 1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                screen += chunk
    finally:
        _, status = os.waitpid(pid, 0)
    text = screen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Kết quả: mọi mục đều ổn." in text
    assert text.count("mat-khau-rat-dai") == 2  # only our own log above: never echoed
    config_path = tmp_path / "config.yaml"
    config = load_config(config_path)
    assert config.mailboxes[0].url == "maildir:inbox"
    assert config.replies.admin_emails == ["quantri@congdoan.example.vn"]
    assert _admin_password_ok(config_path, "bientap", "mat-khau-rat-dai")
    assert stat.S_IMODE((tmp_path / "secrets.env").stat().st_mode) == 0o600


def test_answer_script_on_standard_input_for_gmail_with_oauth(tmp_path: Path) -> None:
    units = tmp_path / "don-vi.csv"
    units.write_bytes(windows_1258(  # Excel's "CSV" on a Vietnamese Windows
        "Tên đơn vị;Loại;Tên khác\r\n"
        "LĐLĐ huyện Chợ Đồn;LĐLĐ cấp huyện, công đoàn ngành;LĐLĐ Chợ Đồn; \r\n"
        "Công đoàn Trường THPT Bắc Kạn;Cơ sở;\r\n"))
    answers = "\n".join([
        "1", "toasoan@gmail.com", "1", "123-abc.apps.googleusercontent.com", "", "", "",
        str(units), "quantri", "mat-khau-rat-dai", "k", "",
    ])
    done = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(tmp_path / "config.yaml"),
         "init"], input=answers, capture_output=True, text=True, timeout=300, env=CLEAN_ENV,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "Đã đọc 2 đơn vị" in done.stdout
    assert "Kiểm tra (tinbai doctor):" in done.stdout
    # The doctor ran and found what is still to do: the client secret is not filled in.
    assert done.returncode == 1 and "TINBAI_GOOGLE_CLIENT_SECRET" in done.stdout
    config = load_config(tmp_path / "config.yaml")
    box = config.mailboxes[0]
    assert box.url == "imaps://toasoan%40gmail.com@imap.gmail.com:993/INBOX"
    assert (box.auth, box.oauth_provider) == ("xoauth2", "google")
    assert config.smtp.auth == "xoauth2" and config.smtp.username == "toasoan@gmail.com"
    google = config.oauth.providers["google"]
    assert google.client_id == "123-abc.apps.googleusercontent.com"
    assert google.scopes == ["https://mail.google.com/"]
    assert [(u.name, u.kind, u.aliases) for u in config.units] == [
        ("LĐLĐ huyện Chợ Đồn", "huyen_nganh", ["LĐLĐ Chợ Đồn"]),
        ("Công đoàn Trường THPT Bắc Kạn", "co_so", []),
    ]
    secrets_env = (tmp_path / "secrets.env").read_text()
    assert "TINBAI_OAUTH_KEY=" in secrets_env and "TINBAI_GOOGLE_CLIENT_SECRET=\n" in secrets_env
    text = (tmp_path / "config.yaml").read_text()
    assert text.count("#") > 15  # a commented file

    again = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(tmp_path / "config.yaml"),
         "init", "--yes"], capture_output=True, text=True, timeout=60, env=CLEAN_ENV,
        check=False,
    )
    assert again.returncode == 2 and "--force" in again.stderr


def test_scripted_install_with_flags_and_an_xlsx_unit_list(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["STT", "Đơn vị", "Cấp"])
    sheet.append([1, "Công đoàn ngành Giáo dục", "huyen_nganh"])
    sheet.append([2, "CĐCS Bệnh viện tỉnh", "Công đoàn cơ sở"])
    sheet.append([3, None, None])
    book.save(tmp_path / "units.xlsx")
    (tmp_path / "site" / "inbox").mkdir(parents=True)
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "site" / "inbox" / sub).mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(tmp_path / "site" / "config.yaml"),
         "init", "--yes", "--mailbox", "maildir", "--maildir", "inbox",
         "--from", "Ban Biên tập <bbt@congdoan.example.vn>", "--data-dir", "data",
         "--units", str(tmp_path / "units.xlsx"), "--admin", "quantri",
         "--admin-email", "it@congdoan.example.vn"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**CLEAN_ENV, "TINBAI_ADMIN_PASSWORD": "mat-khau-rat-dai"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    config = load_config(tmp_path / "site" / "config.yaml")
    assert config.data_path == (tmp_path / "site" / "data").resolve()
    assert [(u.name, u.kind) for u in config.units] == [
        ("Công đoàn ngành Giáo dục", "huyen_nganh"), ("CĐCS Bệnh viện tỉnh", "co_so")]
    assert config.smtp.from_ == "Ban Biên tập <bbt@congdoan.example.vn>"
    assert _admin_password_ok(tmp_path / "site" / "config.yaml", "quantri", "mat-khau-rat-dai")


def test_unit_lists_that_cannot_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Tên đơn vị,Loại\nCĐ A,Trung ương\n", encoding="utf-8-sig")
    with pytest.raises(UnitsImportError, match="dòng 2: loại đơn vị «Trung ương»"):
        read_units(bad, KINDS, "co_so")
    headless = tmp_path / "headless.csv"
    headless.write_text("CĐ A,co_so\n", encoding="utf-8")
    with pytest.raises(UnitsImportError, match="không thấy cột tên đơn vị"):
        read_units(headless, KINDS, "co_so")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(UnitsImportError, match="không đọc được tệp Excel"):
        read_units(broken, KINDS, "co_so")
