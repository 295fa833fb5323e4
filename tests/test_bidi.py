"""Bidirectional control characters (U+202E and friends) in names, subjects and titles:
stripped from stored field values with a note in the audit log, never printed, and user
text isolated — checked in real Chromium, where the reordering happens."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from headless import chromium, require_chromium
from web_support import PASSWORD, copy_site, outbox_messages, running_server, shared_template

from store.db import Store
from tinbai import decisions
from tinbai.bidi import CONTROLS
from tinbai.config import Config
from tinbai.poll import Poller
from tinbai.samples import camera_jpeg
from tinbai.web.app import create_app

RLO, PDF, RLI = "\u202e", "\u202c", "\u2067"


def hostile_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{RLO}Hoàng Văn Hùng <hung.bidi@example.org>"
    message["To"] = "Ban Biên tập <toasoan@congdoan.example.vn>"
    message["Subject"] = f"Gửi tin {RLO}gpj.exe"
    message["Message-ID"] = "<bidi-1@tinbai.example>"
    message.set_content(
        f"1. Tít tin, bài: Hội thao {RLO}năm 2026{PDF} của công đoàn\n\n"
        "2. Nội dung bài viết:\n" + "Công đoàn cơ sở tổ chức hội thao cho đoàn viên. " * 20
        + f"\n\n3. Chú thích ảnh: Ảnh 1: Kéo co {RLI}gpj.exe\n"
        f"4. Tác giả: {RLO}Hoàng Văn Hùng\n5. Đơn vị công tác: Công đoàn ngành Y tế\n"
        f"6. Số điện thoại: 0912{RLO} 345 678\n7. Số tài khoản của tác giả: 8600 2050 {RLO}12345 "
        "Vietinbank\n8. Tên chủ tài khoản: Hoàng Văn Hùng\n"
    )
    message.add_attachment(camera_jpeg(7), maintype="image", subtype="jpeg",
                           filename="IMG_0007.jpg")
    return message


def not_a_submission() -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{RLO}moc.elpmaxe@ofni <info@example.org>"
    message["To"] = "toasoan@congdoan.example.vn"
    message["Subject"] = f"Thư mời {RLO}ad.exe hội nghị"
    message["Message-ID"] = "<bidi-2@tinbai.example>"
    message.set_content("Kính mời quý cơ quan dự hội nghị.")
    return message


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    folder = tmp_path / "site"
    config, store = copy_site(shared_template(tmp_path_factory), folder)
    inbox = mailbox.Maildir(folder / "inbox", create=True)
    inbox.add(hostile_mail().as_bytes())
    inbox.add(not_a_submission().as_bytes())
    assert Poller(config, store).poll().failed == 0
    yield config, store
    store.close()


def bidi_submission(store: Store) -> dict[str, Any]:
    row = next(r for r in store.queue.page(limit=1000) if "Hội thao" in str(r["title"]))
    return store.submissions.get(row["ref"])


def test_stored_values_lose_the_controls_with_an_audit_note(site: tuple[Config, Store]) -> None:
    config, store = site
    submission = bidi_submission(store)
    for key in ("title", "author", "caption", "phone", "bank_account", "sender_name",
                "subject", "candidate_json"):
        assert not CONTROLS.search(str(submission[key])), key
    assert submission["title"] == "Hội thao năm 2026 của công đoàn"
    assert submission["author"] == "Hoàng Văn Hùng"
    # the numbers read as if the control had not been there
    assert submission["phone_e164"] == "+84912345678"
    assert submission["bank_account_digits"] == "860020501234 5".replace(" ", "")
    notes = [a for a in store.audit.of_submission(int(submission["id"]))
             if a["action"] == "strip_bidi"]
    assert len(notes) == 1
    assert set(json.loads(notes[0]["detail_json"])["fields"]) >= {"title", "author", "caption",
                                                                  "phone", "bank_account"}
    # the reply echoing "what we read" is clean too
    replies = [email.message_from_bytes(m, policy=email.policy.default)
               for m in outbox_messages(config)]
    ours = [r for r in replies if submission["ref"] in str(r["Subject"])]
    assert len(ours) == 1
    body = ours[0].get_body(("plain",))
    assert body is not None and "Hoàng Văn Hùng" in body.get_content()
    assert not CONTROLS.search(body.get_content())


def test_an_editor_s_correction_loses_them_too(site: tuple[Config, Store]) -> None:
    config, store = site
    submission = bidi_submission(store)
    decisions.edit_fields(store, config, submission["ref"],
                          {"title": f"Tít {RLO}mới", "unit": f"{RLI}Công đoàn ngành Y tế"},
                          actor="bientap")
    after = store.submissions.get(submission["ref"])
    assert after["title"] == "Tít mới" and after["unit"] == "Công đoàn ngành Y tế"
    notes = [json.loads(a["detail_json"]) for a in store.audit.of_submission(int(after["id"]))
             if a["action"] == "strip_bidi"]
    assert {"fields": {"title": 1, "unit": 1}} in notes
    edits = [json.loads(a["detail_json"]) for a in store.audit.of_submission(int(after["id"]))
             if a["action"] == "edit_field"]
    assert {"field": "title", "old": "Hội thao năm 2026 của công đoàn",
            "new": "Tít mới"} in edits


# -- in the browser ------------------------------------------------------------------------

_LAYOUT = """
([nameSelector, followText]) => {
  const name = document.querySelector(nameSelector);
  const walker = document.createTreeWalker(name.closest('p, td, li, h1, div'),
                                           NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(followText);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + followText.length);
      const after = range.getBoundingClientRect();
      const box = name.getBoundingClientRect();
      return {nameRight: box.right, followLeft: after.left,
              bidi: getComputedStyle(name.querySelector('bdi') || name).unicodeBidi};
    }
  }
  return null;
}
"""


def test_hostile_names_do_not_reorder_what_editors_read(site: tuple[Config, Store]) -> None:
    require_chromium()
    config, store = site
    ref = bidi_submission(store)["ref"]
    # a sender name as stored before this release (message rows keep the header as sent)
    with store.transaction():
        store.submissions.update(int(bidi_submission(store)["id"]),
                                 {"sender_name": f"{RLO}Hoàng Văn Hùng"})
    app = create_app(config, store=store)
    with running_server(app) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="vi-VN")
        page.set_default_timeout(20_000)
        page.goto(base + "/login")
        page.fill("input[name=name]", "bientap")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('Đăng nhập')")
        page.wait_for_url(base + "/")
        for path in ("/", f"/s/{ref}", "/messages"):
            page.goto(base + path)
            text = page.evaluate("document.body.innerText")
            assert not CONTROLS.search(text), path
        # the sender line: "Người gửi: NAME <address> · Nhận lúc …" stays in order
        page.goto(base + f"/s/{ref}")
        layout = page.evaluate(_LAYOUT, ["p.meta b", "Nhận lúc"])
        assert layout is not None
        assert layout["nameRight"] <= layout["followLeft"], layout
        assert layout["bidi"] == "isolate"
        # a right-to-left name is isolated too (it stays left of what follows)
        with store.transaction():
            store.submissions.update(int(bidi_submission(store)["id"]),
                                     {"sender_name": "שלום 2026"})
        page.reload()
        layout = page.evaluate(_LAYOUT, ["p.meta b", "Nhận lúc"])
        assert layout["nameRight"] <= layout["followLeft"], layout
        page.goto(base + "/messages")
        assert page.locator("td bdi", has_text="hội nghị").count() == 1
