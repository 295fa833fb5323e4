"""A read-only look at a data folder's database, for ``tinbai doctor``.

Read-only on purpose (``mode=ro``): a check must not create, migrate or lock the
database it is judging, and must work while ``tinbai run`` writes to it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from store.errors import StoreError


@dataclass(frozen=True)
class DatabaseHealth:
    """What the doctor reports of the database."""

    verdict: str  # "ok", or what SQLite's integrity check found
    pending_replies: int  # outbox rows waiting to be sent (or being sent)
    oldest_pending: str | None  # ISO time of the oldest of them
    failed_replies: int  # outbox rows given up


def database_health(path: Path, *, quick: bool = False) -> DatabaseHealth:
    """Integrity (``PRAGMA integrity_check``, or ``quick_check``) and the outbox backlog
    of the database at ``path``; StoreError when it cannot be read."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            pragma = "quick_check" if quick else "integrity_check"
            verdict = str(db.execute(f"PRAGMA {pragma}").fetchone()[0])
            pending, oldest = db.execute(
                "SELECT count(*), min(created_at) FROM outbox WHERE state IN "
                "('pending', 'sending')").fetchone()
            failed = db.execute("SELECT count(*) FROM outbox WHERE state = 'failed'").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    return DatabaseHealth(verdict, int(pending), oldest, int(failed))
