"""Re-sent and copied articles (issue 15): the text index and what uses it.

The same article sent twice — again after a fix request as new mail, by two units, or by
the district for its grassroots unit — must not be published or paid twice. Each body's
fingerprint (:mod:`ingest.textprint`) is kept in ``store.texts``; the intake looks up the
near-copies of a new body (``text_duplicate``, a warning naming them), and a payment batch
leaves out an item whose near-copy was already paid until finance confirms it. A fix by
reply is a new version of the same submission, never compared with itself.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from ingest.textprint import similarity, text_print, words_of
from store.db import Store
from tinbai.config import Config

log = logging.getLogger(__name__)


def near_copies(store: Store, config: Config, body: str,
                exclude: int | None) -> list[dict[str, Any]]:
    """Other submissions sharing an LSH band with ``body``: ``{"ref", "similarity"}``,
    most similar first (the check keeps those above its threshold)."""
    printed = text_print(body, config.validation.fields.text_duplicate_min_words)
    if printed is None:
        return []
    close = [
        {"ref": row["ref"], "similarity": round(similarity(printed.signature,
                                                           bytes(row["signature"])), 3)}
        for row in store.texts.candidates(printed.bands, exclude)
    ]
    return sorted(close, key=lambda d: -float(d["similarity"]))


def remember(store: Store, config: Config, submission_id: int, body: str) -> None:
    """Keep (or replace) the fingerprint of a submission's current body (a body too short
    to compare is kept without bands: indexed, never a candidate)."""
    printed = text_print(body, config.validation.fields.text_duplicate_min_words)
    if printed is None:
        store.texts.put(submission_id, b"", (), len(words_of(body)))
    else:
        store.texts.put(submission_id, printed.signature, printed.bands, printed.words)


def close_ids(store: Store, config: Config, submission_id: int) -> list[int]:
    """Submissions whose stored body is a near-copy of this one's (by the check's
    threshold), oldest first."""
    own = store.texts.signature_of(submission_id)
    if not own:
        return []
    threshold = config.validation.fields.text_duplicate_similarity
    return [int(row["id"]) for row in store.texts.candidates(store.texts.bands_of(submission_id),
                                                              submission_id)
            if similarity(own, bytes(row["signature"])) >= threshold]


def paid_copy(store: Store, config: Config, submission_id: int,
              batched: Collection[int] = ()) -> str | None:
    """Why the item may not be paid (a near-copy paid, in a batch, or in ``batched``: the
    batch being made), or None. Finance's confirmation lifts it."""
    if store.texts.confirmation(submission_id) is not None:
        return None
    others = close_ids(store, config, submission_id)
    paid = store.texts.paid_or_batched(others)
    if paid:
        row = paid[0]
        where = "đã chi nhuận bút" if row["status"] == "paid" else f"trong đợt chi {row['batch']}"
        return f"gần trùng {row['ref']} {where}"
    same = [sid for sid in others if sid in batched]
    if same:
        return f"gần trùng {store.submissions.get(same[0])['ref']} trong cùng đợt chi"
    return None


def unpaid_copies(
    store: Store, config: Config, rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The rows of a batch in the making that may be paid, and (ref, reason) of those
    refused: a near-copy was paid or is in a batch (this one included) and finance has not
    confirmed the item (``tinbai confirm-duplicate``)."""
    kept: list[dict[str, Any]] = []
    refused: list[tuple[str, str]] = []
    chosen: set[int] = set()
    for row in rows:
        why = paid_copy(store, config, int(row["id"]), chosen)
        if why:
            refused.append((str(row["ref"]), f"{why}; kế toán kiểm tra rồi xác nhận bằng "
                            f"«tinbai confirm-duplicate {row['ref']} --note …» nếu vẫn chi"))
        else:
            kept.append(row)
            chosen.add(int(row["id"]))
    return kept, refused


def confirm(store: Store, ref: str, *, actor: str, note: str) -> dict[str, Any]:
    """Finance confirms that an item with a near-copy may still be paid (recorded with
    who, when and the note, also in the audit log); returns the submission."""
    if not note.strip():
        raise ValueError("Hãy ghi chú lý do vẫn chi nhuận bút cho bài gần trùng (ví dụ: hai "
                         "bài khác nhau của cùng tác giả, đã đối chiếu).")
    with store.transaction():
        submission = store.submissions.get(ref)
        store.texts.confirm(int(submission["id"]), by=actor, note=note.strip())
        store.audit.record(actor, "confirm_duplicate", int(submission["id"]),
                           {"note": note.strip()})
    return submission


def index_missing(store: Store, config: Config, limit: int = 500) -> int:
    """Fingerprint submissions stored before the index existed (a bounded batch per run:
    the scheduler calls it until none is left); returns how many were indexed."""
    rows = store.texts.unindexed(limit)
    for row in rows:
        with store.transaction():
            remember(store, config, int(row["id"]), str(row["body"] or ""))
    if rows:
        log.info("text index: %d earlier submission(s) fingerprinted", len(rows))
    return len(rows)
