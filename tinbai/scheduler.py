"""``tinbai run``: poll on an interval with APScheduler, stop cleanly on a signal.

One job, ``max_instances=1`` (never two polls at once) and ``coalesce=True`` (a machine
that slept through several intervals polls once, not N times). SIGINT/SIGTERM set a stop
flag that the pipeline checks between messages, so the current message is finished and
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
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from store.db import Store
from store.errors import DataDirLocked
from tinbai.config import Config
from tinbai.pipeline import Pipeline

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


def run_daemon(config: Config) -> int:
    """Poll every ``polling.interval_seconds`` until SIGINT/SIGTERM."""
    stop = threading.Event()
    with data_dir_lock(config.data_path):
        store = Store(config.data_path)
        pipeline = Pipeline(config, store, stop=stop)

        def poll_job() -> None:
            # The job never dies: anything unexpected is logged and the next run retries.
            try:
                report = pipeline.poll()
                if report.fetched or report.replies_sent or report.errors:
                    log.info(
                        "poll: fetched=%d stored=%d ignored=%d failed=%d replies=%d errors=%d",
                        report.fetched, report.stored, report.ignored, report.failed,
                        report.replies_sent, len(report.errors),
                    )
            except Exception:
                log.exception("poll failed; will retry at the next interval")

        scheduler = BackgroundScheduler(timezone=UTC)
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
