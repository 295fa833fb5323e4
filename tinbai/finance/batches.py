"""Payment batches: create from the published, unpaid items of a period; confirm; pay.

A batch freezes the figures at export time (unit value, coefficient, gross, tax, net per
payee) so downloading it again gives the same list. ``batch_items.submission_id`` is
UNIQUE in the schema, and the export selects only items in no batch, inside the same
write transaction: an item is never in two batches, and exporting the same period again
lists only what is new.

Fraud guard: a payee (author + account) whose author used a different account before —
in an earlier submission or an earlier batch — is flagged ``bank_account_changed``, one
paid into an account whose holder is not the author ``account_holder_differs``; a
finance user must confirm each flagged payee (recorded with who/when/why and in the audit
log) before the batch can be marked paid.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ingest.normalize import fold, holder_ascii
from store import lifecycle
from store.base import iso
from store.db import Store
from store.errors import StoreError
from tinbai import clock, notices, textdup
from tinbai.config import Config
from tinbai.finance.money import RoyaltyRules, TaxResult, format_coefficient, parse_decimal
from tinbai.outbox import Outbox
from tinbai.periods import Period

FLAG_BANK_ACCOUNT_CHANGED = "bank_account_changed"
FLAG_HOLDER_DIFFERS = "account_holder_differs"

#: Vietnamese text of each payee flag.
FLAG_LABELS: dict[str, str] = {
    FLAG_BANK_ACCOUNT_CHANGED: "Đổi số tài khoản",
    FLAG_HOLDER_DIFFERS: "Chủ tài khoản khác tác giả",
}


#: Vietnamese text of each batch status (as on the finance pages).
BATCH_STATUS_LABELS: dict[str, str] = {
    "open": "Chờ chi",
    "paid": "Đã chi",
    "cancelled": "Đã huỷ",
}


class FinanceError(StoreError):
    """A finance action that is not allowed now (unconfirmed payees, already paid…)."""


def _status_text(batch: Batch) -> str:
    """``Đợt chi NB-2026-Q3-01 đang ở trạng thái «Đã huỷ»`` for refusals."""
    label = BATCH_STATUS_LABELS.get(batch.status, batch.status)
    return f"Đợt chi {batch.code} đang ở trạng thái «{label}»"


def ascii_text(text: str) -> str:
    """Text without diacritics (Đ→D), keeping case; other non-ASCII characters dropped.

    Banks' transfer descriptions accept only ASCII letters, digits and a little
    punctuation.
    """
    text = unicodedata.normalize("NFC", text or "").replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in plain)
    return " ".join(plain.split())


def mask_account(account: str) -> str:
    """Only the last four digits (for messages shown beyond finance)."""
    return "…" + account[-4:] if len(account) > 4 else "…"


@dataclass
class Skipped:
    """An item of the period that could not be put in the batch, and why."""

    ref: str
    reason: str


@dataclass
class BatchItem:
    ref: str
    title: str
    published_date: str
    genre: str | None
    coefficient: str
    unit_value: int
    gross: int
    submission_id: int = 0


@dataclass
class Payee:
    """One row of the payment list: an author paid to one account."""

    position: int
    author: str
    author_key: str
    account_holder: str
    account_digits: str
    bank_short_name: str | None
    bank_code: str | None
    bank_bin: str | None
    gross: int
    tax: int
    net: int
    description: str
    flags: list[str] = field(default_factory=list)
    flag_detail: str | None = None
    items: list[BatchItem] = field(default_factory=list)
    id: int = 0
    confirmed_by: str | None = None
    confirmed_at: str | None = None
    confirm_note: str | None = None

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.flags) and not self.confirmed_by


@dataclass
class Batch:
    """A payment batch with its payees (each with items)."""

    id: int
    code: str
    period: str
    period_label: str
    status: str
    payment_date: str
    created_by: str
    created_at: str
    paid_by: str | None
    paid_at: str | None
    payees: list[Payee]
    rules: dict[str, Any]

    @property
    def total_gross(self) -> int:
        return sum(p.gross for p in self.payees)

    @property
    def total_tax(self) -> int:
        return sum(p.tax for p in self.payees)

    @property
    def total_net(self) -> int:
        return sum(p.net for p in self.payees)

    @property
    def item_count(self) -> int:
        return sum(len(p.items) for p in self.payees)

    @property
    def unconfirmed(self) -> list[Payee]:
        return [p for p in self.payees if p.needs_confirmation]


@dataclass
class BatchResult:
    """What an export did: the new batch (None when nothing was new) and what was left out."""

    batch: Batch | None
    skipped: list[Skipped]


def _description(template: str, *, period: Period, refs: list[str], author: str,
                 batch_code: str) -> str:
    text = template.format(period=period.label_ascii, refs=", ".join(refs),
                           author=author, batch=batch_code)
    return ascii_text(text)


#: The rows of one payee (author + account): each submission row with its item.
PayeeEntries = list[tuple[dict[str, Any], BatchItem]]


def _payable(
    rows: list[dict[str, Any]], rules: RoyaltyRules,
) -> tuple[dict[tuple[str, str], PayeeEntries], list[Skipped]]:
    """The payable items grouped by payee (author key, account), and those left out."""
    groups: dict[tuple[str, str], PayeeEntries] = {}
    skipped: list[Skipped] = []
    for row in rows:
        ref = str(row["ref"])
        account = str(row.get("bank_account_digits") or "")
        if not account:
            skipped.append(Skipped(ref, "thiếu số tài khoản"))
            continue
        if not row.get("coefficient"):
            skipped.append(Skipped(ref, "chưa có hệ số nhuận bút"))
            continue
        published = date.fromisoformat(str(row["published_date"]))
        coefficient = parse_decimal(row["coefficient"])
        gross, unit_value = rules.item_gross(coefficient, published)
        key = str(row.get("author_key") or fold(str(row.get("author") or "")))
        item = BatchItem(
            ref=ref, title=str(row.get("title") or ""), published_date=published.isoformat(),
            genre=row.get("genre"), coefficient=format_coefficient(coefficient),
            unit_value=unit_value, gross=gross, submission_id=int(row["id"]),
        )
        groups.setdefault((key, account), []).append((row, item))
    return groups, skipped


def _new_code(store: Store, period: Period) -> str:
    """The next unused batch code of the period (``NB-2026-Q3-02``)."""
    number = store.finance.batches_in_period(period.code) + 1
    code = f"NB-{period.code}-{number:02d}"
    while True:  # a code deleted by hand must not block the next export
        try:
            store.finance.batch(code)
        except StoreError:
            return code
        number += 1
        code = f"NB-{period.code}-{number:02d}"


def _insert_payee(
    store: Store, config: Config, period: Period, batch: tuple[int, str], position: int,
    payee: tuple[str, str], entries: PayeeEntries, taxed: TaxResult,
) -> None:
    """One payee row (with the ``bank_account_changed`` flag) and its items."""
    (batch_id, code), (key, account) = batch, payee
    latest = max(entries, key=lambda e: (str(e[0]["received_at"]), int(e[0]["id"])))[0]
    earliest = min(str(e[0]["received_at"]) for e in entries)
    items = [item for _, item in entries]
    author = str(latest.get("author") or "")
    holder = str(latest.get("account_holder_ascii")
                 or holder_ascii(str(latest.get("account_holder") or author)))
    others = store.finance.other_accounts_before(key, account, earliest) if key else []
    flags, details = [], []
    if others:
        flags.append(FLAG_BANK_ACCOUNT_CHANGED)
        details.append("trước đây: " + ", ".join(others))
    if author and holder_ascii(author) != holder:
        # Paying into someone else's account needs the author's word (SPEC §4
        # account_holder_mismatch is only a warning for editors).
        flags.append(FLAG_HOLDER_DIFFERS)
        details.append(f"chủ tài khoản {holder}, tác giả {author}")
    detail = "; ".join(details) or None
    description = _description(
        config.royalties.description, period=period, refs=[i.ref for i in items],
        author=author, batch_code=code)
    payee_id = store.finance.insert("batch_payees", {
        "batch_id": batch_id, "position": position, "author": author,
        "author_key": key, "account_holder": holder, "account_digits": account,
        "bank_short_name": latest.get("bank_short_name") or latest.get("bank_name"),
        "bank_code": latest.get("bank_code"), "bank_bin": latest.get("bank_bin"),
        "gross": taxed.gross, "tax": taxed.tax, "net": taxed.net,
        "description": description, "flags": " ".join(flags), "flag_detail": detail,
    })
    for item in items:
        store.finance.insert("batch_items", {
            "batch_id": batch_id, "payee_id": payee_id,
            "submission_id": item.submission_id, "ref": item.ref, "title": item.title,
            "published_date": item.published_date, "genre": item.genre,
            "coefficient": item.coefficient, "unit_value": item.unit_value,
            "gross": item.gross,
        })


def create_batch(
    store: Store, config: Config, period: Period, *, actor: str,
    payment_date: date | None = None,
) -> BatchResult:
    """Create a batch of the published items of ``period`` that are in no batch yet.

    Returns ``BatchResult(None, skipped)`` and creates nothing when no item is payable.
    Items without a coefficient or a bank account, and near-copies of an item already
    paid (``tinbai.textdup``, until finance confirms them), are left out (listed in
    ``skipped``) and stay unpaid for a later batch.
    """
    rules = RoyaltyRules(config.royalties)
    pay_day = payment_date or clock.today()
    tax_rule = rules.tax_rule_on(pay_day)
    with store.transaction():
        rows = store.finance.unbatched_published(period.start.isoformat(), period.end.isoformat())
        rows, refused = textdup.unpaid_copies(store, config, rows)  # never paid twice
        groups, skipped = _payable(rows, rules)
        skipped = [Skipped(ref, why) for ref, why in refused] + skipped
        if not groups:
            return BatchResult(None, skipped)
        code = _new_code(store, period)
        rules_json = {
            "rounding": "item gross = coefficient × unit value, half-up to 1 đồng; "
                        "tax = payee gross × rate, half-up, when gross ≥ threshold",
            "tax_rate": str(tax_rule.rate), "tax_threshold": tax_rule.threshold,
            "tax_since": tax_rule.since.isoformat(),
        }
        batch_id = store.finance.insert("payment_batches", {
            "code": code, "period": period.code, "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(), "status": "open",
            "payment_date": pay_day.isoformat(),
            "rules_json": json.dumps(rules_json, ensure_ascii=False),
            "created_by": actor, "created_at": iso(),
        })
        ordered = sorted(groups.items(), key=lambda kv: (fold(str(kv[1][-1][0].get("author")
                                                                 or "")), kv[0][1]))
        totals = {"gross": 0, "tax": 0, "net": 0, "items": 0}
        for position, (payee, entries) in enumerate(ordered, start=1):
            taxed = rules.tax(sum(item.gross for _, item in entries), pay_day)
            _insert_payee(store, config, period, (batch_id, code), position, payee, entries,
                          taxed)
            totals["gross"] += taxed.gross
            totals["tax"] += taxed.tax
            totals["net"] += taxed.net
            totals["items"] += len(entries)
        store.finance.update_batch(batch_id, {
            "payee_count": len(ordered), "item_count": totals["items"],
            "total_gross": totals["gross"], "total_tax": totals["tax"],
            "total_net": totals["net"],
        })
        store.audit.record(actor, "finance_export", None, {
            "batch": code, "period": period.code, "payees": len(ordered),
            "items": totals["items"], "total_net": totals["net"],
            "skipped": [s.ref for s in skipped],
        })
    return BatchResult(load_batch(store, batch_id), skipped)


def load_batch(store: Store, key: int | str) -> Batch:
    """A batch with payees and items, by id or code; raises NotFound."""
    from tinbai.periods import parse_period

    row = store.finance.batch(key)
    batch_id = int(row["id"])
    items_by_payee: dict[int, list[BatchItem]] = {}
    for item in store.finance.batch_items(batch_id):
        items_by_payee.setdefault(int(item["payee_id"]), []).append(BatchItem(
            ref=str(item["ref"]), title=str(item["title"]),
            published_date=str(item["published_date"]), genre=item["genre"],
            coefficient=str(item["coefficient"]), unit_value=int(item["unit_value"]),
            gross=int(item["gross"]), submission_id=int(item["submission_id"]),
        ))
    payees = [
        Payee(
            position=int(p["position"]), author=str(p["author"]), author_key=str(p["author_key"]),
            account_holder=str(p["account_holder"]), account_digits=str(p["account_digits"]),
            bank_short_name=p["bank_short_name"], bank_code=p["bank_code"],
            bank_bin=p["bank_bin"], gross=int(p["gross"]), tax=int(p["tax"]),
            net=int(p["net"]), description=str(p["description"]),
            flags=str(p["flags"] or "").split(), flag_detail=p["flag_detail"],
            items=items_by_payee.get(int(p["id"]), []), id=int(p["id"]),
            confirmed_by=p["confirmed_by"], confirmed_at=p["confirmed_at"],
            confirm_note=p["confirm_note"],
        )
        for p in store.finance.batch_payees(batch_id)
    ]
    return Batch(
        id=batch_id, code=str(row["code"]), period=str(row["period"]),
        period_label=parse_period(str(row["period"])).label, status=str(row["status"]),
        payment_date=str(row["payment_date"]), created_by=str(row["created_by"]),
        created_at=str(row["created_at"]), paid_by=row["paid_by"], paid_at=row["paid_at"],
        payees=payees, rules=json.loads(row["rules_json"] or "{}"),
    )


def confirm_payee(
    store: Store, batch_key: int | str, position: int, *, actor: str, note: str,
) -> Payee:
    """Record a finance user's confirmation of a flagged payee (STT ``position``)."""
    if not note.strip():
        raise FinanceError(
            "Hãy ghi chú cách đã kiểm tra số tài khoản mới (ví dụ: đã gọi điện xác minh với "
            "tác giả) rồi xác nhận lại."
        )
    with store.transaction():
        batch = load_batch(store, batch_key)
        if batch.status != "open":
            raise FinanceError(
                f"{_status_text(batch)}: chỉ xác nhận được người nhận của đợt chi chưa chi."
            )
        payee = next((p for p in batch.payees if p.position == position), None)
        if payee is None:
            raise FinanceError(
                f"Đợt chi {batch.code} không có người nhận STT {position}: hãy xem lại số thứ "
                "tự (STT) trong danh sách chi."
            )
        if not payee.flags:
            raise FinanceError(
                f"Người nhận STT {position} của đợt chi {batch.code} không có cảnh báo nào "
                "nên không cần xác nhận."
            )
        if payee.confirmed_by:
            raise FinanceError(
                f"Người nhận STT {position} của đợt chi {batch.code} đã được "
                f"{payee.confirmed_by} xác nhận rồi; không cần xác nhận lại."
            )
        store.finance.insert("payee_confirmations", {
            "payee_id": payee.id, "batch_id": batch.id, "confirmed_by": actor,
            "note": note.strip(), "at": iso(),
        })
        for item in payee.items:
            store.audit.record(actor, "confirm_payee", item.submission_id, {
                "batch": batch.code, "position": position, "flags": payee.flags,
                "account": mask_account(payee.account_digits), "note": note.strip(),
            })
    return next(p for p in load_batch(store, batch.id).payees if p.position == position)


def mark_paid(store: Store, batch_key: int | str, *, actor: str,
              outbox: Outbox | None = None) -> Batch:
    """Move every item published → paid and the batch to paid, in one transaction.

    Refused while a flagged payee is unconfirmed, and for a batch already paid. With
    ``outbox``, each payee's payment notice is committed with it (``tinbai.notices``).
    """
    with store.transaction():
        batch = load_batch(store, batch_key)
        if batch.status == "paid":
            paid_at = clock.format_local(batch.paid_at, "—")
            raise FinanceError(
                f"Đợt chi {batch.code} đã được đánh dấu đã chi lúc {paid_at} "
                f"bởi {batch.paid_by}; không cần đánh dấu lại."
            )
        if batch.status != "open":
            raise FinanceError(
                f"{_status_text(batch)}: chỉ đánh dấu đã chi được đợt chi đang chờ chi."
            )
        waiting = batch.unconfirmed
        if waiting:
            names = "; ".join(f"STT {p.position} {p.author} (TK {p.account_digits}: "
                              f"{', '.join(FLAG_LABELS.get(f, f) for f in p.flags)})"
                              for p in waiting)
            raise FinanceError(
                f"Đợt chi {batch.code} còn {len(waiting)} người nhận có cảnh báo mà kế toán "
                f"chưa xác nhận: {names}. Hãy kiểm tra số tài khoản mới với tác giả, rồi xác "
                f"nhận từng người (trên trang của đợt chi, hoặc bằng lệnh "
                f"`tinbai confirm-payee {batch.code} STT --note \"…\"`) trước khi đánh dấu "
                "đã chi."
            )
        for payee in batch.payees:
            for item in payee.items:
                store.submissions.set_status(item.submission_id, lifecycle.PAID, actor=actor,
                                 reason=f"chi nhuận bút, đợt {batch.code}")
                store.audit.record(actor, "paid", item.submission_id,
                            {"batch": batch.code, "gross": item.gross})
        store.finance.update_batch(batch.id, {"status": "paid", "paid_by": actor, "paid_at": iso()})
        if outbox is not None:
            notices.paid(store, outbox, load_batch(store, batch.id))
    return load_batch(store, batch.id)


def cancel_batch(store: Store, batch_key: int | str, *, actor: str, reason: str) -> Batch:
    """Void an unpaid batch (a wrong export): its items become exportable again.

    The batch and its payee rows stay, marked cancelled, with who/when/why and the list of
    items it held (also in the audit log of each item); its code is never reused.
    """
    if not reason.strip():
        raise FinanceError("Hãy ghi lý do huỷ đợt chi (lý do được lưu cùng đợt chi).")
    with store.transaction():
        batch = load_batch(store, batch_key)
        if batch.status != "open":
            raise FinanceError(f"{_status_text(batch)}: chỉ huỷ được đợt chi chưa chi.")
        held = [item.ref for payee in batch.payees for item in payee.items]
        for payee in batch.payees:
            for item in payee.items:
                store.audit.record(actor, "cancel_batch", item.submission_id,
                            {"batch": batch.code, "reason": reason.strip()})
        store.finance.release_batch_items(batch.id)
        rules = {**batch.rules, "cancelled": {"by": actor, "at": iso(), "reason": reason.strip(),
                                              "items": held}}
        store.finance.update_batch(batch.id, {"status": "cancelled",
                                      "rules_json": json.dumps(rules, ensure_ascii=False)})
    return load_batch(store, batch.id)


def coefficient_text(value: Decimal | str) -> str:
    """A coefficient for display (``1.5``)."""
    return format_coefficient(parse_decimal(value))
