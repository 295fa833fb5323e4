"""End to end against real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out.

`tinbai poll` runs as a real subprocess with the password in the environment, exactly
as an operator runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tinbai.samples import sample_submission


def run_tinbai(config: Path, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TINBAI_IMAP_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )


def write_config(tmp_path: Path, imap_url: str, smtp_url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
mailboxes:
  - name: editorial
    url: "{imap_url}"
    password_env: TINBAI_IMAP_PASSWORD
    batch_size: 7
smtp:
  url: "{smtp_url}"
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: ./var
""",
        encoding="utf-8",
    )
    return path


def test_twenty_messages_in_twenty_submissions_and_replies_out(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    messages = [
        sample_submission(n, complete=n % 3 != 0).as_bytes() for n in range(1, 21)
    ]
    imap_mailbox.append_many(messages)
    config = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)

    first = run_tinbai(config, "poll", password=imap_mailbox.password)
    assert first.returncode == 0, first.stderr
    assert "stored=20" in first.stdout
    replies = smtp_server.wait_for(20, timeout=30)
    assert len(replies) == 20
    assert sorted(r.rcpt_tos[0] for r in replies) == sorted(
        f"ctv{n}@example.org" for n in range(1, 21)
    )
    fix_requests = [r for r in replies if "bổ sung" in r.message.get_body().get_content()]  # type: ignore[union-attr]
    assert len(fix_requests) == 6  # n = 3, 6, …, 18 lack phone and bank fields

    queue = run_tinbai(config, "queue", "--json")
    items = json.loads(queue.stdout)
    assert len(items) == 20
    assert {i["status"] for i in items} == {"pending_review", "needs_fix"}
    assert all(i["ref"].startswith("TB-") for i in items)
    received = [i["received_at"] for i in items]
    assert received == sorted(received)

    # The messages are still unread on the server: BODY.PEEK never sets \Seen.
    client = imap_mailbox.client()
    client.select_folder("INBOX", readonly=True)
    assert client.search(["UNSEEN"]) and len(client.search(["UNSEEN"])) == 20
    client.logout()

    second = run_tinbai(config, "poll", password=imap_mailbox.password)
    assert second.returncode == 0, second.stderr
    assert "fetched=0" in second.stdout and "stored=0" in second.stdout
    assert len(smtp_server.messages) == 20


def test_wrong_password_is_a_clear_error_not_a_crash(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    config = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    result = run_tinbai(config, "poll", password="wrong")
    assert "Traceback" not in result.stderr
    assert "login refused" in result.stderr
    assert result.returncode == 1


def test_missing_password_variable_names_the_key(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    config = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    env = {k: v for k, v in os.environ.items() if k != "TINBAI_IMAP_PASSWORD"}
    result = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "poll"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "password_env names the environment variable TINBAI_IMAP_PASSWORD" in result.stderr
