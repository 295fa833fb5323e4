"""Crash test (issue 5, SPEC §8): `tinbai poll` killed with SIGKILL at 50 random moments.

Against the real Dovecot and aiosmtpd fixtures: 300 submissions with a photo each; the
poll subprocess is started, killed at a random moment while it works and restarted until
50 kills have landed and a run completes. On a fast machine a run can finish the mailbox
before its kill lands: then another batch of submissions is appended and the kills go on
(every count below is of what was appended), so the test holds on fast and slow machines.
Kills are placed from its log, not from its start (Python's start-up
alone takes seconds on a loaded machine): after 0–3 commits plus 0–0.3 s, or right after
1–3 replies were handed to the SMTP server, so they land in a FETCH, in parsing, in the
SQLite commit, or between an SMTP send and the commit marking it sent. Then: exactly one
stored message and submission per appended one, every reply sent, and the duplicate
replies (the same
Message-ID received twice by the SMTP server) counted, printed, at most one per kill.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from resilience_support import submission, write_config

MESSAGES = 300
KILLS = 50
BATCH = 60  # appended when a run completes before all kills have landed
MAX_BATCHES = 20  # hang guard: a machine that never lets a kill land fails, not loops


def poll_process(config: Path, password: str) -> subprocess.Popen[str]:
    """`tinbai poll` as a subprocess, logging at INFO to stderr."""
    env = {**os.environ, "TINBAI_IMAP_PASSWORD": password}
    return subprocess.Popen(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "--log-level", "INFO",
         "poll"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


STORED = re.compile(r"TB-\d{4}-\d+ v\d+: ")
SENT = re.compile(r"reply \S+ sent to ")


def run_and_maybe_kill(
    proc: subprocess.Popen[str], after: tuple[str, int, float] | None, timeout: float = 300.0
) -> tuple[bool, str]:
    """SIGKILL the poll once it has logged ``after[1]`` lines of kind ``after[0]``
    (``stored``: a message committed; ``sent``: a reply handed to the SMTP server) plus
    ``after[2]`` seconds (None: let it finish). Returns (killed, stderr).

    Counting log lines guarantees progress on a loaded machine; the extra delay puts the
    kill anywhere: in a FETCH, in parsing, in the SQLite commit, or between an SMTP send
    and the commit that marks the reply sent (the window of a duplicate reply).
    """
    seen = 0
    enough = threading.Event()
    lines: list[str] = []
    pattern = None if after is None else (STORED if after[0] == "stored" else SENT)

    def reader() -> None:
        nonlocal seen
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if after is None or pattern is None:
                continue
            if after[1] == 0 and "new message(s)" in line:
                enough.set()
            if pattern.search(line):
                seen += 1
                if seen >= after[1]:
                    enough.set()
    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    killed = False
    if after is not None:
        deadline = time.monotonic() + timeout
        while not enough.wait(0.02):
            if proc.poll() is not None or time.monotonic() > deadline:
                break
        if proc.poll() is None and enough.is_set():
            time.sleep(after[2])
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed = True
    proc.wait(timeout=timeout)
    thread.join(timeout=10)
    if proc.stdout is not None:
        proc.stdout.close()
    return killed, "".join(lines)


def kill_plan(rng: random.Random) -> tuple[str, int, float]:
    """Where the next kill lands: mostly while messages are processed, a third of the
    time in the middle of sending replies."""
    # The delay after a commit spans about two messages' work (~0.15 s each here): enough
    # to land anywhere in FETCH, parsing or the commit, while 50 kills still fit in 300
    # messages (a run that finishes before its kill lands would leave kills < KILLS).
    if rng.random() < 1 / 3:
        return ("sent", rng.randint(1, 3), rng.uniform(0.0, 0.05))
    return ("stored", rng.randint(0, 3), rng.uniform(0.0, 0.3))


@pytest.mark.slow
def test_sigkill_at_random_moments_neither_loses_nor_duplicates(
    imap_mailbox: Any, smtp_server: Any, tmp_path: Path
) -> None:
    uids = imap_mailbox.append_many(submission(n) for n in range(1, MESSAGES + 1))
    appended = MESSAGES
    config = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    rng = random.Random(5)
    kills = runs = batches = 0
    kinds: Counter[str] = Counter()
    started = time.monotonic()
    while True:
        runs += 1
        after = kill_plan(rng) if kills < KILLS else None
        killed, stderr = run_and_maybe_kill(poll_process(config, imap_mailbox.password), after)
        assert "Traceback" not in stderr, stderr[-3000:]
        if killed:
            kills += 1
            assert after is not None
            kinds[after[0]] += 1
            continue
        if kills >= KILLS:
            break  # the final run completed with every kill landed
        # A fast machine finished the mailbox before all kills landed: more mail, go on
        # (the expectations below count what was appended, so nothing is weakened).
        batches += 1
        assert batches <= MAX_BATCHES, f"only {kills} kills landed in {runs} runs"
        uids += imap_mailbox.append_many(
            submission(n) for n in range(appended + 1, appended + BATCH + 1)
        )
        appended += BATCH
    elapsed = time.monotonic() - started
    # A final clean run has nothing left to do.
    final = subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), "poll"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "TINBAI_IMAP_PASSWORD": imap_mailbox.password},
    )
    assert final.returncode == 0, final.stderr
    assert "fetched=0" in final.stdout

    db = sqlite3.connect(tmp_path / "var" / "tinbai.sqlite3")

    def count(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    assert count("SELECT count(*) FROM messages") == appended
    assert count("SELECT count(DISTINCT message_id) FROM messages") == appended
    assert count("SELECT count(*) FROM messages WHERE disposition IS NOT NULL") == 0
    assert count("SELECT count(*) FROM submissions") == appended
    assert count("SELECT count(DISTINCT sender) FROM submissions") == appended
    assert count("SELECT count(*) FROM outbox") == appended
    assert count("SELECT count(*) FROM outbox WHERE state != 'sent'") == 0
    assert count("SELECT max(last_uid) FROM checkpoints") == max(uids)
    outbox_ids = {r[0] for r in db.execute("SELECT reply_message_id FROM outbox")}
    db.close()

    received = Counter(
        str(m.message["Message-ID"]).strip().strip("<>") for m in smtp_server.messages
    )
    assert set(received) == outbox_ids, "every reply reached the SMTP server"
    duplicates = sum(n - 1 for n in received.values())
    report = (f"crash test: {appended} messages ({batches} batches appended), {runs} runs, "
              f"{kills} SIGKILLs ({kinds['stored']} while processing, "
              f"{kinds['sent']} while sending), {len(received)} replies, {duplicates} "
              f"duplicate replies, {elapsed:.0f}s")
    print(report)
    (tmp_path / "crash-report.txt").write_text(report + "\n", encoding="utf-8")
    assert kills == KILLS
    assert duplicates <= kills
