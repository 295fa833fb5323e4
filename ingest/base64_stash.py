"""The base64 stash: a fast path for large messages, equivalent to the plain parse.

The standard library's feed parser works line by line in Python: a 5 MB photo sent as
base64 is 70,000 lines and costs more than fetching the message over IMAP. Long runs of
base64 lines can never hold MIME structure (no boundary, no header: the base64 alphabet
has no "-", ":" or space), so before parsing each run is swapped for one short token; a
part's payload is put back together from the stash just before it is decoded.

What makes it equivalent (the property test in tests/test_wire_shapes.py checks it over
every client and wire shape):

- A run is whole lines **without its last line break**. The line break before a boundary
  belongs to the boundary (RFC 2046 §5.1.1: ``CRLF "--" boundary``), and the parser drops
  it from the part; Gmail writes the boundary right after the last base64 line, so a
  token that owned that line break would lose it and never be found again. Leaving the
  line break in the message gives the parser exactly the line structure it would have
  seen, and a token the same bytes the run would have had.
- Tokens have a fixed length and carry a random per-message nonce, so text a sender
  wrote cannot be mistaken for one.
- A run is kept as a span of the raw message, not a copy: memory stays near the size of
  the message (benchmarks/memory.py).
- Only well-formed base64 (length a multiple of four, padding only at the end) is
  decoded here, with the same strict check ``base64.b64decode(validate=True)`` applies
  first in the standard library's ``decode_b``; anything else gets its original body back
  and takes the standard library's lenient path, so the bytes never differ.
"""

from __future__ import annotations

import binascii
import contextlib
import contextvars
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pybase64

#: Messages smaller than this are parsed as they are (the stash would not pay off).
MIN_BYTES = 256 * 1024
#: Whole lines of at least 40 base64 characters, 64 or more in a row, possessive: no
#: backtracking, linear even on a 5 MB line without a newline (a hostile case the tests
#: include). The last line break is given back to the message (see the module doc).
_B64_RUN = re.compile(rb"(?m)^(?:[A-Za-z0-9+/]{40,}+={0,2}+\r?\n){64,}+")
PREFIX = b"TINBAISTASH"
# A token: the prefix, 12 random hex digits (per message), a 6-digit run number.
_TOKEN = re.compile(re.escape(PREFIX) + rb"([0-9a-f]{12}\d{6})")
_EOL = re.compile(rb"\r\n|\r|\n")
# Base64 letters and line breaks; the last piece may end with the padding.
_PLAIN = re.compile(rb"[A-Za-z0-9+/\r\n]*+")
_LAST = re.compile(rb"[A-Za-z0-9+/\r\n]*+(?:=[\r\n]*+){0,2}+")


def _letters(data: bytes, start: int, end: int) -> int:
    """Characters of ``data[start:end]`` that are not line breaks."""
    return end - start - data.count(b"\n", start, end) - data.count(b"\r", start, end)
_ACTIVE: contextvars.ContextVar[Stash | None] = contextvars.ContextVar(
    "tinbai_base64_stash", default=None
)


@dataclass
class Stash:
    """The runs taken out of one message: token key to a span of ``source``."""

    source: bytes
    nonce: bytes
    spans: dict[bytes, tuple[int, int]] = field(default_factory=dict)

    @property
    def marker(self) -> bytes:
        """The bytes every token of this message starts with."""
        return PREFIX + self.nonce

    def _run(self, key: bytes) -> memoryview | None:
        span = self.spans.get(key)
        return None if span is None else memoryview(self.source)[span[0]: span[1]]

    def restore(self, data: bytes, linesep: bytes | None = None) -> bytes:
        """``data`` with this message's tokens replaced by their runs; with ``linesep``,
        the runs' line breaks are written as ``linesep`` (what the standard library's
        generator does to every body line)."""
        if self.marker not in data:
            return data

        def put_back(match: re.Match[bytes]) -> bytes:
            run = self._run(match.group(1))
            if run is None:
                return match.group(0)
            return _EOL.sub(linesep, run) if linesep is not None else bytes(run)

        return _TOKEN.sub(put_back, data)

    def _clean_base64(self, body: bytes) -> bytes | None:
        """``body`` with its runs put back, when it is well-formed base64: only the
        alphabet and line breaks, "=" only at the very end, a multiple of four
        characters; else None. Checked in place on the raw message (no copy of a run
        but the one returned)."""
        pieces: list[bytes | memoryview] = []
        count = pos = 0
        for match in _TOKEN.finditer(body):
            span = self.spans.get(match.group(1))
            if span is None:
                return None
            gap = body[pos: match.start()]
            if not _PLAIN.fullmatch(gap) or not _PLAIN.fullmatch(self.source, *span):
                return None
            count += _letters(gap, 0, len(gap)) + _letters(self.source, *span)
            pieces += [gap, memoryview(self.source)[span[0]: span[1]]]
            pos = match.end()
        tail = body[pos:]
        if not _LAST.fullmatch(tail):
            return None
        count += _letters(tail, 0, len(tail))
        if count % 4:
            return None
        pieces.append(tail)
        return b"".join(pieces)

    def payload(self, part: Message) -> bytes | None:
        """The decoded payload of a leaf whose body holds tokens, else None.

        Well-formed base64 is decoded straight from the stashed spans; any other body is
        restored in ``part`` for the standard library's lenient path.
        """
        # The payload as parsed: get_payload() would turn raw 8-bit bytes into U+FFFD.
        body = vars(part).get("_payload")
        if not isinstance(body, str) or self.marker.decode("ascii") not in body:
            return None
        data = body.encode("ascii", "surrogateescape")
        if str(part.get("content-transfer-encoding", "")).lower() == "base64":
            encoded = self._clean_base64(data)
            if encoded is not None:
                with contextlib.suppress(binascii.Error, ValueError):
                    # Checked above as the strict first try of the standard library's
                    # decode_b (validate=True) checks it; only line breaks are left to skip.
                    return pybase64.b64decode(encoded, validate=False)
        part.set_payload(self.restore(data).decode("ascii", "surrogateescape"))
        return None


def reduce(raw: bytes, *, min_bytes: int = MIN_BYTES) -> tuple[bytes, Stash | None]:
    """``raw`` with its long base64 runs replaced by tokens, and the stash that undoes it
    (None, and ``raw`` itself, when the message is small or has no run)."""
    if len(raw) < min_bytes:
        return raw, None
    stash = Stash(source=raw, nonce=secrets.token_hex(6).encode("ascii"))
    pieces: list[bytes] = []
    pos = 0
    for match in _B64_RUN.finditer(raw):
        end = match.end() - (2 if raw[match.end() - 2: match.end()] == b"\r\n" else 1)
        key = stash.nonce + b"%06d" % len(stash.spans)
        stash.spans[key] = (match.start(), end)
        pieces.append(raw[pos: match.start()])
        pieces.append(PREFIX + key)
        pos = end  # the run's last line break stays in the message
    if not stash.spans:
        return raw, None
    pieces.append(raw[pos:])
    return b"".join(pieces), stash


@contextlib.contextmanager
def active(stash: Stash | None) -> Iterator[None]:
    """Make ``stash`` the one :func:`payload` and :func:`restore` use (per context)."""
    token = _ACTIVE.set(stash)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def payload(part: Message) -> bytes | None:
    """:meth:`Stash.payload` with the active stash; None without one."""
    stash = _ACTIVE.get()
    return None if stash is None else stash.payload(part)


def restore(data: bytes, linesep: bytes | None = None) -> bytes:
    """:meth:`Stash.restore` with the active stash; ``data`` unchanged without one."""
    stash = _ACTIVE.get()
    return data if stash is None else stash.restore(data, linesep)


def restore_text(text: str) -> str:
    """:func:`restore` on text taken from the parsed tree (an epilogue, a payload)."""
    stash = _ACTIVE.get()
    if stash is None or stash.marker.decode("ascii") not in text:
        return text
    return stash.restore(text.encode("ascii", "surrogateescape")).decode(
        "ascii", "surrogateescape"
    )


__all__ = ["MIN_BYTES", "Stash", "active", "payload", "reduce", "restore", "restore_text"]
