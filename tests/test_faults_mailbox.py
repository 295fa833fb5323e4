"""Mailbox behaviour around faults (issue 5), against the real Dovecot fixture:
Processed/Quarantine folders, oversized mail left untouched, XOAUTH2 with a token
command run per connection, and TLS certificates verified by default.
"""

from __future__ import annotations

import hashlib
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from resilience_support import (
    count,
    folder_uids,
    photo_of,
    pipeline,
    rows,
    run_tinbai,
    submission,
    write_config,
)


def small_message(number: int) -> bytes:
    """A submission without a photo (a fix request is due), a few KB."""
    msg = EmailMessage()
    msg["From"] = f"Cộng tác viên {number} <ctv{number}@example.org>"
    msg["To"] = "toasoan@congdoan.example.vn"
    msg["Subject"] = f"Gửi tin bài số {number}"
    msg["Message-ID"] = f"<small-{number}@example.org>"
    msg.set_content("1. Tít tin, bài: Hội thao\n2. Nội dung bài viết:\nĐoàn viên hội thao.\n"
                    "4. Tác giả: Nguyễn Văn An\n")
    return msg.as_bytes()


def test_processed_and_quarantine_folders(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    """Stored mail moves to Processed after the commit; mail whose processing fails (a
    real file-system fault: the photo store cannot create its folder) goes to Quarantine
    with its raw kept and a `failed` row holding the traceback."""
    imap_mailbox.append_many(submission(n) for n in (1, 2, 3))
    config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url,
        mailbox_extra="    processed_folder: Processed\n    quarantine_folder: Quarantine",
        extra="  admin_emails: [quantri@congdoan.example.vn]",
    ))
    digest = hashlib.sha256(photo_of(3)).hexdigest()
    blocker = config.data_path / "photos" / digest[:2]
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")  # mkdir of photos/<xx>/ fails for message 3 only

    report = pipe.poll()
    assert (report.stored, report.failed, report.errors) == (2, 1, [])
    assert folder_uids(imap_mailbox, "INBOX") == []
    assert len(folder_uids(imap_mailbox, "Processed")) == 2
    assert len(folder_uids(imap_mailbox, "Quarantine")) == 1
    failed = store.messages.failed()
    assert len(failed) == 1
    assert failed[0]["disposition"] == "quarantined"
    assert "Traceback" in failed[0]["error"]
    assert (config.data_path / "raw" / failed[0]["raw_path"]).is_file()
    db = config.data_path / "tinbai.sqlite3"
    assert count(db, "SELECT count(*) FROM alerts WHERE kind = 'quarantined'") == 1
    received = smtp_server.wait_for(3, timeout=15)  # two receipts and one admin alert
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "ctv1@example.org", "ctv2@example.org", "quantri@congdoan.example.vn"]

    # Once the fault is fixed, `tinbai reprocess --failed` processes it from the raw.
    blocker.unlink()
    store.close()
    result = run_tinbai(tmp_path / "config.yaml", "reprocess", "--failed")
    assert result.returncode == 0, result.stderr
    assert "TB-" in result.stdout
    assert count(db, "SELECT count(*) FROM submissions") == 3
    assert count(db, "SELECT count(*) FROM messages WHERE state = 'failed'") == 0
    assert len(smtp_server.wait_for(4, timeout=15)) == 4


def test_oversized_mail_gets_too_large_and_stays_untouched(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    big, small = submission(1), small_message(2)
    assert len(big) > 300_000 > len(small)
    imap_mailbox.append_many([big, small])
    _config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url,
        mailbox_extra="    processed_folder: Processed",
        extra="limits:\n  max_message_bytes: 300000",
    ))
    report = pipe.poll()
    assert report.errors == [] and report.fetched == 2
    db = _config.data_path / "tinbai.sqlite3"
    found = {r["sender"]: r for r in rows(db, "SELECT sender, disposition, size, raw_path "
                                              "FROM messages")}
    assert found["ctv1@example.org"]["disposition"] == "too_large"
    assert found["ctv1@example.org"]["raw_path"] is None  # never downloaded
    server_size = found["ctv1@example.org"]["size"]  # RFC822.SIZE (the server's CRLF form)
    assert server_size >= len(big)
    replies = {r.rcpt_tos[0]: r for r in smtp_server.wait_for(2, timeout=15)}
    too_large = replies["ctv1@example.org"].message
    assert too_large["In-Reply-To"] == "<sample-1@tinbai.example>"  # from BODY.PEEK[HEADER]
    # The big one is still in the inbox, unread; the small one was moved.
    client = imap_mailbox.client()
    client.select_folder("INBOX", readonly=True)
    left = client.search("ALL")
    assert len(left) == 1 and client.search("UNSEEN") == left
    assert int(client.fetch(left, ["RFC822.SIZE"])[left[0]][b"RFC822.SIZE"]) == server_size
    client.logout()
    assert len(folder_uids(imap_mailbox, "Processed")) == 1
    again = pipe.poll()  # not fetched again, not answered again
    assert (again.fetched, again.replies_sent) == (0, 0)
    store.close()


TOKEN_SCRIPT = """
import sys
with open(sys.argv[1], "a") as log:
    log.write("token\\n")
if sys.argv[2] == "fail":
    print("invalid_grant: token has been expired or revoked", file=sys.stderr)
    sys.exit(1)
print(sys.argv[2])
"""


def test_xoauth2_token_command_runs_per_connection(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    """Dovecot's passwd-file passdb checks an XOAUTH2 bearer token like a password, so
    the real SASL XOAUTH2 exchange runs against the fixture with the token ``secret``."""
    script = tmp_path / "token.py"
    script.write_text(TOKEN_SCRIPT, encoding="utf-8")
    calls = tmp_path / "calls.txt"

    def config_for(token: str) -> Path:
        return write_config(
            tmp_path, imap_mailbox.url(), smtp_server.url,
            mailbox_extra=(f"    auth: xoauth2\n    oauth_token_command: "
                           f"\"{sys.executable} {script} {calls} {token}\""),
        )

    imap_mailbox.append(submission(1))
    ok = run_tinbai(config_for(imap_mailbox.password), "poll", password="")
    assert ok.returncode == 0 and "stored=1" in ok.stdout, ok.stderr
    again = run_tinbai(config_for(imap_mailbox.password), "poll", password="")
    assert again.returncode == 0 and "fetched=0" in again.stdout, again.stderr
    assert calls.read_text().count("token") == 2  # a fresh token for every connection

    failing = run_tinbai(config_for("fail"), "poll", password="")
    assert failing.returncode == 1
    assert "Traceback" not in failing.stderr
    assert "oauth_token_command of mailbox editorial failed (exit 1)" in failing.stderr
    assert "invalid_grant" in failing.stderr
    wrong = run_tinbai(config_for("not-the-token"), "poll", password="")
    assert wrong.returncode == 1 and "login refused" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_imaps_certificate_verified_by_default(
    dovecot_tls: Any, smtp_server: Any, tmp_path: Path
) -> None:
    dovecot_tls.append(small_message(7))
    refused = run_tinbai(
        write_config(tmp_path, dovecot_tls.tls_url(), smtp_server.url), "poll",
        password=dovecot_tls.password,
    )
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "TLS" in refused.stderr and "certificate" in refused.stderr.lower()

    trusted = run_tinbai(
        write_config(tmp_path, dovecot_tls.tls_url(), smtp_server.url,
                     mailbox_extra=f"    ca_file: {dovecot_tls.cert_file}"),
        "poll", password=dovecot_tls.password,
    )
    assert trusted.returncode == 0, trusted.stderr
    assert "fetched=0" not in trusted.stdout


def test_mail_committed_but_not_moved_is_moved_on_the_next_poll(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    """The state a kill between the commit and the MOVE leaves (committed, still in the
    inbox) is made by a poll without the folder set; the next poll finishes the move, and
    oversized mail stays where it is."""
    imap_mailbox.append_many([small_message(1), small_message(2), submission(3)])
    limits = "limits:\n  max_message_bytes: 300000"
    _config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url, extra=limits))
    assert pipe.poll().fetched == 3
    store.close()
    assert len(folder_uids(imap_mailbox, "INBOX")) == 3

    _config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url, extra=limits,
        mailbox_extra="    processed_folder: Processed"))
    report = pipe.poll()
    assert (report.fetched, report.errors) == (0, [])
    assert len(folder_uids(imap_mailbox, "Processed")) == 2
    assert len(folder_uids(imap_mailbox, "INBOX")) == 1  # the too_large one
    store.close()
