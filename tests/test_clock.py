"""The local clock (SPEC §7: every date is Vietnam's, whatever zone the machine runs in)."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient
from web_support import copy_site, csrf_of, login, outbox_messages, shared_template

from tinbai import cli, clock
from tinbai.config import ConfigError, load_config
from tinbai.finance.batches import create_batch, mark_paid
from tinbai.outbox import Outbox
from tinbai.periods import parse_period
from tinbai.poll import Poller
from tinbai.samples import sample_submission
from tinbai.web.app import create_app


def test_now_and_today_are_in_vietnam_time() -> None:
    moment = clock.now()
    assert moment.utcoffset() == timedelta(hours=7)
    assert clock.today() in (moment.date(), (moment + timedelta(seconds=5)).date())


def test_store_stamps_are_shown_in_local_time() -> None:
    assert clock.format_local("2026-09-30T17:30:00+00:00") == "01/10/2026 00:30"
    assert clock.format_local("2026-09-30T17:30:00Z") == "01/10/2026 00:30"
    assert clock.format_local("2026-09-30T17:30:00") == "01/10/2026 00:30"  # naive = UTC
    assert clock.format_local(None) == "" and clock.format_local("", "—") == "—"
    assert clock.format_local("hôm qua") == "hôm qua"


def test_a_local_day_starts_at_17_utc_the_day_before() -> None:
    start = clock.day_start(date(2026, 1, 1))
    assert start.astimezone(UTC) == datetime(2025, 12, 31, 17, 0, tzinfo=UTC)
    assert clock.to_local(datetime(2025, 12, 31, 17, 0)).date() == date(2026, 1, 1)


# -- the zone from config.yaml, and dates across a year boundary (issue 13) --------------




HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own zone is UTC (the case of the bug); the default zone afterwards."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
    clock.configure(clock.DEFAULT_ZONE)


def test_the_zone_comes_from_config_yaml(tmp_path: Path, utc_machine: None) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: Europe/Paris\n", encoding="utf-8")
    assert load_config(path).timezone == "Europe/Paris"
    assert clock.now().utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    with clock.frozen(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 1, 1)
        assert clock.format_local("2026-12-31T23:30:00Z") == "01/01/2027 00:30"
    path.write_text("timezone: Mars/Olympus_Mons\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"timezone: .*unknown time zone 'Mars/Olympus_Mons'"):
        load_config(path)
    path.write_text("data_dir: data\n", encoding="utf-8")
    assert load_config(path).timezone == "Asia/Ho_Chi_Minh"
    assert clock.now().utcoffset() == timedelta(hours=7)


ROYALTIES = """
replies:
  admin_emails: [quantri@congdoan.example.vn]
royalties:
  unit_values:
    - {since: 2024-07-01, value: 234000}
    - {since: 2027-01-01, value: 250000}
  tax:
    - {since: 2013-09-01, rate: "0.10", threshold: 2000000}
    - {since: 2027-01-01, rate: "0.10", threshold: 5000000}
"""

#: 23:30 on 31 December in London is 06:30 on 1 January in Hanoi; 00:30 on 1 January in
#: Hanoi is 17:30 on 31 December UTC. Both are the new year in Vietnam.
MOMENTS = {
    "23:30 UTC": (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01/01/2027 06:30"),
    "00:30 Hanoi": (datetime(2027, 1, 1, 0, 30, tzinfo=HANOI), "01/01/2027 00:30"),
}


@pytest.fixture
def year_end_site(tmp_path_factory: Any, tmp_path: Path, utc_machine: None) -> Any:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    path = config.base_dir / "config.yaml"
    path.write_text(path.read_text(encoding="utf-8") + ROYALTIES, encoding="utf-8")
    config = load_config(path)
    yield path, config, store
    store.close()


@pytest.mark.parametrize("moment", MOMENTS)
def test_new_year_in_hanoi_while_it_is_still_the_old_one_in_utc(
    year_end_site: Any, moment: str,
) -> None:
    path, config, store = year_end_site
    when, shown = MOMENTS[moment]
    old_pending = next(r["ref"] for r in store.queue.page(status="pending_review", limit=10))
    with clock.frozen(when):
        inbox = mailbox.Maildir(config.base_dir / "inbox", create=True)
        inbox.add(sample_submission(90, when=when).as_bytes())
        assert Poller(config, store).poll().failed == 0
        new = next(r for r in store.queue.page(limit=1000) if "số 90 " in str(r["title"]))
        # the reference year is Vietnam's, numbered afresh
        assert new["ref"] == "TB-2027-0001"
        receipt = email.message_from_bytes(outbox_messages(config)[-1],
                                           policy=email.policy.default)
        assert "TB-2027-0001" in str(receipt["Subject"])
        assert receipt["Date"].datetime.astimezone(HANOI).date() == date(2027, 1, 1)
        app = create_app(config, store=store)
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
            login(c, "bientap")
            queue = c.get("/?status=pending_review").text
            row = queue.split("TB-2027-0001")[-1].split("</tr>")[0]
            assert shown in row  # the time received, in Hanoi
            page = c.get("/s/TB-2027-0001").text
            assert f"Nhận lúc {shown}" in page
            # the publish form's default date (written as people write dates)
            assert re.search(r'name="date"[^>]*value="01/01/2027"', page)
            response = c.post("/s/TB-2027-0001/publish", data={
                "csrf": csrf_of(page), "url": "https://baocongdoan.example.vn/tin-moi",
                "genre": "tin", "coefficient": "1", "date": ""})
            assert response.status_code == 303
            assert "Quý I/2027" in c.get("/reports/units").text  # this quarter is Q1 2027
        # the command line's publish defaults to Vietnam's today as well
        assert cli.main(["--config", str(path), "publish", old_pending, "--url",
                         "https://baocongdoan.example.vn/tin-cu", "--genre", "tin",
                         "--coefficient", "1"]) == 0
        for ref in ("TB-2027-0001", old_pending):
            assert store.submissions.get(ref)["published_date"] == "2027-01-01"
        # so they are paid in the 2027 Q1 batch, at 2027 rates, not in 2026 Q4's
        q4 = create_batch(store, config, parse_period("2026-Q4"), actor="ketoan")
        assert q4.batch is None or not {i.ref for p in q4.batch.payees for i in p.items} & {
            "TB-2027-0001", old_pending}
        result = create_batch(store, config, parse_period("2027-Q1"), actor="ketoan")
        batch = result.batch
        assert batch is not None and batch.payment_date == "2027-01-01"
        items = {i.ref: i for p in batch.payees for i in p.items}
        assert set(items) == {"TB-2027-0001", old_pending}
        assert {i.unit_value for i in items.values()} == {250_000}
        rules = store.db.execute("SELECT rules_json FROM payment_batches WHERE code = ?",
                                 (batch.code,)).fetchone()[0]
        assert '"tax_since": "2027-01-01"' in rules
        mark_paid(store, batch.code, actor="ketoan")
        with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
            login(c, "ketoan")
            finance = c.get("/finance").text
            assert re.search(r'name="payment_date" value="01/01/2027"', finance)
            # nothing waits any more: the quarter offered is Hanoi's current one (UTC's
            # would still be 2026's last)
            assert 'name="period" value="Quý I/2027"' in finance
            batch_page = c.get(f"/finance/batches/{batch.code}").text
            assert "ngày chi 01/01/2027" in batch_page
            assert shown in batch_page  # made and paid "now", in Hanoi
        # an alert email is dated in Hanoi too
        Outbox(config, store).alert("backup_failed", "thử")
        alert = bytes(store.db.execute(
            "SELECT raw FROM outbox WHERE kind = 'alert' ORDER BY id DESC").fetchone()[0])
        date_header = email.message_from_bytes(alert, policy=email.policy.default)["Date"]
        assert re.search(r"01 Jan 2027 \d\d:\d\d:\d\d \+0700", str(date_header)), date_header
