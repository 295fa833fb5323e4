"""Header fields: bounded before any decoding, then decoded one by one, never raising.

Why bound first: ``email.policy.default``'s header parser (RFC 2047 / RFC 5322) costs
memory with the square of a header's length — a 209 KB Subject of folded encoded words
peaked at 440 MB, a 1.7 MB one at over 20 GB. Cutting each raw field to
:data:`MAX_FIELD_BYTES` and the whole block to :data:`MAX_BLOCK_BYTES` *before* the
parser sees them makes header parsing linear in time and memory (benchmarks/memory.py).

- :func:`bound_message` cuts the top-level header block in the raw bytes, and every
  over-long ``Content-*`` field of a part's header block (the feed parser itself reads
  ``Content-Type`` parameters, with a cost quadratic in their number), before parsing.
- :func:`bound_tree` cuts what is left over-long in every part of the parsed tree (part
  headers other than ``Content-*``), before anything decodes them.

Cuts fall on a fold (a line break) where there is one, so encoded-words stay whole; each
cut is a defect, and the raw message is kept by the caller.
"""

from __future__ import annotations

import email.header
import email.policy
import email.utils
import re
import unicodedata
from collections.abc import Iterable
from email.message import Message
from typing import Any

from ingest.charsets import decode_header_bytes, decode_text

#: One raw header field (name, value and its folded lines), in bytes.
MAX_FIELD_BYTES = 32 * 1024
#: A ``Content-*`` field: the standard library reads their parameters with a cost
#: quadratic in their number (``email.message._parseparam``), the feed parser included.
MAX_CONTENT_FIELD_BYTES = 8 * 1024
#: One raw header block, in bytes (the fields below are always kept, cut to size).
MAX_BLOCK_BYTES = 256 * 1024
#: Fields of one header block.
MAX_HEADERS = 1000
#: Longer values are decoded with ``email.header`` (linear) instead of policy.default,
#: whose parser costs memory with the square of the length (about 11 MB at 30 KB).
POLICY_MAX_CHARS = 4096
#: A decoded header value, in characters.
MAX_HEADER_CHARS = 20_000
#: Kept beyond the block budget (first occurrence, cut to ``_ESSENTIAL_BYTES``): what
#: identifies, threads, routes and classifies a message.
_ESSENTIAL = frozenset({
    "from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references",
    "reply-to", "sender", "return-path", "mime-version", "content-type",
    "content-transfer-encoding", "content-disposition", "auto-submitted", "precedence",
    "list-id", "list-unsubscribe", "list-post", "x-spam-flag", "x-spam-status",
    "authentication-results", "x-autoreply", "x-autorespond",
})
_ESSENTIAL_BYTES = 8 * 1024
# The feed parser's idea of a header line (email.feedparser.headerRE).
_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")
_CONTENT_FIELD = re.compile(rb"(?mi)^content-[a-z0-9-]*[ \t]*:")
_MSGID_RE = re.compile(r"<([^<>\s]{1,900})>")


# -- bounding, in bytes -----------------------------------------------------------------


def _field_end(raw: bytes, start: int) -> int:
    """Where the field starting at ``start`` ends: after its last continuation line."""
    n = len(raw)
    nl = raw.find(b"\n", start)
    pos = n if nl < 0 else nl + 1
    while pos < n and raw[pos] in (0x20, 0x09):
        nl = raw.find(b"\n", pos)
        pos = n if nl < 0 else nl + 1
    return pos


def _cut(raw: bytes, start: int, end: int, limit: int) -> bytes:
    """``raw[start:end]`` cut to about ``limit`` bytes on a fold, ending with a line
    break (a field whose first line alone is longer is cut at a space, else hard)."""
    stop = start + limit
    nl = raw.rfind(b"\n", start, stop)
    if nl > start:
        return raw[start: nl + 1]
    space = raw.rfind(b" ", start, stop)
    cut_at = space if space > start + limit // 2 else stop
    eol = b"\r\n" if raw[end - 2: end] == b"\r\n" else b"\n"
    return raw[start:cut_at] + eol


def _field_name(raw: bytes, start: int, end: int) -> str:
    colon = raw.find(b":", start, min(end, start + 200))
    return raw[start:colon].strip().decode("ascii", "replace").lower() if colon > 0 else ""


def _top_block(raw: bytes, defects: list[str]) -> tuple[bytes, int] | None:
    """The top-level header block cut to size and where the rest starts, or None when
    the block is within bounds."""
    blank = re.search(rb"\n\r?\n", raw)
    block_end = blank.start() + 1 if blank else len(raw)
    if block_end <= MAX_FIELD_BYTES:
        return None
    fields: list[tuple[int, int]] = []
    pos, n = 0, len(raw)
    while pos < block_end and pos < n:
        if raw[pos] in (0x20, 0x09) and fields:  # a continuation line of the last field
            nl = raw.find(b"\n", pos)
            pos = n if nl < 0 else nl + 1
            fields[-1] = (fields[-1][0], pos)
            continue
        if not _HEADER_LINE.match(raw, pos):
            break  # the body starts without a blank line (the parser's defect)
        end = _field_end(raw, pos)
        fields.append((pos, end))
        pos = end
    if not fields:
        return None
    out: list[bytes] = []
    total = 0
    kept_essential: set[str] = set()
    too_long = dropped = 0
    for start, end in fields:
        name = _field_name(raw, start, end)
        essential = name in _ESSENTIAL and name not in kept_essential
        over = total + min(end - start, MAX_FIELD_BYTES) > MAX_BLOCK_BYTES
        if (over or len(out) >= MAX_HEADERS - len(_ESSENTIAL)) and not essential:
            dropped += 1
            continue
        limit = min(_limit(name), MAX_FIELD_BYTES if total < MAX_BLOCK_BYTES else
                    _ESSENTIAL_BYTES)
        piece = raw[start:end] if end - start <= limit else _cut(raw, start, end, limit)
        if len(piece) < end - start:
            too_long += 1
            defects.append(f"header_truncated: {name[:60]} ({end - start} bytes, kept "
                           f"{len(piece)})")
        if name in _ESSENTIAL:
            kept_essential.add(name)
        out.append(piece)
        total += len(piece)
    if dropped:
        defects.append(f"header_block_too_large: {dropped} field(s) dropped "
                       f"({block_end} bytes of headers)")
    if not too_long and not dropped:
        return None
    return b"".join(out), pos


def bound_message(raw: bytes, defects: list[str]) -> bytes:
    """``raw`` with its top-level header block and over-long ``Content-*`` fields cut
    to size (``raw`` itself, not a copy, when nothing is over-long)."""
    top = _top_block(raw, defects)
    head, rest = (top[0], top[1]) if top else (b"", 0)
    pieces: list[bytes] = [head] if top else []
    pos = rest
    for match in _CONTENT_FIELD.finditer(raw, rest):
        start = match.start()
        if start < pos:
            continue
        end = _field_end(raw, start)
        if end - start <= MAX_CONTENT_FIELD_BYTES:
            continue
        name = _field_name(raw, start, end)
        pieces.append(raw[pos:start])
        piece = _cut(raw, start, end, MAX_CONTENT_FIELD_BYTES)
        pieces.append(piece)
        defects.append(f"header_truncated: {name[:60]} ({end - start} bytes, kept "
                       f"{len(piece)})")
        pos = end
    if not pieces:
        return raw
    pieces.append(raw[pos:])
    return b"".join(pieces)


# -- bounding, in the parsed tree ---------------------------------------------------------


def _limit(name: str) -> int:
    return MAX_CONTENT_FIELD_BYTES if name.lower().startswith("content-") else MAX_FIELD_BYTES


def bound_tree(msg: Message, defects: list[str], max_parts: int) -> None:
    """Cut over-long header values and surplus fields in every part (up to
    ``max_parts``) of a compat32 tree, before anything decodes them."""
    for count, part in enumerate(msg.walk()):
        if count >= max_parts:
            break
        items = list(part.raw_items())
        if len(items) <= MAX_HEADERS and all(len(v) <= _limit(k) for k, v in items):
            continue
        kept: list[tuple[str, str]] = []
        for name, value in items[:MAX_HEADERS]:
            text, limit = str(value), _limit(name)
            if len(text) > limit:
                fold = text.rfind("\n", 0, limit)
                text = text[: fold if fold > 0 else limit]
                defects.append(f"header_truncated: {str(name).lower()[:60]} ({len(value)} "
                               f"characters, kept {len(text)})")
            kept.append((name, text))
        if len(items) > MAX_HEADERS:
            defects.append(f"too_many_headers: {len(items)} (kept {MAX_HEADERS})")
        for name in {name.lower() for name, _ in items}:
            del part[name]
        for name, text in kept:
            part.set_raw(name, text)


# -- decoding -------------------------------------------------------------------------------


def has_raw_8bit(value: str) -> bool:
    """Whether a compat32 value holds raw 8-bit bytes (as surrogate escapes)."""
    return any("\udc80" <= c <= "\udcff" for c in value)


def fix_surrogates(value: str, charset: str | None = None,
                   defects: list[str] | None = None, name: str = "header") -> str:
    """Raw 8-bit bytes that ``email`` kept as surrogate escapes, decoded as text (UTF-8,
    else ``charset``, else windows-1258) instead of shown as replacement characters."""
    if not has_raw_8bit(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    return decode_header_bytes(data, charset, defects if defects is not None else [], name)


def nfc(value: str) -> str:
    """NFC, the normal form every stored text has (SPEC §2)."""
    return unicodedata.normalize("NFC", value)


def decode_header_fallback(raw_value: str, charset: str | None = None) -> str:
    """Decode a header that ``policy.default`` could not parse, with the older
    ``email.header`` API and our charset fallbacks (RFC 2047 §6)."""
    try:
        chunks = email.header.decode_header(raw_value)
    except Exception:  # binascii.Error, HeaderParseError, ValueError…
        return fix_surrogates(raw_value, charset)
    out: list[str] = []
    for chunk, chunk_charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_text(chunk, chunk_charset or charset))
        else:
            out.append(fix_surrogates(chunk, charset))
    return "".join(out)


def clean_header_text(value: str) -> str:
    """One line, no control characters, NFC, at most :data:`MAX_HEADER_CHARS`."""
    value = nfc(fix_surrogates(value))
    value = "".join(" " if c in "\r\n\t" else c for c in value if c >= " " or c in "\r\n\t")
    return value.strip()[:MAX_HEADER_CHARS]


def _decoded(name: str, raw_text: str, charset: str | None, defects: list[str]) -> str:
    key = name.strip().lower()
    if has_raw_8bit(raw_text):
        raw_text = fix_surrogates(raw_text, charset, defects, key)
    if len(raw_text) > POLICY_MAX_CHARS:
        return decode_header_fallback(raw_text, charset)  # linear, see POLICY_MAX_CHARS
    try:
        value = str(email.policy.default.header_fetch_parse(name, raw_text))
    except Exception as e:
        defects.append(f"bad_header: {key}: {type(e).__name__}")
        return decode_header_fallback(raw_text, charset)
    if "\ufffd" in value and "=?" in raw_text:
        # An encoded-word whose charset label is too narrow (gb2312 for GBK text) or
        # wrong: policy.default replaced what it could not decode; our decoder tries the
        # superset and the fallbacks (RFC 2047 §6.2 leaves this to us).
        again = decode_header_fallback(raw_text, charset)
        if again.count("\ufffd") < value.count("\ufffd"):
            value = again
    return value


def header_values(
    msg: Message, defects: list[str], charset: str | None = None
) -> dict[str, list[str]]:
    """Lower-case name to decoded values. Each header is decoded on its own: the
    standard library can raise (IndexError, ValueError, HeaderParseError) on some
    malformed ones, which must cost only that header. ``charset`` is the one declared
    for the message's text, for raw 8-bit headers."""
    headers: dict[str, list[str]] = {}
    items = list(msg.raw_items())
    if len(items) > MAX_HEADERS:
        defects.append(f"too_many_headers: {len(items)} (kept {MAX_HEADERS})")
        items = items[:MAX_HEADERS]
    for name, raw_value in items:
        key = str(name).strip().lower()
        if not key:
            continue
        value = _decoded(str(name), str(raw_value)[:MAX_FIELD_BYTES], charset, defects)
        headers.setdefault(key, []).append(clean_header_text(value))
    return headers


def first_address(
    msg: Message, name: str, headers: dict[str, list[str]], defects: list[str],
    charset: str | None = None,
) -> tuple[str, str]:
    """(lower-case address, decoded display name) of the first mailbox in a header,
    using policy.default's RFC 5322 address parser, falling back to ``parseaddr``."""
    raw_values = [str(v) for k, v in msg.raw_items() if str(k).lower() == name.lower()]
    if raw_values:
        raw_text = raw_values[0][:POLICY_MAX_CHARS]
        if has_raw_8bit(raw_text):
            raw_text = fix_surrogates(raw_text, charset, [], name.lower())
        try:
            header: Any = email.policy.default.header_fetch_parse(name, raw_text)
            addresses = getattr(header, "addresses", None)
            if addresses:
                first = addresses[0]
                addr = fix_surrogates(str(first.addr_spec or ""))
                return addr.strip().lower(), clean_header_text(str(first.display_name or ""))
        except Exception as e:
            defects.append(f"bad_address: {name.lower()}: {type(e).__name__}")
    values = headers.get(name.lower()) or []
    if values:
        display, addr = email.utils.parseaddr(values[0])
        return addr.strip().lower(), clean_header_text(display)
    return "", ""


def all_addresses(names: Iterable[str], headers: dict[str, list[str]]) -> list[str]:
    """Every distinct address in the named headers, lower-case, in order."""
    out: list[str] = []
    for name in names:
        for value in headers.get(name, []):
            for _display, addr in email.utils.getaddresses([value]):
                addr = addr.strip().lower()
                if addr and "@" in addr and addr not in out:
                    out.append(addr)
    return out


def message_ids(value: str) -> list[str]:
    """The ids of a Message-ID, In-Reply-To or References value, without brackets."""
    ids = _MSGID_RE.findall(value)
    if not ids:
        # No bracketed id (RFC 5322 §3.6.4 requires them): take a bare token with an "@",
        # without any stray brackets.
        ids = [re.sub(r"[<>]", "", t)[:900] for t in value.split() if "@" in t]
    return [i for i in ids if i]


def text_charset(msg: Message, max_parts: int = 50) -> str | None:
    """The charset the message declares for its text: the first ``text/*`` part's
    (or the top level's) ``charset`` parameter, for raw 8-bit headers."""
    for count, part in enumerate(msg.walk()):
        if count >= max_parts:
            break
        try:
            if part.get_content_maintype() not in ("text", "multipart"):
                continue
            charset = part.get_content_charset()
        except Exception:
            continue
        if charset and charset not in ("us-ascii", "ascii"):
            return str(charset)
    return None


__all__ = [
    "MAX_BLOCK_BYTES",
    "MAX_CONTENT_FIELD_BYTES",
    "MAX_FIELD_BYTES",
    "MAX_HEADERS",
    "MAX_HEADER_CHARS",
    "all_addresses",
    "bound_message",
    "bound_tree",
    "clean_header_text",
    "decode_header_fallback",
    "first_address",
    "fix_surrogates",
    "has_raw_8bit",
    "header_values",
    "message_ids",
    "nfc",
    "text_charset",
]
