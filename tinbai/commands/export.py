"""``tinbai export royalties --period P --format xlsx|csv -o FILE [--layout NAME]``.

Creates a payment batch of the published items of the period (by published date) that
are in no batch yet, and writes its payment list. When nothing is new, no batch and no
file are created and the command says so (exit status 0). ``--batch CODE`` writes an
existing batch again (e.g. in another bank's layout) without creating anything.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from store.db import Store
from tinbai.config import Config
from tinbai.finance.batches import FLAG_LABELS, Batch, create_batch, load_batch
from tinbai.finance.export import LayoutError, layout_for, write_batch
from tinbai.finance.money import RoyaltyError, format_vnd
from tinbai.formatting import genre_labels
from tinbai.periods import PeriodError, parse_period


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``export royalties``."""
    parser = subparsers.add_parser("export", help="finance exports (royalty payment lists)")
    sub = parser.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    p = sub.add_parser(
        "royalties",
        help="create a payment batch of the period's published, unpaid items and write it",
    )
    p.add_argument("--period", help="2026-10, 2026-Q3, 2026-H1 or 2026, also 10/2026, "
                   "Q3/2026, \"quý 3 2026\" (by published date)")
    p.add_argument("--batch", help="write an existing batch again instead of creating one")
    p.add_argument("--format", choices=("xlsx", "csv"), default=None,
                   help="file format (default: from the file name, else xlsx)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    p.add_argument("--layout", default=None,
                   help="column layout from royalties.payment_layouts (default, vietcombank, "
                        "bidv, …)")
    p.add_argument("--payment-date", default=None, metavar="YYYY-MM-DD",
                   help="date the transfer is made (chooses the tax rule; default: today)")
    p.add_argument("--actor", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def _summary(batch: Batch) -> str:
    flagged = [p for p in batch.payees if p.flags]
    lines = [
        f"Đợt chi {batch.code} ({batch.period_label}): {len(batch.payees)} người nhận, "
        f"{batch.item_count} tin, bài; nhuận bút {format_vnd(batch.total_gross)} đ, "
        f"thuế TNCN {format_vnd(batch.total_tax)} đ, thực nhận {format_vnd(batch.total_net)} đ."
    ]
    for payee in flagged:
        state = "đã xác nhận" if payee.confirmed_by else "cần kế toán xác nhận"
        labels = ", ".join(f"{FLAG_LABELS.get(f, f)} ({f})" for f in payee.flags)
        lines.append(
            f"  CẢNH BÁO {labels}: STT {payee.position} {payee.author} — tài khoản "
            f"{payee.account_digits} ({payee.flag_detail}); {state}."
        )
    if flagged:
        lines.append(f"  Xác nhận: tinbai confirm-payee {batch.code} STT --note \"…\"")
    return "\n".join(lines)


def run(args: argparse.Namespace, config: Config) -> int:
    """The handler; exit 0 on success (also when nothing is new), 2 on bad arguments."""
    output = Path(args.output)
    fmt = args.format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    try:
        layout = layout_for(config, args.layout)
        payment_date = date.fromisoformat(args.payment_date) if args.payment_date else None
        period = parse_period(args.period) if args.period else None
    except (LayoutError, PeriodError) as exc:
        print(f"tinbai export: {exc}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"tinbai export: ngày chi --payment-date «{args.payment_date}» không hợp lệ: "
              "hãy viết theo dạng YYYY-MM-DD (ví dụ 2027-01-05).", file=sys.stderr)
        return 2
    if (period is None) == (args.batch is None):
        print("tinbai export: hãy ghi một trong hai: --period KỲ (lập đợt chi mới) hoặc "
              "--batch MÃ (ghi lại danh sách của một đợt chi đã có).", file=sys.stderr)
        return 2
    store = Store(config.data_path)
    try:
        if args.batch:
            batch = load_batch(store, args.batch)
            if batch.status == "cancelled":
                print(f"tinbai export: đợt chi {batch.code} đã huỷ nên không ghi lại danh sách "
                      "được; hãy lập đợt chi mới bằng --period.", file=sys.stderr)
                return 1
        else:
            assert period is not None
            try:
                result = create_batch(store, config, period, actor=args.actor,
                                      payment_date=payment_date)
            except RoyaltyError as exc:
                print(f"tinbai export: {exc}", file=sys.stderr)
                return 2
            for skipped in result.skipped:
                print(f"  Bỏ qua {skipped.ref}: {skipped.reason} (chưa chi, sẽ vào đợt sau).",
                      file=sys.stderr)
            if result.batch is None:
                print(f"Không có tin, bài mới nào đã đăng mà chưa chi trong {period.label} "
                      f"({period.code}): không tạo đợt chi, không ghi tệp {output}.")
                return 0
            batch = result.batch
        output.parent.mkdir(parents=True, exist_ok=True)
        write_batch(batch, layout, output, fmt, genre_labels=genre_labels(config))
    finally:
        store.close()
    print(_summary(batch))
    print(f"Đã ghi {output} ({fmt}, mẫu {args.layout or config.royalties.default_layout}).")
    return 0
