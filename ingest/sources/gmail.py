"""Gmail's IMAP extensions (X-GM-EXT-1), used only when the server advertises them.

- ``X-GM-MSGID``: a 64-bit id of the message that never changes, whatever happens to
  UIDs and UIDVALIDITY (Google's "IMAP Extensions" page), so mail already processed is
  recognised without downloading it again after a renumbering;
- ``X-GM-LABELS``: labels, which is what people see in Gmail's web interface; tinbai
  adds one per verdict (``mailboxes[].gmail_labels``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from imapclient import IMAPClient

CAPABILITY = b"X-GM-EXT-1"
MSGID = b"X-GM-MSGID"
_CHUNK = 1000


def is_gmail(capabilities: Iterable[bytes]) -> bool:
    """True when the server speaks Gmail's extensions."""
    return CAPABILITY in set(capabilities)


def msgid_of(item: dict[bytes, Any]) -> int | None:
    """The X-GM-MSGID of one FETCH response item (None when absent)."""
    value = item.get(MSGID)
    return int(value) if value is not None else None


def message_ids(client: IMAPClient, uids: Sequence[int]) -> dict[int, int]:
    """``{uid: X-GM-MSGID}`` for these UIDs (bodies are not fetched)."""
    found: dict[int, int] = {}
    for i in range(0, len(uids), _CHUNK):
        for uid, item in client.fetch(list(uids[i : i + _CHUNK]), ["X-GM-MSGID"]).items():
            msgid = msgid_of(item)
            if msgid is not None:
                found[int(uid)] = msgid
    return found


def add_label(client: IMAPClient, uids: Sequence[int], label: str) -> bool:
    """Add a Gmail label (created by Gmail when new) to these messages."""
    client.add_gmail_labels(list(uids), [label], silent=True)
    return True
