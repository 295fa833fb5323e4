"""The ``tinbai`` command (SPEC §7).

Each sub-command is a function ``(args, config) -> exit status``; commands that live in
their own modules register themselves through ``add_parser`` (see COMMAND_MODULES).
A new command: a module in ``tinbai/commands/`` with ``add_parser(subparsers)``, listed
in COMMAND_MODULES.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from tinbai.commands import (
    auth,
    backup,
    check,
    check_photo,
    doctor,
    export,
    init,
    loop,
    paid,
    report,
    reprocess,
    serve,
    user,
)
from tinbai.config import Config, ConfigError, load_config
from tinbai.logs import setup_logging

log = logging.getLogger("tinbai")

Handler = Callable[[argparse.Namespace, Config], int]


class CommandModule(Protocol):
    """A module of ``tinbai/commands/``: registers its sub-commands on the parser."""

    def add_parser(self, subparsers: Any, /) -> None: ...

#: Modules adding sub-commands of their own (after those below), in ``--help`` order.
COMMAND_MODULES: tuple[CommandModule, ...] = (
    auth, backup, check_photo, doctor, export, init, paid, report, reprocess, serve, user,
    loop,
)


def _cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from tinbai.demo import run_demo

    return run_demo(config, reset=args.reset)


def _cmd_poll(args: argparse.Namespace, config: Config) -> int:
    from tinbai.poll import opened
    from tinbai.progress import progress_callback

    with opened(config) as poller, progress_callback("Đang xử lý thư") as progress:
        report = poller.poll(progress)
    print(
        f"fetched={report.fetched} stored={report.stored} duplicates={report.duplicates} "
        f"ignored={report.ignored} failed={report.failed} replies_sent={report.replies_sent} "
        f"replies_failed={report.replies_failed}"
    )
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if report.errors and not report.fetched else 0


def _cmd_run(args: argparse.Namespace, config: Config) -> int:
    from tinbai.scheduler import run_daemon

    return run_daemon(config)


def _cmd_queue(args: argparse.Namespace, config: Config) -> int:
    from store.db import Store

    store = Store(config.data_path)
    try:
        rows = store.queue.listing(status=args.status, include_dispositions=args.all)
    finally:
        store.close()
    keys = ("ref", "status", "disposition", "sender", "title", "author", "unit", "unit_name",
            "received_at", "problems")
    items = [{k: row.get(k) for k in keys} for row in rows]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    from tinbai.tables import print_queue

    print_queue(items)
    return 0


def _cmd_publish(args: argparse.Namespace, config: Config) -> int:
    from tinbai.decisions import publish

    with _decisions(config) as (store, outbox):
        publish(store, config, args.ref, url=args.url, on=args.date, genre=args.genre,
                coefficient=args.coefficient, actor=args.actor, outbox=outbox)
        outbox.send_pending()
    print(f"{args.ref.upper()}: đã ghi nhận đăng tải")
    return 0


def _cmd_reject(args: argparse.Namespace, config: Config) -> int:
    from tinbai.decisions import reject

    with _decisions(config) as (store, outbox):
        reject(store, outbox, args.ref, reason=args.reason, actor=args.actor)
        outbox.send_pending()
    print(f"{args.ref.upper()}: đã chuyển sang «Không sử dụng»; lý do được gửi cho tác giả")
    return 0


class _decisions:
    """Store and outbox for a decision command, closed afterwards."""

    def __init__(self, config: Config) -> None:
        from store.db import Store
        from tinbai.outbox import Outbox

        self.store = Store(config.data_path)
        self.outbox = Outbox(config, self.store)

    def __enter__(self) -> tuple[Any, Any]:
        return self.store, self.outbox

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="tinbai",
        description="Tiếp nhận tin, bài qua email cho trang tin công đoàn (email ingestion).",
    )
    parser.add_argument("--config", metavar="PATH",
                        help="configuration file (default: ./config.yaml)")
    parser.add_argument("--log-level", metavar="LEVEL",
                        help="DEBUG, INFO, WARNING or ERROR (default: config's log_level)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("demo", help="seed a local inbox with samples, poll once, print a summary")
    p.add_argument("--reset", action="store_true", help="start the demo from scratch")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("poll", help="one polling pass over every configured mailbox")
    p.set_defaults(func=_cmd_poll)

    p = sub.add_parser("run", help="the scheduler daemon: poll and send replies periodically")
    p.set_defaults(func=_cmd_run)

    check.add_parser(sub)

    p = sub.add_parser("queue", help="list stored submissions, oldest first")
    p.add_argument("--status", help="only this status (needs_fix, pending_review, …)")
    p.add_argument("--all", action="store_true",
                   help="also list messages that got a disposition instead of a submission")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=_cmd_queue)

    p = sub.add_parser("publish", help="record that a submission was published")
    p.add_argument("ref", metavar="REF", help="submission reference, e.g. TB-2026-0042")
    p.add_argument("--url", required=True, help="published URL")
    p.add_argument("--date", help="publication date YYYY-MM-DD (default: today)")
    p.add_argument("--genre", default=None, help="tin, bai, anh, … (royalty table key)")
    p.add_argument("--coefficient", default=None, help="royalty coefficient (decimal)")
    p.add_argument("--actor", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_publish)

    p = sub.add_parser("reject", help="reject a submission; the reason is emailed to the author")
    p.add_argument("ref", metavar="REF")
    p.add_argument("--reason", required=True)
    p.add_argument("--actor", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_reject)

    for module in COMMAND_MODULES:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        if getattr(args, "on_config_error", None):  # `tinbai doctor` reports it
            return int(args.on_config_error(args, exc))
        print(f"tinbai: {exc}", file=sys.stderr)
        return 2
    setup_logging(args.log_level or config.log_level)
    handler: Handler = args.func
    try:
        return handler(args, config)
    except ConfigError as exc:
        print(f"tinbai: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line for expected domain errors
        from ingest.errors import IngestError
        from notifier.errors import NotifierError
        from store.errors import StoreError
        from tinbai.decisions import DecisionError

        if isinstance(exc, StoreError | IngestError | NotifierError | DecisionError):
            print(f"tinbai: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
