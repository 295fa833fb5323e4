"""A .zip of photos: its entries, bounded before anything is inflated."""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib

from ingest.limits import PhotoReadLimits
from ingest.photokinds import is_photo_candidate


def expand_zip(
    filename: str, data: bytes, rules: PhotoReadLimits
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The photos of a .zip as ``(basename, bytes)``, plus error strings for what was refused.

    Bounds are checked from the central directory before anything is inflated (entry
    count, total declared size, per-entry size) and again while reading (a lying header
    cannot make an entry inflate past its declared size). Names are reduced to basenames.
    Entries that are not images are skipped; each error string names the zip and entry.
    """
    photos: list[tuple[str, bytes]] = []
    errors: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return [], [f"{filename}: tệp nén hỏng ({str(exc)[:100]})"]
    if len(infos) > rules.zip_max_entries:
        return [], [f"{filename}: quá nhiều tệp trong tệp nén ({len(infos)})"]
    total = sum(info.file_size for info in infos)
    if total > rules.zip_max_total_bytes:
        return [], [f"{filename}: tệp nén giải nén quá lớn ({total // 1_000_000} MB)"]
    used: set[str] = set()
    with archive:
        for info in infos:
            base = posixpath.basename(info.filename.replace("\\", "/")).strip()
            if not base or base.startswith(".") or "__MACOSX/" in info.filename:
                continue
            if base.lower() in ("thumbs.db", "desktop.ini"):
                continue
            if not is_photo_candidate(base, ""):
                continue  # not a photo (a note, a document): not judged as one
            if info.flag_bits & 0x1:
                errors.append(f"{filename}/{base}: tệp có mật khẩu")
                continue
            if info.file_size > rules.max_photo_bytes:
                errors.append(f"{filename}/{base}: tệp quá lớn")
                continue
            try:
                with archive.open(info) as handle:
                    content = handle.read(info.file_size + 1)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
                    RuntimeError, ValueError) as exc:  # fmt: skip
                errors.append(f"{filename}/{base}: không giải nén được ({str(exc)[:80]})")
                continue
            if len(content) != info.file_size:
                errors.append(f"{filename}/{base}: kích thước không khớp khai báo")
                continue
            name, k = base, 2
            while name.lower() in used:
                stem, dot, ext = base.rpartition(".")
                name = f"{stem} ({k}).{ext}" if dot else f"{base} ({k})"
                k += 1
            used.add(name.lower())
            photos.append((name, content))
    return photos, errors
