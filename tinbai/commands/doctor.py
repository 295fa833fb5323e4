"""``tinbai doctor [--json] [--quick] [--send-test]``: checks explained in Vietnamese.

Exit status 1 when any check fails (warnings do not fail), 0 otherwise; ``--quick``
skips the servers (the container health check runs it every minute).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinbai.config import Config, ConfigError

MARKS = {"ok": "✓", "warn": "!", "fail": "✗"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``doctor``."""
    p = subparsers.add_parser("doctor", help="check configuration, secrets, mailboxes, SMTP, "
                              "data folder, database, clock and the last poll")
    p.add_argument("--json", action="store_true",
                   help='print {"ok": …, "checks": [{name, status, message, hint}]}')
    p.add_argument("--quick", action="store_true",
                   help="skip the checks that contact servers (health checks)")
    p.add_argument("--send-test", action="store_true",
                   help="also email a test message to replies.admin_emails")
    p.set_defaults(func=run, on_config_error=on_config_error)


def _print(checks: list, as_json: bool) -> int:  # type: ignore[type-arg]
    from tinbai.doctor import report_json

    if as_json:
        print(report_json(checks))
    else:
        for check in checks:
            print(f"{MARKS[check.status]} {check.message}")
            if check.hint and check.status != "ok":
                print(f"    → {check.hint}")
        failed = sum(1 for c in checks if c.status == "fail")
        print("Kết quả: " + (f"{failed} mục lỗi cần sửa." if failed else "mọi mục đều ổn."))
    return 1 if any(c.status == "fail" for c in checks) else 0


def run(args: argparse.Namespace, config: Config) -> int:
    from tinbai.doctor import run_checks

    return _print(run_checks(config, quick=args.quick, send_test=args.send_test), args.json)


def on_config_error(args: argparse.Namespace, error: ConfigError) -> int:
    """config.yaml cannot be loaded: that is the doctor's first finding, not a crash."""
    from tinbai.doctor import config_failure

    path = Path(args.config) if args.config else None
    code = _print(config_failure(error, path), args.json)
    sys.stdout.flush()
    return code
