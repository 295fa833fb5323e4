"""One part's name, id and encoding; files hidden in text; flowed text.

Helpers of :mod:`ingest.mime` that work on one MIME part.
"""

from __future__ import annotations

import binascii
import email.policy
import mimetypes
import re
import unicodedata
from email.message import Message
from typing import Any

from ingest.headers import decode_header_fallback, fix_surrogates, nfc

MAX_FILENAME_CHARS = 150
_UU_BEGIN_RE = re.compile(rb"^begin(?:-base64)? +([0-7]{3,4}) +([^\r\n]{1,1000})\r?$", re.M)
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
_EXT_RE = re.compile(r"\.[A-Za-z0-9]{1,10}$")
_MSGID_RE = re.compile(r"<([^<>\s]{1,900})>")
# Content-Transfer-Encoding values as written (RFC 2045 §6.1 tokens, case-insensitive),
# after stray spaces, quotes and comments are taken off.
_CTE_COMMENT = re.compile(r"\([^()]*\)")


def extension_for(content_type: str) -> str:
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
    text = nfc(fix_surrogates(name or ""))
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
        text = f"attachment-{index}{extension_for(content_type)}"
    return text


def split_uuencoded(data: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
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


def normalize_cte(part: Message, defects: list[str]) -> None:
    """``Content-Transfer-Encoding`` as its bare token (RFC 2045 §6.1), in place.

    The standard library compares the value exactly (lower-cased), so ``base64 `` with a
    trailing space, ``"base64"`` or ``base64 (photo)`` would leave a JPEG as base64 text.
    """
    value = part.get("content-transfer-encoding")
    if value is None:
        return
    raw = str(value)
    token = _CTE_COMMENT.sub("", raw).strip().strip("\"'").strip().lower()
    if token != raw.lower():
        part.replace_header("content-transfer-encoding", token)
        defects.append(f"odd_transfer_encoding: {raw.strip()[:40]}")


def content_id(part: Message) -> str | None:
    try:
        value = part.get("Content-ID")
    except Exception:
        return None
    if not value:
        return None
    text = fix_surrogates(str(value)).strip()
    ids = _MSGID_RE.findall(text)
    cid = ids[0] if ids else text.strip("<> ")
    return cid[:900] or None


def raw_filename(part: Message, charset: str | None, defects: list[str]) -> str | None:
    """The attachment name from Content-Disposition ``filename`` or Content-Type
    ``name``, decoded by policy.default's parameter parser: RFC 2231 ``filename*=``
    (with continuations), RFC 2047 encoded-words inside the quotes (what Gmail and
    Outlook send), and raw 8-bit names (UTF-8, else the text's charset)."""
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
                name = fix_surrogates(str(found), charset, defects, "filename")
                return decode_header_fallback(name, charset) if "=?" in name else name
            break
    try:
        legacy = part.get_filename()
    except Exception as e:
        defects.append(f"bad_filename: {type(e).__name__}")
        return None
    if legacy is None:
        return None
    name = fix_surrogates(str(legacy), charset, defects, "filename")
    return decode_header_fallback(name, charset) if "=?" in name else name


def unflow(text: str, delsp: bool) -> str:
    """Undo ``format=flowed`` (RFC 3676 §4.2, as Thunderbird and Apple Mail send text):
    a line ending in a space continues on the next line of the same quote depth; one
    leading space of a line is stuffing. The signature separator ``-- `` stays a line."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content.removeprefix(" ")
        if pending is not None and depth != pending_depth:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
            pending = None
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        joined = (pending or "") + content
        if flowed:
            pending, pending_depth = joined, depth
            continue
        out.append(">" * depth + (" " if depth and joined else "") + joined)
        pending = None
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


__all__ = [
    "MAX_FILENAME_CHARS",
    "content_id",
    "extension_for",
    "normalize_cte",
    "raw_filename",
    "safe_filename",
    "split_uuencoded",
    "unflow",
]
