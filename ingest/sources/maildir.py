"""Local Maildir mailbox source (``maildir:PATH``), the embedded default of ``tinbai demo``.

Maildir has no UIDs, so like Dovecot's ``dovecot-uidlist`` we keep a ``tinbai-uidlist``
file in the Maildir: a header line ``V<uidvalidity>`` then one ``<uid> <basename>`` line
per message ever seen, appended under a file lock. The basename is the file name without
the ``:2,FLAGS`` info suffix, so a mail client moving a file from new/ to cur/ or changing
its flags keeps its UID. Deleting the uidlist starts a new UIDVALIDITY, exactly as an IMAP
server would signal a resync.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

import portalocker

from ingest.errors import SourceConnectError, SourceProtocolError
from ingest.model import FetchedMessage

log = logging.getLogger(__name__)

UIDLIST = "tinbai-uidlist"
UIDVALIDITY_FILE = "tinbai-uidvalidity"
MAX_HEADER_BYTES = 65536
_FOLDER_RE = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]*$")


def _basename(filename: str) -> str:
    """Strip the Maildir info suffix (``:2,FLAGS``; ``!`` is the Windows-safe variant)."""
    for sep in (":", "!"):
        if sep in filename:
            return filename.split(sep, 1)[0]
    return filename


def _read_header(data: bytes) -> bytes:
    """The header section (up to and including the blank line) of a message start."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = data.find(sep)
        if end >= 0:
            return data[: end + len(sep)]
    return data


_DELIVERY = re.compile(r"^(\d+)\.(?:[^.]*?M(\d+))?(?:[^.]*?Q(\d+))?")


def _delivery_key(base: str) -> tuple[int, int, int, str]:
    """Sort key of a Maildir name: seconds, then microseconds (``M``), then the
    per-process counter (``Q``), so messages delivered within one second keep their order
    (a plain string sort puts ``M99`` after ``M100000``)."""
    match = _DELIVERY.match(base)
    if not match:
        return (0, 0, 0, base)
    return (int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0), base)


class MaildirSource:
    """A Maildir as a :class:`~ingest.sources.base.MailSource` with stable UIDs."""

    def __init__(
        self,
        name: str,
        path: Path,
        *,
        create: bool = True,
        batch_size: int = 50,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.create = create
        self.batch_size = batch_size  # accepted for symmetry; files are read one by one
        self._uidvalidity: int | None = None
        self._paths: dict[int, Path] = {}
        self._open = False

    def __repr__(self) -> str:
        return f"MaildirSource({self.name!r}, {str(self.path)!r})"

    # -- context ------------------------------------------------------------------------

    def __enter__(self) -> MaildirSource:
        if not self.path.is_dir():
            if not self.create:
                raise SourceConnectError(f"mailbox {self.name!r}: no Maildir at {self.path}")
            log.info("mailbox %r: creating Maildir %s", self.name, self.path)
        try:
            for sub in ("new", "cur", "tmp"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SourceConnectError(f"mailbox {self.name!r}: {self.path}: {e}") from e
        self._open = True
        self._scan()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._paths.clear()

    @property
    def uidvalidity(self) -> int:
        """The ``V`` value of the uidlist header (fixed when the uidlist was created)."""
        if self._uidvalidity is None:
            raise SourceConnectError(f"mailbox {self.name!r}: not opened (use 'with')")
        return self._uidvalidity

    # -- uidlist ------------------------------------------------------------------------

    def _scan(self) -> None:
        """Assign UIDs to files not yet in the uidlist and map every UID to its file.

        The whole read-assign-append runs under an exclusive lock on the uidlist
        (portalocker: ``flock``, or ``LockFileEx`` on Windows),
        so two processes never hand out the same UID.
        """
        current: dict[str, Path] = {}
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except OSError as e:
                raise SourceConnectError(f"mailbox {self.name!r}: {self.path / sub}: {e}") from e
            for entry in entries:
                if (
                    entry.name.startswith(".")
                    or "\n" in entry.name
                    or "\r" in entry.name
                    or not entry.is_file(follow_symlinks=False)
                ):
                    continue
                current.setdefault(_basename(entry.name), Path(entry.path))
        listfile = self.path / UIDLIST
        try:
            fd = os.open(listfile, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as e:
            raise SourceConnectError(f"mailbox {self.name!r}: {listfile}: {e}") from e
        with os.fdopen(fd, "r+", encoding="utf-8", errors="replace") as fh:
            portalocker.lock(fh, portalocker.LOCK_EX)  # flock; LockFileEx on Windows
            try:
                fh.seek(0)
                lines = fh.read().splitlines()
                known: dict[str, int] = {}
                out: list[str] = []
                if not lines:
                    uidvalidity = self._new_uidvalidity()
                    out.append(f"V{uidvalidity}")
                else:
                    head = lines[0].strip()
                    if not re.fullmatch(r"V\d{1,10}", head):
                        raise SourceProtocolError(
                            f"mailbox {self.name!r}: {listfile} has a bad header {head[:40]!r}; "
                            "delete the file to renumber (a new UIDVALIDITY; duplicates are "
                            "recognised by Message-ID)"
                        )
                    uidvalidity = int(head[1:])
                    for n, line in enumerate(lines[1:], start=2):
                        uid_s, _, base = line.strip().partition(" ")
                        if not uid_s.isdigit() or not base:
                            log.warning("%s:%d: ignoring bad line %r", listfile, n, line[:80])
                            continue
                        known[base] = int(uid_s)
                next_uid = max(known.values(), default=0) + 1
                # Delivery order: Maildir names start with the delivery time.
                for base in sorted((b for b in current if b not in known), key=_delivery_key):
                    known[base] = next_uid
                    out.append(f"{next_uid} {base}")
                    next_uid += 1
                if out:
                    fh.seek(0, os.SEEK_END)
                    fh.write("".join(f"{line}\n" for line in out))
                    fh.flush()
                    os.fsync(fh.fileno())
            finally:
                portalocker.unlock(fh)
        self._uidvalidity = uidvalidity
        self._paths = {known[base]: p for base, p in current.items()}

    def _new_uidvalidity(self) -> int:
        """A UIDVALIDITY for a new uidlist: the current time, but always above the last
        one handed out in this Maildir (kept in ``tinbai-uidvalidity``), so a uidlist
        recreated within the same second still announces a resync (RFC 3501 §2.3.1.1:
        UIDVALIDITY must change whenever UIDs are reassigned)."""
        marker = self.path / UIDVALIDITY_FILE
        try:
            previous = int(marker.read_text().strip() or 0)
        except (OSError, ValueError):
            previous = 0
        value = max(int(time.time()), previous + 1)
        if value >= 2**32:  # pragma: no cover - an nz-number is 32-bit in IMAP
            value = previous + 1
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(f"{value}\n")
        os.replace(tmp, marker)
        return value

    # -- the interface ------------------------------------------------------------------

    def list_new(
        self, after_uid: int, since: datetime.date | None = None
    ) -> list[tuple[int, int]]:
        """``(uid, size)`` with UID > after_uid, ascending; ``since`` compares the file's
        modification date (the delivery time, which Dovecot also uses as INTERNALDATE)."""
        if not self._open:
            raise SourceConnectError(f"mailbox {self.name!r}: not opened (use 'with')")
        self._scan()
        result: list[tuple[int, int]] = []
        for uid in sorted(u for u in self._paths if u > after_uid):
            try:
                st = self._paths[uid].stat()
            except FileNotFoundError:
                continue
            if since is not None and datetime.date.fromtimestamp(st.st_mtime) < since:
                continue
            result.append((uid, st.st_size))
        return result

    def _locate(self, uid: int) -> Path | None:
        """The current file of a UID; rescans when a mail client renamed it meanwhile."""
        path = self._paths.get(uid)
        if path is not None and path.exists():
            return path
        self._scan()
        return self._paths.get(uid)

    def fetch(self, uids: Sequence[int], max_bytes: int) -> Iterator[FetchedMessage]:
        """Read the files, checking the size before reading (and reading at most
        ``max_bytes + 1`` bytes, in case the file grew); larger ones get ``raw=None`` and
        their header section (at most 64 KiB) in ``header_bytes``."""
        if not self._open:
            raise SourceConnectError(f"mailbox {self.name!r}: not opened (use 'with')")
        uidvalidity = self.uidvalidity
        for uid in sorted({int(u) for u in uids}):
            path = self._locate(uid)
            if path is None:
                log.info("mailbox %r: UID %d vanished before fetch", self.name, uid)
                continue
            try:
                with path.open("rb") as fh:
                    st = os.fstat(fh.fileno())
                    raw: bytes | None = None
                    header: bytes | None = None
                    size = st.st_size
                    if size > max_bytes:
                        header = _read_header(fh.read(MAX_HEADER_BYTES))
                    else:
                        data = fh.read(max_bytes + 1)
                        if len(data) <= max_bytes:
                            raw, size = data, len(data)
                        else:
                            size = max(size, len(data))
                            header = _read_header(data[:MAX_HEADER_BYTES])
            except FileNotFoundError:
                log.info("mailbox %r: UID %d vanished during fetch", self.name, uid)
                continue
            except OSError as e:
                raise SourceConnectError(f"mailbox {self.name!r}: {path}: {e}") from e
            yield FetchedMessage(
                mailbox=self.name,
                uidvalidity=uidvalidity,
                uid=uid,
                size=size,
                raw=raw,
                internal_date=datetime.datetime.fromtimestamp(st.st_mtime, datetime.UTC),
                header_bytes=header,
            )

    def folder_path(self, folder: str) -> Path:
        """The Maildir++ sub-folder ``.FOLDER`` (a ``/`` in the name becomes ``.``)."""
        if folder.upper() == "INBOX":
            return self.path
        name = folder.replace("/", ".")
        if not _FOLDER_RE.match(name) or ".." in name:
            raise SourceProtocolError(f"mailbox {self.name!r}: bad folder name {folder!r}")
        return self.path / f".{name}"

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Rename the files into the sub-Maildir ``.FOLDER`` (created with its
        ``maildirfolder`` marker, as Maildir++ and Dovecot expect); keeps new/ or cur/ and
        the flags suffix. A rename within one file system is atomic."""
        if not self._open:
            raise SourceConnectError(f"mailbox {self.name!r}: not opened (use 'with')")
        target = self.folder_path(folder)
        if target == self.path:
            return
        try:
            for sub in ("new", "cur", "tmp"):
                (target / sub).mkdir(parents=True, exist_ok=True)
            (target / "maildirfolder").touch(exist_ok=True)
        except OSError as e:
            raise SourceConnectError(f"mailbox {self.name!r}: {target}: {e}") from e
        for uid in sorted({int(u) for u in uids}):
            path = self._locate(uid)
            if path is None:
                log.info("mailbox %r: UID %d already gone, not moved", self.name, uid)
                continue
            dest = target / path.parent.name / path.name
            try:
                os.rename(path, dest)
            except FileNotFoundError:
                log.info("mailbox %r: UID %d vanished while moving", self.name, uid)
                continue
            except OSError as e:
                raise SourceConnectError(f"mailbox {self.name!r}: move {path}: {e}") from e
            self._paths.pop(uid, None)
