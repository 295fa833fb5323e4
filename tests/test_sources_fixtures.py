"""The test servers themselves (tests/servers.py): they must work for everyone's tests."""

from __future__ import annotations

import smtplib
import ssl
import subprocess
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from servers import Dovecot, SmtpServer


def reply(n: int = 1) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Ban Biên tập <toasoan@example.org>"
    msg["To"] = "a@example.vn"
    msg["Subject"] = f"Đã nhận tin bài TB-2026-{n:04d}"
    msg.set_content("Cảm ơn.")
    return msg


def test_smtp_collects_messages(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as s:
        s.send_message(reply(1))
        s.send_message(reply(2), from_addr="bounce@example.org", to_addrs=["x@y.vn", "z@y.vn"])
    got = smtp_server.wait_for(2, timeout=5)
    assert got[0].message["Subject"] == "Đã nhận tin bài TB-2026-0001"
    assert got[0].message.get_content().strip() == "Cảm ơn."
    assert (got[1].mail_from, got[1].rcpt_tos) == ("bounce@example.org", ["x@y.vn", "z@y.vn"])
    assert b"Subject:" in got[1].raw
    long_id = "179531172711.20038.9123307632424592351.tinbai@congdoan.example.vn"
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as s:
        folded = reply(3)
        folded["Message-ID"] = f"<{long_id}>"
        s.send_message(folded)
    assert smtp_server.wait_for(3)[2].message_id == long_id
    assert len(smtp_server.messages) == 3
    smtp_server.clear()
    assert smtp_server.messages == []
    with pytest.raises(TimeoutError):
        smtp_server.wait_for(1, timeout=0.2)


def test_smtp_down_and_up_on_the_same_port(smtp_server: SmtpServer) -> None:
    port = smtp_server.port
    smtp_server.stop()
    with pytest.raises(OSError):
        smtplib.SMTP(smtp_server.host, port, timeout=2)
    smtp_server.start()
    assert smtp_server.port == port
    with smtplib.SMTP(smtp_server.host, port, timeout=10) as s:
        s.send_message(reply())
    assert len(smtp_server.wait_for(1)) == 1


def test_smtp_temporary_failure(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPDataError) as info:
            s.send_message(reply())
        assert info.value.smtp_code == 451
        s.send_message(reply())
    assert len(smtp_server.wait_for(1)) == 1


def test_smtp_auth(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(auth={"toasoan@example.org": "app-password"})
    with smtplib.SMTP(server.host, server.port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login("toasoan@example.org", "wrong")
        with pytest.raises(smtplib.SMTPSenderRefused):
            s.send_message(reply())  # not logged in
    with smtplib.SMTP(server.host, server.port, timeout=10) as s:
        s.login("toasoan@example.org", "app-password")
        s.send_message(reply())
    (got,) = server.wait_for(1)
    assert got.auth_login == "toasoan@example.org"


def test_smtp_starttls(smtp_server_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_server_factory(starttls=True, require_starttls=True)
    assert server.url.endswith("?starttls=1")
    ctx = ssl.create_default_context(cafile=str(server.cert_file))
    with smtplib.SMTP(server.host, server.port, timeout=10) as s:
        s.starttls(context=ctx)
        s.send_message(reply())
    assert len(server.wait_for(1)) == 1
    with smtplib.SMTP(server.host, server.port, timeout=10) as s, pytest.raises(
        ssl.SSLCertVerificationError
    ):
        s.starttls(context=ssl.create_default_context())  # untrusted: refused


def test_dovecot_helpers(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([b"Subject: %d\r\n\r\nx\r\n" % i for i in range(3)])
    assert uids == sorted(uids) and len(set(uids)) == 3
    imap_mailbox.append(b"Subject: p\r\n\r\nx\r\n", folder="Processed")
    with imap_mailbox.client() as c:
        assert c.folder_exists("Processed")
    status = imap_mailbox.doveadm("mailbox", "status", "-u", imap_mailbox.user, "messages",
                                  "INBOX")
    assert "messages=3" in status.stdout
    assert (imap_mailbox.maildir_path() / "cur").is_dir() or (
        imap_mailbox.maildir_path() / "new"
    ).is_dir()
    imap_mailbox.reset()
    with imap_mailbox.client() as c:
        assert [f[2] for f in c.list_folders()] == ["INBOX"]
        c.select_folder("INBOX")
        assert c.search("ALL") == []


def test_messages_written_directly_into_the_maildir(imap_mailbox: Dovecot) -> None:
    """The benchmark path: files dropped into new/, indexed by Dovecot on the next SELECT."""
    root = imap_mailbox.maildir_path()
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(5):
        (root / "new" / f"1700000000.M{i}P1.bench").write_bytes(b"Subject: %d\r\n\r\nx\r\n" % i)
    imap_mailbox.chown_mail()
    with imap_mailbox.client() as c:
        c.select_folder("INBOX")
        assert len(c.search("ALL")) == 5


def test_dovecot_stop_start(imap_mailbox: Dovecot) -> None:
    imap_mailbox.append(b"Subject: kept\r\n\r\nx\r\n")
    imap_mailbox.stop()
    assert not imap_mailbox.running
    with pytest.raises(OSError):
        imap_mailbox.client()
    imap_mailbox.start()
    with imap_mailbox.client() as c:
        c.select_folder("INBOX")
        assert len(c.search("ALL")) == 1
    assert subprocess.run(["pgrep", "-f", str(imap_mailbox.conf)],
                          capture_output=True).returncode == 0
