"""English and French: every string a user sees is marked, translated, and shown in the chosen language."""
from __future__ import annotations

import ast
import html
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.helpers import KINESIS, ROOT

CATALOGUE = ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
TEMPLATE = ROOT / "translations" / "messages.pot"
FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}


def extracted_ids() -> set[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "_l": None, "N_": None}
    return {message for _file, _line, message, _comments, _context in
            extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}


@pytest.fixture(scope="module")
def french():
    return {m.id: m for m in read_po(CATALOGUE.open()) if m.id}


def test_every_marked_string_has_french(french):
    missing = sorted(extracted_ids() - set(french))
    assert not missing, f"strings without French: {missing}"
    untranslated = [m.id for m in french.values() if not m.string or m.fuzzy]
    assert not untranslated, f"empty or fuzzy French: {untranslated}"


def test_the_template_catalogue_is_up_to_date():
    assert {m.id for m in read_po(TEMPLATE.open()) if m.id} == extracted_ids()


def test_the_compiled_catalogue_is_fresh():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime


# Nothing a user sees may escape the marking.

TEXT_ATTRIBUTES = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"]*)"')


def visible_template_text(source: str) -> str:
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%.*?%}", "", source, flags=re.S)
    source = re.sub(r"{{.*?}}", "", source, flags=re.S)
    return re.sub(r"<[^>]*>", " ", source)


TEMPLATES = sorted(path for folder in ("templates", "wizard", "explore", "auth", "manage") for path in (ROOT / folder).rglob("*.html"))
WEB_CODE = sorted(path for folder in ("web", "auth", "wizard", "explore", "manage", "cli") for path in (ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_mark_every_visible_string(template):
    source = template.read_text()
    leftovers = [word for word in visible_template_text(source).split() if re.search(r"[A-Za-z]", word)]
    assert not leftovers, f"unmarked text in {template.name}: {leftovers}"
    for name, value in TEXT_ATTRIBUTES.findall(source):
        assert "{{" in value or not re.search(r"[A-Za-z]", value), f"unmarked {name} in {template.name}"


# Calls whose string arguments a user reads.
USER_FACING = {"flash", "ValidationError", "Explanation", "error_page", "adobe", "InputRequired", "Length", "StringField",
               "TextAreaField", "PasswordField", "SelectField", "RadioField", "ConfigurationError"}
EXEMPT = {"ConfigurationError"}  # read by the administrator at start-up, in the log


@pytest.mark.parametrize("module", WEB_CODE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_code_marks_every_string_shown_to_users(module):
    tree = ast.parse(module.read_text())
    unmarked = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in USER_FACING - EXEMPT:
                arguments = list(node.args) + [k.value for k in node.keywords if k.arg in ("message", "label")]
                unmarked += [a.value for a in arguments if isinstance(a, ast.Constant) and isinstance(a.value, str)
                             and re.search(r"[A-Za-z]{2,} [A-Za-z]", a.value)]
    assert not unmarked, f"unmarked strings in {module.name}: {unmarked}"


# The pages in French.

def french_words_check(page: str, french) -> list[str]:
    """English sentences of ours that a French page still shows."""
    text = " ".join(html.unescape(visible_template_text(page)).split())
    singular = [m for m in french.values() if isinstance(m.id, str)]   # plural forms all carry %(num)d
    return [m.id for m in singular
            if m.id != m.string and len(m.id.split()) >= 2 and "%(" not in m.id and m.id in text]


def french_page(client, path):
    response = client.get(path, headers=FRENCH)
    page = response.get_data(as_text=True)
    assert '<html lang="fr">' in page
    return page


def test_every_step_in_french(walker, client, french):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = FRENCH["Accept-Language"]
    pages = {"sandbox": french_page(client, "/sandbox")}
    assert "Choisissez un sandbox" in pages["sandbox"] and "Suivant" in pages["sandbox"]
    walker.sandbox()
    pages["error"] = walker.kinesis(access_key_id="ASIAIOSFODNN7EXAMPLE", name="").get_data(as_text=True)
    assert "Il s'agit d'une clé d'accès temporaire" in html.unescape(pages["error"])
    assert "Saisissez un nom pour la connexion." in pages["error"]
    assert "Europe (Francfort) (eu-central-1)" in pages["error"]
    walker.kinesis()
    pages["review"] = french_page(client, "/review")
    assert "Créer la connexion" in pages["review"]
    walker.create()
    pages["done"] = french_page(client, "/done")
    connection = re.search(r'href="(/connections/[^"]+)"', pages["done"]).group(1)
    pages["explore"] = french_page(client, connection)
    pages["404"] = french_page(client, "/nowhere")
    for name, page in pages.items():
        assert french_words_check(page, french) == [], f"English left on the {name} page"


def test_adobe_errors_in_french(walker, client, emulator, french):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = FRENCH["Accept-Language"]
    emulator.fault(kind="status", status=503, path="sandbox-management")
    page = html.unescape(client.get("/sandbox").get_data(as_text=True))
    assert "ne répond pas pour le moment" in page and french_words_check(page, french) == []
    emulator.clear_faults()
    walker.through_review()
    emulator.fault(kind="status", status=503, method="POST", path="/connections$")
    assert walker.create().location.endswith("/review/pending")    # a create with no clear answer is followed
    page = html.unescape(french_page(client, "/review/pending"))
    assert "la demande n'est donc pas renvoyée" in page and french_words_check(page, french) == []


def test_the_switcher_keeps_the_wizard_and_sets_html_lang(walker, client):
    walker.sandbox("dev")
    walker.kinesis()
    response = client.get("/language/fr?next=/review")
    assert response.location.endswith("/review")
    page = client.get("/review").get_data(as_text=True)
    assert '<html lang="fr">' in page and "<code>dev</code>" in page and KINESIS["name"] in page
    assert '<html lang="en">' in client.get("/language/en?next=/review", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)",
                                    "/\t/evil.example/", "/\t\t/evil.example/", "/\n/evil.example/",
                                    "/\\evil.example/", "\\/evil.example/", "/\r\nSet-Cookie: x=1",
                                    "/\x00/evil.example", "/\u2028/evil.example", " //evil.example/"])
def test_the_switcher_only_leads_back_into_the_app(client, target):
    assert client.get("/language/fr", query_string={"next": target}).location == "/"


@pytest.mark.parametrize("raw", ["/%09/evil.example/", "/%09%09/evil.example/", "%0a", "/review%0d%0aX: y"])
def test_the_switcher_refuses_encoded_control_characters(client, raw):
    response = client.get(f"/language/fr?next={raw}")
    assert response.status_code == 302 and response.location == "/"


def test_the_switcher_on_a_missing_page_leads_back_safely(client):
    """The switcher of a 404 page carries the whole path: it must not become a way off the site."""
    page = client.get("/%09/evil.example/").get_data(as_text=True)
    link = re.search(r'href="(/language/fr\?next=[^"]+)"', page).group(1)
    assert client.get(html.unescape(link)).location == "/"


def test_the_browser_language_decides_by_default(client):
    assert '<html lang="fr">' in client.get("/sandbox", headers={"Accept-Language": "fr-CA"}).get_data(as_text=True)
    assert '<html lang="en">' in client.get("/sandbox", headers={"Accept-Language": "de, en;q=0.5"}).get_data(as_text=True)


def test_french_typography_puts_a_no_break_space_before_double_punctuation(french):
    """French sets a no-break space (U+00A0) before : ; ! and ?, never an ordinary one nor none, so that the
    sign never starts a line ("Clé : …" split as "Clé" / ": …")."""
    wrong = []
    for m in french.values():
        for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
            if re.search(r"[ \w»)][:;!?](\s|$)", text or ""):
                wrong.append(text)
    assert wrong == [], f"French without a no-break space before : ; ! ?: {wrong}"
