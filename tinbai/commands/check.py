"""``tinbai check FILE.eml [--json]``: the dry run of one message (SPEC §7).

Parse, classify, read and judge one message as the poller would, without the store's
facts (a thread to fix, earlier bank accounts, earlier photos): nothing is stored and
nothing is sent. Exit status 0 whenever the message was processed, whatever its verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ingest.candidate import caption_for
from ingest.mime import parse_message
from ingest.model import ParsedMail
from ingest.template_labels import FIELD_KEYS
from tinbai.config import Config
from tinbai.evaluate import Reading, read_message
from tinbai.intake import own_addresses
from validators.builtin import Verdict, validate
from validators.problems import FIELD_LABELS


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``check``."""
    p = subparsers.add_parser(
        "check", help="dry run of one message: parse and validate, store nothing"
    )
    p.add_argument("file", metavar="FILE.eml")
    p.add_argument("--json", action="store_true", help="print the SPEC §7 JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, config: Config) -> int:
    """The handler: print the verdict (readable, or the JSON object with ``--json``)."""
    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"tinbai check: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    limits = config.limits
    if len(raw) > limits.max_message_bytes:
        result: dict[str, Any] = {
            "status": "ignored", "disposition": "too_large", "fields": {}, "problems": [],
            "photos": [],
        }
    else:
        mail = parse_message(raw, max_parts=limits.max_mime_parts, max_depth=limits.max_mime_depth)
        result = check_json(mail, config)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_check(result)
    return 0


def _print_check(result: dict[str, Any]) -> None:
    print(f"Trạng thái: {result['status']}"
          + (f" ({result['disposition']})" if result.get("disposition") else ""))
    for key, label in FIELD_LABELS.items():
        value = (result.get("fields") or {}).get(key)
        if value:
            value = " ".join(str(value).split())
            print(f"  {label}: {value[:100]}{'…' if len(value) > 100 else ''}")
    for photo in result.get("photos", []):
        print(f"  Ảnh {photo['file']}: {photo['format']} {photo['width']}x{photo['height']}"
              f" chất lượng≈{photo['quality']} máy={photo['camera']}")
    for problem in result.get("problems", []):
        print(f"  [{problem['severity']}] {problem['code']}: {problem['message']}")


def check_json(mail: ParsedMail, config: Config) -> dict[str, Any]:
    """Read and judge one parsed message as the poller would, without the store's facts;
    the SPEC §7 JSON object."""
    reading = read_message(mail, config, own_addresses=own_addresses(config))
    verdict = validate(reading.candidate, config.validation) if not reading.disposition else (
        Verdict())
    return evaluation_json(reading, verdict)


def photo_entries(reading: Reading, verdict: Verdict) -> list[dict[str, Any]]:
    """The ``photos`` array of the SPEC §7 JSON."""
    entries = []
    for index, photo in enumerate(reading.candidate.photos):
        problems = (
            verdict.photo_problems[index] if index < len(verdict.photo_problems) else []
        )
        entries.append(
            {
                "file": photo.filename,
                "format": photo.format,
                "width": photo.width,
                "height": photo.height,
                "quality": photo.quality,
                "camera": photo.camera,
                "caption": caption_for(reading.candidate, index),
                "problems": [p.as_dict() for p in problems],
            }
        )
    return entries


def evaluation_json(reading: Reading, verdict: Verdict) -> dict[str, Any]:
    """The one JSON object ``tinbai check --json`` prints (SPEC §7)."""
    candidate = reading.candidate
    status = "accepted" if verdict.accepted else "needs_fix"
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
        "status": "ignored" if reading.disposition else status,
        "disposition": reading.disposition,
        "message_id": reading.mail.message_id,
        "subject": reading.mail.subject,
        "sender": reading.mail.from_addr,
        "template_source": candidate.template_source or None,
        "fields": fields,
        "problems": [p.as_dict() for p in verdict.problems],
        "photos": photo_entries(reading, verdict),
    }
