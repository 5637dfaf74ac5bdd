"""The dataflow wizard in a real Chromium: in demo mode from the done page to a running dataflow that
counts the records put on its stream; axe-core on every page, in English and French; a phone; no
JavaScript."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import boto3
import pytest
from playwright.sync_api import Page, expect

from emulator.demo import DEMO_KEY
from tests.browser.conftest import serve
from tests.browser.pages import assert_accessible, open_page
from tests.helpers import ANONYMOUS, ROOT, credentials, first_answer, free_port
from tests.test_app import AEP_VARIABLES

from .test_wizard_in_chromium import fill_kinesis, no_sideways_scrolling, sandbox_radio, shoot

@pytest.fixture
def walker_connection(platform, emulator) -> str:
    """A Kinesis connection in prod on the test stage (web-clickstream holds records), and the demo catalog."""
    emulator.seed_catalog("prod")
    return platform.connections.create_kinesis_connection("prod", "Browser account", "", credentials()).id


ENDPOINT = re.compile(r"endpoint_url='(http://127\.0\.0\.1:\d+)', region_name='([a-z0-9-]+)', "
                      r"aws_access_key_id='(\w+)', aws_secret_access_key='(\w+)'")


@pytest.fixture
def demo_app(tmp_path):
    """``python app.py`` in demo mode, in a process of its own (moto keeps its Kinesis per process)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in AEP_VARIABLES and k != "KINESIS_ENDPOINT_URL"}
    env.update(PORT=str(port), EMULATOR_DATA_DIR=str(tmp_path / "emulator"))
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        first_answer(base + "/", seconds=20)
        yield base
    finally:
        process.terminate()
        process.communicate(timeout=10)


def through_the_dataflow_wizard(page: Page, dataset: str, check=assert_accessible) -> None:
    """From a connection's page with web-clickstream shown, to the dataflow page."""
    page.get_by_role("button", name="Create a dataflow").click()
    expect(page).to_have_title(re.compile("^Dataflow step 1 of 4"))
    expect(page.get_by_role("radio", name="web-clickstream")).to_be_checked()
    check(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_title(re.compile("^Dataflow step 2 of 4"))
    page.get_by_label("Dataset", exact=True).select_option(label=dataset)
    check(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_title(re.compile("^Dataflow step 3 of 4"))
    expect(page.get_by_label("customer", exact=True)).to_have_value("_demotenant.customer")
    # No stream field fits _id or timestamp: their calculated fields are offered, already chosen.
    expect(page.get_by_role("radio", name=re.compile("^A new unique identifier"))).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile("^The time each record is ingested"))).to_be_checked()
    check(page)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_title(re.compile("^Dataflow step 4 of 4"))
    check(page)
    page.get_by_role("button", name="Create dataflow").click()
    expect(page.get_by_text("What has arrived")).to_be_visible()


def test_from_the_done_page_to_records_arriving_in_demo_mode(browser, demo_app):
    page = open_page(browser, demo_app)
    page.goto("/")
    sandbox_radio(page, "Production").check()
    page.get_by_role("button", name="Next").click()
    fill_kinesis(page, region="us-east-1", access_key_id=DEMO_KEY[0], secret_key=DEMO_KEY[1])   # demo Kinesis's key
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create connection").click()
    page.get_by_role("link", name="Explore this account's data").click()
    page.get_by_role("link", name="Preview web-clickstream").click()
    through_the_dataflow_wizard(page, "Web clickstream events (Web clickstream events)")
    expect(page.locator("#records")).to_have_text("0")
    assert_accessible(page)
    endpoint, region, key_id, secret = ENDPOINT.search(page.locator("#put-record").input_value()).groups()
    kinesis = boto3.client("kinesis", endpoint_url=endpoint, region_name=region, aws_access_key_id=key_id,
                           aws_secret_access_key=secret)      # the page's own command's key: it must work
    for n in range(3):
        kinesis.put_record(StreamName="web-clickstream", Data=json.dumps({"customer": f"c-{n}"}).encode(),
                           PartitionKey=str(n))
    # The page reloads itself (Refresh header), and then counts them.
    expect(page.locator("#records")).to_have_text("3", timeout=25_000)
    expect(page.locator("#ingested")).to_have_text("3")
    expect(page.locator("#last-ingestion")).not_to_have_text("none yet")
    shoot(page, "7-dataflow")
    page.context.close()


def test_in_french_on_a_phone_without_javascript(browser, live_app, emulator, walker_connection):
    page = open_page(browser, live_app, locale="fr-FR", viewport={"width": 375, "height": 740},
                     java_script_enabled=False)
    page.goto(f"/connections/prod/{walker_connection}?stream=web-clickstream")
    page.get_by_role("button", name="Créer un flux de données").click()
    expect(page).to_have_title(re.compile("^Flux de données, étape 1 sur 4"))
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Suivant").click()
    # without JavaScript every mode's fields show, each group under its own heading
    expect(page.get_by_role("group", name="Si vous choisissez un jeu de données existant")
           .get_by_label("Jeu de données", exact=True)).to_be_visible()
    expect(page.get_by_role("group", name="Si vous choisissez un nouveau jeu de données")
           .get_by_label("Schéma XDM", exact=True)).to_be_visible()
    page.get_by_label("Jeu de données", exact=True).select_option(label="Web clickstream events (Web clickstream events)")
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Suivant").click()
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Suivant").click()
    no_sideways_scrolling(page)
    page.get_by_role("button", name="Créer le flux de données").click()
    expect(page.get_by_text("Ce qui est arrivé")).to_be_visible()
    no_sideways_scrolling(page)
    page.context.close()


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
def test_every_dataflow_page_passes_axe(browser, live_app, emulator, walker_connection, locale):
    page = open_page(browser, live_app, locale=locale)
    page.goto(f"/connections/prod/{walker_connection}?stream=web-clickstream")
    buttons = {"en-GB": ("Create a dataflow", "Next", "Create dataflow"),
               "fr-FR": ("Créer un flux de données", "Suivant", "Créer le flux de données")}[locale]
    page.get_by_role("button", name=buttons[0]).click()
    for _ in range(3):
        assert_accessible(page)
        if "destination" in page.url:
            page.locator("#dataset").select_option(index=1)
        page.get_by_role("button", name=buttons[1]).click()
    assert_accessible(page)
    page.get_by_role("button", name=buttons[2]).click()
    expect(page.locator("#records")).to_be_visible()
    assert_accessible(page)
    page.context.close()


@pytest.fixture
def long_fields_stream(kinesis_stage):
    """A stream whose record has long field paths: a deep nesting, and a 3000-character key."""
    name = "long-fields"
    kinesis = kinesis_stage.client("kinesis", credentials().region)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    record = {"customer": "c-1", "k" * 3000: 1,
              "shipping": {"destination": {"address": {"streetAndHouseNumberWithoutSpaces": "x" * 80}}}}
    kinesis.put_record(StreamName=name, Data=json.dumps(record).encode(), PartitionKey="k")
    yield name
    kinesis.delete_stream(StreamName=name)


def test_the_mapping_of_long_field_paths_fits_a_phone(browser, live_app, emulator, walker_connection,
                                                      long_fields_stream):
    page = open_page(browser, live_app, viewport={"width": 375, "height": 740})
    page.goto(f"/connections/prod/{walker_connection}?stream={long_fields_stream}")
    page.get_by_role("button", name="Create a dataflow").click()
    page.get_by_role("radio", name=long_fields_stream).check()
    page.get_by_role("button", name="Next").click()
    page.locator("#dataset").select_option(index=1)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_title(re.compile("^Dataflow step 3 of 4"))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    no_sideways_scrolling(page)
    page.context.close()


@pytest.fixture
def demo_look_app(settings, tmp_path):
    """The wizard on the test emulator with demo mode's page comforts on (the put-record command): the
    test stage's Kinesis takes any key, so no embedded emulator is needed."""
    yield from serve(settings, tmp_path, demo_mode=True, **ANONYMOUS)


def enter_goes_forward(page: Page, form: str, forward: str) -> None:
    """Enter in a field presses the form's default button (its first submit button in tree order, wherever
    it sits): that one must go forward, never Back, a preview or a language."""
    first = page.evaluate(f"() => [...document.getElementById('{form}').elements]"
                          ".filter(e => e.type === 'submit').map(e => e.value)[0]")
    assert first == forward


@pytest.mark.parametrize("width, locale, scheme", [(1280, "en-GB", "light"), (375, "fr-FR", "dark")])
def test_the_dataflow_pages_have_the_wizards_look(browser, demo_look_app, emulator, walker_connection,
                                                  width, locale, scheme):
    """The designer's review of the dataflow pages, at a desktop's width in English and light, and on a phone
    in French and dark: every page passes axe and fits the screen."""
    fr = locale == "fr-FR"
    words = {"create": "Créer un flux de données" if fr else "Create a dataflow",
             "next": "Suivant" if fr else "Next", "preview": "Afficher ses enregistrements" if fr else "Show its records",
             "raw": "JSON brut" if fr else "Raw JSON", "latest": "Le plus récent" if fr else "Latest",
             "new": "Un nouveau jeu de données" if fr else "A new dataset",
             "existing": "Un jeu de données existant" if fr else "An existing dataset",
             "enabled": "activé" if fr else "enabled", "wizard": "Assistant Kinesis" if fr else "Kinesis wizard"}
    page = open_page(browser, demo_look_app, locale=locale, color_scheme=scheme,
                     viewport={"width": width, "height": 900})

    def looks_right(form: str, forward: str = "next") -> None:
        assert_accessible(page)
        no_sideways_scrolling(page)
        # Back is the first wizard's quiet button, not an outlined pill
        back = page.locator(f"#{form} .actions button[value=back]")
        expect(back).to_have_class("button back")
        enter_goes_forward(page, form, forward)

    page.goto(f"/connections/prod/{walker_connection}?stream=web-clickstream")
    page.get_by_role("button", name=words["create"]).click()
    # Step 1: each option's help line does not repeat its label; the table does not touch "Data type"
    page.get_by_role("button", name=words["preview"]).click()
    looks_right("stream-form")
    for label in (words["raw"], words["latest"]):
        about = page.locator(".choice", has_text=label).locator(".choice-about").inner_text()
        assert not about.startswith(label), about
    table_bottom = page.evaluate("() => document.querySelector('.records-preview').getBoundingClientRect().bottom")
    legend_top = page.evaluate("() => document.querySelector('#data_type-0').closest('fieldset')"
                               ".getBoundingClientRect().top")
    assert legend_top - table_bottom >= 16
    page.get_by_role("button", name=words["next"]).click()
    # Step 2: only the chosen mode's fields show, and they follow the choice
    expect(page.locator("#dataset")).to_be_visible()
    expect(page.locator("#new_name")).to_be_hidden()
    expect(page.locator("#schema")).to_be_hidden()
    looks_right("destination-form")
    page.get_by_role("radio", name=words["new"]).check()
    expect(page.locator("#dataset")).to_be_hidden()
    expect(page.locator("#new_name")).to_be_visible()
    expect(page.locator("#schema")).to_be_visible()
    page.get_by_role("radio", name=words["existing"]).check()
    page.locator("#dataset").select_option(index=1)
    page.get_by_role("button", name=words["next"]).click()
    looks_right("mapping-form")
    page.get_by_role("button", name=words["next"]).click()
    looks_right("review-form", "create")
    page.locator("#name").press("Enter")          # Enter creates, as the default button says
    expect(page.locator("#records")).to_be_visible()
    # The dataflow page: the exploration page's breadcrumb at the top, a status light for the state
    assert_accessible(page)
    no_sideways_scrolling(page)
    crumbs = page.get_by_role("navigation", name="Fil d'Ariane" if fr else "Breadcrumb")
    expect(crumbs.get_by_role("link", name=words["wizard"])).to_be_visible()
    expect(crumbs.get_by_role("link", name="Browser account")).to_have_attribute(
        "href", f"/connections/prod/{walker_connection}")
    assert crumbs.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    state = page.locator("#flow-state")          # the same status light as a connection's state
    expect(state).to_have_text(words["enabled"])
    expect(state).to_have_class(re.compile(r"\bstatus status-enabled\b"))
    dot = state.evaluate("e => getComputedStyle(e, '::before').backgroundColor")
    assert dot not in ("rgba(0, 0, 0, 0)", "transparent"), "the state has its coloured dot"
    # The demo's command wraps inside its box (no line cut off), and keeps its Copy button
    command = page.locator("#put-record")
    assert "put_record" in command.input_value()
    assert command.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert command.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    expect(page.get_by_role("button", name="Copier la commande" if fr else "Copy the command")).to_be_visible()
    page.context.close()
