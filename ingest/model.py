"""What ingest hands to the rest of the pipeline: fetched raw mail and parsed mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchedMessage:
    """One raw message as fetched from a mailbox source.

    ``raw`` is None when the message was not downloaded (it exceeded the size limit, see
    RFC 3501 RFC822.SIZE); ``size`` is then the server's figure.
    """

    mailbox: str
    uidvalidity: int
    uid: int
    size: int
    raw: bytes | None
    internal_date: datetime | None = None
    header_bytes: bytes | None = None
    """The header section alone (BODY.PEEK[HEADER]) when ``raw`` was not downloaded, so
    that an oversized message can still be identified and answered."""
    gmail_msgid: int | None = None
    """Gmail's X-GM-MSGID (stable across UIDVALIDITY changes), when the server is Gmail."""


@dataclass(frozen=True)
class Attachment:
    """A MIME leaf that is not the message text.

    ``filename`` is already sanitised (no directories, no NUL, bounded length) and safe to
    show; it is never used as a path on disk (blobs are stored by content hash).
    """

    filename: str
    content_type: str
    payload: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass
class ParsedMail:
    """A parsed message: the headers the pipeline needs, the text, the attachments."""

    message_id: str
    """Angle-bracket-less Message-ID; a ``sha256-…@tinbai`` digest of the raw message when
    the message has none (so duplicates are still recognised)."""
    subject: str
    from_addr: str
    from_name: str
    to_addrs: list[str]
    date: datetime | None
    in_reply_to: str | None
    references: list[str]
    headers: dict[str, list[str]]
    """Lower-case header name to all its (decoded) values, in order."""
    text: str
    """Plain-text body (NFC); empty when there is none."""
    html: str
    """HTML body (NFC); empty when there is none."""
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    """Parser complaints, kept for editors and logs."""

    def header(self, name: str) -> str:
        """The first value of a header, or ''."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""
