"""What ingest hands to the rest of the pipeline: fetched raw mail, parsed mail, and the
candidate submission read from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: this module stays a leaf that every stage imports
    from ingest.documents import DocumentInfo
    from ingest.normalize import BankInfo
    from ingest.photos import PhotoFacts


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


@dataclass
class Candidate:
    """Everything read from one message (or a message and the submission it fixes).

    Read by :func:`ingest.candidate.read_candidate`; the pipeline adds a few facts
    looked up in the store (earlier bank accounts of the author, earlier uses of its
    photos), so that every check of :mod:`validators` is a pure function of the candidate
    and the settings.
    """

    fields: dict[str, str] = field(default_factory=dict)
    """Raw template values by field key (SPEC §2), NFC; an absent key means not found."""
    labels_found: int = 0
    """How many template labels were recognised anywhere (0 means ``no_template``)."""
    template_source: str = ""
    """Where the template was read: ``text``, ``html``, ``docx:NAME`` or ''."""
    phone_e164: str | None = None
    bank_account_digits: str | None = None
    bank: BankInfo | None = None
    account_holder_ascii: str | None = None
    unit_name: str | None = None
    """The matched unit of the registry, or None."""
    unit_registry: bool = True
    """Whether config.yaml has a unit registry at all (without one, no unit is unknown)."""
    captions: list[str] = field(default_factory=list)
    """Caption per photo in order (``Ảnh 1: …``); one entry for a single caption."""
    photos: list[PhotoFacts] = field(default_factory=list)
    documents: list[DocumentInfo] = field(default_factory=list)
    embedded_images: list[str] = field(default_factory=list)
    """Images inside a document or inline (cid:) in the HTML body, not attached separately."""
    embedded_image_sides: dict[str, int] = field(default_factory=dict)
    """Long side in pixels of each of ``embedded_images`` read from its header (0 or absent:
    unknown); the rules tell a signature logo from an inserted photo by it."""
    cloud_links: list[str] = field(default_factory=list)
    auth_failures: list[str] = field(default_factory=list)
    """Failed mechanisms from Authentication-Results, e.g. ``spf=fail``."""
    previous_bank_accounts: list[str] = field(default_factory=list)
    """Accounts this author used in earlier submissions (from the store)."""
    duplicate_photos: dict[str, str] = field(default_factory=dict)
    """Photo filename to the reference of an earlier submission using the same photo."""
    text_duplicates: list[dict[str, object]] = field(default_factory=list)
    """Other submissions whose body is close to this one's (from the store's text index):
    ``{"ref": "TB-…", "similarity": 0.93}``, most similar first."""
    other_attachments: list[str] = field(default_factory=list)
    """Attachments that are neither photos nor documents (kept, not judged)."""
    legacy_text: str = ""
    """``tcvn3`` or ``vni`` when the mail text was typed in a legacy font encoding (it was
    converted to Unicode to read the template)."""
