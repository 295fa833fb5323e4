"""Every page, for every role (and for a visitor not logged in), on a desk (1366 px) and on
a phone (390 px), in a real browser (issue 16): no page wider than the screen, the
navigation fits, the decisions come before the photos, and the visible text follows the
text rules (tests/text_rules.py).

The pages are enumerated from the routes (``ROUTE_MODULES``): a GET route added later is
visited too; one whose path needs a value this test cannot fill fails, naming the route,
so that a sample is added to :data:`SAMPLES` rather than the page going unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from headless import chromium, require_chromium
from starlette.routing import Route
from text_rules import violations
from web_support import PASSWORD, USERS, running_server, shared_template
from web_world import STATUS_TOKEN, build_office_world, site_data

from store.db import Store
from tinbai.config import Config
from tinbai.formatting import genre_labels
from tinbai.web.app import ROUTE_MODULES, create_app

WIDTHS = (390, 1366)
PHONE = 390

require_chromium(module=True)


def _refs(store: Store) -> list[str]:
    return [str(r["ref"]) for r in store.queue.page(limit=500)]


def _one(rows: list[Any], key: str) -> list[str]:
    return [str(rows[0][key])] if rows else []


#: Values for the path parameters of the routes: every submission and batch; one message
#: and one photo (their routes are downloads).
SAMPLES: dict[str, Callable[[Store], list[str]]] = {
    "ref": _refs,
    "code": lambda store: [str(b["code"]) for b in store.finance.batches()],
    "mid": lambda store: _one(store.messages.others(limit=1), "id"),
    "pid": lambda store: _one(store.submissions.photos_of(
        int(store.submissions.get("TB-2026-0001")["id"])), "id"),
    # a contributor's status link, and a link that is not one (the page that says so)
    "token": lambda store: [STATUS_TOKEN, "lien-ket-khong-dung"],
}


def page_paths(store: Store) -> list[str]:
    """Every GET path of the route modules, parameters filled from :data:`SAMPLES`."""
    paths: list[str] = []
    for module in ROUTE_MODULES:
        for route in module.ROUTES:
            if not isinstance(route, Route) or "GET" not in (route.methods or ()):
                continue
            filled = [route.path]
            for name in route.param_convertors:
                if name not in SAMPLES:
                    pytest.fail(f"{module.__name__}: no sample value for {{{name}}} of "
                                f"{route.path}: add one to SAMPLES in {__file__}")
                values = SAMPLES[name](store)
                assert values, f"the sample site has no {{{name}}} for {route.path}"
                filled = [re.sub(r"\{" + name + r"(:\w+)?\}", v, p)
                          for p in filled for v in values]
            paths.extend(filled)
    return paths


@pytest.fixture(scope="module")
def site(tmp_path_factory: Any) -> Iterator[tuple[Config, list[str], frozenset[str]]]:
    folder = tmp_path_factory.mktemp("office") / "site"
    config, store = build_office_world(shared_template(tmp_path_factory), folder)
    try:
        yield config, page_paths(store), site_data(store, config)
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(site: tuple[Config, list[str], frozenset[str]]) -> Iterator[str]:
    with running_server(create_app(site[0])) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


_VISIBLE_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const parts = [document.body.innerText];
  document.querySelectorAll('input:not([type=hidden]), textarea').forEach(e => {
    parts.push(e.placeholder || '');
    if (e.tagName === 'INPUT' && !['checkbox', 'radio'].includes(e.type)) parts.push(e.value);
  });
  document.querySelectorAll('option').forEach(o => parts.push(o.textContent));
  document.querySelectorAll('button, input[type=submit]')
    .forEach(b => parts.push(b.innerText || b.value || ''));
  return parts.join('\\n');
}"""

_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def _check_page(page: Any, path: str, width: int, data: frozenset[str],
                keys: list[str]) -> list[str]:
    """What is wrong with the page now shown (an empty list when nothing)."""
    problems: list[str] = []
    if width == PHONE and page.locator(".menu-button").count():
        top = page.locator("header.top").bounding_box()
        if top["height"] > 80:
            problems.append(f"the top bar wraps ({top['height']:.0f} px high)")
        page.click(".menu-button")
        for link in page.locator(".top-menu a, .top-menu button").all():
            box = link.bounding_box()
            if box is None or box["x"] < 0 or box["x"] + box["width"] > width + 0.5:
                problems.append(f"menu entry {link.inner_text()!r} is off the screen: {box}")
    if page.locator("#decide").count() and page.locator("#photos").count():
        decide, photos = (page.locator(s).bounding_box() for s in ("#decide", "#photos"))
        if decide["y"] > photos["y"]:
            problems.append("the decisions come after the photos")
    text = page.evaluate(_VISIBLE_TEXT)
    scroll, inner = page.evaluate(_WIDTH)
    if scroll > inner:
        problems.append(f"the page is {scroll} px wide on a {inner} px screen")
    problems += violations(text, data, genre_keys=keys)
    return [f"{path} at {width} px: {p}" for p in problems]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("user", [None, *USERS])
def test_every_page_fits_and_reads_as_vietnamese(
    site: tuple[Config, list[str], frozenset[str]], server: str, browser: Any,
    user: str | None, width: int,
) -> None:
    config, paths, data = site
    labels = genre_labels(config)
    keys = [key for key, label in labels.items() if key != label.lower()]
    context = browser.new_context(viewport={"width": width, "height": 860}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    found: list[str] = []
    shown = 0
    try:
        page.goto(server + "/login")
        if user is not None:
            page.fill("input[name=name]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            found += _check_page(page, "(first page after login)", width, data, keys)
        for path in paths:
            response = page.request.get(server + path, max_redirects=0)
            kind = response.headers.get("content-type", "")
            if response.status in (301, 302, 303, 307) or "text/html" not in kind \
                    or "attachment" in response.headers.get("content-disposition", ""):
                continue  # a download (test_web_office.py), or the login a visitor needs
            page.goto(server + path)
            page.wait_for_load_state("networkidle")
            found += _check_page(page, path, width, data, keys)
            shown += 1
    finally:
        context.close()
    assert shown  # a visitor without an account sees /login (and the public pages)
    assert not found, "\n".join(found)


def test_the_pages_are_enumerated_from_the_routes(
    site: tuple[Config, list[str], frozenset[str]],
) -> None:
    """Every page module's GET routes are visited: the queue, each submission, the other
    mail, users, finance, each batch, the report (and the downloads, fetched)."""
    _, paths, _ = site
    for expected in ("/", "/login", "/messages", "/admin/users", "/finance", "/reports/units",
                     "/s/TB-2026-0001", "/s/TB-2026-0007", "/finance/batches/NB-2026-Q4-01",
                     "/s/TB-2026-0005/bundle.zip"):
        assert expected in paths, expected
