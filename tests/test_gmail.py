"""Gmail specifics (issue 17): X-GM-MSGID as the identity across UIDVALIDITY changes and
X-GM-LABELS by verdict, against a scripted Gmail-like IMAP peer (tests/gmail_peer.py);
the fallback (none of it) against the real Dovecot, which lacks X-GM-EXT-1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gmail_peer import GmailPeer
from imapclient.imap_utf7 import decode as utf7_decode
from resilience_support import count, pipeline, submission, write_config
from servers import Dovecot, SmtpServer

from ingest.sources.imap import ImapSource

LABELS = ("    gmail_labels:\n      accepted: \"tinbai/Hợp lệ\"\n"
          "      needs_fix: \"tinbai/Cần bổ sung\"\n      ignored: \"tinbai/Bỏ qua\"\n"
          "    processed_folder: \"tinbai/Đã xử lý\"\n")


@pytest.fixture
def gmail() -> Iterator[GmailPeer]:
    peer = GmailPeer()
    peer.start()
    yield peer
    peer.close()


def labels_of(peer: GmailPeer) -> list[set[str]]:
    return [{utf7_decode(label.encode()) for label in m.labels} for m in peer.messages]


def bodies_fetched(peer: GmailPeer) -> int:
    return sum(1 for c in peer.commands if "BODY.PEEK[]" in c)


def test_labels_by_verdict_and_no_second_download_after_renumbering(
    tmp_path: Path, gmail: GmailPeer, smtp_server: SmtpServer
) -> None:
    gmail.add(submission(1))
    gmail.add(submission(2, complete=False))  # no phone, no bank: needs_fix
    gmail.add(b"From: MAILER-DAEMON@example.org\r\nTo: toasoan@gmail.com\r\n"
              b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@example.org>\r\n"
              b"Auto-Submitted: auto-replied\r\n\r\nbounce\r\n")
    config_path = write_config(tmp_path, gmail.url(), smtp_server.url, mailbox_extra=LABELS)
    _, store, pipe = pipeline(config_path, password="app-password")
    try:
        report = pipe.poll()
        assert report.errors == [] and report.fetched == 3 and report.stored == 2
        assert labels_of(gmail) == [
            {"tinbai/Hợp lệ", "tinbai/Đã xử lý"},
            {"tinbai/Cần bổ sung", "tinbai/Đã xử lý"},
            {"tinbai/Bỏ qua", "tinbai/Đã xử lý"},
        ]  # and \Inbox removed by the processed_folder move
        assert count(store.path, "SELECT count(*) FROM gmail_message_ids") == 3
        smtp_server.wait_for(2)
        downloads = bodies_fetched(gmail)

        gmail.renumber()  # new UIDVALIDITY, new UIDs, same X-GM-MSGIDs
        gmail.add(submission(4))
        report = pipe.poll()
        assert report.errors == [] and report.fetched == 1 and report.stored == 1
        assert bodies_fetched(gmail) == downloads + 1  # only the new one was downloaded
        assert count(store.path, "SELECT count(*) FROM submissions") == 3
        assert len(smtp_server.wait_for(3)) == 3  # nobody answered twice
        again = pipe.poll()  # the checkpoint moved past the skipped ones
        assert again.fetched == 0 and bodies_fetched(gmail) == downloads + 1
    finally:
        store.close()


def test_dovecot_without_gmail_extensions_falls_back(
    tmp_path: Path, imap_mailbox: Dovecot, smtp_server: SmtpServer
) -> None:
    imap_mailbox.append(submission(1))
    config_path = write_config(tmp_path, imap_mailbox.url(), smtp_server.url,
                               mailbox_extra=LABELS.replace("tinbai/", "tinbai."))
    _, store, pipe = pipeline(config_path)
    try:
        report = pipe.poll()
        assert report.errors == [] and report.stored == 1
        assert count(store.path, "SELECT count(*) FROM gmail_message_ids") == 0
    finally:
        store.close()
    source = ImapSource.from_url("m", imap_mailbox.url(), password="secret", timeout=20)
    with source:
        assert not source.gmail
        assert source.gmail_ids([1]) == {}
        assert source.label([1], "tinbai.Hợp lệ") is False
        # The processed message was moved to a real folder, not labelled.
        assert "tinbai.Đã xử lý" in {f[2] for f in source._conn().list_folders()}
