"""`tinbai backup` / `tinbai restore` and the daily backup of `tinbai run` (issue 17)."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from resilience_support import count, run_tinbai, submission, write_config
from servers import Dovecot, SmtpServer

from store.backup import BackupError, prune_daily, restore_backup, verify_backup
from tinbai import clock
from tinbai.commands.backup import daily_backup
from tinbai.config import load_config


def _referenced_files_present(backup: Path) -> None:
    """Every raw message and photo the backed-up database refers to is in the backup."""
    db = sqlite3.connect(backup / "tinbai.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raws = [r[0] for r in db.execute("SELECT raw_path FROM messages WHERE raw_path != ''")]
        photos = [r[0] for r in db.execute("SELECT blob_path FROM photos WHERE blob_path != ''")]
    finally:
        db.close()
    missing = [p for p in raws if not (backup / "raw" / p).is_file()]
    missing += [p for p in photos if not (backup / "photos" / p).is_file()]
    assert not missing


def test_backup_restore_then_poll_reprocesses_nothing(
    tmp_path: Path, imap_mailbox: Dovecot, smtp_server: SmtpServer
) -> None:
    for number in range(1, 6):
        imap_mailbox.append(submission(number))
    config = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    first = run_tinbai(config, "poll")
    assert first.returncode == 0 and "stored=5" in first.stdout, first.stderr
    smtp_server.wait_for(5)

    dest = tmp_path / "backups" / "b1"
    made = run_tinbai(config, "backup", str(dest))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["files"]["tinbai.sqlite3"]["size"] > 0
    assert sum(1 for name in manifest["files"] if name.startswith("raw/")) == 5
    _referenced_files_present(dest)

    # A new machine: the same config with an empty data folder, restored from the backup.
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.yaml").write_text(config.read_text())
    restored = run_tinbai(other / "config.yaml", "restore", str(dest))
    assert restored.returncode == 0, restored.stderr
    again = run_tinbai(other / "config.yaml", "poll")
    assert again.returncode == 0, again.stderr
    assert "fetched=0" in again.stdout and "replies_sent=0" in again.stdout
    assert count(other / "var" / "tinbai.sqlite3", "SELECT count(*) FROM submissions") == 5
    assert len(smtp_server.messages) == 5  # nobody answered twice

    # The restored folder is live now: a second restore needs --force and keeps the old.
    refused = run_tinbai(other / "config.yaml", "restore", str(dest))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    forced = run_tinbai(other / "config.yaml", "restore", str(dest), "--force")
    assert forced.returncode == 0, forced.stderr
    assert list(tmp_path.glob("other/var.before-restore-*/tinbai.sqlite3"))


def test_damaged_or_hostile_backup_is_refused(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(submission(1))
    config = tmp_path / "config.yaml"
    config.write_text("mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
                      "smtp: {url: 'maildir:outbox'}\ndata_dir: var\n", encoding="utf-8")
    assert run_tinbai(config, "poll").returncode == 0
    dest = tmp_path / "b"
    assert run_tinbai(config, "backup", str(dest)).returncode == 0
    verify_backup(dest)
    raw = next((dest / "raw").rglob("*.eml"))
    raw.write_bytes(raw.read_bytes()[:-1] + b"X")
    with pytest.raises(BackupError, match="content differs"):
        restore_backup(dest, tmp_path / "new")
    assert not (tmp_path / "new" / "tinbai.sqlite3").exists()

    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"]["../../etc/evil"] = {"sha256": "0" * 64, "size": 1}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="refusing the path"):
        verify_backup(dest)
    assert run_tinbai(config, "backup", str(dest)).returncode == 1  # not over a backup


def test_run_makes_a_consistent_daily_backup_while_it_polls(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    for number in range(1, 13):
        inbox.add(submission(number))
    config = tmp_path / "config.yaml"
    config.write_text(
        "mailboxes: [{name: t, url: 'maildir:inbox', batch_size: 2}]\n"
        "smtp: {url: 'maildir:outbox'}\ndata_dir: var\npolling: {interval_seconds: 10}\n"
        "backup: {folder: backups, keep: 3}\n", encoding="utf-8")
    daemon = subprocess.Popen(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    today = clock.today().isoformat()
    backup = tmp_path / "backups" / today
    try:
        deadline = time.monotonic() + 120
        while not (backup / "manifest.json").exists():  # made at start-up, during the poll
            assert time.monotonic() < deadline and daemon.poll() is None
            time.sleep(0.2)
        # And by hand, while the daemon keeps committing.
        by_hand = run_tinbai(config, "backup", str(tmp_path / "by-hand"))
        assert by_hand.returncode == 0, by_hand.stderr
        # Restoring under a running daemon is refused, even with --force.
        under = run_tinbai(config, "restore", str(backup), "--force")
        assert under.returncode == 1 and "another tinbai run" in under.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=120)
    assert daemon.returncode == 0, err
    for folder in (backup, tmp_path / "by-hand"):
        verify_backup(folder)
        _referenced_files_present(folder)


def test_daily_backup_keeps_the_newest(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(submission(1))
    path = tmp_path / "config.yaml"
    path.write_text("mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
                    "smtp: {url: 'maildir:outbox'}\ndata_dir: var\n"
                    "backup: {folder: backups, keep: 3}\n", encoding="utf-8")
    assert run_tinbai(path, "poll").returncode == 0
    config = load_config(path)
    for day in range(1, 7):
        assert daily_backup(config, today=f"2026-11-0{day}") is not None
    assert daily_backup(config, today="2026-11-06") is None  # once a day
    (tmp_path / "backups" / "keep-me").mkdir()  # not a daily backup: never deleted
    assert prune_daily(tmp_path / "backups", 3) == []
    names = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert names == ["2026-11-04", "2026-11-05", "2026-11-06", "keep-me"]
    health = json.loads((config.data_path / "health.json").read_text())
    assert health["last_backup_path"].endswith("2026-11-06")
