"""``tinbai run``: poll on an interval with APScheduler, stop cleanly on a signal.

Jobs: the poll; the quarterly report; the daily backup; and every quarter of an hour the
reminders, digest and quota reminders (:func:`tinbai.reminders.run_due`, each e-mail
exactly once whatever restarts). Each job ``max_instances=1`` (never two polls at
once) and ``coalesce=True`` (a machine that slept through several intervals polls once,
not N times). SIGINT/SIGTERM set a stop
flag that the poller checks between messages, so the current message is finished and
committed before the process exits. A file lock on the data folder (portalocker: POSIX
and Windows) keeps a second ``tinbai run`` from starting on the same data.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from store.db import Store
from tinbai import clock
from tinbai.config import Config
from tinbai.datalock import data_dir_lock
from tinbai.platform import stop_signals
from tinbai.poll import Poller

log = logging.getLogger(__name__)


def write_quarter_report(store: Store, config: Config, today: date | None = None) -> Path | None:
    """Write the unit report of the last complete quarter once (HTML and XLSX).

    Seed 002: at the end of every quarter the board publishes the list of units and people
    with published items. Run at start-up too, so an office machine that was off on the
    first day of the quarter still produces it. Returns the HTML path when written.
    """
    from tinbai.periods import parse_period, previous_quarter
    from tinbai.reports.data import build_unit_report
    from tinbai.reports.writers import write_report

    code = previous_quarter(today or clock.today())
    folder = config.data_path / "reports"
    html = folder / f"units-{code}.html"
    if html.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    report = build_unit_report(store, config, parse_period(code))
    write_report(report, folder / f"units-{code}.xlsx", "xlsx")
    write_report(report, html, "html")
    log.info("quarterly unit report %s written to %s", code, html)
    return html


def run_daemon(config: Config) -> int:
    """Poll every ``polling.interval_seconds`` until SIGINT/SIGTERM."""
    stop = threading.Event()
    with data_dir_lock(config.data_path):
        store = Store(config.data_path)
        poller = Poller(config, store, stop=stop)

        def poll_job() -> None:
            # The job never dies: anything unexpected is logged and the next run retries.
            try:
                report = poller.poll()
                if report.fetched or report.replies_sent or report.errors:
                    log.info(
                        "poll: fetched=%d stored=%d ignored=%d failed=%d replies=%d errors=%d",
                        report.fetched, report.stored, report.ignored, report.failed,
                        report.replies_sent, len(report.errors),
                    )
            except Exception:
                log.exception("poll failed; will retry at the next interval")

        def report_job() -> None:
            try:
                write_quarter_report(store, config)
            except Exception:
                log.exception("quarterly report failed; will retry at the next run")

        def reminders_job() -> None:
            from tinbai.outbox import Outbox
            from tinbai.reminders import run_due

            # Its own connection: the store's one belongs to the poll job's thread (a
            # transaction is per connection). The poll job sends what this one queues.
            job_store = Store(config.data_path)
            try:
                done = run_due(job_store, config, Outbox(config, job_store))
                log.info("reminders: %s", done)
            except Exception:  # the job never dies; the next run retries (keys: no repeats)
                log.exception("reminders failed; will retry at the next run")
            finally:
                job_store.close()

        def backup_job() -> None:
            from tinbai.commands.backup import daily_backup

            try:
                daily_backup(config)
            except Exception as exc:  # never kills the daemon; the admins are told
                log.exception("daily backup failed; will retry at the next run")
                poller.outbox.alert(
                    "backup_failed",
                    f"Sẽ thử lại ở lần chạy sau. Chi tiết kỹ thuật: {exc}",
                )

        scheduler = BackgroundScheduler(timezone=UTC)
        # First day of each quarter, 07:00 Vietnam time (00:00 UTC), and once at start-up.
        scheduler.add_job(
            report_job, "cron", month="1,4,7,10", day=1, hour=0, id="quarter_report",
            max_instances=1, coalesce=True, misfire_grace_time=24 * 3600,
        )
        scheduler.add_job(report_job, "date", run_date=datetime.now(UTC), id="report_catch_up")
        scheduler.add_job(
            reminders_job, "interval", minutes=15, id="reminders", max_instances=1,
            coalesce=True, misfire_grace_time=3600, next_run_time=datetime.now(UTC),
        )
        if config.backup.folder:
            # Once a day at backup.hour local time, and at start-up when today's is missing.
            scheduler.add_job(
                backup_job, "cron", hour=config.backup.hour, timezone=clock.zone(),
                id="daily_backup", max_instances=1, coalesce=True,
                misfire_grace_time=12 * 3600,
            )
            scheduler.add_job(backup_job, "date", run_date=datetime.now(UTC),
                              id="backup_catch_up")
        scheduler.add_job(
            poll_job, "interval", seconds=config.polling.interval_seconds,
            id="poll", max_instances=1, coalesce=True,
            misfire_grace_time=config.polling.interval_seconds,
            next_run_time=datetime.now(UTC),
        )

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the current message", signal.Signals(signum).name)
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in stop_signals()}
        log.info("tinbai run: polling every %ss (data in %s)",
                 config.polling.interval_seconds, config.data_path)
        scheduler.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            scheduler.shutdown(wait=True)  # waits for the running poll to finish its message
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            store.close()
    log.info("tinbai run: stopped")
    return 0
