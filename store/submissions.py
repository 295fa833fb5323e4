"""Submissions and what belongs to them: problems, photos, versions, history, notes.

The status changes only through :meth:`SubmissionStore.set_status`, which checks the
lifecycle (SPEC §5) and records who, when and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from ingest.normalize import fold
from store import lifecycle
from store.base import Repository, Row, iso
from store.errors import InvalidTransition, NotFound

REF_PATTERN = re.compile(r"\bTB-(\d{4})-(\d{4,})\b", re.IGNORECASE)

#: The columns the queue's search reads, folded into ``search_text`` (schema v9).
SEARCH_COLUMNS: tuple[str, ...] = (
    "ref", "title", "author", "unit", "unit_name", "sender", "sender_name",
)


def search_text(row: Row) -> str:
    """The folded text the queue searches (lower case, no diacritics, đ → d)."""
    return fold(" ".join(str(row[c]) for c in SEARCH_COLUMNS if row.get(c)))


def problem_key(problem: dict[str, Any]) -> tuple[str, str, str]:
    """What makes two problems "the same" across versions: code, field and file."""
    return (str(problem.get("code")), str(problem.get("field") or ""),
            str(problem.get("file") or ""))


class SubmissionStore(Repository):
    """Submissions, their problems, photos, versions, status history and editors' notes."""

    def next_ref(self, year: int) -> str:
        """Allocate the next reference ``TB-YYYY-NNNN`` for this year."""
        self.db.execute(
            """INSERT INTO ref_counters (year, last) VALUES (?, 1)
               ON CONFLICT (year) DO UPDATE SET last = last + 1""",
            (year,),
        )
        row = self._one("SELECT last FROM ref_counters WHERE year = ?", (year,))
        assert row is not None
        return f"TB-{year}-{int(row['last']):04d}"

    def insert(self, row: Row, *, actor: str, reason: str | None = None) -> int:
        """Insert a submission and record its first status in the history."""
        now = iso()
        row = {"received_at": now, "updated_at": now, **row}
        row["search_text"] = search_text(row)
        if not lifecycle.can_move(None, row["status"]):
            label = lifecycle.STATUS_LABELS.get(row["status"], row["status"])
            raise InvalidTransition(f"Không thể tạo tin, bài ở trạng thái «{label}»")
        submission_id = self._insert("submissions", row)
        self._history(submission_id, None, row["status"], actor, reason)
        return submission_id

    def update(self, submission_id: int, values: Row) -> None:
        """Update columns of a submission (not its status: use :meth:`set_status`)."""
        if "status" in values:
            raise ValueError("use set_status to change a status")
        values = {**values, "updated_at": iso()}
        if any(column in values for column in SEARCH_COLUMNS):
            values["search_text"] = search_text({**self.get(submission_id), **values})
        self.db.table("submissions").update(submission_id, values)

    def set_status(
        self, submission_id: int, to_status: str, *, actor: str, reason: str | None = None,
        extra: Row | None = None,
    ) -> None:
        """Move a submission to ``to_status`` if the lifecycle allows it, recording who/why."""
        current = self.get(submission_id)
        if not lifecycle.can_move(current["status"], to_status):
            labels = lifecycle.STATUS_LABELS
            raise InvalidTransition(
                f"{current['ref']}: không thể chuyển từ "
                f"«{labels.get(current['status'], current['status'])}» sang "
                f"«{labels.get(to_status, to_status)}»"
            )
        self.db.table("submissions").update(
            submission_id, {**(extra or {}), "status": to_status, "updated_at": iso()}
        )
        self._history(submission_id, current["status"], to_status, actor, reason)

    def _history(
        self, submission_id: int, from_status: str | None, to_status: str, actor: str,
        reason: str | None,
    ) -> None:
        self.db.table("status_history").insert(
            {
                "submission_id": submission_id,
                "from_status": from_status,
                "to_status": to_status,
                "actor": actor,
                "reason": reason,
                "at": iso(),
            }
        )

    def get(self, key: int | str) -> Row:
        """A submission by id or reference; raises NotFound."""
        if isinstance(key, int):
            row = self._one("SELECT * FROM submissions WHERE id = ?", (key,))
        else:
            row = self._one("SELECT * FROM submissions WHERE ref = ?", (key.strip().upper(),))
        if row is None:
            shown = f"số {key}" if isinstance(key, int) else key.strip().upper()
            raise NotFound(f"Không tìm thấy tin, bài {shown}: hãy kiểm tra lại mã số.")
        return row

    def history(self, submission_id: int) -> list[Row]:
        """Every status change of a submission, oldest first."""
        return self._all(
            "SELECT * FROM status_history WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def find_thread(self, message_ids: Sequence[str], subject: str) -> Row | None:
        """The submission a reply belongs to (RFC 5322 In-Reply-To/References, or the ref).

        A contributor's reply references our reply's Message-ID (kept in the outbox) or
        their own original message; some clients drop those headers, so the ``TB-…``
        reference in the subject is the fallback.
        """
        ids = [m for m in message_ids if m]
        if ids:
            marks = ",".join("?" * len(ids))
            row = self._one(
                f"""SELECT submission_id FROM outbox WHERE reply_message_id IN ({marks})
                    AND submission_id IS NOT NULL
                    UNION ALL
                    SELECT submission_id FROM messages WHERE message_id IN ({marks})
                    AND submission_id IS NOT NULL LIMIT 1""",
                [*ids, *ids],
            )
            if row is not None:
                return self.get(int(row["submission_id"]))
        match = REF_PATTERN.search(subject or "")
        if match:
            ref = f"TB-{match.group(1)}-{match.group(2)}"
            try:
                return self.get(ref)
            except NotFound:
                return None
        return None

    def add_version(
        self, submission_id: int, version: int, message_row_id: int | None,
        candidate: dict[str, Any], problems: list[dict[str, Any]],
    ) -> None:
        """Keep what one version of a submission looked like (fix-by-reply history)."""
        self.db.table("submission_versions").insert(
            {
                "submission_id": submission_id,
                "version": version,
                "message_row_id": message_row_id,
                "candidate_json": json.dumps(candidate, ensure_ascii=False),
                "problems_json": json.dumps(problems, ensure_ascii=False),
                "created_at": iso(),
            }
        )

    def versions(self, submission_id: int) -> list[Row]:
        """What each version of a submission looked like (candidate and problems)."""
        return self._all(
            "SELECT * FROM submission_versions WHERE submission_id = ? ORDER BY version",
            (submission_id,),
        )

    # -- problems -------------------------------------------------------------------------

    def replace_problems(
        self, submission_id: int, problems: list[dict[str, Any]]
    ) -> set[tuple[str, str, str]]:
        """Set the current problems of a submission (those of its latest version).

        Editors' overrides carry over to the same problem (code, field, file) found again
        in the new version; returns the keys of the problems that stay overridden.
        """
        earlier = {
            problem_key(row): row
            for row in self.problems_of(submission_id)
            if row.get("overridden_at")
        }
        self.db.execute("DELETE FROM problems WHERE submission_id = ?", (submission_id,))
        keys = ("code", "severity", "field", "file", "detail", "message")
        rows = []
        kept: set[tuple[str, str, str]] = set()
        for p in problems:
            row: dict[str, Any] = {"submission_id": submission_id, **{k: p.get(k) for k in keys},
                                   "overridden_by": None, "override_note": None,
                                   "overridden_at": None}
            old = earlier.get(problem_key(p))
            if old is not None:
                kept.add(problem_key(p))
                row.update({k: old[k] for k in ("overridden_by", "override_note", "overridden_at")})
            rows.append(row)
        self.db.table("problems").insert_all(rows)
        return kept

    def problems_of(self, submission_id: int) -> list[Row]:
        """The current problems of a submission (those of its latest version)."""
        return self._all(
            "SELECT * FROM problems WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def problem(self, problem_id: int) -> Row:
        """A problem row by id; raises NotFound."""
        row = self._one("SELECT * FROM problems WHERE id = ?", (problem_id,))
        if row is None:
            raise NotFound(f"Không tìm thấy mục lỗi, cảnh báo số {problem_id}.")
        return row

    def override_problem(self, problem_id: int, *, actor: str, note: str) -> None:
        """Mark a problem verdict as overridden by an editor (who, why, when)."""
        self.db.execute(
            "UPDATE problems SET overridden_by = ?, override_note = ?, overridden_at = ? "
            "WHERE id = ?",
            (actor, note, iso(), problem_id),
        )

    def active_error_count(self, submission_id: int) -> int:
        """Errors of a submission that no editor has overridden."""
        row = self._one(
            "SELECT count(*) AS n FROM problems WHERE submission_id = ? AND severity = 'error' "
            "AND overridden_at IS NULL",
            (submission_id,),
        )
        return int(row["n"]) if row else 0

    # -- photos ---------------------------------------------------------------------------

    def add_photo(self, row: Row) -> int:
        """Insert a photo row; returns its id."""
        return self._insert("photos", row)

    def update_photo_verdicts(
        self, submission_id: int, verdicts: Iterable[tuple[str, int, str | None, str]]
    ) -> set[str]:
        """Set position, caption and problems (JSON) of the submission's stored photos, by
        key (``photos.sha256``); return the keys of the verdicts with no stored photo."""
        stored = {row["sha256"]: row["id"] for row in self.photos_of(submission_id)}
        missing: set[str] = set()
        for key, position, caption, problems_json in verdicts:
            if key not in stored:
                missing.add(key)
                continue
            self.db.table("photos").update(
                stored[key],
                {"position": position, "caption": caption, "problems_json": problems_json},
            )
        return missing

    def photos_of(self, submission_id: int) -> list[Row]:
        """The photos of a submission in their order."""
        return self._all(
            "SELECT * FROM photos WHERE submission_id = ? ORDER BY position, id",
            (submission_id,),
        )

    def photo(self, photo_id: int) -> Row:
        """A photo row by id; raises NotFound."""
        row = self._one("SELECT * FROM photos WHERE id = ?", (photo_id,))
        if row is None:
            raise NotFound(f"Không tìm thấy ảnh số {photo_id}.")
        return row

    def earlier_photo_use(
        self, phash: str, sha256: str, exclude_submission: int | None
    ) -> str | None:
        """Reference of an earlier submission that used the same photo (hash or bytes)."""
        row = self._one(
            """SELECT s.ref FROM photos p JOIN submissions s ON s.id = p.submission_id
               WHERE (p.phash = ? OR p.sha256 = ?) AND p.submission_id IS NOT ?
               ORDER BY p.id LIMIT 1""",
            (phash, sha256, exclude_submission),
        )
        return None if row is None else str(row["ref"])

    def previous_bank_accounts(self, author_key: str, exclude_submission: int | None) -> list[str]:
        """Bank accounts this author (folded name) used in earlier submissions."""
        rows = self._all(
            """SELECT DISTINCT bank_account_digits FROM submissions
               WHERE author_key = ? AND id IS NOT ? AND bank_account_digits IS NOT NULL
               AND bank_account_digits != ''""",
            (author_key, exclude_submission),
        )
        return [str(r["bank_account_digits"]) for r in rows]

    # -- editors' notes ---------------------------------------------------------------------

    def add_note(self, submission_id: int, *, author: str, body: str) -> int:
        """Add an editor's note to a submission; returns its id."""
        return self._insert("editor_notes", {"submission_id": submission_id, "author": author,
                                             "body": body, "at": iso()})

    def notes_of(self, submission_id: int) -> list[Row]:
        """The editors' notes on a submission, oldest first."""
        return self._all(
            "SELECT * FROM editor_notes WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    # -- reports (tinbai.reports) and masking (tinbai.web) --------------------------------

    def received_between(self, start: str, end: str) -> list[Row]:
        """Submissions received in [start, end) (UTC ISO text), with ``reached_review`` = 1
        when they were ever accepted (pending_review or a later status)."""
        return self._all(
            """SELECT s.id, s.ref, s.status, s.unit, s.unit_name, s.author, s.author_key,
                      s.received_at, s.title,
                      EXISTS (SELECT 1 FROM status_history h WHERE h.submission_id = s.id
                              AND h.to_status IN ('pending_review', 'approved', 'published',
                                                  'paid')) AS reached_review
               FROM submissions s WHERE s.received_at >= ? AND s.received_at < ?
               ORDER BY s.received_at, s.id""",
            (start, end),
        )

    def published_between(self, first_day: str, last_day: str) -> list[Row]:
        """Items published (or already paid) with a published_date in the range."""
        return self._all(
            """SELECT s.id, s.ref, s.status, s.title, s.unit, s.unit_name, s.author,
                      s.author_key, s.published_date, s.published_url, s.genre
               FROM submissions s WHERE s.status IN ('published', 'paid')
               AND s.published_date BETWEEN ? AND ?
               ORDER BY s.published_date, s.id""",
            (first_day, last_day),
        )

    def account_numbers(self) -> set[str]:
        """Every bank account text ever stored: columns, versions, editors' earlier values
        (the web pages mask all of them for editors)."""
        rows = self.db.execute(
            """SELECT bank_account_digits FROM submissions
               UNION SELECT bank_account FROM submissions
               UNION SELECT json_extract(candidate_json, '$.fields.bank_account')
                     FROM submission_versions
               UNION SELECT json_extract(candidate_json, '$.bank_account_digits')
                     FROM submission_versions
               UNION SELECT json_extract(detail_json, '$.old') FROM audit_log
                     WHERE action = 'edit_field'
                     AND json_extract(detail_json, '$.field') = 'bank_account'"""
        ).fetchall()
        return {str(r[0]) for r in rows if r[0] is not None}
