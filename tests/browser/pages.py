"""What the browser tests share: Debian's Chromium, a page on the live app, axe-core's verdict."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import Page

from tests.helpers import ROOT

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def open_page(browser, live_app, **options) -> Page:
    options.setdefault("viewport", {"width": 1200, "height": 900})
    options.setdefault("locale", "en-GB")
    context = browser.new_context(base_url=live_app, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (from the installed package, no network) for WCAG 2.1 A and AA."""
    page.evaluate(AXE)
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [{"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe on {page.url}: {violations}"
