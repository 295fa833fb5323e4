"""Helpers of the issue-15 tests: a federation with units that approve, the mail the
people involved send (as Gmail and Outlook write it), and reading what tinbai sent.

The unit registry follows seeds 002/003: grassroots unions (kind ``co_so``, needs
approval) under a district federation whose leadership approves for them; a sector union
approving its own items; a unit of a kind without approval.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any

import pytest

from store.db import Store
from tinbai import clock
from tinbai.cli import main
from tinbai.config import Config, load_config
from tinbai.poll import Poller, PollReport
from tinbai.samples import _form, article_body, camera_jpeg

BOARD = "toasoan@congdoan.example.vn"
CHAIR = "chutich.ldld@chodon.gov.vn"  # approves for LĐLĐ huyện Chợ Đồn and its CĐCS
VICE = "phochutich.ldld@chodon.gov.vn"
HEALTH_CHAIR = "chutich@congdoanyte.vn"  # approves for Công đoàn ngành Y tế
PUBLIC_URL = "https://tinbai.congdoan.example.vn"

UNITS = f"""
unit_kinds:
  huyen_nganh:
    label: "LĐLĐ cấp huyện, công đoàn ngành"
    quota: {{quarter: 3, year: 12}}
  nganh_duyet:
    label: "Công đoàn ngành (tự duyệt)"
    quota: {{quarter: 3}}
    needs_approval: true
  co_so:
    label: "Công đoàn cơ sở"
    quota: {{half: 1, year: 2}}
    needs_approval: true
units:
  - name: "LĐLĐ huyện Chợ Đồn"
    kind: huyen_nganh
    approvers: ["{CHAIR}", "{VICE}"]
    emails: ["vanphong.ldld@chodon.gov.vn"]
  - name: "CĐCS Công ty TNHH May Chợ Mới"
    kind: co_so
    parent: "LĐLĐ huyện Chợ Đồn"
    aliases: ["Công đoàn cơ sở Công ty TNHH May Chợ Mới"]
    emails: ["cdcs.maychomoi@gmail.com"]
  - name: "CĐCS Trường THPT Chợ Đồn"
    kind: co_so
    parent: "LĐLĐ huyện Chợ Đồn"
  - name: "Công đoàn ngành Y tế"
    kind: nganh_duyet
    approvers: ["{HEALTH_CHAIR}"]
"""


def write_config(folder: Path, imap_url: str, smtp_url: str, extra: str = "") -> Path:
    """config.yaml for the fixtures' servers with the units above and a public address."""
    path = folder / "config.yaml"
    path.write_text(
        f"""
mailboxes:
  - name: editorial
    url: "{imap_url}"
    password_env: TINBAI_IMAP_PASSWORD
smtp:
  url: "{smtp_url}"
  from: "Ban Biên tập <{BOARD}>"
data_dir: ./var
replies:
  max_per_sender_per_day: 1000
  admin_emails: ["quantri@congdoan.example.vn"]
web:
  public_url: "{PUBLIC_URL}"
{UNITS}
{extra}
""",
        encoding="utf-8",
    )
    return path


def contributor_mail(
    number: int, sender: tuple[str, str], unit: str, *, body: str | None = None,
    cc: list[str] | None = None, complete: bool = True, author: str | None = None,
    title: str | None = None, account: str | None = None,
) -> EmailMessage:
    """A submission as Gmail sends it: text and HTML alternatives, a camera photo."""
    author = author or sender[0]
    text = _form(
        title or f"Hoạt động chăm lo đoàn viên số {number} của {unit}",
        body if body is not None else article_body(900 + number),
        "Đồng chí Chủ tịch công đoàn trao quà cho đoàn viên", author, unit,
        f"0983 {number % 1000:03d} 456",
        account or f"1903 {number % 10000:04d} 4567 12 Techcombank", author,
    )
    if not complete:
        text = text.split("6. Số điện thoại")[0]
    msg = EmailMessage()
    msg["From"] = formataddr(sender)
    msg["To"] = f"Ban Biên tập <{BOARD}>"
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = f"Gửi tin bài: {unit} (số {number})"
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = f"<CAF{number:06d}loop+{abs(hash(sender[1])) % 99999}@mail.gmail.com>"
    msg.set_content(text)
    html = "".join(f"<div>{line or '<br>'}</div>" for line in text.splitlines())
    msg.add_alternative(f'<div dir="ltr">{html}</div>', subtype="html")
    msg.add_attachment(camera_jpeg(700 + number, (2400, 1800)), maintype="image",
                       subtype="jpeg", filename=f"IMG_2026{number:04d}.jpg")
    return msg


def gmail_reply(to_message: EmailMessage, sender: str, first_lines: str,
                extra_headers: dict[str, str] | None = None) -> bytes:
    """A reply as Gmail writes it: the answer on top, then "Vào … đã viết:" and the quote
    (text and HTML alternatives), threaded with In-Reply-To and References."""
    original = to_message.get_body(("plain",))
    quoted = "\n".join(f"> {line}" for line in str(original.get_content() if original
                                                     else "").splitlines()[:30])
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(to_message["From"])
    msg["Subject"] = "Re: " + str(to_message["Subject"])
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = make_msgid(domain="mail.gmail.com")
    msg["In-Reply-To"] = header(to_message, "Message-ID")
    msg["References"] = header(to_message, "Message-ID")
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    intro = (f"Vào Th 4, 2 thg 12, 2026 vào lúc 08:15 Ban Biên tập <{BOARD}> đã viết:")
    msg.set_content(f"{first_lines}\n\n{intro}\n\n{quoted}\n")
    top = "".join(f"<div>{line}</div>" for line in first_lines.splitlines())
    msg.add_alternative(
        f'<div dir="ltr">{top}</div><br><div class="gmail_quote"><div dir="ltr" '
        f'class="gmail_attr">{intro}<br></div><blockquote class="gmail_quote">…</blockquote>'
        "</div>", subtype="html")
    return msg.as_bytes()


def outlook_reply(to_message: EmailMessage, sender: str, first_lines: str) -> bytes:
    """A reply as Outlook writes it: CRLF, raw 8-bit UTF-8 headers and body, "RE:", the
    original under a rule and a From/Sent/To/Subject block."""
    original = to_message.get_body(("plain",))
    old = str(original.get_content() if original else "").replace("\n", "\r\n")
    lines = [
        f"From: {sender}",
        f"To: Ban Biên tập <{BOARD}>",
        f"Subject: RE: {to_message['Subject']}",
        "Date: " + format_datetime(clock.now()),
        "Message-ID: " + make_msgid(domain="outlook.com"),
        f"In-Reply-To: {to_message['Message-ID']}",
        f"References: {to_message['Message-ID']}",
        "Thread-Topic: " + str(to_message["Subject"]),
        "Thread-Index: AdlRbJ4x2W1S0zQ6RkGxM3mBb0aX8A==",
        "Content-Language: vi-VN",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: 8bit",
        "",
        first_lines.replace("\n", "\r\n"),
        "",
        "________________________________",
        f"From: Ban Biên tập <{BOARD}>",
        "Sent: Wednesday, December 2, 2026 8:15 AM",
        f"To: {sender}",
        f"Subject: {to_message['Subject']}",
        "",
        old,
    ]
    return "\r\n".join(lines).encode("utf-8")


def header(message: EmailMessage, name: str) -> str:
    """A header's value without the folding whitespace ``policy.default`` keeps when a long
    Message-ID was folded onto the next line (``In-Reply-To:\r\n <…>``, RFC 5322 §2.2.3)."""
    return str(message.get(name, "")).strip()


def text_of(message: EmailMessage) -> str:
    """The plain text of a message tinbai sent."""
    body = message.get_body(("plain",))
    return str(body.get_content()) if body is not None else ""


def sent_to(smtp: Any, address: str, subject_part: str = "") -> list[EmailMessage]:
    """Messages the test SMTP server received for ``address`` (subject containing
    ``subject_part``), oldest first."""
    return [m.message for m in smtp.messages
            if address in m.rcpt_tos and subject_part in str(m.message["Subject"])]


def link_in(message: EmailMessage, kind: str) -> str:
    """The path of the ``/a/…`` (approval) or ``/t/…`` (status) link in a message."""
    match = re.search(re.escape(PUBLIC_URL) + rf"(/{kind}/[A-Za-z0-9_.\-]+)", text_of(message))
    assert match, f"no /{kind}/ link in: {text_of(message)[:400]}"
    return match.group(1)


@dataclass
class Site:
    """A data folder polling the test Dovecot and replying through the test SMTP server."""

    path: Path
    config: Config
    store: Store
    imap: Any
    smtp: Any

    def poll(self) -> PollReport:
        report = Poller(self.config, self.store).poll()
        assert report.failed == 0 and not report.errors, report
        return report

    def cli(self, *argv: str) -> int:
        return main(["--config", str(self.path), *argv])

    def queue(self, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
        assert self.cli("queue", "--json") == 0
        return list(json.loads(capsys.readouterr().out))

    def submission(self, ref: str = "TB-") -> dict[str, Any]:
        rows = [r for r in self.store.queue.listing() if r["ref"].startswith(ref)]
        assert len(rows) == 1, rows
        return self.store.submissions.get(rows[0]["ref"])


def open_site(imap: Any, smtp: Any, folder: Path, monkeypatch: pytest.MonkeyPatch,
              extra: str = "") -> Iterator[Site]:
    """The body of a ``site`` fixture: config, store, closed afterwards."""
    monkeypatch.setenv("TINBAI_IMAP_PASSWORD", imap.password)
    path = write_config(folder, imap.url(), smtp.url, extra)
    config = load_config(path)
    store = Store(config.data_path)
    try:
        yield Site(path, config, store, imap, smtp)
    finally:
        store.close()
