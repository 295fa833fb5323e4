"""``tinbai reminders``, ``tinbai approve-for-unit REF`` and ``tinbai confirm-duplicate REF``.

``reminders`` runs once what ``tinbai run`` runs every quarter of an hour (approval
requests and reminders, the contributors' reminders, the digest, the quota reminders) and
sends what they queued: for an office that schedules tinbai with cron instead of
``tinbai run``; each e-mail still goes out once. ``approve-for-unit`` is an editor
approving in the unit's place (with a reason, in the history); ``confirm-duplicate`` is
finance confirming that an item with a near-copy may be paid.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from store.db import Store
from store.errors import NotFound
from tinbai import textdup
from tinbai.approvals import ApprovalDesk, ApprovalError
from tinbai.config import Config
from tinbai.outbox import Outbox


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (a service account without passwd entry)
        return "cli"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``reminders``, ``approve-for-unit`` and ``confirm-duplicate``."""
    p = subparsers.add_parser(
        "reminders", help="run the reminders, digest and quota reminders that are due, once")
    p.set_defaults(func=run_reminders)

    p = subparsers.add_parser(
        "approve-for-unit", help="an editor approves an item in its unit's place")
    p.add_argument("ref", metavar="REF", help="submission reference, e.g. TB-2026-0042")
    p.add_argument("--reason", required=True, help="why (kept in the history)")
    p.add_argument("--actor", default=None, help="who approves (default: cli:<login>)")
    p.set_defaults(func=run_approve)

    p = subparsers.add_parser(
        "confirm-duplicate",
        help="finance confirms that an item whose near-copy was paid may be paid too")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--note", required=True, help="why it is not paid twice")
    p.add_argument("--actor", default=None, help="who confirms (default: cli:<login>)")
    p.set_defaults(func=run_confirm_duplicate)


def run_reminders(args: argparse.Namespace, config: Config) -> int:
    from tinbai.reminders import run_due

    store = Store(config.data_path)
    try:
        outbox = Outbox(config, store)
        done = run_due(store, config, outbox)
        sent = outbox.send_pending()
    finally:
        store.close()
    print(f"approval_requests={done.approval_requests} "
          f"approval_reminders={done.approval_reminders} fix_reminders={done.fix_reminders} "
          f"digest={int(done.digest)} quota_reminders={done.quota_reminders} "
          f"indexed={done.indexed} sent={sent.replies_sent}")
    return 0


def run_approve(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    try:
        outbox = Outbox(config, store)
        ApprovalDesk(config, store, outbox).approve_in_place(
            args.ref, actor=_actor(args), reason=args.reason)
    except (ApprovalError, NotFound) as exc:
        print(f"tinbai approve-for-unit: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{args.ref.upper()}: đã duyệt thay đơn vị; tin, bài chuyển sang «Chờ duyệt».")
    return 0


def run_confirm_duplicate(args: argparse.Namespace, config: Config) -> int:
    store = Store(config.data_path)
    try:
        submission = textdup.confirm(store, args.ref, actor=_actor(args), note=args.note)
    except (ValueError, NotFound) as exc:
        print(f"tinbai confirm-duplicate: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"{submission['ref']}: đã xác nhận, tin, bài được đưa vào đợt chi sau.")
    return 0
