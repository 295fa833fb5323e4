"""What the validators judge: a candidate submission assembled from parsed mail."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.documents import DocumentInfo
from ingest.normalize import BankInfo
from ingest.photos import PhotoFacts


@dataclass
class Candidate:
    """Everything read from one message (or a message and the submission it fixes).

    Built by the pipeline from ingest's outputs plus a few facts looked up in the store
    (earlier bank accounts of the author, earlier photo hashes), so that every check is a
    pure function of the candidate and the settings.
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
    cloud_links: list[str] = field(default_factory=list)
    auth_failures: list[str] = field(default_factory=list)
    """Failed mechanisms from Authentication-Results, e.g. ``spf=fail``."""
    previous_bank_accounts: list[str] = field(default_factory=list)
    """Accounts this author used in earlier submissions (from the store)."""
    duplicate_photos: dict[str, str] = field(default_factory=dict)
    """Photo filename to the reference of an earlier submission using the same photo."""
    other_attachments: list[str] = field(default_factory=list)
    """Attachments that are neither photos nor documents (kept, not judged)."""
    legacy_text: str = ""
    """``tcvn3`` or ``vni`` when the mail text was typed in a legacy font encoding (it was
    converted to Unicode to read the template)."""
