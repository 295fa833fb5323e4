"""Backups of a data folder and their restore, safe while ``tinbai run`` and ``serve`` write.

A backup is a folder: ``tinbai.sqlite3`` copied with SQLite's online backup API (one
step, so it is a consistent snapshot even while other connections commit in WAL mode),
then the content-addressed files (``raw/``, ``photos/``), the encrypted OAuth logins
(``oauth/``) and the written reports, then ``manifest.json`` with the SHA-256 and size
of every file. The snapshot is taken *before* the files are copied: a file is written
durably before any row refers to it and is never rewritten, so every file the snapshot
refers to is in the copy. The folder is built under a temporary name and renamed when
complete, so a half-made backup never looks like a backup.

Restore verifies every hash first, refuses a folder that holds a database unless
forced (the old content is then moved aside, not deleted), and never writes outside
the data folder (manifest paths are checked).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from store.errors import StoreError

DATABASE = "tinbai.sqlite3"
MANIFEST = "manifest.json"
FORMAT = 1
#: Sub-folders of the data folder that are backed up (thumbs/ is a cache, made again).
FOLDERS = ("raw", "photos", "oauth", "reports")
_CHUNK = 1024 * 1024
_DAILY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Progress = Callable[[int, int], None]


class BackupError(StoreError):
    """A backup could not be made, or a backup is incomplete or damaged."""


def _copy_hashed(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, returning the SHA-256 and size of what was written."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest(), size


def _hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _data_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    for folder in FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(data_dir).as_posix(), path


def snapshot_database(database: Path, target: Path) -> int:
    """Copy a live SQLite database with the online backup API; returns its user_version."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # pages=-1: one step under one read transaction
            version = int(copy.execute("PRAGMA user_version").fetchone()[0])
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"the copy of {database} fails PRAGMA integrity_check")
        finally:
            copy.close()
    finally:
        source.close()
    return version


def make_backup(data_dir: Path, dest: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Back up ``data_dir`` into the new folder ``dest``; returns the manifest."""
    database = data_dir / DATABASE
    if not database.is_file():
        raise BackupError(f"{data_dir} holds no database ({DATABASE}): nothing to back up")
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} exists and is not empty; choose a new folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        version = snapshot_database(database, work / DATABASE)
        files[DATABASE] = dict(zip(("sha256", "size"), _hash(work / DATABASE), strict=True))
        todo = list(_data_files(data_dir))  # listed after the snapshot: a superset of it
        for done, (relative, path) in enumerate(todo, start=1):
            digest, size = _copy_hashed(path, work / relative)
            files[relative] = {"sha256": digest, "size": size}
            if progress:
                progress(done, len(todo))
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(
            timespec="seconds"), "schema_version": version, "files": files}
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if dest.exists():
            dest.rmdir()
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def read_manifest(src: Path) -> dict[str, Any]:
    """The manifest of a backup folder, with every path checked to stay inside it."""
    try:
        manifest: dict[str, Any] = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} is not a tinbai backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src / MANIFEST} is unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{src / MANIFEST}: unknown backup format")
    for relative in manifest["files"]:
        parts = PurePosixPath(relative).parts
        if (not parts or PurePosixPath(relative).is_absolute() or ".." in parts
                or (parts[0] not in FOLDERS and relative != DATABASE)):
            raise BackupError(f"{src / MANIFEST}: refusing the path {relative!r}")
    if DATABASE not in manifest["files"]:
        raise BackupError(f"{src / MANIFEST}: the backup has no database")
    return manifest


def verify_backup(src: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Check every file of a backup against its manifest; BackupError lists the damage."""
    manifest = read_manifest(src)
    bad: list[str] = []
    entries = list(manifest["files"].items())
    for done, (relative, expected) in enumerate(entries, start=1):
        path = src / relative
        if not path.is_file():
            bad.append(f"{relative}: missing")
        elif _hash(path) != (expected.get("sha256"), expected.get("size")):
            bad.append(f"{relative}: content differs from the manifest")
        if progress:
            progress(done, len(entries))
    if bad:
        shown = "; ".join(bad[:10]) + (f"; … {len(bad) - 10} more" if len(bad) > 10 else "")
        raise BackupError(f"{src} is damaged: {shown}")
    return manifest


def restore_backup(src: Path, data_dir: Path, *, force: bool = False,
                   progress: Progress | None = None) -> Path | None:
    """Restore a verified backup into ``data_dir``; returns where the previous content
    was moved (None when the folder held no database).

    The caller holds the data folder's lock, so no ``tinbai run`` writes meanwhile.
    """
    manifest = verify_backup(src, progress)
    live = (data_dir / DATABASE).exists()
    if live and not force:
        raise BackupError(
            f"{data_dir} already holds a database: restoring would replace it. Stop "
            "tinbai run and tinbai serve, then run again with --force (the current content "
            "is kept aside, not deleted)"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir.with_name(f".{data_dir.name}.restore-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative in manifest["files"]:
            _copy_hashed(src / relative, staging / relative)
        aside = None
        if live:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = data_dir.with_name(f"{data_dir.name}.before-restore-{stamp}")
            aside.mkdir()
            for name in (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", *FOLDERS, "thumbs"):
                if (data_dir / name).exists():
                    os.replace(data_dir / name, aside / name)
        for item in staging.iterdir():
            os.replace(item, data_dir / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return aside


def prune_daily(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` daily backups (``YYYY-MM-DD`` folders)."""
    daily = sorted(p for p in folder.iterdir() if p.is_dir() and _DAILY.match(p.name)) \
        if folder.is_dir() else []
    removed = daily[:-keep] if keep > 0 else daily
    for path in removed:
        shutil.rmtree(path)
    return removed
