"""Looking after connections in a real Chromium: the list (its screenshot for the README), a new key end
to end, two people racing to change the same connection, a delete, and one refused while a dataflow uses
the connection; axe-core on each page."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.pages import SCREENSHOTS, assert_accessible, open_page
from tests.helpers import EmulatorControl, credentials

NEW_KEY = ("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
OTHER_KEY = ("AKIAJ55RI9EICEXAMPLE", "ab7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def open_rotate(page: Page, name: str) -> None:
    page.goto("/manage/connections?sandbox=prod")
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Give it a new access key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Give {name} a new access key")


def fill_key(page: Page, key: tuple[str, str]) -> None:
    page.get_by_label("New access key ID", exact=True).fill(key[0])
    page.get_by_label("New secret access key", exact=True).fill(key[1])
    page.get_by_role("button", name="Test and save the new key").click()


def test_a_new_key_end_to_end_from_the_list(page: Page, platform, emulator: EmulatorControl):
    emulator.seed_demo()
    platform.connections.create_kinesis_connection("prod", "Web clickstream", "Events from the shop", credentials())
    platform.connections.create_kinesis_connection("prod", "Orders", "", credentials("AKIAZZZZZZZZZZZZ1234"))
    page.goto("/manage/connections?sandbox=prod")
    expect(page.get_by_role("table")).to_contain_text("Web clickstream")
    assert_accessible(page)
    shoot(page, "9-connections")
    open_rotate(page, "Web clickstream")
    assert_accessible(page)
    fill_key(page, NEW_KEY)
    expect(page.locator(".notice-success")).to_contain_text("ending in MPLE")
    expect(page.locator(".notice-success")).to_contain_text("Deactivate the old key, ending in MPLE")
    expect(page.locator("main")).not_to_contain_text(NEW_KEY[1])
    changed = [c for c in platform.connections.list_kinesis_connections("prod") if c.name == "Web clickstream"]
    assert changed[0].access_key_id == NEW_KEY[0]
    page.get_by_role("button", name="Test now").click()
    expect(page.locator("#last-tested")).to_contain_text("passed")


def test_two_people_change_the_same_connection_and_the_second_is_told(browser, live_app, platform):
    platform.connections.create_kinesis_connection("prod", "Shared account", "", credentials())
    ana, bob = open_page(browser, live_app), open_page(browser, live_app)
    try:
        open_rotate(ana, "Shared account")
        open_rotate(bob, "Shared account")
        fill_key(ana, NEW_KEY)
        expect(ana.locator(".notice-success")).to_be_visible()
        fill_key(bob, OTHER_KEY)                         # Bob's form still holds the version he opened
        notice = bob.locator("#changed-meanwhile")
        expect(notice).to_contain_text("Someone else changed this connection")
        expect(notice).to_contain_text("…MPLE")           # the key Ana gave it, shown as it is now
        assert_accessible(bob)
        now = [c for c in platform.connections.list_kinesis_connections("prod") if c.name == "Shared account"][0]
        assert now.access_key_id == NEW_KEY[0]            # nothing of Bob's was sent over Ana's change
        expect(bob.get_by_label("New access key ID", exact=True)).to_have_value(OTHER_KEY[0])
        expect(bob.get_by_label("New secret access key", exact=True)).to_have_value("")
        fill_key(bob, OTHER_KEY)                         # he checks, types the secret again, and sends
        expect(bob.locator(".notice-success")).to_contain_text("Deactivate the old key, ending in MPLE")
    finally:
        ana.context.close()
        bob.context.close()


def test_delete_and_a_refused_delete(page: Page, platform, emulator: EmulatorControl):
    platform.connections.create_kinesis_connection("prod", "Retired account", "", credentials())
    emulator.seed_demo()                 # demo mode's connection, used by a dataflow
    page.goto("/manage/connections?sandbox=prod")
    page.get_by_role("link", name="Retired account", exact=True).click()
    page.get_by_role("link", name="Delete").click()
    expect(page.locator("#what-stops")).to_contain_text("exploring its streams and previews stops")
    assert_accessible(page)
    page.get_by_role("button", name="Delete the connection").click()
    expect(page.locator(".notice-success")).to_contain_text("The connection Retired account was deleted")
    expect(page.get_by_role("table")).not_to_contain_text("Retired account")

    page.get_by_role("link", name="Demo clickstream account", exact=True).click()
    expect(page.locator("#dataflows")).to_contain_text("Demo clickstream to Experience Platform")
    page.get_by_role("link", name="Delete").click()
    refused = page.locator("#delete-refused")
    expect(refused).to_contain_text("cannot be deleted while dataflows use it")
    expect(refused).to_contain_text("Demo clickstream to Experience Platform")
    expect(page.get_by_role("button", name="Delete the connection")).to_have_count(0)
    assert_accessible(page)


def test_a_long_name_and_the_list_fit_a_phone(browser, live_app, platform):
    """375 px: a 250-character name without a space wraps wherever it is shown, and the list's caption
    stays whole (it does not scroll away with the table)."""
    long_name = "A" * 250
    made = platform.connections.create_kinesis_connection("prod", long_name, "", credentials())
    phone = open_page(browser, live_app, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        for path in (f"/manage/connections/prod/{made.id}", f"/manage/connections/prod/{made.id}/rotate",
                     f"/manage/connections/prod/{made.id}/rename", f"/manage/connections/prod/{made.id}/delete",
                     "/manage/connections?sandbox=prod"):
            phone.goto(path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{path} is {width} px wide"
        caption = phone.locator("caption")
        box = caption.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        inside = phone.evaluate("(c) => c.scrollWidth <= c.clientWidth", caption.element_handle())
        assert inside, "the caption's text is wider than what shows of it"
        assert_accessible(phone)
    finally:
        phone.context.close()
