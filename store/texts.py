"""The text index: each body's MinHash signature and LSH bands (:mod:`ingest.textprint`).

Finding the near-copies of a body is one index lookup per band on ``text_bands`` (primary
key ``(band, bucket, submission_id)``), then a comparison of the few signatures found:
the cost grows with the number of candidates, not with the archive. Finance's
confirmations that a near-copy may be paid live here too (``duplicate_confirmations``).
"""

from __future__ import annotations

from collections.abc import Sequence

from store.base import Repository, Row, iso


class TextIndex(Repository):
    """Signatures and bands of the submissions' bodies."""

    def put(self, submission_id: int, signature: bytes, bands: Sequence[int],
            words: int) -> None:
        """Store (or replace, for a new version) the fingerprint of a submission's body."""
        self.db.execute("DELETE FROM text_bands WHERE submission_id = ?", (submission_id,))
        self.db.execute(
            "INSERT OR REPLACE INTO text_prints (submission_id, signature, words, updated_at) "
            "VALUES (?, ?, ?, ?)", (submission_id, signature, words, iso()))
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO text_bands (band, bucket, submission_id) VALUES (?, ?, ?)",
            [(index, bucket, submission_id) for index, bucket in enumerate(bands)],
        )

    @staticmethod
    def candidates_sql(count: int) -> str:
        """The query of :meth:`candidates` for ``count`` bands: parameters band, bucket
        pairs, then the excluded id. CROSS JOIN keeps the order, so each pair is a search
        on the primary key (tests/test_loop_duplicates.py reads its plan)."""
        pairs = ",".join("(?, ?)" for _ in range(count))
        return f"""SELECT s.id, s.ref, s.status, s.received_at, p.signature
                   FROM (SELECT DISTINCT t.submission_id FROM (VALUES {pairs}) v
                         CROSS JOIN text_bands t
                         ON t.band = v.column1 AND t.bucket = v.column2) c
                   JOIN text_prints p ON p.submission_id = c.submission_id
                   JOIN submissions s ON s.id = c.submission_id
                   WHERE s.id IS NOT ? ORDER BY s.received_at, s.id"""

    def candidates(self, bands: Sequence[int], exclude: int | None) -> list[Row]:
        """Submissions sharing at least one band with ``bands`` (their ref, status and
        signature), ``exclude`` left out, oldest first."""
        if not bands:
            return []
        params: list[object] = [v for pair in enumerate(bands) for v in pair]
        return self._all(self.candidates_sql(len(bands)), [*params, exclude])

    def bands_of(self, submission_id: int) -> list[int]:
        """The stored band keys of a submission, in band order ([] when not indexed)."""
        rows = self._all("SELECT band, bucket FROM text_bands WHERE submission_id = ? "
                         "ORDER BY band", (submission_id,))
        return [int(r["bucket"]) for r in rows]

    def signature_of(self, submission_id: int) -> bytes | None:
        """The stored signature of a submission, or None."""
        row = self._one("SELECT signature FROM text_prints WHERE submission_id = ?",
                        (submission_id,))
        return None if row is None else bytes(row["signature"])

    def paid_or_batched(self, submission_ids: Sequence[int]) -> list[Row]:
        """Which of these submissions were paid or are in a batch not cancelled."""
        if not submission_ids:
            return []
        marks = ",".join("?" for _ in submission_ids)
        return self._all(
            f"""SELECT s.id, s.ref, s.status, b.code AS batch FROM submissions s
                LEFT JOIN batch_items i ON i.submission_id = s.id
                LEFT JOIN payment_batches b ON b.id = i.batch_id AND b.status != 'cancelled'
                WHERE s.id IN ({marks}) AND (s.status = 'paid' OR b.id IS NOT NULL)
                ORDER BY s.id""",
            list(submission_ids),
        )

    def unindexed(self, limit: int = 500) -> list[Row]:
        """Submissions with a body and no fingerprint yet (kept before the index existed)."""
        return self._all(
            """SELECT s.id, s.body FROM submissions s WHERE s.body IS NOT NULL AND s.body != ''
               AND NOT EXISTS (SELECT 1 FROM text_prints p WHERE p.submission_id = s.id)
               ORDER BY s.id LIMIT ?""", (limit,))

    # -- finance's confirmations ------------------------------------------------------------

    def confirm(self, submission_id: int, *, by: str, note: str) -> None:
        """Finance confirms that this item may be paid although a near-copy was."""
        self.db.execute(
            "INSERT OR REPLACE INTO duplicate_confirmations (submission_id, confirmed_by, note, "
            "at) VALUES (?, ?, ?, ?)", (submission_id, by, note, iso()))

    def confirmation(self, submission_id: int) -> Row | None:
        """Finance's confirmation of a near-copy item, or None."""
        return self._one("SELECT * FROM duplicate_confirmations WHERE submission_id = ?",
                         (submission_id,))
