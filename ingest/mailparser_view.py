"""mail-parser's second opinion on a parsed tree: defects, stranded parts, dates.

**mail-parser** (``mailparser.MailParser`` on the tree :mod:`ingest.mime` parsed, which
is what ``mailparser.parse_from_bytes`` does internally) contributes what it does well: a
categorised defect report (address, date, Received and MIME header defects), recovery of
MIME parts hidden in a broken multipart epilogue (missing closing boundary — we take its
text and attachments when the standard library found none), a tolerant Date parser used
when ``email.utils`` fails, and parsed ``Received`` hops.
"""

from __future__ import annotations

import datetime
import email.utils
from email.message import Message
from typing import Any

from ingest import base64_stash
from ingest.attachments import safe_filename
from ingest.model import Attachment


def run(msg: Message, defects: list[str]) -> Any:
    """mail-parser's view of the message, or None when it fails (its failure is a
    defect, never an exception for us).

    ``MailParser(msg)`` is given the compat32 tree we already parsed — the same tree
    ``mailparser.parse_from_bytes`` would build (it calls ``email.message_from_bytes``),
    and mail-parser only reads it — so a 20 MB message with photos is parsed once, not
    twice (the line-by-line feedparser is the expensive part). Epilogues, where
    mail-parser finds stranded parts, get their stashed base64 back first.
    """
    for part in msg.walk():
        if isinstance(part.epilogue, str):
            part.epilogue = base64_stash.restore_text(part.epilogue)
    try:
        import mailparser

        return mailparser.MailParser(msg)
    except Exception as e:  # MailParserRecursionError, RecursionError and anything else
        defects.append(f"mail-parser: {type(e).__name__}: {str(e)[:200]}")
        return None


def defects_of(mp: Any) -> list[str]:
    out: list[str] = []
    try:
        for entry in mp.defects or []:
            if isinstance(entry, dict):
                for category, details in entry.items():
                    for detail in details if isinstance(details, list) else [details]:
                        out.append(f"mail-parser: {category}: {str(detail)[:200]}")
            else:
                out.append(f"mail-parser: {str(entry)[:200]}")
    except Exception as e:
        out.append(f"mail-parser: defects unavailable: {type(e).__name__}")
    return out


def recover(
    mp: Any, text: list[str], html: list[str], attachments: list[Attachment],
    defects: list[str],
) -> None:
    """Take bodies and attachments from mail-parser where the standard library found
    none (mail-parser re-parses parts stranded in the epilogue of a multipart whose
    closing boundary is missing or mangled); appended to the lists given."""
    try:
        if not text and not html:
            plain = [t for t in (mp.text_plain or []) if isinstance(t, str) and t.strip()]
            html = [t for t in (mp.text_html or []) if isinstance(t, str) and t.strip()]
            if plain or html:
                text.extend(plain)
                html.extend(html)
                defects.append("recovered_by_mail-parser: body")
        if not attachments and mp.attachments:
            import base64

            for item in mp.attachments[:100]:
                payload = item.get("payload") or ""
                data = (
                    base64.b64decode(base64_stash.restore_text(str(payload)), validate=False)
                    if item.get("binary")
                    else str(payload).encode("utf-8", "replace")
                )
                ctype = str(item.get("mail_content_type") or "application/octet-stream")
                cid = item.get("content-id") or None
                attachments.append(
                    Attachment(
                        filename=safe_filename(item.get("filename"), ctype,
                                               len(attachments) + 1),
                        content_type=ctype,
                        payload=data,
                        content_id=str(cid).strip("<> ") if cid else None,
                        inline=cid is not None
                        and "attachment" not in str(item.get("content-disposition") or ""),
                    )
                )
            defects.append("recovered_by_mail-parser: attachments")
    except Exception as e:
        defects.append(f"mail-parser recovery failed: {type(e).__name__}")


# -- dates ----------------------------------------------------------------------------


def message_date(
    headers: dict[str, list[str]], mp: Any, defects: list[str]
) -> datetime.datetime | None:
    value = (headers.get("date") or [""])[0]
    if value:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=datetime.UTC)
            return parsed
        defects.append("bad_date: unparseable Date header")
    # mail-parser's tolerant parser (dates.py) as a second opinion.
    try:
        candidate = mp.date if mp is not None else None
    except Exception:
        candidate = None
    if isinstance(candidate, datetime.datetime):
        return candidate if candidate.tzinfo else candidate.replace(tzinfo=datetime.UTC)
    return None


__all__ = ["defects_of", "message_date", "recover", "run"]
