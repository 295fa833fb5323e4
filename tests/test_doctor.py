"""`tinbai doctor`: every check against real servers, in Vietnamese, exit 1 on failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from resilience_support import folder_uids, run_tinbai, submission, write_config
from servers import Dovecot, SmtpServer, free_port

from tinbai.health import record


def doctor(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "doctor", "--json", *args],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "TINBAI_IMAP_PASSWORD": "secret", "TINBAI_SMTP_PASSWORD": "pw",
             **(env or {})},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def by_name(report: Any, name: str) -> list[dict[str, str]]:
    return [c for c in report["checks"] if c["name"] == name]


def test_everything_fine_over_tls_with_a_test_message(
    tmp_path: Path, dovecot_tls: Dovecot, smtp_server_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TINBAI_SMTP_PASSWORD", "pw")
    smtp: SmtpServer = smtp_server_factory(auth={"toasoan@congdoan.example.vn": "pw"})
    config = write_config(
        tmp_path, dovecot_tls.tls_url(), smtp.url,
        extra="replies:\n  admin_emails: [quantri@congdoan.example.vn]\n",
        mailbox_extra=(f"    ca_file: {dovecot_tls.cert_file}\n"
                       "    processed_folder: Đã xử lý\n"
                       "    quarantine_folder: Cách ly\n"),
    )
    text = config.read_text().replace("replies:\n  max_per_sender_per_day: 1000\n", "")
    text = text.replace('  from: "Ban', '  username: toasoan@congdoan.example.vn\n'
                        '  password_env: TINBAI_SMTP_PASSWORD\n  from: "Ban')
    config.write_text(text)
    dovecot_tls.append(submission(1))
    assert run_tinbai(config, "poll").returncode == 0
    code, report = doctor(config, "--send-test")
    assert code == 0, [c for c in report["checks"] if c["status"] != "ok"]
    assert report["ok"] is True
    names = {c["name"] for c in report["checks"]}
    assert {"config", "secret", "data_folder", "database", "outbox", "clock", "imap_reachable",
            "imap_login", "imap_folder", "smtp", "smtp_test", "last_poll"} <= names
    assert all(c["status"] != "fail" for c in report["checks"])
    assert "TLS hợp lệ" in by_name(report, "imap_reachable")[0]["message"]
    assert by_name(report, "database")[0]["message"].endswith("nguyên vẹn.")
    test_mail = smtp.wait_for(1)[-1]
    assert test_mail.rcpt_tos == ["quantri@congdoan.example.vn"]
    assert "tinbai doctor" in str(test_mail.message["Subject"])
    # processed_folder existed already (the poll moved mail there); quarantine was created
    assert folder_uids(dovecot_tls, "Cách ly") == []
    assert len(folder_uids(dovecot_tls, "Đã xử lý")) == 1


def test_failures_are_explained_and_exit_1(
    tmp_path: Path, dovecot_tls: Dovecot, smtp_server: SmtpServer
) -> None:
    # A self-signed certificate without ca_file: TLS is not valid.
    config = write_config(tmp_path, dovecot_tls.tls_url(), smtp_server.url)
    code, report = doctor(config)
    assert code == 1 and report["ok"] is False
    tls = by_name(report, "imap_tls")[0]
    assert tls["status"] == "fail" and "certificate verify failed" in tls["message"]
    assert "Chứng chỉ TLS" in tls["hint"]
    assert by_name(report, "last_poll")[0]["status"] == "warn"  # never polled yet

    # Wrong password; a missing SMTP secret.
    config = write_config(tmp_path, dovecot_tls.url(), smtp_server.url,
                          mailbox_extra="")
    config.write_text(config.read_text().replace(
        '  from: "Ban', "  password_env: TINBAI_NOT_SET\n  from: \"Ban"))
    code, report = doctor(config, env={"TINBAI_IMAP_PASSWORD": "wrong"})
    assert code == 1
    assert by_name(report, "imap_login")[0]["status"] == "fail"
    assert "từ chối" in by_name(report, "imap_login")[0]["message"]
    missing = [c for c in by_name(report, "secret") if "TINBAI_NOT_SET" in c["message"]]
    assert missing and missing[0]["status"] == "fail"

    # Nothing listens there.
    closed = f"imap://editor%40example.org@127.0.0.1:{free_port()}/INBOX"
    code, report = doctor(write_config(tmp_path, closed, smtp_server.url))
    assert code == 1 and by_name(report, "imap_reachable")[0]["status"] == "fail"


def test_broken_database_stale_poll_and_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
                      "smtp: {url: 'maildir:outbox'}\ndata_dir: var\n", encoding="utf-8")
    (tmp_path / "inbox" / "new").mkdir(parents=True)
    (tmp_path / "inbox" / "cur").mkdir()
    (tmp_path / "inbox" / "tmp").mkdir()
    assert run_tinbai(config, "poll").returncode == 0
    code, report = doctor(config)
    assert code == 0, [c for c in report["checks"] if c["status"] != "ok"]
    long_ago = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
    record(tmp_path / "var", last_poll_ok_at=long_ago)
    code, report = doctor(config, "--quick")
    assert code == 1 and by_name(report, "last_poll")[0]["status"] == "fail"
    record(tmp_path / "var", last_poll_ok_at=datetime.now(UTC).isoformat())

    database = tmp_path / "var" / "tinbai.sqlite3"
    data = bytearray(database.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page after the schema is garbage
    database.write_bytes(bytes(data))
    code, report = doctor(config)
    assert code == 1
    assert by_name(report, "database")[0]["status"] == "fail"

    config.write_text("mailboxes: [{name: t, url: 'maildir:inbox', pasword_env: X}]\n")
    code, report = doctor(config)
    assert code == 1 and report["checks"][0]["name"] == "config"
    assert "did you mean 'password_env'" in report["checks"][0]["message"]


def test_photo_coefficient_reader_is_reported(tmp_path: Path) -> None:
    from ingest import turbojpeg_reader

    config = tmp_path / "config.yaml"
    config.write_text("mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
                      "smtp: {url: 'maildir:outbox'}\ndata_dir: var\n", encoding="utf-8")
    _, report = doctor(config, "--quick")
    (reader,) = by_name(report, "photo_reader")
    if turbojpeg_reader.library() is not None:
        assert reader["status"] == "ok" and "libjpeg-turbo" in reader["message"]
    # Where the library cannot be loaded the portable reader is used, and said so.
    _, report = doctor(config, "--quick", env={"TINBAI_TURBOJPEG": str(tmp_path / "none.so")})
    (reader,) = by_name(report, "photo_reader")
    assert reader["status"] == "warn" and "bộ giải mã Python" in reader["message"]
    assert "libturbojpeg0" in reader["hint"] and "TINBAI_TURBOJPEG" in reader["hint"]
