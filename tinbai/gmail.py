"""Gmail specifics in the poll (X-GM-EXT-1 only; other servers skip all of this).

- after a UIDVALIDITY change, messages whose X-GM-MSGID was processed before are not
  downloaded again (Message-ID deduplication stays the safety net for other servers);
- each processed message gets the label of its verdict (``mailboxes[].gmail_labels``:
  accepted, needs_fix, ignored, failed), which is what the office sees in Gmail.
"""

from __future__ import annotations

import logging

from ingest.errors import SourceError
from ingest.model import FetchedMessage
from ingest.sources.base import MailSource
from ingest.sources.imap import ImapSource
from store import lifecycle
from store.db import Store
from tinbai.config import MailboxConfig

log = logging.getLogger(__name__)


def skip_known(store: Store, source: MailSource, mailbox: str, uidvalidity: int,
               new: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``new`` without the messages processed before under another UIDVALIDITY."""
    if not isinstance(source, ImapSource) or not source.gmail or not new:
        return new
    ids = source.gmail_ids([uid for uid, _ in new])
    known = store.messages.known_gmail_ids(mailbox, ids.values())
    keep = [(uid, size) for uid, size in new if ids.get(uid) not in known]
    skipped = [uid for uid, _ in new if ids.get(uid) in known]
    if skipped:
        log.info("mailbox %s: %d message(s) already processed (same X-GM-MSGID), not "
                 "downloaded again", mailbox, len(skipped))
        first_kept = keep[0][0] if keep else None
        prefix = [uid for uid in skipped if first_kept is None or uid < first_kept]
        if prefix:  # everything up to there is handled: the checkpoint may move past it
            with store.transaction():
                store.messages.set_last_uid(mailbox, uidvalidity, max(prefix))
    return keep


def verdict(store: Store, kind: str, ref: str | None) -> str | None:
    """The gmail_labels key of an outcome: accepted, needs_fix, ignored or failed."""
    if kind == "stored" and ref:
        status = store.submissions.get(ref)["status"]
        return "needs_fix" if status == lifecycle.NEEDS_FIX else "accepted"
    if kind == "failed":
        return "failed"
    return "ignored" if kind in ("ignored", "duplicate", "seen") else None


def after_commit(store: Store, source: MailSource, mailbox: MailboxConfig,
                 fetched: FetchedMessage, kind: str, ref: str | None) -> None:
    """Remember the X-GM-MSGID and add the verdict's label; never raises for the server."""
    if fetched.gmail_msgid is None or not isinstance(source, ImapSource):
        return
    with store.transaction():
        store.messages.remember_gmail_id(mailbox.name, fetched.gmail_msgid)
    label = mailbox.gmail_labels.get(verdict(store, kind, ref) or "")
    if not label:
        return
    try:
        source.label([fetched.uid], label)
    except SourceError as exc:
        log.warning("mailbox %s: cannot label UID %s %r: %s", mailbox.name, fetched.uid,
                    label, exc)
