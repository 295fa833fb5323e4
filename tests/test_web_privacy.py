"""SPEC §8 over the whole site: an editor never receives a whole bank account number,
whatever way it was written, from any page or download; the public CMS bundle carries no
account and no phone; finance and admins get the originals.

Submissions with accounts written with every separator people use (space, two spaces,
dot, dash, slash, underscore, none, mixed) go through the real pipeline, with the number
repeated in the subject, the body, the caption, the author line, an HTML part split
into ``<span>``\\ s and a .docx; editors' notes, an admin's correction, a rejection
reason, a publication and an old alert carry them too. Then every GET route of every
module in ROUTE_MODULES is fetched with every id that exists, and every link found is
followed; HTML, text, CSV, JSON, mail (each MIME part decoded), zip, .docx and .xlsx are
read and searched with the separators removed.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import mailbox
import re
import zipfile
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from docx import Document
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient
from web_support import PASSWORD, copy_site, csrf_of, login, shared_template

from store.db import Store
from tinbai import decisions
from tinbai.config import Config
from tinbai.outbox import Outbox
from tinbai.poll import Poller
from tinbai.samples import camera_jpeg
from tinbai.web.app import ROUTE_MODULES, create_app


def digits(value: object) -> str:
    """The digits of a value, as ASCII."""
    return "".join(str(int(c)) for c in re.findall(r"\d", str(value or "")))

#: One submission per way of writing an account: (separator, account as written).
WRITTEN: dict[str, str] = {
    "space": "9704 1111 2222 33",
    "two spaces": "9704  2222  3333  44",
    "dot": "9704.3333.4444.55",
    "dash": "9704-4444-5555-66",
    "slash": "9704/5555/6666/77",
    "underscore": "9704_6666_7777_88",
    "none": "97047777888899",
    "mixed": "9704 8888.9999-00",
}
#: Each written again, differently, where the author repeats it (body, caption…).
RESPELL = [" ", ".", "-", "/", "_", "  ", "", " / "]
PHONES = ["0912 345 601", "0912.345.602", "0912-345-603", "0912345604", "0912 345 605",
          "0912 345 606", "+84 912 345 607", "0912 345 608"]


def respelled(account: str, separator: str) -> str:
    number = digits(account)
    return separator.join(number[i:i + 4] for i in range(0, len(number), 4))


def _docx(text: str) -> bytes:
    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def submission_mail(number: int, kind: str, written: str) -> EmailMessage:
    """A submission whose account is written ``written`` and repeated in other spellings."""
    other = respelled(written, RESPELL[number % len(RESPELL)])
    phone = PHONES[number % len(PHONES)]
    author = f"Trần Văn {chr(ord('A') + number)}"
    form = (
        f"1. Tít tin, bài: Công đoàn cơ sở số {number} trao quà (cách viết {kind})\n\n"
        "2. Nội dung bài viết:\nCông đoàn cơ sở đã trao 25 suất quà, mỗi suất trị giá "
        f"500.000 đồng, cho đoàn viên khó khăn ngày 12/11/2026. Nhuận bút xin chuyển vào "
        f"số tài khoản {other}, liên hệ {phone}. "
        + "Buổi trao quà diễn ra ấm cúng, các đoàn viên phấn khởi. " * 12 + "\n\n"
        f"3. Chú thích ảnh: Ảnh 1: Trao quà (STK {written})\n"
        f"4. Tác giả: {author}\n5. Đơn vị công tác: Công đoàn ngành Giáo dục tỉnh\n"
        f"6. Số điện thoại: {phone}\n7. Số tài khoản của tác giả: {written} tại BIDV\n"
        f"8. Tên chủ tài khoản: {author}\n"
    )
    message = EmailMessage()
    message["From"] = f"{author} <ctv{number}@example.org>"
    message["To"] = "Ban Biên tập <toasoan@congdoan.example.vn>"
    message["Subject"] = f"Gửi tin bài, STK {other}"
    message["Message-ID"] = f"<privacy-{number}@tinbai.example>"
    message["Date"] = "Thu, 12 Nov 2026 09:00:00 +0700"
    message.set_content(form)
    spans = "".join(f"<span>{digits(written)[i:i + 3]}</span>"
                    for i in range(0, len(digits(written)), 3))
    message.add_alternative(f"<div>{form.replace(chr(10), '<br>')}</div>"
                            f"<div>Nhắc lại STK: <b>{spans}</b></div>", subtype="html")
    message.add_attachment(camera_jpeg(1), maintype="image", subtype="jpeg",
                           filename=f"IMG_{number:04d}.jpg")
    if number % 3 == 0:
        message.add_attachment(
            _docx(form), maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
            filename="tin-bai.docx")
    return message


@pytest.fixture(scope="module")
def privacy_site(tmp_path_factory: Any) -> Path:
    """The demo site plus one submission per spelling, decided on as editors do."""
    folder = tmp_path_factory.mktemp("privacy") / "site"
    config, store = copy_site(shared_template(tmp_path_factory), folder)
    try:
        inbox = mailbox.Maildir(folder / "inbox", create=True)
        for number, (kind, written) in enumerate(WRITTEN.items(), start=20):
            inbox.add(submission_mail(number, kind, written).as_bytes())
        report = Poller(config, store).poll()
        assert report.failed == 0, report
        refs = [r["ref"] for r in store.queue.page(limit=1000)
                if "cách viết" in str(r["title"] or "")]
        assert len(refs) == len(WRITTEN)
        outbox = Outbox(config, store)
        accounts = list(WRITTEN.values())
        for ref in refs:
            store.submissions.add_note(int(store.submissions.get(ref)["id"]), author="bientap",
                                       body=f"Tác giả gọi báo STK {accounts[0]} là đúng")
        open_refs = [r for r in refs
                     if store.submissions.get(r)["status"] == "pending_review"]
        assert len(open_refs) >= 2, "some spellings must be valid accounts"
        decisions.publish(store, config, open_refs[0], url="https://baocongdoan.example.vn/a",
                          on="2026-11-20", genre="tin", coefficient="1", actor="bientap")
        decisions.reject(store, outbox, open_refs[1], actor="bientap",
                         reason=f"Trùng bài; nhuận bút đã chuyển vào {accounts[2]}")
        decisions.edit_fields(store, config, refs[-1], {"bank_account": "9704 9999 0000 11"},
                              actor="quantri")
        # an alert recorded before alerts were masked (written straight to the table)
        with store.transaction():
            store.outbox.add_alert("quarantined", f"Thư có STK {accounts[3]} không đọc được")
    finally:
        store.close()
    return folder


@pytest.fixture
def site(privacy_site: Path, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(privacy_site, tmp_path / "site")
    yield config, store
    store.close()


def whole_accounts(store: Store) -> set[str]:
    """Every account number of the site as digits: what must never reach an editor."""
    found = {digits(a) for a in WRITTEN.values()} | {"97049999000011"}
    for text in store.submissions.account_numbers():
        number = digits(text)
        if 8 <= len(number) <= 19 and number != "1903477":  # 19034-ABC-77: checked apart
            found.add(number)
    return found


SEPARATORS = re.compile(r"[\s.\-/_\u00a0\u200b\u202f,·–—]")


# -- reading what a response carries -------------------------------------------------------


def _mail_texts(raw: bytes) -> Iterator[str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    yield "\n".join(f"{k}: {v}" for k, v in message.items())
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_maintype() == "text":
            yield str(part.get_content())
        elif part.get_content_maintype() != "image":
            payload = part.get_payload(decode=True) or b""
            yield from _file_texts(str(part.get_filename() or ""), payload)


def _file_texts(name: str, data: bytes) -> Iterator[str]:
    lower = name.lower()
    if lower.endswith(".docx"):
        document = Document(io.BytesIO(data))
        yield "\n".join(p.text for p in document.paragraphs)
        yield re.sub(r"<[^>]+>", "", data.decode("latin-1"))
    elif lower.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        yield "\n".join(" ".join(str(c) for c in row if c is not None)
                        for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    elif lower.endswith(".zip") or zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield member
                if not member.lower().endswith((".jpg", ".jpeg", ".png", ".heic")):
                    yield from _file_texts(member, archive.read(member))
    elif lower.endswith((".eml",)):
        yield from _mail_texts(data)
    else:
        yield data.decode("utf-8", "replace")


def response_texts(response: Any, url: str) -> list[str]:
    media = response.headers.get("content-type", "")
    data = response.content
    if media.startswith("image/"):
        return [response.headers.get("content-disposition", "")]
    if media.startswith("message/rfc822"):
        return list(_mail_texts(data))
    if "zip" in media or "openxmlformats" in media:
        name = "x.xlsx" if "spreadsheet" in media else "x.zip"
        return list(_file_texts(name, data))
    if media.startswith("text/csv"):
        return ["\n".join(" ".join(row) for row in csv.reader(io.StringIO(
            data.decode("utf-8-sig"))))]
    if media.startswith("application/json"):
        return [json.dumps(response.json(), ensure_ascii=False)]
    return [data.decode("utf-8", "replace")]


# -- the crawl -----------------------------------------------------------------------------


def route_urls(store: Store, modules: tuple[ModuleType, ...]) -> list[str]:
    """Every GET route of the page modules, with every id that exists filled in."""
    ids = {
        "ref": [r["ref"] for r in store.queue.page(limit=1000)],
        "mid": [str(r[0]) for r in store.db.execute("SELECT id FROM messages")],
        "pid": [str(r[0]) for r in store.db.execute("SELECT id FROM photos")],
        "code": [str(r[0]) for r in store.db.execute("SELECT code FROM payment_batches")],
        "aid": [str(r[0]) for r in store.db.execute("SELECT id FROM alerts")],
        "uid": [str(r[0]) for r in store.db.execute("SELECT id FROM users")],
    }
    urls = []
    for module in modules:
        for route in module.ROUTES:
            if not isinstance(route, Route) or "GET" not in (route.methods or ()):
                continue
            names = re.findall(r"\{(\w+)(?::\w+)?\}", route.path)
            variants = [route.path]
            for name in names:
                values = ids.get(name) or ["1"]
                variants = [re.sub(r"\{" + name + r"(?::\w+)?\}", value, v, count=1)
                            for v in variants for value in values]
            urls.extend(variants)
    extra = ["/?status=" + s for s in ("needs_fix", "rejected", "published", "pending_review")]
    extra += ["/?q=9704", "/?q=C%C3%B4ng", "/reports/units?period=2026-Q4",
              "/reports/units/download?period=2026-Q4&format=csv",
              "/reports/units/download?period=2026-Q4&format=xlsx",
              "/reports/units/download?period=2026-Q4&format=html", "/messages?kind=failed"]
    return urls + extra


def crawl(c: TestClient, start: list[str]) -> dict[str, list[str]]:
    """GET every URL and every same-site link found; url → the texts it carried."""
    seen: dict[str, list[str]] = {}
    todo = list(reversed(start))
    while todo:
        url = todo.pop()
        if url in seen or len(seen) > 1500 or url.startswith("/static/"):
            continue
        response = c.get(url)
        assert response.status_code in (200, 303, 400, 403, 404), (url, response.status_code)
        if response.status_code == 303:
            location = response.headers["location"]
            assert not location.startswith("/login"), url
            todo.append(location)
            continue
        seen[url] = response_texts(response, url)
        if response.headers.get("content-type", "").startswith("text/html"):
            for href in re.findall(r'(?:href|src)="([^"]+)"', response.text):
                target = urljoin(url, href.replace("&amp;", "&"))
                parts = urlsplit(target)
                if parts.netloc in ("", "testserver") and not href.startswith(("http", "//")):
                    todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def client(app: Any) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def assert_no_whole_account(pages: dict[str, list[str]], accounts: set[str]) -> None:
    for url, texts in pages.items():
        for text in texts:
            flat = SEPARATORS.sub("", text)
            for account in accounts:
                assert account not in flat, (url, account, text[:2000])
            assert "19034-ABC-77" not in text, url


def test_an_editor_never_receives_a_whole_account(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    accounts = whole_accounts(store)
    assert len(accounts) >= len(WRITTEN) + 4
    with client(app) as c:
        login(c, "bientap")
        pages = crawl(c, route_urls(store, ROUTE_MODULES))
    # the crawl reached everything an editor can get
    kinds = {"/raw.eml", "/bundle.zip", "/thumb.jpg", "/original", "format=csv", "format=xlsx",
             "/messages", "/reports/units"}
    assert all(any(k in url for url in pages) for k in kinds), sorted(pages)
    refs = [r["ref"] for r in store.queue.page(limit=1000)]
    assert all(f"/s/{ref}" in pages for ref in refs)
    assert len([u for u in pages if u.endswith("/raw.eml")]) == store.db.execute(
        "SELECT count(*) FROM messages WHERE raw_path IS NOT NULL").fetchone()[0]
    assert_no_whole_account(pages, accounts)
    # masked, not blanked: an editor still sees which account (last digits) and the phone
    page = " ".join(pages[f"/s/{refs[-1]}"])
    assert "•••• " in page
    first = store.submissions.get(refs[-1])
    assert first["phone"] and first["phone"] in page


def test_the_cms_bundle_carries_no_account_and_no_phone(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    refs = [r["ref"] for r in store.queue.page(limit=1000)]
    phones = {digits(p)[-9:] for p in PHONES} | {"983456789", "912345678", "389112233"}
    for name in ("bientap", "ketoan", "quantri"):
        with client(app) as c:
            login(c, name)
            for ref in refs:
                response = c.get(f"/s/{ref}/bundle.zip")
                assert response.status_code == 200
                texts = response_texts(response, "x.zip")
                flat = SEPARATORS.sub("", " ".join(texts))
                for secret in whole_accounts(store) | phones:
                    assert secret not in flat, (name, ref, secret)
                assert "Công đoàn" in " ".join(texts)  # the article is still there


def test_finance_and_admins_get_the_originals(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    ref = next(r["ref"] for r in store.queue.page(limit=1000)
               if "cách viết none" in str(r["title"]))
    for name in ("ketoan", "quantri"):
        with client(app) as c:
            login(c, name)
            assert "97047777888899" in c.get(f"/s/{ref}").text
            message = store.messages.of_submission(int(store.submissions.get(ref)["id"]))[0]
            raw = c.get(f"/messages/{message['id']}/raw.eml").content
            assert raw == store.raw.read(str(message["raw_path"]))


def test_an_editor_s_edit_does_not_save_the_masks(site: tuple[Config, Store]) -> None:
    """The edit form shows the body masked; saving a corrected title keeps the body."""
    config, store = site
    app = create_app(config, store=store)
    row = next(r for r in store.queue.page(limit=1000)
               if "cách viết space" in str(r["title"]))
    before = store.submissions.get(row["ref"])
    with client(app) as c:
        login(c, "bientap")
        page = c.get(f"/s/{row['ref']}").text
        edit_form = page.split(f'action="/s/{row["ref"]}/edit"')[1].split("</form>")[0]
        form = {key: value for key, value in re.findall(
            r'<input name="(\w+)" value="([^"]*)">', edit_form)}
        bodies = re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', edit_form)
        form.update({k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
                     for k, v in bodies})
        assert "•••• " in form["body"] and "9704" not in form["body"]
        form["title"] = "Tít đã sửa"
        response = c.post(f"/s/{row['ref']}/edit", data={**form, "csrf": csrf_of(page)})
        assert response.status_code == 303
    after = store.submissions.get(row["ref"])
    assert after["title"] == "Tít đã sửa"
    assert after["body"] == before["body"]
    assert "•" not in str(after["caption"]) and after["caption"] == before["caption"]


def _leaky_module(account: str) -> ModuleType:
    """A page module as a later issue might add one: JSON, CSV, plain text and a zip."""
    module = ModuleType("leaky")

    async def as_json(request: Any) -> Response:
        return JSONResponse({"tai_khoan": account, "ghi_chu": f"STK {account}"})

    async def as_csv(request: Any) -> Response:
        return Response(f"ten,stk\nA,{account}\n", media_type="text/csv; charset=utf-8")

    async def as_text(request: Any) -> Response:
        return PlainTextResponse(f"STK {account}")

    async def as_zip(request: Any) -> Response:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("a/note.txt", f"STK {account}")
        return Response(out.getvalue(), media_type="application/zip")

    module.ROUTES = [Route("/x.json", as_json), Route("/x.csv", as_csv),  # type: ignore[attr-defined]
                     Route("/x.txt", as_text), Route("/x.zip", as_zip)]
    return module


def test_pages_added_later_are_masked_by_construction(site: tuple[Config, Store]) -> None:
    config, store = site
    account = WRITTEN["slash"]
    app = create_app(config, store=store,
                     route_modules=(*ROUTE_MODULES, _leaky_module(account)))
    with client(app) as c:
        login(c, "bientap")
        for path in ("/x.json", "/x.csv", "/x.txt"):
            response = c.get(path)
            assert response.status_code == 200
            assert digits(account) not in SEPARATORS.sub("", response.text), path
            assert "•••• 6677" in response.text or "•••• 6677" in json.dumps(
                response.json() if path.endswith("json") else {}, ensure_ascii=False)
        refused = c.get("/x.zip")
        assert refused.status_code == 500
        assert "Mã tham chiếu" in refused.text and b"PK" not in refused.content[:2]
    with client(app) as c:
        login(c, "ketoan")
        assert account in c.get("/x.txt").text
        assert zipfile.is_zipfile(io.BytesIO(c.get("/x.zip").content))


def test_alert_emails_to_admins_are_masked(site: tuple[Config, Store]) -> None:
    config, store = site
    config.replies.admin_emails = ["quantri@congdoan.example.vn"]
    Outbox(config, store).alert("quarantined", f"Thư có STK {WRITTEN['dot']} lỗi")
    raw = store.db.execute(
        "SELECT raw FROM outbox WHERE kind = 'alert' ORDER BY id DESC LIMIT 1").fetchone()[0]
    text = " ".join(_mail_texts(bytes(raw)))
    assert digits(WRITTEN["dot"]) not in SEPARATORS.sub("", text)
    assert "•••• 4455" in text
    assert PASSWORD  # the users of the site are the shared ones
