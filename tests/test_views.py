"""wizard/views.py: every step, its messages, navigation, CSRF, double submits, Adobe's errors."""
from __future__ import annotations

import html
import re

import pytest

from tests.helpers import ACCESS_KEY_ID, KINESIS, SECRET_KEY
from tests.slow import wait_for_calls
from wizard.steps import KEY, Wizard

CREATE = "POST /data/foundation/flowservice/connections"
PENDING = "/review/pending"
SENT_AT = re.compile(r'name="sent_at" value="(\d+)"')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def kinesis_connections(app, sandbox="prod"):
    return list(app.extensions["platform"].connections.list_kinesis_connections(sandbox))


# Step 1: sandbox

def test_sandbox_step_lists_active_sandboxes_by_title_with_name_and_type(client):
    page = text(client.get("/sandbox"))
    assert "<legend class=\"label\">Sandbox</legend>" in page
    for title, name in (("Production", "prod"), ("Development", "dev"), ("Marketing QA", "marketing-qa")):
        assert title in page and f"<code>{name}</code>" in page
    assert "production" in page and "development" in page
    assert "EU pilot" not in page and "eu-pilot" not in page


def test_the_default_sandbox_is_preselected(client):
    page = client.get("/sandbox").get_data(as_text=True)
    checked = re.findall(r'<input[^>]*checked[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*checked', page)
    assert [a or b for a, b in checked] == ["prod"]


@pytest.mark.parametrize("choice, message", [
    ({}, "Choose the sandbox for the connection."),
    ({"sandbox": "eu-pilot"}, "Choose one of the sandboxes listed."),
    ({"sandbox": "somebody-elses"}, "Choose one of the sandboxes listed."),
])
def test_sandbox_step_messages(walker, choice, message):
    response = walker.post("/sandbox", choice)
    assert response.status_code == 422 and message in text(response)


def test_sandbox_list_failure_says_try_again(client, emulator):
    emulator.fault(kind="status", status=503, path="sandbox-management")
    response = client.get("/sandbox")
    assert response.status_code == 503
    assert "Try again" in text(response) and "Traceback" not in text(response)


def test_a_large_organization_gets_every_sandbox(client, emulator):
    emulator.add_sandboxes([{"name": f"team-{n:03}", "title": f"Team {n:03}"} for n in range(70)])
    page = text(client.get("/sandbox"))
    assert "Team 000" in page and "Team 069" in page


# Step 2: Kinesis account

def test_kinesis_step_has_the_exact_labels_and_a_region_select(walker, client):
    walker.sandbox()
    page = text(client.get("/kinesis"))
    for label, name in (("Connection name", "name"), ("Description", "description"),
                        ("Access key ID", "access_key_id"), ("Secret access key", "secret_key"),
                        ("Region", "region")):
        assert f'<label class="label" for="{name}">{label}</label>' in page
    assert '<select' in page and '<option value="eu-west-3">Europe (Paris) (eu-west-3)</option>' in page
    assert 'type="password"' in page and "temporary keys" in page.lower()


@pytest.mark.parametrize("changes, field, message", [
    ({"name": ""}, "name", "Enter a name for the connection."),
    ({"name": "x" * 257}, "name", "Keep the name under 256 characters."),
    ({"description": "d" * 1001}, "description", "Keep the description under 1000 characters."),
    ({"access_key_id": ""}, "access_key_id", "Enter the access key ID."),
    ({"access_key_id": "ASIAIOSFODNN7EXAMPLE"}, "access_key_id", "temporary access key"),
    ({"access_key_id": "AKIA123"}, "access_key_id", "20 capital letters and digits"),
    ({"access_key_id": "AIDAIOSFODNN7EXAMPLE"}, "access_key_id", "starts with AKIA"),
    ({"secret_key": ""}, "secret_key", "Enter the secret access key."),
    ({"secret_key": "tooshort"}, "secret_key", "40 characters"),
    ({"region": ""}, "region", "Choose the region of your Kinesis streams."),
    ({"region": "cn-north-1"}, "region", "Choose a region where Amazon Kinesis is available."),
])
def test_kinesis_step_messages_stand_next_to_their_field(walker, changes, field, message):
    walker.sandbox()
    response = walker.kinesis(**changes)
    page = text(response)
    assert response.status_code == 422
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', page)
    assert error and message in error.group(1)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', page)


def test_everything_typed_is_kept_on_error_except_the_secret(walker):
    walker.sandbox()
    response = walker.kinesis(access_key_id="ASIAIOSFODNN7EXAMPLE", region="us-east-2")
    page = response.get_data(as_text=True)
    assert 'value="Clickstream account"' in page and "Web events" in page
    assert 'value="ASIAIOSFODNN7EXAMPLE"' in page
    assert re.search(r'<option selected value="us-east-2">|<option value="us-east-2" selected>', page)
    assert SECRET_KEY not in page


def test_a_valid_secret_is_kept_on_the_server_when_other_fields_fail(walker, client):
    walker.sandbox()
    page = text(walker.kinesis(name=""))
    assert "A secret access key is saved for this wizard" in page and SECRET_KEY not in page
    response = walker.kinesis(secret_key="")
    assert response.location.endswith("/review")


def test_back_saves_a_draft_without_validating(walker, client):
    walker.sandbox("dev")
    response = walker.post("/kinesis", {**KINESIS, "access_key_id": "not a key", "action": "back"})
    assert response.location.endswith("/sandbox")
    assert 'value="dev" checked' in client.get("/sandbox").get_data(as_text=True) or \
        re.search(r'checked[^>]*value="dev"', client.get("/sandbox").get_data(as_text=True))
    page = client.get("/kinesis").get_data(as_text=True)
    assert 'value="not a key"' in page and 'value="Clickstream account"' in page


@pytest.mark.parametrize("changes", [{"name": "n" * 5000}, {"description": "d" * 20000},
                                     {"name": "invoice\u202etxt.exe"}, {"name": "zero\u200bwidth"},
                                     {"description": "bell\x07"}])
def test_a_draft_saved_by_back_is_checked_again_before_anything_is_sent(walker, client, emulator, changes):
    """Back saves without validating; the review binds the stored draft to the step's form again."""
    walker.through_review()
    walker.post("/kinesis", {**KINESIS, **changes, "action": "back"})
    assert client.get("/review").location.endswith("/kinesis")
    created = client.post("/review", data={"csrf_token": walker.token("/kinesis")})
    assert created.location.endswith("/kinesis") and emulator.calls(CREATE) == 0


@pytest.mark.parametrize("field, value", [("name", "invoice\u202etxt.exe"), ("name", "zero\u200bwidth"),
                                          ("name", "tab\there"), ("description", "null\x00byte"),
                                          ("description", "soft\u00adhyphen")])
def test_hidden_characters_are_refused_next_to_their_field(walker, field, value):
    walker.sandbox()
    page = text(walker.kinesis(**{field: value}))
    assert f'id="{field}-error">Remove the invisible or control characters' in page


def test_a_description_keeps_its_line_breaks(walker, client):
    walker.sandbox()
    assert walker.kinesis(description="first line\r\nsecond line").location.endswith("/review")


# Navigation

@pytest.mark.parametrize("path", ["/kinesis", "/review", "/done"])
def test_a_step_before_its_time_sends_to_the_first_incomplete_one(client, path):
    assert client.get(path).location.endswith("/sandbox")
    assert client.post(path, data={}).status_code in (302, 400, 405)


def test_review_before_the_kinesis_step_sends_there(walker, client):
    walker.sandbox()
    assert client.get("/review").location.endswith("/kinesis")
    assert client.get("/").location.endswith("/kinesis")


def test_going_back_and_forth_loses_nothing(walker, client):
    walker.through_review("marketing-qa")
    assert re.search(r'checked[^>]*value="marketing-qa"|value="marketing-qa"[^>]*checked',
                     client.get("/sandbox").get_data(as_text=True))
    page = client.get("/kinesis").get_data(as_text=True)
    assert f'value="{ACCESS_KEY_ID}"' in page and "Web events" in page
    assert walker.sandbox("dev").location.endswith("/kinesis")
    assert walker.kinesis(secret_key="").location.endswith("/review")
    assert "<code>dev</code>" in client.get("/review").get_data(as_text=True)


def test_unknown_pages_are_a_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "There is no such page" in text(response)


# Step 3: review

def test_review_shows_every_value_with_the_secret_masked(walker, client):
    walker.through_review()
    page = text(client.get("/review"))
    for value in ("prod", "Clickstream account", "Web events", ACCESS_KEY_ID, "eu-west-1"):
        assert value in page
    assert SECRET_KEY not in page and SECRET_KEY[:-4] not in page
    assert "••••••••" + SECRET_KEY[-4:] in page
    assert 'href="/sandbox"' in page and 'href="/kinesis"' in page
    assert ">Create connection</button>" in page


# Step 4: create and done

def test_create_shows_the_id_the_sandbox_and_the_way_to_the_data(walker, client, app):
    connection_id = walker.done()
    page = text(client.get("/done"))
    assert [c.id for c in kinesis_connections(app)] == [connection_id]
    assert "<code>prod</code>" in page
    assert f'href="/connections/prod/{connection_id}"' in page


def test_the_created_connection_carries_what_was_entered(walker, app):
    connection_id = walker.done()
    connection = app.extensions["platform"].connections.get_connection("prod", connection_id)
    assert (connection.name, connection.description) == ("Clickstream account", "Web events")
    assert (connection.access_key_id, connection.region) == (ACCESS_KEY_ID, "eu-west-1")


def test_the_secret_is_wiped_from_the_session_after_the_create(walker, client):
    walker.through_review()
    with client.session_transaction() as session:
        assert session[KEY]["secret"] and SECRET_KEY not in repr(dict(session))   # kept, sealed
    walker.create()
    with client.session_transaction() as session:
        assert "secret" not in session[KEY] and SECRET_KEY not in repr(dict(session))


def test_double_submit_refresh_and_back_never_create_twice(walker, client, app, emulator):
    walker.through_review()
    token = walker.token("/review")
    first = client.post("/review", data={"csrf_token": token})
    second = client.post("/review", data={"csrf_token": token})      # the double click, the resubmitted form
    assert first.location.endswith("/done") and second.location.endswith("/done")
    assert client.get("/done").status_code == 200                   # refresh of the result
    assert client.get("/review").location.endswith("/done")         # the back button
    assert client.get("/kinesis").location.endswith("/done")
    assert len(kinesis_connections(app)) == 1 and emulator.calls(CREATE) == 1


def test_start_over_clears_everything(walker, client):
    walker.through_review()
    response = walker.post("/start-over", token_from="/review")
    assert response.location.endswith("/sandbox")
    with client.session_transaction() as session:
        assert session[KEY] == {}
    assert client.get("/kinesis").location.endswith("/sandbox")
    assert "Everything was cleared" in text(client.get("/sandbox"))


def test_after_done_start_over_leads_to_a_second_connection(walker, client, app):
    walker.done()
    walker.post("/start-over", token_from="/done")
    walker.done(name="Second account")
    assert len(kinesis_connections(app)) == 2


# CSRF

@pytest.mark.parametrize("path", ["/sandbox", "/kinesis", "/review", "/start-over"])
def test_posts_without_a_csrf_token_are_refused(walker, client, app, path):
    walker.through_review()
    response = client.post(path, data={"sandbox": "dev", **KINESIS})
    assert response.status_code == 400 and "This form has expired" in text(response)
    assert kinesis_connections(app) == []
    assert client.get("/review").status_code == 200  # nothing lost


# Adobe's errors, on the step where they can be fixed

def test_a_rejected_parameter_returns_to_the_kinesis_step_with_adobes_detail(walker, client, emulator):
    walker.through_review()
    emulator.fault(kind="status", status=400, method="POST", path="/connections$", times=1,
                   detail="auth.params.region: the region is not supported for this organization")
    response = walker.create()
    assert response.location.endswith("/kinesis")
    page = text(client.get("/kinesis"))
    assert "Adobe rejected the connection details" in page
    assert "the region is not supported for this organization" in page
    assert 'value="Clickstream account"' in page


def test_a_missing_permission_is_explained(walker, client, emulator):
    walker.through_review()
    emulator.fault(kind="status", status=403, code="2118-403", method="POST", path="/connections$",
                   detail="The user does not have the Manage Sources permission.")
    response = walker.create()
    assert response.location.endswith("/sandbox")
    page = text(client.get("/sandbox"))
    assert "missing a permission" in page and "Manage Sources" in page


def test_an_entitlement_problem_is_explained(walker, emulator):
    walker.through_review()
    emulator.fault(kind="status", status=403, code="403025", path="/connections$", detail="Profile is not valid")
    response = walker.create()
    assert response.status_code == 403
    assert "Real-Time CDP Ultimate" in text(response) and "not entitled" in text(response)


def test_a_busy_platform_says_try_again_and_keeps_everything(walker, client, emulator, app):
    walker.through_review()
    emulator.fault(method="POST", path="/connections$", kind="status", status=429, retry_after=60)
    response = walker.create()
    assert response.status_code == 503 and "try again" in text(response).lower()
    assert "Clickstream account" in text(response) and kinesis_connections(app) == []
    emulator.clear_faults()
    assert walker.create().location.endswith("/done")     # Adobe said no: sent again at once
    assert len(kinesis_connections(app)) == 1


def test_a_sandbox_gone_meanwhile_returns_to_the_sandbox_step(walker, client, emulator):
    walker.through_review()
    emulator.fault(kind="status", status=404, code="2100-404", path="/connections$",
                   detail="Sandbox 'prod' was not found.")
    assert walker.create().location.endswith("/sandbox")
    assert "does not exist or is not active" in text(client.get("/sandbox"))


def test_an_expired_token_is_renewed_silently(walker, emulator, app):
    walker.through_review()
    emulator.expire_tokens()
    assert walker.create().location.endswith("/done")
    assert emulator.calls("POST /ims/token/v3") == 2


def test_refused_credentials_are_the_administrators_business(client, emulator):
    emulator.config(clients={"somebody-else": "x"})
    response = client.get("/sandbox")
    assert response.status_code == 502 and "AEP_CLIENT_SECRET" in text(response)


def test_a_create_lost_in_transit_is_found_not_repeated(walker, client, emulator, app):
    walker.through_review()
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", act=True, times=1)
    emulator.fault(kind="status", status=503, method="GET", path="/connections$", times=4)
    response = walker.create()     # created, but neither the answer nor the look-up came through
    assert response.location.endswith(PENDING)
    assert walker.create().location.endswith(PENDING)   # pressed again: nothing is sent
    assert client.get(PENDING).location.endswith("/done")   # the page's look finds it
    assert len(kinesis_connections(app)) == 1 and emulator.calls(CREATE) == 1


# A create whose outcome is unknown: followed on its own page, never sent again by itself

def ledger_state(app, client) -> dict | None:
    """The create ledger's record of this wizard's attempt."""
    with app.test_request_context(), client.session_transaction() as session:
        attempt = Wizard(session, app.extensions["secret_box"]).attempt_id()
    return app.extensions["once_ledger"].state(attempt)


def test_a_slow_create_makes_one_connection_and_the_page_follows_it(walker, client, app, emulator):
    """The create answers after 15 s against a 10 s timeout (here 7 s against 2 s): every look the create
    request makes finds nothing yet. It is not sent again: a page keeps looking until the connection is there."""
    walker.through_review()
    emulator.fault(kind="latency", method="POST", path="/connections$", seconds=7, times=1)
    assert walker.create().location.endswith(PENDING)
    page = client.get(PENDING)
    assert page.status_code == 202
    assert page.headers["Refresh"] == "5" and "http-equiv" not in text(page)
    assert "so the create is not sent again" in text(page) and "Create again" not in text(page)
    assert walker.create().location.endswith(PENDING)   # Create connection pressed again: nothing is sent
    assert client.get(PENDING + "?auto=off").status_code == 202
    assert "http-equiv" not in text(client.get(PENDING + "?auto=off"))
    wait_for_calls(emulator, CREATE, 1)
    assert client.get(PENDING).location.endswith("/done")
    page = text(client.get("/done"))
    connection_id = re.search(r'id="connection-id"[^>]*value="([^"]+)"', page).group(1)
    assert [c.id for c in kinesis_connections(app)] == [connection_id]
    assert emulator.calls(CREATE) == 1


@pytest.mark.parametrize("fault", [{"kind": "status", "status": 503}, {"kind": "drop"}])
def test_create_again_is_offered_only_after_the_window(walker, client, app, emulator, fault):
    """A 5xx or a dropped answer leaves it unknown whether Adobe acted. Here it did not: only once nothing was
    found for the whole window may the person create it again, and that create is sent once."""
    walker.through_review()
    emulator.fault(method="POST", path="/connections$", **fault)
    assert walker.create().location.endswith(PENDING)
    emulator.clear_faults()
    page = text(client.get(PENDING))
    assert "Create again" not in page and "you will be able to create it again here" in page
    sent_at = ledger_state(app, client)["sent_at"]
    early = walker.post(PENDING, {"sent_at": sent_at}, token_from="/start-over")   # a form of this session
    assert early.location.endswith(PENDING) and emulator.calls(CREATE) == 1     # too early: nothing sent
    app.config["CREATE_AGAIN_AFTER"] = 0
    page = text(client.get(PENDING))
    assert "Create again" in page and SENT_AT.search(page).group(1) == str(sent_at)
    assert kinesis_connections(app) == [] and "Clickstream account" in page
    assert walker.post(PENDING, {"sent_at": sent_at}, token_from=PENDING).location.endswith("/done")
    assert walker.post("/review", token_from="/done").location.endswith("/done")
    assert len(kinesis_connections(app)) == 1 and emulator.calls(CREATE) == 2


def test_the_pending_page_without_a_pending_create_goes_back_to_the_review(walker, client):
    walker.through_review()
    assert client.get(PENDING).location.endswith("/review")


def test_an_unexpected_error_is_a_page_not_a_stack_trace(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "unexpected problem" in text(response) and "kaboom" not in text(response)
