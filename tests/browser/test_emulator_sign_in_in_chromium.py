"""The emulator's IMS sign-in page in a real Chromium: axe-core, the keyboard, and the way back to the app
(Chromium applies the page's ``form-action`` policy to the form's redirect too)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import Page, Route, expect

from .pages import assert_accessible, open_page

CALLBACK = "http://127.0.0.1:5999/auth/callback"


def authorize_url(emulator_url: str) -> str:
    return emulator_url + "/ims/authorize/v2?" + urlencode({
        "client_id": "wizard-web", "redirect_uri": CALLBACK, "scope": "openid,AdobeID,offline_access",
        "response_type": "code", "state": "browser-state"})


def catch_callback(page: Page) -> list[str]:
    """Answer the app's callback in the browser itself; the URLs it was called with."""
    seen: list[str] = []

    def fulfil(route: Route) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><html lang='en'><title>Back in the app</title><h1>Back</h1></html>")

    page.route(CALLBACK + "*", fulfil)
    return seen


def test_the_sign_in_page_passes_axe_and_signs_in_with_the_keyboard(browser, emulator):
    page = open_page(browser, emulator.url)
    try:
        seen = catch_callback(page)
        page.goto(authorize_url(emulator.url))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("group", name="Choose who signs in")).to_be_visible()
        assert_accessible(page)
        button = page.get_by_role("button", name="Sign in as Dev Eloper")
        expect(button).to_have_accessible_description("developer@example.com. Sandboxes: dev. "
                                                      "Permissions: Manage Sources, View Sources.")
        button.focus()
        page.keyboard.press("Enter")
        expect(page).to_have_title("Back in the app")
        query = parse_qs(urlsplit(seen[-1]).query)
        assert query["state"] == ["browser-state"] and query["code"][0]
    finally:
        page.context.close()


def test_cancel_in_the_browser(browser, emulator):
    page = open_page(browser, emulator.url)
    try:
        seen = catch_callback(page)
        page.goto(authorize_url(emulator.url))
        page.get_by_role("button", name="Cancel").click()
        expect(page).to_have_title("Back in the app")
        assert parse_qs(urlsplit(seen[-1]).query)["error"] == ["access_denied"]
    finally:
        page.context.close()


def test_the_refusal_page_passes_axe(browser, emulator):
    page = open_page(browser, emulator.url)
    try:
        page.goto(emulator.url + "/ims/authorize/v2?client_id=wizard-web&redirect_uri=https://evil.example/cb")
        expect(page.get_by_role("heading", name="The sign-in request was refused")).to_be_visible()
        assert_accessible(page)
    finally:
        page.context.close()
