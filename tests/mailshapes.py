"""Write one message the way each real mail client does (issue 11), not as ``EmailMessage``.

A :class:`Letter` is what a contributor means to send (subject, text, HTML, photos,
documents); :func:`write` puts it on the wire in a client's shape, byte by byte:

- ``gmail``: CRLF, ``000000000000…`` boundaries, quoted-printable text, attachments with
  ``X-Attachment-Id``, 76-character base64 with the boundary **right after the last
  line** (no blank line: the case that lost photos).
- ``outlook``: CRLF, ``_000_…_`` boundaries, HTML in ``multipart/related`` with ``cid:``
  images, a blank line before each boundary, ``Thread-Topic``/``X-MS-Has-Attach``.
- ``outlook_tnef``: Outlook in Rich Text mode: the attachments inside ``winmail.dat``.
- ``outlook_express``: raw 8-bit headers (no RFC 2047) and an 8-bit body in windows-1258,
  ``----=_NextPart_…`` boundaries.
- ``apple``: ``Apple-Mail=_…`` boundaries, photos inline **between** text parts.
- ``thunderbird``: a preamble, 72-character base64, ``format=flowed`` 8-bit text, RFC 2231
  file names.
- ``yahoo``: LF line ends (as some stores keep them), ``----=_Part_…`` boundaries.
- ``webmail``: base64 as one long line and ``Content-Transfer-Encoding: base64 `` with a
  trailing space (PHP mailers).

:class:`Wire` overrides any detail (line ends, base64 width, blank line before a
boundary, closing boundary, spelling of the transfer encoding, text encoding, a
forward as ``message/rfc822``) for the property test in test_wire_shapes.py.
"""

from __future__ import annotations

import base64
import dataclasses
import email
import email.header
import email.policy
import email.utils
import quopri
import struct
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import quote

SHAPES = ("gmail", "outlook", "outlook_tnef", "outlook_express", "apple", "thunderbird",
          "yahoo", "webmail")


@dataclass
class Part:
    """One attached file; ``inline`` with a ``content_id`` is shown in the HTML."""

    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class Letter:
    """What the sender means to send, independent of the client's wire shape."""

    subject: str
    sender: tuple[str, str]
    text: str | None
    html: str | None = None
    parts: list[Part] = field(default_factory=list)
    to: str = "toasoan@congdoan.example.vn"
    date: str = "Fri, 20 Nov 2026 09:15:00 +0700"
    message_id: str = "shape@example.org"
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Wire:
    """The wire details of one shape."""

    eol: bytes = b"\r\n"
    width: int = 76  # base64 line length; 0: one line
    blank: bool = False  # a blank line before each boundary
    close: bool = True  # the closing boundary is written
    cte: str = "base64"  # as spelled in the header
    text_cte: str = "quoted-printable"  # or 8bit, base64
    charset: str = "utf-8"
    raw_headers: bool = False  # 8-bit headers in ``charset`` instead of RFC 2047
    flowed: bool = False
    rfc2231: bool = False
    boundary: str = "000000000000b0a1c2d3e4f5a6b7"
    preamble: str = ""
    related: bool = False  # HTML and its cid: images in multipart/related
    interleave: bool = False  # Apple Mail: photos between text parts
    tnef: bool = False
    forward: bool = False  # the whole letter forwarded as message/rfc822


CLIENTS: dict[str, Wire] = {
    "gmail": Wire(),
    "outlook": Wire(blank=True, boundary="_000_SG2PR06MB3b1c4d5e6f7a8bSG2PR06MB_", related=True),
    "outlook_tnef": Wire(blank=True, boundary="_000_TY0PR01MB9a8b7c6d5e4fTY0PR01MB_",
                         tnef=True),
    "outlook_express": Wire(blank=True, text_cte="8bit", charset="windows-1258",
                            raw_headers=True,
                            boundary="----=_NextPart_000_0012_01DA2B3C.4D5E6F70"),
    "apple": Wire(boundary="Apple-Mail=_5B3C2A1D-8E7F-4A6B-9C0D-1E2F3A4B5C6D",
                  interleave=True),
    "thunderbird": Wire(width=72, blank=True, text_cte="8bit", flowed=True, rfc2231=True,
                        boundary="------------b0Xk4yZ2c9VqL1tR7mN3pW8s",
                        preamble="This is a multi-part message in MIME format."),
    "yahoo": Wire(eol=b"\n", boundary="----=_Part_1234567_987654321.1763604900000"),
    "webmail": Wire(width=0, cte="base64 ", text_cte="base64",
                    boundary="=_7f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c"),
}

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: vowel shapes precomposed, tones
    combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        out.append((base + tones).encode("cp1258", errors="replace"))
    return b"".join(out)


def _fits_cp1258(text: str) -> bool:
    nfc = unicodedata.normalize("NFC", text)
    return unicodedata.normalize("NFC", to_cp1258(nfc).decode("cp1258")) == nfc


def _encode_text(text: str, charset: str) -> bytes:
    return to_cp1258(text) if charset == "windows-1258" else text.encode(charset)


def _b64(data: bytes, wire: Wire) -> bytes:
    text = base64.b64encode(data)
    if wire.width <= 0:
        return text + wire.eol
    lines = [text[i: i + wire.width] for i in range(0, len(text), wire.width)]
    return wire.eol.join(lines) + wire.eol


def _header(name: str, value: str, wire: Wire) -> bytes:
    if value.isascii():
        return f"{name}: {value}".encode("ascii") + wire.eol
    if wire.raw_headers:
        return name.encode("ascii") + b": " + _encode_text(value, wire.charset) + wire.eol
    encoded = email.header.Header(value, "utf-8", header_name=name).encode(linesep="\n")
    return f"{name}: {encoded}".encode("ascii").replace(b"\n", wire.eol) + wire.eol


def _address(name: str, addr: str, wire: Wire) -> str:
    if name.isascii() or wire.raw_headers:
        return f'"{name}" <{addr}>' if name else addr
    return email.utils.formataddr((name, addr), charset="utf-8")


def _body(data: bytes, cte: str, wire: Wire) -> bytes:
    if cte.strip().lower() == "base64":
        return _b64(data, wire)
    if cte == "quoted-printable":
        return quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", wire.eol) + wire.eol
    return data.replace(b"\r\n", b"\n").replace(b"\n", wire.eol) + wire.eol


def _flow(text: str, width: int = 72) -> str:
    """``format=flowed`` (RFC 3676): long lines broken after a space, which stays."""
    out: list[str] = []
    for line in text.split("\n"):
        while len(line) > width and " " in line[:width]:
            cut = line.rfind(" ", 0, width) + 1
            out.append(line[:cut])
            line = line[cut:]
        out.append((" " + line) if line.startswith((" ", ">", "From ")) else line)
    return "\n".join(out)


@dataclass
class _Node:
    headers: list[tuple[str, str]]
    body: bytes = b""
    children: list[_Node] = field(default_factory=list)
    subtype: str = ""


def _text_node(text: str, subtype: str, wire: Wire) -> _Node:
    params = f"text/{subtype}; charset=\"{wire.charset}\""
    if subtype == "plain" and wire.flowed:
        params += "; format=flowed"
        text = _flow(text)
    cte = wire.text_cte
    return _Node([("Content-Type", params), ("Content-Transfer-Encoding", cte)],
                 _body(_encode_text(text, wire.charset), cte, wire))


def _file_node(part: Part, wire: Wire, index: int, inline: bool | None = None) -> _Node:
    name = part.filename
    if name.isascii():
        ctype = f'{part.content_type}; name="{name}"'
        disp = f'filename="{name}"'
    elif wire.rfc2231:
        ctype = f"{part.content_type}; name*=UTF-8''{quote(name)}"
        disp = f"filename*=UTF-8''{quote(name)}"
    else:
        word = email.header.Header(name, "utf-8").encode()
        ctype, disp = f'{part.content_type}; name="{word}"', f'filename="{word}"'
    shown = part.inline if inline is None else inline
    if part.content_type == "message/rfc822":
        return _Node([("Content-Type", "message/rfc822"), ("Content-Disposition", "attachment")],
                     part.data.replace(b"\r\n", b"\n").replace(b"\n", wire.eol))
    headers = [("Content-Type", ctype),
               ("Content-Disposition", f"{'inline' if shown else 'attachment'}; {disp}"),
               ("Content-Transfer-Encoding", wire.cte)]
    if part.content_id:
        headers.append(("Content-ID", f"<{part.content_id}>"))
    elif wire.boundary.startswith("000000000000"):  # Gmail names every attachment
        headers += [("Content-ID", f"<f_shape{index}>"), ("X-Attachment-Id", f"f_shape{index}")]
    return _Node(headers, _b64(part.data, wire))


def _multipart(subtype: str, children: list[_Node], wire: Wire, depth: int) -> _Node:
    return _Node([("Content-Type", f'multipart/{subtype}; boundary="{wire.boundary}{depth}"')],
                 children=children, subtype=subtype)


def _serialise(node: _Node, wire: Wire, depth: int, last: bool = True) -> bytes:
    out = b"".join(_header(k, v, wire) for k, v in node.headers) + wire.eol
    if not node.children:
        return out + node.body
    boundary = f"{wire.boundary}{depth}".encode("ascii")
    if wire.preamble and depth == 0:
        out += wire.preamble.encode("ascii") + wire.eol
    for child in node.children:
        out += (wire.eol if wire.blank else b"") + b"--" + boundary + wire.eol
        out += _serialise(child, wire, depth + 1)
    if wire.close or depth > 0:
        out += (wire.eol if wire.blank else b"") + b"--" + boundary + b"--" + wire.eol
    return out


def _tree(letter: Letter, wire: Wire) -> _Node:
    cid = [p for p in letter.parts if p.inline and p.content_id and letter.html]
    files = [p for p in letter.parts if p not in cid]
    if wire.tnef and files:
        files = [Part("winmail.dat", "application/ms-tnef", write_tnef(files))]
    if wire.interleave and letter.text is not None:
        # Apple Mail in plain-text mode: every photo inline between the text parts.
        files = list(letter.parts)
        photos = [p for p in files if p.content_type.startswith("image/")]
        chunks = _split_text(letter.text, len(photos) + 1)
        nodes: list[_Node] = []
        for i, chunk in enumerate(chunks):
            nodes.append(_text_node(chunk, "plain", wire))
            if i < len(photos):
                nodes.append(_file_node(photos[i], wire, i, inline=True))
        nodes += [_file_node(p, wire, 100 + i) for i, p in enumerate(files) if p not in photos]
        return _multipart("mixed", nodes, wire, 0)
    bodies: list[_Node] = []
    if letter.text is not None:
        bodies.append(_text_node(letter.text, "plain", wire))
    if letter.html is not None:
        html = _text_node(letter.html, "html", wire)
        if cid:
            images = [_file_node(p, wire, 50 + i) for i, p in enumerate(cid)]
            html = _multipart("related", [html, *images], wire, 2)
        bodies.append(html)
    body = bodies[0] if len(bodies) == 1 else _multipart("alternative", bodies, wire, 1)
    if not files:
        return body
    return _multipart("mixed", [body, *(_file_node(p, wire, i) for i, p in enumerate(files))],
                      wire, 0)


def _split_text(text: str, n: int) -> list[str]:
    """``text`` in ``n`` pieces at line breaks (Apple Mail splits where photos sit)."""
    lines = text.split("\n")
    if n <= 1 or len(lines) < n:
        return [text] + [""] * (n - 1)
    size = len(lines) // n
    pieces = [lines[i * size: (i + 1) * size] for i in range(n - 1)] + [lines[(n - 1) * size:]]
    return ["\n".join(p) for p in pieces]


def write(letter: Letter, shape: str = "gmail", **overrides: object) -> bytes:
    """The bytes ``shape`` (a client of :data:`CLIENTS`) sends for ``letter``."""
    wire = dataclasses.replace(CLIENTS[shape], **overrides)  # type: ignore[arg-type]
    if wire.charset == "windows-1258" and not all(
        _fits_cp1258(t) for t in (letter.subject, letter.text or "", letter.html or "",
                                  letter.sender[0])
    ):
        wire = dataclasses.replace(wire, charset="utf-8")  # as Outlook Express then does
    root = _tree(letter, wire)
    top = [
        ("From", _address(*letter.sender, wire)), ("To", letter.to),
        ("Subject", letter.subject), ("Date", letter.date),
        ("Message-ID", f"<{letter.message_id}>"), ("MIME-Version", "1.0"),
        *letter.headers,
    ]
    if shape.startswith("outlook"):
        top += [("Thread-Topic", letter.subject), ("Content-Language", "vi-VN"),
                ("X-MS-Has-Attach", "yes" if letter.parts else "")]
    root.headers = top + root.headers
    raw = _serialise(root, wire, 0)
    if not wire.forward:
        return raw
    outer = Letter(subject=f"Fwd: {letter.subject}", sender=letter.sender, text="Chuyển tiếp.",
                   message_id=f"fwd.{letter.message_id}")
    wrapper = _tree(outer, dataclasses.replace(wire, forward=False))
    attached = _Node([("Content-Type", "message/rfc822"),
                      ("Content-Disposition", "attachment")], raw)
    root = _multipart("mixed", [wrapper, attached], wire, 5)
    root.headers = [("From", _address(*outer.sender, wire)), ("To", outer.to),
                    ("Subject", outer.subject), ("Date", outer.date),
                    ("Message-ID", f"<{outer.message_id}>"), ("MIME-Version", "1.0"),
                    *root.headers]
    return _serialise(root, wire, 0)


# -- TNEF (MS-OXTNEF), enough for tnefparse and Outlook's own reader ---------------------


def _tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def write_tnef(parts: list[Part]) -> bytes:
    """A ``winmail.dat`` holding ``parts`` (attRenddata, attAttachTitle, attAttachData)."""
    out = struct.pack("<IH", 0x223E9F78, 0x0102)
    out += _tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # attOemCodepage
    for part in parts:
        out += _tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\xff" * 12)  # attRenddata
        out += _tnef_object(2, 0x8010, 0x0001, part.filename.encode("utf-8") + b"\x00")
        out += _tnef_object(2, 0x800F, 0x0006, part.data)  # attAttachData
    return out


# -- from an existing fixture -----------------------------------------------------------


def from_eml(raw: bytes) -> Letter:
    """The letter an ``EmailMessage``-written fixture means (to write it in other shapes)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)

    def text_of(kind: str) -> str | None:
        part = msg.get_body(preferencelist=(kind,))
        if part is None or part.get_content_type() != f"text/{kind}":
            return None
        return str(part.get_content())

    name, addr = email.utils.parseaddr(str(msg.get("From", "")))
    skip = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
            "content-transfer-encoding", "content-disposition"}
    parts = []
    for att in msg.iter_attachments():
        ctype = att.get_content_type()
        if ctype == "message/rfc822":
            inner = att.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) else bytes(inner)
        else:
            payload = att.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        cid = str(att.get("Content-ID", "") or "").strip("<> ") or None
        parts.append(Part(att.get_filename() or "attachment.bin", ctype, data,
                          inline=att.get_content_disposition() == "inline", content_id=cid))
    return Letter(
        subject=str(msg.get("Subject", "")), sender=(name, addr), text=text_of("plain"),
        html=text_of("html"), parts=parts, to=str(msg.get("To", "")),
        date=str(msg.get("Date", "")),
        message_id=str(msg.get("Message-ID", "x@example.org")).strip("<> "),
        headers=[(k, str(v)) for k, v in msg.items() if k.lower() not in skip],
    )


__all__ = ["CLIENTS", "SHAPES", "Letter", "Part", "Wire", "from_eml", "to_cp1258", "write",
           "write_tnef"]
