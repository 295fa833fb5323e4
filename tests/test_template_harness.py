"""Read a template case (.eml) the way the pipeline does, with the standard library only.

Shared by the template tests: parse with ``email`` (policy.default), read documents,
``find_template``, normalise, run ``FIELD_CHECKS``; compare with ``NAME.expected.json``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.documents import is_document, read_document
from ingest.model import Candidate
from ingest.normalize import (
    UnitEntry,
    find_bank,
    holder_ascii,
    match_unit,
    normalize_phone,
    parse_bank_account,
)
from ingest.template import TemplateResult, find_template
from validators.fields import FIELD_CHECKS
from validators.problems import Problem
from validators.settings import ValidationSettings

CASES = Path(__file__).parent / "data" / "template"
_AUTH_FAIL = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror)\b", re.IGNORECASE)
ERROR_PHOTO_CODES = frozenset({"photo_embedded", "photo_no_caption", "no_photo"})


def units() -> list[UnitEntry]:
    data = yaml.safe_load((CASES / "config.yaml").read_text(encoding="utf-8"))
    return [UnitEntry(u["name"], list(u.get("aliases", [])), u["kind"]) for u in data["units"]]


@dataclass
class Outcome:
    candidate: Candidate
    template: TemplateResult
    problems: list[Problem]


def _text(part: EmailMessage | None) -> str:
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def run_case(path: Path) -> Outcome:
    msg = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    text = _text(msg.get_body(preferencelist=("plain",)))  # type: ignore[arg-type]
    html = _text(msg.get_body(preferencelist=("html",)))  # type: ignore[arg-type]
    rules = ValidationSettings()
    candidate = Candidate()
    for att in msg.iter_attachments():
        name = att.get_filename() or ""
        ctype = att.get_content_type()
        payload = att.get_payload(decode=True)
        if isinstance(payload, bytes) and is_document(name, ctype):
            candidate.documents.append(read_document(name, payload, rules.fields))
    template = find_template(text, html, candidate.documents)
    candidate.fields = {k: v for k, v in template.fields.items() if v.strip()}
    candidate.labels_found = template.labels_found
    candidate.template_source = template.source
    candidate.captions = list(template.captions)
    candidate.legacy_text = template.legacy
    auth = msg.get_all("Authentication-Results") or []
    if auth:
        found = _AUTH_FAIL.finditer(str(auth[0]))
        candidate.auth_failures = sorted({f"{m[1].lower()}={m[2].lower()}" for m in found})
    f = candidate.fields
    candidate.phone_e164 = normalize_phone(f["phone"]) if f.get("phone") else None
    if f.get("bank_account"):
        candidate.bank_account_digits, candidate.bank = parse_bank_account(f["bank_account"])
    if candidate.bank is None and f.get("bank_name"):
        candidate.bank = find_bank(f["bank_name"])
    if f.get("account_holder"):
        candidate.account_holder_ascii = holder_ascii(f["account_holder"])
    if f.get("unit"):
        candidate.unit_name = match_unit(f["unit"], units())
    problems = [p for check in FIELD_CHECKS for p in check.check(candidate, rules)]
    return Outcome(candidate, template, problems)


def problem_keys(problems: list[Problem]) -> list[str]:
    """``code`` or ``code:field`` per problem, sorted (the sidecar's ``problems`` form)."""
    return sorted(f"{p.code}:{p.field}" if p.field else p.code for p in problems)


def load_expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        path.with_name(path.name.replace(".eml", ".expected.json")).read_text(encoding="utf-8")
    )
    return data


def soffice_available() -> bool:
    return bool(shutil.which("soffice") or shutil.which("libreoffice"))


def without_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide LibreOffice from PATH, for the cases that show what happens without it."""
    keep = [
        d for d in os.environ.get("PATH", "").split(os.pathsep)
        if not (shutil.which("soffice", path=d) or shutil.which("libreoffice", path=d))
    ]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    assert not soffice_available()
