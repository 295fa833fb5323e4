"""How the editors' queue page scales: server time with 10,000 submissions vs 100.

Fills two throwaway data folders with N submissions (bulk inserted rows: statuses, units,
reception times over a year, problems for about a third), then requests the queue page
as a logged-in editor through the ASGI app in-process (httpx's ASGI transport, one event
loop, no network) and reports the median *server* time per request: from the moment the
application is called until it has sent the last byte of the response (middleware, login
check, queries, template, masking). The page is paginated in the database, so the goal is
a ratio ≤ 2.

    .venv/bin/python benchmarks/queue_page.py [--small 100] [--large 10000] [--rounds 60]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncio
from typing import Any

import httpx

from store.db import Store
from store.submissions import search_text
from tinbai.config import Config
from tinbai.web.app import create_app
from tinbai.web.auth import create_user

STATUSES = ["needs_fix"] * 2 + ["pending_review"] * 3 + ["approved", "published", "published",
                                                          "paid", "rejected"]
UNITS = ["LĐLĐ huyện Chợ Đồn", "Công đoàn ngành Giáo dục", "Công đoàn ngành Y tế",
         "Công đoàn Viên chức tỉnh", "CĐCS Công ty TNHH May Chợ Mới", None]
CODES = [("missing_field", "error"), ("invalid_phone", "error"), ("no_photo", "error"),
         ("photo_recompressed", "error"), ("unknown_unit", "warning"),
         ("body_too_short", "warning"), ("photo_duplicate", "warning")]
PASSWORD = "benchmark-123"


def fill(store: Store, count: int, seed: int = 7) -> None:
    """Insert ``count`` submissions with problems, in one transaction."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    submissions = []
    problems = []
    for n in range(1, count + 1):
        received = (start + timedelta(minutes=rng.randrange(0, 330 * 24 * 60)))
        stamp = received.isoformat(timespec="seconds")
        unit = rng.choice(UNITS)
        account = "".join(rng.choice("0123456789") for _ in range(rng.randint(9, 14)))
        codes = rng.sample(CODES, rng.choice([0, 0, 1, 2]))
        errors = sum(1 for _, severity in codes if severity == "error")
        submissions.append((
            n, f"TB-2026-{n:05d}", rng.choice(STATUSES), f"tacgia{n}@example.vn",
            f"Tác giả {n}", f"Tin bài số {n}", f"Tít tin, bài số {n} về hoạt động công đoàn",
            "Nội dung " * 80, f"Tác giả {n}", unit or "Đơn vị lạ", unit, account, account,
            "{}", errors, len(codes) - errors, stamp, stamp,
        ))
        row = dict(zip(("ref", "title", "author", "unit", "unit_name", "sender", "sender_name"),
                       (f"TB-2026-{n:05d}", f"Tít tin, bài số {n} về hoạt động công đoàn",
                        f"Tác giả {n}", unit or "Đơn vị lạ", unit, f"tacgia{n}@example.vn",
                        f"Tác giả {n}"), strict=True))
        submissions[-1] += (search_text(row),)
        for code, severity in codes:
            problems.append((n, code, severity, f"Thông báo {code}"))
    with store.transaction():
        store.db.conn.executemany(
            """INSERT INTO submissions (id, ref, status, sender, sender_name, subject, title,
               body, author, unit, unit_name, bank_account, bank_account_digits,
               candidate_json, error_count, warning_count, received_at, updated_at,
               search_text)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            submissions,
        )
        store.db.conn.executemany(
            "INSERT INTO problems (submission_id, code, severity, message) VALUES (?, ?, ?, ?)",
            problems,
        )
    store.db.execute("ANALYZE")


class ServerTimer:
    """ASGI wrapper recording how long the application takes per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        t0 = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - t0


async def _login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    await client.post("/login", data={"name": "bientap", "password": PASSWORD,
                                      "csrf": token, "next": "/"})


ROWS: dict[tuple[int, str], int] = {}
"""Rows shown by each (app index, path): filtered pages of the small store hold fewer."""


async def _measure(apps: list[Any], rounds: int, paths: list[str]) -> list[dict[str, float]]:
    """Median server time per path for each app, requests interleaved across the apps so
    that a busy machine slows them alike."""
    timers = [ServerTimer(app) for app in apps]
    clients = [httpx.AsyncClient(transport=httpx.ASGITransport(app=t), base_url="http://b")
               for t in timers]
    try:
        for client in clients:
            await _login(client)
        results: list[dict[str, float]] = [{} for _ in apps]
        for path in paths:
            samples: list[list[float]] = [[] for _ in apps]
            for round_ in range(rounds + 5):
                for index, (client, timer) in enumerate(zip(clients, timers, strict=True)):
                    response = await client.get(path)
                    assert response.status_code == 200, path
                    ROWS[index, path] = response.text.count('<td class="ref">')
                    if round_ >= 5:  # the first rounds warm caches
                        samples[index].append(timer.last)
            for index in range(len(apps)):
                results[index][path] = statistics.median(samples[index])
        return results
    finally:
        for client in clients:
            await client.aclose()


def measure(counts: list[int], rounds: int, paths: list[str]) -> list[dict[str, float]]:
    """Median server seconds per request of each path, for stores of each size."""
    with tempfile.TemporaryDirectory(prefix="tinbai-bench-") as folder:
        stores = []
        apps = []
        try:
            for count in counts:
                data = Path(folder) / str(count)
                config = Config(base_dir=data, data_dir=data)
                store = Store(config.data_path)
                stores.append(store)
                fill(store, count)
                create_user(store, "bientap", "editor", PASSWORD)
                apps.append(create_app(config, store=store))
            return asyncio.run(_measure(apps, rounds, paths))
        finally:
            for store in stores:
                store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    # Pages of 50 rows in both stores: the first and second page of the whole queue.
    # Filtered pages are shown for information; with 100 items they hold fewer rows.
    paths = ["/", "/?page=2", "/?status=pending_review", "/?problem=no_photo",
             "/?period=2026-Q3", "/?q=T%C3%ADt+tin", "/?q=bai+so+9999+ve+hoat"]
    small, large = measure([args.small, args.large], args.rounds, paths)
    ratio = large["/"] / small["/"]
    if args.json:
        print(json.dumps({"small": args.small, "large": args.large, "ratio": ratio,
                          "seconds": {"small": small, "large": large}}, indent=2))
        return 0 if ratio <= 2 else 1
    print(f"median server time per request  {args.small:>6} items (rows) "
          f"{args.large:>6} items (rows)   ratio")
    for path in paths:
        print(f"{path:30} {small[path] * 1000:8.2f} ms ({ROWS[0, path]:2d})"
              f"   {large[path] * 1000:8.2f} ms ({ROWS[1, path]:2d})"
              f"   {large[path] / small[path]:5.2f}")
    print(f"ratio of the queue page's server time, {args.large} vs {args.small} "
          f"submissions: {ratio:.2f} (goal ≤ 2)")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
