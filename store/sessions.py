"""Sessions of the web pages, kept on the server (tinbai.web.sessions decides).

A row per session: the SHA-256 of the opaque token in the cookie (a copied database or
backup holds no usable cookie), the user once logged in, the session's small data
(CSRF token, flash messages) and when it was made, last seen and ends.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from store.base import Repository, Row, iso, utcnow


class SessionStore(Repository):
    """The web_sessions table."""

    def find(self, token_sha256: str) -> Row | None:
        """The live session with this token digest (None: unknown or expired)."""
        return self._one(
            "SELECT * FROM web_sessions WHERE token_sha256 = ? AND expires_at > ?",
            (token_sha256, iso()),
        )

    def add(self, token_sha256: str, *, user_id: int | None, data: dict[str, Any],
            expires: datetime, address: str, user_agent: str) -> int:
        """A new session; returns its id."""
        now = iso()
        return self._insert("web_sessions", {
            "token_sha256": token_sha256, "user_id": user_id,
            "data_json": json.dumps(data, ensure_ascii=False), "created_at": now,
            "seen_at": now, "expires_at": iso(expires), "address": address[:100],
            "user_agent": user_agent[:300],
        })

    def save(self, session_id: int, *, user_id: int | None, data: dict[str, Any]) -> None:
        """Store a session's data (and who it belongs to); marks it seen now."""
        self.db.table("web_sessions").update(session_id, {
            "user_id": user_id, "data_json": json.dumps(data, ensure_ascii=False),
            "seen_at": iso(),
        })

    def touch(self, session_id: int) -> None:
        """Mark a session seen now."""
        self.db.table("web_sessions").update(session_id, {"seen_at": iso()})

    def delete(self, session_id: int) -> None:
        """End one session."""
        self.db.execute("DELETE FROM web_sessions WHERE id = ?", (session_id,))

    def delete_of_user(self, user_id: int, *, keep: int | None = None) -> int:
        """End every session of a user (except ``keep``); returns how many."""
        cursor = self.db.execute(
            "DELETE FROM web_sessions WHERE user_id = ? AND id IS NOT ?", (user_id, keep)
        )
        return int(cursor.rowcount or 0)

    def delete_all(self, *, keep: int | None = None) -> int:
        """End every logged-in session (except ``keep``); returns how many."""
        cursor = self.db.execute(
            "DELETE FROM web_sessions WHERE user_id IS NOT NULL AND id IS NOT ?", (keep,)
        )
        return int(cursor.rowcount or 0)

    def prune(self, *, max_anonymous: int) -> None:
        """Forget expired sessions, and the oldest sessions of nobody beyond
        ``max_anonymous`` (a flood of visits to the login page stays bounded)."""
        self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (iso(utcnow()),))
        self.db.execute(
            """DELETE FROM web_sessions WHERE user_id IS NULL AND id NOT IN (
                   SELECT id FROM web_sessions WHERE user_id IS NULL
                   ORDER BY id DESC LIMIT ?)""",
            (max_anonymous,),
        )

    def active(self) -> list[Row]:
        """The live logged-in sessions with their users, most recently seen first."""
        return self._all(
            """SELECT s.id, s.user_id, s.created_at, s.seen_at, s.expires_at, s.address,
                      s.user_agent, u.name, u.role
               FROM web_sessions s JOIN users u ON u.id = s.user_id
               WHERE s.expires_at > ? ORDER BY s.seen_at DESC, s.id DESC""",
            (iso(),),
        )
