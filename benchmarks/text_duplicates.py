"""How finding a body's near-copies scales with the archive: 8,000 earlier bodies vs 500.

Fills two throwaway data folders with N submissions whose bodies are distinct sample
articles (``tinbai.samples.article_body``) fingerprinted as the intake does, plus a few
near-copies, then times the intake's lookup (:func:`tinbai.textdup.near_copies`: MinHash
of the new body, one primary-key search per LSH band, signatures compared) for a set of
new bodies, and reports the median time per lookup in each folder and their ratio. The
lookup reads only the bands it shares, so the goal is a ratio ≤ 2 for 16 times the
archive (a scan of every body would give about 16).

    .venv/bin/python benchmarks/text_duplicates.py [--small 500] [--large 8000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.textprint import text_print
from store.db import Store
from tinbai import textdup
from tinbai.config import Config
from tinbai.samples import article_body


def fill(store: Store, count: int) -> None:
    """``count`` submissions with fingerprinted bodies, in one transaction."""
    with store.transaction():
        for n in range(1, count + 1):
            body = article_body(n)
            sid = store.submissions.insert(
                {"ref": f"TB-2026-{n:05d}", "status": "pending_review", "body": body,
                 "sender": f"ctv{n}@example.org"}, actor="benchmark")
            printed = text_print(body)
            assert printed is not None
            store.texts.put(sid, printed.signature, printed.bands, printed.words)


def median_lookup(store: Store, config: Config, rounds: int,
                  size: int) -> tuple[float, int]:
    """Median seconds per lookup of ``rounds`` new bodies (every tenth a near-copy), and
    how many near-copies were found."""
    times: list[float] = []
    found = 0
    for n in range(rounds):
        body = (article_body(1 + n * 7 % size) + " Tin gửi lại." if n % 10 == 0
                else article_body(1_000_000 + n))
        start = time.perf_counter()
        close = textdup.near_copies(store, config, body, None)
        times.append(time.perf_counter() - start)
        found += any(float(c["similarity"]) >= 0.6 for c in close)
    return statistics.median(times), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=8000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="tinbai-bench-") as tmp:
        for size in (args.small, args.large):
            folder = Path(tmp) / str(size)
            config = Config(base_dir=folder, data_dir=folder / "var")
            store = Store(config.data_path)
            fill(store, size)
            median, found = median_lookup(store, config, args.rounds, size)
            store.close()
            results.append((size, median, found))
            print(f"{size:>6} bodies: {median * 1000:7.2f} ms per lookup (median of "
                  f"{args.rounds}), near-copies found {found}/{args.rounds // 10}")
    (small, t_small, _), (large, t_large, _) = results
    print(f"ratio {large // small}x archive → {t_large / t_small:.2f}x time per lookup "
          "(goal ≤ 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
