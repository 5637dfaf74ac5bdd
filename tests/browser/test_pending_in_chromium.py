"""The page that follows a create with no clear answer, in a real Chromium: it checks again by itself without
JavaScript (the HTTP Refresh header), finds the connection once Adobe has made it, lets the reader stop the
checking (WCAG 2.2.1), and passes axe-core."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.pages import assert_accessible, open_page
from tests.browser.test_wizard_in_chromium import walk_to_review

CREATE = "POST /data/foundation/flowservice/connections"


def test_the_pending_page_follows_the_create_without_javascript(browser, live_app, emulator):
    page = open_page(browser, live_app, java_script_enabled=False)
    walk_to_review(page)
    # The create is carried out only after the create request has given up looking for it.
    emulator.fault(kind="latency", seconds=7, method="POST", path="/connections$", times=1)
    page.get_by_role("button", name="Create connection").click()
    expect(page).to_have_url(re.compile("/review/pending$"), timeout=15_000)
    expect(page.get_by_role("status")).to_contain_text("so the create is not sent again")
    # The refresh comes back by itself, looks, and finds the connection the create made.
    expect(page).to_have_url(re.compile("/done$"), timeout=20_000)
    expect(page.locator("#connection-id")).not_to_have_value("")
    assert emulator.calls(CREATE) == 1
    page.context.close()


def test_the_pending_page_can_stop_checking_and_passes_axe(browser, live_app, emulator):
    page = open_page(browser, live_app)
    refresh: dict[str, str | None] = {}
    page.on("response", lambda response: refresh.update({response.url.split("/", 3)[-1]: response.headers.get("refresh")})
            if "/review/pending" in response.url else None)
    walk_to_review(page)
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", times=1)
    page.get_by_role("button", name="Create connection").click()
    expect(page).to_have_url(re.compile("/review/pending$"))
    assert refresh["review/pending"] == "5"
    assert_accessible(page)
    page.get_by_role("link", name="Stop checking automatically").click()
    expect(page).to_have_url(re.compile("/review/pending\\?auto=off$"))
    assert refresh["review/pending?auto=off"] is None
    assert_accessible(page)
    page.get_by_role("link", name="Check now").click()
    expect(page).to_have_url(re.compile("/review/pending\\?auto=off$"))
    page.context.close()
