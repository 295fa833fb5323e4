"""What waits for payment, and what cannot be paid yet and why (the finance pages).

A batch takes the published items of its period that are in no batch; an item without a
usable bank account (an editor may have let an invalid one through with an override) or
without a coefficient is left out and stays for a later batch. Finance must see those
items, with the reason, and be able to correct the account (with a note: where the right
number came from) so that the next batch of the period pays them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ingest.normalize import parse_bank_account
from store.db import Store
from tinbai.config import Config
from tinbai.decisions import DecisionError, edit_fields
from tinbai.periods import Period, current_quarter, parse_period


class AccountFixError(DecisionError):
    """A corrected account number that cannot be used; the message says why."""


@dataclass(frozen=True)
class Waiting:
    """Published items in no batch yet, in one quarter (by published date)."""

    period: Period
    count: int


@dataclass(frozen=True)
class LeftOut:
    """A published item of the period a batch could not take, and why."""

    ref: str
    title: str
    author: str
    published_date: str
    reason: str
    account: str  # the account as the contributor wrote it (finance sees it whole)
    override_note: str  # why an editor let an invalid account through, if they did
    needs_account: bool  # finance can fix it here (a coefficient is the editors' job)


def _quarter_of(day: str) -> str:
    return current_quarter(date.fromisoformat(day))


def waiting_by_quarter(store: Store) -> list[Waiting]:
    """How many published items wait for a batch, per quarter, oldest first."""
    counts: dict[str, int] = {}
    for day in store.finance.unbatched_published_dates():
        counts[_quarter_of(day)] = counts.get(_quarter_of(day), 0) + 1
    return [Waiting(parse_period(code), count) for code, count in sorted(counts.items())]


def suggested_period(store: Store, today: date) -> Period:
    """The period the finance page offers: the oldest quarter with items waiting, else the
    current quarter (the previous one usually holds nothing new)."""
    waiting = waiting_by_quarter(store)
    return waiting[0].period if waiting else parse_period(current_quarter(today))


def left_out(store: Store, period: Period) -> list[LeftOut]:
    """The period's published, unbatched items that a batch cannot take now."""
    found = []
    rows = store.finance.unbatched_published(period.start.isoformat(), period.end.isoformat())
    for row in rows:
        account_ok = bool(row.get("bank_account_digits"))
        if account_ok and row.get("coefficient"):
            continue
        note = ""
        if not account_ok:
            for problem in store.submissions.problems_of(int(row["id"])):
                if problem["code"] == "invalid_bank_account" and problem["overridden_at"]:
                    note = f"{problem['overridden_by']}: {problem['override_note']}"
        raw = str(row.get("bank_account") or "")
        if account_ok:
            reason = "chưa có hệ số nhuận bút (biên tập viên sửa thông tin đăng bài)"
        elif raw:
            reason = f"số tài khoản «{raw}» không dùng được (cần 6 đến 19 chữ số)"
        else:
            reason = "thiếu số tài khoản"
        found.append(LeftOut(
            ref=str(row["ref"]), title=str(row.get("title") or ""),
            author=str(row.get("author") or ""), published_date=str(row["published_date"]),
            reason=reason, account=raw, override_note=note, needs_account=not account_ok,
        ))
    return found


def fix_account(
    store: Store, config: Config, ref: str, account: str, *, note: str, actor: str
) -> str:
    """Finance corrects an item's bank account (with a note); returns the digits.

    The correction goes through :func:`tinbai.decisions.edit_fields` like an editor's (the
    checks run again, the audit log keeps old and new value and the note), so the next
    batch of the period pays the item.
    """
    if not note.strip():
        raise AccountFixError(
            "Hãy ghi chú số tài khoản đúng lấy từ đâu (ví dụ: đã gọi điện cho tác giả)."
        )
    digits, _ = parse_bank_account(account)
    if digits is None:
        raise AccountFixError(
            f"Số tài khoản «{account.strip()}» không hợp lệ: cần 6 đến 19 chữ số."
        )
    edit_fields(store, config, ref, {"bank_account": account.strip()}, actor=actor,
                note=note.strip())
    return digits
