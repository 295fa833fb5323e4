"""Peak memory of parsing hostile-header and large-photo mail, as a multiple of its size.

Usage: ``.venv/bin/python benchmarks/memory.py`` (all cases) or ``--one CASE FILE`` (one
case on a message file, the way the parent runs each case).

Each case runs in its own subprocess under ``RLIMIT_AS`` (3 GiB), so a regression fails
there instead of taking the machine down (before issue 11, a 1.7 MB Subject took over
20 GB). The child imports everything, parses a small message (the process baseline), then
reads and parses the case's message; peak RSS above the baseline is printed as a multiple
of the message size. Goal: at most 4x.

Cases: messages whose Subject is a folded run of RFC 2047 encoded-words of 0.2, 0.8 and
2 MB (the shape that was quadratic), and a 25 MB message with an 18 MB photo.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 3 << 30
CASES = {"header-0.2MB": 0.2e6, "header-0.8MB": 0.8e6, "header-2MB": 2e6, "photo-25MB": 25e6}


def header_message(size: float) -> bytes:
    """A message whose Subject is ``size`` bytes of folded UTF-8 encoded-words."""
    word = "=?utf-8?b?" + base64.b64encode("Gửi tin bài hội nghị ".encode()).decode() + "?="
    count = int(size) // (len(word) + 3)
    subject = "\r\n ".join([word] * count)
    return (f"From: a@example.org\r\nSubject: {subject}\r\nMessage-ID: <h@example.org>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nNội dung\r\n").encode()


def photo_message(size: float) -> bytes:
    """A Gmail-shaped message of ``size`` bytes with one photo (boundary right after the
    last base64 line)."""
    data = b"\xff\xd8\xff\xe1" + os.urandom(int(size * 3 / 4) - 4096)
    b64 = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (b'From: a@example.org\r\nMessage-ID: <p@example.org>\r\nContent-Type: multipart/'
            b'mixed; boundary="0000"\r\n\r\n--0000\r\nContent-Type: text/plain; charset=utf-8'
            b'\r\n\r\nxin gui anh\r\n--0000\r\nContent-Type: image/jpeg; name="IMG_1.jpg"\r\n'
            b"Content-Disposition: attachment; filename=\"IMG_1.jpg\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--0000--\r\n")


def build(case: str) -> bytes:
    size = CASES[case]
    return header_message(size) if case.startswith("header") else photo_message(size)


def measure_one(path: Path) -> dict[str, float]:
    """In the child: baseline, then parse ``path``; sizes in bytes, time in seconds."""
    sys.path.insert(0, str(ROOT))
    from ingest.mime import parse_message

    parse_message(photo_message(20_000))  # warm-up: every import, a small message
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    raw = path.read_bytes()
    started = time.process_time()
    mail = parse_message(raw)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"size": len(raw), "baseline": baseline, "peak": peak, "cpu_s": cpu,
            "attachments": len(mail.attachments), "subject_chars": len(mail.subject)}


def run_case(case: str, folder: Path) -> dict[str, float]:
    """One case in a subprocess under RLIMIT_AS; its figures."""
    path = folder / f"{case}.eml"
    path.write_bytes(build(case))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    done = subprocess.run(
        [sys.executable, __file__, "--one", case, str(path)], capture_output=True, text=True,
        timeout=600, preexec_fn=limit, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{case}: exit {done.returncode}\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    result["multiple"] = (result["peak"] - result["baseline"]) / result["size"]
    return result


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure_one(Path(sys.argv[3]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':<14} {'size MB':>8} {'baseline MB':>12} {'peak MB':>8} "
              f"{'above/size':>10} {'cpu s':>6}")
        for case in CASES:
            r = run_case(case, Path(tmp))
            print(f"{case:<14} {r['size'] / 1e6:>8.2f} {r['baseline'] / 2**20:>12.1f} "
                  f"{r['peak'] / 2**20:>8.1f} {r['multiple']:>9.2f}x {r['cpu_s']:>6.2f}")
    print("goal: peak above the baseline at most 4x the message size")


if __name__ == "__main__":
    main()
