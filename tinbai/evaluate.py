"""From parsed mail to a judged candidate: read documents, photos and the template.

Pure with respect to the store: ``tinbai check`` runs exactly this and nothing else, and
the poller runs it before opening a database transaction (photo and document reading
can take a while and must not hold SQLite's write lock).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from ingest.documents import DocumentInfo, is_document, read_document
from ingest.links import find_cloud_links
from ingest.model import ParsedMail
from ingest.normalize import (
    BankInfo,
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
from ingest.template import FIELD_KEYS, find_template
from tinbai.config import Config
from validators.builtin import Verdict, classify, classify_content, validate
from validators.dispositions import DispositionContext
from validators.model import Candidate

_CID = re.compile(r"""cid:([^"'>\s)]+)""", re.IGNORECASE)
_AUTH_FAIL = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
_ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")


@dataclass
class Evaluation:
    """The verdict on one message (or on a submission after a fix-by-reply)."""

    mail: ParsedMail
    disposition: str | None
    candidate: Candidate
    verdict: Verdict
    photo_payloads: list[bytes] = field(default_factory=list)
    """Bytes of ``candidate.photos`` read from *this* message, in the same order."""

    @property
    def status(self) -> str:
        """``ignored`` (a disposition), ``accepted`` or ``needs_fix`` (SPEC §7)."""
        if self.disposition:
            return "ignored"
        return "accepted" if self.verdict.accepted else "needs_fix"


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


def _docx_media_hashes(doc: DocumentInfo, payload: bytes) -> dict[str, str]:
    """SHA-256 of each embedded image of a .docx (bounded: the reader already vetted it)."""
    hashes: dict[str, str] = {}
    if doc.status != "ok" or not doc.embedded_images:
        return hashes
    try:
        with zipfile.ZipFile(BytesIO(payload)) as archive:
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if (
                    info.filename.startswith("word/media/")
                    and base in doc.embedded_images
                    and info.file_size <= 64 * 1024 * 1024
                ):
                    hashes[base] = hashlib.sha256(archive.read(info)).hexdigest()
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return hashes
    return hashes


def read_candidate(mail: ParsedMail, config: Config) -> tuple[Candidate, list[bytes]]:
    """Read documents, photos, links and the template of one message."""
    rules = config.validation
    candidate = Candidate()
    payloads: list[bytes] = []
    cid_refs = {ref.strip("<>").lower() for ref in _CID.findall(mail.html or "")}
    inline_images: list[tuple[str, str]] = []  # (filename, sha256)
    media_hashes: dict[str, str] = {}
    for att in mail.attachments:
        name, ctype = att.filename, att.content_type.lower()
        if is_document(name, ctype):
            doc = read_document(name, att.payload, rules.fields)
            candidate.documents.append(doc)
            media_hashes.update(_docx_media_hashes(doc, att.payload))
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
                inline_images.append((name, hashlib.sha256(att.payload).hexdigest()))
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
    candidate.embedded_images = [n for n, sha in inline_images if sha not in attached]
    for doc in candidate.documents:
        for image in doc.embedded_images:
            if media_hashes.get(image) not in attached:
                candidate.embedded_images.append(f"{doc.filename}/{image}")
    template = find_template(mail.text, mail.html, candidate.documents)
    candidate.legacy_text = template.legacy
    candidate.fields = {k: v for k, v in template.fields.items() if v and v.strip()}
    candidate.labels_found = template.labels_found
    candidate.template_source = template.source
    candidate.captions = list(template.captions)
    candidate.cloud_links = find_cloud_links(f"{mail.text}\n{mail.html}")
    candidate.auth_failures = auth_failures(mail)
    normalize(candidate, config)
    return candidate, payloads


def normalize(candidate: Candidate, config: Config) -> None:
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
    candidate.unit_registry = bool(config.units)
    candidate.unit_name = match_unit(unit, config.units) if unit and config.units else None


def evaluate(mail: ParsedMail, config: Config, *, own_addresses: frozenset[str]) -> Evaluation:
    """Disposition, candidate and verdict of one message, touching nothing."""
    disposition = classify(mail, DispositionContext(own_addresses=own_addresses))
    if disposition:
        return Evaluation(mail, disposition, Candidate(), Verdict())
    candidate, payloads = read_candidate(mail, config)
    not_submission = classify_content(mail, candidate)
    if not_submission:
        return Evaluation(mail, not_submission, candidate, Verdict(), payloads)
    return Evaluation(mail, None, candidate, validate(candidate, config.validation), payloads)


def merge_candidates(prior: Candidate, update: Candidate, config: Config) -> Candidate:
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
        merged.cloud_links = update.cloud_links
    merged.auth_failures = update.auth_failures
    merged.other_attachments = [*prior.other_attachments, *update.other_attachments]
    merged.previous_bank_accounts = []
    merged.duplicate_photos = {}
    normalize(merged, config)
    return merged


# -- JSON (SPEC §7) and persistence helpers ---------------------------------------------


def candidate_to_json(candidate: Candidate) -> dict[str, Any]:
    """A JSON-safe dict of a candidate (document texts dropped: they are in the fields)."""
    data = dataclasses.asdict(candidate)
    for doc in data["documents"]:
        doc["text"] = ""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))  # type: ignore[no-any-return]


def candidate_from_json(data: dict[str, Any]) -> Candidate:
    """Rebuild a candidate stored with :func:`candidate_to_json`."""
    known = {f.name for f in dataclasses.fields(Candidate)}
    values = {k: v for k, v in data.items() if k in known}
    photo_fields = {f.name for f in dataclasses.fields(PhotoFacts)}
    doc_fields = {f.name for f in dataclasses.fields(DocumentInfo)}
    values["photos"] = [
        PhotoFacts(**{k: v for k, v in p.items() if k in photo_fields})
        for p in values.get("photos", [])
    ]
    values["documents"] = [
        DocumentInfo(**{k: v for k, v in d.items() if k in doc_fields})
        for d in values.get("documents", [])
    ]
    bank = values.get("bank")
    values["bank"] = BankInfo(**bank) if isinstance(bank, dict) else None
    return Candidate(**values)


def caption_for(candidate: Candidate, index: int) -> str | None:
    """The caption of photo ``index``: its own, or the single caption of a single photo."""
    if index < len(candidate.captions):
        return candidate.captions[index]
    if len(candidate.photos) == 1 and candidate.fields.get("caption"):
        return candidate.fields["caption"]
    return None


def photo_key(photo: PhotoFacts, index: int) -> str:
    """The photos table's key of a photo: its SHA-256, or a name for an unreadable one."""
    return photo.sha256 or f"unreadable-{index}-{photo.filename}"


def photo_verdicts(
    candidate: Candidate, verdict: Verdict
) -> Iterator[tuple[str, int, str | None, str]]:
    """(key, position, caption, problems as JSON) of each photo of ``candidate``."""
    for index, photo in enumerate(candidate.photos):
        found = verdict.photo_problems[index] if index < len(verdict.photo_problems) else []
        problems = json.dumps([p.as_dict() for p in found], ensure_ascii=False)
        yield photo_key(photo, index), index, caption_for(candidate, index), problems


def author_key(candidate: Candidate) -> str:
    """The author's name folded (lower-case, no diacritics) to recognise them again."""
    return fold(candidate.fields.get("author", ""))


def derived_values(candidate: Candidate) -> dict[str, Any]:
    """The normalised columns stored beside the raw fields (SPEC §2 normalisation).

    One place for the pipeline (new mail) and the web pages (an editor's correction), so
    the queue filters, the reports and the payment list read the same values.
    """
    bank = candidate.bank
    return {
        "unit_name": candidate.unit_name,
        "author_key": author_key(candidate) or None,
        "phone_e164": candidate.phone_e164,
        "bank_account_digits": candidate.bank_account_digits,
        "bank_code": bank.code if bank else None,
        "bank_bin": bank.bin if bank else None,
        "bank_short_name": bank.short_name if bank else None,
        "account_holder_ascii": candidate.account_holder_ascii,
    }


def photo_entries(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The ``photos`` array of the SPEC §7 JSON."""
    entries = []
    for index, photo in enumerate(evaluation.candidate.photos):
        problems = (
            evaluation.verdict.photo_problems[index]
            if index < len(evaluation.verdict.photo_problems)
            else []
        )
        entries.append(
            {
                "file": photo.filename,
                "format": photo.format,
                "width": photo.width,
                "height": photo.height,
                "quality": photo.quality,
                "camera": photo.camera,
                "caption": caption_for(evaluation.candidate, index),
                "problems": [p.as_dict() for p in problems],
            }
        )
    return entries




def evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    """The one JSON object ``tinbai check --json`` prints (SPEC §7)."""
    candidate = evaluation.candidate
    fields: dict[str, Any] = {key: candidate.fields.get(key) for key in FIELD_KEYS}
    fields.update(
        {
            "phone_e164": candidate.phone_e164,
            "bank_account_digits": candidate.bank_account_digits,
            "bank_code": candidate.bank.code if candidate.bank else None,
            "account_holder_ascii": candidate.account_holder_ascii,
            "unit_name": candidate.unit_name,
        }
    )
    return {
        "status": evaluation.status,
        "disposition": evaluation.disposition,
        "message_id": evaluation.mail.message_id,
        "subject": evaluation.mail.subject,
        "sender": evaluation.mail.from_addr,
        "template_source": candidate.template_source or None,
        "fields": fields,
        "problems": [p.as_dict() for p in evaluation.verdict.problems],
        "photos": photo_entries(evaluation),
    }
