"""Issue 13 in a real Chromium, at 1280 and 375 px, in English and French: Enter goes forward, busy buttons,
Test connection in place, existing connections that fit a phone, the sandbox picker, the language switch
that keeps what was typed, Start over that asks first, the done page's ways out, Spectrum's look (icons,
stepper links, the quieter Back, dark theme) and axe on what is new."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import serve
from tests.browser.pages import SCREENSHOTS, assert_accessible, open_page
from tests.helpers import ANONYMOUS, KINESIS, credentials

WORDS = {
    "en": {"next": "Next", "test": "Test connection", "create": "Create connection", "name": "Connection name",
           "description": "Description", "access_key_id": "Access key ID", "secret_key": "Secret access key",
           "region": "Region", "start_over": "Start over", "clear": "Clear everything and start over",
           "cancel": "Cancel", "search": "Search the sandboxes", "creating": "Creating…", "testing": "Testing…",
           "explore": "Explore this account's data", "another": "Connect another account in this sandbox",
           "other_language": "Français", "other_lang": "fr", "works": "The key works", "use": "Use this connection",
           "existing": "Already connected in this sandbox", "summary": "Some details need your attention",
           "no_sandbox": "No sandbox matches", "cleared": "Everything was cleared", "back": "Back", "no_region": "No region matches"},
    "fr": {"next": "Suivant", "test": "Tester la connexion", "create": "Créer la connexion",
           "name": "Nom de la connexion", "description": "Description", "access_key_id": "ID de clé d'accès",
           "secret_key": "Clé d'accès secrète", "region": "Région", "start_over": "Recommencer",
           "clear": "Tout effacer et recommencer", "cancel": "Annuler", "search": "Rechercher un sandbox",
           "creating": "Création…", "testing": "Test en cours…", "explore": "Explorer les données de ce compte",
           "another": "Connecter un autre compte dans ce sandbox", "other_language": "English", "other_lang": "en",
           "works": "La clé fonctionne", "use": "Utiliser cette connexion", "existing": "Déjà connectés dans ce sandbox",
           "summary": "Certaines informations sont à revoir", "no_sandbox": "Aucun sandbox ne correspond",
           "cleared": "Tout a été effacé", "back": "Retour",
           "no_region": "Aucune région ne correspond"},
}
VIEWS = [pytest.param((width, lang), id=f"{width}px-{lang}") for width in (1280, 375) for lang in ("en", "fr")]


@pytest.fixture(params=VIEWS)
def look(request, browser, live_app):
    """A page at the view's width and language, with the view's words."""
    width, lang = request.param
    page = open_page(browser, live_app, viewport={"width": width, "height": 900 if width > 400 else 740},
                     locale="fr-FR" if lang == "fr" else "en-GB", is_mobile=width < 400, has_touch=width < 400)
    page.words = WORDS[lang]
    yield page
    page.context.close()


def fill(page: Page, skip: tuple = (), **changes) -> None:
    w, values = page.words, {**KINESIS, **changes}
    for key in ("name", "description", "access_key_id", "secret_key"):
        if key not in skip:
            page.get_by_label(w[key], exact=True).fill(values[key])
    page.get_by_label(w["region"], exact=True).select_option(values["region"])


def to_kinesis(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name=page.words["next"], exact=True).click()
    expect(page).to_have_url(re.compile("/kinesis$"))


def no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => window.innerWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, f"pans sideways on {page.url}"


def test_enter_goes_forward_never_back(look: Page):
    w = look.words
    to_kinesis(look)
    look.get_by_label(w["name"], exact=True).press("Enter")          # nothing typed: the errors, on this step
    expect(look).to_have_url(re.compile("/kinesis$"))
    expect(look.get_by_role("alert").filter(has_text=w["summary"])).to_be_visible()
    fill(look)
    look.get_by_label(w["access_key_id"], exact=True).press("Enter")
    expect(look).to_have_url(re.compile("/review$"))


def test_test_connection_answers_in_place_without_a_name(look: Page):
    w = look.words
    to_kinesis(look)
    fill(look, skip=("name",))
    look.evaluate("() => { window.stayed = true; }")                 # gone if the page were loaded again
    look.get_by_role("button", name=w["test"]).click()
    expect(look.locator("#key-check")).to_contain_text(w["works"])
    assert look.evaluate("() => window.stayed === true")
    expect(look.get_by_label(w["secret_key"], exact=True)).to_have_value(KINESIS["secret_key"])
    expect(look.locator("#name-error")).to_have_count(0)             # the test needs no name
    no_sideways_scrolling(look)
    assert_accessible(look)


def test_create_shows_that_work_is_under_way(look: Page, emulator):
    w = look.words
    to_kinesis(look)
    fill(look)
    look.get_by_role("button", name=w["next"], exact=True).click()
    emulator.fault(kind="latency", seconds=2.0, method="POST", path="/connections$", times=1)
    # Playwright waits for a navigation under way before it looks again: the page notes what it shows
    # just after the press, in sessionStorage, which the next page of the tab still has.
    look.evaluate("""() => document.querySelector('button[value=create]').addEventListener('click', (e) =>
        setTimeout(() => sessionStorage.busy = JSON.stringify([e.target.getAttribute('aria-busy'),
            e.target.disabled, e.target.textContent, document.getElementById('busy-status').textContent,
            document.querySelector('button[value=test]').disabled])))""")
    look.get_by_role("button", name=w["create"]).click(no_wait_after=True)   # the answer takes 2 s
    expect(look).to_have_url(re.compile("/done$"), timeout=15_000)
    busy, disabled, text, status, test_disabled = look.evaluate("() => JSON.parse(sessionStorage.busy)")
    assert (busy, disabled, text, test_disabled) == ("true", True, w["creating"], True) and status
    assert emulator.calls("POST /data/foundation/flowservice/connections") == 1


def test_existing_connections_fit_a_phone_and_leave_the_form_in_sight(look: Page, platform):
    w = look.words
    flow = platform.connections
    for n in range(5):
        flow.create_kinesis_connection("prod", f"Team account {n} with a rather long name", "",
                                       credentials(region="ap-southeast-2" if n % 2 else "eu-west-1"))
    to_kinesis(look)
    expect(look.get_by_role("heading", name=w["existing"])).to_be_visible()
    no_sideways_scrolling(look)
    for button in look.get_by_role("button", name=re.compile(w["use"])).all():
        if button.is_visible():
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= look.viewport_size["width"]
    name_top = look.get_by_label(w["name"], exact=True).bounding_box()["y"]
    # five connections: on a desktop the form begins on the first screen and a half (two on a phone), not
    # after a long table
    screens = 1.5 if look.viewport_size["width"] > 400 else 2
    assert name_top < look.viewport_size["height"] * screens, name_top
    assert_accessible(look)


@pytest.fixture
def many_sandboxes(emulator):
    emulator.add_sandboxes([{"name": f"team-{n:02}", "title": f"Team {n:02}", "type": "development"}
                            for n in range(46)])


def test_a_long_sandbox_list_is_searchable_with_the_default_first(look: Page, many_sandboxes):
    w = look.words
    look.goto("/")
    radios = look.get_by_role("radio")
    expect(radios.first).to_be_checked()                           # the default, first
    height = look.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2200, f"the sandbox step is {height} px tall"
    look.get_by_label(w["search"]).fill("team 3")
    visible = look.locator(".picker .choice:visible")
    expect(visible).to_have_count(1 + 10)                          # the checked default stays, Team 30…39
    look.get_by_label(w["search"]).fill("nothing like it")
    expect(look.locator("#picker-status")).to_contain_text(w["no_sandbox"])
    look.get_by_label(w["search"]).fill("Team 42")
    look.get_by_role("radio", name=re.compile("^Team 42")).check()
    look.get_by_role("button", name=w["next"], exact=True).click()
    expect(look).to_have_url(re.compile("/kinesis$"))
    look.goto("/sandbox")                                          # recently used: second, after the default
    expect(look.get_by_role("radio").nth(1)).to_have_accessible_name(re.compile("^Team 42"))


def test_the_sandbox_search_works_without_javascript(browser, live_app, many_sandboxes):
    page = open_page(browser, live_app, java_script_enabled=False)
    page.goto("/")
    page.get_by_label("Search the sandboxes").fill("team 4")
    page.get_by_label("Search the sandboxes").press("Enter")
    expect(page).to_have_url(re.compile(r"/sandbox\?q=team\+4$"))
    expect(page.locator("#picker-status")).to_contain_text("6 sandboxes match “team 4”.")
    expect(page.get_by_role("radio")).to_have_count(1 + 6)
    page.get_by_role("radio", name=re.compile("^Team 45")).check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page).to_have_url(re.compile("/kinesis$"))
    page.context.close()


def test_the_language_switch_keeps_what_was_typed_but_not_the_secret(look: Page):
    w = look.words
    to_kinesis(look)
    fill(look, name="Typed before switching")
    look.get_by_role("button", name=w["other_language"]).click()
    expect(look.locator("html")).to_have_attribute("lang", w["other_lang"])
    other = WORDS[w["other_lang"]]
    expect(look.get_by_label(other["name"], exact=True)).to_have_value("Typed before switching")
    expect(look.get_by_label(other["access_key_id"], exact=True)).to_have_value(KINESIS["access_key_id"])
    assert KINESIS["secret_key"] not in look.content()
    look.get_by_role("button", name=other["next"], exact=True).click()   # the secret was kept on the server
    expect(look).to_have_url(re.compile("/review$"))


def test_the_region_filter_says_when_nothing_matches(look: Page):
    w = look.words
    to_kinesis(look)
    look.get_by_label(w["region"], exact=True).select_option("eu-west-1")
    look.locator("#region-filter").fill("atlantis")
    expect(look.locator("#region-filter-status")).to_contain_text(w["no_region"])
    expect(look.get_by_label(w["region"], exact=True)).to_have_value("eu-west-1")


def test_start_over_asks_first_and_the_done_page_has_its_own_ways(look: Page):
    w = look.words
    to_kinesis(look)
    fill(look)
    look.get_by_role("button", name=w["start_over"]).click()     # what was typed is saved, then asked
    expect(look.get_by_role("heading", level=1)).to_contain_text("?")
    assert_accessible(look)
    look.get_by_role("link", name=w["cancel"]).click()             # nothing was cleared
    expect(look).to_have_url(re.compile("/kinesis$"))
    expect(look.get_by_label(w["name"], exact=True)).to_have_value(KINESIS["name"])
    look.get_by_role("button", name=w["next"], exact=True).click()
    look.get_by_role("button", name=w["create"]).click()
    expect(look).to_have_url(re.compile("/done$"))
    steps = look.locator(".steps li")
    expect(steps.nth(3)).to_have_class(re.compile("complete"))     # step 4: complete, not current
    assert "›" not in look.locator(".steps").inner_text()
    no_sideways_scrolling(look)
    look.get_by_role("button", name=w["another"]).click()          # the same sandbox, a new account
    expect(look).to_have_url(re.compile("/kinesis$"))
    expect(look.get_by_label(w["name"], exact=True)).to_have_value("")
    look.get_by_role("button", name=w["start_over"]).click()
    look.get_by_role("button", name=w["clear"]).click()
    expect(look).to_have_url(re.compile("/sandbox$"))
    expect(look.get_by_role("status").filter(has_text=w["cleared"])).to_be_visible()


def test_spectrum_look_icons_stepper_links_and_a_quieter_back(look: Page):
    w = look.words
    to_kinesis(look)
    fill(look)
    look.get_by_role("button", name=w["next"], exact=True).click()
    expect(look).to_have_url(re.compile("/review$"))
    assert look.locator('link[rel="icon"]').count() == 1
    links = look.locator(".steps li.complete a")
    expect(links).to_have_count(2)                                 # Sandbox and Kinesis account, as links
    back = look.locator("a.button.back").evaluate("e => getComputedStyle(e).borderTopColor")
    create = look.locator("button[value=create]").evaluate("e => getComputedStyle(e).backgroundColor")
    assert back == "rgba(0, 0, 0, 0)" and create not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    mask = look.locator(".steps li.complete .step-number").first.evaluate(
        "e => getComputedStyle(e, '::before').maskImage || getComputedStyle(e, '::before').webkitMaskImage")
    assert "check.svg" in mask
    links.first.click()
    expect(look).to_have_url(re.compile("/sandbox$"))
    no_sideways_scrolling(look)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_dark_theme_follows_the_browser_and_passes_axe(browser, live_app, lang):
    page = open_page(browser, live_app, color_scheme="dark", locale="fr-FR" if lang == "fr" else "en-GB")
    page.goto("/")
    background = page.evaluate("() => getComputedStyle(document.documentElement).backgroundColor")
    channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
    assert max(channels) < 80, background                         # dark
    assert_accessible(page)
    page.get_by_role("button", name=WORDS[lang]["next"], exact=True).click()
    page.get_by_role("button", name=WORDS[lang]["next"], exact=True).click()   # errors, in the dark
    assert_accessible(page)
    if lang == "en":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "7-dark.png"), full_page=True)
    page.context.close()


@pytest.fixture
def patient_app(settings, tmp_path):
    """The wizard waiting up to 10 s for an answer from Adobe (the tests' settings wait 2 s, then retry)."""
    yield from serve(replace(settings, timeout=10.0), tmp_path, **ANONYMOUS)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_slow_sandbox_list_is_not_a_blank_page(browser, patient_app, emulator, lang):
    """Sandbox Management takes 4 s: within about two the page says the list is being read; it then comes
    back by itself, without JavaScript, and the list is there, asked for once (each return of the page
    meets the same call)."""
    page = open_page(browser, patient_app, java_script_enabled=False, locale="fr-FR" if lang == "fr" else "en-GB")
    emulator.fault(kind="latency", seconds=4.0, path="sandbox-management", times=1)
    page.goto("/sandbox")
    expect(page.get_by_role("status").filter(has=page.locator("#sandboxes-loading"))).to_have_count(0)
    expect(page.locator("#sandboxes-loading[role=status]")).to_be_visible()
    expect(page.get_by_role("radio").first).to_be_checked(timeout=15_000)
    assert emulator.calls("GET /data/foundation/sandbox-management/") == 1
    page.context.close()


def test_the_exploration_page_on_a_phone(browser, live_app):
    """A breadcrumb back into context, streams called streams, and no page of 3,000 px."""
    page = open_page(browser, live_app, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page.words = WORDS["en"]
    to_kinesis(page)
    fill(page)
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Create connection").click()
    page.get_by_role("link", name="Explore this account's data").click()
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs.get_by_role("link", name="Kinesis wizard")).to_be_visible()
    expect(page.get_by_role("cell", name="stream", exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="table", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Preview web-clickstream").click()
    no_sideways_scrolling(page)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2600, f"the exploration page is {height} px tall on a phone"
    assert_accessible(page)
    page.context.close()
