"""The pages hold under misuse (issue 13): every route, with absurd ids and parameters,
answers a Vietnamese 400/404 (or 403/405) page, never a 500; a real failure is a
Vietnamese 500 page whose reference is in the log with the traceback."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from web_support import copy_site, csrf_of, login, shared_template

from store.db import Store
from tinbai.config import Config
from tinbai.web.app import ROUTE_MODULES, create_app

#: What people (and scanners) put where an id goes.
ABSURD_IDS = [
    "99999999999999999999", "9223372036854775808", "0", "-1", "1e9", "abc", "%00", "%2e%2e",
    "..%2F..%2Fetc%2Fpasswd", "１２３", "TB-9999-99999999999999999999", "TB-2026-0001%00",
    "x" * 3000, "%E2%80%AE", "TB-0000-0000",
]
#: Absurd query parameters, for every GET route.
ABSURD_QUERIES = [
    "period=9999-12", "period=0000", "period=9999", "period=2026-Q9", "period=2026-13",
    "period=-1", "period=%00", "page=99999999999999999999", "page=-5", "page=abc",
    "status=%3Cscript%3E", "format=exe", "format=", "layout=..%2F..%2Fx", "kind=%00",
    "problem=x", "unit=" + "x" * 5000, "q=%25%5F%5C", "next=%2F%2Fevil.example",
]
ENGLISH = ("Internal Server Error", "Not Found", "Method Not Allowed", "Bad Request",
           "Traceback", "Exception")


@pytest.fixture
def site(tmp_path_factory: Any, tmp_path: Path) -> Iterator[tuple[Config, Store]]:
    config, store = copy_site(shared_template(tmp_path_factory), tmp_path / "site")
    yield config, store
    store.close()


def routes(modules: tuple[ModuleType, ...]) -> list[tuple[str, str]]:
    found = []
    for module in modules:
        for route in module.ROUTES:
            if isinstance(route, Route):
                for method in sorted(route.methods or ()):
                    if method != "HEAD":
                        found.append((method, route.path))
    return found


def with_ids(path: str, value: str) -> str:
    return re.sub(r"\{\w+(?::\w+)?\}", value, path)


def assert_vietnamese_error(response: Any, what: str) -> None:
    assert response.status_code in (303, 400, 403, 404, 405, 413), (what, response.status_code)
    if response.status_code == 303:
        assert not response.headers["location"].startswith("/login"), what
        return
    text = response.text
    assert 'lang="vi"' in text, (what, text[:300])
    for word in ENGLISH:
        assert word not in text, (what, word)


def test_every_route_with_absurd_ids_is_a_vietnamese_error(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    before = store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    all_routes = routes(ROUTE_MODULES)
    assert len(all_routes) >= 25
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        login(c, "quantri")
        token = csrf_of(c.get("/").text)
        tried = 0
        for method, path in all_routes:
            if "{" not in path:
                continue
            for value in ABSURD_IDS:
                url = with_ids(path, value)
                data = {"csrf": token, "note": "x", "reason": "x", "body": "x", "url":
                        "https://a.example/b", "position": "99999999999999999999",
                        "action": "role", "role": "editor"}
                response = c.request(method, url, data=data if method == "POST" else None)
                assert response.status_code != 200, url
                assert_vietnamese_error(response, f"{method} {url}")
                tried += 1
        for method, path in all_routes:
            if method != "GET":
                continue
            base = with_ids(path, "TB-2026-0001" if "{ref}" in path else "1")
            for query in ABSURD_QUERIES:
                response = c.get(f"{base}?{query}")
                if response.status_code == 200:
                    assert 'lang="vi"' in response.text or "html" not in response.headers.get(
                        "content-type", ""), base
                    continue
                assert_vietnamese_error(response, f"GET {base}?{query}")
                tried += 1
        # a path that is no page, and a method a page does not take
        assert_vietnamese_error(c.get("/khong-co-trang-nay"), "unknown path")
        assert c.get("/khong-co-trang-nay").status_code == 404
        wrong = c.put("/s/TB-2026-0001", data={"csrf": token})
        assert wrong.status_code == 405 and "Không thực hiện được" in wrong.text
        assert tried > 300
    assert store.db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_large_ids_are_404_pages(site: tuple[Config, Store]) -> None:
    config, store = site
    app = create_app(config, store=store)
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        login(c, "bientap")
        for url in ("/photos/99999999999999999999/original",
                    "/photos/99999999999999999999/thumb.jpg",
                    "/messages/99999999999999999999/raw.eml",
                    "/photos/999999999999999999/original",
                    "/messages/999999999999999999/raw.eml"):
            response = c.get(url)
            assert response.status_code == 404, url
            assert "Không tìm thấy" in response.text and 'lang="vi"' in response.text
        token = csrf_of(c.get("/").text)
        response = c.post(f"/s/TB-2026-0001/problems/{quote('99999999999999999999')}/override",
                          data={"csrf": token, "note": "x"})
        assert response.status_code == 404 and "Không tìm thấy" in response.text


def _broken_module() -> ModuleType:
    module = ModuleType("broken")

    async def fails(request: Request) -> Response:
        raise RuntimeError("bảng tính hỏng (lỗi thử)")

    module.ROUTES = [Route("/loi-that", fails)]  # type: ignore[attr-defined]
    return module


def test_a_real_failure_is_a_vietnamese_500_with_a_reference_in_the_log(
    site: tuple[Config, Store], caplog: pytest.LogCaptureFixture,
) -> None:
    config, store = site
    app = create_app(config, store=store,
                     route_modules=(*ROUTE_MODULES, _broken_module()))
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        login(c, "bientap")
        response = c.get("/loi-that")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.text and 'lang="vi"' in response.text
    for word in ENGLISH:
        assert word not in response.text
    match = re.search(r"LOI-\d{8}-[0-9A-F]{6}", response.text)
    assert match, response.text
    logged = [r for r in caplog.records if match.group(0) in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert logged[0].exc_info and "bảng tính hỏng" in str(logged[0].exc_info[1])
    assert "GET /loi-that" in logged[0].getMessage() and "bientap" in logged[0].getMessage()
