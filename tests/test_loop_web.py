"""The pages opened from e-mails without an account (issue 15): the approver's signed,
expiring link — in a real Chromium against a real uvicorn server — and its refusals.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from headless import chromium, require_chromium
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from loop_support import (
    CHAIR,
    PUBLIC_URL,
    VICE,
    Site,
    contributor_mail,
    link_in,
    open_site,
    sent_to,
    text_of,
)
from starlette.testclient import TestClient
from web_support import csrf_of, running_server

from tinbai import links
from tinbai.web.app import create_app

LAN = ("Nông Thị Lan", "nongthilan.cdcs@gmail.com")


@pytest.fixture
def site(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch)


def _awaiting(site: Site) -> tuple[str, str, str]:
    """An item awaiting the district's approval: (ref, chair's link, vice's link)."""
    site.imap.append(contributor_mail(41, LAN, "Công đoàn cơ sở Công ty TNHH May Chợ Mới")
                     .as_bytes())
    site.poll()
    (row,) = site.store.queue.listing()
    chair = link_in(sent_to(site.smtp, CHAIR, "Đề nghị duyệt")[0], "a")
    vice = link_in(sent_to(site.smtp, VICE, "Đề nghị duyệt")[0], "a")
    return str(row["ref"]), chair, vice


def test_approval_by_link_in_a_real_browser(site: Site) -> None:
    require_chromium()
    ref, chair, _ = _awaiting(site)
    (receipt,) = sent_to(site.smtp, LAN[1])
    status = link_in(receipt, "t")
    app = create_app(site.config, store=site.store)
    with running_server(app) as base, chromium() as browser:
        page = browser.new_page(locale="vi-VN")
        page.set_default_timeout(20_000)
        page.goto(base + chair)  # from the e-mail, no account
        assert ref in page.locator("h1").inner_text()
        assert "LĐLĐ huyện Chợ Đồn" in page.locator("main").inner_text()
        assert site.store.submissions.get(ref)["status"] == "awaiting_approval"  # opened
        page.click("button:has-text('Duyệt')")
        page.wait_for_selector("text=Cảm ơn đồng chí")
        assert "chuyển tới Ban Biên tập" in page.locator("main").inner_text()
        page.goto(base + chair)
        assert f"đã được duyệt bởi {CHAIR} (liên kết trong thư)" in page.locator(
            "main").inner_text()
        page.goto(base + status)  # the contributor's own status page
        main = page.locator("main").inner_text()
        assert "Ban Biên tập đang xem xét" in main and "Chờ lãnh đạo đơn vị duyệt" in main
    row = site.store.submissions.get(ref)
    assert row["status"] == "pending_review"
    (approval,) = site.store.approvals.of_submission(int(row["id"]))
    assert (approval["decided_by"], approval["decided_how"]) == (CHAIR, "link")


def test_return_by_link_needs_a_reason_and_reaches_the_author(site: Site) -> None:
    ref, _, vice = _awaiting(site)
    with TestClient(create_app(site.config, store=site.store),
                    follow_redirects=False) as anyone:
        token = csrf_of(anyone.get(vice).text)
        assert anyone.post(vice, data={"csrf": token, "action": "return"}).status_code == 400
        assert anyone.post(vice, data={"action": "approve"}).status_code == 403  # no CSRF
        done = anyone.post(vice, data={"csrf": token, "action": "return",
                                       "reason": "Thiếu tên người trong ảnh."})
        assert done.status_code == 200 and "trả lại tác giả" in done.text
        again = anyone.post(vice, data={"csrf": token, "action": "approve"})
        assert again.status_code == 409 and "đã được trả lại tác giả" in again.text
    assert site.store.submissions.get(ref)["status"] == "needs_fix"
    site.smtp.wait_for(4, timeout=30)  # receipt, two requests, the return
    (returned,) = [m for m in sent_to(site.smtp, LAN[1]) if "chưa duyệt" in text_of(m)]
    assert "Thiếu tên người trong ảnh." in text_of(returned) and VICE in text_of(returned)


def test_a_link_cannot_be_altered_reused_elsewhere_or_used_after_it_expires(
    site: Site,
) -> None:
    ref, chair, _ = _awaiting(site)
    token = chair.removeprefix("/a/")
    approval_id = site.store.approvals.pending_of(
        int(site.store.submissions.get(ref)["id"]))["id"]

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 15 * 86400  # past approvals.link_valid_days (14)

    key = links._key(site.config)
    expired = URLSafeTimedSerializer(key, salt="tinbai-approval-link", signer=LongAgo).dumps(
        {"a": approval_id, "s": 1, "e": CHAIR})
    stranger = links.approval_token(site.config, approval_id, 1, "ke.la@example.org")
    other_item = links.approval_token(site.config, approval_id, 99, CHAIR)
    with TestClient(create_app(site.config, store=site.store),
                    follow_redirects=False) as anyone:
        cases = {
            token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"): "không đúng",
            expired: "hết hạn",
            stranger: "không còn trong danh sách người duyệt",
            other_item: "không đúng",
        }
        for bad, words in cases.items():
            page = anyone.get(f"/a/{bad}")
            assert page.status_code == 400 and words in page.text, (bad, page.text[-600:])
    assert site.store.submissions.get(ref)["status"] == "awaiting_approval"
    assert PUBLIC_URL.startswith("https://")
