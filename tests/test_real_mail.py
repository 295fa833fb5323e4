"""Real mail, whole (issue 11): hostile headers in bounded memory, raw 8-bit headers,
quiet standard error, no Python internals in messages, and the whole shared corpus
through `tinbai check --json` in bounded memory.

Memory is measured in subprocesses under ``RLIMIT_AS`` so a regression fails the test
instead of taking the machine down (the quadratic header took over 20 GB).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import os
import re
import resource
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mailshapes import Letter, Part, write
from shared_data import MAIL_CORPUS, PHOTO_CORPUS, SHARED

from ingest.headers import MAX_FIELD_BYTES
from ingest.mime import parse_message
from tinbai.samples import camera_jpeg

ROOT = Path(__file__).resolve().parents[1]
CAMERA = SHARED / "corpus" / "camera-originals"
CONFIG = (
    "mailboxes:\n  - name: e\n    url: maildir:inbox\nsmtp:\n  url: maildir:outbox\n"
    '  from: "Ban Biên tập <toasoan@congdoan.example.vn>"\ndata_dir: ./var\n'
)
FORM = (
    "1. Tít tin, bài: Công đoàn cơ sở tổ chức hội thao\n2. Nội dung bài viết: Sáng nay, "
    "Công đoàn cơ sở trường Tiểu học Nam Cường tổ chức hội thao cho đoàn viên.\n"
    "3. Chú thích ảnh: Đoàn viên kéo co\n4. Tác giả: Nguyễn Văn An\n"
    "5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh\n6. Số điện thoại: 0983 123 789\n"
    "7. Số tài khoản của tác giả: 3951 0001 2345 67 tại Agribank\n"
    "8. Tên chủ tài khoản: Nguyễn Văn An\n"
)


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("memory_bench", ROOT / "benchmarks" / "memory.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", ["header-0.2MB", "header-0.8MB", "header-2MB", "photo-25MB"])
def test_peak_memory_is_at_most_four_times_the_message(case: str, tmp_path: Path) -> None:
    """benchmarks/memory.py's cases, each in a subprocess under RLIMIT_AS (3 GiB): peak
    RSS above the process baseline at most 4x the message size (issue 11 item 2)."""
    result = _benchmark().run_case(case, tmp_path)
    assert result["multiple"] <= 4.0, result
    if case.startswith("photo"):
        assert result["attachments"] == 1


def test_a_long_folded_subject_is_cut_before_decoding() -> None:
    word = "=?utf-8?b?" + base64.b64encode("Gửi tin bài ".encode()).decode() + "?="
    raw = ("From: a@example.org\r\nSubject: " + "\r\n ".join([word] * 4000)
           + "\r\nMessage-ID: <long@example.org>\r\n\r\nx\r\n").encode()
    mail = parse_message(raw)
    assert mail.message_id == "long@example.org"
    assert mail.subject.startswith("Gửi tin bài Gửi tin bài")
    assert any(d.startswith("header_truncated: subject") for d in mail.defects)
    assert len(mail.subject) < MAX_FIELD_BYTES


def test_headers_after_a_huge_block_are_still_read() -> None:
    """A header block of 2 MB of junk fields: the fields that identify and classify the
    message are kept (first occurrence), the rest dropped as a defect."""
    junk = "".join(f"X-Junk-{i}: {'y' * 70}\r\n" for i in range(25_000))
    raw = (f"From: a@example.org\r\n{junk}Subject: Gửi tin bài\r\nList-Id: <l.example.org>"
           "\r\nMessage-ID: <junk@example.org>\r\n\r\nx\r\n").encode()
    mail = parse_message(raw)
    assert (mail.message_id, mail.subject, mail.from_addr) == (
        "junk@example.org", "Gửi tin bài", "a@example.org")
    assert "list-id" in mail.headers
    assert any(d.startswith("header_block_too_large") for d in mail.defects)


def test_raw_8bit_subject_in_the_texts_charset() -> None:
    """Outlook Express: Subject and From name in windows-1258 without RFC 2047, body in
    windows-1258 (issue 11 item 4)."""
    letter = Letter(subject="Gửi tin bài hội thao", sender=("Nguyễn Văn An", "an@example.org"),
                    text=FORM)
    mail = parse_message(write(letter, "outlook_express"))
    assert mail.subject == "Gửi tin bài hội thao"
    assert mail.from_name == "Nguyễn Văn An"
    assert "Tác giả: Nguyễn Văn An" in mail.text
    assert any("decoded as windows-1258, the text's charset" in d for d in mail.defects)


@pytest.mark.parametrize(("text", "charset"), [
    ("Grüße aus München", "latin-1"), ("会议资料已发送", "gb2312"), ("會議資料已寄出", "big5"),
])
def test_raw_8bit_subject_in_other_charsets(text: str, charset: str) -> None:
    raw = (b"From: a@example.org\r\nSubject: " + text.encode(charset) + b"\r\nMessage-ID: <r"
           b"@example.org>\r\nContent-Type: text/plain; charset=" + charset.encode() + b"\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode(charset) + b"\r\n")
    mail = parse_message(raw)
    assert mail.subject == text
    assert text in mail.text


def test_raw_8bit_utf8_subject_needs_no_fallback() -> None:
    raw = ("From: a@example.org\r\nSubject: Gửi tin bài\r\nMessage-ID: <u@example.org>\r\n"
           "\r\nx\r\n").encode()
    mail = parse_message(raw)
    assert mail.subject == "Gửi tin bài"
    assert not any(d.startswith("raw_8bit_header") for d in mail.defects)


def run_check(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "tinbai.cli", "--config", str(tmp_path / "config.yaml"),
         "check", "--json", str(path)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )


def test_mailparser_warnings_stay_off_standard_error(tmp_path: Path) -> None:
    """A PNG and a PDF attachment made mail-parser print "Email content 'png' not
    handled" on stderr: tinbai.logs undid the level ingest.mime sets (item 6)."""
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    letter = Letter(subject="Gửi tin bài", sender=("An", "an@example.org"), text=FORM,
                    parts=[Part("logo.png", "image/png", png),
                           Part("a.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n")])
    path = tmp_path / "m.eml"
    path.write_bytes(write(letter, "gmail"))
    done = run_check(path, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] in ("accepted", "needs_fix")
    assert "not handled" not in done.stderr
    assert "mailparser" not in done.stderr


# -- no Python internals in what people read (item 5) ------------------------------------

_INTERNALS = re.compile(
    r"<_io\.|object at 0x|Traceback|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|BadZipFile|"
    r"UnidentifiedImage|DecompressionBomb|\bErrno\b"
)


def _messages(result: dict[str, Any]) -> list[str]:
    texts = []
    for problem in [*result["problems"], *(q for p in result["photos"] for q in p["problems"])]:
        texts += [str(v) for k, v in problem.items() if k in ("message", "detail")]
    return texts


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _corrupt_files() -> list[Part]:
    jpeg = camera_jpeg(3, (1600, 1200))
    docx_zip = b"PK\x03\x04" + os.urandom(2000)
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return [
        Part("IMG_truncated.jpg", "image/jpeg", jpeg[: len(jpeg) // 3]),
        Part("IMG_random.jpg", "image/jpeg", os.urandom(5000)),
        Part("IMG_empty.jpg", "image/jpeg", b""),
        Part("anh.png", "image/png", b"\x89PNG\r\n\x1a\n" + os.urandom(300)),
        Part("anh.heic", "image/heic", b"\x00\x00\x00\x18ftypheic" + os.urandom(300)),
        Part("bai.docx", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document", docx_zip),
        Part("bai.doc", "application/msword", b"\xd0\xcf\x11\xe0" + os.urandom(3000)),
        Part("bai.pdf", "application/pdf", b"%PDF-1.7\n" + os.urandom(300)),
        Part("anh.zip", "application/zip", b"PK\x05\x06" + b"\x00" * 18),
        # a valid zip that is no Word file: python-docx raises inside
        Part("bai2.docx", docx_type, _zip({"[Content_Types].xml": b"<Types/>"})),
        Part("bai3.docx", docx_type, _zip({"word/document.xml": b"<not xml"})),
        Part("anh2.zip", "application/zip", _zip({"IMG_1.jpg": b"\xff\xd8junk"})),
    ]


@pytest.mark.parametrize("index", range(12))
def test_no_python_internals_in_messages(index: int, tmp_path: Path) -> None:
    """Each corrupt photo or document through `tinbai check --json`: no repr, class name
    or library error string in any message shown to contributors and editors."""
    part = _corrupt_files()[index]
    letter = Letter(subject="Gửi tin bài", sender=("An", "an@example.org"), text=FORM,
                    parts=[part])
    path = tmp_path / "m.eml"
    path.write_bytes(write(letter, "gmail"))
    done = run_check(path, tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout)
    found = [t for t in _messages(result) if _INTERNALS.search(t)]
    assert not found


# -- the whole shared corpus, each message in bounded memory ------------------------------

_DRIVER = textwrap.dedent("""
    import io, json, os, resource, sys
    from contextlib import redirect_stdout
    from tinbai.cli import main
    config, paths = sys.argv[1], sys.argv[2:]
    with redirect_stdout(io.StringIO()):
        main(["--config", config, "check", "--json", paths[0]])  # warm: every import
    for path in paths:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
            out = io.StringIO()
            try:
                with redirect_stdout(out):
                    code = main(["--config", config, "check", "--json", path])
            except BaseException as e:
                out.write(f"Traceback-like failure: {type(e).__name__}: {e}")
                code = 99
            os.write(write, out.getvalue().encode())
            os._exit(code if isinstance(code, int) else 98)
        os.close(write)
        chunks = []
        while chunk := os.read(read, 1 << 16):
            chunks.append(chunk)
        os.close(read)
        _, status, usage = os.wait4(pid, 0)
        print(json.dumps({"path": path, "exit": os.waitstatus_to_exitcode(status),
                          "peak_kib": usage.ru_maxrss, "stdout": b"".join(chunks).decode()}))
""")


def _wrapped_photos(folder: Path) -> list[Path]:
    """Every corpus photo as a Gmail-shaped submission with the form."""
    photos = [p for base in (PHOTO_CORPUS, CAMERA) if base.is_dir() for p in sorted(base.rglob("*"))
              if p.suffix.lower() in (".jpg", ".jpeg", ".heic", ".heif", ".png")]
    paths = []
    for i, photo in enumerate(photos):
        letter = Letter(subject="Gửi tin bài", sender=("An", "an@example.org"), text=FORM,
                        parts=[Part(photo.name, "image/jpeg", photo.read_bytes())],
                        message_id=f"corpus-{i}@example.org")
        path = folder / f"photo-{i:03d}.eml"
        path.write_bytes(write(letter, "gmail"))
        paths.append(path)
    return paths


@pytest.mark.slow
@pytest.mark.skipif(not MAIL_CORPUS.is_dir(), reason=f"mail corpus not found at {MAIL_CORPUS}")
def test_whole_corpus_through_check_json_in_bounded_memory(tmp_path: Path) -> None:
    """Every message of the mail-parser corpus and every corpus photo wrapped in mail:
    `tinbai check --json` exits 0 with one JSON object, no traceback, peak RSS of the
    process (baseline included) under 300 MiB each."""
    (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
    paths = sorted(p for p in MAIL_CORPUS.iterdir() if p.name.startswith("mail_"))
    paths += _wrapped_photos(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(tmp_path / "config.yaml"), *map(str, paths)],
        capture_output=True, text=True, timeout=3000, check=False, cwd=tmp_path,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines()
               if line.startswith('{"path"')]
    assert len(results) == len(paths)
    bad = []
    for r in results:
        try:
            verdict = json.loads(r["stdout"])
        except json.JSONDecodeError:
            verdict = None
        if r["exit"] != 0 or not isinstance(verdict, dict) or r["peak_kib"] >= 300 * 1024:
            bad.append((Path(r["path"]).name, r["exit"], r["peak_kib"] // 1024, r["stdout"][:200]))
    assert not bad, bad
    peaks = sorted(r["peak_kib"] // 1024 for r in results)
    print(f"corpus: {len(results)} messages, peak RSS {peaks[0]}–{peaks[-1]} MiB "
          f"(median {peaks[len(peaks) // 2]})")
