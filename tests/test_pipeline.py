"""The pipeline over a local Maildir: store, reply, fix-by-reply, never twice, never lost."""

from __future__ import annotations

import email
import email.policy
import hashlib
import mailbox
from pathlib import Path

import pytest

from store.db import Store
from tinbai.config import Config, load_config
from tinbai.demo import prepare
from tinbai.poll import Poller
from tinbai.samples import demo_messages, sample_submission


@pytest.fixture
def demo(tmp_path: Path) -> Config:
    """The demo's configuration: a seeded Maildir inbox and a Maildir outbox."""
    (tmp_path / "config.yaml").write_text("data_dir: var\n", encoding="utf-8")
    config_path = prepare(load_config(tmp_path / "config.yaml"))
    return load_config(config_path)


def outbox(config: Config) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(config.resolve("outbox"), create=True)
    return [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)  # type: ignore[misc]
        for key in box.keys()  # noqa: SIM118 (Maildir is not a dict)
    ]


def test_demo_inbox_is_stored_answered_and_never_processed_twice(demo: Config) -> None:
    store = Store(demo.data_path)
    report = Poller(demo, store).poll()
    assert report.fetched == 8
    assert report.failed == 0
    queue = store.queue.listing(include_dispositions=True)
    submissions = [row for row in queue if row["ref"]]
    # Eight messages: six submissions, one fix-by-reply to an earlier one, one auto-reply.
    assert len(submissions) == 6
    assert [row["disposition"] for row in queue if not row["ref"]] == ["auto_reply"]
    replies = outbox(demo)
    # One reply per submission message (the fix-by-reply gets the new verdict), none to
    # the auto-reply.
    assert len(replies) == 7
    assert all(r["Auto-Submitted"] == "auto-replied" for r in replies)
    assert not any("hanhchinh@" in str(r["To"]) for r in replies)

    photos = [p for row in store.queue.page(limit=100)
              for p in store.submissions.photos_of(int(row["id"]))]
    assert photos and all(len(p["sha256"]) == 64 for p in photos)
    assert all(store.photos.read(p["blob_path"]) for p in photos)
    again = Poller(demo, store).poll()
    assert (again.fetched, again.stored, again.replies_sent) == (0, 0, 0)
    assert len(store.queue.listing(include_dispositions=True)) == len(queue)
    assert len(outbox(demo)) == 7
    store.close()


def test_fix_by_reply_updates_the_same_submission(demo: Config) -> None:
    store = Store(demo.data_path)
    Poller(demo, store).poll()
    rows = [r for r in store.queue.listing() if r["sender"] == "maitt.giaoduc@yahoo.com.vn"]
    assert len(rows) == 1, "the reply must not create a second submission"
    submission = store.submissions.get(rows[0]["ref"])
    assert submission["version"] == 2
    assert submission["phone_e164"] == "+84868224466"
    assert submission["bank_account_digits"] == "10123456789"
    statuses = [h["to_status"] for h in store.submissions.history(submission["id"])]
    assert statuses[0] == "needs_fix"
    versions = store.submissions.versions(submission["id"])
    assert [v["version"] for v in versions] == [1, 2]
    # The contributor got the first verdict and then the new one, both threaded.
    replies = [r for r in outbox(demo) if "maitt" in str(r["To"])]
    assert len(replies) == 2
    assert all(submission["ref"] in str(r["Subject"]) for r in replies)
    store.close()


def test_reply_is_threaded_to_the_contributors_message(demo: Config) -> None:
    store = Store(demo.data_path)
    Poller(demo, store).poll()
    lan = [r for r in outbox(demo) if "nongthilan" in str(r["To"])]
    assert len(lan) == 1
    assert lan[0]["In-Reply-To"] == "<demo-1@tinbai.example>"
    assert "Re: Gửi tin bài" in str(lan[0]["Subject"])
    store.close()


def test_an_unexpected_error_stores_the_message_as_failed_and_moves_on(demo: Config) -> None:
    """A real fault in the middle of one message's commit (the photo store cannot create
    the folder of demo-2's photo: a file is where the folder should be, as in a damaged
    data folder): that message is stored as failed with its traceback and raw, an alert
    is raised, and the other seven are processed."""
    photos = {
        message["Message-ID"]: [hashlib.sha256(part.get_content()).hexdigest()
                                for part in message.iter_attachments()
                                if part.get_content_maintype() == "image"]
        for message in demo_messages()
    }
    (digest,) = photos["<demo-2@tinbai.example>"]
    others = {d[:2] for mid, found in photos.items() if mid != "<demo-2@tinbai.example>"
              for d in found}
    assert digest[:2] not in others, "the fault must hit demo-2 alone"
    blocker = demo.data_path / "photos" / digest[:2]
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")

    store = Store(demo.data_path)
    report = Poller(demo, store).poll()
    assert report.failed == 1
    assert report.fetched == 8
    failed = store.messages.failed()
    assert len(failed) == 1
    assert "Error" in failed[0]["error"] and "put" in failed[0]["error"]  # the traceback
    assert failed[0]["raw_path"], "the raw message is kept"
    assert b"<demo-2@tinbai.example>" in store.raw.read(failed[0]["raw_path"])
    alerts = store.outbox.open_alerts()
    assert alerts and alerts[0]["kind"] == "quarantined"
    # Nothing of the failed message's submission was left half-written.
    assert "hunghv.ldldchodon@gmail.com" not in {r["sender"] for r in store.queue.listing()}
    store.close()


MANY = ("Người gửi nhiều", "many@example.org")


def _two_replies_a_day(tmp_path: Path) -> tuple[mailbox.Maildir, Poller, Store]:
    """A Maildir inbox and outbox with ``replies.max_per_sender_per_day: 2``."""
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    (tmp_path / "config.yaml").write_text(
        "mailboxes: [{name: t, url: 'maildir:inbox'}]\nsmtp: {url: 'maildir:outbox'}\n"
        "data_dir: var\nreplies: {max_per_sender_per_day: 2}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "config.yaml")
    store = Store(config.data_path)
    return inbox, Poller(config, store), store


def test_rate_limit_suppresses_replies_to_one_sender(tmp_path: Path) -> None:
    inbox, poller, store = _two_replies_a_day(tmp_path)
    for number in range(4):
        inbox.add(sample_submission(number, sender=MANY, complete=False).as_bytes())
    report = poller.poll()
    assert report.stored == 4
    assert report.replies_sent == 2
    states = [reply["state"] for row in store.queue.listing()
              for reply in store.outbox.of_submission(store.submissions.get(row["ref"])["id"])]
    assert states == ["sent", "sent", "suppressed", "suppressed"]
    store.close()


def test_notices_do_not_use_up_a_senders_replies(tmp_path: Path) -> None:
    """A busy contributor who got notices today (published, paid…) still gets receipts:
    the daily limit counts only the answers to their own mail."""
    inbox, poller, store = _two_replies_a_day(tmp_path)
    inbox.add(sample_submission(1, sender=MANY, complete=False).as_bytes())
    poller.poll()
    submission = store.submissions.get(store.queue.listing()[0]["ref"])
    with store.transaction():
        for number in range(3):
            assert poller.outbox.to_author(
                "published", submission, key=f"test:{number}",
                extra={"url": "https://congdoan.example/bai", "published_on": "01/12/2026"})
    inbox.add(sample_submission(2, sender=MANY, complete=False).as_bytes())
    poller.poll()
    kinds = [(kind, state) for kind, state in store.db.execute(
        "SELECT kind, state FROM outbox WHERE to_addr = ? ORDER BY id", (MANY[1],))]
    assert kinds[:4] == [("fix_request", "sent")] + [("published", "sent")] * 3
    assert kinds[4] == ("fix_request", "sent")  # 4 e-mails today, 2 of them answers to mail
    store.close()


def test_an_editors_override_survives_the_contributors_fix(tmp_path: Path) -> None:
    """Overridden verdicts stay overridden in the next version and are not asked again."""
    inbox = mailbox.Maildir(tmp_path / "inbox", create=True)
    first = sample_submission(1, complete=False)
    inbox.add(first.as_bytes())
    (tmp_path / "config.yaml").write_text(
        "mailboxes: [{name: t, url: 'maildir:inbox'}]\nsmtp: {url: 'maildir:outbox'}\n"
        "data_dir: var\n", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    store = Store(config.data_path)
    Poller(config, store).poll()
    submission = store.submissions.get(store.queue.listing()[0]["ref"])
    problems = {(p["code"], p["field"]): p for p in store.submissions.problems_of(submission["id"])}
    assert ("missing_field", "phone") in problems
    # The editor accepts the missing bank account (the author will be paid in cash).
    for field in ("bank_account", "account_holder"):
        store.submissions.override_problem(problems[("missing_field", field)]["id"],
                                           actor="bientap", note="trả tiền mặt")

    reply = email.message.EmailMessage()
    reply["From"] = first["From"]
    reply["To"] = first["To"]
    reply["Subject"] = f"Re: {first['Subject']}"
    reply["Message-ID"] = "<fix-1@example.org>"
    reply["In-Reply-To"] = first["Message-ID"]
    reply.set_content("6. Số điện thoại: 0983 111 222\n")
    inbox.add(reply.as_bytes())
    Poller(config, store).poll()

    after = store.submissions.get(submission["id"])
    assert after["version"] == 2
    assert after["status"] == "pending_review"
    # The queue's count shows what is still open, as after an override in the web page.
    assert after["error_count"] == store.submissions.active_error_count(submission["id"]) == 0
    kept = [p for p in store.submissions.problems_of(submission["id"]) if p["overridden_at"]]
    assert {p["field"] for p in kept} == {"bank_account", "account_holder"}
    assert all(p["overridden_by"] == "bientap" for p in kept)
    last = [r for r in outbox(config) if r["In-Reply-To"] == "<fix-1@example.org>"]
    assert len(last) == 1 and "đã nhận tin, bài" in last[0].get_body().get_content()  # type: ignore[union-attr]
    store.close()


def test_own_addresses_come_from_the_from_header_and_the_mailbox_logins(tmp_path: Path) -> None:
    from tinbai.intake import own_addresses

    (tmp_path / "config.yaml").write_text(
        "mailboxes:\n"
        "  - {name: a, url: 'imaps://toasoan%40congdoan.example.vn@imap.gmail.com/INBOX'}\n"
        "  - {name: b, url: 'imap://bientap@example.org@127.0.0.1:143/INBOX'}\n"
        "  - {name: c, url: 'maildir:inbox'}\n"
        "smtp: {url: 'maildir:outbox', from: 'Ban Biên tập <BBT@congdoan.example.vn>'}\n",
        encoding="utf-8",
    )
    assert own_addresses(load_config(tmp_path / "config.yaml")) == {
        "bbt@congdoan.example.vn", "toasoan@congdoan.example.vn", "bientap@example.org",
    }
