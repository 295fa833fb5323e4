"""The transactional outbox (replies and alert emails) and the alerts table.

A reply row is committed with the message it answers and sent afterwards; a sender
claims a due row with a lease (``tinbai run`` and ``tinbai serve`` both send), so a row is
sent by one process, and a claim left by a process that died is given back (SPEC §8: at
most one duplicate reply per crash).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import psutil

from store.base import Repository, Row, iso, utcnow

#: How long a claimed reply may stay "sending" before another sender may retry it.
REPLY_LEASE = timedelta(minutes=10)


def _claimant() -> str:
    """This process, as written in ``outbox.claimed_by`` (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host."""
    # psutil, not os.kill(pid, 0): on Windows that call terminates the process.
    return bool(psutil.pid_exists(pid))


class OutboxStore(Repository):
    """Outbox rows and operational alerts."""

    def enqueue(self, row: Row) -> int:
        """Insert an outbox row (pending, due now, unless the row says otherwise)."""
        now = iso()
        return self._insert(
            "outbox", {"created_at": now, "next_attempt_at": now, "state": "pending", **row}
        )

    def due(self, now: datetime | None = None, limit: int = 200) -> list[Row]:
        """Replies to send now: pending ones that are due, and claims whose lease ran out
        (a sender that died mid-send)."""
        return self._all(
            """SELECT * FROM outbox WHERE state IN ('pending', 'sending')
               AND next_attempt_at <= ? ORDER BY id LIMIT ?""",
            (iso(now), limit),
        )

    def claim(self, outbox_id: int, now: datetime | None = None) -> bool:
        """Take a due reply for sending (state ``sending`` with a lease); False when another
        process (``tinbai run`` and ``tinbai serve`` both send) took it first."""
        moment = now or utcnow()
        cursor = self.db.execute(
            """UPDATE outbox SET state = 'sending', next_attempt_at = ?, claimed_by = ?
               WHERE id = ? AND state IN ('pending', 'sending') AND next_attempt_at <= ?""",
            (iso(moment + REPLY_LEASE), _claimant(), outbox_id, iso(moment)),
        )
        return cursor.rowcount == 1

    def release_dead_claims(self) -> int:
        """Give back replies claimed by a process of this host that no longer runs.

        A sender killed between claiming and marking sent (kill -9, power cut) would
        otherwise hold its reply until the lease ends; such a reply may have reached the
        server already, so this is the "at most one duplicate per crash" of SPEC §8.
        """
        host = _claimant().rsplit(":", 1)[0]
        released = 0
        rows = self._all(
            "SELECT id, claimed_by FROM outbox WHERE state = 'sending' AND claimed_by LIKE ?",
            (f"{host}:%",),
        )
        for row in rows:
            pid = int(str(row["claimed_by"]).rsplit(":", 1)[1] or 0)
            if pid and not _process_alive(pid):
                self.db.execute(
                    "UPDATE outbox SET state = 'pending', next_attempt_at = ? "
                    "WHERE id = ? AND state = 'sending' AND claimed_by = ?",
                    (iso(), row["id"], row["claimed_by"]),
                )
                released += 1
        return released

    def mark_sent(self, outbox_id: int) -> None:
        """The reply reached the server."""
        self.db.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (iso(), outbox_id),
        )

    def mark_failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, *, give_up: bool
    ) -> None:
        """A sending attempt failed: retry at ``next_attempt_at``, or never (``give_up``)."""
        self.db.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
               state = ? WHERE id = ?""",
            (error[:2000], iso(next_attempt_at), "failed" if give_up else "pending", outbox_id),
        )

    def replies_to_since(
        self, address: str, since: datetime, kinds: tuple[str, ...] | None = None
    ) -> int:
        """How many e-mails (sent or pending) went to ``address`` since ``since``; with
        ``kinds``, only those kinds."""
        kind_filter = f" AND kind IN ({', '.join('?' * len(kinds))})" if kinds else ""
        row = self._one(
            f"""SELECT count(*) AS n FROM outbox WHERE to_addr = ? AND created_at >= ?
               AND state IN ('pending', 'sending', 'sent'){kind_filter}""",
            (address, iso(since), *(kinds or ())),
        )
        return int(row["n"]) if row else 0

    def of_submission(self, submission_id: int) -> list[Row]:
        """The replies about a submission, oldest first."""
        return self._all(
            "SELECT * FROM outbox WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def thread_of(self, message_ids: list[str], kinds: tuple[str, ...]) -> int | None:
        """The submission of our e-mail of one of ``kinds`` whose Message-ID is among
        ``message_ids`` (an answer to an approval request), or None."""
        ids = [m for m in message_ids if m]
        if not ids or not kinds:
            return None
        row = self._one(
            f"""SELECT submission_id FROM outbox WHERE reply_message_id IN
                ({",".join("?" * len(ids))}) AND kind IN ({",".join("?" * len(kinds))})
                AND submission_id IS NOT NULL ORDER BY id DESC LIMIT 1""",
            [*ids, *kinds],
        )
        return None if row is None else int(row["submission_id"])

    def alert_emails_since(self, subject: str, since: datetime) -> int:
        """How many alert emails with this subject were queued since ``since``."""
        return self._count(
            "SELECT count(*) FROM outbox WHERE kind = 'alert' AND subject = ? "
            "AND created_at >= ?",
            (subject, iso(since)),
        )

    # -- alerts -------------------------------------------------------------------------

    def add_alert(self, kind: str, message: str) -> None:
        """Record an operational alert for admins (shown by the web pages and logs)."""
        self.db.table("alerts").insert({"kind": kind, "message": message, "at": iso()})

    def open_alerts(self, limit: int = 20) -> list[Row]:
        """Operational alerts nobody has marked as handled, newest first."""
        return self._all(
            "SELECT * FROM alerts WHERE resolved_at IS NULL ORDER BY id DESC LIMIT ?", (limit,)
        )

    def resolve_alert(self, alert_id: int) -> bool:
        """An admin marked the alert as handled; False when no open alert has this id."""
        cursor = self.db.execute(
            "UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
            (iso(), alert_id),
        )
        return bool(cursor.rowcount)
