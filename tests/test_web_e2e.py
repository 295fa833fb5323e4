"""End to end in a real browser: Debian's chromium driven by Playwright against a real
uvicorn server. An editor logs in, filters the queue, publishes one submission and
rejects another; the database and the email the author received are checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from headless import chromium, require_chromium
from web_support import PASSWORD, copy_site, running_server, shared_template

from store.db import Store
from tinbai.config import Config, load_config
from tinbai.web.app import create_app

require_chromium(module=True)


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path, smtp_server: Any) -> Iterator[Config]:
    """A copy of the sample site whose replies go to the test SMTP server."""
    folder = tmp_path / "site"
    _, store = copy_site(shared_template(tmp_path_factory), folder)
    store.close()
    path = folder / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "url: maildir:outbox", f"url: {smtp_server.url}"), encoding="utf-8")
    yield load_config(path)


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def test_editor_reviews_publishes_and_rejects(site: Config, browser: Any, smtp_server: Any) -> None:
    app = create_app(site)
    with running_server(app) as base:
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="vi-VN")
        page.set_default_timeout(15_000)
        # every page needs a login
        page.goto(base + "/s/TB-2026-0001")
        assert page.url.startswith(base + "/login")
        page.fill("input[name=name]", "bientap")
        page.fill("input[name=password]", "sai")
        page.click("button:has-text('Đăng nhập')")
        assert page.locator(".flash-error").inner_text().startswith("Tên đăng nhập")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url(base + "/s/TB-2026-0001")  # back where the editor wanted to go

        # the queue, then its filters
        page.click("text=← Danh sách tin, bài")
        page.wait_for_url(base + "/")
        assert page.locator("table.queue tbody tr").count() == 6
        page.click("nav.tabs a:has-text('Cần bổ sung')")
        page.wait_for_url("**/?status=needs_fix")
        assert page.locator("td.ref a").all_inner_texts() == ["TB-2026-0004", "TB-2026-0005"]
        page.click("nav.tabs a:has-text('Tất cả')")
        page.fill("input[name=q]", "Chợ Đồn")
        page.click("button:has-text('Lọc')")
        page.wait_for_url("**q=*")
        assert page.locator("td.ref a").all_inner_texts() == ["TB-2026-0002"]
        page.click("a:has-text('Bỏ lọc')")
        page.select_option("select[name=problem]", "photo_screenshot")
        page.click("button:has-text('Lọc')")
        page.wait_for_url("**problem=photo_screenshot*")
        assert page.locator("td.ref a").all_inner_texts() == ["TB-2026-0005"]
        page.click("a:has-text('Bỏ lọc')")

        # open a submission: fields, photos with thumbnails, publish it
        page.click("td.title a:has-text('May Chợ Mới')")
        page.wait_for_url(base + "/s/TB-2026-0001")
        assert "•••• 4567" in page.locator("dd.f-bank_account").inner_text()
        images = page.locator("figure.photo img")
        assert images.count() == 2
        for i in range(2):
            images.nth(i).scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=images.nth(i).element_handle())
        page.click("#publish summary")  # folded while the item waits for review
        page.fill("#publish input[name=url]", "https://congdoan.example.vn/tin/qua-nu-doan-vien")
        page.fill("#publish input[name=date]", "21/11/2026")
        page.select_option("#publish select[name=genre]", "tin")
        page.fill("#publish input[name=coefficient]", "0,8")
        page.click("#publish button[type=submit]")
        page.wait_for_selector(".flash-ok")
        assert "Đã ghi nhận TB-2026-0001 đã đăng" in page.locator(".flash-ok").inner_text()
        assert page.locator(".head .badge").inner_text() == "Đã đăng"

        # reject another one; the author gets the reason by email
        page.goto(base + "/s/TB-2026-0002")
        page.click("#reject summary")
        page.fill("#reject textarea[name=reason]",
                  "Nội dung đã được đăng trên Báo Lao Động, Ban Biên tập không sử dụng lại.")
        page.click("#reject button[type=submit]")
        page.wait_for_selector(".flash")
        assert "thư đã gửi tới hunghv.ldldchodon@gmail.com" in page.locator(".flash").inner_text()
        assert page.locator(".head .badge").inner_text() == "Không sử dụng"
        page.close()

    store = Store(site.data_path)
    try:
        published = store.submissions.get("TB-2026-0001")
        assert published["status"] == "published"
        assert published["published_url"] == "https://congdoan.example.vn/tin/qua-nu-doan-vien"
        assert (published["published_date"], published["genre"]) == ("2026-11-21", "tin")
        assert published["coefficient"] == "0.8"
        rejected = store.submissions.get("TB-2026-0002")
        assert rejected["status"] == "rejected"
        assert rejected["reject_reason"].startswith("Nội dung đã được đăng")
        history = store.submissions.history(int(rejected["id"]))[-1]
        assert (history["to_status"], history["actor"]) == ("rejected", "bientap")
        audit = [(a["actor"], a["action"]) for a in store.audit.of_submission(int(published["id"]))]
        assert audit == [("bientap", "publish")]
        reply = store.outbox.of_submission(int(rejected["id"]))[-1]
        assert (reply["kind"], reply["state"]) == ("rejected", "sent")
    finally:
        store.close()

    mails = [m for m in smtp_server.wait_for(1) if "hunghv.ldldchodon@gmail.com" in m.rcpt_tos]
    assert len(mails) == 1
    message = mails[0].message
    assert "TB-2026-0002" in str(message["Subject"])
    body = message.get_body(("plain",)).get_content()
    assert "Báo Lao Động, Ban Biên tập không sử dụng lại" in body
    assert message["In-Reply-To"] == "<demo-2@tinbai.example>"
