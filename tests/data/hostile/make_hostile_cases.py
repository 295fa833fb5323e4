"""Hostile mail cases (issue 5 "Hostile mail"), generated rather than stored.

``cases()`` returns ``{file name: raw bytes}``: broken MIME, unknown and lying charsets,
malformed headers (values known to make the standard library's parser raise
IndexError/ValueError), 50-deep nesting, 5,000 parts, uuencoded and TNEF attachments,
attachment names with ``../``, absolute paths, NUL bytes or 3,000 characters. Generated
because several are large and deliberately broken in ways editors and git mangle.
Run ``python tests/data/hostile/make_hostile_cases.py DIR`` to write them out for a manual look.
"""

from __future__ import annotations

import base64
import binascii
import random
import struct
import sys
import zlib
from pathlib import Path

#: File names written by a path-escaping attachment would contain this.
CANARY = "tinbai-escape-canary"

HEAD = (
    "From: Nguyen Van An <an.nv@example.org>\r\n"
    "To: toasoan@congdoan.example.vn\r\n"
    "Date: Sat, 21 Nov 2026 09:00:00 +0700\r\n"
    "MIME-Version: 1.0\r\n"
)

FORM = (
    "1. Tit tin, bai: Hoi thao\r\n2. Noi dung bai viet:\r\nDoan vien tham gia hoi thao.\r\n"
    "4. Tac gia: Nguyen Van An\r\n"
)


def _jpeg_like(seed: int, size: int = 2000) -> bytes:
    """Bytes that start like a JPEG and then are garbage (a truncated photo)."""
    rng = random.Random(seed)
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rng.randrange(256) for _ in range(size))


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")


def _mail(subject: str, content_type: str, body: str | bytes, extra: str = "") -> bytes:
    msgid = f"<hostile-{zlib.crc32(subject.encode())}@example.org>"
    head = (HEAD + f"Subject: {subject}\r\nMessage-ID: {msgid}\r\n"
            + extra + f"Content-Type: {content_type}\r\n\r\n")
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogateescape")
    return head.encode("utf-8") + raw


def _attachment(name_param: str, data: bytes, ctype: str = "image/jpeg") -> str:
    return (
        f"--b\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; {name_param}\r\n\r\n{_b64(data)}"
    )


def _with_attachments(subject: str, parts: list[str]) -> bytes:
    body = (f"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{FORM}"
            + "".join(parts) + "--b--\r\n")
    return _mail(subject, 'multipart/mixed; boundary="b"', body)


def _nested(depth: int) -> bytes:
    body = "innermost text\r\n"
    for level in range(depth, 0, -1):
        body = (f"--n{level}\r\nContent-Type: multipart/mixed; boundary=\"n{level + 1}\"\r\n\r\n"
                if level < depth else f"--n{level}\r\nContent-Type: text/plain\r\n\r\n") + body
        body += f"\r\n--n{level}--\r\n"
    return _mail(f"nested {depth}", 'multipart/mixed; boundary="n1"', body)


def _nested_rfc822(depth: int) -> bytes:
    inner = b"Subject: innermost\r\n\r\nhello\r\n"
    for level in range(depth):
        inner = (f"Subject: level {level}\r\nContent-Type: message/rfc822\r\n\r\n").encode() + inner
    return _mail("nested message/rfc822", "message/rfc822", inner)


def _many_parts(count: int) -> bytes:
    parts = "".join(f"--m\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(count))
    return _mail(f"{count} parts", 'multipart/mixed; boundary="m"', parts + "--m--\r\n")


def _uuencoded() -> bytes:
    data = _jpeg_like(7, 900)
    lines = ["begin 644 IMG_0001.jpg"]
    for i in range(0, len(data), 45):
        lines.append(binascii.b2a_uu(data[i:i + 45]).decode("ascii").rstrip("\n"))
    lines += ["`", "end", ""]
    return _mail("uuencoded photo", "text/plain; charset=us-ascii", FORM + "\r\n".join(lines))


def _tnef() -> bytes:
    # TNEF signature, legacy key, then an attribute claiming an absurd length.
    data = struct.pack("<IH", 0x223E9F78, 0x0001) + b"\x01"
    data += struct.pack("<II", 0x00069001, 0x7FFFFFFF)
    data += bytes(range(256)) * 4
    return _with_attachments("winmail.dat", [_attachment('filename="winmail.dat"', data,
                                                          "application/ms-tnef")])


def cases() -> dict[str, bytes]:
    """Every hostile case, by file name."""
    long_name = "a" * 3000 + ".jpg"
    out: dict[str, bytes] = {
        "empty.eml": b"",
        "headers_only_no_blank_line.eml": HEAD.encode() + b"Subject: no body",
        "random_bytes.eml": bytes(random.Random(1).randrange(256) for _ in range(20000)),
        "nul_bytes_everywhere.eml": (HEAD + "Subject: a\x00b\r\n\r\n").encode() + b"\x00" * 5000,
        "unclosed_boundary.eml": _mail("unclosed", 'multipart/mixed; boundary="x"',
                                       "--x\r\nContent-Type: text/plain\r\n\r\n" + FORM),
        "no_boundary_param.eml": _mail("no boundary", "multipart/mixed", "--x\r\n\r\nhi\r\n--x--"),
        "boundary_never_used.eml": _mail("unused", 'multipart/alternative; boundary="zz"', FORM),
        "unknown_charset.eml": _mail("unknown charset", "text/plain; charset=x-no-such-charset-42",
                                     FORM.encode() + b"\xc3\x28\xa0\xa1"),
        "lying_charset_ascii.eml": _mail("ascii that is utf-8", "text/plain; charset=us-ascii",
                                         "Tít tin, bài: Hội thao\r\nNội dung bài viết: đoàn viên"),
        "lying_charset_utf8.eml": _mail("utf-8 that is cp1258", "text/plain; charset=utf-8",
                                        "Tít tin: Hội thao".encode("cp1258", "replace")
                                        + b"\xff\xfe"),
        "utf7_charset.eml": _mail("utf-7", "text/plain; charset=utf-7", "+AGEAYgBj-+ZZZZ-"),
        "bad_encoded_words.eml": _mail(
            "=?utf-8?B?@@@@?= =?x-unknown?Q?abc?= =?utf-8?Q?=ZZ?=", "text/plain", FORM,
            extra="From: =?utf-8?B?4oCU?= <=?utf-8?q?=?=>\r\n",
        ),
        "malformed_headers.eml": (
            b"From: \"\\\r\nTo: <\r\nCc: ,,,,@,<>,\"\r\nMessage-ID: <\r\nIn-Reply-To: <<<>>>\r\n"
            b"References: < > <a@> <@b>\r\nDate: 32 Foo 99999 99:99:99 +9999\r\n"
            b"Content-Type: text/plain; charset=\"\r\nContent-Disposition: attachment; "
            b"filename*=utf-8''%\r\nthis line has no colon\r\n"
            b"X-Very-Long: " + b"x" * 200000 + b"\r\nSubject: =?utf-8?q?\r\n\r\nbody\r\n"
        ),
        "address_group_tricks.eml": _mail(
            "groups", "text/plain", FORM,
            extra="Reply-To: undisclosed-recipients:;, \"a\\\"\"@, (comment (nested\r\n",
        ),
        "bad_base64_and_qp.eml": _with_attachments("bad transfer encodings", [
            "--b\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"x.jpg\"\r\n\r\n!!!!====****\r\n",
            "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            "=ZZ=\r\n=E1=BB=\r\n",
            "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-unknown\r\n\r\n"
            "abc\r\n",
        ]),
        "nested_50_multipart.eml": _nested(50),
        "nested_50_rfc822.eml": _nested_rfc822(50),
        "parts_5000.eml": _many_parts(5000),
        "uuencoded.eml": _uuencoded(),
        "tnef_winmail_dat.eml": _tnef(),
        "name_dotdot.eml": _with_attachments("dotdot", [
            _attachment(f'filename="../../../../../../tmp/{CANARY}-dotdot.jpg"', _jpeg_like(1)),
            _attachment(f'filename="..\\..\\..\\{CANARY}-backslash.jpg"', _jpeg_like(2)),
        ]),
        "name_absolute.eml": _with_attachments("absolute", [
            _attachment(f'filename="/tmp/{CANARY}-absolute.jpg"', _jpeg_like(3)),
            _attachment(f'filename="C:\\Windows\\{CANARY}-drive.jpg"', _jpeg_like(4)),
        ]),
        "name_nul.eml": _with_attachments("nul", [
            _attachment(f"filename*=utf-8''{CANARY}-nul%00.jpg", _jpeg_like(5)),
            _attachment(f'filename="{CANARY}-raw\x00nul.jpg"', _jpeg_like(6)),
        ]),
        "name_3000_chars.eml": _with_attachments("long name", [
            _attachment(f'filename="{long_name}"', _jpeg_like(8)),
            _attachment(f"filename*=utf-8''{'%C4%91' * 1500}.jpg", _jpeg_like(9)),
        ]),
        "zip_with_dotdot_entry.eml": _with_attachments("zip slip", [
            _attachment('filename="anh.zip"', _zip_slip(), "application/zip"),
        ]),
        "content_type_1000_params.eml": _mail(
            "many params", "text/plain; " + "; ".join(f"p{i}=v{i}" for i in range(1000)), FORM),
        "one_megabyte_line.eml": _mail("long line", "text/plain", "x" * 1_000_000),
    }
    return out


def _zip_slip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"../../../../tmp/{CANARY}-zip.jpg", _jpeg_like(10))
        zf.writestr(f"/tmp/{CANARY}-zipabs.jpg", _jpeg_like(11))
    return buffer.getvalue()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-cases")
    target.mkdir(parents=True, exist_ok=True)
    for name, raw in cases().items():
        (target / name).write_bytes(raw)
    print(f"{len(cases())} cases written to {target}")
