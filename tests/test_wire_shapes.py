"""Real mail, whole (issue 11): every client and wire shape parses to the same parts.

- A property test (hypothesis) writes messages in every shape of tests/mailshapes.py, with
  real photos from ../shared/corpus/ when present, and checks, part by part, byte for
  byte: the stashed parse equals the plain parse, every photo comes out as it went in,
  and each leaf equals the standard library's lenient parse.
- The template cases (tests/data/template) and real camera photos are written in each
  client shape and must be judged exactly as the original fixture is.
- Each client shape goes through the real Dovecot and aiosmtpd: stored, receipt sent.
"""

from __future__ import annotations

import email
import email.policy
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailshapes import SHAPES, Letter, Part, from_eml, write
from resilience_support import write_config
from shared_data import SHARED
from test_template_harness import CASES, without_soffice

from ingest import base64_stash
from ingest.mime import parse_message
from ingest.model import ParsedMail
from ingest.tnef import expand_tnef
from tinbai.commands.check import check_json
from tinbai.config import load_config
from tinbai.samples import camera_jpeg

CAMERA = SHARED / "corpus" / "camera-originals"
FORM = (
    "1. Tít tin, bài: Công đoàn cơ sở tổ chức hội thao chào mừng ngày thành lập\n"
    "2. Nội dung bài viết:\nSáng nay, Công đoàn cơ sở trường Tiểu học Nam Cường tổ chức "
    "hội thao cho đoàn viên, người lao động với nhiều môn thi đấu sôi nổi như kéo co, "
    "nhảy bao bố và bóng chuyền hơi.\n"
    "Hội thao góp phần tạo không khí vui tươi, đoàn kết trong tập thể nhà trường.\n"
    "3. Chú thích ảnh: Đoàn viên tham gia kéo co\n4. Tác giả: Nguyễn Văn An\n"
    "5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh\n6. Số điện thoại: 0983 123 789\n"
    "7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank\n"
    "8. Tên chủ tài khoản: Nguyễn Văn An\n"
)


_IMAGE_TYPES = {".heic": "image/heic", ".heif": "image/heif", ".png": "image/png"}


@cache
def corpus_photos() -> list[tuple[str, bytes]]:
    """A few real camera photos of different sizes (made ones without the corpus)."""
    if CAMERA.is_dir():
        files = sorted(p for p in CAMERA.iterdir() if p.suffix.lower() in (".jpg", ".heic"))
        files.sort(key=lambda p: p.stat().st_size)
        picks = [files[0], files[len(files) // 3], files[2 * len(files) // 3], files[-1]]
        return [(p.name, p.read_bytes()) for p in picks]
    return [(f"IMG_{i}.jpg", camera_jpeg(i, (1600 + 400 * i, 1200 + 300 * i))) for i in range(3)]


def letter(photos: list[tuple[str, bytes]], html: bool = False, cid: bool = False,
           text: str | None = FORM) -> Letter:
    parts = [
        Part(name, _IMAGE_TYPES.get(Path(name).suffix.lower(), "image/jpeg"), data,
             inline=cid, content_id=f"img{i}@shape" if cid else None)
        for i, (name, data) in enumerate(photos)
    ]
    body = None
    if html or text is None:
        body = "<div>" + (text or FORM).replace("\n", "<br>\n") + "</div>"
        if cid:
            body += "".join(f'<img src="cid:img{i}@shape">' for i in range(len(photos)))
    return Letter(subject="Gửi tin bài hội thao", sender=("Nguyễn Văn An", "an.nv@example.org"),
                  text=text, html=body, parts=parts)


# -- the reference: the standard library's lenient parse --------------------------------


def reference_leaves(raw: bytes) -> list[tuple[str, bytes]]:
    """(content type, decoded bytes) of each non-text leaf, as ``email`` (compat32)
    decodes it, with ``Content-Transfer-Encoding`` read as its bare token (the one
    leniency we add: ``base64 `` with a trailing space is base64)."""
    out = []
    for part in email.message_from_bytes(raw).walk():
        if part.is_multipart() or part.get_content_maintype() in ("text", "message"):
            continue
        cte = part.get("content-transfer-encoding")
        if cte is not None:
            part.replace_header("content-transfer-encoding", str(cte).strip().lower())
        data = part.get_payload(decode=True)
        out.append((part.get_content_type(), data if isinstance(data, bytes) else b""))
    return out


def same_parse(a: ParsedMail, b: ParsedMail) -> None:
    assert (a.message_id, a.subject, a.from_addr, a.from_name, a.text, a.html) == (
        b.message_id, b.subject, b.from_addr, b.from_name, b.text, b.html)
    assert [(x.filename, x.content_type, x.content_id, x.inline, x.payload)
            for x in a.attachments] == [
        (x.filename, x.content_type, x.content_id, x.inline, x.payload) for x in b.attachments]
    assert a.headers == b.headers


def photos_out(mail: ParsedMail) -> list[bytes]:
    """Photo bytes found in a parsed message, looking inside forwards and winmail.dat."""
    found: list[bytes] = []
    for att in mail.attachments:
        if att.content_type == "message/rfc822":
            found += photos_out(parse_message(att.payload))
        elif att.filename == "winmail.dat":
            found += [data for _, data in expand_tnef(att.payload, []) or []]
        else:
            found.append(att.payload)
    return found


wires = st.fixed_dictionaries({
    "eol": st.sampled_from([b"\r\n", b"\n"]),
    "width": st.sampled_from([76, 72, 64, 0]),
    "blank": st.booleans(),
    "close": st.booleans(),
    "cte": st.sampled_from(["base64", "Base64", "BASE64", "base64 ", " base64", "base64\t"]),
    "text_cte": st.sampled_from(["quoted-printable", "8bit", "base64"]),
    "forward": st.booleans(),
})


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    shape=st.sampled_from(SHAPES),
    wire=wires,
    picks=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=3),
    tail=st.binary(max_size=200),
    html=st.booleans(),
    cid=st.booleans(),
)
def test_every_wire_shape_parses_as_the_standard_library(
    shape: str, wire: dict[str, Any], picks: list[int], tail: bytes, html: bool, cid: bool
) -> None:
    """Stashed parse == plain parse == the standard library, per part, byte for byte;
    every photo comes out as it went in. ``tail`` changes each photo's length so the last
    base64 line takes every length (the bug hit lines of 40 characters or more)."""
    pool = corpus_photos()
    photos = [(f"{i}_{pool[p][0]}", pool[p][1] + tail) for i, p in enumerate(picks)]
    raw = write(letter(photos, html=html or cid, cid=cid), shape, **wire)
    fast = parse_message(raw, fast_path=True)
    plain = parse_message(raw, fast_path=False)
    same_parse(fast, plain)
    assert sorted(photos_out(fast)) == sorted(data for _, data in photos)
    if not wire["forward"] and shape != "outlook_tnef":
        ours = [(a.content_type, a.payload) for a in fast.attachments]
        assert ours == reference_leaves(raw)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("last_line", [4, 40, 60, 76])
def test_boundary_right_after_base64_keeps_the_photo(shape: str, last_line: int) -> None:
    """Issue 11 item 1, on a message above the stash threshold: the last base64 line
    of 4 to 76 characters followed directly by the boundary."""
    name, data = corpus_photos()[-1]
    data = data + b"\x00" * ((last_line * 3 // 4 - len(data) % 57) % 57)
    raw = write(letter([(name, data)]), shape, blank=False)
    assert len(raw) > base64_stash.MIN_BYTES
    assert photos_out(parse_message(raw)) == [data]


# -- the template cases and camera photos in each client shape --------------------------


TEMPLATE_CASES = sorted(CASES.glob("*.eml"))


def judged(raw: bytes, config: Any) -> dict[str, Any]:
    result = check_json(parse_message(raw), config)
    photos = [(p["file"].rsplit(".", 1)[-1].lower(), p["width"], p["height"],
               sorted(q["code"] for q in p["problems"])) for p in result["photos"]]
    return {"status": result["status"], "disposition": result["disposition"],
            "fields": result["fields"], "photos": sorted(photos),
            "problems": sorted((p["code"], p["field"] or "") for p in result["problems"])}


@pytest.fixture(scope="module")
def template_config() -> Any:
    return load_config(CASES / "config.yaml")


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("case", TEMPLATE_CASES, ids=[p.stem for p in TEMPLATE_CASES])
def test_template_case_in_every_client_shape(
    case: Path, shape: str, template_config: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "34_doc_without_converter" in case.name:
        without_soffice(monkeypatch)
    raw = case.read_bytes()
    assert judged(write(from_eml(raw), shape), template_config) == judged(raw, template_config)


@pytest.mark.parametrize("shape", SHAPES)
def test_camera_photos_in_every_client_shape(shape: str, template_config: Any) -> None:
    """Real camera originals: read exactly as the file itself, in every shape."""
    photos = corpus_photos()
    reference = judged(write(letter(photos), "gmail", eol=b"\r\n", blank=True),
                       template_config)
    assert all("photo_unreadable" not in p[3] for p in reference["photos"]), reference
    assert judged(write(letter(photos), shape), template_config) == reference


# -- end to end: Dovecot in, aiosmtpd out -------------------------------------------------


def test_every_client_shape_end_to_end(imap_mailbox: Any, smtp_server: Any, tmp_path: Path) -> None:
    """Each shape appended to the real Dovecot, one poll: every one stored as accepted
    with its photo read, and a receipt for each."""
    from resilience_support import pipeline, rows

    rng = random.Random(11)
    photo = corpus_photos()[rng.randrange(3)]
    raws = []
    for i, shape in enumerate(SHAPES):
        one = letter([photo])
        one.sender = (f"Nguyễn Văn {chr(65 + i)}", f"ctv{i}@example.org")
        one.message_id = f"shape-{shape}@example.org"
        raws.append(write(one, shape))
    imap_mailbox.append_many(raws)
    config_path = write_config(tmp_path, imap_mailbox.url(), smtp_server.url)
    _config, store, pipe = pipeline(config_path, imap_mailbox.password)
    report = pipe.poll()
    assert (report.fetched, report.failed) == (len(SHAPES), 0)
    stored = rows(store.path, "SELECT s.status, m.message_id FROM submissions s JOIN "
                  "messages m ON m.submission_id = s.id")
    store.close()
    assert sorted(r["message_id"] for r in stored) == sorted(
        f"shape-{s}@example.org" for s in SHAPES)
    statuses = {r["message_id"]: r["status"] for r in stored}
    expected = "pending_review" if CAMERA.is_dir() else statuses["shape-gmail@example.org"]
    assert set(statuses.values()) == {expected}, statuses
    replies = smtp_server.wait_for(len(SHAPES), timeout=60)
    assert sorted(r.rcpt_tos[0] for r in replies) == sorted(
        f"ctv{i}@example.org" for i in range(len(SHAPES)))




SHAPE_FIXTURES = Path(__file__).parent / "data" / "shapes"


@pytest.mark.parametrize("shape", SHAPES)
def test_shape_fixture_is_accepted_by_tinbai_check(
    shape: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The committed fixture of each client (tests/data/shapes, make_shapes.py) through
    `tinbai check --json`: accepted, its photo read whole."""
    import json

    from tinbai.cli import main

    (tmp_path / "config.yaml").write_text(
        "mailboxes:\n  - name: e\n    url: maildir:inbox\nsmtp:\n  url: maildir:outbox\n"
        '  from: "Ban Biên tập <toasoan@congdoan.example.vn>"\ndata_dir: ./var\n',
        encoding="utf-8",
    )
    path = SHAPE_FIXTURES / f"{shape}.eml"
    assert main(["--config", str(tmp_path / "config.yaml"), "check", "--json", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "accepted", result["problems"]
    assert result["fields"]["author"] == "Nguyễn Văn An"
    assert result["subject"] == "Gửi tin bài hội thao"
    assert [(p["format"], p["width"], p["height"]) for p in result["photos"]] == [
        ("JPEG", 2400, 1800)]


def _corpus_photo_files() -> list[Path]:
    photo_corpus = SHARED / "corpus" / "exif-samples"
    return [p for base in (photo_corpus, CAMERA) if base.is_dir() for p in sorted(base.rglob("*"))
            if p.suffix.lower() in (".jpg", ".jpeg", ".heic", ".heif", ".png")]


CORPUS_PHOTOS = _corpus_photo_files()


@pytest.mark.skipif(not CORPUS_PHOTOS, reason="photo corpus not found (../shared/corpus)")
@pytest.mark.parametrize("index", range(len(CORPUS_PHOTOS)),
                         ids=[p.name for p in CORPUS_PHOTOS])
def test_corpus_photo_in_a_client_shape_reads_as_the_file(index: int,
                                                          template_config: Any) -> None:
    """Every corpus photo (edited, resized, corrupt ones too), sent in one client shape
    each (in turn): the photo checks give what they give on the file itself."""
    from ingest.photos import read_photo_facts
    from validators.photos import check_photo

    path = CORPUS_PHOTOS[index]
    data = path.read_bytes()
    rules = template_config.validation
    direct = read_photo_facts(path.name, data, rules.photos)
    expected = sorted(p.code for p in check_photo(direct, rules))
    shape = SHAPES[index % len(SHAPES)]
    raw = write(letter([(path.name, data)]), shape)
    assert photos_out(parse_message(raw)) == [data]
    result = check_json(parse_message(raw), template_config)
    [entry] = result["photos"]
    assert (entry["format"], entry["width"], entry["height"], entry["camera"]) == (
        direct.format, direct.width, direct.height, direct.camera)
    assert sorted(q["code"] for q in entry["problems"]) == expected
