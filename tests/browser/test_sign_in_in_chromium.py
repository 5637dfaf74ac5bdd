"""Signing in with an Adobe ID in a real Chromium: through the emulator's sign-in page as each seeded
person, who then sees exactly their own sandboxes and may do exactly what their permissions allow; the
header says who is signed in; sign-out ends it. axe-core on the new pages, in English and French."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import SCREENSHOTS, assert_accessible, open_page
from tests.browser.test_wizard_in_chromium import fill_kinesis
from tests.helpers import credentials

PEOPLE = {
    "Ada Admin": {"Production", "Development", "Marketing QA"},
    "Dev Eloper": {"Development"},
    "Ana Lyst": {"Production", "Development"},
}


def sign_in_as(page: Page, person: str, path: str = "/") -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("button", name=f"Sign in as {person}").click()


def sandbox_titles(page: Page) -> set[str]:
    return set(page.locator(".choice-title").all_inner_texts())


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_sees_their_own_sandboxes(browser, signed_in_app, person):
    page = open_page(browser, signed_in_app)
    sign_in_as(page, person)
    expect(page).to_have_url(re.compile("/sandbox$"))
    assert sandbox_titles(page) == PEOPLE[person]
    expect(page.locator(".who")).to_contain_text(f"Signed in as {person}")
    assert_accessible(page)
    if person == "Dev Eloper":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 375, "height": 700})
        page.screenshot(path=str(SCREENSHOTS / "8-signed-in-phone.png"), full_page=True)
    page.context.close()


def test_a_viewer_is_told_what_permission_to_ask_for(browser, signed_in_app, emulator):
    page = open_page(browser, signed_in_app)
    sign_in_as(page, "Ana Lyst")
    page.get_by_role("radio", name=re.compile("^Development ")).check()
    page.get_by_role("button", name="Next").click()
    fill_kinesis(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create connection").click()
    expect(page).to_have_url(re.compile("/sandbox$"))
    expect(page.get_by_role("alert").first).to_contain_text("Manage Sources")
    assert emulator.calls("POST /data/foundation/flowservice/connections") == 1    # refused by Adobe, once
    page.context.close()


def test_a_developer_creates_in_their_sandbox_and_cannot_open_anothers_connection(browser, signed_in_app, platform):
    others = platform.connections.create_kinesis_connection("prod", "Production's own", "", credentials())
    page = open_page(browser, signed_in_app)
    sign_in_as(page, "Dev Eloper")
    page.get_by_role("button", name="Next").click()
    fill_kinesis(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create connection").click()
    expect(page).to_have_url(re.compile("/done$"))
    response = page.goto(f"/connections/prod/{others.id}")
    assert response.status == 404
    expect(page.get_by_role("main")).not_to_contain_text("Production's own")
    page.context.close()


def test_sign_out_ends_the_session_and_the_way_back_is_sign_in(browser, signed_in_app):
    page = open_page(browser, signed_in_app, locale="fr-FR")
    sign_in_as(page, "Dev Eloper")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}.get("session")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile("/auth/signed-out$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")
    assert_accessible(page)
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("session") != cookie
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "7-signed-out.png"), full_page=True)
    page.get_by_role("link", name="Se reconnecter").click()
    expect(page.get_by_role("button", name="Sign in as Dev Eloper")).to_be_visible()
    page.context.close()


def test_no_cookie_holds_a_token(browser, signed_in_app):
    page = open_page(browser, signed_in_app)
    sign_in_as(page, "Ada Admin")
    expect(page).to_have_url(re.compile("/sandbox$"))
    for cookie in page.context.cookies():
        assert "emu-" not in cookie["value"] and len(cookie["value"]) < 200
    page.context.close()
