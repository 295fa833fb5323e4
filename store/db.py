"""The store of one data folder: one SQLite file (WAL mode), content-addressed files, and
the repositories of each aggregate on one connection with explicit transactions.

Only persistence and queries live in :mod:`store`; what a message *means* is decided
elsewhere. Every write happens inside :meth:`Store.transaction` so that a message, its
submission, its reply and the mailbox checkpoint are committed together or not at all
(SPEC §8), whichever repositories wrote them:

============================  =========================================================
``store.messages``            checkpoints and messages (:mod:`store.messages`)
``store.submissions``         submissions, problems, photos, versions, history, notes
``store.queue``               the queue listings and status counts (read-only)
``store.outbox``              replies and alert emails to send, and the alerts
``store.finance``             payment batches, payees, items, confirmations
``store.users``               users of the web pages
``store.sessions``            their sessions (kept on the server, the cookie holds an id)
``store.audit``               the audit log of decisions
``store.approvals``           approval requests to units' leadership and their outcome
``store.notices``             notices sent once (their keys), personal status links
``store.texts``               the bodies' MinHash fingerprints (``text_duplicate``)
``store.raw``/``store.photos``  content-addressed raw mail and photo files
============================  =========================================================
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from store.approvals import ApprovalStore
from store.audit import AuditLog
from store.files import BlobStore
from store.finance import FinanceStore
from store.messages import MessageStore
from store.notices import NoticeStore
from store.outbox import OutboxStore
from store.queue import QueueViews
from store.schema import migrate
from store.sessions import SessionStore
from store.submissions import SubmissionStore
from store.texts import TextIndex
from store.users import UserStore


class Store:
    """The database and the content-addressed files of one data folder."""

    def __init__(self, data_dir: Path, *, busy_timeout_ms: int = 30_000) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "tinbai.sqlite3"
        conn = sqlite3.connect(
            self.path, timeout=busy_timeout_ms / 1000, isolation_level=None,
            check_same_thread=False,
        )
        # WAL lets `tinbai serve` read while the poller writes; the busy timeout makes a
        # writer wait for the other instead of failing with "database is locked".
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        self.db = sqlite_utils.Database(conn)
        self.raw = BlobStore(data_dir / "raw")
        self.photos = BlobStore(data_dir / "photos")
        self.schema_version = migrate(self.db)
        self.messages = MessageStore(self.db)
        self.submissions = SubmissionStore(self.db)
        self.queue = QueueViews(self.db)
        self.outbox = OutboxStore(self.db)
        self.finance = FinanceStore(self.db)
        self.users = UserStore(self.db)
        self.sessions = SessionStore(self.db)
        self.audit = AuditLog(self.db)
        self.approvals = ApprovalStore(self.db)
        self.notices = NoticeStore(self.db)
        self.texts = TextIndex(self.db)
        self._depth = 0

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One atomic unit of work (BEGIN IMMEDIATE … COMMIT); nested calls join it."""
        conn = self.db.conn
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            conn.execute("ROLLBACK")
            raise
        self._depth = 0
        conn.execute("COMMIT")

    def change_mark(self) -> tuple[int, int]:
        """Changes whenever the database does: another connection committed
        (``PRAGMA data_version``) or this one wrote (``total_changes()``); O(1), for caches."""
        db = self.db
        return (int(db.execute("PRAGMA data_version").fetchone()[0]),
                int(db.execute("SELECT total_changes()").fetchone()[0]))
