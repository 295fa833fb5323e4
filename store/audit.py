"""The audit log: every decision with who, when and why (SPEC §5)."""

from __future__ import annotations

import json
from typing import Any

from store.base import Repository, Row, iso


class AuditLog(Repository):
    """The audit_log table."""

    def record(
        self, actor: str, action: str, submission_id: int | None, detail: dict[str, Any]
    ) -> None:
        """Record a decision (SPEC §5: every transition with who, when and why)."""
        self.db.table("audit_log").insert(
            {"actor": actor, "action": action, "submission_id": submission_id,
             "detail_json": json.dumps(detail, ensure_ascii=False, default=str), "at": iso()}
        )

    def of_submission(self, submission_id: int) -> list[Row]:
        """The entries about a submission, oldest first."""
        return self._all(
            "SELECT * FROM audit_log WHERE submission_id = ? ORDER BY id", (submission_id,)
        )
