"""``tinbai backup DEST`` and ``tinbai restore SRC [--force]`` (store/backup.py).

Backups may be made while ``tinbai run`` and ``tinbai serve`` work; a restore takes the
data folder's lock, so it refuses to run under a running ``tinbai run``, and refuses a
folder that holds a database unless ``--force`` (the old content is moved aside).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from store.backup import BackupError, make_backup, prune_daily, restore_backup
from store.errors import DataDirLocked
from tinbai import clock
from tinbai.config import Config
from tinbai.health import now_iso, record
from tinbai.progress import progress_callback

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``backup`` and ``restore``."""
    p = subparsers.add_parser("backup", help="copy the database, raw mail and photos into a "
                              "new folder, with a manifest of hashes (safe while running)")
    p.add_argument("dest", metavar="DEST", help="a new (or empty) folder")
    p.set_defaults(func=run_backup)
    p = subparsers.add_parser("restore", help="check a backup's hashes and restore it into "
                              "the data folder")
    p.add_argument("src", metavar="SRC", help="a folder made by tinbai backup")
    p.add_argument("--force", action="store_true",
                   help="replace a data folder that holds a database (moved aside)")
    p.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace, config: Config) -> int:
    dest = Path(args.dest).expanduser().resolve()
    with progress_callback("Đang sao lưu") as progress:
        manifest = make_backup(config.data_path, dest, progress)
    record(config.data_path, last_backup_at=now_iso(), last_backup_path=str(dest))
    print(f"Đã sao lưu {len(manifest['files'])} tệp vào {dest}")
    return 0


def run_restore(args: argparse.Namespace, config: Config) -> int:
    from tinbai.datalock import data_dir_lock

    src = Path(args.src).expanduser().resolve()
    try:
        with data_dir_lock(config.data_path), progress_callback("Đang khôi phục") as progress:
            aside = restore_backup(src, config.data_path, force=args.force, progress=progress)
    except DataDirLocked as exc:
        print(f"tinbai restore: {exc}", file=sys.stderr)
        return 1
    if aside is not None:
        print(f"Dữ liệu cũ được chuyển sang {aside}")
    print(f"Đã khôi phục {src} vào {config.data_path}")
    return 0


def daily_backup(config: Config, today: str | None = None) -> Path | None:
    """The daily backup of ``tinbai run`` (``backup.folder/YYYY-MM-DD``) and its
    retention; None when backups are off or today's exists already."""
    if not config.backup.folder:
        return None
    folder = config.resolve(config.backup.folder)
    day = today or clock.today().isoformat()
    dest = folder / day
    if dest.exists():
        return None
    try:
        make_backup(config.data_path, dest)
    except (BackupError, OSError) as exc:
        raise BackupError(f"daily backup to {dest} failed: {exc}") from exc
    removed = prune_daily(folder, config.backup.keep)
    record(config.data_path, last_backup_at=now_iso(), last_backup_path=str(dest))
    log.info("daily backup written to %s (%d old one(s) removed)", dest, len(removed))
    return dest
