"""Make the README's screenshots of the web pages, on a desk and on a phone.

    .venv/bin/python tests/web_screenshots.py

Builds the sample site of tests/web_world.py in a throwaway folder (the demo mail through
the real pipeline, then editors' and finance's decisions), and photographs every page in
Debian's chromium, as the role that uses it, at 1366 px and at 390 px:
``docs/screenshots/NAME-desktop.png`` and ``NAME-phone.png`` (and the phone's open menu).
A page route without a picture in :data:`SHOTS` is reported (and makes the command exit 1),
so new pages get one.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from headless import chromium  # noqa: E402
from playwright.sync_api import Page  # noqa: E402
from starlette.routing import Route  # noqa: E402
from web_support import PASSWORD, build_site, running_server  # noqa: E402
from web_world import build_office_world  # noqa: E402

from tinbai.web.app import ROUTE_MODULES, create_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": 1366, "phone": 390}


@dataclass(frozen=True)
class Shot:
    """One picture: its name, the route it shows, who looks, the path, what to open."""

    name: str
    route: str
    user: str | None
    path: str
    open_details: str = ""  # CSS selector of <details> to open before the picture
    element: str = ""  # CSS selector: photograph only this element
    click: str = ""  # CSS selector to click first (a phone-only picture: the menu)


SHOTS: tuple[Shot, ...] = (
    Shot("login", "/login", None, "/login"),
    Shot("queue", "/", "bientap", "/"),
    Shot("menu", "/", "bientap", "/", click=".menu-button"),
    Shot("submission", "/s/{ref}", "bientap", "/s/TB-2026-0007"),
    Shot("submission-published", "/s/{ref}", "bientap", "/s/TB-2026-0001"),
    Shot("submission-photos", "/s/{ref}", "bientap", "/s/TB-2026-0002",
         open_details="figure.photo details", element="#photos"),
    Shot("messages", "/messages", "bientap", "/messages"),
    Shot("users", "/admin/users", "quantri", "/admin/users"),
    Shot("finance", "/finance", "ketoan", "/finance"),
    Shot("finance-batch", "/finance/batches/{code}", "ketoan", "/finance/batches/NB-2026-Q4-01",
         open_details="#paid"),
    Shot("report-units", "/reports/units", "bientap", "/reports/units?period=2026-Q4"),
)

#: GET routes that are downloads, not pages.
DOWNLOADS = frozenset({
    "/s/{ref}/bundle.zip", "/messages/{mid:int}/raw.eml", "/photos/{pid:int}/thumb.jpg",
    "/photos/{pid:int}/original", "/finance/batches/{code}/download",
    "/reports/units/download",
})


def missing_shots() -> list[str]:
    """Page routes (GET, not downloads) that no shot shows."""
    shown = {shot.route for shot in SHOTS}
    return [route.path for module in ROUTE_MODULES for route in module.ROUTES
            if isinstance(route, Route) and "GET" in (route.methods or ())
            and route.path not in DOWNLOADS and route.path not in shown]


def _login(page: Page, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def take(page: Page, base: str, shot: Shot, suffix: str) -> Path:
    page.goto(base + shot.path)
    page.wait_for_load_state("networkidle")
    if shot.click:
        page.click(shot.click)
    if shot.open_details:
        page.evaluate("s => document.querySelectorAll(s).forEach(d => { d.open = true; })",
                      shot.open_details)
    target = OUT / f"{shot.name}-{suffix}.png"
    if shot.element:
        page.locator(shot.element).screenshot(path=str(target))
    else:
        page.screenshot(path=str(target), full_page=True)
    return target


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="tinbai-shots-"))
    template = folder / "template"
    template.mkdir()
    build_site(template)
    config, store = build_office_world(template, folder / "site")
    store.close()
    OUT.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with running_server(create_app(config)) as base, chromium() as browser:
        for suffix, width in WIDTHS.items():
            for user in dict.fromkeys(shot.user for shot in SHOTS):
                context = browser.new_context(viewport={"width": width, "height": 860},
                                              locale="vi-VN", device_scale_factor=1)
                page = context.new_page()
                if user:
                    _login(page, base, user)
                for shot in (s for s in SHOTS if s.user == user):
                    if shot.click and suffix != "phone":
                        continue
                    written.append(take(page, base, shot, suffix))
                context.close()
    for path in written:
        print(path.relative_to(ROOT))
    missing = missing_shots()
    for route in missing:
        print(f"no screenshot of {route}: add a Shot to SHOTS in {__file__}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
