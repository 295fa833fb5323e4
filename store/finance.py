"""Payment batches, their payees and items, and finance's confirmations (tinbai.finance).

``batch_items.submission_id`` is UNIQUE: an item is never in two batches.
"""

from __future__ import annotations

from store.base import Repository, Row
from store.errors import NotFound

#: The tables this repository writes.
FINANCE_TABLES: tuple[str, ...] = (
    "payment_batches", "batch_payees", "batch_items", "payee_confirmations",
)


class FinanceStore(Repository):
    """Payment batches."""

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

    def batch_of_submission(self, submission_id: int) -> Row | None:
        """The batch (code, status) holding a submission, or None (a cancelled batch
        released its items)."""
        return self._one(
            """SELECT b.id, b.code, b.status FROM batch_items i
               JOIN payment_batches b ON b.id = i.batch_id WHERE i.submission_id = ?""",
            (submission_id,),
        )

    def unbatched_published_dates(self) -> list[str]:
        """The published dates of published items in no batch (what waits for payment)."""
        rows = self._all(
            """SELECT s.published_date AS day FROM submissions s
               WHERE s.status = 'published' AND s.published_date IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM batch_items b WHERE b.submission_id = s.id)
               ORDER BY s.published_date"""
        )
        return [str(r["day"]) for r in rows]

    def batches_in_period(self, period: str) -> int:
        """How many batches were made for this period (cancelled ones included)."""
        return self._count("SELECT count(*) FROM payment_batches WHERE period = ?", (period,))

    def insert(self, table: str, row: Row) -> int:
        """Insert into one of the finance tables; returns the new id."""
        if table not in FINANCE_TABLES:
            raise ValueError(f"insert: {table} is not a finance table")
        return self._insert(table, row)

    def update_batch(self, batch_id: int, values: Row) -> None:
        """Update columns of a batch (status, totals, rules)."""
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

    def payment_of(self, submission_id: int) -> Row | None:
        """The item's place in a payment batch that is not cancelled (its gross, the
        payee's totals and account, the batch's state), or None."""
        return self._one(
            """SELECT i.gross AS item_gross, p.gross, p.tax, p.net, p.account_digits,
                      p.bank_short_name, b.code, b.status, b.payment_date, b.paid_at
               FROM batch_items i JOIN batch_payees p ON p.id = i.payee_id
               JOIN payment_batches b ON b.id = i.batch_id
               WHERE i.submission_id = ? AND b.status != 'cancelled'
               ORDER BY b.id DESC LIMIT 1""",
            (submission_id,),
        )

    def batch_items(self, batch_id: int) -> list[Row]:
        """The items of a batch, by payee and published date."""
        return self._all(
            "SELECT * FROM batch_items WHERE batch_id = ? ORDER BY payee_id, published_date, id",
            (batch_id,),
        )
