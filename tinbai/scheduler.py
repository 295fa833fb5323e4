"""``tinbai run``: poll on an interval with APScheduler, stop cleanly on a signal.

One job, ``max_instances=1`` (never two polls at once) and ``coalesce=True`` (a machine
that slept through several intervals polls once, not N times). SIGINT/SIGTERM set a stop
flag that the poller checks between messages, so the current message is finished and
committed before the process exits. A file lock on the data folder keeps a second
``tinbai run`` from starting on the same data.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from store.db import Store
from store.errors import DataDirLocked
from tinbai import clock
from tinbai.config import Config
from tinbai.poll import Poller

log = logging.getLogger(__name__)


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``DATA_DIR/tinbai.lock`` (released when the process dies)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "tinbai.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = path.read_text(encoding="ascii", errors="replace").strip() or "?"
            raise DataDirLocked(
                f"another tinbai run (pid {other}) already uses {data_dir}; stop it first"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)


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

        scheduler = BackgroundScheduler(timezone=UTC)
        # First day of each quarter, 07:00 Vietnam time (00:00 UTC), and once at start-up.
        scheduler.add_job(
            report_job, "cron", month="1,4,7,10", day=1, hour=0, id="quarter_report",
            max_instances=1, coalesce=True, misfire_grace_time=24 * 3600,
        )
        scheduler.add_job(report_job, "date", run_date=datetime.now(UTC), id="report_catch_up")
        scheduler.add_job(
            poll_job, "interval", seconds=config.polling.interval_seconds,
            id="poll", max_instances=1, coalesce=True,
            misfire_grace_time=config.polling.interval_seconds,
            next_run_time=datetime.now(UTC),
        )

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the current message", signal.Signals(signum).name)
            stop.set()

        previous = {
            sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
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
