"""Notices to authors and the personal status link (issue 15), end to end: real Dovecot in,
real SMTP out, the CLI and the web pages deciding.

Published: URL and date, threaded to the submission; paid: items, gross, tax, net and the
account masked; each exactly once. Every reply carries a status link that shows only
that submission, read-only, and stops working when an editor revokes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from loop_support import (
    HEALTH_CHAIR,
    Site,
    contributor_mail,
    header,
    link_in,
    open_site,
    sent_to,
    text_of,
)
from starlette.testclient import TestClient
from web_support import PASSWORD, csrf_of, login

from tinbai import notices
from tinbai.outbox import Outbox
from tinbai.web.app import create_app
from tinbai.web.auth import create_user

HOA = ("Bế Thị Hoa", "hoabt.yte@gmail.com")
BINH = ("Lý Văn Bình", "binhlv.yte@gmail.com")
ACCOUNT = "1903 0001 4567 12 Techcombank"


@pytest.fixture
def site(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    yield from open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch)


def _two_items(site: Site) -> tuple[str, str]:
    """Hoa's item (approved on arrival: the sector chair in Cc) and Bình's, incomplete."""
    site.imap.append(contributor_mail(11, HOA, "Công đoàn ngành Y tế", cc=[HEALTH_CHAIR],
                                      account=ACCOUNT).as_bytes())
    site.imap.append(contributor_mail(12, BINH, "Công đoàn ngành Y tế", cc=[HEALTH_CHAIR],
                                      complete=False).as_bytes())
    assert site.poll().stored == 2
    hoa, binh = (site.store.queue.listing()[i]["ref"] for i in (0, 1))
    assert site.store.submissions.get(hoa)["status"] == "pending_review"
    assert site.store.submissions.get(binh)["status"] == "needs_fix"
    return hoa, binh


def _notices(site: Site, address: str, words: str) -> list[Any]:
    return [m for m in sent_to(site.smtp, address) if words in text_of(m)]


def test_published_and_paid_notices_exactly_once(site: Site) -> None:
    hoa, _ = _two_items(site)
    first_mail = site.store.messages.of_submission(int(site.store.submissions.get(hoa)["id"]))[0]
    url = "https://congdoan.example.vn/tin-tuc/y-te-hien-mau-2026"
    assert site.cli("publish", hoa, "--url", url, "--date", "2026-12-05", "--genre", "bai",
                    "--coefficient", "1.5") == 0
    (published,) = _notices(site, HOA[1], "đã được đăng")
    text = text_of(published)
    assert url in text and "đăng ngày 05/12/2026" in text and hoa in str(published["Subject"])
    assert header(published, "In-Reply-To") == f"<{first_mail['message_id']}>"  # threaded
    assert "/t/" in text  # the status link
    # Exactly once: the decision cannot be repeated, and the notice is keyed.
    assert site.cli("publish", hoa, "--url", url) == 1
    assert notices.published(Outbox(site.config, site.store),
                             site.store.submissions.get(hoa)) is False

    out = site.path.parent / "nb.xlsx"
    assert site.cli("export", "royalties", "--period", "2026-Q4", "-o", str(out)) == 0
    assert site.cli("paid", "NB-2026-Q4-01") == 0
    (paid,) = _notices(site, HOA[1], "đã chi nhuận bút")
    text = text_of(paid)
    assert hoa in text and "351.000 đồng" in text  # 1.5 × 234,000
    assert "Thuế TNCN đã khấu trừ:   0 đồng" in text and "Thực nhận:               351.000" in text
    assert "•••• 6712" in text and "19030001456712" not in text.replace(" ", "")
    assert header(paid, "In-Reply-To") == f"<{first_mail['message_id']}>"
    assert site.cli("paid", "NB-2026-Q4-01") == 1  # refused: already paid
    assert len(_notices(site, HOA[1], "đã chi nhuận bút")) == 1
    assert site.store.notices.keys_like("paid:") == [f"paid:NB-2026-Q4-01:1:{HOA[1]}"]


def test_notices_can_be_turned_off(imap_mailbox: Any, smtp_server: Any, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for site in open_site(imap_mailbox, smtp_server, tmp_path, monkeypatch,
                          extra="notices: {published: false, paid: false}"):
        hoa, _ = _two_items(site)
        assert site.cli("publish", hoa, "--url", "https://congdoan.example.vn/a",
                        "--genre", "bai", "--coefficient", "1.0") == 0
        assert not _notices(site, HOA[1], "đã được đăng")


def test_status_link_shows_only_that_submission_read_only_and_revocable(site: Site) -> None:
    hoa, binh = _two_items(site)
    (receipt,) = sent_to(site.smtp, HOA[1])
    (fix_request,) = sent_to(site.smtp, BINH[1])
    hoa_link, binh_link = link_in(receipt, "t"), link_in(fix_request, "t")
    create_user(site.store, "bientap", "editor", PASSWORD)
    app = create_app(site.config, store=site.store)
    with TestClient(app, follow_redirects=False) as anyone:
        page = anyone.get(binh_link)  # no login
        assert page.status_code == 200 and binh in page.text and hoa not in page.text
        assert "Còn cần bổ sung, sửa" in page.text and "Thiếu mục «Số điện thoại»" in page.text
        assert BINH[1] not in page.text  # nothing but the status: not even the sender
        assert anyone.post(binh_link).status_code == 405  # read-only

        assert site.cli("publish", hoa, "--url", "https://congdoan.example.vn/b", "--date",
                        "2026-12-06", "--genre", "bai", "--coefficient", "2.0") == 0
        assert site.cli("export", "royalties", "--period", "2026-Q4", "-o",
                        str(site.path.parent / "x.csv")) == 0
        page = anyone.get(hoa_link).text
        assert "https://congdoan.example.vn/b" in page and "NB-2026-Q4-01" in page
        assert "•••• 6712" in page and "19030001456712" not in re.sub(r"\D", "", page)
        assert "Đã đăng" in page and "Ban Biên tập đang xem xét" in page  # the steps
        assert "bientap" not in page and "tinbai" not in page.split("<main>")[1]

        assert anyone.get("/t/" + "A" * 43).status_code == 404
        with TestClient(app, follow_redirects=False) as editor:
            login(editor, "bientap")
            token = csrf_of(editor.get(f"/s/{hoa}").text)
            done = editor.post(f"/s/{hoa}/links/revoke", data={"csrf": token},
                               follow_redirects=True)
            assert "Đã thu hồi 2 liên kết theo dõi." in done.text  # receipt, published
        gone = anyone.get(hoa_link)
        assert gone.status_code == 410 and "thu hồi" in gone.text
        assert anyone.get(binh_link).status_code == 200  # another submission's link lives


@contextmanager
def _editor_of(site: Site, ref: str) -> Iterator[tuple[TestClient, str]]:
    """An editor logged in to the web pages, and the CSRF token of ``ref``'s page."""
    create_user(site.store, "bientap", "editor", PASSWORD)
    with TestClient(create_app(site.config, store=site.store),
                    follow_redirects=False) as editor:
        login(editor, "bientap")
        yield editor, csrf_of(editor.get(f"/s/{ref}").text)


def test_published_on_the_web_is_noticed_once(site: Site) -> None:
    hoa, _ = _two_items(site)
    with _editor_of(site, hoa) as (editor, token):
        form = {"csrf": token, "url": "https://congdoan.example.vn/c", "date": "2026-12-07",
                "genre": "bai", "coefficient": "1,5"}
        assert editor.post(f"/s/{hoa}/publish", data=form).status_code == 303
        editor.post(f"/s/{hoa}/publish", data=form)  # a second click: refused
    site.smtp.wait_for(3, timeout=30)
    (published,) = _notices(site, HOA[1], "đã được đăng")
    assert "https://congdoan.example.vn/c" in text_of(published)


def test_a_corrected_url_is_told_to_the_author_once(site: Site) -> None:
    """The editor pasted the wrong address: the author, who was told it, gets the right
    one (once), and nothing when only the genre or coefficient changes."""
    hoa, _ = _two_items(site)
    with _editor_of(site, hoa) as (editor, token):
        form = {"csrf": token, "url": "https://congdoan.example.vn/sai", "date": "07/12/2026",
                "genre": "bai", "coefficient": "1,5"}
        assert editor.post(f"/s/{hoa}/publish", data=form).status_code == 303
        site.smtp.wait_for(3, timeout=30)
        fixed = {**form, "url": "https://congdoan.example.vn/dung"}
        assert editor.post(f"/s/{hoa}/publication", data=fixed).status_code == 303
        site.smtp.wait_for(4, timeout=30)
        editor.post(f"/s/{hoa}/publication", data=fixed)  # the same again: nothing changes
        assert editor.post(f"/s/{hoa}/publication",
                           data={**fixed, "coefficient": "2"}).status_code == 303
        Outbox(site.config, site.store).send_pending()
    first, corrected = _notices(site, HOA[1], "đã được đăng")
    assert "https://congdoan.example.vn/sai" in text_of(first)
    assert "đính chính" not in text_of(first)
    assert "https://congdoan.example.vn/dung" in text_of(corrected)
    assert "đính chính" in text_of(corrected) and "07/12/2026" in text_of(corrected)
    assert header(corrected, "In-Reply-To")  # threaded to the submission like the first
