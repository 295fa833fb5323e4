"""`tinbai run`: polls on its interval, refuses a second instance, stops on SIGTERM."""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tinbai.samples import sample_submission


def start_run(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_until(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_run_polls_refuses_a_second_instance_and_stops_cleanly(tmp_path: Path) -> None:
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    inbox.add(sample_submission(1).as_bytes())
    config = tmp_path / "config.yaml"
    config.write_text(
        "mailboxes: [{name: t, url: 'maildir:inbox'}]\nsmtp: {url: 'maildir:outbox'}\n"
        "data_dir: var\npolling: {interval_seconds: 10}\n",
        encoding="utf-8",
    )
    outbox = tmp_path / "outbox"

    def replies() -> int:
        return len(mailbox.Maildir(outbox, create=True))

    daemon = start_run(config)
    try:
        # The first poll runs at once.
        assert wait_until(lambda: replies() == 1, 60), daemon.stderr
        # A message arriving later is picked up by the next interval.
        inbox.add(sample_submission(2).as_bytes())
        assert wait_until(lambda: replies() == 2, 40)

        second = subprocess.run(
            [sys.executable, "-m", "tinbai.cli", "--config", str(config), "run"],
            capture_output=True, text=True, timeout=60, check=False,
        )
        assert second.returncode == 1
        assert "another tinbai run" in second.stderr and "Traceback" not in second.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    assert "stopping after the current message" in err
    assert "tinbai run: stopped" in err


def test_quarter_report_is_written_once_for_the_last_complete_quarter(tmp_path: Path) -> None:
    from datetime import date

    from store.db import Store
    from tinbai.config import load_config
    from tinbai.periods import previous_quarter
    from tinbai.scheduler import write_quarter_report

    assert previous_quarter(date(2026, 10, 1)) == "2026-Q3"
    assert previous_quarter(date(2026, 2, 14)) == "2025-Q4"
    config_path = tmp_path / "config.yaml"
    config_path.write_text("data_dir: var\n", encoding="utf-8")
    config = load_config(config_path)
    store = Store(config.data_path)
    written = write_quarter_report(store, config, date(2026, 10, 1))
    assert written == config.data_path / "reports" / "units-2026-Q3.html"
    assert "BÁO CÁO" in written.read_text(encoding="utf-8")
    assert (config.data_path / "reports" / "units-2026-Q3.xlsx").stat().st_size > 0
    assert write_quarter_report(store, config, date(2026, 10, 5)) is None
    store.close()
