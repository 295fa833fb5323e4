"""Helpers shared by the crash, fault, UIDVALIDITY and folder tests (issue 5)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from store.db import Store
from tinbai.config import Config, load_config
from tinbai.poll import Poller
from tinbai.samples import camera_jpeg, sample_submission

PHOTO_SIZE = (2400, 1800)  # passes the photo rules; (1600, 1200) is "chat size"


def submission(number: int, **kwargs: Any) -> bytes:
    """A complete sample submission whose photo is one of four distinct camera JPEGs
    (``sample_submission``'s default photo is 4000×3000 and slow to make and check)."""
    msg: EmailMessage = sample_submission(number, photo_seed=0, **kwargs)
    for part in msg.iter_attachments():
        part.set_content(
            camera_jpeg(number % 4, PHOTO_SIZE), maintype="image", subtype="jpeg",
            filename=f"IMG_{number:04d}.jpg",
        )
    return msg.as_bytes()


def photo_of(number: int) -> bytes:
    """The photo bytes :func:`submission` attaches to message ``number``."""
    return camera_jpeg(number % 4, PHOTO_SIZE)


def write_config(folder: Path, imap_url: str, smtp_url: str, extra: str = "",
                 mailbox_extra: str = "") -> Path:
    """config.yaml for the fixtures' servers; ``extra`` is top-level YAML appended,
    ``mailbox_extra`` lines go into the mailbox entry (indented by the caller: 4 spaces)."""
    path = folder / "config.yaml"
    path.write_text(
        f"""
mailboxes:
  - name: editorial
    url: "{imap_url}"
    password_env: TINBAI_IMAP_PASSWORD
    batch_size: 10
{mailbox_extra}
smtp:
  url: "{smtp_url}"
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: ./var
replies:
  max_per_sender_per_day: 1000
{extra}
""",
        encoding="utf-8",
    )
    return path


def write_maildir_config(folder: Path, extra: str = "") -> Path:
    """config.yaml for a local Maildir inbox (``inbox``) and outbox (``outbox``) in
    ``folder``; ``extra`` is top-level YAML appended."""
    path = folder / "config.yaml"
    path.write_text(
        f"""
mailboxes:
  - name: editorial
    url: maildir:inbox
smtp:
  url: maildir:outbox
  from: "Ban Biên tập <toasoan@congdoan.example.vn>"
data_dir: ./var
{extra}
""",
        encoding="utf-8",
    )
    return path


def pipeline(config_path: Path, password: str = "secret") -> tuple[Config, Store, Poller]:
    """An in-process pipeline with the IMAP password in the environment."""
    os.environ["TINBAI_IMAP_PASSWORD"] = password
    config = load_config(config_path)
    store = Store(config.data_path)
    return config, store, Poller(config, store)


def run_tinbai(config: Path, *args: str, password: str = "secret",
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`tinbai --config CONFIG ARGS…` as a subprocess, password in the environment."""
    env = {**os.environ, "TINBAI_IMAP_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config), *args],
        capture_output=True, text=True, env=env, timeout=timeout, check=False,
    )


def count(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> int:
    """One integer from the tinbai database (a separate read connection)."""
    db = sqlite3.connect(db_path)
    try:
        return int(db.execute(sql, params).fetchone()[0])
    finally:
        db.close()


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of the tinbai database read on a separate connection: an independent witness
    of what was committed to disk (as the crash test reads it), not the store's own code."""
    db = sqlite3.connect(db_path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def folder_uids(server: Any, folder: str) -> list[int]:
    """UIDs in a Dovecot folder (empty when the folder does not exist)."""
    client = server.client()
    try:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        return sorted(int(u) for u in client.search("ALL"))
    finally:
        client.logout()
