"""ImapSource against a real Dovecot (tests/servers.py); no mocks of imaplib or sockets."""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import Dovecot, free_port

from ingest.errors import (
    SourceAuthError,
    SourceConnectError,
    SourceProtocolError,
    SourceTimeout,
    UnsupportedSourceURL,
)
from ingest.sources import MailSource, describe_url, open_source
from ingest.sources.base import batched_by_size, uid_set
from ingest.sources.imap import ImapSource


def make_raw(i: int, body_size: int = 0) -> bytes:
    body = b"Noi dung bai viet so %d.\r\n" % i + (b"x" * 76 + b"\r\n") * (body_size // 78)
    return (
        b"From: Nguyen Van A <a@example.vn>\r\n"
        b"To: toasoan@example.org\r\n"
        b"Subject: =?utf-8?b?VGluIGLDoGk=?= " + str(i).encode() + b"\r\n"
        b"Message-ID: <msg-" + str(i).encode() + b"@example.vn>\r\n"
        b"Date: Sun, 22 Nov 2026 08:00:00 +0700\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
    )


def source(server: Dovecot, folder: str = "INBOX", **kw: object) -> ImapSource:
    src = open_source(
        "editorial",
        server.url(folder),
        password=server.password,
        base_dir=server.dir,
        timeout=10,
        batch_size=int(kw.pop("batch_size", 50)),  # type: ignore[call-overload]
    )
    assert isinstance(src, ImapSource)
    for k, v in kw.items():
        setattr(src, k, v)
    return src


def test_is_a_mail_source(imap_mailbox: Dovecot) -> None:
    with source(imap_mailbox) as src:  # uidvalidity is only readable when connected
        assert isinstance(src, MailSource)


def test_list_new_and_fetch_in_batches(imap_mailbox: Dovecot) -> None:
    raws = [make_raw(i, body_size=i * 100) for i in range(7)]
    uids = imap_mailbox.append_many(raws)
    for batch_size in (1, 3, 50):
        with source(imap_mailbox, batch_size=batch_size) as src:
            new = src.list_new(0)
            assert [u for u, _ in new] == uids
            assert [s for _, s in new] == [len(r) for r in raws]
            got = list(src.fetch([u for u, _ in new], max_bytes=10_000_000))
    assert [m.uid for m in got] == uids
    assert [m.raw for m in got] == raws
    assert all(m.mailbox == "editorial" and m.uidvalidity == src.uidvalidity for m in got)
    assert all(m.internal_date is not None and m.internal_date.tzinfo for m in got)


def test_protocol_trace_is_not_formatted_unless_its_logger_prints_it(
    imap_mailbox: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """imapclient turns imaplib's trace on (debug = 5), which formats the repr() of every
    fetched message even when nothing logs it; the source turns it off unless the
    ``imapclient.imaplib`` logger is at DEBUG, where the trace is still there."""
    raw = make_raw(1, body_size=2000)
    imap_mailbox.append_many([raw])
    caplog.set_level(logging.INFO, logger="imapclient.imaplib")
    with source(imap_mailbox) as src:
        assert src._client is not None and src._client._imap.debug == 0
        assert [m.raw for m in src.fetch([u for u, _ in src.list_new(0)], 10**7)] == [raw]
    assert not [r for r in caplog.records if r.name == "imapclient.imaplib"]

    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
    with source(imap_mailbox) as src:
        assert [m.raw for m in src.fetch([u for u, _ in src.list_new(0)], 10**7)] == [raw]
    trace = "\n".join(r.getMessage() for r in caplog.records if r.name == "imapclient.imaplib")
    assert "FETCH" in trace and "Noi dung bai viet so 1" in trace


def test_batches_bounded_by_bytes(imap_mailbox: Dovecot) -> None:
    raws = [make_raw(i, body_size=20_000) for i in range(5)]
    uids = imap_mailbox.append_many(raws)
    with source(imap_mailbox, max_batch_bytes=30_000) as src:
        got = list(src.fetch(uids, max_bytes=10_000_000))
    assert [m.raw for m in got] == raws


def test_list_new_after_last_uid_is_empty(imap_mailbox: Dovecot) -> None:
    """``UID n:*`` returns the last message even when n is above it: must be filtered."""
    uids = imap_mailbox.append_many([make_raw(i) for i in range(3)])
    with source(imap_mailbox) as src:
        assert [u for u, _ in src.list_new(uids[1])] == [uids[2]]
        assert src.list_new(uids[-1]) == []
        assert src.list_new((uids[-1]) + 100) == []
        assert src.list_new(0, since=datetime.date(2000, 1, 1)) != []
        assert src.list_new(uids[-1], since=datetime.date(2000, 1, 1)) == []


def test_empty_mailbox(imap_mailbox: Dovecot) -> None:
    with source(imap_mailbox) as src:
        assert src.list_new(0) == []
        assert list(src.fetch([1, 2], max_bytes=1000)) == []


def test_fetch_does_not_set_seen(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    with source(imap_mailbox) as src:
        list(src.fetch([u for u, _ in src.list_new(0)], max_bytes=10**7))
    with imap_mailbox.client() as c:
        c.select_folder("INBOX", readonly=True)
        flags = c.get_flags(uids)
    assert all(b"\\Seen" not in f for f in flags.values()), flags


def test_since_filter_uses_internal_date(imap_mailbox: Dovecot) -> None:
    old_time = datetime.datetime(2019, 5, 1, 10, 0, tzinfo=datetime.UTC)
    new_time = datetime.datetime(2026, 11, 1, 10, 0, tzinfo=datetime.UTC)
    old = imap_mailbox.append(make_raw(1), msg_time=old_time)
    new = imap_mailbox.append(make_raw(2), msg_time=new_time)
    with source(imap_mailbox) as src:
        assert [u for u, _ in src.list_new(0)] == [old, new]
        assert [u for u, _ in src.list_new(0, since=datetime.date(2026, 1, 1))] == [new]
        assert src.list_new(0, since=datetime.date(2027, 1, 1)) == []
        (msg,) = src.fetch([new], max_bytes=10**7)
    assert msg.internal_date == new_time


def test_oversized_message_is_not_downloaded(imap_mailbox: Dovecot) -> None:
    small, big = make_raw(1), make_raw(2, body_size=300_000)
    uids = imap_mailbox.append_many([small, big])
    with source(imap_mailbox) as src:
        sizes = dict(src.list_new(0))
        got = list(src.fetch(uids, max_bytes=100_000))
    assert got[0].raw == small and got[0].header_bytes is None
    assert got[1].raw is None and got[1].size == len(big) == sizes[uids[1]]
    assert got[1].header_bytes == big[: big.index(b"\r\n\r\n") + 4]
    # also without a preceding list_new (sizes fetched by fetch itself)
    with source(imap_mailbox) as src:
        got = list(src.fetch(uids, max_bytes=100_000))
    assert got[1].raw is None and got[1].size == len(big)


def test_vanished_uid_is_skipped(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    with source(imap_mailbox) as src:
        src.list_new(0)
        with imap_mailbox.client() as c:  # a person deletes one meanwhile
            c.select_folder("INBOX")
            c.delete_messages([uids[0]])
            c.expunge()
        got = list(src.fetch(uids, max_bytes=10**7))
    assert [m.uid for m in got] == [uids[1]]


def _folder_uids(server: Dovecot, folder: str) -> list[int]:
    with server.client() as c:
        if not c.folder_exists(folder):
            return []
        c.select_folder(folder, readonly=True)
        return sorted(c.search("ALL"))


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_to_processed(imap_mailbox: Dovecot, use_move: bool) -> None:
    uids = imap_mailbox.append_many([make_raw(i) for i in range(4)])
    # A message a person flagged \Deleted by hand must survive our UID EXPUNGE.
    kept = imap_mailbox.append(make_raw(9), flags=[b"\\Deleted"])
    with source(imap_mailbox, use_move=use_move) as src:
        assert (b"MOVE" in src.capabilities) is True
        src.move(uids[:3], "Processed")
        src.move([], "Processed")
        assert [u for u, _ in src.list_new(0)] == [uids[3], kept]
        src.move([uids[3]], "Processed")  # folder exists now
    assert _folder_uids(imap_mailbox, "INBOX") == [kept]
    with imap_mailbox.client() as c:
        c.select_folder("Processed", readonly=True)
        got = c.fetch(c.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
    assert sorted(v[b"BODY[]"] for v in got.values()) == sorted(make_raw(i) for i in range(4))
    assert all(b"\\Deleted" not in v[b"FLAGS"] for v in got.values())


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_after_folder_deleted_mid_session(imap_mailbox: Dovecot, use_move: bool) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    with source(imap_mailbox, use_move=use_move) as src:
        src.move([uids[0]], "Processed")
        with imap_mailbox.client() as c:
            c.delete_folder("Processed")
        src.move([uids[1]], "Processed")  # TRYCREATE: recreated, retried
    assert len(_folder_uids(imap_mailbox, "Processed")) == 1
    assert _folder_uids(imap_mailbox, "INBOX") == []


def test_move_to_nested_and_unicode_folder(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    with source(imap_mailbox) as src:
        src.move([uids[0]], "Đã xử lý")  # modified UTF-7 on the wire (RFC 3501 §5.1.3)
    assert len(_folder_uids(imap_mailbox, "Đã xử lý")) == 1
    with source(imap_mailbox, folder="%C4%90%C3%A3%20x%E1%BB%AD%20l%C3%BD") as src:
        assert len(src.list_new(0)) == 1


def test_uidvalidity_change(imap_mailbox: Dovecot) -> None:
    imap_mailbox.append_many([make_raw(1), make_raw(2)])
    with source(imap_mailbox) as src:
        before = src.uidvalidity
    imap_mailbox.doveadm(
        "mailbox", "update", "--uid-validity", str(before + 1000), "-u", imap_mailbox.user,
        "INBOX",
    )
    with source(imap_mailbox) as src:
        assert src.uidvalidity == before + 1000
        got = list(src.fetch([u for u, _ in src.list_new(0)], max_bytes=10**7))
    assert {m.uidvalidity for m in got} == {before + 1000}
    assert len(got) == 2


def test_wrong_password_is_auth_error(imap_mailbox: Dovecot) -> None:
    src = open_source(
        "editorial", imap_mailbox.url(), password="wrong", base_dir=imap_mailbox.dir,
        timeout=10, batch_size=10,
    )
    with pytest.raises(SourceAuthError, match="login refused"), src:
        pass


def test_xoauth2_login_calls_token_source_each_time(imap_mailbox: Dovecot) -> None:
    calls: list[int] = []

    def token() -> str:
        calls.append(1)
        return imap_mailbox.password  # Dovecot's passwd-file passdb checks it as a password

    imap_mailbox.append(make_raw(1))
    for _ in range(2):
        src = open_source(
            "editorial", imap_mailbox.url(), password=None, base_dir=imap_mailbox.dir,
            timeout=10, batch_size=10, oauth_token=token,
        )
        with src:
            assert len(src.list_new(0)) == 1
    assert len(calls) == 2
    bad = open_source(
        "editorial", imap_mailbox.url(), password=None, base_dir=imap_mailbox.dir,
        timeout=10, batch_size=10, oauth_token=lambda: "expired-token",
    )
    with pytest.raises(SourceAuthError), bad:
        pass


def test_failing_token_source_is_auth_error(imap_mailbox: Dovecot) -> None:
    def broken() -> str:
        raise RuntimeError("token endpoint unreachable")

    src = open_source(
        "editorial", imap_mailbox.url(), password=None, base_dir=imap_mailbox.dir,
        timeout=10, batch_size=10, oauth_token=broken,
    )
    with pytest.raises(SourceAuthError, match="OAuth2 access token"), src:
        pass


def test_missing_folder_is_protocol_error(imap_mailbox: Dovecot) -> None:
    with pytest.raises(SourceProtocolError, match="select"), source(imap_mailbox, "Nope"):
        pass


def test_connection_refused() -> None:
    port = free_port()
    src = open_source(
        "editorial", f"imap://u@127.0.0.1:{port}/INBOX", password="x", base_dir=Path("."),
        timeout=5, batch_size=10,
    )
    with pytest.raises(SourceConnectError, match="connection failed"), src:
        pass


def test_starttls_refused_when_not_offered(imap_mailbox: Dovecot) -> None:
    url = imap_mailbox.url() + "?starttls=1"
    src = open_source("e", url, password="secret", base_dir=Path("."), timeout=5, batch_size=10)
    with pytest.raises(SourceConnectError, match="STARTTLS"), src:
        pass


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A real TCP listener that accepts and never says anything (no IMAP greeting)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(5)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        lsock.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(lsock.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield int(lsock.getsockname()[1])
    stop.set()
    t.join()
    for c in conns:
        c.close()
    lsock.close()


def test_read_timeout(silent_server: int) -> None:
    src = ImapSource(
        "e", "127.0.0.1", user="u", port=silent_server, tls="none", password="x",
        connect_timeout=0.5, read_timeout=0.5,
    )
    with pytest.raises(SourceTimeout), src:
        pass


def test_tls_to_a_non_tls_server_is_connect_error(silent_server: int) -> None:
    src = ImapSource(
        "e", "127.0.0.1", user="u", port=silent_server, tls="ssl", password="x",
        connect_timeout=0.5, read_timeout=0.5,
    )
    with pytest.raises((SourceTimeout, SourceConnectError)), src:
        pass


def test_server_stopped_mid_session(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    src = source(imap_mailbox)
    try:
        with pytest.raises(SourceConnectError), src:
            src.list_new(0)
            imap_mailbox.stop()
            list(src.fetch(uids, max_bytes=10**7))
    finally:
        imap_mailbox.start()
    with source(imap_mailbox) as src:  # the next poll works again, UIDs unchanged
        assert [u for u, _ in src.list_new(0)] == uids


def test_hung_server_is_a_read_timeout(imap_mailbox: Dovecot) -> None:
    uids = imap_mailbox.append_many([make_raw(1), make_raw(2)])
    src = source(imap_mailbox)
    src.read_timeout = 1.0
    try:
        with pytest.raises(SourceTimeout, match="timed out during fetch"), src:
            src.list_new(0)
            imap_mailbox.pause()
            list(src.fetch(uids, max_bytes=10**7))
    finally:
        imap_mailbox.resume()
    with source(imap_mailbox) as src:  # nothing was consumed or flagged
        assert [m.uid for m in src.fetch(uids, max_bytes=10**7)] == uids


def test_server_restart_between_polls(imap_mailbox: Dovecot) -> None:
    imap_mailbox.append(make_raw(1))
    with source(imap_mailbox) as src:
        v = src.uidvalidity
    imap_mailbox.restart()
    imap_mailbox.append(make_raw(2))
    with source(imap_mailbox) as src:
        assert src.uidvalidity == v
        assert len(src.list_new(0)) == 2


def test_not_connected_is_an_error(imap_mailbox: Dovecot) -> None:
    src = source(imap_mailbox)
    with pytest.raises(SourceConnectError):
        src.list_new(0)
    with pytest.raises(SourceConnectError):
        _ = src.uidvalidity


# -- URL parsing ----------------------------------------------------------------------


def test_from_url_forms() -> None:
    s = ImapSource.from_url(
        "m", "imaps://toasoan%40congdoan.example.vn@imap.gmail.com/INBOX", password="p"
    )
    assert (s.user, s.host, s.port, s.tls, s.folder) == (
        "toasoan@congdoan.example.vn", "imap.gmail.com", 993, "ssl", "INBOX",
    )
    s = ImapSource.from_url("m", "imap://u%40x.vn@mail.x.vn/Hop%20thu?starttls=1", password="p")
    assert (s.port, s.tls, s.folder) == (143, "starttls", "Hop thu")
    s = ImapSource.from_url("m", "imap://u@127.0.0.1:1143", password="p", timeout=7)
    assert (s.port, s.tls, s.folder, s.read_timeout) == (1143, "none", "INBOX", 7)
    s = ImapSource.from_url("m", "imaps://u@h/INBOX", password=None, oauth_token=lambda: "t")
    assert s.auth == "xoauth2"


@pytest.mark.parametrize(
    "url",
    [
        "imap://u:pw@h/INBOX",
        "imap://h/INBOX",
        "imaps://u@h/INBOX?starttls=1",
        "imap://u@h/INBOX?tls=1",
        "imap://u@h:notaport/INBOX",
        "pop3://u@h/",
        "maildir:",
        "/var/mail/x",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(UnsupportedSourceURL):
        open_source("m", url, password="p", base_dir=Path("."), timeout=1, batch_size=1)


def test_unsupported_scheme_names_accepted_forms() -> None:
    with pytest.raises(UnsupportedSourceURL, match=r"imaps://.*maildir:PATH"):
        open_source("m", "pop3://u@h/", password="p", base_dir=Path("."), timeout=1, batch_size=1)


def test_missing_password() -> None:
    with pytest.raises(SourceAuthError, match="no password"):
        open_source("m", "imaps://u@h/INBOX", password=None, base_dir=Path("."), timeout=1,
                    batch_size=1)


def test_describe_url_hides_passwords() -> None:
    assert describe_url("imaps://u%40x@h:993/INBOX") == "imaps://u%40x@h:993/INBOX"
    assert "pw" not in describe_url("imap://u:pw@h:143/INBOX")
    assert describe_url("maildir:var/inbox") == "maildir:var/inbox"


def test_uid_set_and_batches() -> None:
    assert uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert uid_set([5]) == "5"
    assert uid_set([3, 1, 2, 2]) == "1:3"
    items = [(1, 10), (2, 10), (3, 100), (4, 10)]
    assert list(batched_by_size(items, 2, 1000)) == [items[:2], items[2:]]
    assert list(batched_by_size(items, 10, 50)) == [items[:2], [items[2]], [items[3]]]


# -- TLS ------------------------------------------------------------------------------


def tls_source(server: Dovecot, starttls: bool, ca: bool) -> ImapSource:
    src = open_source(
        "editorial", server.tls_url(starttls=starttls), password=server.password,
        base_dir=server.dir, timeout=10, batch_size=10,
        ca_file=str(server.cert_file) if ca else None,
    )
    assert isinstance(src, ImapSource)
    return src


@pytest.mark.parametrize("starttls", [False, True], ids=["imaps", "starttls"])
def test_tls_with_trusted_certificate(dovecot_tls: Dovecot, starttls: bool) -> None:
    dovecot_tls.append(make_raw(1))
    src = tls_source(dovecot_tls, starttls, ca=True)
    assert src.tls == ("starttls" if starttls else "ssl")
    with src:
        assert len(src.list_new(0)) >= 1


@pytest.mark.parametrize("starttls", [False, True], ids=["imaps", "starttls"])
def test_tls_certificate_is_verified_by_default(dovecot_tls: Dovecot, starttls: bool) -> None:
    with pytest.raises(SourceConnectError, match="TLS"), tls_source(dovecot_tls, starttls, False):
        pass


def test_no_dovecot_left_behind_by_restart(imap_mailbox: Dovecot) -> None:
    """After a restart, the old master and all its children are gone and exactly one
    master runs: identified by the pid file and parent pids (issue 11: ``pgrep -f``
    also counted a freshly forked child that still had the master's command line)."""
    with imap_mailbox.client() as c:  # a connection makes the master fork children
        c.noop()
    old_master = imap_mailbox.master_pid()
    old = imap_mailbox.processes()
    assert old_master is not None and old_master in old
    old_started = {pid: _started(pid) for pid in old}
    imap_mailbox.restart()
    new_master = imap_mailbox.master_pid()
    assert new_master is not None and new_master != old_master
    new = imap_mailbox.processes()
    assert new[new_master] == os.getpid()  # the one master is ours
    assert [pid for pid, ppid in new.items() if ppid != new_master] == [new_master]
    left = [pid for pid, start in old_started.items() if _started(pid) == start]
    assert not left, f"processes of the stopped server still run: {left}"


def _started(pid: int) -> str | None:
    """A process's start time (field 22 of /proc/PID/stat): a pid reused by another
    process has another one."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None
