"""Notices to authors (issue 15): published and paid, each sent exactly once.

Both are rows of the outbox committed with the decision that causes them (a publish, a
batch marked paid) and keyed in ``store.notices`` (``published:ID``,
``paid:BATCH:STT:ADDRESS``), so a decision repeated, a CLI and the web at once, or a
restart queue nothing twice. They are threaded to the author's submission (In-Reply-To
its last message) and carry the personal status link. ``notices.published`` and
``notices.paid`` turn them off.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from store.base import Row
from store.db import Store
from tinbai import clock
from tinbai.finance.money import format_vnd
from tinbai.outbox import Outbox
from tinbai.privacy import mask_account

log = logging.getLogger(__name__)


class PaidItem(Protocol):
    """What a paid notice reads of a batch item (``tinbai.finance.batches.BatchItem``)."""

    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def published_date(self) -> str: ...
    @property
    def gross(self) -> int: ...
    @property
    def submission_id(self) -> int: ...


class PaidPayee(Protocol):
    """What a paid notice reads of a payee (``tinbai.finance.batches.Payee``)."""

    @property
    def position(self) -> int: ...
    @property
    def author(self) -> str: ...
    @property
    def account_digits(self) -> str: ...
    @property
    def bank_short_name(self) -> str | None: ...
    @property
    def gross(self) -> int: ...
    @property
    def tax(self) -> int: ...
    @property
    def net(self) -> int: ...
    @property
    def items(self) -> Sequence[PaidItem]: ...


class PaidBatch(Protocol):
    """What a paid notice reads of a batch (a protocol: tinbai.finance.batches calls this
    module, so it cannot be imported back)."""

    @property
    def code(self) -> str: ...
    @property
    def paid_at(self) -> str | None: ...
    @property
    def payment_date(self) -> str: ...
    @property
    def payees(self) -> Sequence[PaidPayee]: ...


def _vn_date(value: object) -> str:
    """``15/10/2026`` for an ISO date or timestamp (local)."""
    text = str(value or "")
    if len(text) == 10:
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    day = clock.local_date(text)
    return day.strftime("%d/%m/%Y") if day else text


def published(outbox: Outbox, submission: Row) -> bool:
    """The author is told the URL and date of the publication; True when queued now."""
    if not outbox.config.notices.published:
        return False
    queued = outbox.to_author(
        "published", submission, key=f"published:{submission['id']}",
        extra={"url": submission.get("published_url") or "",
               "published_on": _vn_date(submission.get("published_date"))},
    )
    if queued:
        log.info("%s: publication notice queued for %s", submission["ref"], submission["sender"])
    return queued


def publication_corrected(outbox: Outbox, submission: Row) -> bool:
    """An author told the publication's URL and date is told the corrected ones, once per
    correction; True when queued. Nothing when the first notice was never sent."""
    if not outbox.config.notices.published:
        return False
    sid = submission["id"]
    if not outbox.store.notices.sent(f"published:{sid}"):
        return False
    url, day = submission.get("published_url") or "", _vn_date(submission.get("published_date"))
    queued = outbox.to_author(
        "published", submission, key=f"published:{sid}:corrected:{day}:{url}",
        extra={"url": url, "published_on": day, "corrected": True},
    )
    if queued:
        log.info("%s: corrected publication notice queued for %s", submission["ref"],
                 submission["sender"])
    return queued


def paid(store: Store, outbox: Outbox, batch: PaidBatch) -> int:
    """Each payee is told the items, gross, tax, net and the masked account, at every
    address their items were sent from (threaded to the latest item from it); returns
    how many e-mails were queued now. Runs in the caller's transaction."""
    if not outbox.config.notices.paid:
        return 0
    queued = 0
    paid_on = _vn_date(batch.paid_at or batch.payment_date)
    for payee in batch.payees:
        items: list[dict[str, Any]] = [
            {"ref": i.ref, "title": i.title, "published": _vn_date(i.published_date),
             "gross": format_vnd(i.gross)} for i in payee.items]
        by_sender: dict[str, Row] = {}
        for item in payee.items:
            submission = store.submissions.get(item.submission_id)
            latest = by_sender.get(str(submission["sender"]).lower())
            if latest is None or str(submission["received_at"]) >= str(latest["received_at"]):
                by_sender[str(submission["sender"]).lower()] = submission
        extra = {
            "batch": batch.code, "paid_on": paid_on, "author": payee.author, "items": items,
            "gross": format_vnd(payee.gross), "tax": format_vnd(payee.tax),
            "net": format_vnd(payee.net), "account": mask_account(payee.account_digits),
            "bank": payee.bank_short_name or "",
        }
        for address, submission in sorted(by_sender.items()):
            queued += outbox.to_author(
                "paid", submission, extra=extra,
                key=f"paid:{batch.code}:{payee.position}:{address}")
    if queued:
        log.info("batch %s: %d payment notice(s) queued", batch.code, queued)
    return queued
