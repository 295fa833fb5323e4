"""Reminders and alerts (issue 15): the editors' digest, the contributor's reminder, the
units' quota reminders and leadership's summary — each exactly once, on the local clock,
also across restarts of ``tinbai run`` (a real daemon against a real SMTP server).
"""

from __future__ import annotations

import mailbox
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from loop_support import (
    HEALTH_CHAIR,
    Site,
    contributor_mail,
    header,
    open_site,
    sent_to,
    text_of,
)

from store.db import Store
from tinbai import clock
from tinbai.outbox import Outbox
from tinbai.reminders import period_of, quota_reminders, run_due

EDITOR = "bientap@congdoan.example.vn"
LEADER = "pho.chutich@ldldtinh.vn"
LAN = ("Nông Thị Lan", "nongthilan.cdcs@gmail.com")
HOA = ("Bế Thị Hoa", "hoabt.yte@gmail.com")
HUNG = ("Hoàng Văn Hùng", "hunghv.ldld@gmail.com")
EXTRA = f"""
notices:
  editors: ["{EDITOR}"]
  leadership: ["{LEADER}"]
  digest_hour: 0
"""


@pytest.fixture
def site(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch, EXTRA)


def _failed_message(store: Store) -> None:
    """A message whose processing failed (as Intake._failed stores it)."""
    with store.transaction():
        store.messages.insert({"message_id": "failed-editorial-1-9@tinbai", "raw_sha256": "0",
                               "mailbox": "editorial", "uidvalidity": 1, "uid": 9,
                               "sender": "ai.do@example.org", "subject": "Tin bài tháng 11",
                               "disposition": "quarantined", "state": "failed",
                               "error": "Traceback (most recent call last): …"})


def test_daily_digest_to_editors_once_a_day(site: Site) -> None:
    site.imap.append(contributor_mail(21, HOA, "Công đoàn ngành Y tế",
                                      cc=[HEALTH_CHAIR]).as_bytes())  # → review
    site.imap.append(contributor_mail(22, LAN, "Công đoàn cơ sở Công ty TNHH May Chợ Mới")
                     .as_bytes())  # → awaiting the district's approval
    site.poll()
    _failed_message(site.store)
    review, awaiting = (r["ref"] for r in site.store.queue.listing())
    outbox = Outbox(site.config, site.store)
    # Tomorrow 08:00 local, so "later that day" is the same date at any hour the test runs.
    soon = clock.day_start(clock.today() + timedelta(days=1)) + timedelta(hours=8)
    assert run_due(site.store, site.config, outbox, soon).digest  # the failure is news
    later = soon + timedelta(days=4)
    assert not run_due(site.store, site.config, outbox, soon + timedelta(hours=2)).digest
    assert run_due(site.store, site.config, outbox, later).digest  # another day
    again = Store(site.config.data_path)  # tinbai run restarted the same day
    try:
        assert not run_due(again, site.config, Outbox(site.config, again), later).digest
    finally:
        again.close()
    outbox.send_pending()
    first, second = sent_to(site.smtp, EDITOR, "Tóm tắt hằng ngày")
    assert "Thư không xử lý được (1" in text_of(first) and "Tin bài tháng 11" in text_of(first)
    text = text_of(second)
    assert f"Chờ Ban Biên tập xem xét quá 3 ngày (1):\n  - {review}" in text
    assert f"Chờ đơn vị duyệt (1):\n  - {awaiting}" in text and "LĐLĐ huyện Chợ Đồn" in text
    assert "CẢNH BÁO: không nhận được thư nào trong 48 giờ qua" in text
    assert second["Auto-Submitted"] == "auto-generated"
    assert site.store.notices.keys_like("digest:") == [
        f"digest:{soon.date().isoformat()}", f"digest:{later.date().isoformat()}"]


def test_one_reminder_to_a_contributor_whose_item_waits_for_a_fix(site: Site) -> None:
    site.imap.append(contributor_mail(23, HOA, "Công đoàn ngành Y tế", complete=False)
                     .as_bytes())
    site.poll()
    ref = site.store.queue.listing()[0]["ref"]
    outbox = Outbox(site.config, site.store)
    days = site.config.notices.fix_reminder_days
    assert run_due(site.store, site.config, outbox,
                   clock.now() + timedelta(days=days - 1)).fix_reminders == 0
    assert run_due(site.store, site.config, outbox,
                   clock.now() + timedelta(days=days, hours=1)).fix_reminders == 1
    assert run_due(site.store, site.config, outbox,
                   clock.now() + timedelta(days=days + 5)).fix_reminders == 0
    outbox.send_pending()
    fix_request, reminder = sent_to(site.smtp, HOA[1])
    assert header(reminder, "In-Reply-To") == header(fix_request, "In-Reply-To")  # one thread
    text = text_of(reminder)
    assert f"mã số {ref}\n" in text and f"đã chờ đồng chí bổ sung {days} ngày" in text
    assert "Thiếu mục «Số điện thoại»" in text and "Đây là thư nhắc duy nhất." in text


def test_quota_reminders_to_units_behind_and_the_summary_to_leadership(
    site: Site,
) -> None:
    site.imap.append(contributor_mail(24, HUNG, "LĐLĐ huyện Chợ Đồn").as_bytes())
    site.imap.append(contributor_mail(25, ("Hoàng Thị Yến", "yenht@gmail.com"),
                                      "Công đoàn cơ sở Công ty TNHH May Chợ Mới",
                                      cc=["chutich.ldld@chodon.gov.vn"]).as_bytes())
    site.poll()
    hung_ref, may_ref = (r["ref"] for r in site.store.queue.listing())
    # The grassroots union meets its quarter's share (½ of 1 a half-year): one published.
    assert site.cli("publish", may_ref, "--url", "https://congdoan.example.vn/may",
                    "--genre", "tin", "--coefficient", "1.0") == 0
    period = period_of("quarter", clock.today())
    day = date(period.end.year, period.end.month, site.config.notices.quota_day)
    outbox = Outbox(site.config, site.store)
    assert quota_reminders(site.store, site.config, outbox, day - timedelta(days=1)) == 0
    queued = quota_reminders(site.store, site.config, outbox, day)
    assert queued == 3  # the district's office, the health sector's chair, leadership
    assert quota_reminders(site.store, site.config, outbox, day + timedelta(days=3)) == 0
    outbox.send_pending()
    (district,) = sent_to(site.smtp, "vanphong.ldld@chodon.gov.vn", "Nhắc chỉ tiêu")
    text = " ".join(text_of(district).split())
    assert text.startswith("Kính gửi LĐLĐ huyện Chợ Đồn,")
    assert f"đã đăng 0 tin, bài của đơn vị trong {period.label}" in text
    assert "chỉ tiêu của kỳ là 3 tin, bài" in text and "cần thêm ít nhất 3 tin, bài" in text
    assert f"- {hung_ref} «" in text and "— Chờ duyệt" in text  # what it sent
    assert len(sent_to(site.smtp, HEALTH_CHAIR, "Nhắc chỉ tiêu")) == 1  # no emails: approvers
    assert not sent_to(site.smtp, "cdcs.maychomoi@gmail.com")  # met its quota
    (summary,) = sent_to(site.smtp, LEADER)
    text = text_of(summary)
    assert "LĐLĐ huyện Chợ Đồn: gửi 1, đã đăng 0/3, còn thiếu 3" in text
    assert "Công đoàn ngành Y tế: gửi 0, đã đăng 0/3" in text
    assert "CĐCS Trường THPT Chợ Đồn" in text  # behind, without an address: named
    assert "CĐCS Công ty TNHH May Chợ Mới" not in text


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_tinbai_run_sends_the_digest_once_across_a_restart(
    tmp_path: Path, smtp_server: Any,
) -> None:
    mailbox.Maildir(tmp_path / "inbox", create=True)
    config = tmp_path / "config.yaml"
    config.write_text(
        "mailboxes: [{name: t, url: 'maildir:inbox'}]\n"
        f"smtp: {{url: '{smtp_server.url}'}}\ndata_dir: var\npolling: {{interval_seconds: 10}}\n"
        f"notices: {{editors: ['{EDITOR}'], digest_hour: 0}}\n", encoding="utf-8")
    store = Store(tmp_path / "var")
    _failed_message(store)  # something to report
    store.close()

    def run_once(log: Path, done: Any) -> str:
        with log.open("w") as err:
            daemon = subprocess.Popen(
                [sys.executable, "-m", "tinbai.cli", "--config", str(config), "run"],
                stdout=subprocess.DEVNULL, stderr=err, text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
            try:
                assert _wait(lambda: "reminders:" in log.read_text() and done(), 120), \
                    log.read_text()
            finally:
                daemon.send_signal(signal.SIGTERM)
                daemon.wait(timeout=60)
        assert daemon.returncode == 0, log.read_text()
        return log.read_text()

    def digests() -> int:
        return len(sent_to(smtp_server, EDITOR, "Tóm tắt hằng ngày"))

    first = run_once(tmp_path / "first.log", lambda: digests() == 1)
    assert "digest=True" in first
    second = run_once(tmp_path / "second.log", lambda: True)
    assert "digest=False" in second and "Traceback" not in second
    store = Store(tmp_path / "var")
    try:
        kinds = [r["kind"] for r in store.outbox.due(clock.now() + timedelta(days=1))]
        assert "digest" not in kinds  # nothing queued again, nothing waiting
        assert len(store.notices.keys_like("digest:")) == 1  # one day, one digest
    finally:
        store.close()
    assert digests() == 1
