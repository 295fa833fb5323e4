"""From parsed mail to a candidate submission: documents, photos, links and the template.

Pure reading, no judging: what the message contains, normalised (SPEC §2), for the checks
of :mod:`validators` to judge. A fix-by-reply merges the reply into the candidate of the
submission it fixes (:func:`merge_candidates`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import zipfile
from collections.abc import Sequence
from io import BytesIO

from PIL import Image, UnidentifiedImageError

from ingest.documents import DocumentInfo, is_document, read_document
from ingest.limits import ReadLimits
from ingest.links import find_cloud_links
from ingest.model import Candidate, ParsedMail
from ingest.normalize import (
    BankInfo,
    UnitLike,
    find_bank,
    fold,
    holder_ascii,
    match_unit,
    normalize_phone,
    parse_bank_account,
)
from ingest.photos import (
    PhotoFacts,
    content_digest,
    expand_zip,
    is_photo_candidate,
    read_photo_facts,
)
from ingest.pillow_env import collected_warnings
from ingest.template import find_template

_CID = re.compile(r"""cid:([^"'>\s)]+)""", re.IGNORECASE)
_AUTH_FAIL = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
_ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")


def auth_failures(mail: ParsedMail) -> list[str]:
    """Failed SPF/DKIM/DMARC verdicts from Authentication-Results (RFC 8601).

    Only the first header counts: it is the one added by our own receiving server; lower
    ones may have been forged by the sender.
    """
    values = mail.headers.get("authentication-results") or []
    if not values:
        return []
    found = {f"{m.group(1).lower()}={m.group(2).lower()}" for m in _AUTH_FAIL.finditer(values[0])}
    return sorted(found)


def _long_side(data: bytes) -> int:
    """The long side in pixels from an image's header (0 when unreadable); nothing is
    decoded (Pillow reads the size lazily)."""
    try:
        with collected_warnings(), Image.open(BytesIO(data)) as image:
            return max(image.size)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return 1 << 30  # claims a huge size: certainly not a logo
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return 0


def _docx_media(doc: DocumentInfo, payload: bytes) -> dict[str, tuple[str, int]]:
    """SHA-256 and long side of each embedded image of a .docx (bounded: the reader
    already vetted it)."""
    found: dict[str, tuple[str, int]] = {}
    if doc.status != "ok" or not doc.embedded_images:
        return found
    try:
        with zipfile.ZipFile(BytesIO(payload)) as archive:
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if (
                    info.filename.startswith("word/media/")
                    and base in doc.embedded_images
                    and info.file_size <= 64 * 1024 * 1024
                ):
                    data = archive.read(info)
                    found[base] = (hashlib.sha256(data).hexdigest(), _long_side(data))
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return found
    return found


def read_candidate(
    mail: ParsedMail, rules: ReadLimits, units: Sequence[UnitLike]
) -> tuple[Candidate, list[bytes]]:
    """Read documents, photos, links and the template of one message.

    Returns the candidate and the bytes of each of its photos read from this message, in
    the order of ``candidate.photos``.
    """
    candidate = Candidate()
    payloads: list[bytes] = []
    cid_refs = {ref.strip("<>").lower() for ref in _CID.findall(mail.html or "")}
    inline_images: list[tuple[str, str, int]] = []  # (filename, sha256, long side)
    media: dict[str, tuple[str, int]] = {}  # .docx media: name -> (sha256, long side)
    for att in mail.attachments:
        name, ctype = att.filename, att.content_type.lower()
        if is_document(name, ctype):
            doc = read_document(name, att.payload, rules.fields)
            candidate.documents.append(doc)
            media.update(_docx_media(doc, att.payload))
        elif ctype in _ZIP_TYPES or name.lower().endswith(".zip"):
            entries, errors = expand_zip(name, att.payload, rules.photos)
            for entry_name, data in entries:
                candidate.photos.append(
                    content_digest(read_photo_facts(entry_name, data, rules.photos), data)
                )
                payloads.append(data)
            for error in errors:
                candidate.photos.append(PhotoFacts(filename=name, error=error))
                payloads.append(b"")
        elif is_photo_candidate(name, ctype):
            cid = (att.content_id or "").strip("<>").lower()
            if att.inline and cid and cid in cid_refs:
                inline_images.append(
                    (name, hashlib.sha256(att.payload).hexdigest(), _long_side(att.payload))
                )
                continue
            candidate.photos.append(
                content_digest(read_photo_facts(name, att.payload, rules.photos), att.payload)
            )
            payloads.append(att.payload)
        else:
            candidate.other_attachments.append(name)
    attached = {p.sha256 for p in candidate.photos if p.sha256}
    # An image shown inside the article counts as "inserted" only when the same file
    # is not also attached separately (seed 002: "Thư mục ảnh gửi riêng").
    for name, sha, side in inline_images:
        if sha not in attached:
            candidate.embedded_images.append(name)
            candidate.embedded_image_sides[name] = side
    for doc in candidate.documents:
        for image in doc.embedded_images:
            sha, side = media.get(image, ("", 0))
            if sha not in attached:
                candidate.embedded_images.append(f"{doc.filename}/{image}")
                candidate.embedded_image_sides[f"{doc.filename}/{image}"] = side
    template = find_template(mail.text, mail.html, candidate.documents)
    candidate.legacy_text = template.legacy
    candidate.fields = {k: v for k, v in template.fields.items() if v and v.strip()}
    candidate.labels_found = template.labels_found
    candidate.template_source = template.source
    candidate.captions = list(template.captions)
    candidate.cloud_links = find_cloud_links(f"{mail.text}\n{mail.html}")
    candidate.auth_failures = auth_failures(mail)
    normalize_candidate(candidate, units)
    return candidate, payloads


def normalize_candidate(candidate: Candidate, units: Sequence[UnitLike]) -> None:
    """Fill the normalised values from the raw fields (phone, account, bank, unit)."""
    fields = candidate.fields
    candidate.phone_e164 = normalize_phone(fields["phone"]) if fields.get("phone") else None
    digits: str | None = None
    bank: BankInfo | None = None
    if fields.get("bank_account"):
        digits, bank = parse_bank_account(fields["bank_account"])
    if bank is None and fields.get("bank_name"):
        bank = find_bank(fields["bank_name"])
    candidate.bank_account_digits = digits
    candidate.bank = bank
    holder = fields.get("account_holder")
    candidate.account_holder_ascii = holder_ascii(holder) if holder else None
    unit = fields.get("unit")
    candidate.unit_registry = bool(units)
    candidate.unit_name = match_unit(unit, units) if unit and units else None


def merge_candidates(
    prior: Candidate, update: Candidate, units: Sequence[UnitLike]
) -> Candidate:
    """A fix-by-reply: new fields override, new photos are added (SPEC §1).

    Documents, inline images and links describe *how* the article was sent; the reply's
    replace the earlier ones when it brings any attachment, else the earlier stand.
    """
    merged = dataclasses.replace(prior)
    merged.fields = {**prior.fields, **update.fields}
    merged.labels_found = prior.labels_found + update.labels_found
    merged.template_source = update.template_source or prior.template_source
    known = {p.sha256 for p in prior.photos if p.sha256}
    merged.photos = [
        *prior.photos, *(p for p in update.photos if not p.sha256 or p.sha256 not in known)
    ]
    merged.captions = update.captions or prior.captions
    if update.photos or update.documents:
        merged.documents = update.documents
        merged.embedded_images = update.embedded_images
        merged.embedded_image_sides = update.embedded_image_sides
        merged.cloud_links = update.cloud_links
    merged.auth_failures = update.auth_failures
    merged.other_attachments = [*prior.other_attachments, *update.other_attachments]
    merged.previous_bank_accounts = []
    merged.duplicate_photos = {}
    normalize_candidate(merged, units)
    return merged


def caption_for(candidate: Candidate, index: int) -> str | None:
    """The caption of photo ``index``: its own, or the single caption of a single photo."""
    if index < len(candidate.captions):
        return candidate.captions[index]
    if len(candidate.photos) == 1 and candidate.fields.get("caption"):
        return candidate.fields["caption"]
    return None


def author_key(candidate: Candidate) -> str:
    """The author's name folded (lower-case, no diacritics) to recognise them again."""
    return fold(candidate.fields.get("author", ""))
