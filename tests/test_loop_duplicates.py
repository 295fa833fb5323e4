"""Re-sent and copied articles (issue 15): ``text_duplicate`` across two senders, a fix by
reply that is not one, and a payment batch that never pays a near-copy twice.

Through the real Dovecot and SMTP servers; the finance steps through the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from loop_support import Site, contributor_mail, header, open_site, sent_to, text_of

from ingest.textprint import MIN_WORDS, similarity, text_print
from store.texts import TextIndex
from tinbai import textdup
from tinbai.samples import BODY_2, article_body

HUNG = ("Hoàng Văn Hùng", "hunghv.ldld@gmail.com")
TOAN = ("Đinh Văn Toàn", "toandv.ldld@gmail.com")
BINH = ("Lý Văn Bình", "binhlv.yte@gmail.com")
ARTICLE = article_body(4242, min_words=180)


@pytest.fixture
def site(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch)


def _problems(site: Site, ref: str) -> dict[str, str]:
    sid = int(site.store.submissions.get(ref)["id"])
    return {p["code"]: p["detail"] or "" for p in site.store.submissions.problems_of(sid)}


def test_the_same_article_from_two_senders_is_a_text_duplicate(
    site: Site, capsys: pytest.CaptureFixture[str],
) -> None:
    site.imap.append(contributor_mail(31, HUNG, "LĐLĐ huyện Chợ Đồn", body=ARTICLE).as_bytes())
    site.poll()
    # Another officer re-sends it a day later, with a sentence of his own on top.
    copy = "Tin từ Văn phòng LĐLĐ huyện gửi lại để Ban Biên tập tiện theo dõi. " + ARTICLE
    site.imap.append(contributor_mail(32, TOAN, "LĐLĐ huyện Chợ Đồn", body=copy,
                                      title="LĐLĐ huyện Chợ Đồn: hoạt động tháng 11").as_bytes())
    site.poll()
    first, second = (r["ref"] for r in site.store.queue.listing())
    assert "text_duplicate" not in _problems(site, first)
    detail = _problems(site, second)["text_duplicate"]
    assert detail.startswith(f"{first}, giống khoảng ") and detail.endswith("%")
    queue = {i["ref"]: i["problems"] for i in site.queue(capsys)}
    assert "text_duplicate" in queue[second] and "text_duplicate" not in queue[first]
    # A warning: the item is accepted, the sender is told which earlier one it copies.
    assert site.store.submissions.get(second)["status"] == "pending_review"
    (receipt,) = sent_to(site.smtp, TOAN[1])
    assert f"gần trùng với tin, bài đã gửi trước đây ({first}" in " ".join(
        text_of(receipt).split())


def test_a_fix_by_reply_is_not_a_duplicate_but_a_new_mail_of_it_is(site: Site) -> None:
    site.imap.append(contributor_mail(33, BINH, "Công đoàn ngành Y tế", body=ARTICLE,
                                      complete=False).as_bytes())
    site.poll()
    (fix_request,) = sent_to(site.smtp, BINH[1])
    # The reply carries the whole form again, the same body with the missing fields.
    whole = contributor_mail(33, BINH, "Công đoàn ngành Y tế", body=ARTICLE)
    reply = EmailMessage()
    for name in ("From", "To"):
        reply[name] = str(whole[name])
    reply["Subject"] = "Re: " + str(fix_request["Subject"])
    reply["Message-ID"] = make_msgid(domain="mail.gmail.com")
    reply["In-Reply-To"] = header(fix_request, "Message-ID")
    reply["References"] = header(fix_request, "Message-ID")
    reply.set_content(text_of(whole))
    site.imap.append(reply.as_bytes())
    site.poll()
    (row,) = site.store.queue.listing()
    ref = row["ref"]
    assert site.store.submissions.get(ref)["version"] == 2
    assert "text_duplicate" not in _problems(site, ref)
    assert site.store.submissions.get(ref)["status"] == "awaiting_approval"  # sector unit
    # The same article sent again as a new mail is a new submission copying the first.
    site.imap.append(contributor_mail(34, BINH, "Công đoàn ngành Y tế", body=ARTICLE)
                     .as_bytes())
    site.poll()
    again = site.store.queue.listing()[-1]["ref"]
    assert again != ref and _problems(site, again)["text_duplicate"].startswith(f"{ref}, ")


def test_a_near_copy_is_never_paid_twice_unless_finance_confirms(
    site: Site, capsys: pytest.CaptureFixture[str],
) -> None:
    site.imap.append(contributor_mail(35, HUNG, "LĐLĐ huyện Chợ Đồn", body=ARTICLE).as_bytes())
    site.imap.append(contributor_mail(36, TOAN, "LĐLĐ huyện Chợ Đồn", body=ARTICLE + " Hết.")
                     .as_bytes())
    site.poll()
    first, second = (r["ref"] for r in site.store.queue.listing())
    for ref, day in ((first, "2026-12-03"), (second, "2026-12-04")):
        assert site.cli("publish", ref, "--url", f"https://congdoan.example.vn/{ref}", "--date",
                        day, "--genre", "tin", "--coefficient", "1.0") == 0
    out = site.path.parent / "nb.csv"
    capsys.readouterr()
    assert site.cli("export", "royalties", "--period", "2026-12", "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert f"Bỏ qua {second}: gần trùng {first} trong cùng đợt chi" in err
    assert site.cli("paid", "NB-2026-12-01") == 0
    assert site.cli("export", "royalties", "--period", "2026-12", "-o", str(out)) == 0
    out_text = capsys.readouterr()
    assert f"Bỏ qua {second}: gần trùng {first} đã chi nhuận bút" in out_text.err
    assert "không tạo đợt chi" in out_text.out

    assert site.cli("confirm-duplicate", second, "--note",
                    "Hai bài khác nhau: đã đối chiếu với tác giả") == 0
    assert site.cli("export", "royalties", "--period", "2026-12", "-o", str(out)) == 0
    assert second in out.read_text(encoding="utf-8-sig")
    sid = int(site.store.submissions.get(second)["id"])
    assert [a["action"] for a in site.store.audit.of_submission(sid)][-1] == "confirm_duplicate"


def test_fingerprints_compare_texts_and_the_lookup_uses_the_index(site: Site) -> None:
    same = text_print(ARTICLE)
    assert same is not None and similarity(same.signature, text_print(ARTICLE).signature) == 1.0
    other = text_print(BODY_2)
    assert other is not None and similarity(same.signature, other.signature) < 0.1
    assert text_print("Ngắn quá. " * 2) is None and MIN_WORDS >= 20
    # One index lookup per band (the primary key), never a scan of the archive.
    plan = [str(r[-1]) for r in site.store.db.execute(
        "EXPLAIN QUERY PLAN " + TextIndex.candidates_sql(2), [0, 1, 1, 2, None]).fetchall()]
    assert "SEARCH t USING PRIMARY KEY (band=? AND bucket=?)" in plan, plan
    assert not [step for step in plan if step.startswith("SCAN t")], plan


def test_submissions_kept_before_the_index_are_fingerprinted(site: Site) -> None:
    site.imap.append(contributor_mail(37, HUNG, "LĐLĐ huyện Chợ Đồn", body=ARTICLE).as_bytes())
    site.poll()
    sid = int(site.store.queue.page()[0]["id"])
    signature = site.store.texts.signature_of(sid)
    with site.store.transaction():  # as a database migrated to v8 has them
        site.store.db.execute("DELETE FROM text_bands")
        site.store.db.execute("DELETE FROM text_prints")
    assert textdup.index_missing(site.store, site.config) == 1
    assert site.store.texts.signature_of(sid) == signature
    assert textdup.index_missing(site.store, site.config) == 0
