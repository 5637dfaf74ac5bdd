"""A designer's review of the manage, explore and shared pages, in a real Chromium at 1280 and 375 px, in
English and French: the connections list that fits (whole words on a desktop, cards on a phone), state
badges, region names, the breadcrumb above notices, action buttons, the refused delete that leads back, the
explore page's words, the error page's ways out, the region filter, and the destructive button in the dark
theme (axe on each)."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import assert_accessible, open_page
from tests.helpers import EmulatorControl, credentials

WORDS = {
    "en": {"enabled": "enabled", "ireland": "Europe (Ireland) (eu-west-1)", "region": "US East (N. Virginia) (us-east-1)", "connections": "Connections",
           "test": "Test now", "delete": "Delete", "cannot": "cannot be deleted", "back": "Back to the connection",
           "raw": "Raw JSON", "latest": "Latest", "show": "Show", "next": "Next", "filter": "Filter the regions"},
    "fr": {"enabled": "activée", "ireland": "Europe (Irlande) (eu-west-1)", "region": "Est des États-Unis (Virginie du Nord) (us-east-1)", "connections": "Connexions",
           "test": "Tester maintenant", "delete": "Supprimer", "cannot": "ne peut pas être supprimée",
           "back": "Retour à la connexion", "raw": "JSON brut", "latest": "Le plus récent", "show": "Afficher",
           "next": "Suivant", "filter": "Filtrer les régions"},
}
VIEWS = [pytest.param((width, lang), id=f"{width}px-{lang}") for width in (1280, 375) for lang in ("en", "fr")]
DEMO = "Demo clickstream account"

# True when a word of the element's text is split across two lines ("clickstr|eam").
WORD_CUT = """(el) => {
  const node = el.firstChild; const text = node.textContent; let at = 0;
  for (const word of text.split(' ')) {
    const range = document.createRange(); range.setStart(node, at); range.setEnd(node, at + word.length);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    if (tops.size > 1) return true;
    at += word.length + 1;
  }
  return false;
}"""


def view(browser, live_app, width: int, lang: str, **options) -> Page:
    page = open_page(browser, live_app, viewport={"width": width, "height": 900 if width > 400 else 740},
                     locale="fr-FR" if lang == "fr" else "en-GB", is_mobile=width < 400, has_touch=width < 400, **options)
    page.words = WORDS[lang]
    return page


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], f"{page.url} pans sideways"


@pytest.mark.parametrize("width_lang", VIEWS)
def test_the_manage_and_explore_pages_look_the_part(browser, live_app, platform, emulator: EmulatorControl, width_lang):
    width, lang = width_lang
    emulator.seed_demo()
    shop = platform.connections.create_kinesis_connection("prod", "Web clickstream events from the shop", "", credentials())
    page = view(browser, live_app, width, lang)
    w = page.words
    try:
        # The list: whole words, a state badge, the region by name; cards on a phone; a gap above the caption.
        page.goto("/manage/connections?sandbox=prod")
        for name in (DEMO, "Web clickstream events from the shop"):
            link = page.get_by_role("link", name=name, exact=True)
            assert not link.evaluate(WORD_CUT), f"{name} is cut mid-word"
        demo_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=DEMO, exact=True))
        badge = demo_row.locator(".status.status-enabled")
        expect(badge).to_have_text(w["enabled"])
        dot = badge.evaluate("(el) => getComputedStyle(el, '::before').backgroundColor")
        assert dot not in ("rgba(0, 0, 0, 0)", "transparent"), "the state has its coloured dot"
        expect(demo_row).to_contain_text(w["region"])
        show = page.get_by_role("button", name=w["show"], exact=True).bounding_box()
        caption = page.locator("caption").bounding_box()
        assert caption["y"] >= show["y"] + show["height"] + 8, "the Show button sits on the caption"
        fits(page)
        if width < 400:
            assert demo_row.evaluate("(el) => getComputedStyle(el).display") == "block", "a card on a phone"
            created = demo_row.locator("td").nth(4).bounding_box()
            assert created["x"] >= 0 and created["x"] + created["width"] <= width, "Created is on screen"
        assert_accessible(page)

        # The connection page: the breadcrumb above the notice Test now leaves; buttons, Delete destructive.
        page.get_by_role("link", name=DEMO, exact=True).click()
        crumbs = page.get_by_role("navigation", name=re.compile("Breadcrumb|Fil d"))
        expect(crumbs.get_by_role("link", name=w["connections"], exact=True)).to_be_visible()
        expect(page.locator("dl.facts")).to_contain_text(w["region"])
        expect(page.locator("dl.facts .status-enabled")).to_have_text(w["enabled"])
        page.get_by_role("button", name=w["test"]).click()
        notice = page.locator(".notice").first
        expect(notice).to_be_visible()
        assert crumbs.bounding_box()["y"] + crumbs.bounding_box()["height"] <= notice.bounding_box()["y"]
        for link in page.locator(".action-buttons a").all():
            assert "button" in (link.get_attribute("class") or "")
            assert link.evaluate("(el) => getComputedStyle(el).borderTopLeftRadius") != "0px", "a pill, not a link"
            assert link.evaluate("(el) => getComputedStyle(el).textDecorationLine") == "none"
        delete = page.locator(".action-buttons a").last
        expect(delete).to_have_text(w["delete"])
        expect(delete).to_have_class(re.compile(r"\bnegative\b"))
        flow_link = page.locator("#dataflows a").first
        expect(flow_link).to_have_attribute("href", re.compile(r"^/dataflows/prod/[0-9a-f-]{36}$"))
        assert_accessible(page)

        # The refused delete: says so, links its dataflows, leads back.
        delete.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(w["cannot"])
        expect(page.locator("#delete-refused a").first).to_have_attribute("href", re.compile(r"^/dataflows/prod/"))
        page.get_by_role("link", name=w["back"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(DEMO)

        # The explore page: the wizard's words in the selects, one style for both expanders, the region by name.
        page.get_by_role("link", name=re.compile("Streams and previews|Flux et aperçus")).click()
        expect(page.locator("dl.facts")).to_contain_text(w["region"])
        page.goto(f"/connections/prod/{shop.id}?stream=web-clickstream")       # the test stage's streams
        expect(page.locator("dl.facts")).to_contain_text(w["ireland"])
        expect(page.locator("#dataType option:checked")).to_have_text(w["raw"])
        assert page.locator("#dataType option:checked").get_attribute("value") == "raw"
        expect(page.locator("#reset option:checked")).to_have_text(w["latest"])
        weights = [page.locator(f"{where} summary").evaluate("(el) => getComputedStyle(el).fontWeight")
                   for where in (".raw", ".curl")]
        assert weights[0] == weights[1] and int(weights[0]) >= 700, weights
        fits(page)

        # An error page offers Connections beside the wizard.
        page.goto(f"/dataflows/prod/{uuid.uuid4()}")
        expect(page.locator("main .actions").get_by_role("link", name=w["connections"], exact=True)).to_be_visible()
        assert_accessible(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_destructive_buttons_pass_axe_in_the_dark(browser, live_app, platform, width):
    """The filled red button (white text) on the delete page and on Start over, in the dark theme."""
    made = platform.connections.create_kinesis_connection("prod", "Retired account", "", credentials())
    page = view(browser, live_app, width, "en", color_scheme="dark")
    try:
        page.goto(f"/manage/connections/prod/{made.id}/delete")
        expect(page.locator(".button.danger")).to_be_visible()
        assert_accessible(page)
        page.goto("/")
        page.get_by_role("button", name="Next", exact=True).click()
        page.goto("/start-over?back=/kinesis")
        expect(page.locator(".button.danger")).to_be_visible()
        assert_accessible(page)
    finally:
        page.context.close()


def test_the_region_filter_is_only_a_filter(browser, live_app):
    """375 px, French: with the Region field in error the filter box keeps its plain border, and its
    placeholder (the short label) is not cut."""
    page = view(browser, live_app, 375, "fr")
    try:
        page.goto("/")
        page.get_by_role("button", name="Suivant", exact=True).click()
        page.get_by_role("button", name="Suivant", exact=True).click()     # nothing typed: every field in error
        select = page.locator("select#region")
        expect(select).to_have_attribute("aria-invalid", "true")
        box = page.locator("#region-filter")
        expect(box).to_have_attribute("placeholder", page.words["filter"])
        border = box.evaluate("(el) => getComputedStyle(el).borderTopColor")
        assert border != select.evaluate("(el) => getComputedStyle(el).borderTopColor"), "the filter looks in error"
        room = box.evaluate("""(el) => { const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');
          c.font = s.font; return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - c.measureText(el.placeholder).width; }""")
        assert room >= 0, "the placeholder is cut"
        assert_accessible(page)
    finally:
        page.context.close()
