"""The lists people read: the editors' queue page, ``tinbai queue``, the status counts.

Read-only views over submissions (and, for ``tinbai queue --all``, the messages that got a
disposition instead), filtered and paginated in SQL.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.normalize import fold
from store.base import Repository, Row

#: Queue order when no status is chosen: work to do first, closed items last. Must
#: match the expression of the ``submissions_queue_order`` index (schema v8).
QUEUE_RANK_SQL = (
    "(CASE status WHEN 'pending_review' THEN 0 WHEN 'approved' THEN 1 "
    "WHEN 'awaiting_approval' THEN 2 WHEN 'needs_fix' THEN 3 WHEN 'published' THEN 4 "
    "WHEN 'paid' THEN 5 ELSE 6 END)"
)


class QueueViews(Repository):
    """The queue listings."""

    def listing(self, status: str | None = None, include_dispositions: bool = False) -> list[Row]:
        """Submissions oldest first (optionally one status), with their problem codes.

        With ``include_dispositions`` the messages that got a disposition instead of a
        submission are merged in, ordered by reception time too.
        """
        where = "WHERE s.status = ?" if status else ""
        params: list[Any] = [status] if status else []
        rows = self._all(
            f"""SELECT s.ref, s.status, s.sender, s.title, s.author, s.unit, s.unit_name,
                       s.received_at, NULL AS disposition,
                       (SELECT group_concat(code, ' ') FROM
                          (SELECT code FROM problems p WHERE p.submission_id = s.id
                           ORDER BY p.id)) AS codes
                FROM submissions s {where}
                ORDER BY s.received_at, s.id""",
            params,
        )
        for row in rows:
            row["problems"] = (row.pop("codes") or "").split()
        if include_dispositions and not status:
            others = self._all(
                """SELECT NULL AS ref, NULL AS status, sender, subject AS title, NULL AS author,
                          NULL AS unit, NULL AS unit_name, received_at, disposition
                   FROM messages WHERE submission_id IS NULL AND disposition IS NOT NULL
                   ORDER BY received_at, id"""
            )
            for row in others:
                row["problems"] = []
            rows = sorted(rows + others, key=lambda r: str(r["received_at"]))
        return rows

    def page(
        self, *, status: str | None = None, unit: str | None = None,
        received_from: str | None = None, received_before: str | None = None,
        problem: str | None = None, search: str | None = None, limit: int = 50,
        offset: int = 0,
    ) -> list[Row]:
        """One page of the editors' queue, filtered and paginated in the database.

        Oldest first within a status; without a status filter, statuses in work order
        (the ``submissions_queue_order`` index), so page 1 costs the same with 100 or
        10,000 submissions. ``received_from``/``received_before`` bound ``received_at``
        (ISO text, half-open). Each row has ``problems`` (codes) and ``problem_items``
        ((code, field) pairs). ``problem`` keeps submissions with that code not overridden.
        """
        where: list[str] = []
        params: list[Any] = []
        if status:
            where.append("s.status = ?")
            params.append(status)
        if unit:
            where.append("s.unit_name = ?")
            params.append(unit)
        if received_from:
            where.append("s.received_at >= ?")
            params.append(received_from)
        if received_before:
            where.append("s.received_at < ?")
            params.append(received_before)
        if problem:
            where.append(
                "EXISTS (SELECT 1 FROM problems q WHERE q.submission_id = s.id "
                "AND q.code = ? AND q.overridden_at IS NULL)"
            )
            params.append(problem)
        folded = fold(search or "")
        if folded:
            # Diacritics and case ignored on both sides. The subquery reads only the
            # submissions_search index (search_text and the rowid), not the wide rows;
            # the unary + keeps it a filter, so the page is still read in queue order
            # and stops at the page's last row however many match.
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", folded) + "%"
            where.append(
                "+s.id IN (SELECT id FROM submissions WHERE search_text LIKE ? ESCAPE '\\')"
            )
            params.append(pattern)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = "s.received_at, s.id" if status else f"{QUEUE_RANK_SQL}, s.received_at, s.id"
        rows = self._all(
            f"""SELECT s.id, s.ref, s.status, s.sender, s.sender_name, s.title, s.author,
                       s.unit, s.unit_name, s.received_at, s.updated_at, s.version,
                       s.error_count, s.warning_count,
                       (SELECT group_concat(item, ' ') FROM
                          (SELECT code || ':' || coalesce(field, '') AS item FROM problems p
                           WHERE p.submission_id = s.id AND p.overridden_at IS NULL
                           ORDER BY p.id)) AS codes,
                       (SELECT count(*) FROM photos ph WHERE ph.submission_id = s.id)
                           AS photo_count
                FROM submissions s {clause}
                ORDER BY {order} LIMIT ? OFFSET ?""",
            [*params, int(limit), int(offset)],
        )
        for row in rows:
            items = [tuple(item.split(":", 1)) for item in (row.pop("codes") or "").split()]
            row["problems"] = [code for code, _ in items]
            row["problem_items"] = [(code, field or None) for code, field in items]
        return rows

    def waiting_since(self, status: str, before: str, limit: int = 500) -> list[Row]:
        """Submissions in ``status`` since before ``before`` (UTC ISO): when they last
        entered it (``since``, from the status history), oldest first (the digest, the
        contributors' reminders)."""
        return self._all(
            """SELECT * FROM (
                 SELECT s.id, s.ref, s.title, s.subject, s.sender, s.unit, s.unit_name,
                        s.received_at, s.version,
                        (SELECT max(h.at) FROM status_history h WHERE h.submission_id = s.id
                         AND h.to_status = s.status) AS since
                 FROM submissions s WHERE s.status = ?)
               WHERE since < ? ORDER BY since, id LIMIT ?""",
            (status, before, limit),
        )

    def last_received_at(self) -> str | None:
        """When the last message of any kind was stored (UTC ISO), or None."""
        row = self._one("SELECT max(received_at) AS at FROM messages")
        return None if row is None or row["at"] is None else str(row["at"])

    def status_counts(self) -> dict[str, int]:
        """How many submissions are in each status (an index-only scan)."""
        rows = self._all("SELECT status, count(*) AS n FROM submissions GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    def units(self) -> list[str]:
        """Registry unit names that occur in submissions (for the queue's unit filter)."""
        rows = self._all(
            "SELECT DISTINCT unit_name FROM submissions WHERE unit_name IS NOT NULL "
            "AND unit_name != '' ORDER BY unit_name"
        )
        return [str(r["unit_name"]) for r in rows]
