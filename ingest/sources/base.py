"""The one small interface every mailbox source implements, and helpers they share."""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Protocol, runtime_checkable

from ingest.model import FetchedMessage


@runtime_checkable
class MailSource(Protocol):
    """A mailbox that can list, fetch and move messages by UID (RFC 3501 §2.3.1.1).

    Used as a context manager: ``__enter__`` connects, logs in and selects the folder;
    ``__exit__`` logs out and never raises. The pipeline's checkpoint is
    ``(name, uidvalidity, uid)``, so a source must hand out UIDs that only grow while
    ``uidvalidity`` stays the same.
    """

    name: str
    """The configured mailbox name (``mailboxes[].name`` in config.yaml)."""

    def __enter__(self) -> MailSource: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @property
    def uidvalidity(self) -> int:
        """The UIDVALIDITY of the selected folder; when it changes, old UIDs mean nothing."""
        ...

    def list_new(
        self, after_uid: int, since: datetime.date | None = None
    ) -> list[tuple[int, int]]:
        """``(uid, size)`` of the messages with UID > ``after_uid``, ascending.

        With ``since``, only messages whose internal date is on or after that day (IMAP
        SEARCH SINCE, RFC 3501 §6.4.4), so a first connection to a mailbox with years of
        history does not ingest the past.
        """
        ...

    def fetch(self, uids: Sequence[int], max_bytes: int) -> Iterator[FetchedMessage]:
        """The raw messages with these UIDs, ascending, without marking them \\Seen.

        Messages larger than ``max_bytes`` are yielded with ``raw=None`` (not downloaded);
        UIDs that no longer exist are skipped.
        """
        ...

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move the messages to ``folder``, creating it when missing."""
        ...


def batched_by_size(
    items: Sequence[tuple[int, int]], max_count: int, max_bytes: int
) -> Iterator[list[tuple[int, int]]]:
    """Split ``(uid, size)`` pairs into batches of at most ``max_count`` items and about
    ``max_bytes`` bytes (a single larger item forms its own batch).

    Bounds the memory of one FETCH response while keeping round trips few.
    """
    batch: list[tuple[int, int]] = []
    total = 0
    for item in items:
        if batch and (len(batch) >= max_count or total + item[1] > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += item[1]
    if batch:
        yield batch


def uid_set(uids: Sequence[int]) -> str:
    """Compact an ascending or unordered list of UIDs into an IMAP sequence set.

    ``[1, 2, 3, 7, 9, 10]`` → ``"1:3,7,9:10"`` (RFC 3501 §9, sequence-set), so commands
    over thousands of UIDs stay short.
    """
    ordered = sorted(set(uids))
    if not ordered:
        raise ValueError("empty UID set")
    parts: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)
