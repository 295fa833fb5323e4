"""Debian's Chromium, headless, driven by Playwright: the one launch the browser tests share.

The flags keep Chromium off the network it would otherwise try at every start (updates,
sync, QUIC probes), which this machine's closed network refuses many at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium(*, module: bool = False) -> Any:
    """Playwright's sync API, or skip the test (the module, with ``module``) when Playwright
    or Debian's chromium is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright (Python) is not installed: pip install playwright"
    )
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests",
                    allow_module_level=module)
    return sync_api


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright ``Browser``), closed on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
