"""MIME parsing: raw bytes to :class:`~ingest.model.ParsedMail`, never raising.

Two parsers, each for what it does best:

- **The standard library** (``email`` with ``policy.default``) is the primary parser for
  structure, headers, bodies and attachments. We need control over the walk (depth and
  part-count limits, SPEC §8) and the raw decoded bytes of every leaf. It also decodes
  what submissions from Vietnamese users depend on: RFC 2047 encoded-words in headers and
  (non-standard but ubiquitous, Gmail/Outlook) in ``filename="=?utf-8?…?="``, and RFC 2231
  ``filename*=utf-8''%E1%BA%A2nh.jpg`` continuations; Python's codecs know
  ``windows-1258``. mail-parser, by contrast, hands attachments back re-encoded as base64
  text (a full extra copy of every photo), names an unnamed inline part after its
  Content-ID, invents random names for others, and does not tell a lying charset from a
  correct one.
- **mail-parser** (``mailparser.MailParser`` on the same parsed tree, which is what
  ``mailparser.parse_from_bytes`` does internally) runs second and contributes what it
  does well: a categorised defect report (address, date, Received and MIME header
  defects), recovery of MIME parts hidden in a broken multipart epilogue (missing closing
  boundary — we take its text and attachments when the standard library found none), a
  tolerant Date parser used when ``email.utils`` fails, and parsed ``Received`` hops.

Whatever the bytes, :func:`parse_message` returns a ParsedMail; what went wrong is listed
in ``defects`` (the raw message is kept by the caller, so nothing is lost).
"""

from __future__ import annotations

import binascii
import contextlib
import contextvars
import datetime
import email
import email.errors
import email.header
import email.policy
import email.utils
import hashlib
import logging
import mimetypes
import re
import secrets
import unicodedata
from collections.abc import Iterable
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

import pybase64

from ingest.model import Attachment, ParsedMail

log = logging.getLogger(__name__)
# mail-parser logs a WARNING for every part type it does not render ("Email content
# 'png' not handled"); we record real problems as defects, so keep its chatter out of
# the daemon's log.
logging.getLogger("mailparser").setLevel(logging.ERROR)

MAX_FILENAME_CHARS = 150
MAX_HEADERS = 1000
MAX_HEADER_CHARS = 20_000
MAX_DEFECTS = 200

# Declared charsets that decode any byte string, so a UTF-8 message mislabelled with one
# of them ("lying charset", common with old webmail) would silently become mojibake.
_PERMISSIVE_CHARSETS = {
    "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "l1", "iso8859-1",
    "windows-1252", "cp1252", "iso-8859-15", "windows-1258", "cp1258", "windows-1250",
    "iso-8859-2", "windows-1251", "koi8-r",
}
_FALLBACK_CHARSETS = ("utf-8", "windows-1258", "latin-1")
# Labels senders use for what is really the superset (the web's "encoding sniffing" rules,
# WHATWG Encoding §4.2): decoding with the superset loses nothing and fixes the rest.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "big5": "big5hkscs",
    "shift_jis": "cp932", "x-sjis": "cp932", "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252", "latin1": "windows-1252", "us-ascii": "windows-1252",
    "ascii": "windows-1252", "iso-8859-9": "windows-1254", "tis-620": "cp874",
}
_MSGID_RE = re.compile(r"<([^<>\s]{1,900})>")
_UU_BEGIN_RE = re.compile(rb"^begin(?:-base64)? +([0-7]{3,4}) +([^\r\n]{1,1000})\r?$", re.M)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
_EXT_RE = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class _Limits:
    """Counters shared by one walk: parts seen and defects already reported."""

    def __init__(self, max_parts: int, max_depth: int) -> None:
        self.max_parts = max_parts
        self.max_depth = max_depth
        self.parts = 0
        self.parts_cut = False
        self.depth_cut = False


# -- text decoding --------------------------------------------------------------------


def _codec_ok(charset: str) -> bool:
    import codecs

    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):
        return False
    return True


def decode_text(data: bytes, charset: str | None, defects: list[str] | None = None) -> str:
    """Decode body bytes with the declared charset, falling back, never raising.

    Order: the declared charset if Python knows it and it decodes cleanly (except a
    permissive single-byte charset on bytes that are valid non-ASCII UTF-8: then the label
    lies, and UTF-8 wins); then UTF-8 (tolerating a few damaged bytes), windows-1258
    (Vietnamese Windows), and latin-1, which decodes anything.
    """
    cs = (charset or "").strip().strip('"').lower()
    if cs in ("utf8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        cs = "utf-8"
    cs = _SUPERSETS.get(cs, cs)
    note = defects.append if defects is not None else (lambda _s: None)
    if cs and not _codec_ok(cs):
        note(f"unknown_charset: {cs[:40]}")
        cs = ""
    if cs:
        try:
            text = data.decode(cs)
        except (UnicodeDecodeError, LookupError):
            note(f"charset_mismatch: bytes are not {cs}")
        else:
            if cs in _PERMISSIVE_CHARSETS and not data.isascii():
                try:
                    utf8 = data.decode("utf-8")
                except UnicodeDecodeError:
                    return text
                note(f"charset_mismatch: declared {cs}, content is utf-8")
                return utf8
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8", errors="replace")
    # A few broken sequences in otherwise valid UTF-8 (a truncated line): keep UTF-8.
    # Legacy single-byte text almost never forms valid multi-byte sequences, so it fails
    # this test and goes on to windows-1258 / latin-1.
    bad = replaced.count("\ufffd")
    good = sum(1 for c in replaced if ord(c) > 127) - bad
    if good >= 2 * bad:
        return replaced
    for fallback in _FALLBACK_CHARSETS[1:]:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 never fails


def _fix_surrogates(value: str) -> str:
    """Raw 8-bit header bytes come back from ``email`` as surrogate escapes; decode them
    as text (UTF-8 first) instead of showing replacement characters."""
    if not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), None)


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _decode_header_fallback(raw_value: str) -> str:
    """Decode a header that ``policy.default`` could not parse, with the older
    ``email.header`` API and our charset fallbacks (RFC 2047 §6)."""
    try:
        chunks = email.header.decode_header(raw_value)
    except Exception:  # binascii.Error, HeaderParseError, ValueError…
        return _fix_surrogates(raw_value)
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_text(chunk, charset))
        else:
            out.append(_fix_surrogates(chunk))
    return "".join(out)


def _clean_header_text(value: str) -> str:
    value = _nfc(_fix_surrogates(value))
    value = "".join(" " if c in "\r\n\t" else c for c in value if c >= " " or c in "\r\n\t")
    return value.strip()[:MAX_HEADER_CHARS]


# -- file names -----------------------------------------------------------------------


def _extension_for(content_type: str) -> str:
    special = {
        "image/jpeg": ".jpg", "text/plain": ".txt", "application/ms-tnef": ".dat",
        "message/rfc822": ".eml", "image/heic": ".heic", "image/heif": ".heif",
        "application/octet-stream": ".bin",
    }
    ext = special.get(content_type.lower()) or mimetypes.guess_extension(content_type.lower())
    return ext or ".bin"


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A display-safe attachment name: basename only, no ``..``, no absolute path, no
    control or bidi-override characters (a U+202E can make ``gpj.exe`` look like
    ``exe.jpg``), at most ``MAX_FILENAME_CHARS`` characters keeping the extension;
    ``attachment-N.ext`` (from the content type) when nothing usable is left."""
    text = _nfc(_fix_surrogates(name or ""))
    text = "".join(
        c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    )
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").rstrip(". ")
    if text and _WINDOWS_RESERVED.match(text):
        text = f"_{text}"
    if len(text) > MAX_FILENAME_CHARS:
        match = _EXT_RE.search(text)
        ext = match.group(0) if match else ""
        text = text[: MAX_FILENAME_CHARS - len(ext)].rstrip(". ") + ext
    if not text or text.startswith("."):
        text = f"attachment-{index}{_extension_for(content_type)}"
    return text


# -- headers --------------------------------------------------------------------------


def _header_values(msg: Message, defects: list[str]) -> dict[str, list[str]]:
    """Lower-case name to decoded values. Each header is decoded on its own: the
    standard library can raise (IndexError, ValueError, HeaderParseError) on some
    malformed ones (issue 5), which must cost only that header."""
    policy = email.policy.default
    headers: dict[str, list[str]] = {}
    items = list(msg.raw_items())
    if len(items) > MAX_HEADERS:
        defects.append(f"too_many_headers: {len(items)} (kept {MAX_HEADERS})")
        items = items[:MAX_HEADERS]
    for name, raw_value in items:
        key = str(name).strip().lower()
        if not key:
            continue
        raw_text = str(raw_value)
        try:
            value = str(policy.header_fetch_parse(name, raw_text))
        except Exception as e:
            defects.append(f"bad_header: {key}: {type(e).__name__}")
            value = _decode_header_fallback(raw_text)
        else:
            if "\ufffd" in value and "=?" in raw_text:
                # An encoded-word whose charset label is too narrow (gb2312 for GBK text)
                # or wrong: policy.default replaced what it could not decode; our decoder
                # tries the superset and the fallbacks (RFC 2047 §6.2 leaves this to us).
                again = _decode_header_fallback(raw_text)
                if again.count("\ufffd") < value.count("\ufffd"):
                    value = again
        headers.setdefault(key, []).append(_clean_header_text(value))
    return headers


def _first_address(
    msg: Message, name: str, headers: dict[str, list[str]], defects: list[str]
) -> tuple[str, str]:
    """(lower-case address, decoded display name) of the first mailbox in a header,
    using policy.default's RFC 5322 address parser, falling back to ``parseaddr``."""
    raw_values = [str(v) for k, v in msg.raw_items() if str(k).lower() == name.lower()]
    if raw_values:
        try:
            header: Any = email.policy.default.header_fetch_parse(name, raw_values[0])
            addresses = getattr(header, "addresses", None)
            if addresses:
                first = addresses[0]
                addr = _fix_surrogates(str(first.addr_spec or ""))
                return addr.strip().lower(), _clean_header_text(str(first.display_name or ""))
        except Exception as e:
            defects.append(f"bad_address: {name.lower()}: {type(e).__name__}")
    values = headers.get(name.lower()) or []
    if values:
        display, addr = email.utils.parseaddr(values[0])
        return addr.strip().lower(), _clean_header_text(display)
    return "", ""


def _all_addresses(names: Iterable[str], headers: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for name in names:
        for value in headers.get(name, []):
            for _display, addr in email.utils.getaddresses([value]):
                addr = addr.strip().lower()
                if addr and "@" in addr and addr not in out:
                    out.append(addr)
    return out


def _message_ids(value: str) -> list[str]:
    ids = _MSGID_RE.findall(value)
    if not ids:
        # No bracketed id (RFC 5322 §3.6.4 requires them): take a bare token with an "@",
        # without any stray brackets.
        ids = [re.sub(r"[<>]", "", t)[:900] for t in value.split() if "@" in t]
    return [i for i in ids if i]


def _date(
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


# -- body and attachments -------------------------------------------------------------


class _Collected:
    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []


# -- the base64 stash: a fast path for large messages -----------------------------------
#
# The standard library's feed parser works line by line in Python: a 5 MB photo sent as
# base64 is 70,000 lines and costs more than fetching the message over IMAP. Long runs of
# base64 lines can never hold MIME structure (no boundary, no header: the base64
# alphabet has no "-", ":" or space), so before parsing they are swapped for one short
# token line each; a part's payload is put back together from the stash just before it is
# decoded. Small messages are parsed as they are.

_STASH_MIN_BYTES = 256 * 1024
# Whole lines only, possessive: no backtracking, linear even on a 5 MB line without
# a newline (a hostile case the tests include).
_B64_RUN = re.compile(rb"(?m)^(?:[A-Za-z0-9+/]{40,}+={0,2}+\r?\n){64,}+")
_STASH_PREFIX = b"TINBAISTASH"
# A token line: the prefix, 12 random hex digits (per message), a 6-digit run number.
_STASH_TOKEN = re.compile(re.escape(_STASH_PREFIX) + rb"([0-9a-f]{12}\d{6})\r?\n")
_STASH: contextvars.ContextVar[tuple[bytes, dict[bytes, bytes]] | None] = (
    contextvars.ContextVar("tinbai_mime_stash", default=None)
)


def _stash_base64(raw: bytes) -> tuple[bytes, tuple[bytes, dict[bytes, bytes]] | None]:
    """``raw`` with long base64 runs replaced by tokens, and the stash to undo it."""
    if len(raw) < _STASH_MIN_BYTES:
        return raw, None
    nonce = secrets.token_hex(6).encode("ascii")
    prefix = _STASH_PREFIX + nonce
    runs: dict[bytes, bytes] = {}

    def swap(match: re.Match[bytes]) -> bytes:
        key = nonce + b"%06d" % len(runs)
        runs[key] = match.group(0)
        return _STASH_PREFIX + key + b"\n"

    reduced = _B64_RUN.sub(swap, raw)
    return (reduced, (prefix, runs)) if runs else (raw, None)


def _unstash(data: bytes) -> bytes:
    """Put the stashed base64 runs back into ``data`` (bytes of a part or a message)."""
    stash = _STASH.get()
    if stash is None or stash[0] not in data:
        return data
    runs = stash[1]
    return _STASH_TOKEN.sub(lambda m: runs.get(m.group(1), m.group(0)), data)


def _decode_base64_lines(data: bytes) -> bytes:
    """``binascii.a2b_base64(data)``, with a SIMD decoder when padding is only at the end.

    pybase64 decodes about three times faster; it drops line breaks and other bytes
    outside the alphabet as a2b_base64 does, but a2b_base64 stops at the first complete
    padding while pybase64 would not, so mail with "=" before the end keeps the standard
    library's answer.
    """
    pad = data.find(b"=")
    if pad < 0 or not data[pad:].strip(b"=\r\n"):
        return pybase64.b64decode(data, validate=False)
    return binascii.a2b_base64(data)


def _stashed_payload(part: Message) -> bytes | None:
    """The decoded payload of a leaf whose base64 body was stashed, else None.

    Well-formed base64 is decoded straight from the stashed bytes (``a2b_base64`` skips
    the line breaks); anything else gets its original body back and takes the standard
    library's lenient path, so the result never differs from a plain parse.
    """
    stash = _STASH.get()
    if stash is None:
        return None
    body = part.get_payload()
    if not isinstance(body, str) or stash[0].decode("ascii") not in body:
        return None
    original = _unstash(body.encode("ascii", "surrogateescape"))
    if str(part.get("content-transfer-encoding", "")).strip().lower() == "base64":
        with contextlib.suppress(binascii.Error, ValueError):
            return _decode_base64_lines(original)
    part.set_payload(original.decode("ascii", "surrogateescape"))
    return None


def _part_payload(part: Message, defects: list[str]) -> bytes:
    fast = _stashed_payload(part)
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


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("Content-ID")
    except Exception:
        return None
    if not value:
        return None
    text = _fix_surrogates(str(value)).strip()
    ids = _MSGID_RE.findall(text)
    cid = ids[0] if ids else text.strip("<> ")
    return cid[:900] or None


def _walk(
    part: Message, depth: int, limits: _Limits, out: _Collected, defects: list[str]
) -> None:
    """Depth-first walk of the MIME tree within the limits (SPEC §8: memory and time stay
    bounded whatever the nesting or the number of parts)."""
    if limits.parts >= limits.max_parts:
        if not limits.parts_cut:
            limits.parts_cut = True
            defects.append(f"too_many_parts: stopped after {limits.max_parts} MIME parts")
        return
    if depth > limits.max_depth:
        if not limits.depth_cut:
            limits.depth_cut = True
            defects.append(f"too_deep: MIME nesting cut at depth {limits.max_depth}")
        return
    limits.parts += 1
    for d in getattr(part, "defects", []) or []:
        defects.append(f"mime: {type(d).__name__}")
    try:
        ctype = part.get_content_type()
    except Exception:
        ctype = "application/octet-stream"
    if ctype == "message/rfc822" or (part.is_multipart() and not ctype.startswith("multipart/")):
        # An attached email (Outlook "forward as attachment"): kept whole as an .eml
        # attachment; its own text must not be mixed into this message's body.
        _add_attachment(part, "message/rfc822", out, defects, _as_bytes(part, defects))
        return
    if part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list):
            for sub in payload:
                if isinstance(sub, Message):
                    _walk(sub, depth + 1, limits, out, defects)
        return
    if ctype.startswith("multipart/"):
        _recover_multipart(part, ctype, depth, limits, out, defects)
        return
    try:
        disposition = part.get_content_disposition()
    except Exception:
        disposition = None
    filename = _raw_filename(part, defects)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        data = _part_payload(part, defects)
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        if ctype == "text/plain":
            text, uu = _split_uuencoded(data)
            for uu_name, uu_data in uu:
                out.attachments.append(
                    Attachment(
                        filename=safe_filename(uu_name, "application/octet-stream",
                                               len(out.attachments) + 1),
                        content_type=mimetypes.guess_type(uu_name)[0]
                        or "application/octet-stream",
                        payload=uu_data,
                    )
                )
            if uu:
                defects.append(f"uuencoded: {len(uu)} attachment(s) in the text body")
            out.text.append(decode_text(text, charset, defects))
        else:
            out.html.append(decode_text(data, charset, defects))
        return
    _add_attachment(part, ctype, out, defects, _part_payload(part, defects), filename)


def _recover_multipart(
    part: Message, ctype: str, depth: int, limits: _Limits, out: _Collected,
    defects: list[str],
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
                        _walk(sub, depth + 1, limits, out, defects)
            return
    defects.append("multipart_without_parts: content kept as text")
    data = _part_payload(part, defects)
    text = decode_text(data, None, defects)
    (out.html if re.search(r"<(html|body|div|p)\b", text[:5000], re.I) else out.text).append(text)


def _as_bytes(part: Message, defects: list[str]) -> bytes:
    inner = part.get_payload()
    target = inner[0] if isinstance(inner, list) and inner else part
    try:
        if isinstance(target, Message):
            return _unstash(target.as_bytes(policy=email.policy.compat32))
    except Exception as e:
        defects.append(f"bad_attached_message: {type(e).__name__}")
    return b""


def _raw_filename(part: Message, defects: list[str]) -> str | None:
    """The attachment name from Content-Disposition ``filename`` or Content-Type
    ``name``, decoded by policy.default's parameter parser: RFC 2231 ``filename*=``
    (with continuations), RFC 2047 encoded-words inside the quotes (what Gmail and
    Outlook send), and raw 8-bit UTF-8 (which compat32 turns into U+FFFD)."""
    for header_name, param in (("content-disposition", "filename"), ("content-type", "name")):
        for key, value in part.raw_items():
            if str(key).lower() != header_name:
                continue
            try:
                header: Any = email.policy.default.header_fetch_parse(header_name, str(value))
                found = header.params.get(param)
            except Exception as e:
                defects.append(f"bad_filename: {type(e).__name__}")
                found = None
            if found:
                name = _fix_surrogates(str(found))
                return _decode_header_fallback(name) if "=?" in name else name
            break
    try:
        legacy = part.get_filename()
    except Exception as e:
        defects.append(f"bad_filename: {type(e).__name__}")
        return None
    if legacy is None:
        return None
    return _decode_header_fallback(str(legacy)) if "=?" in str(legacy) else str(legacy)


def _add_attachment(
    part: Message,
    ctype: str,
    out: _Collected,
    defects: list[str],
    payload: bytes,
    filename: str | None = None,
) -> None:
    if filename is None:
        filename = _raw_filename(part, defects)
    if ctype == "message/rfc822" and not filename:
        inner = part.get_payload()
        subject = ""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                subject = str(inner[0].get("Subject", "") or "")
            except Exception:
                subject = ""
        filename = f"{subject[:100]}.eml" if subject.strip() else None
    if ctype == "application/ms-tnef" and not filename:
        filename = "winmail.dat"
    content_id = _content_id(part)
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
            content_id=content_id,
            inline=disposition == "inline" or (disposition is None and content_id is not None),
        )
    )


def _split_uuencoded(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Cut ``begin 644 name … end`` blocks (uuencode, as old Outlook Express sent
    attachments inside a text/plain body) out of the text; return the text and the
    decoded files. Damaged lines are skipped, never raised."""
    if b"begin " not in data:
        return data, []
    files: list[tuple[str, bytes]] = []
    out = bytearray()
    pos = 0
    for _ in range(100):
        m = _UU_BEGIN_RE.search(data, pos)
        if m is None:
            break
        end = re.search(rb"^end\r?$", data[m.end():], re.M)
        if end is None:
            break
        block = data[m.end(): m.end() + end.start()]
        decoded = bytearray()
        for line in block.splitlines():
            if not line.strip() or line.strip() == b"`":
                continue
            try:
                decoded += binascii.a2b_uu(line)
            except binascii.Error:
                # Some encoders pad badly: decode the length the line claims.
                try:
                    nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                    decoded += binascii.a2b_uu(line[:nbytes])
                except (binascii.Error, IndexError):
                    continue
        name = m.group(2).decode("utf-8", errors="replace").strip()
        files.append((name, bytes(decoded)))
        out += data[pos: m.start()]
        pos = m.end() + end.end()
    out += data[pos:]
    return bytes(out), files


# -- mail-parser ----------------------------------------------------------------------


def _run_mailparser(msg: Message, defects: list[str]) -> Any:
    """mail-parser's view of the message, or None when it fails (its failure is a
    defect, never an exception for us).

    ``MailParser(msg)`` is given the compat32 tree we already parsed — the same tree
    ``mailparser.parse_from_bytes`` would build (it calls ``email.message_from_bytes``),
    and mail-parser only reads it — so a 20 MB message with photos is parsed once, not
    twice (the line-by-line feedparser is the expensive part).
    """
    try:
        import mailparser

        return mailparser.MailParser(msg)
    except Exception as e:  # MailParserRecursionError, RecursionError and anything else
        defects.append(f"mail-parser: {type(e).__name__}: {str(e)[:200]}")
        return None


def _mailparser_defects(mp: Any) -> list[str]:
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


def _mailparser_recovery(mp: Any, out: _Collected, defects: list[str]) -> None:
    """Take bodies and attachments from mail-parser where the standard library found
    none (mail-parser re-parses parts stranded in the epilogue of a multipart whose
    closing boundary is missing or mangled)."""
    try:
        if not out.text and not out.html:
            plain = [t for t in (mp.text_plain or []) if isinstance(t, str) and t.strip()]
            html = [t for t in (mp.text_html or []) if isinstance(t, str) and t.strip()]
            if plain or html:
                out.text.extend(plain)
                out.html.extend(html)
                defects.append("recovered_by_mail-parser: body")
        if not out.attachments and mp.attachments:
            import base64

            for item in mp.attachments[:100]:
                payload = item.get("payload") or ""
                data = (
                    base64.b64decode(payload, validate=False)
                    if item.get("binary")
                    else str(payload).encode("utf-8", "replace")
                )
                ctype = str(item.get("mail_content_type") or "application/octet-stream")
                cid = item.get("content-id") or None
                out.attachments.append(
                    Attachment(
                        filename=safe_filename(item.get("filename"), ctype,
                                               len(out.attachments) + 1),
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


# -- entry point ----------------------------------------------------------------------


def _digest_id(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@tinbai"


def parse_message(raw: bytes, *, max_parts: int = 500, max_depth: int = 20) -> ParsedMail:
    """Parse one raw RFC 5322 message; never raises for any input.

    Missing Message-ID → ``sha256-<hex of raw>@tinbai`` so the same bytes are recognised
    as a duplicate (issue 5). Text and HTML are NFC-normalised (SPEC §2).
    """
    raw = bytes(raw) if not isinstance(raw, bytes) else raw
    try:
        return _parse(raw, max_parts=max_parts, max_depth=max_depth)
    except Exception as e:  # last resort: the caller keeps the raw message
        log.warning("unparseable message (%s: %s)", type(e).__name__, e)
        return _minimal(raw, f"parse_failed: {type(e).__name__}: {str(e)[:200]}")


def _minimal(raw: bytes, defect: str) -> ParsedMail:
    """A ParsedMail with what the headers alone give, for messages the full parse
    could not handle."""
    defects = [defect]
    headers: dict[str, list[str]] = {}
    try:
        msg = BytesHeaderParser(policy=email.policy.default).parsebytes(raw)
        headers = _header_values(msg, defects)
    except Exception as e:
        defects.append(f"headers_unparseable: {type(e).__name__}")
    ids = _message_ids((headers.get("message-id") or [""])[0])
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


def _parse(raw: bytes, *, max_parts: int, max_depth: int) -> ParsedMail:
    reduced, stash = _stash_base64(raw)
    token = _STASH.set(stash)
    try:
        return _parse_reduced(raw, reduced, max_parts=max_parts, max_depth=max_depth)
    finally:
        _STASH.reset(token)


def _parse_reduced(
    raw: bytes, reduced: bytes, *, max_parts: int, max_depth: int
) -> ParsedMail:
    """:func:`_parse` on ``reduced`` (``raw`` with its base64 runs stashed)."""
    defects: list[str] = []
    try:
        # Structure with the compat32 policy: about ten times faster than policy.default
        # on messages with thousands of parts (policy.default builds header objects for
        # every part), and RFC 2231 parameters are decoded by both. policy.default is
        # then used header by header, where its RFC 2047 / RFC 5322 parsing matters.
        msg: Message = email.message_from_bytes(reduced)
    except RecursionError:
        return _minimal(raw, "too_deep: MIME nesting exceeds the parser's recursion limit")
    headers = _header_values(msg, defects)

    ids = _message_ids((headers.get("message-id") or [""])[0])
    if not ids:
        defects.append("no_message_id")
    message_id = ids[0] if ids else _digest_id(raw)
    from_addr, from_name = _first_address(msg, "From", headers, defects)
    to_addrs = _all_addresses(("to", "cc"), headers)
    irt = _message_ids((headers.get("in-reply-to") or [""])[0])
    references: list[str] = []
    for value in headers.get("references", []):
        references.extend(_message_ids(value))

    out = _Collected()
    limits = _Limits(max_parts=max(1, max_parts), max_depth=max(0, max_depth))
    if not headers and b"\x00" in raw[:4096]:
        # Binary, not RFC 5322 (e.g. an Outlook .msg file, OLE2 magic D0 CF 11 E0):
        # its bytes are no text to extract fields from; the raw file is kept by the caller.
        kind = "Outlook .msg (OLE2)" if raw.startswith(b"\xd0\xcf\x11\xe0") else "binary"
        defects.append(f"not_a_mime_message: {kind}")
    else:
        _walk(msg, 0, limits, out, defects)
    mp: Any = None
    beyond = _count_parts(msg, limits.max_parts) > limits.max_parts
    if not headers and b"\x00" in raw[:4096]:
        pass  # nothing for mail-parser either
    elif limits.parts_cut or limits.depth_cut or beyond:
        # mail-parser walks every part without limits: skip it on hostile structures.
        defects.append("mail-parser skipped: message beyond the MIME limits")
    else:
        mp = _run_mailparser(msg, defects)
    if mp is not None:
        # Recovery only when no limit was hit (checked above): it must not undo a cut.
        _mailparser_recovery(mp, out, defects)
        defects.extend(_mailparser_defects(mp))

    if len(defects) > MAX_DEFECTS:
        defects = [*defects[:MAX_DEFECTS], f"... {len(defects) - MAX_DEFECTS} more defects"]
    # Keep first occurrences only, in order (the same defect per part is noise).
    defects = list(dict.fromkeys(defects))

    return ParsedMail(
        message_id=message_id,
        subject=(headers.get("subject") or [""])[0],
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=to_addrs,
        date=_date(headers, mp, defects),
        in_reply_to=irt[0] if irt else None,
        references=references,
        headers=headers,
        text=_nfc("\n".join(out.text)),
        html=_nfc("\n".join(out.html)),
        attachments=out.attachments,
        defects=defects,
    )


def received_hops(raw: bytes) -> list[dict[str, Any]]:
    """The Received chain as mail-parser parses it (from, by, with, date…), newest
    first; empty when it cannot. For sender checks and logs."""
    try:
        import mailparser

        hops = mailparser.parse_from_bytes(raw).received
        return [dict(h) for h in hops if isinstance(h, dict)]
    except Exception:
        return []


__all__ = ["decode_text", "parse_message", "received_hops", "safe_filename"]
