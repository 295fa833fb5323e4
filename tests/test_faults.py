"""Faults (issue 5): real servers stopped, restarted and kicked; a real silent socket; a
real SQLite write lock; a real refused login. No mocks: each fault is what an office
machine meets (Dovecot restarted, network down, Gmail revoking an app password).
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from resilience_support import count, pipeline, rows, run_tinbai, submission, write_config

from store.base import utcnow


def test_dovecot_restarted_mid_poll(imap_mailbox: Any, smtp_server: Any, tmp_path: Path) -> None:
    imap_mailbox.append_many(submission(n) for n in range(1, 13))
    config, store, pipe = pipeline(write_config(tmp_path, imap_mailbox.url(), smtp_server.url))

    def restart_after_three(done: int, total: int) -> None:
        if done == 3:
            imap_mailbox.restart()  # the poll's connection dies under it

    first = pipe.poll(restart_after_three)
    # What the FETCH already delivered is stored (one batch, 10); the rest waits.
    assert 3 <= first.stored < 12
    assert first.errors and "editorial" in first.errors[0]
    second = pipe.poll()
    assert (first.stored + second.stored, second.errors) == (12, [])
    assert count(config.data_path / "tinbai.sqlite3", "SELECT count(*) FROM messages") == 12
    assert len(smtp_server.wait_for(12, timeout=30)) == 12
    store.close()


def test_socket_closed_mid_fetch(imap_mailbox: Any, smtp_server: Any, tmp_path: Path) -> None:
    """`doveadm kick` makes the server close our IMAP connection in the middle of a poll."""
    imap_mailbox.append_many(submission(n) for n in range(1, 13))
    config, store, pipe = pipeline(write_config(tmp_path, imap_mailbox.url(), smtp_server.url))

    def kick_after_two(done: int, total: int) -> None:
        if done == 2:
            imap_mailbox.doveadm("kick", imap_mailbox.user)

    first = pipe.poll(kick_after_two)
    assert 2 <= first.stored < 12 and first.errors
    assert "connection" in first.errors[0]
    second = pipe.poll()
    assert (first.stored + second.stored, second.errors) == (12, [])
    assert count(config.data_path / "tinbai.sqlite3",
                 "SELECT count(DISTINCT message_id) FROM messages") == 12
    store.close()


def test_connection_refused_is_one_clear_line(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    config_path = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    imap_mailbox.stop()
    try:
        result = run_tinbai(config_path, "poll")
    finally:
        imap_mailbox.start()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "connection failed" in result.stderr and "refused" in result.stderr.lower()
    imap_mailbox.append(submission(1))
    again = run_tinbai(config_path, "poll")
    assert again.returncode == 0 and "stored=1" in again.stdout, again.stderr


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A real TCP listener that accepts connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_read_timeout_is_a_clean_error(silent_port: int, smtp_server: Any, tmp_path: Path) -> None:
    config_path = write_config(
        tmp_path, f"imap://editor%40example.org@127.0.0.1:{silent_port}/INBOX", smtp_server.url,
        mailbox_extra="    timeout_seconds: 1",
    )
    started = time.monotonic()
    result = run_tinbai(config_path, "poll", timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "timed out" in result.stderr
    assert time.monotonic() - started < 30


def test_smtp_down_replies_wait_with_backoff_and_go_out_later(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    imap_mailbox.append_many(submission(n) for n in range(1, 4))
    config, store, pipe = pipeline(write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url,
        extra="  retry_base_seconds: 60\n  retry_max_seconds: 3600",
    ))
    smtp_server.stop()
    report = pipe.poll()
    assert report.stored == 3 and report.replies_sent == 0
    assert report.replies_failed == 1  # the server is down: one attempt, not three
    db = config.data_path / "tinbai.sqlite3"
    assert count(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 3
    tried = rows(db, "SELECT attempts, next_attempt_at, last_error FROM outbox "
                     "WHERE attempts > 0")
    assert len(tried) == 1 and tried[0]["attempts"] == 1
    first = tried[0]
    assert "refused" in first["last_error"].lower() or "connect" in first["last_error"].lower()

    # Still down an hour later: the delay doubles (60 s ± 20 %, then 120 s ± 20 %).
    later = utcnow() + timedelta(hours=1)
    pipe.outbox.send_pending(now=later)
    twice = rows(db, "SELECT attempts, next_attempt_at FROM outbox WHERE attempts = 2")
    assert len(twice) == 1
    row = twice[0]
    from datetime import datetime

    delay = (datetime.fromisoformat(row["next_attempt_at"]) - utcnow()).total_seconds()
    assert 90 <= delay <= 150, delay

    smtp_server.start()
    # Back up: the replies never tried go out at once; the one that failed twice waits
    # for its backoff (it is not due yet), then goes out too.
    assert pipe.outbox.send_pending().replies_sent == 2
    assert count(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == 1
    sent = pipe.outbox.send_pending(now=later + timedelta(hours=1))
    assert sent.replies_sent == 1
    assert count(db, "SELECT count(*) FROM outbox WHERE state = 'sent'") == 3
    assert len(smtp_server.wait_for(3, timeout=10)) == 3
    store.close()


def test_sqlite_busy_poll_waits_for_the_writer(tmp_path: Path) -> None:
    """Another connection (say `tinbai serve` saving a decision) holds the write lock:
    the poll waits (WAL + busy_timeout) and then succeeds."""
    import mailbox

    from tinbai.samples import sample_submission

    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        "mailboxes:\n  - name: local\n    url: maildir:inbox\nsmtp:\n  url: maildir:outbox\n"
        "data_dir: ./var\n", encoding="utf-8",
    )
    config, store, pipe = pipeline(config_path)
    mailbox.Maildir(config.resolve("inbox"), create=True).add(sample_submission(1).as_bytes())
    other = sqlite3.connect(config.data_path / "tinbai.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO alerts (kind, message, at) VALUES ('test', 'held', 'now')")
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["report"] = pipe.poll()
        result["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    time.sleep(2.0)
    assert thread.is_alive(), "the poll must wait for the lock, not fail"
    other.execute("COMMIT")
    other.close()
    thread.join(timeout=120)
    assert result["report"].stored == 1 and not result["report"].errors
    assert result["seconds"] >= 2.0
    store.close()


def test_auth_failure_alerts_admins_once_and_run_does_not_crash_loop(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    config_path = write_config(
        tmp_path, imap_mailbox.url(), smtp_server.url,
        extra="  admin_emails: [quantri@congdoan.example.vn]",
    )
    config, store, pipe = pipeline(config_path, password="wrong")
    report = pipe.poll()
    assert report.errors and "login refused" in report.errors[0]
    assert "TINBAI_IMAP_PASSWORD" in report.errors[0]
    again = pipe.poll()  # the same daemon does not hammer the server with a bad password
    assert again.errors == []
    from tinbai.poll import Poller

    Poller(config, store).poll()  # a new process tries again: alert row, no new email
    db = config.data_path / "tinbai.sqlite3"
    assert count(db, "SELECT count(*) FROM alerts WHERE kind = 'auth_failure'") == 2
    alerts = smtp_server.wait_for(1, timeout=10)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1
    assert alerts[0].rcpt_tos == ["quantri@congdoan.example.vn"]
    assert "auth_failure" in str(alerts[0].message["Subject"])
    assert alerts[0].message["Auto-Submitted"] == "auto-generated"
    store.close()

    # `tinbai run` with the bad password: one clear line, no traceback, still running
    # (the job never dies), and it stops cleanly on SIGTERM.
    (tmp_path / "config.yaml").write_text(
        config_path.read_text(encoding="utf-8") + "polling:\n  interval_seconds: 10\n",
        encoding="utf-8",
    )
    import os

    proc = subprocess.Popen(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config_path), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TINBAI_IMAP_PASSWORD": "wrong"},
    )
    deadline = time.monotonic() + 60
    while count(db, "SELECT count(*) FROM alerts WHERE kind = 'auth_failure'") < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "tinbai run never tried to log in"
        time.sleep(0.2)
    time.sleep(1.0)
    assert proc.poll() is None, "tinbai run must keep running after a refused login"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "Traceback" not in stderr
    refused = [line for line in stderr.splitlines() if "login refused" in line]
    assert len(refused) == 1, stderr  # one line per attempt, one attempt per hour
