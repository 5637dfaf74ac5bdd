"""The browser's history, a portal's frame and the duplicate warning, in a real Chromium: Back after a
create never brings the review page back (pages are ``no-store``); the review warns of a connection with
the same key only in the same region; and a portal listed in ``FRAME_ANCESTORS`` shows the wizard in
a frame whose cookies work, while any other page is refused. At a desktop and a phone width, in English
and French (the steps are found by their form's controls, which do not change with the language)."""
from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.conftest import serve
from tests.browser.pages import CHROMIUM, CHROMIUM_ARGS, open_page
from connector import Platform
from tests.helpers import ANONYMOUS, KINESIS, credentials

WINDOWS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
LOCALES = ("en-GB", "fr-FR")
WAYS = [pytest.param(window, locale, id=f"{name}-{locale}")
        for name, window in WINDOWS.items() for locale in LOCALES]


def walk_to_review(where: Page | FrameLocator) -> None:
    """Steps 1 and 2 with the default sandbox and the test's Kinesis account, by the forms' controls."""
    where.locator('form[method="post"] button[type="submit"]').last.click()        # step 1: Next
    for name in ("name", "description", "access_key_id", "secret_key"):
        where.locator(f'[name="{name}"]').fill(KINESIS[name])
    where.locator('[name="region"]').evaluate("(control, region) => { control.value = region }", KINESIS["region"])
    where.locator('button[value="next"]').click()
    expect(where.locator('button[value="create"]')).to_be_visible()


@pytest.fixture(scope="module")
def everyday_browser(browser):
    """Chromium as people have it: with its back/forward cache, which Playwright turns off by default and
    which would show the review page again, as it was, unless the page forbids being stored."""
    chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                           ignore_default_args=["--disable-back-forward-cache"])
    yield chromium
    chromium.close()


@pytest.mark.parametrize("window, locale", WAYS)
def test_back_after_a_create_lands_on_the_result_not_a_live_review(everyday_browser, live_app, window, locale):
    page = open_page(everyday_browser, live_app, viewport=window, locale=locale)
    page.goto("/")
    walk_to_review(page)
    page.locator('button[value="create"]').click()
    expect(page).to_have_url(re.compile("/done$"))
    connection_id = page.locator("#connection-id").input_value()

    page.go_back()         # the browser asks again for /review, which the app answers with the result
    expect(page).to_have_url(re.compile("/done$"))
    expect(page.locator("#connection-id")).to_have_value(connection_id)
    expect(page.locator('button[value="create"]')).to_have_count(0)
    page.context.close()


def walk_to_review_beside(browser, live_app, settings, region: str, window=WINDOWS["desktop"], locale="en-GB"):
    """The review page, the sandbox having a connection for the same key in ``region``."""
    Platform(settings).connections.create_kinesis_connection("prod", f"Clicks in {region}", "",
                                                             credentials(region=region))
    page = open_page(browser, live_app, viewport=window, locale=locale)
    page.goto("/")
    walk_to_review(page)                       # the test's account is in eu-west-1
    return page


@pytest.mark.parametrize("window, locale", WAYS)
def test_the_review_warns_of_a_connection_with_the_same_key_in_the_same_region(browser, live_app, settings,
                                                                               window, locale):
    page = walk_to_review_beside(browser, live_app, settings, "eu-west-1", window, locale)
    expect(page.locator("#duplicate")).to_contain_text("Clicks in eu-west-1")
    page.context.close()


def test_the_same_key_in_another_region_is_another_connection(browser, live_app, settings):
    page = walk_to_review_beside(browser, live_app, settings, "us-east-1")
    expect(page.locator('button[value="create"]')).to_be_visible()
    expect(page.locator("#duplicate")).to_have_count(0)
    page.context.close()


class Portal(BaseHTTPRequestHandler):
    """A portal's page on another site (``localhost``, the app being on ``127.0.0.1``), framing the app."""

    app_url = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = (f'<!doctype html><html lang="en"><title>Portal</title><h1>Portal</h1>'
                f'<iframe title="Kinesis" src="{self.app_url}/" width="100%" height="700"></iframe>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def portal():
    """A portal page served from ``http://localhost:<port>``; its ``app_url`` is set by the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("PortalPage", (Portal,), {}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def framed_app(settings, tmp_path, portal):
    """The wizard, which the portal's origin may frame."""
    origin = f"http://localhost:{portal.server_port}"
    yield from serve(settings, tmp_path, **ANONYMOUS, FRAME_ANCESTORS=(origin,))


@pytest.mark.parametrize("window, locale", WAYS)
def test_a_listed_portal_frames_the_wizard_and_its_cookies_work_there(browser, framed_app, portal, window, locale):
    portal.RequestHandlerClass.app_url = framed_app
    page = open_page(browser, framed_app, viewport=window, locale=locale)
    page.goto(f"http://localhost:{portal.server_port}/")
    frame = page.frame_locator("iframe")
    walk_to_review(frame)     # two posts in the frame, each needing the session's CSRF token: the cookie works
    expect(frame.locator("main")).to_contain_text(KINESIS["name"])
    page.context.close()


def test_a_portal_not_listed_cannot_frame_it(browser, live_app, portal):
    portal.RequestHandlerClass.app_url = live_app
    page = open_page(browser, live_app)
    page.goto(f"http://localhost:{portal.server_port}/")
    page.wait_for_timeout(500)
    [frame] = [frame for frame in page.frames if frame != page.main_frame]
    assert frame.url != f"{live_app}/" and frame.locator("form").count() == 0
    page.context.close()
