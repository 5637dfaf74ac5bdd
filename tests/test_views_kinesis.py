"""wizard/views.py, the Kinesis side: Test connection before anything is created, reuse of an existing
connection, the duplicate-key warning, Flow Service's test on the done page. Against moto's Kinesis."""
from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from tests.helpers import ACCESS_KEY_ID, KINESIS, SECRET_KEY, credentials
from wizard.steps import KEY

CREATE = "POST /data/foundation/flowservice/connections"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def key_fields(creds) -> dict:
    return {"access_key_id": creds.access_key_id, "secret_key": creds.secret_key, "region": creds.region}


def result_box(page: str) -> str:
    match = re.search(r'<div class="notice[^"]*" role="status" id="key-check">(.*?)</div>', page, re.S)
    assert match, "no test result on the page"
    return " ".join(match.group(1).split())


@pytest.fixture
def tested(walker, kinesis_auth):
    """Fill the Kinesis step with a user's key and press Test connection; the page's text."""
    walker.sandbox()

    def run(user=None, creds=None, **changes):
        creds = creds or kinesis_auth.users[user]
        response = walker.post("/kinesis", {**KINESIS, **key_fields(creds), "action": "test", **changes})
        assert response.status_code == 200
        return text(response)
    return run


def test_a_working_key_says_so_and_lists_the_streams(tested, kinesis_auth, emulator):
    page = tested("reader")
    box = result_box(page)
    assert "The key works" in box and "web-clickstream" in box and "order-updates" in box
    assert 'value="Clickstream account"' in page                     # still on the step, nothing lost
    assert kinesis_auth.users["reader"].secret_key not in page
    assert emulator.calls(CREATE) == 0


@pytest.mark.parametrize("user, creds, expected", [
    (None, credentials(), "AWS does not know this access key ID"),
    ("reader", "wrong-secret", "the secret access key does not match it"),
    ("nobody", None, "may not call kinesis:ListStreams"),
    ("lister", None, "may not call kinesis:DescribeStream"),
    ("describer", None, "may not call kinesis:GetShardIterator"),
    ("no-records", None, "may not call kinesis:GetRecords"),
])
def test_each_failure_in_plain_words(tested, kinesis_auth, user, creds, expected):
    if creds == "wrong-secret":
        creds = replace(kinesis_auth.users["reader"], secret_key=SECRET_KEY)
    box = result_box(tested(user, creds))
    assert expected in box and "You can still go on" in box


def test_a_region_without_streams(tested, kinesis_auth):
    box = result_box(tested(creds=replace(kinesis_auth.users["reader"], region="us-west-1")))
    assert "there is no Kinesis stream in US West (N. California) (us-west-1)" in box


def test_an_unreachable_kinesis(walker, app, kinesis_auth):
    app.extensions["platform"].settings = replace(app.extensions["platform"].settings,
                                                  kinesis_endpoint_url="http://127.0.0.1:9")
    walker.sandbox()
    page = text(walker.post("/kinesis", {**KINESIS, "action": "test"}))
    assert "Amazon Kinesis could not be reached" in result_box(page)


def test_test_connection_validates_the_form_first(walker, kinesis_auth):
    walker.sandbox()
    response = walker.post("/kinesis", {**KINESIS, "access_key_id": "ASIAIOSFODNN7EXAMPLE", "action": "test"})
    assert response.status_code == 422 and 'id="key-check"' not in text(response)


def test_a_failed_test_never_blocks_the_create(walker, client, app, kinesis_auth):
    walker.through_review()                                          # the fake key: unknown to Kinesis
    page = text(walker.post("/review", {"action": "test"}))
    assert "AWS does not know this access key ID" in result_box(page)
    assert walker.post("/review", {"action": "create"}).location.endswith("/done")
    assert len(list(app.extensions["platform"].connections.list_kinesis_connections("prod"))) == 1


def test_review_test_with_the_stored_secret(walker, kinesis_auth):
    walker.through_review(**key_fields(kinesis_auth.users["reader"]))
    page = text(walker.post("/review", {"action": "test"}))
    assert "The key works" in result_box(page) and kinesis_auth.users["reader"].secret_key not in page


# Reuse what exists

@pytest.fixture
def existing(app):
    """A Kinesis connection already in the prod sandbox."""
    flow = app.extensions["platform"].connections
    made = flow.create_kinesis_connection("prod", "Team clickstream", "", credentials())
    return flow.get_connection("prod", made.id)


def test_the_kinesis_step_lists_the_sandboxs_connections(walker, client, existing):
    walker.sandbox()
    page = text(client.get("/kinesis"))
    row = re.search(r'<li class="existing-card">\s*<span class="existing-name">Team clickstream</span>(.*?)</li>',
                    page, re.S).group(1)
    assert f"…{ACCESS_KEY_ID[-4:]}" in row and "Europe (Ireland) (eu-west-1)" in row
    assert "Use this connection" in row and ACCESS_KEY_ID not in page
    # every card's button is in one form, and names its connection: the cards carry no token each
    button = re.search(r'<button type="submit" name="connection_id" value="([^"]+)"', row)
    assert button and button.group(1) == existing.id
    form = re.search(r'<form method="post" action="/kinesis/reuse" id="reuse-form">(.*?)</form>', page, re.S)
    assert form and row in form.group(1) and form.group(1).count('name="csrf_token"') == 1
    walker.sandbox("dev")
    assert "Team clickstream" not in text(client.get("/kinesis"))


def test_choosing_an_existing_connection_skips_to_its_data(walker, client, app, existing, emulator):
    walker.sandbox()
    response = walker.post("/kinesis/reuse", {"connection_id": existing.id}, token_from="/kinesis")
    assert response.location == f"/connections/prod/{existing.id}"
    assert "Team clickstream" in text(client.get(response.location))
    assert "You are using the existing connection" in text(client.get("/done"))
    assert client.get("/review").location.endswith("/done")
    assert emulator.calls(CREATE) == 1                               # the fixture's, nothing more
    with client.session_transaction() as session:
        result = session[KEY]["result"]
        assert (result["id"], result["sandbox"], result["name"], result["reused"]) == (
            existing.id, "prod", "Team clickstream", True)


def test_only_the_sandboxs_own_connections_can_be_chosen(walker, client, existing):
    walker.sandbox("dev")
    response = walker.post("/kinesis/reuse", {"connection_id": existing.id}, token_from="/kinesis")
    assert response.location.endswith("/kinesis")
    assert "not one of this sandbox's Kinesis connections" in text(client.get("/kinesis"))
    with client.session_transaction() as session:
        assert "result" not in session[KEY]


def test_review_warns_of_a_connection_with_the_same_key(walker, client, existing):
    walker.through_review()
    page = text(client.get("/review"))
    warning = re.search(r'<div class="notice notice-warning" role="alert" id="duplicate">(.*?)</div>', page, re.S)
    assert warning and "Team clickstream" in warning.group(1) and "Use the existing connection" in warning.group(1)


def test_no_warning_for_another_key(walker, client, existing):
    walker.through_review(access_key_id="AKIAZZZZZZZZZZZZZZZZ")
    assert 'id="duplicate"' not in client.get("/review").get_data(as_text=True)


def test_the_warning_names_the_region_it_matched(walker, client, existing):
    walker.through_review()
    warning = re.search(r'id="duplicate">(.*?)</div>', text(client.get("/review")), re.S).group(1)
    assert "in eu-west-1" in warning


def test_no_warning_for_the_same_key_in_another_region(walker, client, existing):
    """A connection is tied to a region: the same key for another region is another connection."""
    walker.through_review(region="us-east-1")
    page = client.get("/review").get_data(as_text=True)
    assert "us-east-1" in page and "Review and create" in page and 'id="duplicate"' not in page


def test_a_new_connection_shows_up_for_the_next_wizard(walker, client):
    walker.done()
    walker.post("/start-over", token_from="/done")
    walker.sandbox()
    assert "Clickstream account" in text(client.get("/kinesis")).split("Or connect another account")[0]


def test_done_shows_flow_services_test(walker, client):
    walker.done()
    assert "Adobe can use these credentials" in text(client.get("/done"))


def test_listing_failures_do_not_stop_the_step(walker, client, emulator):
    walker.sandbox()
    emulator.fault(kind="status", status=503, method="GET", path="/connections$")
    response = client.get("/kinesis")
    assert response.status_code == 200 and "not answering right now" in text(response)
    assert 'name="access_key_id"' in text(response)


def test_a_crowded_sandbox_shows_the_newest_ten(walker, client, app):
    flow = app.extensions["platform"].connections
    for n in range(12):
        flow.create_kinesis_connection("prod", f"Account {n:02}", "", credentials())
    walker.sandbox()
    page = text(client.get("/kinesis"))
    assert "Account 11" in page and "Account 02" in page and "Account 01" not in page
    assert "and 2 more in this sandbox" in page
