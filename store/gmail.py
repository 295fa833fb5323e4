"""Gmail message ids (X-GM-MSGID) already processed, per mailbox (table gmail_message_ids)."""

from __future__ import annotations

from collections.abc import Iterable

from store.db import Store, iso


def known_ids(store: Store, mailbox: str, msgids: Iterable[int]) -> set[int]:
    """Which of these X-GM-MSGIDs were processed before in ``mailbox``."""
    wanted = sorted(set(msgids))
    found: set[int] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" for _ in chunk)
        rows = store.db.execute(
            f"SELECT msgid FROM gmail_message_ids WHERE mailbox = ? AND msgid IN ({marks})",
            (mailbox, *chunk),
        ).fetchall()
        found.update(int(r[0]) for r in rows)
    return found


def remember(store: Store, mailbox: str, msgid: int) -> None:
    """Record a processed X-GM-MSGID (joins the caller's transaction, if any)."""
    with store.transaction():
        store.db.execute(
            "INSERT OR IGNORE INTO gmail_message_ids (mailbox, msgid, at) VALUES (?, ?, ?)",
            (mailbox, msgid, iso()),
        )
