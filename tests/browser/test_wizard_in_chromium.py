"""The wizard in a real Chromium: the whole way, back and edit, errors, keyboard only, a phone, no
JavaScript, the comforts, and axe-core on every page in English and French."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import SCREENSHOTS, assert_accessible, open_page
from tests.helpers import KINESIS

FIELDS = {"Connection name": "name", "Description": "description", "Access key ID": "access_key_id",
          "Secret access key": "secret_key"}


def sandbox_radio(page: Page, title: str):
    """A sandbox's radio button, named by its title (its name and type follow in the label)."""
    return page.get_by_role("radio", name=re.compile(f"^{title} "))


def fill_kinesis(page: Page, **changes) -> None:
    values = {**KINESIS, **changes}
    for label, key in FIELDS.items():
        page.get_by_label(label, exact=True).fill(values[key])
    page.get_by_label("Region", exact=True).select_option(values["region"])


def walk_to_review(page: Page, sandbox: str = "Production") -> None:
    page.goto("/")
    sandbox_radio(page, sandbox).check()
    page.get_by_role("button", name="Next").click()
    fill_kinesis(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile("/review$"))


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_the_whole_way_passes_axe_and_leaves_screenshots(page: Page):
    page.goto("/")
    expect(page).to_have_title(re.compile("^Step 1 of 4: Sandbox"))
    expect(page.locator('[aria-current="step"]')).to_contain_text("Sandbox")
    expect(sandbox_radio(page, "Production")).to_be_checked()
    assert_accessible(page)
    shoot(page, "1-sandbox")
    page.get_by_role("button", name="Next").click()

    expect(page).to_have_title(re.compile("^Step 2 of 4"))
    fill_kinesis(page)
    assert_accessible(page)
    shoot(page, "2-kinesis")
    page.get_by_role("button", name="Next").click()

    expect(page).to_have_title(re.compile("^Step 3 of 4"))
    expect(page.locator("main")).not_to_contain_text(KINESIS["secret_key"])
    assert_accessible(page)
    shoot(page, "3-review")
    page.get_by_role("button", name="Create connection").click()

    expect(page).to_have_title(re.compile("^Step 4 of 4"))
    connection_id = page.get_by_role("textbox", name="Connection ID").input_value()
    assert re.fullmatch(r"[0-9a-f-]{36}", connection_id)
    assert_accessible(page)
    shoot(page, "4-done")
    page.get_by_role("link", name="Explore this account's data").click()

    expect(page.get_by_role("cell", name="web-clickstream", exact=True).first).to_be_visible()
    assert_accessible(page)
    shoot(page, "5-explore")
    page.get_by_role("link", name="Preview web-clickstream").click()
    expect(page.get_by_role("heading", name="Latest records of web-clickstream")).to_be_visible()
    expect(page.get_by_role("cell", name="SHOE-42")).to_be_visible()
    page.get_by_label("Start from").select_option("earliest")
    page.get_by_role("button", name="Update the request").click()
    expect(page.get_by_label("Request body (JSON)")).to_contain_text('"reset": "earliest"')
    assert_accessible(page)
    shoot(page, "6-stream-preview")


def test_test_connection_and_reuse_in_the_browser(page: Page, kinesis_auth):
    page.goto("/")
    page.get_by_role("button", name="Next").click()
    fill_kinesis(page, **{"access_key_id": kinesis_auth.users["lister"].access_key_id,
                          "secret_key": kinesis_auth.users["lister"].secret_key})
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status").filter(has_text="Test connection:")).to_contain_text(
        "may not call kinesis:DescribeStream")
    assert_accessible(page)
    shoot(page, "2-kinesis-test")
    page.get_by_role("button", name="Next").click()                  # the test never blocks
    page.get_by_role("button", name="Create connection").click()
    page.get_by_role("button", name="Connect another account").click()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Already connected in this sandbox")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Use this connection {KINESIS['name']}").click()
    expect(page.get_by_role("heading", name=KINESIS["name"])).to_be_visible()


def test_back_and_edit_from_the_review_page(page: Page):
    walk_to_review(page)
    page.get_by_role("link", name="Edit Kinesis account").click()
    page.get_by_label("Connection name").fill("Renamed account")
    page.get_by_role("button", name="Next").click()          # the secret entered before is kept
    expect(page.locator("main")).to_contain_text("Renamed account")
    page.get_by_role("link", name="Edit sandbox").click()
    sandbox_radio(page, "Development").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Connection name")).to_have_value("Renamed account")
    page.get_by_role("button", name="Back").click()
    expect(sandbox_radio(page, "Development")).to_be_checked()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("dl").first).to_contain_text("dev")


def test_validation_errors_are_announced_linked_and_focused(page: Page):
    page.goto("/")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Access key ID").fill("ASIAIOSFODNN7EXAMPLE")
    page.get_by_role("button", name="Next").click()
    summary = page.get_by_role("alert").filter(has_text="Some details need your attention")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(4)
    name = page.get_by_label("Connection name")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    described = name.get_attribute("aria-describedby").split()
    assert "name-error" in described
    expect(page.locator("#name-error")).to_have_text("Enter a name for the connection.")
    expect(page.locator("#access_key_id-error")).to_contain_text("temporary access key")
    expect(page.get_by_label("Access key ID")).to_have_value("ASIAIOSFODNN7EXAMPLE")
    assert_accessible(page)
    shoot(page, "2-kinesis-errors")


def test_an_adobe_error_is_shown_on_the_step_that_can_fix_it(page: Page, emulator):
    walk_to_review(page)
    emulator.fault(kind="status", status=400, method="POST", path="/connections$", times=1,
                   detail="auth.params.region: region not enabled for this organization")
    page.get_by_role("button", name="Create connection").click()
    expect(page).to_have_url(re.compile("/kinesis$"))
    expect(page.get_by_role("alert").first).to_contain_text("Adobe rejected the connection details")
    expect(page.locator("main")).to_contain_text("region not enabled for this organization")
    assert_accessible(page)


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only(page: Page, emulator):
    page.goto("/")
    tab_to(page, "input[value=prod]")
    page.keyboard.press("ArrowDown")                       # radios move with the arrows
    expect(sandbox_radio(page, "Development")).to_be_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile("/kinesis$"))
    for key in ("name", "description", "access_key_id", "secret_key"):
        tab_to(page, f"#{key}")
        page.keyboard.type(KINESIS[key])
    tab_to(page, "#region-filter")
    page.keyboard.type("ireland")                          # one match left: it is chosen
    expect(page.get_by_label("Region", exact=True)).to_have_value("eu-west-1")
    tab_to(page, "button[value=next]")
    page.keyboard.press("Space")

    expect(page).to_have_url(re.compile("/review$"))
    tab_to(page, "button[value=create]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/done$"))
    assert emulator.calls("POST /data/foundation/flowservice/connections") == 1


def test_focus_is_visible(page: Page):
    page.goto("/")
    tab_to(page, "input[value=prod]")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")


def no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => window.innerWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    overflowing = page.evaluate("""(width) => [...document.querySelectorAll('body *')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.width && (r.right > width + 1 || r.left < -1); })
        .filter(e => !e.closest('.skip-link, .visually-hidden'))
        .map(e => e.tagName + '#' + e.id + '.' + e.className)""", width)
    assert overflowing == [], f"cut off at {width}px on {page.url}: {overflowing}"


def test_a_phone_sized_window(browser, live_app):
    page = open_page(browser, live_app, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page.goto("/")
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()       # with every error message showing
    no_sideways_scrolling(page)
    fill_kinesis(page)
    page.get_by_role("button", name="Next").click()
    no_sideways_scrolling(page)
    shoot(page, "3-review-phone")
    page.get_by_role("button", name="Create connection").click()
    no_sideways_scrolling(page)
    page.get_by_role("link", name="Explore this account's data").click()
    no_sideways_scrolling(page)
    page.context.close()


def test_everything_works_without_javascript(browser, live_app, emulator):
    page = open_page(browser, live_app, java_script_enabled=False)
    walk_to_review(page)
    expect(page.get_by_role("button", name="Show")).to_have_count(0)     # the comforts are absent...
    page.get_by_role("button", name="Create connection").click()          # ...and nothing else is
    expect(page).to_have_url(re.compile("/done$"))
    assert emulator.calls("POST /data/foundation/flowservice/connections") == 1
    page.context.close()


def test_the_comforts(browser, live_app):
    page = open_page(browser, live_app, permissions=["clipboard-read", "clipboard-write"])
    page.goto("/")
    page.get_by_role("button", name="Next").click()
    secret = page.get_by_label("Secret access key", exact=True)
    secret.fill(KINESIS["secret_key"])
    toggle = page.get_by_role("button", name="Show the secret access key")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(secret).to_have_attribute("type", "text")
    page.get_by_role("button", name="Hide the secret access key").click()
    expect(secret).to_have_attribute("type", "password")

    page.get_by_label("Filter the regions").fill("paris")
    region = page.get_by_label("Region", exact=True)
    expect(region).to_have_value("eu-west-3")
    visible = page.evaluate("() => [...document.querySelectorAll('#region option')].filter(o => !o.hidden).length")
    assert visible == 2  # the prompt and Paris

    for label, key in FIELDS.items():
        if key != "secret_key":
            page.get_by_label(label, exact=True).fill(KINESIS[key])
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create connection").click()
    page.get_by_role("button", name="Copy the connection ID").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.get_by_role("textbox", name="Connection ID").input_value()
    page.context.close()


@pytest.mark.parametrize("step", ["sandbox", "kinesis", "review", "done", "explore", "error"])
def test_every_page_in_french_passes_axe(browser, live_app, step):
    page = open_page(browser, live_app, locale="fr-FR")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    if step != "sandbox":
        page.get_by_role("button", name="Suivant").click()
    if step == "error":
        page.get_by_role("button", name="Suivant").click()
        expect(page.locator("#name-error")).to_have_text("Saisissez un nom pour la connexion.")
    if step in ("review", "done", "explore"):
        for label, key in (("Nom de la connexion", "name"), ("Description", "description"),
                           ("ID de clé d'accès", "access_key_id"), ("Clé d'accès secrète", "secret_key")):
            page.get_by_label(label, exact=True).fill(KINESIS[key])
        page.get_by_label("Région", exact=True).select_option(KINESIS["region"])
        page.get_by_role("button", name="Suivant").click()
    if step in ("done", "explore"):
        page.get_by_role("button", name="Créer la connexion").click()
    if step == "explore":
        page.get_by_role("link", name="Explorer les données de ce compte").click()
    assert_accessible(page)
    page.context.close()


def test_the_language_switcher_keeps_the_wizard(page: Page):
    walk_to_review(page)
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Créer la connexion")).to_be_visible()
    expect(page.locator("main")).to_contain_text(KINESIS["name"])
