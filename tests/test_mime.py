"""ingest.mime.parse_message: real corpus, Vietnamese submissions, hostile input."""

from __future__ import annotations

import base64
import binascii
import email
import hashlib
import time
import tracemalloc
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_data import MAIL_CORPUS

from ingest import base64_stash
from ingest.mime import decode_text, parse_message, received_hops, safe_filename
from ingest.model import ParsedMail

CORPUS = MAIL_CORPUS
CORPUS_FILES = sorted(CORPUS.glob("mail_*")) if CORPUS.is_dir() else []

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4 + b"\xff\xd9"


TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: vowel shapes precomposed, tone marks combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def check_sane(mail: ParsedMail) -> None:
    assert isinstance(mail, ParsedMail)
    assert mail.message_id and "<" not in mail.message_id and ">" not in mail.message_id
    assert mail.text == unicodedata.normalize("NFC", mail.text)
    assert mail.html == unicodedata.normalize("NFC", mail.html)
    assert mail.from_addr == mail.from_addr.lower()
    for a in mail.attachments:
        assert a.filename and "/" not in a.filename and "\\" not in a.filename
        assert "\x00" not in a.filename and not a.filename.startswith(".")
        assert len(a.filename) <= 150
        assert isinstance(a.payload, bytes)
    assert all(isinstance(d, str) for d in mail.defects)
    for name, values in mail.headers.items():
        assert name == name.lower() and all(isinstance(v, str) for v in values)


# -- corpus ---------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS_FILES, reason=f"corpus not present at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_parses(path: Path) -> None:
    raw = path.read_bytes()
    mail = parse_message(raw)
    check_sane(mail)
    if path.name != "mail_outlook_1":
        assert mail.subject or mail.from_addr
        assert mail.text or mail.html or mail.attachments
    else:  # an Outlook .msg file, not RFC 5322 at all
        assert "not_a_mime_message: Outlook .msg (OLE2)" in mail.defects
        assert mail.text == "" and mail.html == ""


@pytest.mark.skipif(not CORPUS_FILES, reason=f"corpus not present at {CORPUS}")
def test_corpus_details() -> None:
    def parse(name: str) -> ParsedMail:
        return parse_message((CORPUS / name).read_bytes())

    m = parse("mail_test_1")  # Russian, RFC 2047 display name and attachment name
    assert m.from_addr == "suvorov.s@nalg.ru" and m.from_name.startswith("служба ФНС")
    assert [a.filename for a in m.attachments] == ["ФНС_РФ558.zip"]
    assert m.message_id.startswith("sha256-")  # it has no Message-ID
    m = parse("mail_test_12")  # labelled gb2312, body really UTF-8
    assert m.subject == "代开各地增值税发票" and "增值税发票" in m.text
    m = parse("mail_test_9")  # gb2312 label, GBK characters in the subject
    assert "\ufffd" not in m.subject
    m = parse("mail_malformed_3")  # declared boundary never used
    assert "boundary_mismatch: parts recovered with the boundary found" in m.defects
    assert m.html
    m = parse("mail_test_10")  # inline images with Content-ID
    inline = [a for a in m.attachments if a.inline]
    assert inline and all(a.content_id for a in inline)
    assert any(a.filename.endswith(".pdf") for a in m.attachments)
    assert any(d.startswith("mail-parser: ") for d in parse("mail_test_19").defects)


# -- Vietnamese submissions -----------------------------------------------------------


def submission(**kw: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = kw.get("from_", "Nguyễn Văn An <An.Nguyen@CongDoan.Example.vn>")
    msg["To"] = "Ban Biên tập <toasoan@example.org>, b@example.org"
    msg["Cc"] = "c@example.org"
    msg["Subject"] = "Gửi tin bài: Hội nghị người lao động năm 2026"
    msg["Date"] = "Sun, 22 Nov 2026 08:30:00 +0700"
    msg["Message-ID"] = "<abc.123@mail.example.vn>"
    msg["In-Reply-To"] = "<TB-2026-0042@tinbai>"
    msg["References"] = "<first@x.vn> <TB-2026-0042@tinbai>"
    msg.set_content("1. Tít tin, bài: Hội nghị\n2. Nội dung bài viết: ...\n")
    return msg


def test_vietnamese_submission_with_photos() -> None:
    msg = submission()
    msg.add_alternative("<p>Tít tin, bài: <b>Hội nghị</b></p>", subtype="html")
    msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="Ảnh 1 - Hội nghị.jpg")
    msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="anh2.JPG")
    raw = msg.as_bytes(policy=SMTP)
    assert b"filename*=" in raw  # the stdlib writes RFC 2231 for non-ASCII names
    mail = parse_message(raw)
    check_sane(mail)
    assert mail.message_id == "abc.123@mail.example.vn"
    assert mail.from_addr == "an.nguyen@congdoan.example.vn"
    assert mail.from_name == "Nguyễn Văn An"
    assert mail.to_addrs == ["toasoan@example.org", "b@example.org", "c@example.org"]
    assert mail.subject == "Gửi tin bài: Hội nghị người lao động năm 2026"
    assert mail.date is not None and mail.date.utcoffset() is not None
    assert mail.date.isoformat() == "2026-11-22T08:30:00+07:00"
    assert mail.in_reply_to == "TB-2026-0042@tinbai"
    assert mail.references == ["first@x.vn", "TB-2026-0042@tinbai"]
    assert mail.text.startswith("1. Tít tin, bài: Hội nghị")
    assert "<b>Hội nghị</b>" in mail.html
    assert [(a.filename, a.content_type, a.payload, a.inline) for a in mail.attachments] == [
        ("Ảnh 1 - Hội nghị.jpg", "image/jpeg", JPEG, False),
        ("anh2.JPG", "image/jpeg", JPEG, False),
    ]
    assert mail.header("subject") == mail.subject


RFC2047_NAME = (
    b"From: =?utf-8?B?VHLhuqduIFRo4buLIELDrG5o?= <binh@example.vn>\r\n"
    b"Subject: =?windows-1258?B?" + base64.b64encode(to_cp1258("Tin bài đãi hội")) + b"?=\r\n"
    b"Message-ID: <x1@example.vn>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/related; boundary="R"\r\n\r\n'
    b"--R\r\nContent-Type: text/html; charset=windows-1258\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    b"<p>" + to_cp1258("Tiếng Việt") + b'</p><img src="cid:img1@x">\r\n'
    b"--R\r\nContent-Type: image/jpeg;\r\n name=\"=?utf-8?Q?=E1=BA=A2nh_1.jpg?=\"\r\n"
    b"Content-ID: <img1@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes(JPEG).replace(b"\n", b"\r\n")
    + b"--R--\r\n"
)


def test_rfc2047_names_windows1258_and_inline_cid() -> None:
    mail = parse_message(RFC2047_NAME)
    check_sane(mail)
    assert mail.from_name == "Trần Thị Bình"
    # windows-1258 writes tones as combining marks; NFC composes them.
    assert mail.subject == "Tin bài đãi hội"
    assert "Tiếng Việt" in mail.html
    (img,) = mail.attachments
    assert (img.filename, img.content_id, img.inline, img.payload) == (
        "Ảnh 1.jpg", "img1@x", True, JPEG,
    )


def test_charsets() -> None:
    defects: list[str] = []
    text = "Công đoàn Việt Nam"
    assert decode_text(text.encode("utf-8"), "iso-8859-1", defects) == text  # lying label
    assert defects == ["charset_mismatch: declared windows-1252, content is utf-8"]
    assert decode_text(text.encode("utf-8"), "x-no-such-charset") == text
    legacy = to_cp1258(text)
    assert unicodedata.normalize("NFC", decode_text(legacy, "x-unknown")) == text
    assert unicodedata.normalize("NFC", decode_text(legacy, "windows-1258")) == text
    assert decode_text("café".encode("latin-1"), "utf-8") == "café"  # declared utf-8, is not
    assert decode_text(b"\xff\xfe\xfd", None)
    almost = text.encode() + b"\xe1"  # truncated last character: keep UTF-8
    assert decode_text(almost, "utf-8").startswith(text)
    assert decode_text(b"abc", '"UTF8"') == "abc"


def test_raw_8bit_utf8_headers() -> None:
    raw = (
        "From: Lê Thị Hoa <hoa@example.vn>\r\nSubject: Bài viết về công nhân\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nNội dung\r\n"
    ).encode()
    mail = parse_message(raw)
    assert mail.from_name == "Lê Thị Hoa" and mail.subject == "Bài viết về công nhân"
    assert mail.text.strip() == "Nội dung"


def test_missing_message_id_is_content_hash() -> None:
    raw = b"From: a@b.c\r\nSubject: x\r\n\r\nbody\r\n"
    mail = parse_message(raw)
    assert mail.message_id == f"sha256-{hashlib.sha256(raw).hexdigest()}@tinbai"
    assert parse_message(raw).message_id == mail.message_id
    blank = parse_message(b"Message-ID: \r\n\r\nx")
    assert blank.message_id.startswith("sha256-")
    assert parse_message(b"Message-ID: plain-id@host\r\n\r\nx").message_id == "plain-id@host"


# -- hostile names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Windows\\System32\\evil.jpg", "evil.jpg"),
        ("a\x00b\x07c.jpg", "abc.jpg"),
        ("\u202egpj.exe", "gpj.exe"),
        ("..", "attachment-3.jpg"),
        ("", "attachment-3.jpg"),
        (None, "attachment-3.jpg"),
        (".htaccess", "htaccess"),
        ("CON.jpg", "_CON.jpg"),
        ("ảnh\r\n1.jpg", "ảnh1.jpg"),
        ("a" * 3000 + ".jpeg", "a" * 145 + ".jpeg"),
        ("Ảnh" * 100, "Ảnh" * 50),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, "image/jpeg", 3) == expected


def test_hostile_attachment_names_in_a_message() -> None:
    msg = submission()
    for name in ["../../../../tmp/x.jpg", "/abs/y.jpg", "z\x00.jpg", "n" * 3000 + ".png"]:
        msg.add_attachment(JPEG, maintype="image", subtype="jpeg", filename=name)
    msg.add_attachment(b"data", maintype="application", subtype="pdf")  # no name at all
    mail = parse_message(msg.as_bytes(policy=SMTP))
    check_sane(mail)
    names = [a.filename for a in mail.attachments]
    assert names[:3] == ["x.jpg", "y.jpg", "z.jpg"]
    assert names[3].endswith(".png") and len(names[3]) == 150
    assert names[4] == "attachment-5.pdf"
    assert any(d.startswith("attachment_name_sanitised") for d in mail.defects)


# -- malformed structure --------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [b'From: "', b"From: <", b"To: a@", b"Message-ID: <@>", b"To: a@[",
     b"From: =?utf-8?q?", b"To: =?utf-8?b?=?= <a@b>", b"Date: 99 Foo 9999 99:99:99",
     b"Content-Type: multipart/mixed; boundary=", b"Content-Type: text/plain; charset=\xff",
     b"Content-Transfer-Encoding: base64", b"From: a\x00b@c.d"],
)
def test_malformed_headers_become_defects(header: bytes) -> None:
    raw = header + b"\r\nSubject: ok\r\n\r\nbody ==\r\n"
    mail = parse_message(raw)
    check_sane(mail)
    assert mail.subject == "ok"


def test_stdlib_raising_headers_are_recorded() -> None:
    mail = parse_message(b'From: "\r\nTo: a@\r\nMessage-ID: <@>\r\n\r\nx')
    assert any(d.startswith("bad_header: from") for d in mail.defects)
    assert any(d.startswith("bad_address: from") for d in mail.defects)
    assert mail.message_id == "@"


def nested(depth: int) -> bytes:
    head = b"From: a@b.c\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
    parts = [head]
    for i in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i))
    parts.append(b"Content-Type: text/plain\r\n\r\nthe bottom\r\n")
    for i in reversed(range(depth)):
        parts.append(b"--b%d--\r\n" % i)
    return b"".join(parts)


@pytest.mark.parametrize("depth", [5, 25, 200, 3000])
def test_deep_nesting_is_cut(depth: int) -> None:
    t = time.process_time()  # CPU time: a hang guard a loaded machine cannot trip
    mail = parse_message(nested(depth), max_depth=20)
    assert time.process_time() - t < 10
    check_sane(mail)
    assert mail.subject == "deep"
    if depth <= 20:
        assert mail.text.strip() == "the bottom"
    else:
        assert any(d.startswith("too_deep") for d in mail.defects)


def test_thousands_of_parts_are_cut() -> None:
    msg = EmailMessage()
    msg["From"] = "a@b.c"
    msg["Subject"] = "many"
    msg.set_content("text")
    for i in range(3000):
        msg.add_attachment(b"x%d" % i, maintype="application", subtype="octet-stream",
                           filename=f"f{i}.bin")
    raw = msg.as_bytes()
    tracemalloc.start()
    t = time.process_time()  # CPU time: a hang guard a loaded machine cannot trip
    mail = parse_message(raw, max_parts=500)
    elapsed = time.process_time() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 30
    assert peak < 200 * len(raw) + 50_000_000
    assert mail.text.strip() == "text"
    assert len(mail.attachments) < 500
    assert "too_many_parts: stopped after 500 MIME parts" in mail.defects


def test_uuencoded_body() -> None:
    data = bytes(range(256)) * 3
    uu = b"".join(binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45))
    raw = (
        b"From: a@b.c\r\nSubject: uu\r\n\r\nXem anh dinh kem.\r\n\r\n"
        b"begin 644 anh 1.jpg\r\n" + uu.replace(b"\n", b"\r\n") + b"`\r\nend\r\n\r\nCam on.\r\n"
    )
    mail = parse_message(raw)
    (att,) = mail.attachments
    assert (att.filename, att.content_type, att.payload) == ("anh 1.jpg", "image/jpeg", data)
    assert "begin 644" not in mail.text and "Cam on." in mail.text
    assert "Xem anh dinh kem." in mail.text


def test_uuencode_transfer_encoding() -> None:
    data = b"hello world " * 20
    uu = b"".join(binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45))
    raw = (
        b'From: a@b.c\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nbody\r\n--B\r\n"
        b'Content-Type: application/octet-stream; name="f.bin"\r\n'
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 f.bin\r\n" + uu + b"`\r\nend\r\n--B--\r\n"
    )
    mail = parse_message(raw)
    assert [(a.filename, a.payload) for a in mail.attachments] == [("f.bin", data)]


def test_tnef_kept_as_attachment() -> None:
    tnef = b"\x78\x9f\x3e\x22" + b"\x00" * 100
    raw = (
        b'From: a@b.c\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nbody\r\n--B\r\n"
        b"Content-Type: application/ms-tnef\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(tnef) + b"--B--\r\n"
    )
    mail = parse_message(raw)
    assert [(a.filename, a.content_type, a.payload) for a in mail.attachments] == [
        ("winmail.dat", "application/ms-tnef", tnef)
    ]


def test_attached_email_is_kept_whole() -> None:
    inner = submission()
    inner.add_attachment(JPEG, maintype="image", subtype="jpeg", filename="a.jpg")
    outer = EmailMessage()
    outer["From"] = "fwd@example.vn"
    outer["Subject"] = "Fwd"
    outer.set_content("see attached")
    outer.add_attachment(inner)
    mail = parse_message(outer.as_bytes())
    assert mail.text.strip() == "see attached"
    (att,) = mail.attachments
    assert att.content_type == "message/rfc822" and att.filename.endswith(".eml")
    assert parse_message(att.payload).attachments[0].payload == JPEG


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"\r\n\r\n\r\n",
        b"no headers at all, just text",
        b"Subject: only headers",
        bytes(range(256)) * 10,
        b"From: a@b.c\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n--x\r\n--x--',
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n+AGEAYgBj-",
        b"Content-Type: text/plain; charset=utf-16\r\n\r\n\xff\xfeA\x00\xd8",
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=",
        b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx",
        b"Content-Type: image/jpeg; name=\"\r\n\r\n\xff\xd8",
        b"From: a@b.c\r\n" * 5000 + b"\r\nx",
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    check_sane(parse_message(raw))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_fuzz_random_bytes(raw: bytes) -> None:
    check_sane(parse_message(raw))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [b"From: ", b"To: ", b"Content-Type: ", b"multipart/mixed; boundary=\"b\"",
             b"\r\n", b"\r\n\r\n", b"--b\r\n", b"--b--", b"=?utf-8?b?", b"?=", b'"', b"<",
             b">", b"@", b"text/plain; charset=", b"windows-1258", b"\xc3", b"\xff",
             b"filename*=utf-8''%E1", b"Content-Disposition: attachment; ", b"begin 644 x\r\n",
             b"end\r\n", b"Message-ID: ", b"Content-Transfer-Encoding: base64\r\n"]
        ),
        max_size=60,
    )
)
def test_fuzz_mime_fragments(chunks: list[bytes]) -> None:
    check_sane(parse_message(b"".join(chunks)))


def test_received_hops() -> None:
    raw = (CORPUS / "mail_test_8").read_bytes() if CORPUS_FILES else (
        b"Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 1;"
        b" Mon, 7 Mar 2017 14:29:24 -0800\r\n\r\nx"
    )
    hops = received_hops(raw)
    assert hops and all(isinstance(h, dict) for h in hops)
    assert received_hops(b"") == []


def test_large_messages_parse_the_same_with_the_base64_stash() -> None:
    """The fast path for large mail (base64 runs stashed before parsing) changes nothing."""
    import ingest.mime as mime
    from tinbai.samples import BODY_1, _form, _message, camera_jpeg

    inner = _message(
        900, ("Người gửi", "a@example.org"), "thư đính kèm", "nội dung",
        photos=[("inner.jpg", camera_jpeg(901, (1200, 900)), "jpeg")],
    )
    outer = _message(
        902, ("Nông Thị Lan", "lan@example.org"), "Gửi tin bài",
        _form("Tít", BODY_1, "Chú thích", "Nông Thị Lan", "CĐCS", "0983456789", "123456", "X"),
        html="<div>" + "<p>Đoạn văn dài.</p>" * 400 + "</div>",
        photos=[("a.jpg", camera_jpeg(903, (2400, 1800)), "jpeg"),
                ("b.jpg", camera_jpeg(904, (2400, 1800)), "jpeg")],
    )
    outer.add_attachment(inner.as_bytes(), maintype="message", subtype="rfc822")
    raw = outer.as_bytes()
    assert len(raw) > base64_stash.MIN_BYTES
    reduced, stash = base64_stash.reduce(raw)
    assert stash is not None and len(reduced) < len(raw) // 20
    fast = mime.parse_message(raw)
    plain = mime.parse_message(raw, fast_path=False)
    assert fast.text == plain.text and fast.html == plain.html
    assert [(a.filename, a.content_type, a.payload) for a in fast.attachments] == [
        (a.filename, a.content_type, a.payload) for a in plain.attachments
    ]
    assert len(fast.attachments) == 3
    assert b"TINBAISTASH" not in fast.attachments[2].payload
    assert fast.message_id == plain.message_id


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(min_size=2800, max_size=4000),
    line=st.sampled_from([b"\n", b"\r\n"]),
    width=st.sampled_from([76, 72, 64]),
    blank=st.booleans(),
    edit=st.one_of(
        st.none(),
        st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=3)),
        st.integers(min_value=0),  # truncate here
    ),
)
def test_stashed_base64_decodes_as_the_standard_library_does(
    data: bytes, line: bytes, width: int, blank: bool, edit: tuple[int, bytes] | int | None
) -> None:
    """A stashed base64 body gives the standard library's bytes, on well-formed,
    truncated and tampered base64 (stray bytes, "=" mid-way), with and without a blank
    line before the boundary (issue 11: Gmail writes none)."""
    text = base64.b64encode(data)
    encoded = line.join(text[i: i + width] for i in range(0, len(text), width)) + line
    if isinstance(edit, int):
        encoded = encoded[: edit % (len(encoded) + 1)]
    elif edit is not None:
        at = edit[0] % (len(encoded) + 1)
        encoded = encoded[:at] + edit[1] + encoded[at:]
    raw = line.join([
        b"From: a@example.org", b"Message-ID: <b64@example.org>",
        b'Content-Type: multipart/mixed; boundary="b"', b"", b"--b",
        b"Content-Type: application/octet-stream", b"Content-Transfer-Encoding: base64",
        b"", b"",
    ]) + encoded + (line if blank else b"") + b"--b--" + line
    leaves = [p for p in email.message_from_bytes(raw).walk() if not p.is_multipart()]
    expected = leaves[0].get_payload(decode=True)
    fast = parse_message(raw, fast_path=True)
    plain = parse_message(raw, fast_path=False)
    assert [a.payload for a in fast.attachments] == [a.payload for a in plain.attachments]
    assert fast.attachments[0].payload == expected


def test_stash_tokens_written_by_a_sender_are_left_alone() -> None:
    """Text that looks like a stash token (another message's nonce) is not replaced."""
    forged = "TINBAISTASH0123456789ab000000"
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Message-ID"] = "<forged@example.org>"
    msg.set_content(f"Dòng đầu\n{forged}\nDòng cuối\n")
    msg.add_attachment(bytes(range(256)) * 1500, maintype="application",
                       subtype="octet-stream", filename="x.bin")
    raw = msg.as_bytes(policy=SMTP)
    assert len(raw) > base64_stash.MIN_BYTES
    parsed = parse_message(raw)
    assert forged in parsed.text
    assert parsed.attachments[0].payload == bytes(range(256)) * 1500
