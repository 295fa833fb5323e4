"""A sample site in every state the pages show (issue 16): the demo mail ingested through
the real pipeline, then the decisions an editor and a finance clerk make, all through
``tinbai.decisions`` and ``tinbai.finance`` — so every page has something to show:

- TB-2026-0001 published, its account holder corrected to someone else (flagged in the
  batch); TB-2026-0006 published; both in batch NB-2026-Q4-01;
- TB-2026-0005 published after an editor overrode its invalid phone, account and
  screenshot: the batch cannot pay it (listed under "Chưa vào đợt chi");
- TB-2026-0002 approved, TB-2026-0003 rejected, TB-2026-0004 waiting for the author,
  TB-2026-0007 missing three fields, an auto-reply, a mailbox alert.

Used by the page test (tests/test_web_pages.py) and the screenshots (tests/web_screenshots.py).
"""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
from pathlib import Path

from text_rules import data_words
from web_support import copy_site

from ingest.normalize import load_banks
from store.db import Store
from tinbai.config import Config
from tinbai.decisions import approve, edit_fields, override, publish, reject
from tinbai.finance.batches import create_batch
from tinbai.outbox import Outbox
from tinbai.periods import parse_period
from tinbai.poll import Poller
from tinbai.samples import sample_submission

EDITOR, FINANCE = "bientap", "ketoan"


#: The token of the status link of TB-2026-0001 in the office world.
STATUS_TOKEN = "trang-theo-doi-" + "t" * 32


def build_office_world(template: Path, folder: Path) -> tuple[Config, Store]:
    """A copy of the built sample site with the decisions above made on it."""
    config, store = copy_site(template, folder)
    inbox = mailbox.Maildir(config.resolve("inbox"), create=False)
    inbox.add(sample_submission(20, sender=("Ma Văn Quý", "quymv@example.org"),
                                complete=False).as_bytes())
    poller = Poller(config, store)
    poller.poll()
    outbox = Outbox(config, store)
    edit_fields(store, config, "TB-2026-0001", {"account_holder": "Nông Văn Nam"},
                actor=EDITOR)
    approve(store, "TB-2026-0001", actor=EDITOR)
    publish(store, config, "TB-2026-0001", url="https://congdoan.example.vn/tin/trao-qua",
            on="2026-11-25", genre="bai", coefficient="1.5", actor=EDITOR)
    publish(store, config, "TB-2026-0006", url="https://congdoan.example.vn/tin/hien-mau",
            on="2026-11-21", genre="tin", coefficient="0.8", actor=EDITOR)
    notes = {"invalid_phone": "Đã gọi điện, số đúng là 0912 345 678",
             "invalid_bank_account": "Tác giả sẽ gửi lại số tài khoản",
             "photo_screenshot": "Ảnh do Ban Biên tập chụp lại, dùng được"}
    sid = int(store.submissions.get("TB-2026-0005")["id"])
    for problem in store.submissions.problems_of(sid):
        if problem["code"] in notes:
            override(store, "TB-2026-0005", int(problem["id"]), actor=EDITOR,
                     note=notes[problem["code"]])
    publish(store, config, "TB-2026-0005", url="https://congdoan.example.vn/tin/hoi-thao",
            on="2026-11-28", genre="tin", coefficient="1.0", actor=EDITOR)
    approve(store, "TB-2026-0002", actor=EDITOR)
    reject(store, outbox, "TB-2026-0003", reason="Nội dung trùng với tin đã đăng ngày 15/11.",
           actor=EDITOR)
    outbox.send_pending()
    create_batch(store, config, parse_period("2026-Q4"), actor=FINANCE)
    with store.transaction():
        # a contributor's personal status link, as a reply carries it (tests know the token)
        store.notices.add_link(int(store.submissions.get("TB-2026-0001")["id"]), STATUS_TOKEN)
        store.outbox.add_alert("auth_failure",
                               "mailbox test: login refused (AUTHENTICATIONFAILED); check "
                               "TINBAI_IMAP_PASSWORD")
    return config, store


def site_data(store: Store, config: Config) -> frozenset[str]:
    """The words people wrote, shown as they wrote them (not judged by the text rules)."""
    values: list[object] = [u.name for u in config.units]
    # What the organisation configured: its layouts' names, the banks' own names.
    values += [layout.label for layout in config.royalties.payment_layouts.values()]
    values += [bank.short_name for bank in load_banks()]
    for name, columns in (
        ("submissions", "ref title body caption author unit unit_name phone phone_e164 "
                        "bank_account bank_account_digits account_holder account_holder_ascii "
                        "bank_name bank_short_name sender sender_name published_url "
                        "reject_reason"),
        ("messages", "sender sender_name subject"),
        ("photos", "filename camera caption"),
        ("problems", "override_note"),
        ("editor_notes", "body"),
        ("users", "name"),
        ("payment_batches", "code"),
        ("batch_payees", "author account_holder account_digits bank_short_name description "
                         "flag_detail"),
        ("batch_items", "title"),
        ("outbox", "to_addr subject"),
    ):
        for row in store.db.execute(f"SELECT {', '.join(columns.split())} FROM {name}"):
            values.extend(row)
    # A field problem's detail is what the contributor wrote ("0123 45"); a photo
    # problem's is tinbai's own words, judged like the page.
    values.extend(row[0] for row in store.db.execute(
        "SELECT detail FROM problems WHERE field IS NOT NULL"))
    # What the camera wrote in the photo (software versions, models…).
    for (facts,) in store.db.execute("SELECT facts_json FROM photos"):
        evidence = json.loads(facts or "{}").get("evidence") or {}
        values.extend(v for k, v in evidence.items() if isinstance(v, str)
                      and k in ("make", "model", "software", "xmp_creator_tool",
                                "icc_description", "user_comment"))
    # The replies are shown as they were sent: a copy of the email, not the page's words.
    for (raw,) in store.db.execute("SELECT raw FROM outbox"):
        body = email.message_from_bytes(bytes(raw), policy=email.policy.default).get_body(
            ("plain",))
        values.append(str(body.get_content()) if body is not None else "")
    return data_words(values)
