"""Make the README's screenshots of the editors' pages (docs/screenshots/*.png).

    .venv/bin/python tests/web_screenshots.py

Ingests the sample mail into a throwaway folder, records a few decisions so the queue
shows several statuses, and photographs the pages in Debian's chromium as an editor.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from playwright.sync_api import sync_playwright  # noqa: E402
from web_support import PASSWORD, ingested, running_server  # noqa: E402

from tinbai.decisions import approve, publish, reject  # noqa: E402
from tinbai.poll import Poller  # noqa: E402
from tinbai.web.app import create_app  # noqa: E402

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="tinbai-shots-"))
    config, store = ingested(folder)
    outbox = Poller(config, store).outbox
    approve(store, "TB-2026-0002", actor="bientap")
    publish(store, config, "TB-2026-0006", url="https://congdoan.example.vn/tin/hien-mau",
            on="2026-11-21", genre="tin", coefficient="0.8", actor="bientap")
    reject(store, outbox, "TB-2026-0003", reason="Nội dung trùng với tin đã đăng ngày 15/11.",
           actor="bientap")
    outbox.send_pending()
    app = create_app(config, store=store, key="screenshots-" + "s" * 32)
    OUT.mkdir(parents=True, exist_ok=True)
    with running_server(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760}, locale="vi-VN")
        page.goto(base + "/login")
        page.fill("input[name=name]", "bientap")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        page.screenshot(path=str(OUT / "queue.png"), full_page=True)
        page.goto(base + "/s/TB-2026-0005")
        page.locator("figure.photo img").first.wait_for()
        page.click("figure.photo details summary")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "submission.png"), full_page=True)
        page.goto(base + "/s/TB-2026-0001")
        page.wait_for_load_state("networkidle")
        for summary in page.locator("figure.photo details summary").all():
            summary.click()
        page.locator("#photos").screenshot(path=str(OUT / "submission-photos.png"))
        browser.close()
    store.close()
    for name in ("queue.png", "submission.png", "submission-photos.png"):
        print(OUT / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
