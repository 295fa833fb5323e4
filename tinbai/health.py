"""What ``tinbai doctor`` and the health check read about the running daemon:
``DATA_DIR/health.json`` with the last poll (and whether it worked) and the last backup.

A small JSON file rather than a table: it is written after every poll by whichever
process polled, read by a health check that must not wait for a database lock, and it
needs no migration.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from store.files import write_atomically

log = logging.getLogger(__name__)

FILE = "health.json"


def read_health(data_dir: Path) -> dict[str, Any]:
    """The recorded state (an empty dict when nothing was recorded yet)."""
    try:
        data = json.loads((data_dir / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(data_dir: Path, **values: Any) -> None:
    """Merge ``values`` into the file atomically; a failure is logged, never raised
    (the health file must not break a poll)."""
    try:
        data = {**read_health(data_dir), **values}
        data_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=1)
        write_atomically(data_dir / FILE, text.encode("utf-8"))
    except OSError as exc:
        log.warning("cannot write %s: %s", data_dir / FILE, exc)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_poll(data_dir: Path, errors: list[str]) -> None:
    """After a poll: when it ran, and when it last ran without errors."""
    values: dict[str, Any] = {"last_poll_at": now_iso(), "last_poll_errors": errors[:10]}
    if not errors:
        values["last_poll_ok_at"] = values["last_poll_at"]
    record(data_dir, **values)
