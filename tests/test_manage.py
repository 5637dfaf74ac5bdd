"""manage/: the connections list, one connection, a new key, rename, delete; over real HTTP against the
emulator, each change checked on the server against the person's rights and audited."""
from __future__ import annotations

import json
import logging
import re

import pytest

from connector import KinesisCredentials
from tests.helpers import ACCESS_KEY_ID, CSRF, SECRET_KEY, credentials
from tests.kinesis_stage import EVERY_ACTION
from tests.test_auth import adobe_app, as_person, make_app, portal_config  # noqa: F401  (adobe_app: a fixture)

NEW = {"access_key_id": "AKIAI44QH8DHBEXAMPLE", "secret_key": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
       "region": "us-east-1"}
LIST = "GET /data/foundation/flowservice/connections"
PATCH = "PATCH /data/foundation/flowservice/connections/<connection_id>"
ETAG = re.compile(r'name="etag" type="hidden" value="([^"]+)"')


def make(platform, name="Clickstream", sandbox="prod", key=None):
    return platform.connections.create_kinesis_connection(sandbox, name, "", key or credentials())


def form(client, path):
    """A manage form's CSRF token and etag, as the browser gets them."""
    page = client.get(path).get_data(as_text=True)
    etag = ETAG.search(page)
    return CSRF.search(page).group(1), etag.group(1).replace("&#34;", '"') if etag else None


def post(client, path, **fields):
    token, etag = form(client, path)
    return client.post(path, data={"csrf_token": token, **({"etag": etag} if etag else {}), **fields})


def audit_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "audit"]


# The list ---------------------------------------------------------------------------------------

def test_the_list_shows_the_sandboxes_connections_with_the_key_last_four_only(client, platform):
    made = make(platform)
    make(platform, "In dev", sandbox="dev")
    page = client.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    assert "Clickstream" in page and f"/manage/connections/prod/{made.id}" in page and "…MPLE" in page
    assert ACCESS_KEY_ID not in page and "In dev" not in page and "eu-west-1" in page and "never here" in page


def test_the_list_follows_continuation_tokens_one_listing_call_a_page(client, platform, emulator):
    for number in range(23):
        make(platform, f"conn-{number:02d}")
    client.get("/manage/connections?sandbox=prod")               # the sandbox list, cached from now on
    before = emulator.calls(LIST)
    first = client.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    assert emulator.calls(LIST) - before == 1
    assert "conn-22" in first and "conn-03" in first and "conn-02" not in first
    next_page = re.search(r'href="([^"]+page=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_page).get_data(as_text=True)
    assert emulator.calls(LIST) - before == 2
    assert "conn-02" in second and "conn-00" in second and "conn-22" not in second and 'rel="next"' not in second


def test_a_token_that_is_not_one_goes_back_to_the_first_page(client, platform):
    answer = client.get("/manage/connections?sandbox=prod&page=%3Cscript%3E")
    assert answer.status_code == 302 and "page=" not in answer.location


def test_search_by_part_of_the_name_or_of_the_key(client, platform):
    make(platform, "Web clickstream")
    make(platform, "Orders", key=credentials("AKIAZZZZZZZZZZZZ1234"))
    by_name = client.get("/manage/connections?sandbox=prod&q=CLICK").get_data(as_text=True)
    assert "Web clickstream" in by_name and "Orders" not in by_name
    by_key = client.get("/manage/connections?sandbox=prod&q=1234").get_data(as_text=True)
    assert "Orders" in by_key and "Web clickstream" not in by_key
    nothing = client.get("/manage/connections?sandbox=prod&q=nothing-like-it").get_data(as_text=True)
    assert "No connection in this sandbox matches this search." in nothing


def test_a_search_with_control_characters_is_explained_next_to_the_field(client, platform):
    page = client.get("/manage/connections?sandbox=prod&q=a%00b").get_data(as_text=True)
    assert 'id="q-error"' in page and "control characters" in page


def test_the_list_says_what_adobe_said_when_it_cannot_list(client, platform, emulator):
    client.get("/manage/connections?sandbox=prod")
    emulator.fault(kind="status", path="/flowservice/connections$", method="GET", status=503, times=10)
    answer = client.get("/manage/connections?sandbox=prod")
    assert answer.status_code == 503 and "not answering right now" in answer.get_data(as_text=True)


# One connection, Test now ------------------------------------------------------------------------

def test_the_connection_page_links_to_its_streams_and_its_changes(client, platform):
    made = make(platform)
    page = client.get(f"/manage/connections/prod/{made.id}").get_data(as_text=True)
    for link in (f"/connections/prod/{made.id}", f"/manage/connections/prod/{made.id}/rotate",
                 f"/manage/connections/prod/{made.id}/rename", f"/manage/connections/prod/{made.id}/delete"):
        assert f'href="{link}"' in page
    assert "Not tested here yet." in page
    explore = client.get(f"/connections/prod/{made.id}").get_data(as_text=True)
    assert f'href="/manage/connections/prod/{made.id}"' in explore       # and back, from the exploration page
    assert 'href="/manage/connections"' in client.get("/sandbox").get_data(as_text=True)   # on every page


def test_test_now_asks_flow_service_and_remembers_when(client, platform, kinesis_auth):
    key = kinesis_auth.new_user("manage-test", EVERY_ACTION)
    made = make(platform, key=key)
    path = f"/manage/connections/prod/{made.id}"
    answer = client.post(path + "/test", data={"csrf_token": form(client, path)[0]})
    assert answer.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Test passed" in page and re.search(r'id="last-tested">[^<]*passed', page)
    kinesis_auth.deactivate("manage-test")
    client.post(path + "/test", data={"csrf_token": form(client, path)[0]})
    page = client.get(path).get_data(as_text=True)
    assert "Test failed" in page and "Give the connection a new key" in page
    listing = client.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    assert ": failed" in listing


def test_test_now_needs_its_form_token(client, platform):
    made = make(platform)
    assert client.post(f"/manage/connections/prod/{made.id}/test").status_code == 400


@pytest.mark.parametrize("path", ["", "/rotate", "/rename", "/delete"])
def test_what_is_not_a_kinesis_source_of_that_sandbox_is_not_found(client, platform, emulator, path):
    made = make(platform, sandbox="dev")
    destination = emulator.add_destination(sandbox="prod")
    for url in (f"/manage/connections/prod/{made.id}", f"/manage/connections/prod/{destination}",
                "/manage/connections/prod/6f0e1f5e-0000-4000-8000-000000000000",
                f"/manage/connections/no%20such/{made.id}"):
        assert client.get(url + path).status_code == 404, url + path


# Rights: checked on the server for every connection reached by URL ---------------------------------

MANAGE_POLICY = """
[[grant]]
users = ["ana@example.com"]
sandboxes = ["dev"]
actions = ["create", "explore", "manage"]

[[grant]]
users = ["vic@example.com"]
sandboxes = ["prod", "dev"]
actions = ["create", "explore"]
"""


@pytest.fixture
def portal(settings, tmp_path):
    return make_app(settings, tmp_path, **portal_config(tmp_path, MANAGE_POLICY))


def test_portal_people_manage_only_where_the_policy_says(portal, platform, emulator):
    in_dev, in_prod = make(platform, "Dev one", sandbox="dev"), make(platform, "Prod one")
    ana = as_person(portal.test_client(), "ana@example.com")
    listing = ana.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    assert "Dev one" in listing and "Prod one" not in listing          # prod is not hers: dev is shown
    assert ana.get(f"/manage/connections/dev/{in_dev.id}").status_code == 200
    assert f"/manage/connections/dev/{in_dev.id}" in ana.get(f"/connections/dev/{in_dev.id}").get_data(as_text=True)
    for path in ("", "/rotate", "/rename", "/delete"):
        assert ana.get(f"/manage/connections/prod/{in_prod.id}{path}").status_code == 404
    token = form(ana, f"/manage/connections/dev/{in_dev.id}/delete")[0]
    refused = ana.post(f"/manage/connections/prod/{in_prod.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 404 and platform.connections.get_connection("prod", in_prod.id)
    vic = as_person(portal.test_client(), "vic@example.com")
    assert vic.get("/manage/connections").status_code == 403
    assert vic.get(f"/manage/connections/dev/{in_dev.id}").status_code == 404
    assert "/manage/connections/dev/" not in vic.get(f"/connections/dev/{in_dev.id}").get_data(as_text=True)
    vic_token = CSRF.search(vic.get("/sandbox").get_data(as_text=True)).group(1)   # a form token of his own
    assert vic.post(f"/manage/connections/dev/{in_dev.id}/test", data={"csrf_token": vic_token}).status_code == 404
    assert emulator.calls(PATCH) == 0


# A new key ----------------------------------------------------------------------------------------

def test_a_new_key_is_tested_saved_audited_and_the_old_one_named(client, platform, kinesis_auth, caplog):
    old = kinesis_auth.new_user("rotate-web-old", EVERY_ACTION)
    new = kinesis_auth.new_user("rotate-web-new", EVERY_ACTION)
    made = make(platform, key=old)
    caplog.set_level(logging.INFO, logger="audit")
    path = f"/manage/connections/prod/{made.id}/rotate"
    answer = post(client, path, access_key_id=new.access_key_id, secret_key=new.secret_key, region=new.region)
    assert answer.status_code == 302
    page = client.get(answer.location).get_data(as_text=True)
    assert f"ending in {new.key_hint}" in page and f"old key, ending in {old.key_hint}" in page
    assert platform.connections.get_connection("prod", made.id).access_key_id == new.access_key_id
    [line] = [line for line in audit_lines(caplog) if line["event"] == "connection.key_rotated"]
    assert line["access_key_id_last4"] == new.key_hint and line["old_access_key_id_last4"] == old.key_hint
    assert new.secret_key not in caplog.text and new.secret_key not in page


def test_a_new_key_kinesis_refuses_changes_nothing_and_says_why(client, platform, kinesis_auth, emulator):
    made = make(platform)
    broken = kinesis_auth.new_user("rotate-web-broken", EVERY_ACTION)
    kinesis_auth.deactivate("rotate-web-broken")
    answer = post(client, f"/manage/connections/prod/{made.id}/rotate", access_key_id=broken.access_key_id,
                  secret_key=broken.secret_key, region=broken.region)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Nothing was changed" in page and "AWS does not know this access key" in page
    assert emulator.calls(PATCH) == 0 and broken.secret_key not in page
    assert f'value="{broken.access_key_id}"' in page                    # what was typed is kept, the secret not


def test_a_malformed_new_key_is_explained_next_to_its_field(client, platform, emulator):
    made = make(platform)
    answer = post(client, f"/manage/connections/prod/{made.id}/rotate", access_key_id="ASIAIOSFODNN7EXAMPLE",
                  secret_key="short", region="nowhere-1")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "temporary access key" in page and 'id="secret_key-error"' in page
    assert 'value="ASIAIOSFODNN7EXAMPLE"' in page and 'value="short"' not in page and emulator.calls(PATCH) == 0


def test_a_stale_etag_is_explained_with_the_connection_as_it_is_now(client, platform, emulator):
    made = make(platform)
    path = f"/manage/connections/prod/{made.id}/rotate"
    token, etag = form(client, path)                                   # the form, as one person opened it
    platform.connections.rename("prod", made.id, made.etag, "Renamed meanwhile", "")
    answer = client.post(path, data={"csrf_token": token, "etag": etag, **NEW})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "Someone else changed this connection" in page
    assert "Renamed meanwhile" in page and emulator.calls(PATCH) == 1  # the rename only: nothing resent
    assert platform.connections.get_connection("prod", made.id).access_key_id == ACCESS_KEY_ID
    now = platform.connections.get_connection("prod", made.id).etag
    assert ETAG.search(page).group(1).replace("&#34;", '"') == now   # sending again goes against the new etag
    assert NEW["secret_key"] not in page and f'value="{NEW["access_key_id"]}"' in page


def test_a_race_lost_between_the_read_and_the_patch_is_explained_too(client, platform, emulator):
    made = make(platform)
    path = f"/manage/connections/prod/{made.id}/rotate"
    token, etag = form(client, path)
    # The other change lands after this request read the connection: the emulator answers 1404-412.
    emulator.fault(kind="status", path=f"/connections/{made.id}$", method="PATCH", status=412,
                   code="1404-412", times=1)
    answer = client.post(path, data={"csrf_token": token, "etag": etag, **NEW})
    assert answer.status_code == 409 and "Someone else changed this connection" in answer.get_data(as_text=True)


# Rename, delete ----------------------------------------------------------------------------------

def test_rename_and_describe_audited(client, platform, caplog):
    made = make(platform)
    caplog.set_level(logging.INFO, logger="audit")
    answer = post(client, f"/manage/connections/prod/{made.id}/rename", name="Orders", description="The shop")
    assert answer.status_code == 302
    now = platform.connections.get_connection("prod", made.id)
    assert (now.name, now.description) == ("Orders", "The shop")
    [line] = [line for line in audit_lines(caplog) if line["event"] == "connection.renamed"]
    assert line["old_name"] == "Clickstream" and line["name"] == "Orders"


def test_rename_refuses_hidden_characters_next_to_the_field(client, platform, emulator):
    made = make(platform)
    answer = post(client, f"/manage/connections/prod/{made.id}/rename", name="Ord\u202eers", description="")
    assert answer.status_code == 422 and 'id="name-error"' in answer.get_data(as_text=True)
    assert emulator.calls(PATCH) == 0


def test_rename_after_someone_else_changed_it(client, platform):
    made = make(platform)
    path = f"/manage/connections/prod/{made.id}/rename"
    token, etag = form(client, path)
    platform.connections.rename("prod", made.id, made.etag, "Theirs", "")
    answer = client.post(path, data={"csrf_token": token, "etag": etag, "name": "Mine", "description": ""})
    assert answer.status_code == 409 and "Theirs" in answer.get_data(as_text=True)
    assert platform.connections.get_connection("prod", made.id).name == "Theirs"


def test_delete_confirms_then_deletes_and_audits(client, platform, caplog):
    made = make(platform)
    path = f"/manage/connections/prod/{made.id}/delete"
    page = client.get(path).get_data(as_text=True)
    assert "Delete Clickstream?" in page and "exploring its streams and previews stops" in page
    caplog.set_level(logging.INFO, logger="audit")
    answer = post(client, path)
    assert answer.status_code == 302 and "deleted" in client.get(answer.location).get_data(as_text=True)
    assert client.get(f"/manage/connections/prod/{made.id}").status_code == 404
    assert [line["event"] for line in audit_lines(caplog)] == ["connection.deleted"]


def test_delete_is_refused_while_dataflows_use_it(client, platform, emulator):
    made = make(platform)
    emulator.mark_in_use(made.id)
    answer = post(client, f"/manage/connections/prod/{made.id}/delete")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "cannot be deleted while dataflows use it" in page
    assert platform.connections.get_connection("prod", made.id).id == made.id


def test_the_manage_pages_in_french(client, platform):
    made = make(platform)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    assert "Connexions Kinesis" in client.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    page = client.get(f"/manage/connections/prod/{made.id}/rotate").get_data(as_text=True)
    assert "Nouvel ID de clé d&#39;accès" in page or "Nouvel ID de clé d'accès" in page


def test_a_deleted_connection_leaves_the_wizards_cached_listing(client, platform, walker):
    made = make(platform)
    walker.sandbox("prod")
    assert "Use this connection" in client.get("/kinesis").get_data(as_text=True)
    post(client, f"/manage/connections/prod/{made.id}/delete")
    assert "Use this connection" not in client.get("/kinesis").get_data(as_text=True)


def test_the_dataflows_that_use_a_connection_are_named_and_its_delete_refused(client, platform, emulator):
    from tests.test_emulator_flows import Api, a_flow
    made = make(platform)
    a_flow(Api(platform, emulator.url), made.id)
    listing = client.get("/manage/connections?sandbox=prod").get_data(as_text=True)
    link = re.search(r'<a href="/dataflows/prod/([0-9a-f-]{36})">flow</a></td>\s*</tr>', listing)
    assert link, "the list links each dataflow to its page"
    flow_link = f'<a href="/dataflows/prod/{link.group(1)}">flow</a>'
    assert flow_link in client.get(f"/manage/connections/prod/{made.id}").get_data(as_text=True)
    path = f"/manage/connections/prod/{made.id}/delete"
    page = client.get(path).get_data(as_text=True)
    assert 'id="delete-refused"' in page and "Delete the connection" not in page and f"<li>{flow_link} <code>" in page
    # The heading says it cannot be deleted (not "Delete …?"), and a button leads back to the connection.
    assert "cannot be deleted</h1>" in page and "?</h1>" not in page
    assert re.search(rf'<a class="button secondary" id="back-to-connection" href="/manage/connections/prod/{made.id}">', page)
    token = CSRF.search(client.get(f"/manage/connections/prod/{made.id}").get_data(as_text=True)).group(1)
    refused = client.post(path, data={"csrf_token": token})            # sent anyway: Adobe refuses, we say why
    assert refused.status_code == 409 and f"<li>{flow_link} <code>" in refused.get_data(as_text=True)
    assert "cannot be deleted</h1>" in refused.get_data(as_text=True)
    assert platform.connections.get_connection("prod", made.id).id == made.id


@pytest.mark.parametrize("path, fields", [("/rotate", NEW), ("/rename", {"name": "Mine", "description": ""})])
def test_a_change_without_its_etag_is_refused_and_not_sent(client, platform, emulator, path, fields):
    made = make(platform)
    url = f"/manage/connections/prod/{made.id}{path}"
    token, _etag = form(client, url)
    answer = client.post(url, data={"csrf_token": token, **fields})        # no etag: not "the current one"
    assert answer.status_code == 422 and emulator.calls(PATCH) == 0
    assert "Reload the page, then send it again." in answer.get_data(as_text=True)


def test_with_adobe_sign_in_adobe_decides_who_may_change(adobe_app, platform, caplog):
    """Ana Lyst may view sources but not manage them: she sees the connection, her change is refused by
    Adobe (2118-403) and explained; Dev Eloper's goes through, audited with his name."""
    import requests as http

    from tests.test_auth import post as post_form, sign_in
    made = make(platform, sandbox="dev")
    base, path = adobe_app.config["BASE"], f"/manage/connections/dev/{made.id}/rename"
    ana = http.Session()
    sign_in(ana, base, "analyst@example.com", path)
    refused = post_form(ana, base, path, {"etag": made.etag, "name": "Ana's", "description": ""})
    assert refused.status_code == 403 and "Manage Sources" in refused.text
    caplog.set_level(logging.INFO, logger="audit")
    dev = http.Session()
    sign_in(dev, base, "developer@example.com", path)
    assert post_form(dev, base, path, {"etag": made.etag, "name": "Dev's", "description": ""}).status_code == 200
    assert platform.connections.get_connection("dev", made.id).name == "Dev's"
    assert audit_lines(caplog)[0]["user"] == "developer@example.com"


# A change whose answer is lost: read again, done when it shows, said plainly when it does not -------

@pytest.mark.parametrize("fault", [{"kind": "drop"}, {"kind": "status", "status": 500}])
def test_a_new_key_whose_answer_is_lost_but_made_is_done_audited_and_names_the_old_key(
        client, platform, kinesis_auth, emulator, caplog, fault):
    new = kinesis_auth.new_user(f"rotate-lost-{fault['kind']}", EVERY_ACTION)
    made = make(platform)
    caplog.set_level(logging.INFO, logger="audit")
    emulator.fault(**fault, method="PATCH", path="/connections/", act=True, times=1)
    answer = post(client, f"/manage/connections/prod/{made.id}/rotate", access_key_id=new.access_key_id,
                  secret_key=new.secret_key, region=new.region)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get(answer.location).get_data(as_text=True)
    assert f"ending in {new.key_hint}" in page and "old key, ending in MPLE" in page
    [line] = [line for line in audit_lines(caplog) if line["event"] == "connection.key_rotated"]
    assert line["old_access_key_id_last4"] == "MPLE" and emulator.calls(PATCH) == 1


def test_a_rename_whose_answer_is_lost_but_made_is_done(client, platform, emulator, caplog):
    made = make(platform)
    caplog.set_level(logging.INFO, logger="audit")
    emulator.fault(kind="drop", method="PATCH", path="/connections/", act=True, times=1)
    answer = post(client, f"/manage/connections/prod/{made.id}/rename", name="Orders", description="")
    assert answer.status_code == 302 and platform.connections.get_connection("prod", made.id).name == "Orders"
    assert [line["event"] for line in audit_lines(caplog)] == ["connection.renamed"]


def test_a_delete_whose_answer_is_lost_but_made_is_done(client, platform, emulator, caplog):
    made = make(platform)
    caplog.set_level(logging.INFO, logger="audit")
    emulator.fault(kind="drop", method="DELETE", path="/connections/", act=True, times=1)
    answer = post(client, f"/manage/connections/prod/{made.id}/delete")
    assert answer.status_code == 302 and "was deleted" in client.get(answer.location).get_data(as_text=True)
    assert [line["event"] for line in audit_lines(caplog)] == ["connection.deleted"]


@pytest.mark.parametrize("path, fields", [("/rotate", NEW), ("/rename", {"name": "Mine", "description": ""})])
def test_a_change_whose_answer_is_lost_and_not_made_says_so_with_the_connection_as_it_is(
        client, platform, emulator, caplog, path, fields):
    made = make(platform)
    caplog.set_level(logging.INFO, logger="audit")
    emulator.fault(kind="drop", method="PATCH", path="/connections/", act=False, times=1)
    answer = post(client, f"/manage/connections/prod/{made.id}{path}", **fields)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and 'id="change-not-known"' in page and "Clickstream" in page
    assert "Someone else changed" not in page and audit_lines(caplog) == []
    assert NEW["secret_key"] not in page
    again = client.post(f"/manage/connections/prod/{made.id}{path}", data={
        "csrf_token": CSRF.search(page).group(1), "etag": ETAG.search(page).group(1).replace("&#34;", '"'),
        **fields})
    assert again.status_code == 302        # sent again by the person, against the version shown: made


# Messages ------------------------------------------------------------------------------------------

def test_too_many_changes_are_worded_as_changes_and_too_many_tests_as_tests(settings, tmp_path, platform):
    import html
    app = make_app(settings, tmp_path, TESTING=True, **{"AUTH_MODE": "none", "ALLOW_ANONYMOUS": True},
                   CREATE_RATE_LIMIT="1 per minute", TEST_RATE_LIMIT="1 per minute")
    client = app.test_client()
    made, spare = make(platform), make(platform, "Spare")
    base = f"/manage/connections/prod/{made.id}"
    for path, fields, words in (("/rename", {"name": "Two", "description": ""}, "Renames were sent too often"),
                                ("/rotate", NEW, "New keys were sent too often"),
                                ("/delete", {}, "Deletes were sent too often")):
        post(client, f"/manage/connections/prod/{spare.id}{path}", **fields)          # the one allowed
        refused = post(client, base + path, **fields)
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 429 and words in page and "tested" not in page
    token = form(client, base)[0]
    client.post(base + "/test", data={"csrf_token": token})
    refused = client.post(base + "/test", data={"csrf_token": token})
    assert refused.status_code == 429 and "tested too often" in refused.get_data(as_text=True)


def test_a_name_of_spaces_only_is_refused_next_to_the_field(client, platform, emulator):
    made = make(platform)
    answer = post(client, f"/manage/connections/prod/{made.id}/rename", name="   ", description="Kept")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="name-error"' in page and "Enter a name for the connection." in page
    assert "Kept</textarea>" in page and emulator.calls(PATCH) == 0


def test_a_forged_page_token_says_the_link_is_no_longer_valid_and_offers_the_first_page(client, platform):
    make(platform)
    answer = client.get("/manage/connections?sandbox=prod&page=eyJ4IjoxfQ")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "This page link is no longer valid" in page
    assert 'href="/manage/connections?sandbox=prod">First page' in page


def test_the_page_size_is_the_apps_whatever_the_token_says(client, platform):
    import base64
    for number in range(23):
        make(platform, f"conn-{number:02d}")
    forged = base64.urlsafe_b64encode(json.dumps({"property": [], "orderby": "", "limit": 1000, "offset": 0})
                                      .encode()).decode().rstrip("=")
    page = client.get(f"/manage/connections?sandbox=prod&page={forged}").get_data(as_text=True)
    assert len(re.findall(r'href="/manage/connections/prod/[0-9a-f-]{36}"', page)) == 20


def test_search_by_the_keys_last_four_never_by_the_rest_of_it(client, platform):
    make(platform, "Orders", key=credentials("AKIAZZZZZZZZZZZZ1234"))
    assert "Orders" in client.get("/manage/connections?sandbox=prod&q=1234").get_data(as_text=True)
    for probe in ("AKIAZZZZZZZZZZZZ1234", "AKIAZ", "ZZZZ1234", "Z123"):
        page = client.get(f"/manage/connections?sandbox=prod&q={probe}").get_data(as_text=True)
        assert "No connection in this sandbox matches this search." in page, probe


def test_test_now_costs_two_calls_as_the_readme_says(client, platform, emulator):
    made = make(platform)
    path = f"/manage/connections/prod/{made.id}"
    token = form(client, path)[0]
    before = emulator.calls()
    client.post(path + "/test", data={"csrf_token": token})
    after = emulator.calls()
    spent = {key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)}
    assert spent == {"GET /data/foundation/flowservice/connections/<connection_id>": 1,
                     "GET /data/foundation/flowservice/connections/<connection_id>/test": 1}
