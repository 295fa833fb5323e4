"""Mailbox checkpoints and the messages table: every fetched mail, whatever became of it.

A checkpoint ``(mailbox, UIDVALIDITY, last UID)`` is committed in the same transaction as
the message it moves past (SPEC §8: a message is marked processed only once committed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from store.base import Repository, Row, iso
from store.errors import NotFound

#: States of a message whose processing failed (``reprocessing``: a retry was interrupted).
FAILED_STATES: tuple[str, ...] = ("failed", "reprocessing")


class MessageStore(Repository):
    """Checkpoints and messages."""

    # -- checkpoints (mailbox, UIDVALIDITY, UID) ------------------------------------------

    def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        """The highest UID processed for this mailbox and UIDVALIDITY (None: never seen)."""
        row = self._one(
            "SELECT last_uid FROM checkpoints WHERE mailbox = ? AND uidvalidity = ?",
            (mailbox, uidvalidity),
        )
        return None if row is None else int(row["last_uid"])

    def known_uidvalidities(self, mailbox: str) -> list[int]:
        """UIDVALIDITY values seen before for this mailbox."""
        rows = self._all("SELECT uidvalidity FROM checkpoints WHERE mailbox = ?", (mailbox,))
        return [int(r["uidvalidity"]) for r in rows]

    def set_last_uid(self, mailbox: str, uidvalidity: int, uid: int) -> None:
        """Advance the checkpoint (never backwards)."""
        self.db.execute(
            """INSERT INTO checkpoints (mailbox, uidvalidity, last_uid, updated_at)
               VALUES (?, ?, ?, ?)
               ON CONFLICT (mailbox, uidvalidity) DO UPDATE
               SET last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at""",
            (mailbox, uidvalidity, uid, iso()),
        )

    # -- Gmail message ids (X-GM-MSGID), stable across UIDVALIDITY changes ----------------

    def known_gmail_ids(self, mailbox: str, msgids: Iterable[int]) -> set[int]:
        """Which of these X-GM-MSGIDs were processed before in ``mailbox``."""
        wanted = sorted(set(msgids))
        found: set[int] = set()
        for i in range(0, len(wanted), 500):  # below SQLite's bound-parameter limit
            chunk = wanted[i : i + 500]
            marks = ",".join("?" for _ in chunk)
            rows = self._all(
                f"SELECT msgid FROM gmail_message_ids WHERE mailbox = ? AND msgid IN ({marks})",
                (mailbox, *chunk),
            )
            found.update(int(r["msgid"]) for r in rows)
        return found

    def remember_gmail_id(self, mailbox: str, msgid: int) -> None:
        """Record a processed X-GM-MSGID (in the caller's transaction)."""
        self.db.execute(
            "INSERT OR IGNORE INTO gmail_message_ids (mailbox, msgid, at) VALUES (?, ?, ?)",
            (mailbox, msgid, iso()),
        )

    # -- messages -------------------------------------------------------------------------

    def by_message_id(self, message_id: str) -> Row | None:
        """The first stored (non-duplicate) message with this Message-ID."""
        return self._one(
            "SELECT * FROM messages WHERE message_id = ? AND disposition IS NOT 'duplicate'",
            (message_id,),
        )

    def insert(self, row: Row) -> int:
        """Insert a message row; returns its id."""
        return self._insert("messages", {"received_at": iso(), **row})

    def get(self, message_row_id: int) -> Row:
        """A message row by id; raises NotFound."""
        row = self._one("SELECT * FROM messages WHERE id = ?", (message_row_id,))
        if row is None:
            raise NotFound(f"Không tìm thấy thư số {message_row_id}.")
        return row

    def of_submission(self, submission_id: int) -> list[Row]:
        """The messages of a submission (its first mail and the fixes), oldest first."""
        return self._all(
            "SELECT * FROM messages WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def at_uids(self, mailbox: str, uidvalidity: int, uids: Sequence[int]) -> list[Row]:
        """UID, state and disposition of the stored messages with these mailbox UIDs."""
        if not uids:
            return []
        marks = ",".join("?" for _ in uids)
        return self._all(
            f"SELECT uid, state, disposition FROM messages WHERE mailbox = ? AND "
            f"uidvalidity = ? AND uid IN ({marks})",
            (mailbox, uidvalidity, *uids),
        )

    # -- failed mail (tinbai reprocess) ---------------------------------------------------

    def failed(self, ids: Sequence[int] = ()) -> list[Row]:
        """Failed (or interrupted) message rows, all or those with the given ids."""
        marks = ",".join("?" for _ in FAILED_STATES)
        sql = f"SELECT * FROM messages WHERE state IN ({marks})"
        params: list[Any] = list(FAILED_STATES)
        if ids:
            sql += f" AND id IN ({','.join('?' for _ in ids)})"
            params += list(ids)
        return self._all(sql + " ORDER BY id", params)

    def mark_reprocessing(self, message_row_id: int) -> None:
        """Rename a failed row out of the way of its Message-ID while it is processed again."""
        self.db.execute(
            "UPDATE messages SET state = 'reprocessing', message_id = ? WHERE id = ?",
            (f"reprocessing-{message_row_id}@tinbai", message_row_id),
        )

    def delete(self, message_row_id: int) -> None:
        """Delete a message row (a reprocessed failure, once its new outcome is stored)."""
        self.db.execute("DELETE FROM messages WHERE id = ?", (message_row_id,))

    # -- mail that is not a submission (web page "Thư khác") -----------------------------

    def others(self, *, kind: str | None = None, limit: int = 50, offset: int = 0) -> list[Row]:
        """Messages that are not part of a submission (dispositions, failures), newest
        first; ``kind`` is a disposition or a state such as ``failed``."""
        where = "WHERE submission_id IS NULL"
        params: list[Any] = []
        if kind:
            where += " AND coalesce(disposition, state) = ?"
            params.append(kind)
        return self._all(
            f"""SELECT id, message_id, sender, sender_name, subject, received_at, disposition,
                       state, error, size, raw_path, coalesce(disposition, state) AS kind
                FROM messages {where} ORDER BY id DESC LIMIT ? OFFSET ?""",
            [*params, int(limit), int(offset)],
        )

    def other_counts(self) -> dict[str, int]:
        """How many messages outside submissions there are of each kind."""
        rows = self._all(
            """SELECT coalesce(disposition, state) AS kind, count(*) AS n FROM messages
               WHERE submission_id IS NULL GROUP BY kind"""
        )
        return {str(r["kind"]): int(r["n"]) for r in rows}
