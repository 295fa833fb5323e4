"""Polling benchmark against a real Dovecot (issue 5, "Done when").

Measures, in one run:

1. ``empty-poll ratio``: the time of a poll with nothing new on a 20,000-message mailbox
   divided by the same on a 200-message mailbox (goal ≤ 1.5). A poll is open + login +
   SELECT + ``list_new(last_uid)`` + logout, as ``tinbai poll`` does per mailbox.
   The same ratio is also measured for a whole ``Poller.poll()`` (checkpoint lookup,
   the source, the outbox query), which is what ``tinbai poll`` does after start-up.
2. ``backlog ratio``: the ingest rate of the pipeline (``Poller.poll()`` in-process:
   fetch, parse, photo checks, SQLite commit with the raw and photos kept durably, reply
   queued and written to a Maildir outbox) on messages with photos of a few MB, divided
   by the raw rate of fetching the same messages with imapclient and writing them to disk
   (goal ≥ 0.5). :func:`raw_fetch_rate` gives the denominator. It is printed twice: with
   imapclient as shipped (the goal's denominator), and with imaplib's trace formatting
   off as tinbai fetches, which is a plain network copy, several times faster; the second
   ratio shows how far the parsing and photo decoding are from that bound.

Large mailboxes are built by writing Maildir files directly into the user's Maildir and
letting Dovecot index them on the first SELECT (APPEND of 20,000 messages would dominate the
run); see ../shared/notes/dovecot.md.

Run: ``.venv/bin/python benchmarks/poll.py [--big 20000] [--small 200] [--repeat 7]``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from servers import Dovecot  # noqa: E402

from ingest.sources.imap import ImapSource  # noqa: E402
from ingest.sources.imaptrace import quiet_protocol_trace  # noqa: E402

BASE_TIME = 1_767_225_600  # 2026-01-01T00:00:00Z: delivery times spread from here


# -- message factories ----------------------------------------------------------------


def small_submission(i: int) -> bytes:
    """A realistic small text submission (a few KB), unique Message-ID per ``i``."""
    msg = EmailMessage()
    msg["From"] = f"Nguyễn Văn {i} <tacgia{i}@congdoan.example.vn>"
    msg["To"] = "toasoan@example.org"
    msg["Subject"] = f"Tin bài số {i}: Hội nghị người lao động"
    msg["Date"] = time.strftime("%a, %d %b %Y %H:%M:%S +0700", time.gmtime(BASE_TIME + i * 60))
    msg["Message-ID"] = f"<bench-{i}@congdoan.example.vn>"
    msg.set_content(
        "1. Tít tin, bài: Hội nghị người lao động\n"
        f"2. Nội dung bài viết: {'Công đoàn cơ sở tổ chức hội nghị. ' * 40}\n"
        "3. Chú thích ảnh: Ảnh 1: Quang cảnh hội nghị\n"
        f"4. Tác giả: Nguyễn Văn {i}\n5. Đơn vị công tác: LĐLĐ huyện A\n"
        "6. Số điện thoại: 0912345678\n7. Số tài khoản của tác giả: 0123456789\n"
        f"8. Tên chủ tài khoản: Nguyễn Văn {i}\n"
    )
    return msg.as_bytes(policy=SMTP)


def templated(make: Callable[[int], bytes], marker: int = 987654321) -> Callable[[int], bytes]:
    """A fast factory: build one message with ``make(marker)`` and substitute the number
    textually (building 20,000 EmailMessage objects takes minutes on a busy machine)."""
    template = make(marker)
    needle = str(marker).encode()
    if needle not in template:
        raise ValueError("marker not found in the template message")

    def factory(i: int) -> bytes:
        return template.replace(needle, str(i).encode())

    return factory


def camera_jpeg(seed: int, megapixels: float = 6.0) -> bytes:
    """A noisy JPEG of a few MB with camera EXIF (Make, Model, DateTimeOriginal), like an
    original phone photo. Noise keeps it from compressing to nothing."""
    from PIL import Image

    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    noise = Image.effect_noise((width, height), 40 + seed % 20).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "SM-A556E"  # Model
    exif[0x8769] = {0x9003: "2026:11:20 08:30:00"}  # Exif IFD: DateTimeOriginal
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def photo_submission(i: int, photos: Iterable[bytes]) -> bytes:
    """A submission with the given JPEGs attached (``Ảnh i-n.jpg``)."""
    msg = EmailMessage()
    base = small_submission(i)
    from email import message_from_bytes
    from email.policy import default

    parsed = message_from_bytes(base, policy=default)
    for key in ("From", "To", "Subject", "Date", "Message-ID"):
        msg[key] = str(parsed[key])
    body = parsed.get_body(("plain",))
    msg.set_content(body.get_content() if body is not None else "")
    for n, data in enumerate(photos, start=1):
        msg.add_attachment(data, maintype="image", subtype="jpeg", filename=f"Ảnh {i}-{n}.jpg")
    return msg.as_bytes(policy=SMTP)


# -- mailbox builders -----------------------------------------------------------------


def write_maildir(
    root: Path, count: int, make: Callable[[int], bytes], *, start: int = 0, seen: bool = False
) -> int:
    """Write ``count`` messages straight into a Maildir (new/, or cur/ with ``:2,S``).

    File names follow Dovecot's convention ``<time>.M<usec>P<pid>.<host>,S=<size>``; the
    ``S=`` size lets Dovecot skip a stat per message when indexing. Returns bytes written.
    """
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    pid = os.getpid()
    for i in range(start, start + count):
        data = make(i)
        ts = BASE_TIME + i * 60
        name = f"{ts}.M{i}P{pid}.bench,S={len(data)}"
        target = root / ("cur" if seen else "new") / (name + (":2,S" if seen else ""))
        target.write_bytes(data)
        os.utime(target, (ts, ts))  # Dovecot's INTERNALDATE for Maildir is the mtime
        total += len(data)
    return total


def populate(server: Dovecot, user: str, count: int, make: Callable[[int], bytes]) -> float:
    """Fill ``user``'s INBOX with ``count`` messages written directly, then let Dovecot
    index them (the first SELECT). Returns the seconds spent indexing."""
    root = server.maildir_path(user)
    write_maildir(root, count, make)
    server.chown_mail()
    t = time.perf_counter()
    with server.client(user=user) as c:
        # Read-write SELECT: Dovecot indexes and moves new/ to cur/, like a first poll.
        info = c.select_folder("INBOX")
        assert int(info[b"EXISTS"]) >= count, info
    return time.perf_counter() - t


def settle(seconds: float = 2.0) -> None:
    """Wait until the Maildir directories' mtimes are older than Dovecot's trust window.

    Dovecot rescans a Maildir directory whose mtime is within the last second or so (it
    cannot know whether a change in the same second was seen), so polls right after a
    bulk change cost a full readdir of 20,000 entries; a real mailbox is not rewritten
    in the second before every poll."""
    time.sleep(seconds)


# -- measurements ---------------------------------------------------------------------


def empty_poll_seconds(server: Dovecot, user: str, repeat: int = 7) -> float:
    """Median seconds of one poll that finds nothing new (open, SELECT, list_new, close)."""
    src = ImapSource("bench", server.host, user=user, port=server.port, tls="none",
                     password=server.password)
    with src:
        last = max((u for u, _ in src.list_new(0)), default=0)
    times: list[float] = []
    for _ in range(repeat):
        t = time.perf_counter()
        with src:
            assert src.list_new(last) == []
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def raw_fetch_rate(
    server: Dovecot, user: str, out_dir: Path, batch: int = 20, *, quiet_trace: bool = False
) -> float:
    """Messages per second of the raw baseline: imapclient ``BODY.PEEK[]`` in UID batches,
    each message written to its own file in ``out_dir`` (the denominator of the backlog
    ratio).

    ``quiet_trace`` turns off imaplib's protocol-trace formatting as tinbai's IMAP source
    does (:func:`ingest.sources.imaptrace.quiet_protocol_trace`); imapclient as shipped formats
    the ``repr()`` of every fetched message even with logging off, which costs several
    times the transfer itself.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    n = 0
    with server.client(user=user) as c:
        if quiet_trace:
            quiet_protocol_trace(c)
        c.select_folder("INBOX", readonly=True)
        uids = sorted(c.search("ALL"))
        for i in range(0, len(uids), batch):
            for uid, item in c.fetch(uids[i : i + batch], ["BODY.PEEK[]"]).items():
                (out_dir / f"{uid}.eml").write_bytes(item[b"BODY[]"])
                n += 1
    return n / (time.perf_counter() - t)


def pipeline_for(server: Dovecot, user: str, folder: Path) -> tuple[Any, Any]:
    """A Poller over ``user``'s INBOX with a Maildir outbox in ``folder``."""
    from urllib.parse import quote

    from store.db import Store
    from tinbai.config import load_config
    from tinbai.poll import Poller

    folder.mkdir(parents=True, exist_ok=True)
    url = f"imap://{quote(user, safe='')}@{server.host}:{server.port}/INBOX"
    (folder / "config.yaml").write_text(
        f"mailboxes:\n  - name: bench\n    url: \"{url}\"\n"
        "    password_env: TINBAI_BENCH_PASSWORD\n    batch_size: 10\n"
        "smtp:\n  url: maildir:outbox\ndata_dir: ./var\n"
        "replies:\n  max_per_sender_per_day: 100000\n  max_age_days: 100000\n",
        encoding="utf-8",
    )
    os.environ["TINBAI_BENCH_PASSWORD"] = server.password
    config = load_config(folder / "config.yaml")
    store = Store(config.data_path)
    return store, Poller(config, store)


def empty_pipeline_poll_seconds(server: Dovecot, user: str, folder: Path,
                                repeat: int = 7) -> float:
    """Median seconds of ``Poller.poll()`` finding nothing new (checkpoint at the end)."""
    store, pipe = pipeline_for(server, user, folder)
    src = ImapSource("bench", server.host, user=user, port=server.port, tls="none",
                     password=server.password)
    with src:
        validity = src.uidvalidity
        last = max((u for u, _ in src.list_new(0)), default=0)
    with store.transaction():
        store.messages.set_last_uid("bench", validity, last)
    times: list[float] = []
    for _ in range(repeat):
        t = time.perf_counter()
        report = pipe.poll()
        times.append(time.perf_counter() - t)
        assert report.fetched == 0 and not report.errors, report
    store.close()
    return statistics.median(times)


def ingest_rate(server: Dovecot, user: str, folder: Path) -> tuple[float, int]:
    """Messages per second of ``Poller.poll()`` ingesting the whole backlog of ``user``
    (every message stored, its reply queued and written to the outbox)."""
    store, pipe = pipeline_for(server, user, folder)
    t = time.perf_counter()
    report = pipe.poll()
    seconds = time.perf_counter() - t
    assert not report.errors and report.failed == 0, report
    store.close()
    return report.fetched / seconds, report.fetched


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--big", type=int, default=20_000)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--backlog", type=int, default=24, help="photo messages in the backlog")
    ap.add_argument("--megapixels", type=float, default=6.0, help="size of each photo")
    args = ap.parse_args(argv)

    users = [("small@example.org", "secret"), ("big@example.org", "secret"),
             ("backlog@example.org", "secret")]
    server = Dovecot(extra_users=users)
    try:
        server.start()
        t = time.perf_counter()
        make = templated(small_submission)
        idx_small = populate(server, "small@example.org", args.small, make)
        idx_big = populate(server, "big@example.org", args.big, make)
        settle()
        print(f"built mailboxes in {time.perf_counter() - t:.1f}s "
              f"(Dovecot indexing: {idx_small:.2f}s small, {idx_big:.2f}s big)")
        small = empty_poll_seconds(server, "small@example.org", args.repeat)
        big = empty_poll_seconds(server, "big@example.org", args.repeat)
        print(f"empty poll: {args.small} msgs {small * 1000:.1f} ms, "
              f"{args.big} msgs {big * 1000:.1f} ms")
        print(f"empty-poll ratio ({args.big}/{args.small}): {big / small:.2f} (goal <= 1.5)")
        with tempfile.TemporaryDirectory() as tmp:
            small_p = empty_pipeline_poll_seconds(server, "small@example.org", Path(tmp) / "s",
                                                  args.repeat)
            big_p = empty_pipeline_poll_seconds(server, "big@example.org", Path(tmp) / "b",
                                                args.repeat)
        print(f"empty Poller.poll(): {args.small} msgs {small_p * 1000:.1f} ms, "
              f"{args.big} msgs {big_p * 1000:.1f} ms")
        print(f"empty-poll ratio, whole pipeline ({args.big}/{args.small}): "
              f"{big_p / small_p:.2f} (goal <= 1.5)")

        # A different photo in every message: nothing is saved by content addressing or
        # by a photo seen before, as in a real backlog.
        photos = [camera_jpeg(seed, args.megapixels) for seed in range(args.backlog)]

        def make_photo(i: int) -> bytes:
            return photo_submission(i, [photos[i % len(photos)]])

        populate(server, "backlog@example.org", args.backlog, make_photo)
        size_mb = len(make_photo(0)) / 1e6
        settle()
        with tempfile.TemporaryDirectory() as tmp:
            raw_rate = raw_fetch_rate(server, "backlog@example.org", Path(tmp) / "raw")
            quiet_rate = raw_fetch_rate(server, "backlog@example.org", Path(tmp) / "quiet",
                                        quiet_trace=True)
            rate, n = ingest_rate(server, "backlog@example.org", Path(tmp) / "ingest")
        print(f"backlog: {n} messages of {size_mb:.1f} MB (one {args.megapixels:g} MP photo "
              f"each): raw fetch {raw_rate:.1f} msg/s (imapclient as shipped), "
              f"{quiet_rate:.1f} msg/s (trace formatting off); pipeline ingest {rate:.2f} msg/s")
        print(f"backlog ratio (ingest/raw imapclient fetch): {rate / raw_rate:.2f} "
              "(goal >= 0.5)")
        print(f"backlog ratio (ingest/raw fetch, trace formatting off): "
              f"{rate / quiet_rate:.2f} (no goal: a network copy with nothing decoded)")
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
