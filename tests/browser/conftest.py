"""A real Chromium (Debian's, driven by Playwright) against the wizard served on a loopback port."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app
from tests.helpers import ANONYMOUS

from .pages import CHROMIUM, CHROMIUM_ARGS, open_page


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium; its absence is a failure, never a skip (CI installs it)."""
    assert Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}: install Debian's chromium package"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def serve(settings, tmp_path, demo_mode: bool = False, **config):
    """The wizard on the test emulator, served over HTTP from a thread; yields its base URL. ``demo_mode``
    turns on demo mode's page comforts (``create_app`` otherwise derives it from an embedded emulator,
    which these tests do not start)."""
    app = create_app({"AEP_SETTINGS": settings, "SECRET_KEY": "mJY5zIM18ifo074YfQp6ChKeafdRzqVBpuOOB43hr0U",
                      "SESSION_COOKIE_SECURE": False, "INSTANCE_PATH": str(tmp_path / "instance"), **config})
    if demo_mode:
        app.config["DEMO_MODE"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_app(settings, tmp_path):
    """The wizard with nobody signing in."""
    yield from serve(settings, tmp_path, **ANONYMOUS)


@pytest.fixture
def signed_in_app(settings, tmp_path):
    """The wizard with people signing in with their Adobe ID, at the emulator's IMS."""
    yield from serve(settings, tmp_path, AUTH_MODE="adobe")


@pytest.fixture
def page(browser, live_app):
    page = open_page(browser, live_app)
    yield page
    page.context.close()
