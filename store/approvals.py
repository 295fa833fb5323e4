"""Approval by the unit's leadership: each request to a unit's approvers and its outcome.

A submission of a unit whose kind needs approval has ``approval_state`` ``pending`` until
one of the approvers (or an editor in their place) approves it. Each round of asking is
a row of ``approvals`` (who was asked, when, the reminder, who decided, when and how);
a return to the author closes the round and the fixed version opens a new one.
"""

from __future__ import annotations

import json
from typing import Any

from store.base import Repository, Row, iso

#: How an approval was given or refused (``approvals.decided_how``).
HOW_LABELS: dict[str, str] = {
    "reply": "trả lời thư",
    "link": "liên kết trong thư",
    "arrival": "người gửi là lãnh đạo đơn vị",
    "arrival_cc": "lãnh đạo đơn vị cùng nhận thư (Cc)",
    "editor": "Ban Biên tập duyệt thay",
}


class ApprovalStore(Repository):
    """Approval requests and their outcomes."""

    def open_round(self, submission_id: int, unit_name: str, approvers: list[str]) -> int:
        """A new request to ``approvers`` of ``unit_name``; returns its id."""
        return self._insert("approvals", {
            "submission_id": submission_id, "unit_name": unit_name,
            "approvers": json.dumps(approvers, ensure_ascii=False), "state": "pending",
            "requested_at": iso(),
        })

    def record_decided(
        self, submission_id: int, unit_name: str, approvers: list[str], *, by: str,
        how: str, message_row_id: int | None = None,
    ) -> int:
        """An approval given on arrival (no request was needed); returns its id."""
        now = iso()
        return self._insert("approvals", {
            "submission_id": submission_id, "unit_name": unit_name,
            "approvers": json.dumps(approvers, ensure_ascii=False), "state": "approved",
            "requested_at": now, "decided_at": now, "decided_by": by, "decided_how": how,
            "message_row_id": message_row_id,
        })

    def get(self, approval_id: int) -> Row | None:
        """An approval row by id (``approvers`` decoded), or None."""
        return _decoded(self._one("SELECT * FROM approvals WHERE id = ?", (approval_id,)))

    def pending_of(self, submission_id: int) -> Row | None:
        """The open request of a submission, or None."""
        return _decoded(self._one(
            "SELECT * FROM approvals WHERE submission_id = ? AND state = 'pending' "
            "ORDER BY id DESC LIMIT 1", (submission_id,)))

    def of_submission(self, submission_id: int) -> list[Row]:
        """Every round of a submission, oldest first."""
        rows = self._all("SELECT * FROM approvals WHERE submission_id = ? ORDER BY id",
                         (submission_id,))
        return [r for r in (_decoded(row) for row in rows) if r is not None]

    def decide(
        self, approval_id: int, state: str, *, by: str, how: str, reason: str | None = None,
        message_row_id: int | None = None,
    ) -> bool:
        """Close an open request (approved, returned, cancelled); False when it was no
        longer open (another approver, a link or an editor decided first)."""
        cursor = self.db.execute(
            """UPDATE approvals SET state = ?, decided_at = ?, decided_by = ?, decided_how = ?,
               reason = ?, message_row_id = ? WHERE id = ? AND state = 'pending'""",
            (state, iso(), by, how, reason, message_row_id, approval_id),
        )
        return cursor.rowcount == 1

    def mark_reminded(self, approval_id: int) -> bool:
        """Record the reminder; False when one was sent already (sent once)."""
        cursor = self.db.execute(
            "UPDATE approvals SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL "
            "AND state = 'pending'", (iso(), approval_id))
        return cursor.rowcount == 1

    def due_reminders(self, requested_before: str) -> list[Row]:
        """Open requests made before ``requested_before`` (UTC ISO) not yet reminded."""
        rows = self._all(
            """SELECT a.* FROM approvals a JOIN submissions s ON s.id = a.submission_id
               WHERE a.state = 'pending' AND a.reminded_at IS NULL AND a.requested_at < ?
               AND s.status = 'awaiting_approval' ORDER BY a.id""",
            (requested_before,),
        )
        return [r for r in (_decoded(row) for row in rows) if r is not None]

    def awaiting_without_request(self) -> list[int]:
        """Submissions awaiting approval with no open request (an editor's correction
        moved them there; the request e-mail is still to be sent)."""
        rows = self._all(
            """SELECT s.id FROM submissions s WHERE s.status = 'awaiting_approval'
               AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.submission_id = s.id
                               AND a.state = 'pending') ORDER BY s.id""")
        return [int(r["id"]) for r in rows]

    def awaiting(self, limit: int = 200) -> list[Row]:
        """Submissions awaiting approval with their open request (for the digest)."""
        return self._all(
            """SELECT s.id, s.ref, s.title, s.unit_name, s.sender, a.requested_at,
                      a.reminded_at, a.unit_name AS approving_unit
               FROM submissions s LEFT JOIN approvals a
                 ON a.submission_id = s.id AND a.state = 'pending'
               WHERE s.status = 'awaiting_approval' ORDER BY s.received_at, s.id LIMIT ?""",
            (limit,),
        )

    def unit_approved_between(self, start: str, end: str) -> dict[int, str]:
        """Submissions received in [start, end) approved by their unit's leadership (not by
        an editor in its place): submission id → how."""
        rows = self._all(
            """SELECT a.submission_id, a.decided_how FROM approvals a
               JOIN submissions s ON s.id = a.submission_id
               WHERE a.state = 'approved' AND a.decided_how != 'editor'
               AND s.received_at >= ? AND s.received_at < ?""",
            (start, end),
        )
        return {int(r["submission_id"]): str(r["decided_how"]) for r in rows}


def _decoded(row: Row | None) -> Row | None:
    if row is None:
        return None
    try:
        approvers: Any = json.loads(row.get("approvers") or "[]")
    except ValueError:
        approvers = []
    return {**row, "approvers": [str(a) for a in approvers] if isinstance(approvers, list)
            else []}
