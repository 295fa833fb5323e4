"""Content-addressed files under the data folder: raw messages and photos.

Files are named by the SHA-256 of their content, so writing the same bytes twice is a
no-op, a crash mid-write leaves only a temporary file, and no name coming from a message
(``../``, NUL, 3,000 characters) is ever used as a path.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

_SAFE_EXT = re.compile(r"^[a-z0-9]{1,8}$")


def write_atomically(
    path: Path, data: bytes, *, prepare: Callable[[Path], None] | None = None
) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never
    a part: a temporary file in the same folder, fsync, rename (POSIX and Windows).

    ``prepare`` runs on the temporary file before anything is written to it (e.g. to make
    it readable by its owner only). A failure leaves no temporary file behind.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        if prepare is not None:
            prepare(Path(tmp))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class BlobStore:
    """A folder of files named by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, ext: str = "") -> Path:
        """Where a blob with this digest lives (two-level fan-out keeps folders small)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256 hex digest")
        ext = ext.lower().lstrip(".")
        suffix = f".{ext}" if _SAFE_EXT.match(ext) else ""
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def put(self, data: bytes, ext: str = "", digest: str | None = None) -> tuple[str, Path]:
        """Store ``data`` durably (write, fsync, rename) and return its digest and path.

        ``digest`` may be given when the caller already hashed ``data`` (photos are hashed
        once, when read).
        """
        digest = digest or hashlib.sha256(data).hexdigest()
        path = self.path_for(digest, ext)
        if path.exists() and path.stat().st_size == len(data):
            return digest, path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
        return digest, path

    def relative(self, path: Path) -> str:
        """The path relative to the data folder's blob root, as stored in the database."""
        return str(path.relative_to(self.root))

    def read(self, relative: str) -> bytes:
        """Read a blob by its stored relative path (refusing anything outside the root)."""
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("path outside the blob store")
        return path.read_bytes()
