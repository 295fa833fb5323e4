"""MIME parsing: raw bytes to :class:`~ingest.model.ParsedMail`, never raising.

Two parsers, each for what it does best:

- **The standard library** (``email``) is the primary parser for structure, headers,
  bodies and attachments. We need control over the walk (depth and part-count limits,
  SPEC §8) and the raw decoded bytes of every leaf. It also decodes what submissions from
  Vietnamese users depend on: RFC 2047 encoded-words in headers and (non-standard but
  ubiquitous, Gmail/Outlook) in ``filename="=?utf-8?…?="``, and RFC 2231
  ``filename*=utf-8''%E1%BA%A2nh.jpg`` continuations; Python's codecs know
  ``windows-1258``. mail-parser, by contrast, hands attachments back re-encoded as base64
  text (a full extra copy of every photo), names an unnamed inline part after its
  Content-ID, invents random names for others, and does not tell a lying charset from a
  correct one.
- **mail-parser** runs second on the same tree (:mod:`ingest.mailparser_view`): its
  defect report, parts stranded in a broken multipart's epilogue, a tolerant Date parser.

Around them: headers are cut to size before anything decodes them (:mod:`ingest.headers`:
linear time and memory), large base64 bodies skip the line-by-line parser
(:mod:`ingest.base64_stash`, proven equal to the plain parse), charsets are decoded with
fallbacks that are recorded (:mod:`ingest.charsets`), and ``winmail.dat`` is opened
(:mod:`ingest.tnef`).

Whatever the bytes, :func:`parse_message` returns a ParsedMail; what went wrong is listed
in ``defects`` (the raw message is kept by the caller, so nothing is lost).
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import email.utils
import hashlib
import logging
import mimetypes
import re
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

from ingest import base64_stash, mailparser_view
from ingest.attachments import (
    content_id,
    normalize_cte,
    raw_filename,
    safe_filename,
    split_uuencoded,
    unflow,
)
from ingest.charsets import decode_text
from ingest.headers import (
    all_addresses,
    bound_message,
    bound_tree,
    clean_header_text,
    decode_header_fallback,
    first_address,
    header_values,
    message_ids,
    nfc,
    text_charset,
)
from ingest.model import Attachment, ParsedMail
from ingest.tnef import expand_tnef

log = logging.getLogger(__name__)
# mail-parser logs a WARNING for every part type it does not render ("Email content
# 'png' not handled"); we record real problems as defects, so its chatter stays out of
# the daemon's log and off standard error. tinbai.logs leaves this level alone.
MAILPARSER_LOG_LEVEL = logging.ERROR
logging.getLogger("mailparser").setLevel(MAILPARSER_LOG_LEVEL)

MAX_DEFECTS = 200
_TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")


class _Walk:
    """State shared by one walk: limits, parts seen, the charset the text declares."""

    def __init__(self, max_parts: int, max_depth: int, charset: str | None) -> None:
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.charset = charset
        self.parts = 0
        self.parts_cut = False
        self.depth_cut = False


class _Collected:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []


# -- payloads ---------------------------------------------------------------------------


def _part_payload(part: Message, defects: list[str]) -> bytes:
    normalize_cte(part, defects)
    fast = base64_stash.payload(part)
    if fast is not None:
        return fast
    try:
        payload = part.get_payload(decode=True)
    except Exception as e:
        defects.append(f"bad_payload: {type(e).__name__}")
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


# -- the walk ---------------------------------------------------------------------------


def _walk(part: Message, depth: int, walk: _Walk, out: _Collected, defects: list[str]) -> None:
    """Depth-first walk of the MIME tree within the limits (SPEC §8: memory and time stay
    bounded whatever the nesting or the number of parts)."""
    if walk.parts >= walk.max_parts:
        if not walk.parts_cut:
            walk.parts_cut = True
            defects.append(f"too_many_parts: stopped after {walk.max_parts} MIME parts")
        return
    if depth > walk.max_depth:
        if not walk.depth_cut:
            walk.depth_cut = True
            defects.append(f"too_deep: MIME nesting cut at depth {walk.max_depth}")
        return
    walk.parts += 1
    for d in getattr(part, "defects", []) or []:
        defects.append(f"mime: {type(d).__name__}")
    try:
        ctype = part.get_content_type()
    except Exception:
        ctype = "application/octet-stream"
    if ctype == "message/rfc822" or (part.is_multipart() and not ctype.startswith("multipart/")):
        # An attached email (Outlook "forward as attachment"): kept whole as an .eml
        # attachment; its own text must not be mixed into this message's body.
        _add_attachment(part, "message/rfc822", out, walk, defects, _as_bytes(part, defects))
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, depth + 1, walk, out, defects)
        return
    if ctype.startswith("multipart/"):
        _recover_multipart(part, ctype, depth, walk, out, defects)
        return
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    filename = raw_filename(part, walk.charset, defects)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        _add_text(part, ctype, out, defects)
        return
    _add_attachment(part, ctype, out, walk, defects, _part_payload(part, defects), filename)


def _add_text(part: Message, ctype: str, out: _Collected, defects: list[str]) -> None:
    """A text body part: decoded, unflowed, uuencoded files taken out."""
    data = _part_payload(part, defects)
    try:
        charset = part.get_content_charset()
        flowed = str(part.get_param("format", "") or "").lower() == "flowed"
        delsp = str(part.get_param("delsp", "") or "").lower() == "yes"
    except Exception:
        charset, flowed, delsp = None, False, False
    if ctype == "text/html":
        out.html.append(decode_text(data, charset, defects))
        return
    text, uu = split_uuencoded(data)
    for uu_name, uu_data in uu:
        out.attachments.append(
            Attachment(
                filename=safe_filename(uu_name, "application/octet-stream",
                                       len(out.attachments) + 1),
                content_type=mimetypes.guess_type(uu_name)[0] or "application/octet-stream",
                payload=uu_data,
            )
        )
    if uu:
        defects.append(f"uuencoded: {len(uu)} attachment(s) in the text body")
    decoded = decode_text(text, charset, defects)
    out.text.append(unflow(decoded, delsp) if flowed else decoded)


def _recover_multipart(
    part: Message, ctype: str, depth: int, walk: _Walk, out: _Collected, defects: list[str]
) -> None:
    """A multipart whose declared boundary never occurs (spam tools get it wrong):
    re-parse with the first ``--boundary`` line actually found (RFC 2046 §5.1.1), else
    keep the content as text so the sender's words are not lost."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return
    found = re.search(r"^--([ -~]{1,200}?)[ \t]*\r?$", payload, re.M)
    if found and '"' not in found.group(1) and not found.group(1).endswith("--"):
        boundary = found.group(1)
        try:
            fixed = email.message_from_string(
                f'Content-Type: {ctype}; boundary="{boundary}"\n\n{payload}'
            )
        except Exception:
            fixed = None
        if fixed is not None and fixed.is_multipart():
            defects.append("boundary_mismatch: parts recovered with the boundary found")
            subs = fixed.get_payload()
            if isinstance(subs, list):
                for sub in subs:
                    if isinstance(sub, Message):
                        _walk(sub, depth + 1, walk, out, defects)
            return
    defects.append("multipart_without_parts: content kept as text")
    data = _part_payload(part, defects)
    text = decode_text(data, None, defects)
    (out.html if re.search(r"<(html|body|div|p)\b", text[:5000], re.I) else out.text).append(text)


def _as_bytes(part: Message, defects: list[str]) -> bytes:
    """An attached message's bytes as the generator writes them (``\\n`` line breaks,
    also in the stashed runs put back)."""
    inner = part.get_payload()
    target = inner[0] if isinstance(inner, list) and inner else part
    try:
        if isinstance(target, Message):
            return base64_stash.restore(
                target.as_bytes(policy=email.policy.compat32), linesep=b"\n"
            )
    except Exception as e:
        defects.append(f"bad_attached_message: {type(e).__name__}")
    return b""


def _add_attachment(
    part: Message,
    ctype: str,
    out: _Collected,
    walk: _Walk,
    defects: list[str],
    payload: bytes,
    filename: str | None = None,
) -> None:
    if filename is None:
        filename = raw_filename(part, walk.charset, defects)
    if ctype == "message/rfc822" and not filename:
        inner = part.get_payload()
        subject = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                subject = clean_header_text(
                    decode_header_fallback(str(inner[0].get("Subject", "") or ""))
                )
            except Exception:
                subject = ""
        filename = f"{subject[:100]}.eml" if subject.strip() else None
    if ctype in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
        files = expand_tnef(payload, defects)
        if files:  # else the blob is kept as it came (the raw message is kept too)
            for name, data in files:
                guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
                out.attachments.append(Attachment(
                    filename=safe_filename(name, guessed, len(out.attachments) + 1),
                    content_type=guessed, payload=data,
                ))
            return
        filename = filename or "winmail.dat"
    cid = content_id(part)
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    safe = safe_filename(filename, ctype, len(out.attachments) + 1)
    if filename is not None and safe != filename:
        defects.append(f"attachment_name_sanitised: {safe}")
    out.attachments.append(
        Attachment(
            filename=safe,
            content_type=ctype,
            payload=payload,
            content_id=cid,
            inline=disposition == "inline" or (disposition is None and cid is not None),
        )
    )


# -- entry point ----------------------------------------------------------------------


def _digest_id(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@tinbai"


def parse_message(
    raw: bytes, *, max_parts: int = 500, max_depth: int = 20, fast_path: bool | None = None
) -> ParsedMail:
    """Parse one raw RFC 5322 message; never raises for any input.

    Missing Message-ID → ``sha256-<hex of raw>@tinbai`` so the same bytes are recognised
    as a duplicate (issue 5). Text and HTML are NFC-normalised (SPEC §2). ``fast_path``:
    the base64 stash for messages above :data:`ingest.base64_stash.MIN_BYTES` (None),
    always (True) or never (False); the result is the same, only the time differs.
    """
    raw = bytes(raw) if not isinstance(raw, bytes) else raw
    try:
        return _parse(raw, max_parts=max_parts, max_depth=max_depth, fast_path=fast_path)
    except Exception as e:  # last resort: the caller keeps the raw message
        log.warning("unparseable message (%s: %s)", type(e).__name__, e)
        return _minimal(raw, f"parse_failed: {type(e).__name__}: {str(e)[:200]}")


def _minimal(raw: bytes, defect: str) -> ParsedMail:
    """A ParsedMail with what the headers alone give, for messages the full parse
    could not handle."""
    defects = [defect]
    headers: dict[str, list[str]] = {}
    try:
        bounded = bound_message(raw, defects)
        msg = BytesHeaderParser(policy=email.policy.compat32).parsebytes(bounded)
        bound_tree(msg, defects, 1)
        headers = header_values(msg, defects)
    except Exception as e:
        defects.append(f"headers_unparseable: {type(e).__name__}")
    ids = message_ids((headers.get("message-id") or [""])[0])
    display, addr = email.utils.parseaddr((headers.get("from") or [""])[0])
    return ParsedMail(
        message_id=ids[0] if ids else _digest_id(raw),
        subject=(headers.get("subject") or [""])[0],
        from_addr=addr.lower(),
        from_name=display,
        to_addrs=[],
        date=None,
        in_reply_to=None,
        references=[],
        headers=headers,
        text="",
        html="",
        attachments=[],
        defects=defects,
    )


def _count_parts(msg: Message, stop: int) -> int:
    n = 0
    for _ in msg.walk():
        n += 1
        if n > stop:
            break
    return n


def _parse(raw: bytes, *, max_parts: int, max_depth: int, fast_path: bool | None) -> ParsedMail:
    defects: list[str] = []
    bounded = bound_message(raw, defects)
    min_bytes = {None: base64_stash.MIN_BYTES, True: 0, False: len(bounded) + 1}[fast_path]
    reduced, stash = base64_stash.reduce(bounded, min_bytes=min_bytes)
    del bounded
    with base64_stash.active(stash):
        return _parse_reduced(raw, reduced, defects, max_parts=max_parts, max_depth=max_depth)


def _parse_reduced(
    raw: bytes, reduced: bytes, defects: list[str], *, max_parts: int, max_depth: int
) -> ParsedMail:
    """:func:`_parse` on ``reduced`` (``raw`` with its headers bounded and its base64 runs
    stashed)."""
    try:
        # Structure with the compat32 policy: about ten times faster than policy.default
        # on messages with thousands of parts (policy.default builds header objects for
        # every part), and RFC 2231 parameters are decoded by both. policy.default is
        # then used header by header, where its RFC 2047 / RFC 5322 parsing matters.
        msg: Message = email.message_from_bytes(reduced)
    except RecursionError:
        return _minimal(raw, "too_deep: MIME nesting exceeds the parser's recursion limit")
    max_parts = max(1, max_parts)
    bound_tree(msg, defects, max_parts)
    walk = _Walk(max_parts=max_parts, max_depth=max(0, max_depth), charset=text_charset(msg))
    headers = header_values(msg, defects, walk.charset)

    ids = message_ids((headers.get("message-id") or [""])[0])
    if not ids:
        defects.append("no_message_id")
    message_id = ids[0] if ids else _digest_id(raw)
    from_addr, from_name = first_address(msg, "From", headers, defects, walk.charset)
    irt = message_ids((headers.get("in-reply-to") or [""])[0])
    references: list[str] = []
    for value in headers.get("references", []):
        references.extend(message_ids(value))

    out = _Collected()
    binary = not headers and b"\x00" in raw[:4096]
    if binary:
        # Binary, not RFC 5322 (e.g. an Outlook .msg file, OLE2 magic D0 CF 11 E0):
        # its bytes are no text to extract fields from; the raw file is kept by the caller.
        kind = "Outlook .msg (OLE2)" if raw.startswith(b"\xd0\xcf\x11\xe0") else "binary"
        defects.append(f"not_a_mime_message: {kind}")
    else:
        _walk(msg, 0, walk, out, defects)
    mp: Any = None
    if binary:
        pass  # nothing for mail-parser either
    elif walk.parts_cut or walk.depth_cut or _count_parts(msg, max_parts) > max_parts:
        # mail-parser walks every part without limits: skip it on hostile structures.
        defects.append("mail-parser skipped: message beyond the MIME limits")
    else:
        mp = mailparser_view.run(msg, defects)
    if mp is not None:
        # Recovery only when no limit was hit (checked above): it must not undo a cut.
        mailparser_view.recover(mp, out.text, out.html, out.attachments, defects)
        defects.extend(mailparser_view.defects_of(mp))

    if len(defects) > MAX_DEFECTS:
        defects = [*defects[:MAX_DEFECTS], f"... {len(defects) - MAX_DEFECTS} more defects"]
    # Keep first occurrences only, in order (the same defect per part is noise).
    defects = list(dict.fromkeys(defects))

    return ParsedMail(
        message_id=message_id,
        subject=(headers.get("subject") or [""])[0],
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=all_addresses(("to", "cc"), headers),
        date=mailparser_view.message_date(headers, mp, defects),
        in_reply_to=irt[0] if irt else None,
        references=references,
        headers=headers,
        text=nfc("\n".join(out.text)),
        html=nfc("\n".join(out.html)),
        attachments=out.attachments,
        defects=defects,
    )


def received_hops(raw: bytes) -> list[dict[str, Any]]:
    """The Received chain as mail-parser parses it (from, by, with, date…), newest
    first; empty when it cannot. For sender checks and logs. Only the header block is
    parsed, bounded as in :func:`parse_message`."""
    try:
        import mailparser

        headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(
            bound_message(raw, [])
        )
        bound_tree(headers, [], 1)
        hops = mailparser.MailParser(headers).received
        return [dict(h) for h in hops if isinstance(h, dict)]
    except Exception:
        return []


__all__ = ["decode_text", "parse_message", "received_hops", "safe_filename"]
