"""Reminders and alerts run by ``tinbai run`` (issue 15), each exactly once.

:func:`run_due` runs every job whose time has come, on the local clock
(:mod:`tinbai.clock`); ``tinbai run`` calls it every quarter of an hour and at start-up:

- approval requests still to send (an editor's correction moved an item to
  ``awaiting_approval``) and one reminder per request after
  ``approvals.remind_after_days`` (:mod:`tinbai.approvals`);
- one reminder to a contributor whose item waits for a fix ``notices.fix_reminder_days``;
- the daily digest to editors from ``notices.digest_hour``: items waiting for review longer
  than ``notices.review_after_days``, items awaiting their unit's approval, failed
  messages, and "no mail for ``notices.quiet_hours`` hours";
- quota reminders on ``notices.quota_day`` of the last month of each period of
  ``notices.quota_periods``: every unit behind its quota (``units[].emails``, else its
  approvers) is told what it sent and what is still expected; leadership gets the summary;
- the text index of submissions stored before it existed.

Each e-mail's key (``digest:2026-11-03``, ``quota:2026-Q4:UNIT:ADDRESS``…) is written to
``store.notices`` in the transaction that queues it: a restarted ``run`` finds it and sends
nothing again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from notifier.compose import ReplyContext
from store import lifecycle
from store.base import iso
from store.db import Store
from tinbai import clock, textdup
from tinbai.approvals import ApprovalDesk
from tinbai.config import Config
from tinbai.outbox import Outbox
from tinbai.periods import Period, parse_period
from tinbai.reports.data import OTHER_KIND, UnitRow, build_unit_report
from validators.problems import FIELD_LABELS

log = logging.getLogger(__name__)


@dataclass
class JobReport:
    """What one pass of :func:`run_due` queued."""

    approval_requests: int = 0
    approval_reminders: int = 0
    fix_reminders: int = 0
    digest: bool = False
    quota_reminders: int = 0
    indexed: int = 0


def run_due(store: Store, config: Config, outbox: Outbox,
            now: datetime | None = None) -> JobReport:
    """Every job whose time has come at ``now`` (local; default: now)."""
    moment = clock.to_local(now) if now else clock.now()
    desk = ApprovalDesk(config, store, outbox)
    report = JobReport()
    report.approval_requests = desk.request_missing()
    report.approval_reminders = desk.remind_due(moment)
    report.fix_reminders = fix_reminders(store, config, outbox, moment)
    if moment.hour >= config.notices.digest_hour:
        report.digest = digest(store, config, outbox, moment)
    report.quota_reminders = quota_reminders(store, config, outbox, moment.date())
    report.indexed = textdup.index_missing(store, config)
    return report


def editors(config: Config) -> list[str]:
    """Who gets the digest: ``notices.editors``, else ``replies.admin_emails``."""
    return [a for a in (config.notices.editors or config.replies.admin_emails) if "@" in a]


def _context(to_addr: str, subject: str, extra: dict[str, Any]) -> ReplyContext:
    return ReplyContext(to_addr=to_addr, to_name="", original_subject="", in_reply_to=None,
                        references=[], subject=subject, extra=extra)


# -- contributors -----------------------------------------------------------------------


def fix_reminders(store: Store, config: Config, outbox: Outbox, now: datetime) -> int:
    """One reminder per stay in ``needs_fix`` of ``notices.fix_reminder_days``."""
    days = config.notices.fix_reminder_days
    if days <= 0:
        return 0
    sent = 0
    for row in store.queue.waiting_since(lifecycle.NEEDS_FIX, iso(now - timedelta(days=days))):
        sid = int(row["id"])
        errors = [
            {"message": p["message"], "label": FIELD_LABELS.get(p["field"] or "", "")}
            for p in store.submissions.problems_of(sid)
            if p["severity"] == "error" and not p["overridden_at"]
        ]
        since = clock.parse_moment(row["since"])
        waited = (now - since).days if since else days
        with store.transaction():
            sent += outbox.to_author(
                "fix_reminder", store.submissions.get(sid), extra={"days": waited,
                                                                    "missing": errors},
                key=f"fix_reminder:{sid}:{row['since']}")
    return sent


# -- editors ----------------------------------------------------------------------------


def digest(store: Store, config: Config, outbox: Outbox, now: datetime) -> bool:
    """Today's digest to editors, once a day; True when queued (nothing to report: none)."""
    recipients = editors(config)
    day = now.date()
    key = f"digest:{day.isoformat()}"
    if not recipients or store.notices.sent(key):
        return False
    notices = config.notices
    waiting = [
        {"ref": r["ref"], "title": r["title"] or r["subject"] or "", "received":
         clock.format_local(r["received_at"]), "unit": r["unit_name"] or r["unit"] or "—"}
        for r in store.queue.waiting_since(
            lifecycle.PENDING_REVIEW, iso(now - timedelta(days=notices.review_after_days)))
    ]
    awaiting = [
        {"ref": r["ref"], "title": r["title"] or "", "unit": r["approving_unit"] or
         r["unit_name"] or "đơn vị", "since": clock.format_local(r["requested_at"], "—"),
         "reminded": bool(r["reminded_at"])}
        for r in store.approvals.awaiting()
    ]
    failed = [{"received": clock.format_local(m["received_at"]), "sender": m["sender"],
               "mailbox": m["mailbox"], "subject": m["subject"] or ""}
              for m in store.messages.failed()]
    last = clock.parse_moment(store.queue.last_received_at())
    quiet = ({"hours": notices.quiet_hours, "last": clock.format_local(last.isoformat())}
             if last and now - last > timedelta(hours=notices.quiet_hours) else None)
    with store.transaction():
        if not store.notices.claim(key, "digest"):
            return False
        if not (waiting or awaiting or failed or quiet):
            log.info("digest %s: nothing to report, not sent", day)
            return False
        extra = {"day": day.strftime("%d/%m/%Y"), "waiting": waiting, "awaiting": awaiting,
                 "failed": failed, "quiet": quiet, "review_days": notices.review_after_days}
        for address in recipients:
            outbox.notify("digest", address, _context(
                address, f"Tóm tắt hằng ngày {extra['day']}: {len(waiting)} chờ xem xét, "
                f"{len(awaiting)} chờ đơn vị duyệt, {len(failed)} thư lỗi", extra))
    log.info("digest %s queued for %s", day, ", ".join(recipients))
    return True


# -- units and leadership ---------------------------------------------------------------


def period_of(kind: str, day: date) -> Period:
    """The period of ``kind`` (month, quarter, half, year) that contains ``day``."""
    codes = {"month": f"{day.year}-{day.month:02d}",
             "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
             "half": f"{day.year}-H{1 if day.month <= 6 else 2}", "year": str(day.year)}
    return parse_period(codes[kind])


def quota_reminders(store: Store, config: Config, outbox: Outbox, today: date) -> int:
    """Reminders to the units behind their quota, from ``notices.quota_day`` of the last
    month of each period on; returns how many e-mails were queued now."""
    queued = 0
    for kind in config.notices.quota_periods:
        period = period_of(kind, today)
        if today < date(period.end.year, period.end.month, config.notices.quota_day):
            continue
        report = build_unit_report(store, config, period)
        behind = [r for r in report.all_rows
                  if r.kind != OTHER_KIND and r.quota is not None and not r.met]
        if behind:
            queued += _remind_units(store, config, outbox, period, behind, today)
    return queued


def _remind_units(store: Store, config: Config, outbox: Outbox, period: Period,
                  behind: list[UnitRow], today: date) -> int:
    units = {u.name: u for u in config.units}
    received = store.submissions.received_between(period.start_utc_iso(), period.end_utc_iso())
    common = {"period": period.label, "period_end": period.end.strftime("%d/%m/%Y"),
              "day": today.strftime("%d/%m/%Y")}
    board = config.smtp.from_
    queued = 0
    rows: list[dict[str, Any]] = []
    no_address: list[str] = []
    with store.transaction():
        for row in behind:
            missing = max(0, math.ceil(row.quota or 0) - row.published)
            rows.append({"unit": row.name, "received": row.received, "published": row.published,
                         "quota": row.quota_text, "missing": missing})
            unit = units.get(row.name)
            addresses = (unit.emails or unit.approvers) if unit else []
            if not addresses:
                no_address.append(row.name)
                continue
            sent = [{"ref": s["ref"], "title": s["title"] or "",
                     "status": lifecycle.STATUS_LABELS.get(s["status"], s["status"])}
                    for s in received if s["unit_name"] == row.name]
            extra = {**common, "unit": row.name, "published": row.published,
                     "quota": row.quota_text, "missing": missing, "sent": sent,
                     "board_address": board}
            for address in addresses:
                queued += outbox.notify("quota_reminder", address, _context(
                    address, f"Nhắc chỉ tiêu tin, bài {period.label}: {row.name}", extra),
                    key=f"quota:{period.code}:{row.name}:{address}")
        leaders = config.notices.leadership or editors(config)
        if leaders and store.notices.claim(f"quota_summary:{period.code}", "quota_summary"):
            extra = {**common, "rows": rows, "no_address": no_address}
            for address in leaders:
                queued += outbox.notify("quota_summary", address, _context(
                    address, f"Các đơn vị chưa đạt chỉ tiêu tin, bài {period.label}", extra))
    if queued:
        log.info("quota reminders %s: %d e-mail(s) queued", period.code, queued)
    return queued
