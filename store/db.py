"""The SQLite store: one file per data folder, WAL mode, explicit transactions.

Only persistence and queries live here; what a message *means* is decided elsewhere.
Every write happens inside :meth:`Store.transaction` so that a message, its submission,
its reply and the mailbox checkpoint are committed together or not at all (SPEC §8).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import sqlite_utils

from store import lifecycle
from store.errors import InvalidTransition, NotFound
from store.files import BlobStore
from store.schema import migrate

Row = dict[str, Any]

#: How long a claimed reply may stay "sending" before another sender may retry it.
REPLY_LEASE = timedelta(minutes=10)

def _claimant() -> str:
    """This process, as written in ``outbox.claimed_by`` (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host."""
    # psutil, not os.kill(pid, 0): on Windows that call terminates the process.
    return bool(psutil.pid_exists(pid))

REF_PATTERN = re.compile(r"\bTB-(\d{4})-(\d{4,})\b", re.IGNORECASE)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO 8601 text of a moment (now when None), seconds precision, UTC."""
    return (moment or utcnow()).astimezone(UTC).isoformat(timespec="seconds")


def problem_key(problem: dict[str, Any]) -> tuple[str, str, str]:
    """What makes two problems "the same" across versions: code, field and file."""
    return (str(problem.get("code")), str(problem.get("field") or ""),
            str(problem.get("file") or ""))


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
        self._depth = 0

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    # -- transactions -------------------------------------------------------------------

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

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        cursor = self.db.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- checkpoints (mailbox, UIDVALIDITY, UID) ----------------------------------------

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

    # -- messages -------------------------------------------------------------------------

    def message_by_message_id(self, message_id: str) -> Row | None:
        """The first stored (non-duplicate) message with this Message-ID."""
        return self._one(
            "SELECT * FROM messages WHERE message_id = ? AND disposition IS NOT 'duplicate'",
            (message_id,),
        )

    def message_by_raw_sha(self, sha256: str) -> Row | None:
        """A stored message with exactly these bytes."""
        return self._one("SELECT * FROM messages WHERE raw_sha256 = ? LIMIT 1", (sha256,))

    def insert_message(self, row: Row) -> int:
        """Insert a message row; returns its id."""
        row = {"received_at": iso(), **row}
        table = self.db.table("messages")
        table.insert(row)
        return int(table.last_rowid or 0)

    def update_message(self, message_row_id: int, values: Row) -> None:
        self.db.table("messages").update(message_row_id, values)

    def message(self, message_row_id: int) -> Row:
        row = self._one("SELECT * FROM messages WHERE id = ?", (message_row_id,))
        if row is None:
            raise NotFound(f"Không tìm thấy thư số {message_row_id}.")
        return row

    def messages_of(self, submission_id: int) -> list[Row]:
        return self._all(
            "SELECT * FROM messages WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    # -- submissions ---------------------------------------------------------------------

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

    def insert_submission(self, row: Row, *, actor: str, reason: str | None = None) -> int:
        """Insert a submission and record its first status in the history."""
        now = iso()
        row = {"received_at": now, "updated_at": now, **row}
        if not lifecycle.can_move(None, row["status"]):
            label = lifecycle.STATUS_LABELS.get(row["status"], row["status"])
            raise InvalidTransition(f"Không thể tạo tin, bài ở trạng thái «{label}»")
        table = self.db.table("submissions")
        table.insert(row)
        submission_id = int(table.last_rowid or 0)
        self._history(submission_id, None, row["status"], actor, reason)
        return submission_id

    def update_submission(self, submission_id: int, values: Row) -> None:
        """Update columns of a submission (not its status: use :meth:`set_status`)."""
        if "status" in values:
            raise ValueError("use set_status to change a status")
        self.db.table("submissions").update(submission_id, {**values, "updated_at": iso()})

    def set_status(
        self, submission_id: int, to_status: str, *, actor: str, reason: str | None = None,
        extra: Row | None = None,
    ) -> None:
        """Move a submission to ``to_status`` if the lifecycle allows it, recording who/why."""
        current = self.submission(submission_id)
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

    def submission(self, key: int | str) -> Row:
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
        return self._all(
            "SELECT * FROM status_history WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def find_thread_submission(self, message_ids: Sequence[str], subject: str) -> Row | None:
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
                return self.submission(int(row["submission_id"]))
        match = REF_PATTERN.search(subject or "")
        if match:
            ref = f"TB-{match.group(1)}-{match.group(2)}"
            try:
                return self.submission(ref)
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
        return self._all(
            "SELECT * FROM submission_versions WHERE submission_id = ? ORDER BY version",
            (submission_id,),
        )

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
        return self._all(
            "SELECT * FROM problems WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    # -- photos ---------------------------------------------------------------------------

    def add_photo(self, row: Row) -> int:
        table = self.db.table("photos")
        table.insert(row)
        return int(table.last_rowid or 0)

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
        return self._all(
            "SELECT * FROM photos WHERE submission_id = ? ORDER BY position, id",
            (submission_id,),
        )

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

    # -- outbox (transactional: rows committed with the submission, sent afterwards) ----

    def enqueue_reply(self, row: Row) -> int:
        now = iso()
        row = {"created_at": now, "next_attempt_at": now, "state": "pending", **row}
        table = self.db.table("outbox")
        table.insert(row)
        return int(table.last_rowid or 0)

    def due_replies(self, now: datetime | None = None, limit: int = 200) -> list[Row]:
        """Replies to send now: pending ones that are due, and claims whose lease ran out
        (a sender that died mid-send)."""
        return self._all(
            """SELECT * FROM outbox WHERE state IN ('pending', 'sending')
               AND next_attempt_at <= ? ORDER BY id LIMIT ?""",
            (iso(now), limit),
        )

    def claim_reply(self, outbox_id: int, now: datetime | None = None) -> bool:
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

    def mark_reply_sent(self, outbox_id: int) -> None:
        self.db.execute(
            "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            (iso(), outbox_id),
        )

    def mark_reply_failed(
        self, outbox_id: int, error: str, next_attempt_at: datetime, *, give_up: bool
    ) -> None:
        self.db.execute(
            """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
               state = ? WHERE id = ?""",
            (error[:2000], iso(next_attempt_at), "failed" if give_up else "pending", outbox_id),
        )

    def replies_to_since(self, address: str, since: datetime) -> int:
        """How many replies (sent or pending) went to ``address`` since ``since``."""
        row = self._one(
            """SELECT count(*) AS n FROM outbox WHERE to_addr = ? AND created_at >= ?
               AND state IN ('pending', 'sending', 'sent')""",
            (address, iso(since)),
        )
        return int(row["n"]) if row else 0

    def replies_of(self, submission_id: int) -> list[Row]:
        return self._all(
            "SELECT * FROM outbox WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    # -- audit log ------------------------------------------------------------------------

    def audit(
        self, actor: str, action: str, submission_id: int | None, detail: dict[str, Any]
    ) -> None:
        """Record a decision (SPEC §5: every transition with who, when and why)."""
        self.db.table("audit_log").insert(
            {"actor": actor, "action": action, "submission_id": submission_id,
             "detail_json": json.dumps(detail, ensure_ascii=False, default=str), "at": iso()}
        )

    def audit_of(self, submission_id: int) -> list[Row]:
        return self._all(
            "SELECT * FROM audit_log WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    # -- alerts ---------------------------------------------------------------------------

    def add_alert(self, kind: str, message: str) -> None:
        """Record an operational alert for admins (shown by the web pages and logs)."""
        self.db.table("alerts").insert({"kind": kind, "message": message, "at": iso()})

    # -- queries --------------------------------------------------------------------------

    def queue(self, status: str | None = None, include_dispositions: bool = False) -> list[Row]:
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

    # -- editors' web pages (queue page, users, notes, overrides) ----------------------

    #: Queue order when no status is chosen: work to do first, closed items last. Must
    #: match the expression of the ``submissions_queue_order`` index (schema v3).
    QUEUE_RANK_SQL = (
        "(CASE status WHEN 'pending_review' THEN 0 WHEN 'approved' THEN 1 "
        "WHEN 'needs_fix' THEN 2 WHEN 'published' THEN 3 WHEN 'paid' THEN 4 ELSE 5 END)"
    )

    def queue_page(
        self, *, status: str | None = None, unit: str | None = None,
        received_from: str | None = None, received_before: str | None = None,
        problem: str | None = None, search: str | None = None, limit: int = 50,
        offset: int = 0,
    ) -> list[Row]:
        """One page of the editors' queue, filtered and paginated in the database.

        Oldest first within a status; without a status filter, statuses in work order
        (the ``submissions_queue_order`` index), so page 1 costs the same with 100 or
        10,000 submissions. ``received_from``/``received_before`` bound ``received_at``
        (ISO text, half-open). ``problem`` keeps submissions with that code not overridden.
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
        if search and search.strip():
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", search.strip()) + "%"
            where.append(
                "(s.title LIKE ? ESCAPE '\\' OR s.author LIKE ? ESCAPE '\\' "
                "OR s.ref LIKE ? ESCAPE '\\' OR s.sender LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 4)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = "s.received_at, s.id" if status else f"{self.QUEUE_RANK_SQL}, s.received_at, s.id"
        rows = self._all(
            f"""SELECT s.id, s.ref, s.status, s.sender, s.sender_name, s.title, s.author,
                       s.unit, s.unit_name, s.received_at, s.updated_at, s.version,
                       s.error_count, s.warning_count,
                       (SELECT group_concat(code, ' ') FROM
                          (SELECT code FROM problems p WHERE p.submission_id = s.id
                           AND p.overridden_at IS NULL ORDER BY p.id)) AS codes,
                       (SELECT count(*) FROM photos ph WHERE ph.submission_id = s.id)
                           AS photo_count
                FROM submissions s {clause}
                ORDER BY {order} LIMIT ? OFFSET ?""",
            [*params, int(limit), int(offset)],
        )
        for row in rows:
            row["problems"] = (row.pop("codes") or "").split()
        return rows

    def status_counts(self) -> dict[str, int]:
        """How many submissions are in each status (an index-only scan)."""
        rows = self._all("SELECT status, count(*) AS n FROM submissions GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    def queue_units(self) -> list[str]:
        """Registry unit names that occur in submissions (for the queue's unit filter)."""
        rows = self._all(
            "SELECT DISTINCT unit_name FROM submissions WHERE unit_name IS NOT NULL "
            "AND unit_name != '' ORDER BY unit_name"
        )
        return [str(r["unit_name"]) for r in rows]

    def problem(self, problem_id: int) -> Row:
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

    def photo(self, photo_id: int) -> Row:
        row = self._one("SELECT * FROM photos WHERE id = ?", (photo_id,))
        if row is None:
            raise NotFound(f"Không tìm thấy ảnh số {photo_id}.")
        return row

    def add_note(self, submission_id: int, *, author: str, body: str) -> int:
        table = self.db.table("editor_notes")
        table.insert({"submission_id": submission_id, "author": author, "body": body,
                      "at": iso()})
        return int(table.last_rowid or 0)

    def notes_of(self, submission_id: int) -> list[Row]:
        return self._all(
            "SELECT * FROM editor_notes WHERE submission_id = ? ORDER BY id", (submission_id,)
        )

    def add_user(self, name: str, role: str, password_hash: str) -> int:
        table = self.db.table("users")
        table.insert({"name": name, "role": role, "password_hash": password_hash,
                      "created_at": iso(), "disabled": 0})
        return int(table.last_rowid or 0)

    def user_by_name(self, name: str) -> Row | None:
        return self._one("SELECT * FROM users WHERE name = ?", (name,))

    def user_by_id(self, user_id: int) -> Row | None:
        return self._one("SELECT * FROM users WHERE id = ?", (user_id,))

    def users(self) -> list[Row]:
        return self._all("SELECT * FROM users ORDER BY name")

    def update_user(self, user_id: int, values: Row) -> None:
        self.db.table("users").update(user_id, values)

    # -- finance: payment batches (tinbai.finance) --------------------------------------

    def unbatched_published(self, first_day: str, last_day: str) -> list[Row]:
        """Published items with a published_date in [first_day, last_day], in no batch."""
        return self._all(
            """SELECT s.* FROM submissions s
               WHERE s.status = 'published' AND s.published_date BETWEEN ? AND ?
               AND NOT EXISTS (SELECT 1 FROM batch_items b WHERE b.submission_id = s.id)
               ORDER BY s.published_date, s.id""",
            (first_day, last_day),
        )

    def other_accounts_before(self, author_key: str, account: str, before: str) -> list[str]:
        """Accounts other than ``account`` this author used in submissions received before
        ``before`` (ISO text) or was paid to in earlier batches."""
        rows = self._all(
            """SELECT bank_account_digits AS a FROM submissions
               WHERE author_key = ? AND received_at < ? AND bank_account_digits IS NOT NULL
               AND bank_account_digits != '' AND bank_account_digits != ?
               UNION
               SELECT p.account_digits AS a FROM batch_payees p
               JOIN payment_batches b ON b.id = p.batch_id AND b.status != 'cancelled'
               WHERE p.author_key = ? AND p.account_digits != ?""",
            (author_key, before, account, author_key, account),
        )
        return sorted(str(r["a"]) for r in rows)

    def batches_in_period(self, period: str) -> int:
        row = self._one("SELECT count(*) AS n FROM payment_batches WHERE period = ?", (period,))
        return int(row["n"]) if row else 0

    def insert_row(self, table: str, row: Row) -> int:
        """Insert into one of the finance tables; returns the new id."""
        if table not in ("payment_batches", "batch_payees", "batch_items", "payee_confirmations"):
            raise ValueError(f"insert_row: {table} is not a finance table")
        t = self.db.table(table)
        t.insert(row)
        return int(t.last_rowid or 0)

    def update_batch(self, batch_id: int, values: Row) -> None:
        self.db.table("payment_batches").update(batch_id, values)

    def batches(self, limit: int = 200) -> list[Row]:
        """Payment batches, newest first, with how many flagged payees are unconfirmed."""
        return self._all(
            """SELECT b.*, (SELECT count(*) FROM batch_payees p
                   LEFT JOIN payee_confirmations c ON c.payee_id = p.id
                   WHERE p.batch_id = b.id AND p.flags != '' AND c.id IS NULL) AS unconfirmed
               FROM payment_batches b ORDER BY b.id DESC LIMIT ?""",
            (limit,),
        )

    def batch(self, key: int | str) -> Row:
        """A batch by id or code (``NB-2026-Q3-01``); raises NotFound."""
        text = str(key).strip()
        if isinstance(key, int) or text.isdigit():
            row = self._one("SELECT * FROM payment_batches WHERE id = ?", (int(text),))
        else:
            row = self._one("SELECT * FROM payment_batches WHERE code = ? COLLATE NOCASE",
                            (text,))
        if row is None:
            raise NotFound(f"Không tìm thấy đợt chi {text}: hãy kiểm tra lại mã đợt chi.")
        return row

    def batch_payees(self, batch_id: int) -> list[Row]:
        """Payees of a batch in list order, with their confirmation (if any)."""
        return self._all(
            """SELECT p.*, c.confirmed_by, c.note AS confirm_note, c.at AS confirmed_at
               FROM batch_payees p LEFT JOIN payee_confirmations c ON c.payee_id = p.id
               WHERE p.batch_id = ? ORDER BY p.position""",
            (batch_id,),
        )

    def release_batch_items(self, batch_id: int) -> int:
        """Delete a batch's items so its submissions can go into a later batch."""
        cursor = self.db.execute("DELETE FROM batch_items WHERE batch_id = ?", (batch_id,))
        return int(cursor.rowcount)

    def batch_items(self, batch_id: int) -> list[Row]:
        return self._all(
            "SELECT * FROM batch_items WHERE batch_id = ? ORDER BY payee_id, published_date, id",
            (batch_id,),
        )

    # -- reports (tinbai.reports) ---------------------------------------------------------

    def received_between(self, start: str, end: str) -> list[Row]:
        """Submissions received in [start, end) (UTC ISO text), with ``reached_review`` = 1
        when they were ever accepted (pending_review or a later status)."""
        return self._all(
            """SELECT s.id, s.ref, s.status, s.unit, s.unit_name, s.author, s.author_key,
                      s.received_at,
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

    def other_messages(self, *, kind: str | None = None, limit: int = 50,
                       offset: int = 0) -> list[Row]:
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

    def other_message_counts(self) -> dict[str, int]:
        rows = self._all(
            """SELECT coalesce(disposition, state) AS kind, count(*) AS n FROM messages
               WHERE submission_id IS NULL GROUP BY kind"""
        )
        return {str(r["kind"]): int(r["n"]) for r in rows}

    def open_alerts(self, limit: int = 20) -> list[Row]:
        """Operational alerts nobody has marked as handled, newest first."""
        return self._all(
            "SELECT * FROM alerts WHERE resolved_at IS NULL ORDER BY id DESC LIMIT ?", (limit,)
        )

    def resolve_alert(self, alert_id: int) -> None:
        self.db.execute(
            "UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
            (iso(), alert_id),
        )
