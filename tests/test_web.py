"""The editors' pages through HTTP: queue filters, decisions, overrides, edits, notes,
users, and the ``tinbai serve`` / ``tinbai user`` commands."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from web_support import copy_site, csrf_of, login, outbox_messages, shared_template

from store.db import Store
from store.queue import QUEUE_RANK_SQL
from tinbai.config import Config
from tinbai.periods import PeriodError, parse_period
from tinbai.web import queue as queue_module
from tinbai.web.app import create_app


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    yield config, store
    store.close()


@pytest.fixture
def editor(site: tuple[Config, Store]) -> Iterator[TestClient]:
    config, store = site
    with TestClient(create_app(config, store=store), follow_redirects=False) as c:
        login(c, "bientap")
        yield c


def refs(html: str) -> list[str]:
    """The references listed in a queue page, in order."""
    return re.findall(r'<td class="ref"><a href="/s/(TB-\d{4}-\d{4})"', html)


def test_queue_periods_are_local_calendar_ranges() -> None:
    """The queue's period filter reads SPEC §7 periods as Vietnam-time ranges."""
    from datetime import date

    def days(text: str) -> tuple[date, date]:
        period = parse_period(text)
        return period.start, period.end

    assert days("2026-10") == (date(2026, 10, 1), date(2026, 10, 31))
    assert days("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert days("2026-Q3") == (date(2026, 7, 1), date(2026, 9, 30))
    assert days("2026-q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert days("2026-H1") == (date(2026, 1, 1), date(2026, 6, 30))
    assert days("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    november = parse_period("2026-11")
    assert (november.start_utc_iso(), november.end_utc_iso()) == (
        "2026-10-31T17:00:00+00:00", "2026-11-30T17:00:00+00:00")
    for bad in ("2026-13", "2026-Q5", "26", "2026-H3", "x"):
        with pytest.raises(PeriodError):
            parse_period(bad)


def test_queue_lists_counts_and_orders(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    page = editor.get("/")
    assert page.status_code == 200
    listed = refs(page.text)
    assert len(listed) == 6
    statuses = [store.submissions.get(r)["status"] for r in listed]
    # work order: waiting for review first, then waiting for the contributor
    assert statuses == sorted(statuses, key=["pending_review", "needs_fix"].index)
    received = [store.submissions.get(r)["received_at"] for r in listed if
                store.submissions.get(r)["status"] == "pending_review"]
    assert received == sorted(received)
    assert re.search(r"Chờ duyệt <b>4</b>", page.text)
    assert re.search(r"Cần bổ sung <b>2</b>", page.text)
    assert re.search(r"Tất cả <b>6</b>", page.text)


def test_queue_filters(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    assert sorted(refs(editor.get("/?status=needs_fix").text)) == ["TB-2026-0004", "TB-2026-0005"]
    assert refs(editor.get("/?problem=no_photo").text) == ["TB-2026-0004"]
    assert refs(editor.get("/?problem=photo_screenshot&status=needs_fix").text) == ["TB-2026-0005"]
    assert refs(editor.get("/?q=bóng chuyền").text) == ["TB-2026-0003"]
    assert refs(editor.get("/?q=Hoàng Văn Hùng").text) == ["TB-2026-0002"]
    assert refs(editor.get("/?q=tb-2026-0006").text) == ["TB-2026-0006"]
    assert refs(editor.get("/?q=100%25_").text) == []  # LIKE wildcards are literal
    unit = "Công đoàn ngành Y tế"
    assert refs(editor.get("/", params={"unit": unit}).text) == ["TB-2026-0006"]
    received = str(store.submissions.get("TB-2026-0001")["received_at"])
    year, month = received[:4], received[5:7]
    assert len(refs(editor.get(f"/?period={year}").text)) == 6
    assert len(refs(editor.get(f"/?period={year}-{month}").text)) in (5, 6)  # month edge
    assert refs(editor.get(f"/?period={int(year) - 1}").text) == []
    bad = editor.get("/?period=2026-Q9")
    assert bad.status_code == 200 and "Kỳ" in bad.text and len(refs(bad.text)) == 6
    # unknown filter values are ignored, not errors
    assert len(refs(editor.get("/?status=xyz&problem=nope&page=abc").text)) == 6


def test_queue_pagination(editor: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_module, "PAGE_SIZE", 4)
    first = editor.get("/")
    second = editor.get("/?page=2")
    assert len(refs(first.text)) == 4 and len(refs(second.text)) == 2
    assert not set(refs(first.text)) & set(refs(second.text))
    assert 'rel="next"' in first.text and 'rel="next"' not in second.text
    assert 'rel="prev"' in second.text
    assert refs(editor.get("/?page=99").text) == []


def test_search_ignores_diacritics_and_case(editor: TestClient, site: tuple[Config, Store]) -> None:
    """"hoi thao" finds "hội thao" (issue 16): the folded search_text column, kept on
    every write, read through its index."""
    _, store = site
    hoi_thao = refs(editor.get("/?q=hội thao").text)
    assert hoi_thao and refs(editor.get("/?q=hoi thao").text) == hoi_thao
    assert refs(editor.get("/?q=HỘI THAO").text) == hoi_thao
    assert refs(editor.get("/?q=dinh van toan").text) == ["TB-2026-0005"]  # Đinh → dinh
    assert refs(editor.get("/?q=  Cho   Don ").text) == ["TB-2026-0002"]  # unit, spaces
    # an editor's correction is searchable at once
    sid = int(store.submissions.get("TB-2026-0006")["id"])
    store.submissions.update(sid, {"title": "Ngày hội Hiến máu Nhân đạo"})
    assert refs(editor.get("/?q=nhan dao").text) == ["TB-2026-0006"]
    plan = " ".join(str(r) for r in store.db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM submissions WHERE search_text LIKE '%x%'"))
    assert "COVERING INDEX submissions_search" in plan


def test_queue_page_is_paginated_in_sql(site: tuple[Config, Store]) -> None:
    _, store = site
    rows = store.queue.page(limit=2, offset=1)
    assert [r["ref"] for r in rows] == [r["ref"] for r in store.queue.page(limit=10)][1:3]
    plan = " ".join(str(r) for r in store.db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM submissions ORDER BY "
        f"{QUEUE_RANK_SQL}, received_at, id LIMIT 50").fetchall())
    assert "submissions_queue_order" in plan and "TEMP B-TREE" not in plan


def test_submission_page_shows_everything(editor: TestClient, site: tuple[Config, Store]) -> None:
    page = editor.get("/s/TB-2026-0005").text
    # every problem with its Vietnamese message
    for code in ("invalid_phone", "invalid_bank_account", "unknown_unit", "photo_screenshot"):
        assert code in page
    assert "không hợp lệ" in page and "ảnh chụp màn hình" in page
    # photo card: thumbnail, caption, format, evidence
    thumb = re.search(r'src="(/photos/\d+/thumb\.jpg)"', page)
    assert thumb
    image = editor.get(thumb.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    from PIL import Image

    with Image.open(io.BytesIO(image.content)) as im:
        assert max(im.size) <= 480
    assert "Căn cứ kiểm tra" in page and "Các vận động viên thi kéo co" in page
    # history, replies, versions, raw mail
    assert "Lịch sử trạng thái" in page and "Đề nghị bổ sung" in page
    assert "/messages/" in page and "Phiên bản 1" in page
    # earlier versions of a fixed submission
    fixed = editor.get("/s/TB-2026-0003").text
    assert "Phiên bản 2" in fixed and "Phiên bản 1" in fixed
    assert editor.get("/s/TB-2026-9999").status_code == 404
    assert editor.get("/s/..%2F..%2Fetc").status_code == 404
    assert editor.get("/photos/999999/original").status_code == 404
    assert editor.get("/messages/999999/raw.eml").status_code == 404


def test_thumbnails_are_cached(editor: TestClient, site: tuple[Config, Store]) -> None:
    config, store = site
    photo = store.submissions.photos_of(int(store.submissions.get("TB-2026-0001")["id"]))[0]
    assert editor.get(f"/photos/{photo['id']}/thumb.jpg").status_code == 200
    cached = list((config.data_path / "thumbs").rglob("*.jpg"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert editor.get(f"/photos/{photo['id']}/thumb.jpg").status_code == 200
    assert cached[0].stat().st_mtime_ns == stamp
    original = editor.get(f"/photos/{photo['id']}/original")
    assert original.content == (store.photos.root / photo["blob_path"]).read_bytes()
    assert "attachment" in original.headers["content-disposition"]


def test_publish_and_approve(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    token = csrf_of(editor.get("/s/TB-2026-0002").text)
    response = editor.post("/s/TB-2026-0002/approve", data={"csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/s/TB-2026-0002"
    assert store.submissions.get("TB-2026-0002")["status"] == "approved"
    bad = editor.post("/s/TB-2026-0002/publish", data={"csrf": token, "url": "javascript:x",
                                                       "genre": "tin", "coefficient": "1"})
    # A refusal keeps what the editor typed and says why inside the decisions panel.
    assert bad.status_code == 400
    decide = bad.text.split('id="decide"', 1)[1].split("</section>", 1)[0]
    assert "Chưa ghi nhận được" in decide and "http" in decide
    assert 'value="javascript:x"' in decide and 'value="1"' in decide
    assert store.submissions.get("TB-2026-0002")["status"] == "approved"
    out_of_range = editor.post("/s/TB-2026-0002/publish", data={
        "csrf": token, "url": "https://baocongdoan.example.vn/a", "genre": "tin",
        "coefficient": "9", "date": "20/11/2026"})
    assert out_of_range.status_code == 400
    assert "nằm ngoài khoảng 0,5–1 của thể loại «Tin»" in out_of_range.text
    assert 'value="https://baocongdoan.example.vn/a"' in out_of_range.text
    assert 'value="20/11/2026"' in out_of_range.text
    assert "--coefficient" not in out_of_range.text
    bad_day = editor.post("/s/TB-2026-0002/publish", data={
        "csrf": token, "url": "https://baocongdoan.example.vn/a", "genre": "tin",
        "coefficient": "1", "date": "31/02/2026"})
    assert bad_day.status_code == 400 and "ví dụ 15/10/2026" in bad_day.text
    assert store.submissions.get("TB-2026-0002")["status"] == "approved"
    ok = editor.post("/s/TB-2026-0002/publish", data={
        "csrf": token, "url": "https://baocongdoan.example.vn/tap-huan", "date": "20/11/2026",
        "genre": "bai", "coefficient": "1,5"})
    assert ok.status_code == 303
    row = store.submissions.get("TB-2026-0002")
    assert (row["status"], row["published_url"], row["published_date"], row["genre"]) == (
        "published", "https://baocongdoan.example.vn/tap-huan", "2026-11-20", "bai")
    assert row["coefficient"] == "1.5"
    actions = [(a["actor"], a["action"]) for a in store.audit.of_submission(int(row["id"]))]
    assert actions == [("bientap", "approve"), ("bientap", "publish")]
    page = editor.get("/s/TB-2026-0002").text
    assert "Đã ghi nhận" in page and "/publish" not in page
    # how people read it: dd/mm/yyyy, the genre's label, a decimal comma
    assert "Đã đăng ngày 20/11/2026" in page and "thể loại Bài · hệ số 1,5" in page
    assert "Tin, bài đã đóng" not in page and "Sửa thông tin đăng bài" in page
    # no second publication
    again = editor.post("/s/TB-2026-0002/publish", data={
        "csrf": token, "url": "https://x.example/", "genre": "tin", "coefficient": "1"})
    assert again.status_code == 303
    assert store.submissions.get("TB-2026-0002")["published_url"].endswith("tap-huan")


def test_a_publication_can_be_corrected(editor: TestClient, site: tuple[Config, Store]) -> None:
    """A wrong URL, date, genre or coefficient is corrected after "Ghi nhận đã đăng",
    recorded in the audit log; once the item is in a payment batch only the URL."""
    config, store = site
    token = csrf_of(editor.get("/s/TB-2026-0006").text)
    form = {"csrf": token, "url": "https://congdoan.example.vn/tin/hien-mau-2026",
            "date": "21/11/2026", "genre": "tin", "coefficient": "0,8"}
    wrong = editor.post("/s/TB-2026-0006/publish", data={**form, "url": "https://x.example/"})
    assert wrong.status_code == 303
    fixed = editor.post("/s/TB-2026-0006/publication", data=form)
    assert fixed.status_code == 303
    row = store.submissions.get("TB-2026-0006")
    assert (row["published_url"], row["published_date"], row["coefficient"]) == (
        form["url"], "2026-11-21", "0.8")
    page = editor.get("/s/TB-2026-0006").text
    assert "Đã sửa thông tin đăng bài" in page
    assert "Địa chỉ: «https://x.example/» → «https://congdoan.example.vn/tin/hien-mau-2026»" \
        in page
    refused = editor.post("/s/TB-2026-0006/publication", data={**form, "coefficient": "7"})
    assert refused.status_code == 400 and 'value="7"' in refused.text
    from tinbai.finance.batches import create_batch

    create_batch(store, config, parse_period("2026-Q4"), actor="ketoan")
    frozen = editor.post("/s/TB-2026-0006/publication", data={**form, "coefficient": "1"})
    assert frozen.status_code == 400 and "đã ở đợt chi NB-2026-Q4-01" in frozen.text
    url_only = editor.post("/s/TB-2026-0006/publication",
                           data={**form, "url": "https://congdoan.example.vn/tin/b"})
    assert url_only.status_code == 303
    assert store.submissions.get("TB-2026-0006")["published_url"].endswith("/tin/b")


def test_reject_and_request_changes_email_the_author(
    editor: TestClient, site: tuple[Config, Store]
) -> None:
    config, store = site
    before = len(outbox_messages(config))
    token = csrf_of(editor.get("/s/TB-2026-0006").text)
    empty = editor.post("/s/TB-2026-0006/reject", data={"csrf": token, "reason": "  "})
    assert empty.status_code == 303
    assert store.submissions.get("TB-2026-0006")["status"] == "pending_review"
    editor.post("/s/TB-2026-0006/request-changes",
                data={"csrf": token, "reason": "Đề nghị gửi thêm một ảnh toàn cảnh."})
    assert store.submissions.get("TB-2026-0006")["status"] == "needs_fix"
    editor.post("/s/TB-2026-0006/reject",
                data={"csrf": token, "reason": "Nội dung trùng với bài đã đăng tuần trước."})
    row = store.submissions.get("TB-2026-0006")
    assert row["status"] == "rejected"
    assert row["reject_reason"] == "Nội dung trùng với bài đã đăng tuần trước."
    replies = store.outbox.of_submission(int(row["id"]))
    assert [r["kind"] for r in replies][-2:] == ["changes_requested", "rejected"]
    assert all(r["state"] == "sent" for r in replies[-2:])
    sent = outbox_messages(config)[before:]
    assert len(sent) == 2
    bodies = []
    for raw in sent:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["To"].addresses[0].addr_spec == "hoabt.yte@gmail.com"
        bodies.append(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert any("ảnh toàn cảnh" in b for b in bodies)
    assert any("trùng với bài đã đăng" in b for b in bodies)
    page = editor.get("/s/TB-2026-0006").text
    assert "Không sử dụng" in page and "đã gửi" in page
    actions = [a["action"] for a in store.audit.of_submission(int(row["id"]))]
    assert actions == ["request_changes", "reject"]


def test_override_last_error_moves_to_pending_review(
    editor: TestClient, site: tuple[Config, Store]
) -> None:
    _, store = site
    row = store.submissions.get("TB-2026-0004")
    assert row["status"] == "needs_fix"
    problems = {p["code"]: p for p in store.submissions.problems_of(int(row["id"]))}
    assert problems["no_photo"]["severity"] == "error"
    token = csrf_of(editor.get("/s/TB-2026-0004").text)
    # a note is required
    editor.post(f"/s/TB-2026-0004/problems/{problems['no_photo']['id']}/override",
                data={"csrf": token, "note": ""})
    assert store.submissions.problem(int(problems["no_photo"]["id"]))["overridden_at"] is None
    # a problem of another submission is not reachable through this one
    other = store.submissions.problems_of(int(store.submissions.get("TB-2026-0005")["id"]))[0]
    assert editor.post(f"/s/TB-2026-0004/problems/{other['id']}/override",
                       data={"csrf": token, "note": "x"}).status_code == 404
    editor.post(f"/s/TB-2026-0004/problems/{problems['body_too_short']['id']}/override",
                data={"csrf": token, "note": "Tin ngắn là đủ cho thông tin này"})
    assert store.submissions.get("TB-2026-0004")["status"] == "needs_fix"  # a warning: no change
    editor.post(f"/s/TB-2026-0004/problems/{problems['no_photo']['id']}/override",
                data={"csrf": token, "note": "Ảnh đã nhận qua Zalo, biên tập viên tự chèn"})
    row = store.submissions.get("TB-2026-0004")
    assert row["status"] == "pending_review" and row["error_count"] == 0
    overridden = store.submissions.problem(int(problems["no_photo"]["id"]))
    assert overridden["overridden_by"] == "bientap"
    assert overridden["override_note"].startswith("Ảnh đã nhận qua Zalo")
    last = store.submissions.history(int(row["id"]))[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "needs_fix", "pending_review", "bientap")
    assert "Zalo" in last["reason"]
    audit = [json.loads(a["detail_json"])["code"] for a in store.audit.of_submission(int(row["id"]))
             if a["action"] == "override"]
    assert audit == ["body_too_short", "no_photo"]
    # the queue's problem filter no longer lists it for an overridden code
    assert "TB-2026-0004" not in refs(editor.get("/?problem=no_photo").text)
    assert "Đã bỏ qua bởi" in editor.get("/s/TB-2026-0004").text


def test_field_edits_are_recorded(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    row = store.submissions.get("TB-2026-0003")
    token = csrf_of(editor.get("/s/TB-2026-0003").text)
    editor.post("/s/TB-2026-0003/edit", data={
        "csrf": token, "title": "Sôi nổi giải bóng chuyền hơi ngành Giáo dục năm 2026",
        "author": row["author"], "bank_account": "1111 2222 3333"})
    new = store.submissions.get("TB-2026-0003")
    assert new["title"] == "Sôi nổi giải bóng chuyền hơi ngành Giáo dục năm 2026"
    assert new["bank_account"] == row["bank_account"]  # editors cannot change accounts
    entries = [json.loads(a["detail_json"]) | {"actor": a["actor"], "at": a["at"]}
               for a in store.audit.of_submission(int(row["id"])) if a["action"] == "edit_field"]
    assert len(entries) == 1
    assert entries[0]["field"] == "title" and entries[0]["old"] == row["title"]
    assert entries[0]["new"].endswith("năm 2026") and entries[0]["actor"] == "bientap"
    assert entries[0]["at"]
    page = editor.get("/s/TB-2026-0003").text
    assert "Sửa mục" in page and "năm 2026" in page


def test_notes_are_for_editors_only(site: tuple[Config, Store], editor: TestClient) -> None:
    config, store = site
    token = csrf_of(editor.get("/s/TB-2026-0001").text)
    editor.post("/s/TB-2026-0001/notes",
                data={"csrf": token, "body": "Gọi điện xác minh <b>ảnh</b> chiều nay"})
    page = editor.get("/s/TB-2026-0001").text
    assert "Gọi điện xác minh &lt;b&gt;ảnh&lt;/b&gt; chiều nay" in page  # escaped
    first = store.submissions.get("TB-2026-0001")
    assert store.submissions.notes_of(int(first["id"]))[0]["author"] == "bientap"
    with TestClient(create_app(config, store=store), follow_redirects=False) as c:
        login(c, "ketoan")
        assert "Gọi điện xác minh" not in c.get("/s/TB-2026-0001").text


def test_raw_mail_for_editors_is_masked_but_complete(
    editor: TestClient, site: tuple[Config, Store]
) -> None:
    _, store = site
    message_row = store.messages.of_submission(int(store.submissions.get("TB-2026-0001")["id"]))[0]
    response = editor.get(f"/messages/{message_row['id']}/raw.eml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_bytes(response.content, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Nông Thị Lan" in text and "•••• 4567" in text and "3951" not in text
    images = [p for p in message.walk() if p.get_content_maintype() == "image"]
    assert len(images) == 2  # photos kept
    # messages that are not submissions (auto-replies…) come masked too
    other = store.messages.others(kind="auto_reply")[0]
    auto_reply = editor.get(f"/messages/{other['id']}/raw.eml")
    assert auto_reply.status_code == 200 and b"Auto-Submitted" in auto_reply.content


def test_other_mail_and_alerts(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    with store.transaction():
        store.outbox.add_alert("auth_failure",
                               "mailbox test: login refused; check TINBAI_IMAP_PASSWORD")
    page = editor.get("/messages")
    assert page.status_code == 200
    assert "Trả lời tự động" in page.text and "hanhchinh@xinghiep.example.vn" in page.text
    assert "login refused" in page.text
    assert "Trả lời tự động" in editor.get("/messages?kind=auto_reply").text
    alert = store.outbox.open_alerts()[0]
    token = csrf_of(page.text)
    assert editor.post(f"/alerts/{alert['id']}/resolve", data={}).status_code == 403
    assert editor.post(f"/alerts/{alert['id']}/resolve",
                       data={"csrf": token}).status_code == 303
    assert store.outbox.open_alerts() == []
    assert "login refused" not in editor.get("/messages").text


def test_admin_manages_users(site: tuple[Config, Store]) -> None:
    config, store = site
    with TestClient(create_app(config, store=store), follow_redirects=False) as c:
        login(c, "quantri")
        page = c.get("/admin/users")
        assert page.status_code == 200 and "bientap" in page.text
        token = csrf_of(page.text)
        c.post("/admin/users", data={"csrf": token, "name": "phongvien", "role": "editor",
                                      "password": "ngan"})
        assert store.users.by_name("phongvien") is None  # too short
        c.post("/admin/users", data={"csrf": token, "name": "phongvien", "role": "editor",
                                      "password": "mat-khau-dai-1"})
        user = store.users.by_name("phongvien")
        assert user is not None and user["role"] == "editor"
        assert user["password_hash"].startswith("$argon2id$")
        c.post(f"/admin/users/{user['id']}", data={"csrf": token, "action": "role",
                                                   "role": "finance"})
        assert store.users.by_name("phongvien")["role"] == "finance"  # type: ignore[index]
        c.post(f"/admin/users/{user['id']}", data={"csrf": token, "action": "disable"})
        assert store.users.by_name("phongvien")["disabled"] == 1  # type: ignore[index]
        me = store.users.by_name("quantri")
        assert me is not None
        c.post(f"/admin/users/{me['id']}", data={"csrf": token, "action": "disable"})
        assert store.users.by_name("quantri")["disabled"] == 0  # type: ignore[index]


def test_cli_user_and_serve_parsers(site: tuple[Config, Store], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    from tinbai.cli import build_parser, main

    config, store = site
    config_path = str(config.base_dir / "config.yaml")
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-cli-1\n"))
    assert main(["--config", config_path, "user", "add", "thuky", "--role", "admin"]) == 0
    user = store.users.by_name("thuky")
    assert user is not None and user["role"] == "admin"
    from tinbai.web.auth import verify_password

    assert verify_password(user["password_hash"], "mat-khau-cli-1")
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-cli-1\n"))
    assert main(["--config", config_path, "user", "add", "thuky", "--role", "admin"]) == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO("doi-mat-khau-2\n"))
    assert main(["--config", config_path, "user", "passwd", "thuky"]) == 0
    user = store.users.by_name("thuky")
    assert user is not None and verify_password(user["password_hash"], "doi-mat-khau-2")
    assert main(["--config", config_path, "user", "list"]) == 0
    assert "thuky\tadmin\tactive" in capsys.readouterr().out
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9999"])
    assert (args.host, args.port) == ("0.0.0.0", 9999)
    defaults = build_parser().parse_args(["serve"])
    assert defaults.host is None and config.web.port == 8080


def test_security_headers(editor: TestClient) -> None:
    response = editor.get("/")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_thumbnails_of_jpeg_png_and_heic(tmp_path: Path) -> None:
    from PIL import Image
    from pillow_heif import register_heif_opener

    from tinbai.samples import camera_jpeg
    from tinbai.web.thumbs import make_thumbnail, thumb_path

    register_heif_opener()
    sources = {"jpg": tmp_path / "a.jpg", "png": tmp_path / "b.png", "heic": tmp_path / "c.heic"}
    sources["jpg"].write_bytes(camera_jpeg(11))
    Image.new("RGB", (900, 1600), (20, 120, 200)).save(sources["png"])
    Image.new("RGB", (4032, 3024), (200, 60, 20)).save(sources["heic"], format="HEIF")
    for kind, source in sources.items():
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        target = thumb_path(tmp_path / "thumbs", digest)
        assert target is not None
        make_thumbnail(source, target)
        with Image.open(target) as thumb:
            assert thumb.format == "JPEG"
            assert max(thumb.size) == 480, kind
    assert thumb_path(tmp_path, "../../etc/passwd") is None
    assert thumb_path(tmp_path, "unreadable-0-x.jpg") is None


def test_tinbai_serve_runs_uvicorn(site: tuple[Config, Store]) -> None:
    import subprocess
    import time
    import urllib.error
    import urllib.request

    from web_support import free_port

    config, _ = site
    port = free_port()
    env = {**os.environ, "TINBAI_SECRET_KEY": "serve-test-" + "q" * 32}
    process = subprocess.Popen(
        [sys.executable, "-m", "tinbai.cli", "--config", str(config.base_dir / "config.yaml"),
         "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=Path(__file__).resolve().parent.parent, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    assert "Đăng nhập" in r.read().decode()
                    break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "tinbai serve did not start"
                time.sleep(0.2)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as answer:
            opener.open(f"http://127.0.0.1:{port}/", timeout=5)
        assert answer.value.code == 303
        assert answer.value.headers["location"] == "/login"
    finally:
        process.terminate()
        process.wait(10)


def test_edits_update_normalised_columns(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    token = csrf_of(editor.get("/s/TB-2026-0005").text)
    response = editor.post("/s/TB-2026-0005/edit", data={
        "csrf": token, "phone": "0912.345.678", "unit": "Công đoàn ngành Y tế",
        "account_holder": "Đinh Văn Toàn", "bank_name": "Vietcombank"})
    assert response.status_code == 303
    row = store.submissions.get("TB-2026-0005")
    assert row["phone_e164"] == "+84912345678"
    assert row["unit_name"] == "Công đoàn ngành Y tế"  # matched to the registry again
    assert row["account_holder_ascii"] == "DINH VAN TOAN"
    assert row["bank_short_name"] == "Vietcombank"
    assert "TB-2026-0005" in refs(editor.get("/", params={"unit": "Công đoàn ngành Y tế"}).text)
    fields = [json.loads(a["detail_json"])["field"]
              for a in store.audit.of_submission(int(row["id"]))]
    assert sorted(fields) == ["bank_name", "phone", "unit", "unit_name"]
    # the registry unit can be chosen directly, but only from the registry
    editor.post("/s/TB-2026-0005/edit", data={"csrf": token, "unit_name": "Không có"})
    assert store.submissions.get("TB-2026-0005")["unit_name"] == "Công đoàn ngành Y tế"
    editor.post("/s/TB-2026-0005/edit", data={"csrf": token, "unit_name": "LĐLĐ huyện Chợ Đồn"})
    assert store.submissions.get("TB-2026-0005")["unit_name"] == "LĐLĐ huyện Chợ Đồn"


def test_edits_run_the_checks_again(
    site: tuple[Config, Store], editor: TestClient
) -> None:
    """A corrected field loses its problem; overrides stay; once no error is left the
    submission moves from «Cần bổ sung» to «Chờ duyệt», as when the last error is
    overridden."""
    config, store = site
    sid = int(store.submissions.get("TB-2026-0005")["id"])

    def codes() -> list[str]:
        return sorted(p["code"] for p in store.submissions.problems_of(sid))

    assert codes() == ["invalid_bank_account", "invalid_phone", "photo_screenshot",
                       "unknown_unit"]
    screenshot = next(p for p in store.submissions.problems_of(sid)
                      if p["code"] == "photo_screenshot")
    token = csrf_of(editor.get("/s/TB-2026-0005").text)
    editor.post(f"/s/TB-2026-0005/problems/{screenshot['id']}/override",
                data={"csrf": token, "note": "Ảnh minh hoạ, Ban Biên tập chấp nhận"})

    answer = editor.post("/s/TB-2026-0005/edit", data={
        "csrf": token, "phone": "0912 345 678", "unit": "Công đoàn ngành Y tế"},
        follow_redirects=True)
    assert "Đã kiểm tra lại: còn 1 lỗi." in answer.text
    assert codes() == ["invalid_bank_account", "photo_screenshot"]
    kept = next(p for p in store.submissions.problems_of(sid) if p["code"] == "photo_screenshot")
    assert kept["overridden_by"] == "bientap"  # the override survives the re-check
    row = store.submissions.get("TB-2026-0005")
    assert (row["status"], row["error_count"]) == ("needs_fix", 1)
    assert json.loads(row["candidate_json"])["fields"]["phone"] == "0912 345 678"

    # A wrong correction is caught as in new mail.
    editor.post("/s/TB-2026-0005/edit", data={"csrf": token, "phone": "0912"})
    assert "invalid_phone" in codes()
    editor.post("/s/TB-2026-0005/edit", data={"csrf": token, "phone": "0912 345 678"})

    # Only an administrator may correct the account; that was the last error.
    with TestClient(create_app(config, store=store), follow_redirects=False) as admin:
        login(admin, "quantri")
        answer = admin.post("/s/TB-2026-0005/edit", data={
            "csrf": csrf_of(admin.get("/s/TB-2026-0005").text),
            "bank_account": "0123 4567 8901"}, follow_redirects=True)
    assert "không còn lỗi" in answer.text and "chuyển sang «Chờ duyệt»" in answer.text
    row = store.submissions.get("TB-2026-0005")
    assert (row["status"], row["error_count"]) == ("pending_review", 0)
    assert row["bank_account_digits"] == "012345678901"
    history = store.submissions.history(sid)
    assert history[-1]["actor"] == "quantri" and history[-1]["to_status"] == "pending_review"
    # A valid account with no bank named: the same warning as in new mail.
    assert codes() == ["missing_bank_name", "photo_screenshot"]
    severities = {p["code"]: p["severity"] for p in store.submissions.problems_of(sid)}
    assert severities["missing_bank_name"] == "warning"
    assert "TB-2026-0005" in refs(editor.get("/", params={"status": "pending_review"}).text)


def test_reopen_after_a_change_request(editor: TestClient, site: tuple[Config, Store]) -> None:
    _, store = site
    token = csrf_of(editor.get("/s/TB-2026-0001").text)
    editor.post("/s/TB-2026-0001/request-changes",
                data={"csrf": token, "reason": "Đề nghị ghi rõ họ tên người trong ảnh."})
    assert store.submissions.get("TB-2026-0001")["status"] == "needs_fix"
    page = editor.get("/s/TB-2026-0001").text
    assert "/s/TB-2026-0001/reopen" in page
    editor.post("/s/TB-2026-0001/reopen", data={"csrf": token})
    row = store.submissions.get("TB-2026-0001")
    assert row["status"] == "pending_review"
    assert store.submissions.history(int(row["id"]))[-1]["actor"] == "bientap"
    # a submission with errors left cannot be reopened
    editor.post("/s/TB-2026-0005/reopen", data={"csrf": token})
    assert store.submissions.get("TB-2026-0005")["status"] == "needs_fix"
    assert "/s/TB-2026-0005/reopen" not in editor.get("/s/TB-2026-0005").text


def test_login_page_explains_the_first_account(tmp_path: Path) -> None:
    config = Config(base_dir=tmp_path, data_dir=tmp_path / "data")
    store = Store(config.data_path)
    try:
        with TestClient(create_app(config, store=store)) as c:
            assert "tinbai user add" in c.get("/login").text
    finally:
        store.close()


def test_reject_while_smtp_is_down_keeps_the_reply(site: tuple[Config, Store]) -> None:
    from web_support import free_port

    config, store = site
    config.smtp.url = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    with TestClient(create_app(config, store=store), follow_redirects=False) as c:
        login(c, "bientap")
        token = csrf_of(c.get("/s/TB-2026-0001").text)
        response = c.post("/s/TB-2026-0001/reject",
                          data={"csrf": token, "reason": "Trùng nội dung."})
        assert response.status_code == 303
        assert "chưa gửi được" in c.get("/s/TB-2026-0001").text
    row = store.submissions.get("TB-2026-0001")
    assert row["status"] == "rejected"
    reply = store.outbox.of_submission(int(row["id"]))[-1]
    assert (reply["kind"], reply["state"]) == ("rejected", "pending")  # retried later
    assert reply["attempts"] == 1 and reply["last_error"]
