"""UIDVALIDITY changes and the first connection to a mailbox with history (issue 5).

The UIDVALIDITY change is forced on the real Dovecot with
``doveadm mailbox update --uid-validity``: every UID is then new to tinbai, and the
resync must recognise what it already stored (Message-ID and bytes) without storing or
answering anything twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from resilience_support import count, folder_uids, pipeline, rows, submission, write_config


def test_uidvalidity_change_resyncs_without_duplicates_or_replies(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    imap_mailbox.append_many(submission(n) for n in range(1, 6))
    config, store, pipe = pipeline(write_config(tmp_path, imap_mailbox.url(), smtp_server.url))
    first = pipe.poll()
    assert (first.stored, first.replies_sent) == (5, 5)
    db = config.data_path / "tinbai.sqlite3"
    old_validity = count(db, "SELECT uidvalidity FROM checkpoints")

    new_validity = old_validity + 1000
    imap_mailbox.doveadm("mailbox", "update", "--uid-validity", str(new_validity),
                         "-u", imap_mailbox.user, "INBOX")
    client = imap_mailbox.client()
    assert int(client.select_folder("INBOX")[b"UIDVALIDITY"]) == new_validity
    client.logout()

    second = pipe.poll()
    assert second.errors == []
    assert (second.fetched, second.stored, second.duplicates, second.replies_sent) == (5, 0, 5, 0)
    assert count(db, "SELECT count(*) FROM messages") == 5
    assert count(db, "SELECT count(*) FROM submissions") == 5
    assert count(db, "SELECT count(*) FROM outbox") == 5
    assert count(db, "SELECT last_uid FROM checkpoints WHERE uidvalidity = ?",
                 (new_validity,)) == max(folder_uids(imap_mailbox, "INBOX"))

    # Mail arriving after the resync is processed normally, once.
    imap_mailbox.append(submission(6))
    third = pipe.poll()
    assert (third.fetched, third.stored, third.replies_sent) == (1, 1, 1)
    assert len(smtp_server.wait_for(6, timeout=15)) == 6
    store.close()


def test_same_mail_twice_via_another_path_is_a_duplicate(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    """The same Message-ID with other bytes (say, Bcc'd to two addresses that both land in
    the inbox, with different Received headers) is stored once plus one `duplicate`."""
    raw = submission(1)
    imap_mailbox.append_many([raw, b"Received: from relay2.example.org\r\n" + raw])
    config, store, pipe = pipeline(write_config(tmp_path, imap_mailbox.url(), smtp_server.url))
    report = pipe.poll()
    assert (report.stored, report.duplicates, report.replies_sent) == (1, 1, 1)
    db = config.data_path / "tinbai.sqlite3"
    assert count(db, "SELECT count(*) FROM messages WHERE disposition = 'duplicate'") == 1
    assert count(db, "SELECT count(*) FROM submissions") == 1
    store.close()


def test_first_connection_with_since_skips_and_never_answers_old_mail(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    years_ago = datetime(2021, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=7)))
    imap_mailbox.append_many([submission(n, when=years_ago) for n in range(1, 4)],
                             msg_time=years_ago)
    # Old mail someone moved into the inbox today: recent internal date, old Date header.
    imap_mailbox.append(submission(4, when=years_ago))
    imap_mailbox.append(submission(5))
    since = (datetime.now() - timedelta(days=2)).date().isoformat()
    config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url, mailbox_extra=f"    since: {since}",
    ))
    report = pipe.poll()
    assert report.fetched == 2  # the three from 2021 were never even downloaded
    db = config.data_path / "tinbai.sqlite3"
    senders = {r["sender"] for r in rows(db, "SELECT sender FROM messages")}
    assert senders == {"ctv4@example.org", "ctv5@example.org"}
    # Only the fresh one is answered; the old Date gets no reply (max_age_days).
    assert report.replies_sent == 1
    replies = rows(db, "SELECT to_addr, state, last_error FROM outbox ORDER BY id")
    assert [(r["to_addr"], r["state"]) for r in replies] == [
        ("ctv4@example.org", "suppressed"), ("ctv5@example.org", "sent")]
    assert "older than" in replies[0]["last_error"]
    assert [m.rcpt_tos for m in smtp_server.wait_for(1)] == [["ctv5@example.org"]]
    assert count(db, "SELECT last_uid FROM checkpoints") == max(folder_uids(imap_mailbox, "INBOX"))

    again = pipe.poll()  # the skipped old mail stays skipped (below the checkpoint)
    assert (again.fetched, again.replies_sent) == (0, 0)
    store.close()
