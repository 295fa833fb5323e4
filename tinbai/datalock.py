"""The data-folder lock: one ``tinbai run`` (or restore) per data folder.

portalocker takes an exclusive lock on ``DATA_DIR/tinbai.lock`` (flock on POSIX,
LockFileEx on Windows); the operating system releases it when the process dies, so a
killed daemon never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import portalocker

from store.errors import DataDirLocked


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``DATA_DIR/tinbai.lock`` (released when the process dies)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "tinbai.lock"
    # portalocker: flock on POSIX, LockFileEx on Windows; released when the process dies.
    with open(path, "a+", encoding="ascii") as fh:
        try:
            portalocker.lock(fh, portalocker.LOCK_EX | portalocker.LOCK_NB)
        except portalocker.exceptions.LockException:
            other = _lock_owner(path)
            raise DataDirLocked(
                f"another tinbai run (pid {other}) already uses {data_dir}; stop it first"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            portalocker.unlock(fh)


def _lock_owner(path: Path) -> str:
    """The pid written in the lock file by its holder ("?" when unreadable: on Windows
    the locked byte cannot be read by another process)."""
    try:
        return path.read_text(encoding="ascii", errors="replace").strip() or "?"
    except OSError:
        return "?"
