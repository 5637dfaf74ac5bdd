"""A real Chromium (Debian's, driven by Playwright) against the wizard served on a loopback port."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from conftest import ROOT

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium; its absence is a failure, never a skip (CI installs it)."""
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: install Debian's chromium package"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_app(settings, tmp_path):
    """The wizard on the test emulator, served over HTTP from a thread; yields its base URL."""
    app = create_app({"AEP_SETTINGS": settings, "SECRET_KEY": "mJY5zIM18ifo074YfQp6ChKeafdRzqVBpuOOB43hr0U", "SESSION_COOKIE_SECURE": False,
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def open_page(browser, live_app, **options) -> Page:
    options.setdefault("viewport", {"width": 1200, "height": 900})
    options.setdefault("locale", "en-GB")
    context = browser.new_context(base_url=live_app, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_app):
    page = open_page(browser, live_app)
    yield page
    page.context.close()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core (from the installed package, no network) for WCAG 2.1 A and AA."""
    page.evaluate(AXE)
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    return [{"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe on {page.url}: {violations}"
