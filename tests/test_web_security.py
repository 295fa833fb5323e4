"""Security of the web pages: login everywhere, CSRF, roles, masked bank accounts."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from web_support import copy_site, csrf_of, login, shared_template

from store.db import Store
from tinbai.config import Config
from tinbai.privacy import Redactor, digits, mask_account
from tinbai.web.app import create_app
from tinbai.web.auth import PUBLIC_PREFIXES


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    yield config, store
    store.close()


@pytest.fixture
def app(site: tuple[Config, Store]) -> Any:
    config, store = site
    return create_app(config, store=store)


def client(app: Any) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def fill(path: str, store: Store) -> str:
    """A route path with its parameters filled with existing ids."""
    photo = store.db.execute("SELECT min(id) FROM photos").fetchone()[0]
    problem = store.db.execute("SELECT min(id) FROM problems").fetchone()[0]
    values = {"{ref}": "TB-2026-0001", "{mid:id}": "1", "{pid:id}": str(photo or 1),
              "{uid:id}": "1"}
    if "/problems/" in path:
        values["{pid:id}"] = str(problem or 1)
    for key, value in values.items():
        path = path.replace(key, value)
    # parameters of other route modules (finance batches, alerts…)
    return re.sub(r"\{\w+(:\w+)?\}",
                  lambda m: "1" if m.group(1) in (":int", ":id") else "x", path)


def all_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((method, route.path))
        elif isinstance(route, Mount):
            continue
    return found


def test_every_page_requires_login(app: Any, site: tuple[Config, Store]) -> None:
    routes = all_routes(app)
    assert len(routes) >= 15
    with client(app) as c:
        for method, path in routes:
            if path == "/login":
                continue
            if path.startswith(PUBLIC_PREFIXES):
                continue  # issue 15: links from e-mails check their own token (test_loop_web)
            url = fill(path, site[1])
            response = c.request(method, url)
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["location"].startswith("/login"), (method, url)
        # an unknown path too (no hint of what exists)
        assert c.get("/khong-co").headers["location"].startswith("/login")
        # the login page and the style sheet are public
        assert c.get("/login").status_code == 200
        assert c.get("/static/style.css").status_code == 200


def test_redirect_to_login_keeps_only_local_next(app: Any) -> None:
    with client(app) as c:
        response = c.get("/s/TB-2026-0001?x=1")
        assert response.headers["location"] == "/login?next=%2Fs%2FTB-2026-0001%3Fx%3D1"
        page = c.get("/login?next=//evil.example/x")
        assert 'name="next" value="/"' in page.text
        token = csrf_of(page.text)
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example",
                       "http:/evil"):
            c.cookies.clear()
            page = c.get("/login")
            response = c.post("/login", data={"name": "bientap", "password": "mat-khau-123",
                                              "csrf": csrf_of(page.text), "next": target})
            assert response.status_code == 303
            assert response.headers["location"] == "/", target
        assert token


def test_session_cookie_flags(site: tuple[Config, Store]) -> None:
    config, store = site
    for secure in (False, True):
        config.web.secure_cookies = secure
        app = create_app(config, store=store)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
            page = c.get("/login")
            response = c.post("/login", data={"name": "bientap", "password": "mat-khau-123",
                                              "csrf": csrf_of(page.text), "next": "/"})
            assert response.status_code == 303
            set_cookie = response.headers["set-cookie"].lower()
            assert set_cookie.startswith("tinbai_session=")
            assert "httponly" in set_cookie
            assert "samesite=lax" in set_cookie
            assert ("; secure" in set_cookie) is secure
            # logging out needs the token as well
            assert c.post("/logout", data={"csrf": "nope"}).status_code == 403
            token = csrf_of(c.get("/").text)
            assert c.post("/logout", data={"csrf": token}).headers["location"] == "/login"
            assert c.get("/").status_code == 303


def test_wrong_password_and_disabled_user(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as c:
        page = c.get("/login")
        response = c.post("/login", data={"name": "bientap", "password": "sai-mat-khau",
                                          "csrf": csrf_of(page.text), "next": "/"})
        assert response.status_code == 400
        assert "không đúng" in response.text
        assert c.get("/").status_code == 303
        login(c, "bientap")
        assert c.get("/").status_code == 200
        user = store.users.by_name("bientap")
        assert user is not None
        store.users.update(int(user["id"]), {"disabled": 1})
        assert c.get("/").status_code == 303  # the open session ends at once


def test_post_without_csrf_is_refused(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    before = store.db.execute(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM editor_notes), "
        "(SELECT group_concat(status) FROM submissions), (SELECT count(*) FROM users), "
        "(SELECT count(*) FROM outbox)"
    ).fetchone()
    with client(app) as c:
        login(c, "quantri")
        good = csrf_of(c.get("/").text)
        posts = [(m, p) for m, p in all_routes(app) if m == "POST" and p != "/login"]
        assert len(posts) >= 9
        form = {"url": "https://baocongdoan.example.vn/a", "reason": "x", "note": "x",
                "body": "x", "title": "Tít mới", "name": "moi", "role": "editor",
                "password": "mat-khau-moi-1", "action": "disable", "genre": "tin",
                "coefficient": "1"}
        for _, path in posts:
            url = fill(path, store)
            for token in (None, "", "sai-" + good[4:], good[:-1]):
                data = dict(form)
                if token is not None:
                    data["csrf"] = token
                response = c.post(url, data=data)
                assert response.status_code == 403, (url, token, response.status_code)
        # a token in the query string does not count either
        assert c.post(f"/s/TB-2026-0001/notes?csrf={good}", data={"body": "x"}).status_code == 403
        assert c.get("/").status_code == 200  # still logged in: logout was refused too
    after = store.db.execute(
        "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM editor_notes), "
        "(SELECT group_concat(status) FROM submissions), (SELECT count(*) FROM users), "
        "(SELECT count(*) FROM outbox)"
    ).fetchone()
    assert before == after


def test_finance_cannot_decide(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as c:
        login(c, "ketoan")
        page = c.get("/s/TB-2026-0001")
        assert page.status_code == 200
        assert "/s/TB-2026-0001/publish" not in page.text
        token = csrf_of(page.text)
        attempts = {
            "publish": {"url": "https://baocongdoan.example.vn/bai", "genre": "tin",
                        "coefficient": "1"},
            "approve": {},
            "reject": {"reason": "không"},
            "request-changes": {"reason": "sửa"},
            "edit": {"title": "Tít do kế toán sửa"},
            "notes": {"body": "ghi chú"},
        }
        for action, data in attempts.items():
            response = c.post(f"/s/TB-2026-0001/{action}", data={**data, "csrf": token})
            assert response.status_code == 403, action
        assert c.get("/admin/users").status_code == 403
    row = store.submissions.get("TB-2026-0001")
    assert row["status"] == "pending_review"
    assert row["published_url"] is None
    assert store.audit.of_submission(int(row["id"])) == []


def test_editor_cannot_manage_users(app: Any) -> None:
    with client(app) as c:
        login(c, "bientap")
        assert c.get("/admin/users").status_code == 403
        token = csrf_of(c.get("/").text)
        response = c.post("/admin/users", data={"csrf": token, "name": "x", "role": "admin",
                                                "password": "mat-khau-123"})
        assert response.status_code == 403


def known_accounts(store: Store) -> set[str]:
    """Every account number the database knows, in every spelling stored."""
    accounts: set[str] = set()
    for bank_account, account_digits, candidate in store.db.execute(
        "SELECT bank_account, bank_account_digits, candidate_json FROM submissions"
    ).fetchall():
        accounts.add(str(bank_account or ""))
        accounts.add(str(account_digits or ""))
        data = json.loads(candidate)
        accounts.add(str((data.get("fields") or {}).get("bank_account") or ""))
    for (candidate,) in store.db.execute("SELECT candidate_json FROM submission_versions"):
        accounts.add(str((json.loads(candidate).get("fields") or {}).get("bank_account") or ""))
    return {a for a in accounts if len(digits(a)) >= 8}


def spellings(account: str) -> set[str]:
    """The account as stored, its digits, and the digits of its number part."""
    found = {digits(account)}
    match = re.search(r"\d[\d .\-]*\d", account)
    if match:
        found.add(match.group(0).strip())
    return {s for s in found if len(digits(s)) >= 8}


def crawl(c: TestClient) -> dict[str, bytes]:
    """GET every same-site link reachable from the queue (and every queue page)."""
    seen: dict[str, bytes] = {}
    todo = ["/", "/?status=needs_fix", "/?status=rejected", "/?status=published"]
    while todo:
        url = todo.pop()
        if url in seen or len(seen) > 400:
            continue
        response = c.get(url)
        assert response.status_code in (200, 303), (url, response.status_code)
        body = response.content
        if response.status_code == 303:
            location = response.headers["location"]
            assert not location.startswith("/login"), url
            todo.append(location)
            continue
        seen[url] = body
        if "zip" in response.headers.get("content-type", ""):
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for name in archive.namelist():
                    seen[f"{url}!{name}"] = archive.read(name)
                    if name.endswith(".docx"):
                        with zipfile.ZipFile(io.BytesIO(archive.read(name))) as docx:
                            for part in docx.namelist():
                                seen[f"{url}!{name}!{part}"] = docx.read(part)
        if "text/html" in response.headers.get("content-type", ""):
            for href in re.findall(r'(?:href|src)="([^"]+)"', response.text):
                href = href.replace("&amp;", "&")
                target = urljoin(url, href)
                if urlsplit(target).netloc in ("", "testserver") and not href.startswith("http"):
                    todo.append(urlsplit(target).path + (
                        "?" + urlsplit(target).query if urlsplit(target).query else ""))
    return seen


def test_editor_never_receives_a_full_bank_account(app: Any, site: tuple[Config, Store]) -> None:
    _, store = site
    with client(app) as admin:
        login(admin, "quantri")
        token = csrf_of(admin.get("/s/TB-2026-0001").text)
        # an admin corrects an account: the old and new numbers land in the audit log
        response = admin.post("/s/TB-2026-0001/edit",
                              data={"csrf": token, "bank_account": "3951-0001-2345-99"})
        assert response.status_code == 303
        admin.post("/s/TB-2026-0002/notes",
                   data={"csrf": token, "body": "Tác giả báo STK 8600 2050 12345 đúng"})
    accounts = known_accounts(store) | {"3951-0001-2345-99"}
    assert any(digits(a) == "39510001234567" for a in accounts)
    with client(app) as c:
        login(c, "bientap")
        pages = crawl(c)
    assert any("/raw.eml" in url for url in pages)
    assert any("bundle.zip!" in url for url in pages)
    assert any("/thumb.jpg" in url for url in pages)
    assert len([u for u in pages if u.startswith("/s/")]) >= 6
    for url, body in pages.items():
        text = body.decode("utf-8", "replace")
        flat = re.sub(r"[ .\-\u00a0]", "", text)
        for account in accounts:
            for spelling in spellings(account):
                assert spelling not in text, (url, spelling)
            assert digits(account) not in flat or not digits(account), (url, account)
    page = pages["/s/TB-2026-0001"].decode()
    assert mask_account("39510001234599") in page  # the current account, masked
    # finance sees it whole
    with client(app) as c:
        login(c, "ketoan")
        assert "39510001234599" in c.get("/s/TB-2026-0001").text
        raw = c.get("/messages/1/raw.eml").content
        assert raw == store.raw.read(str(store.messages.get(1)["raw_path"]))


def test_redactor_masks_any_spelling() -> None:
    redactor = Redactor()
    redactor.add("0071 0003 45678")
    for text in ("STK 0071000345678 VCB", "0071.0003.45678", "0071-0003-45678",
                 "TK: 0071 0003 45678.", "007100 0345678"):
        masked = redactor.redact(text)
        assert "45678" not in masked.replace("5678", "") or "0071" not in masked, masked
        assert digits(masked).count("0071000345678") == 0, masked
        assert "•••• " in masked
    assert redactor.redact("SĐT 0912 345 678") == "SĐT 0912 345 678"
    assert mask_account("1903 4567 8901 23") == "•••• 0123"
    assert mask_account("") == ""
