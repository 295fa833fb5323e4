"""Approval by the unit (issue 15, seeds 002/003) end to end: real Dovecot in, real SMTP out.

A grassroots union's item waits for the district federation's leadership; the leader
answers by replying (Gmail, Outlook), by the signed link (in a real Chromium: see
test_loop_web.py), or approves on arrival by sending it; anything else in an approval
thread is recorded and ignored; editors see the state, remind and approve in its place.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from loop_support import (
    CHAIR,
    HEALTH_CHAIR,
    VICE,
    Site,
    contributor_mail,
    gmail_reply,
    header,
    open_site,
    outlook_reply,
    sent_to,
    text_of,
)
from starlette.testclient import TestClient
from web_support import PASSWORD, csrf_of, login

from store.db import Store
from tinbai import clock
from tinbai.config import ConfigError, load_config
from tinbai.outbox import Outbox
from tinbai.reminders import period_of, run_due
from tinbai.samples import camera_jpeg
from tinbai.web.app import create_app
from tinbai.web.auth import create_user

LAN = ("Nông Thị Lan", "nongthilan.cdcs@gmail.com")
GRASSROOTS = "Công đoàn cơ sở Công ty TNHH May Chợ Mới"  # as Lan writes it


@pytest.fixture
def site(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch)


def _submit(site: Site, number: int = 1, **kwargs: Any) -> dict[str, Any]:
    site.imap.append(contributor_mail(number, LAN, GRASSROOTS, **kwargs).as_bytes())
    assert site.poll().stored == 1
    return site.submission()


def test_approval_by_reply(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    submission = _submit(site)
    ref = submission["ref"]
    assert [(i["ref"], i["status"]) for i in site.queue(capsys)] == [(ref, "awaiting_approval")]

    # The contributor's receipt says whose approval it waits for.
    (receipt,) = sent_to(site.smtp, LAN[1])
    text = text_of(receipt)
    assert "đang chờ LĐLĐ huyện Chợ Đồn duyệt" in text
    assert CHAIR in text and VICE in text

    # Both approvers (the parent's: the grassroots union has none) got the request.
    (request,) = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    assert len(sent_to(site.smtp, VICE, "Đề nghị duyệt")) == 1
    body = text_of(request)
    assert ref in str(request["Subject"]) and submission["title"][:40] in body
    assert "Người gửi:    Nông Thị Lan <nongthilan.cdcs@gmail.com>" in body
    assert "Những dòng đầu của bài:" in body and "Ảnh: 1 ảnh" in body
    assert "DUYỆT" in body and "TRẢ LẠI: lý do" in body and "/a/" in body
    assert request["Auto-Submitted"] == "auto-generated"

    site.imap.append(gmail_reply(request, CHAIR, "Duyệt.\nCảm ơn Ban Biên tập."))
    site.poll()
    after = site.store.submissions.get(ref)
    assert after["status"] == "pending_review" and after["approval_state"] == "approved"
    last = site.store.submissions.history(int(after["id"]))[-1]
    assert (last["from_status"], last["to_status"], last["actor"]) == (
        "awaiting_approval", "pending_review", CHAIR)
    assert "LĐLĐ huyện Chợ Đồn duyệt (trả lời thư)" in last["reason"]
    (approval,) = site.store.approvals.of_submission(int(after["id"]))
    assert (approval["state"], approval["decided_by"], approval["decided_how"]) == (
        "approved", CHAIR, "reply")
    # The answer is kept as a message of its own, never a submission or a version.
    assert len(site.queue(capsys)) == 1 and after["version"] == 1
    assert site.store.messages.other_counts().get("approval_reply") == 1
    (recorded,) = sent_to(site.smtp, CHAIR, "Đã ghi nhận")  # the approver hears it worked
    assert "ĐÃ DUYỆT" in text_of(recorded)

    # The other approver answers too late: recorded and ignored.
    (vice_request,) = sent_to(site.smtp, VICE, "Đề nghị duyệt")
    site.imap.append(gmail_reply(vice_request, VICE, "ĐỒNG Ý"))
    site.poll()
    assert site.store.submissions.get(ref)["status"] == "pending_review"
    assert site.store.messages.other_counts().get("approval_ignored") == 1
    assert [a["action"] for a in site.store.audit.of_submission(int(after["id"]))][-1] == \
        "unit_reply_ignored"


def test_return_by_reply_then_the_fix_is_asked_again(site: Site) -> None:
    submission = _submit(site)
    ref, sid = submission["ref"], int(submission["id"])
    (request,) = sent_to(site.smtp, VICE, "Đề nghị duyệt")
    reason = "Ảnh chưa thấy rõ quang cảnh buổi trao quà, đề nghị gửi ảnh khác."
    site.imap.append(outlook_reply(request, VICE, f"TRẢ LẠI: {reason}\nTrân trọng."))
    site.poll()
    row = site.store.submissions.get(ref)
    assert row["status"] == "needs_fix" and row["approval_state"] == "pending"
    assert site.store.submissions.history(sid)[-1]["actor"] == VICE
    # The reason is relayed to the author, threaded to the submission.
    (returned,) = [m for m in sent_to(site.smtp, LAN[1]) if "chưa duyệt" in text_of(m)]
    assert reason in text_of(returned) and "LĐLĐ huyện Chợ Đồn" in text_of(returned)
    last_mail = site.store.messages.of_submission(sid)[-1]["message_id"]
    assert header(returned, "In-Reply-To") == f"<{last_mail}>"

    # The author replies with another photo: a new version, asked again (a new round).
    fix = EmailMessage()
    fix["From"] = f"{LAN[0]} <{LAN[1]}>"
    fix["To"] = str(returned["From"])
    fix["Subject"] = "Re: " + str(returned["Subject"])
    fix["Message-ID"] = make_msgid(domain="mail.gmail.com")
    fix["In-Reply-To"] = header(returned, "Message-ID")
    fix["References"] = header(returned, "Message-ID")
    fix.set_content("Kính gửi Ban Biên tập, em gửi thêm ảnh quang cảnh ạ.\n\n"
                    "3. Chú thích ảnh:\nẢnh 1: Đồng chí Chủ tịch công đoàn trao quà cho đoàn viên\n"
                    "Ảnh 2: Quang cảnh buổi trao quà tại hội trường công ty\n")
    fix.add_attachment(camera_jpeg(777, (2400, 1800)), maintype="image", subtype="jpeg",
                       filename="IMG_20261203_0815.jpg")
    site.imap.append(fix.as_bytes())
    site.poll()
    row = site.store.submissions.get(ref)
    assert (row["status"], row["version"]) == ("awaiting_approval", 2)
    rounds = site.store.approvals.of_submission(sid)
    assert [r["state"] for r in rounds] == ["returned", "pending"]
    assert rounds[0]["reason"] == reason
    assert len(sent_to(site.smtp, CHAIR, "Đề nghị duyệt")) == 2


def test_approval_on_arrival_by_the_sender_or_in_cc(site: Site,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # The district's chair sends the grassroots school's item himself.
    site.imap.append(contributor_mail(2, ("Nguyễn Văn Chiến", CHAIR), "CĐCS Trường THPT Chợ Đồn",
                                      author="Lục Văn Sơn").as_bytes())
    # A health worker sends with the sector chair in Cc.
    site.imap.append(contributor_mail(3, ("Bế Thị Hoa", "hoabt.yte@gmail.com"),
                                      "Công đoàn ngành Y tế", cc=[HEALTH_CHAIR]).as_bytes())
    assert site.poll().stored == 2
    statuses = {i["unit_name"]: i["status"] for i in site.queue(capsys)}
    assert statuses == {"CĐCS Trường THPT Chợ Đồn": "pending_review",
                        "Công đoàn ngành Y tế": "pending_review"}
    hows = sorted((r["decided_by"], r["decided_how"]) for s in site.store.queue.listing()
                  for r in site.store.approvals.of_submission(
                      int(site.store.submissions.get(s["ref"])["id"])))
    assert hows == [(CHAIR, "arrival"), (HEALTH_CHAIR, "arrival_cc")]
    # No one is asked; the receipts say who approved.
    assert not [m for m in site.smtp.messages if "Đề nghị duyệt" in str(m.message["Subject"])]
    (receipt,) = sent_to(site.smtp, "hoabt.yte@gmail.com")
    assert f"Tin, bài đã được lãnh đạo đơn vị duyệt ({HEALTH_CHAIR}" in text_of(receipt)
    first = site.store.submissions.history(int(site.store.submissions.get(
        site.store.queue.listing()[0]["ref"])["id"]))[0]
    assert "duyệt khi nhận" in first["reason"]


def test_what_is_not_an_approvers_answer_is_recorded_and_ignored(site: Site) -> None:
    submission = _submit(site)
    ref = submission["ref"]
    (request,) = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    answers = [
        # the request forwarded to a secretary, who answers
        gmail_reply(request, "vanthu@chodon.gov.vn", "DUYỆT"),
        # the chair's answer that the receiving server found forged
        gmail_reply(request, CHAIR, "DUYỆT", {
            "Authentication-Results": "mx.congdoan.example.vn; spf=fail "
                                      "smtp.mailfrom=chodon.gov.vn; dmarc=fail"}),
        # the chair writes something else first
        gmail_reply(request, CHAIR, "Tôi đang đi công tác, về sẽ xem."),
        # the chair's out-of-office robot
        gmail_reply(request, CHAIR, "Tôi vắng mặt đến ngày 10/12.",
                    {"Auto-Submitted": "auto-replied"}),
    ]
    site.imap.append_many(answers)
    report = site.poll()
    assert (report.stored, report.ignored) == (0, 4)
    row = site.store.submissions.get(ref)
    assert (row["status"], row["version"]) == ("awaiting_approval", 1)
    assert site.store.messages.other_counts() == {"approval_ignored": 3, "auto_reply": 1}
    whys = [json.loads(a["detail_json"])["why"] for a in site.store.audit.of_submission(
        int(row["id"])) if a["action"] == "unit_reply_ignored"]
    assert whys == ["sender is not an approver", "sender failed dmarc=fail, spf=fail",
                    "first line not understood"]
    assert not sent_to(site.smtp, "vanthu@chodon.gov.vn")  # nobody is answered


def test_one_reminder_after_the_configured_days_even_across_restarts(site: Site) -> None:
    submission = _submit(site)
    (request,) = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    outbox = Outbox(site.config, site.store)
    assert run_due(site.store, site.config, outbox, clock.now() + timedelta(days=2)) \
        .approval_reminders == 0
    later = clock.now() + timedelta(days=site.config.approvals.remind_after_days, hours=1)
    assert run_due(site.store, site.config, outbox, later).approval_reminders == 1
    # tinbai run restarted: a new store and outbox find the reminder recorded.
    again = Store(site.config.data_path)
    try:
        assert run_due(again, site.config, Outbox(site.config, again),
                       later + timedelta(days=3)).approval_reminders == 0
    finally:
        again.close()
    outbox.send_pending()
    (reminder,) = sent_to(site.smtp, CHAIR, "Nhắc duyệt")
    assert header(reminder, "In-Reply-To") == header(request, "Message-ID")
    assert submission["ref"] in text_of(reminder) and "chưa nhận được ý kiến" in text_of(reminder)
    assert len(sent_to(site.smtp, VICE, "Nhắc duyệt")) == 1
    # An answer to the reminder counts like one to the request.
    site.imap.append(gmail_reply(reminder, CHAIR, "DUYET"))
    site.poll()
    assert site.store.submissions.get(submission["ref"])["status"] == "pending_review"


def test_editors_see_the_state_remind_and_approve_in_its_place(site: Site) -> None:
    submission = _submit(site)
    ref = submission["ref"]
    create_user(site.store, "bientap", "editor", PASSWORD)
    with TestClient(create_app(site.config, store=site.store),
                    follow_redirects=False) as editor:
        login(editor, "bientap")
        page = editor.get(f"/s/{ref}").text
        assert "Chờ đơn vị duyệt" in page and "đang chờ" in page and CHAIR in page
        token = csrf_of(page)
        assert editor.post(f"/s/{ref}/unit/remind", data={"csrf": token}).status_code == 303
        assert len(sent_to(site.smtp, CHAIR, "Nhắc duyệt")) == 1
        refused = editor.post(f"/s/{ref}/unit/approve", data={"csrf": token, "reason": " "},
                              follow_redirects=True)
        assert "Hãy ghi lý do duyệt thay đơn vị" in refused.text
        reason = "Đồng chí Chủ tịch LĐLĐ huyện đã đồng ý qua điện thoại"
        done = editor.post(f"/s/{ref}/unit/approve", data={"csrf": token, "reason": reason},
                           follow_redirects=True)
        assert "Đã duyệt thay đơn vị" in done.text and "Ban Biên tập duyệt thay" in done.text
    row = site.store.submissions.get(ref)
    last = site.store.submissions.history(int(row["id"]))[-1]
    assert (row["status"], last["actor"]) == ("pending_review", "bientap")
    assert reason in last["reason"]
    actions = [a["action"] for a in site.store.audit.of_submission(int(row["id"]))]
    assert actions[-2:] == ["unit_remind", "unit_approve"]


def test_the_unit_tree_is_checked(tmp_path: Path) -> None:
    base = "unit_kinds: {co_so: {label: X, needs_approval: true}}\nunits:\n"
    cases = {
        "  - {name: A, kind: co_so, parent: B}\n": "parent «B», which is not the name",
        "  - {name: A, kind: co_so, parent: B}\n  - {name: B, kind: co_so, parent: A}\n":
            "go round in a loop",
        "  - {name: A, kind: co_so, approvers: [chu tich]}\n": "not an e-mail address",
    }
    for units, error in cases.items():
        path = tmp_path / "config.yaml"
        path.write_text(base + units, encoding="utf-8")
        with pytest.raises(ConfigError, match=error):
            load_config(path)


def test_the_unit_report_counts_what_the_units_approved(site: Site) -> None:
    site.imap.append_many([
        contributor_mail(51, LAN, GRASSROOTS).as_bytes(),
        contributor_mail(52, LAN, GRASSROOTS).as_bytes(),  # left waiting
        contributor_mail(53, ("Nguyễn Văn Chiến", CHAIR), "CĐCS Trường THPT Chợ Đồn")
        .as_bytes(),  # approved on arrival
        contributor_mail(54, ("Bế Thị Hoa", "hoabt.yte@gmail.com"), "Công đoàn ngành Y tế")
        .as_bytes(),  # approved by an editor in the unit's place: not the unit's
    ])
    site.poll()
    first = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")[0]
    site.imap.append(gmail_reply(first, CHAIR, "DUYỆT"))
    site.poll()
    health = next(r["ref"] for r in site.store.queue.listing()
                  if r["unit_name"] == "Công đoàn ngành Y tế")
    assert site.cli("approve-for-unit", health, "--reason", "Đã gọi điện cho Chủ tịch") == 0
    period = period_of("quarter", clock.today())
    out = site.path.parent / "report.csv"
    assert site.cli("report", "units", "--period", period.code, "-o", str(out)) == 0
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert table[0][3:6] == ["Gửi đến", "Đơn vị đã duyệt", "Hợp lệ"]
    rows = {row[2]: row[3:6] for row in table[1:] if len(row) > 5 and row[2]}
    # sent 2, approved 1; "Hợp lệ" counts items that reached review: the waiting one not yet
    assert rows["CĐCS Công ty TNHH May Chợ Mới"] == ["2", "1", "1"]
    assert rows["CĐCS Trường THPT Chợ Đồn"] == ["1", "1", "1"]
    assert rows["Công đoàn ngành Y tế"] == ["1", "0", "1"]
    assert rows["LĐLĐ huyện Chợ Đồn"] == ["0", "—", "0"]  # its kind approves nothing
    html = site.path.parent / "report.html"
    assert site.cli("report", "units", "--period", period.code, "--format", "html",
                    "-o", str(html)) == 0
    assert "<th class=\"n\">Đơn vị đã duyệt</th>" in html.read_text(encoding="utf-8")


def test_an_item_corrected_by_editors_is_asked_for_and_a_rejection_closes_the_round(
    site: Site,
) -> None:
    from tinbai import decisions

    submission = _submit(site, 61, complete=False)  # phone, account, holder missing
    ref, sid = submission["ref"], int(submission["id"])
    assert (submission["status"], submission["approval_state"]) == ("needs_fix", "pending")
    for problem in site.store.submissions.problems_of(sid):
        if problem["severity"] == "error":
            decisions.override(site.store, ref, int(problem["id"]), actor="bientap",
                               note="Đã liên hệ tác giả qua điện thoại")
    assert site.store.submissions.get(ref)["status"] == "awaiting_approval"
    assert not sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    site.poll()  # nothing new in the mailbox: the unit is asked now
    (request,) = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    decisions.reject(site.store, Outbox(site.config, site.store), ref,
                     reason="Trùng nội dung đã đăng", actor="bientap")
    (approval,) = site.store.approvals.of_submission(sid)
    assert (approval["state"], approval["decided_by"]) == ("cancelled", "bientap")
    site.imap.append(gmail_reply(request, CHAIR, "DUYỆT"))
    site.poll()
    assert site.store.submissions.get(ref)["status"] == "rejected"
    assert site.store.messages.other_counts().get("approval_ignored") == 1


def test_a_corrected_unit_asks_the_approval_it_needs(site: Site) -> None:
    """The editor corrects the unit: the old unit's round is cancelled and the new unit's
    approvers are asked; a unit that needs no approval sends the item to review."""
    submission = _submit(site)
    ref, sid = submission["ref"], int(submission["id"])
    assert submission["status"] == "awaiting_approval"
    assert len(sent_to(site.smtp, CHAIR, "Đề nghị duyệt")) == 1
    create_user(site.store, "bientap", "editor", PASSWORD)
    with TestClient(create_app(site.config, store=site.store),
                    follow_redirects=False) as editor:
        login(editor, "bientap")
        token = csrf_of(editor.get(f"/s/{ref}").text)
        moved = editor.post(f"/s/{ref}/edit", data={"csrf": token,
                                                     "unit_name": "Công đoàn ngành Y tế"},
                            follow_redirects=True)
        assert "Đã gửi đề nghị duyệt tới Công đoàn ngành Y tế" in moved.text
        old, new = site.store.approvals.of_submission(sid)
        assert (old["unit_name"], old["state"]) == ("LĐLĐ huyện Chợ Đồn", "cancelled")
        assert (new["unit_name"], new["state"]) == ("Công đoàn ngành Y tế", "pending")
        site.smtp.wait_for(3, timeout=30)  # receipt, the first request, the new request
        assert len(sent_to(site.smtp, HEALTH_CHAIR, "Đề nghị duyệt")) == 1
        assert site.store.submissions.get(ref)["status"] == "awaiting_approval"
        # The district federation's own items need no approval: straight to review.
        done = editor.post(f"/s/{ref}/edit", data={"csrf": token,
                                                   "unit_name": "LĐLĐ huyện Chợ Đồn"},
                           follow_redirects=True)
        assert "Đơn vị mới không cần duyệt" in done.text
        history = editor.get(f"/s/{ref}").text
        assert "Huỷ đề nghị duyệt (đã sửa đơn vị)" in history and "unit_cancel" not in history
    row = site.store.submissions.get(ref)
    assert (row["status"], row["approval_state"]) == ("pending_review", None)
    assert [a["state"] for a in site.store.approvals.of_submission(sid)] == [
        "cancelled", "cancelled"]
    # An answer to the cancelled request changes nothing.
    (request,) = sent_to(site.smtp, CHAIR, "Đề nghị duyệt")
    site.imap.append(gmail_reply(request, CHAIR, "DUYỆT"))
    site.poll()
    assert site.store.submissions.get(ref)["status"] == "pending_review"
    assert site.store.submissions.get(ref)["approval_state"] is None
