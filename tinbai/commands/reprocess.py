"""``tinbai reprocess (--failed | ID...)``: process quarantined mail again from its raw.

Why: a message whose processing failed (a bug, a full disk, a photo the decoder choked
on) is stored as ``failed`` with its traceback and the raw bytes, the poll moves on and
the mail is moved to the Quarantine folder. Once the cause is fixed, this command runs
the stored raw through the normal intake, so nothing needs to be fetched again.

Crash-safe: the failed row is first renamed to ``reprocessing`` (in its own transaction)
and deleted only after the new outcome is committed; a crash in between leaves it
``reprocessing``, which ``--failed`` picks up again.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ingest.model import FetchedMessage
from store.db import Store
from tinbai.config import Config
from tinbai.intake import Intake
from tinbai.outbox import Outbox


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``reprocess``."""
    p = subparsers.add_parser(
        "reprocess", help="process quarantined (failed) messages again from the stored raw"
    )
    p.add_argument("ids", nargs="*", type=int, metavar="ID",
                   help="message row ids (see `tinbai queue --all --json` or the alert)")
    p.add_argument("--failed", action="store_true", help="every message stored as failed")
    p.add_argument("--list", action="store_true", help="only list the failed messages")
    p.set_defaults(func=run)


def reprocess_row(intake: Intake, row: dict[str, Any]) -> str:
    """Run one failed message through the intake again; returns a one-line outcome."""
    store = intake.store
    if not row["raw_path"]:
        return f"message {row['id']}: no raw kept (too large?), nothing to reprocess"
    raw = store.raw.read(row["raw_path"])
    with store.transaction():
        store.messages.mark_reprocessing(int(row["id"]))
    fetched = FetchedMessage(
        mailbox=row["mailbox"] or "reprocess", uidvalidity=int(row["uidvalidity"] or 0),
        uid=int(row["uid"] or 0), size=len(raw), raw=raw,
    )
    outcome = intake.process(fetched)
    with store.transaction():
        store.messages.delete(int(row["id"]))
    if outcome.kind == "failed":
        return f"message {row['id']}: failed again (see the new failed row and the log)"
    return f"message {row['id']}: {outcome.kind}" + (f" {outcome.ref}" if outcome.ref else "")


def run(args: argparse.Namespace, config: Config) -> int:
    if not args.ids and not args.failed and not args.list:
        print("tinbai reprocess: give message ids, --failed or --list", file=sys.stderr)
        return 2
    store = Store(config.data_path)
    try:
        rows = store.messages.failed(list(args.ids))
        if args.list:
            for row in rows:
                error = (row["error"] or "").strip().splitlines()[-1:] or [""]
                print(f"{row['id']}\t{row['received_at']}\t{row['mailbox']} UID {row['uid']}"
                      f"\t{error[0][:120]}")
            return 0
        missing = set(args.ids) - {int(r["id"]) for r in rows}
        for ident in sorted(missing):
            print(f"message {ident}: not a failed message", file=sys.stderr)
        outbox = Outbox(config, store)
        intake = Intake(config, store, outbox)
        failures = 0
        for row in rows:
            line = reprocess_row(intake, row)
            failures += "failed again" in line
            print(line)
        report = outbox.send_pending()
        if report.replies_sent:
            print(f"replies_sent={report.replies_sent}")
        return 1 if failures or missing else 0
    finally:
        store.close()
