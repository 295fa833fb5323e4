"""``tinbai paid BATCH`` and ``tinbai confirm-payee BATCH STT --note TEXT``; ``batches``.

``paid`` moves every item of the batch published → paid and the batch to paid; it is
refused, with the list of payees concerned, while a payee flagged
``bank_account_changed`` has not been confirmed by finance. ``confirm-payee`` records the
confirmation (who, when, the note) in the batch and the audit log. ``batches`` lists the
batches with their totals and what is waiting.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from store.db import Store
from store.errors import NotFound
from tinbai.config import Config
from tinbai.finance.batches import (
    BATCH_STATUS_LABELS,
    FinanceError,
    cancel_batch,
    confirm_payee,
    load_batch,
    mark_paid,
)
from tinbai.finance.money import format_vnd
from tinbai.outbox import Outbox


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``paid``, ``confirm-payee`` and ``batches``."""
    p = subparsers.add_parser("paid", help="mark a payment batch paid (items published → paid)")
    p.add_argument("batch", metavar="BATCH", help="batch code (NB-2026-Q3-01) or number")
    p.add_argument("--confirm", type=int, action="append", default=[], metavar="STT",
                   help="first confirm this flagged payee (repeatable; needs --note)")
    p.add_argument("--note", default="", help="why the flagged payee is fine (with --confirm)")
    p.add_argument("--actor", default=None, help="who does it (default: cli:<login>)")
    p.set_defaults(func=run_paid)

    p = subparsers.add_parser(
        "confirm-payee", help="finance confirms a payee flagged bank_account_changed"
    )
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("positions", type=int, nargs="+", metavar="STT",
                   help="the payee's number (STT) in the list")
    p.add_argument("--note", required=True, help="how the account was checked")
    p.add_argument("--actor", default=None, help="who confirms (default: cli:<login>)")
    p.set_defaults(func=run_confirm)

    p = subparsers.add_parser(
        "cancel-batch", help="void an unpaid payment batch; its items can be exported again"
    )
    p.add_argument("batch", metavar="BATCH")
    p.add_argument("--reason", required=True, help="why (kept with the batch and in the log)")
    p.add_argument("--actor", default=None, help="who cancels (default: cli:<login>)")
    p.set_defaults(func=run_cancel)

    p = subparsers.add_parser("batches", help="list payment batches")
    p.add_argument("batch", nargs="?", metavar="BATCH", help="show one batch's payees")
    p.set_defaults(func=run_batches)


def _confirm(store: Store, batch: str, positions: list[int], note: str, actor: str) -> None:
    for position in positions:
        payee = confirm_payee(store, batch, position, actor=actor, note=note)
        print(f"Đã xác nhận STT {payee.position} {payee.author} (TK {payee.account_digits}) "
              f"— {actor}.")


def run_confirm(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    try:
        _confirm(store, args.batch, args.positions, args.note, _actor(args))
    except (FinanceError, NotFound) as exc:
        print(f"tinbai confirm-payee: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def run_paid(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    outbox = Outbox(config, store)
    actor = _actor(args)
    try:
        if args.confirm:
            if not args.note.strip():
                print("tinbai paid: --confirm cần kèm --note \"…\" (ghi cách đã kiểm tra số "
                      "tài khoản).", file=sys.stderr)
                return 2
            _confirm(store, args.batch, args.confirm, args.note, actor)
        batch = mark_paid(store, args.batch, actor=actor, outbox=outbox)
        sent = outbox.send_pending()  # the payees' notices; retried by `tinbai run` if need be
    except (FinanceError, NotFound) as exc:
        print(f"tinbai paid: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if sent.replies_sent:
        print(f"Đã gửi {sent.replies_sent} thư báo chi nhuận bút cho tác giả.")
    print(f"Đợt {batch.code}: đã chi {batch.item_count} tin, bài cho {len(batch.payees)} người, "
          f"thực nhận {format_vnd(batch.total_net)} đ.")
    return 0


def run_cancel(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    try:
        batch = cancel_batch(store, args.batch, actor=_actor(args), reason=args.reason)
    except (FinanceError, NotFound) as exc:
        print(f"tinbai cancel-batch: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    held = batch.rules.get("cancelled", {}).get("items", [])
    print(f"Đã huỷ đợt {batch.code}; {len(held)} tin, bài có thể đưa vào đợt chi sau.")
    return 0


def run_batches(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    try:
        if args.batch:
            batch = load_batch(store, args.batch)
            print(f"{batch.code} ({batch.period_label}) — "
                  f"{BATCH_STATUS_LABELS.get(batch.status, batch.status)}")
            for p in batch.payees:
                mark = ""
                if p.flags:
                    mark = f"  [{' '.join(p.flags)}: " + (
                        f"xác nhận bởi {p.confirmed_by}]" if p.confirmed_by else "CHƯA XÁC NHẬN]")
                print(f"{p.position:>3}. {p.author} · {p.account_digits} {p.bank_short_name or ''}"
                      f" · {len(p.items)} tin, bài · {format_vnd(p.gross)} − "
                      f"{format_vnd(p.tax)} = {format_vnd(p.net)} đ{mark}")
            return 0
        rows = store.finance.batches()
    except NotFound as exc:
        print(f"tinbai batches: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if not rows:
        print("Chưa có đợt chi nào.")
    for row in rows:
        waiting = f", {row['unconfirmed']} chờ xác nhận" if row["unconfirmed"] else ""
        status = BATCH_STATUS_LABELS.get(str(row["status"]), str(row["status"]))
        print(f"{row['code']}  {status:<7} {row['payee_count']} người, "
              f"{row['item_count']} tin, bài, thực nhận {format_vnd(int(row['total_net']))} đ"
              f"{waiting}")
    return 0
