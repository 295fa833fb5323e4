"""What was sent once, and the personal status links of the replies.

``sent_notices`` holds a key per notice, digest or reminder ever queued (``published:
TB-…``, ``digest:2026-11-03``…): it is inserted in the same transaction as the outbox rows,
so a job that runs again — ``tinbai run`` restarted, a CLI and the web at once — finds the
key and queues nothing (exactly once). ``status_links`` keeps the SHA-256 of each status
token, never the token itself; a link is revoked by stamping ``revoked_at``.
"""

from __future__ import annotations

import hashlib

from store.base import Repository, Row, iso


def token_digest(token: str) -> str:
    """The stored form of a status token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class NoticeStore(Repository):
    """Notices sent once, and status links."""

    def claim(self, key: str, kind: str, submission_id: int | None = None) -> bool:
        """Record that the notice ``key`` is being queued; False when it already was.

        Call inside the transaction that queues the e-mail: both commit or neither.
        """
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO sent_notices (key, kind, submission_id, at) VALUES (?, ?, ?, ?)",
            (key, kind, submission_id, iso()),
        )
        return cursor.rowcount == 1

    def sent(self, key: str) -> bool:
        """Whether the notice ``key`` was queued before."""
        return self._count("SELECT count(*) FROM sent_notices WHERE key = ?", (key,)) > 0

    def keys_like(self, prefix: str) -> list[str]:
        """The keys starting with ``prefix`` (what a job did, for tests and the doctor)."""
        rows = self._all("SELECT key FROM sent_notices WHERE key LIKE ? ORDER BY at, key",
                         (prefix.replace("%", "") + "%",))
        return [str(r["key"]) for r in rows]

    # -- status links -----------------------------------------------------------------------

    def add_link(self, submission_id: int, token: str) -> None:
        """Store a new status token of a submission (its digest)."""
        self._insert("status_links", {"submission_id": submission_id,
                                      "token_sha256": token_digest(token), "created_at": iso()})

    def link(self, token: str) -> Row | None:
        """The status link of a token (revoked ones too: the page says so), or None."""
        return self._one("SELECT * FROM status_links WHERE token_sha256 = ?",
                         (token_digest(token),))

    def revoke_links(self, submission_id: int, *, by: str) -> int:
        """Revoke every status link of a submission; returns how many were live."""
        cursor = self.db.execute(
            "UPDATE status_links SET revoked_at = ?, revoked_by = ? WHERE submission_id = ? "
            "AND revoked_at IS NULL", (iso(), by, submission_id))
        return int(cursor.rowcount)

    def live_links(self, submission_id: int) -> int:
        """How many status links of a submission still work."""
        return self._count("SELECT count(*) FROM status_links WHERE submission_id = ? "
                           "AND revoked_at IS NULL", (submission_id,))
