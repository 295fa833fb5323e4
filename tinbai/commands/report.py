"""``tinbai report units --period P --format xlsx|csv|html -o FILE``.

Per unit of the registry, grouped by kind: items received, accepted, published in the
period, the quota for the period and whether it is met; then the public list of units and
individuals with published items (seed 002: published every quarter).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from store.db import Store
from tinbai.config import Config
from tinbai.periods import PeriodError, parse_period
from tinbai.reports.data import build_unit_report
from tinbai.reports.writers import DEFAULT_ORG, write_report


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``report units``."""
    parser = subparsers.add_parser("report", help="leadership reports")
    sub = parser.add_subparsers(dest="report_what", metavar="WHAT", required=True)
    p = sub.add_parser("units", help="per-unit counts against quotas, and the public list")
    p.add_argument("--period", required=True,
                   help="2026-10, 2026-Q3, 2026-H1 or 2026, also 10/2026, Q3/2026, \"quý 3 2026\"")
    p.add_argument("--format", choices=("xlsx", "csv", "html"), default=None,
                   help="file format (default: from the file name, else html)")
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p.add_argument("--org", default=DEFAULT_ORG, help="organisation name in the heading")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    output = Path(args.output)
    suffix = output.suffix.lower().lstrip(".")
    fmt = args.format or (suffix if suffix in ("xlsx", "csv", "html") else "html")
    try:
        period = parse_period(args.period)
    except PeriodError as exc:
        print(f"tinbai report: {exc}", file=sys.stderr)
        return 2
    store = Store(config.data_path)
    try:
        report = build_unit_report(store, config, period)
    finally:
        store.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    write_report(report, output, fmt, org=args.org)
    print(f"{period.label}: {report.received} gửi đến, {report.accepted} hợp lệ, "
          f"{report.published} đã đăng. Đã ghi {output} ({fmt}).")
    return 0
