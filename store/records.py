"""How the stages' values become rows: candidates as JSON, messages, submissions, photos.

One place for the columns written from a candidate, so new mail (tinbai.intake) and an
editor's correction (tinbai.decisions) store the same values, and the queue filters,
the reports and the payment list read them alike.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from ingest.candidate import author_key, caption_for
from ingest.documents import DocumentInfo
from ingest.model import Candidate, FetchedMessage, ParsedMail
from ingest.normalize import BankInfo
from ingest.photos import PhotoFacts
from store.base import Row, iso
from validators.builtin import Verdict

#: Verdict of one photo as stored: (key, position, caption, problems as JSON).
PhotoVerdict = tuple[str, int, str | None, str]


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


def derived_values(candidate: Candidate) -> dict[str, Any]:
    """The normalised columns stored beside the raw fields (SPEC §2 normalisation)."""
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


def submission_values(candidate: Candidate, errors: int, warnings: int) -> Row:
    """The columns of a submission read from its candidate, with its problem counts."""
    f = candidate.fields
    caption = f.get("caption") or "\n".join(candidate.captions) or None
    return {
        "title": f.get("title"),
        "body": f.get("body"),
        "caption": caption,
        "author": f.get("author"),
        "unit": f.get("unit"),
        "phone": f.get("phone"),
        "bank_account": f.get("bank_account"),
        "account_holder": f.get("account_holder"),
        "bank_name": f.get("bank_name")
        or (candidate.bank.short_name if candidate.bank else None),
        **derived_values(candidate),
        "template_source": candidate.template_source or None,
        "candidate_json": json.dumps(candidate_to_json(candidate), ensure_ascii=False),
        "error_count": errors,
        "warning_count": warnings,
    }


def message_row(
    fetched: FetchedMessage | None, mail: ParsedMail, raw_sha: str | None, raw_path: str | None,
) -> Row:
    """The ``messages`` row of a fetched, parsed message (its outcome columns apart)."""
    return {
        "message_id": mail.message_id,
        "raw_sha256": raw_sha,
        "raw_path": raw_path,
        "size": fetched.size if fetched else 0,
        "mailbox": fetched.mailbox if fetched else None,
        "uidvalidity": fetched.uidvalidity if fetched else None,
        "uid": fetched.uid if fetched else None,
        "sender": mail.from_addr,
        "sender_name": mail.from_name,
        "subject": mail.subject,
        "sent_date": iso(mail.date) if mail.date else None,
        "in_reply_to": mail.in_reply_to,
        "auth_results": mail.header("authentication-results") or None,
        "defects": json.dumps(mail.defects[:50], ensure_ascii=False) if mail.defects else None,
    }


def photo_key(photo: PhotoFacts, index: int) -> str:
    """The photos table's key of a photo: its SHA-256, or a name for an unreadable one."""
    return photo.sha256 or f"unreadable-{index}-{photo.filename}"


def photo_verdicts(candidate: Candidate, verdict: Verdict) -> Iterator[PhotoVerdict]:
    """(key, position, caption, problems as JSON) of each photo of ``candidate``."""
    for index, photo in enumerate(candidate.photos):
        found = verdict.photo_problems[index] if index < len(verdict.photo_problems) else []
        problems = json.dumps([p.as_dict() for p in found], ensure_ascii=False)
        yield photo_key(photo, index), index, caption_for(candidate, index), problems


def photo_row(
    submission_id: int, version: int, photo: PhotoFacts, photo_verdict: PhotoVerdict,
    blob_path: str, phash: str | None,
) -> Row:
    """The ``photos`` row of a photo first seen in this version."""
    key, index, caption, problems = photo_verdict
    return {
        "submission_id": submission_id,
        "version": version,
        "position": index,
        "sha256": key,
        "blob_path": blob_path,
        "filename": photo.filename,
        "format": photo.format,
        "width": photo.width,
        "height": photo.height,
        "quality": photo.quality,
        "camera": photo.camera,
        "caption": caption,
        "phash": phash,
        "facts_json": json.dumps(dataclasses.asdict(photo), ensure_ascii=False, default=str),
        "problems_json": problems,
    }
