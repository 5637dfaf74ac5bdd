"""connector/flowservice.py against the emulator over HTTP: spec, create, get, list, test, explore, delete."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import unquote

import pytest
import requests

from connector import (ConnectionInUse, InvalidParameters, InvalidRequest, NotFound, OutcomeUnknown,
                       SandboxNotFound, ServiceUnavailable)
from connector.errors import error_from_response
from emulator.tabular import flatten as emulator_flatten
from connector.flowservice import KINESIS_SPEC_ID, SEED_AUTH_SPEC_NAME, FlowService, choose_auth_spec
from tests.helpers import ACCESS_KEY_ID, SECRET_KEY, credentials
from tests.kinesis_stage import EVERY_ACTION, STREAMS, WIDE_FIELDS, WIDE_REGION
from tests.openapi import validate_exchange
from tests.slow import wait_for_calls

CREATE = "POST /data/foundation/flowservice/connections"


def create(platform, name="Kinesis prod", sandbox="prod", **kwargs):
    return platform.connections.create_kinesis_connection(sandbox, name, "Clickstream", credentials(**kwargs))


def kinesis_connections(platform, sandbox="prod"):
    return list(platform.connections.list_kinesis_connections(sandbox))


def test_reads_auth_spec_name_and_provider_from_the_connection_spec(platform):
    spec = platform.connections.kinesis_spec("prod")
    assert spec.id == KINESIS_SPEC_ID
    assert spec.auth_spec_name == "Aws Kinesis authentication credentials"
    assert spec.provider_id == "521eee4d-8cbe-4906-bb48-fb6bd4450033"
    assert spec.auth_schema["properties"]["secretKey"]["format"] == "password"


def test_falls_back_to_the_seed_name_only_when_the_spec_cannot_be_read(platform, emulator):
    emulator.fault(path="/connectionSpecs/", status=404, kind="status")
    spec = platform.connections.kinesis_spec("prod")
    assert spec.auth_spec_name == SEED_AUTH_SPEC_NAME


def test_the_emulator_lists_a_second_auth_spec_before_the_documented_one(platform, emulator):
    token = platform.session.tokens.token()
    spec = requests.get(f"{emulator.url}/data/foundation/flowservice/connectionSpecs/{KINESIS_SPEC_ID}",
                        headers=platform.session.headers(token, "prod", False), timeout=5).json()["items"][0]
    names = [auth["name"] for auth in spec["authSpec"]]
    assert len(names) == 2 and names[1] == "Aws Kinesis authentication credentials" and names[0] != names[1]
    # The connector picks the documented one by name, not the first.
    assert platform.connections.kinesis_spec("prod").auth_spec_name == names[1]


def test_a_connection_made_with_the_other_auth_spec_cannot_be_explored(platform, emulator):
    token = platform.session.tokens.token()
    made = requests.post(f"{emulator.url}/data/foundation/flowservice/connections", timeout=5, json={
        "name": "by role", "auth": {"specName": "Aws Kinesis role-based authentication",
                                    "params": {"roleArn": "arn:aws:iam::123456789012:role/r", "region": "eu-west-1"}},
        "connectionSpec": {"id": KINESIS_SPEC_ID, "version": "1.0"}},
        headers=platform.session.headers(token, "prod", True))
    assert made.status_code == 201
    with pytest.raises(InvalidRequest):
        platform.connections.explore("prod", made.json()["id"])


KEY_SCHEMA = {"type": "object", "properties": {"accessKeyId": {"type": "string"},
                                               "secretKey": {"type": "string", "format": "password"},
                                               "region": {"type": "string"}}}
ROLE_SCHEMA = {"type": "object", "properties": {"roleArn": {"type": "string"}, "region": {"type": "string"}}}


@pytest.mark.parametrize("auth_specs, chosen", [
    ([{"name": "Role", "spec": ROLE_SCHEMA}, {"name": "Aws Kinesis authentication credentials", "spec": {}}],
     "Aws Kinesis authentication credentials"),                      # by name, even with an odd schema
    ([{"name": "Role", "spec": ROLE_SCHEMA}, {"name": "Keys, renamed", "spec": KEY_SCHEMA}], "Keys, renamed"),
    ([{"name": "Role", "spec": ROLE_SCHEMA}], None),
    ([], None), (None, None), (["junk", {"spec": KEY_SCHEMA}], None),
])
def test_the_auth_spec_is_chosen_by_name_then_by_its_key_fields(auth_specs, chosen):
    found = choose_auth_spec(auth_specs)
    assert (found or {}).get("name") == chosen


class SpecOnly:
    """A session whose connection spec lists only auth specs the connector cannot use."""

    def get_json(self, path, **kwargs):
        return {"items": [{"id": KINESIS_SPEC_ID, "providerId": "p", "version": "1.0",
                           "authSpec": [{"name": "Role", "spec": ROLE_SCHEMA}]}]}


def test_no_usable_auth_spec_falls_back_to_the_seed_name():
    spec = FlowService(SpecOnly()).kinesis_spec("prod")
    assert spec.auth_spec_name == SEED_AUTH_SPEC_NAME and spec.provider_id == "p" and spec.auth_schema is None


def test_create_then_get_returns_the_connection_without_its_secret(platform):
    created = create(platform)
    connection = platform.connections.get_connection("prod", created.id)
    assert connection.id == created.id and connection.etag == created.etag
    assert connection.name == "Kinesis prod" and connection.description == "Clickstream"
    assert connection.sandbox_name == "prod" and connection.state == "enabled"
    assert connection.access_key_id == ACCESS_KEY_ID and connection.region == "eu-west-1"
    assert SECRET_KEY not in repr(connection.auth_params)


def test_created_etag_holds_literal_quotes(platform):
    etag = create(platform).etag
    assert etag.startswith('"') and etag.endswith('"')


def test_sandbox_name_is_sent_in_lower_case(platform):
    created = create(platform, sandbox="PROD")
    assert platform.connections.get_connection("prod", created.id).sandbox_name == "prod"


def test_params_are_validated_against_the_spec_schema_before_sending(platform, emulator):
    with pytest.raises(InvalidParameters) as caught:
        platform.connections.create_kinesis_connection("prod", " ", "", credentials(region="mars-north-1"))
    assert set(caught.value.problems) == {"name", "region"}
    assert emulator.calls(CREATE) == 0
    spec = platform.connections.kinesis_spec("prod")
    with pytest.raises(InvalidParameters) as caught:
        spec.check_params({"accessKeyId": ACCESS_KEY_ID, "secretKey": SECRET_KEY})
    assert caught.value.problems == {"region": "required"}
    with pytest.raises(InvalidParameters) as caught:
        spec.check_params({"accessKeyId": ACCESS_KEY_ID, "secretKey": 42, "region": "eu-west-1"})
    assert "secret_key" in caught.value.problems and "42" not in str(caught.value)


def test_get_unknown_connection_is_not_found(platform):
    with pytest.raises(NotFound) as caught:
        platform.connections.get_connection("prod", "00000000-0000-0000-0000-000000000000")
    assert caught.value.code == "1101-404" and caught.value.request_id


def test_connections_live_in_their_sandbox(platform):
    created = create(platform, sandbox="dev")
    with pytest.raises(NotFound):
        platform.connections.get_connection("prod", created.id)
    assert [c.id for c in kinesis_connections(platform, "dev")] == [created.id]
    assert kinesis_connections(platform, "prod") == []


@pytest.mark.parametrize("sandbox", ["no-such-sandbox", "eu-pilot"])
def test_unknown_or_inactive_sandbox_is_refused(platform, sandbox):
    with pytest.raises(SandboxNotFound) as caught:
        create(platform, sandbox=sandbox)
    assert caught.value.code == "2100-404"


def test_list_reads_every_page(platform):
    ids = {create(platform, name=f"Kinesis {n}").id for n in range(7)}
    listed = list(platform.connections.list_kinesis_connections("prod", page_size=3))
    assert {c.id for c in listed} == ids and len(listed) == 7


def test_list_filters_on_the_kinesis_spec(platform, emulator, settings):
    create(platform)
    token = platform.session.tokens.token()
    other = requests.post(f"{emulator.url}/data/foundation/flowservice/connections", timeout=5, json={
        "name": "not kinesis", "auth": {"specName": "x", "params": {}},
        "connectionSpec": {"id": "ffffffff-0000-0000-0000-000000000000", "version": "1.0"}},
        headers=platform.session.headers(token, "prod", True))
    assert other.status_code == 400  # no such spec in the emulator: nothing else can be listed
    assert [c.connection_spec_id for c in kinesis_connections(platform)] == [KINESIS_SPEC_ID]


def list_raw(platform, emulator, **params):
    """GET /connections as any client would send it, the answer unmapped."""
    token = platform.session.tokens.token()
    return requests.get(f"{emulator.url}/data/foundation/flowservice/connections", params=params,
                        headers=platform.session.headers(token, "prod", False), timeout=5)


FOREIGN_TOKEN = base64.urlsafe_b64encode(json.dumps(["not", "a", "listing"]).encode()).decode()


@pytest.mark.parametrize("params, code", [
    ({"property": "name"}, "1453-400"),                       # no operator
    ({"property": "==Kinesis prod"}, "1453-400"),             # no field
    ({"property": "createdAt=="}, "1453-400"),                # no value (Adobe's own example)
    ({"property": "name==a,"}, "1453-400"),                   # an empty alternative
    ({"property": "name~Kinesis"}, "1440-400"),               # "Operator '~' not implemented."
    ({"property": "name!>x"}, "1450-400"),
    ({"property": "name=Kinesis prod"}, "1450-400"),
    ({"property": "connections==x"}, "1449-400"),             # not a property of a connection
    ({"property": "na me==x"}, "1449-400"),
    ({"property": "createdAt>yesterday"}, "1452-400"),
    ({"property": "createdAt<=1,2"}, "1443-400"),
    ({"orderby": "*name"}, "1432-400"),
    ({"orderby": "-nothing"}, "1433-400"),
    ({"continuationToken": "not-a-token"}, "1453-400"),
    ({"continuationToken": FOREIGN_TOKEN}, "1453-400"),
    ({"limit": "ten"}, "1453-400"),
    ({"limit": "0"}, "1453-400"),
    ({"limit": 5, "count": "true"}, "1401-400"),
])
def test_list_refusals_carry_adobes_documented_codes(platform, emulator, params, code):
    create(platform)
    response = list_raw(platform, emulator, **params)
    error = error_from_response(response)
    assert response.status_code == 400 and isinstance(error, InvalidRequest) and error.code == code


def test_filters_follow_adobes_syntax(platform, emulator):
    first, second = create(platform, name="alpha"), create(platform, name="beta")
    third = create(platform, name="gamma", region="us-west-1")

    def names(*conditions, **params):
        answer = list_raw(platform, emulator, property=list(conditions), **params)
        assert answer.status_code == 200, answer.text
        return [item["name"] for item in answer.json()["items"]]

    assert names("name==alpha,gamma") == ["alpha", "gamma"]                  # commas: alternatives
    assert names("name!=alpha,gamma") == ["beta"]
    assert names(f"connectionSpec.id=={KINESIS_SPEC_ID}", "auth.params.region==us-west-1") == ["gamma"]
    assert names("auth.specName==Aws Kinesis authentication credentials", orderby="-name") == [
        "gamma", "beta", "alpha"]
    created_at = platform.connections.get_connection("prod", second.id).created_at
    assert set(names(f"createdAt>={created_at}")) >= {"beta", "gamma"} and "alpha" not in names(
        f"createdAt<{created_at}", "name!=alpha")
    assert names("id==" + first.id) == ["alpha"] and names("state==disabled") == []
    assert list_raw(platform, emulator, property="name==alpha", count="true").json() == {"count": 1}
    assert third.id


def test_the_connector_never_sends_an_unimplemented_operator(platform, emulator):
    sent = []
    platform.session.http.hooks["response"].append(lambda response, *a, **k: sent.append(response.request.url))
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", act=True, times=1)
    created = create(platform)  # the lost answer makes the connector look the connection up in the list
    assert created.recovered and list(platform.connections.list_kinesis_connections("prod", page_size=1))
    listings = [url for url in sent if "/connections?" in url]
    assert listings and not any("~" in unquote(url) for url in listings)


def test_a_kinesis_destination_is_never_listed_as_a_source(platform, emulator):
    """The Kinesis destination shares the source's connection spec id (and, per Adobe's tutorial, its auth
    spec name); its provider tells it apart."""
    ours = create(platform)
    destination = emulator.add_destination(name="Kinesis prod", params={
        "accessKeyId": ACCESS_KEY_ID, "secretKey": SECRET_KEY, "region": "eu-west-1"})
    renamed = emulator.add_destination(name="other", specName="Aws Kinesis destination credentials",
                                       providerId="521eee4d-8cbe-4906-bb48-fb6bd4450033")
    everything = list_raw(platform, emulator, property=f"connectionSpec.id=={KINESIS_SPEC_ID}").json()["items"]
    assert {item["id"] for item in everything} == {ours.id, destination, renamed}  # the emulator holds them
    assert SECRET_KEY not in json.dumps(everything)
    listed = kinesis_connections(platform)
    assert [c.id for c in listed] == [ours.id]
    assert listed[0].provider_id == "521eee4d-8cbe-4906-bb48-fb6bd4450033"
    assert listed[0].auth_spec_name == "Aws Kinesis authentication credentials"


def test_the_listing_asks_flow_service_for_the_auth_spec_too(platform, emulator):
    sent = []
    platform.session.http.hooks["response"].append(lambda response, *a, **k: sent.append(response.request.url))
    kinesis_connections(platform)
    listing = next(unquote(url).replace("+", " ") for url in sent if "/connections?" in url)
    assert f"property=connectionSpec.id=={KINESIS_SPEC_ID}" in listing
    assert "property=auth.specName==Aws Kinesis authentication credentials" in listing


def test_a_lost_create_never_takes_a_destination_for_the_connection_it_made(platform, emulator):
    destination = emulator.add_destination(name="Kinesis prod", params={
        "accessKeyId": ACCESS_KEY_ID, "secretKey": SECRET_KEY, "region": "eu-west-1"})
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", times=1)
    with pytest.raises(OutcomeUnknown):     # looked for: the destination of the same name is not taken for it
        create(platform)
    assert emulator.calls(CREATE) == 1 and destination


def test_a_platform_that_cannot_filter_on_the_auth_spec_still_lists(platform, emulator):
    ours = create(platform)
    emulator.add_destination(name="elsewhere")
    emulator.fault(kind="status", status=400, code="1449-400", method="GET", path="/connections$", times=1,
                   detail="Invalid field auth.specName in filter params.")
    assert [c.id for c in kinesis_connections(platform)] == [ours.id]


def test_test_and_explore_ask_kinesis(platform, kinesis_auth):
    key = kinesis_auth.new_user("explorer", EVERY_ACTION)
    created = platform.connections.create_kinesis_connection("prod", "explored", "", key)
    assert platform.connections.test_connection("prod", created.id) is True
    streams = platform.connections.explore("prod", created.id)
    assert {s["name"] for s in streams} == set(STREAMS)
    assert all(set(s) == {"type", "name", "path", "canPreview", "canFetchSchema"} for s in streams)
    kinesis_auth.deactivate("explorer")
    assert platform.connections.test_connection("prod", created.id) is False
    with pytest.raises(InvalidRequest) as caught:
        platform.connections.explore("prod", created.id)
    assert "security token included in the request is invalid" in caught.value.detail


def test_preview_returns_the_latest_records_of_a_stream_as_flat_rows(platform):
    created = create(platform)
    preview = platform.connections.preview_stream("prod", created.id, "web-clickstream", limit=2)
    assert preview["format"] == "flat"
    assert preview["schema"]["columns"] == [{"name": "event", "type": "string"}, {"name": "customer", "type": "string"},
                                            {"name": "page.path", "type": "string"}, {"name": "sku", "type": "string"},
                                            {"name": "qty", "type": "integer"}]
    assert preview["data"] == [{"event": "page_view", "customer": "c-2", "page.path": "/cart"},
                               {"event": "add_to_cart", "customer": "c-2", "sku": "SHOE-42", "qty": 2}]


def test_a_table_without_preview_is_its_schema_only(platform, emulator):
    created = create(platform)
    token = platform.session.tokens.token()
    answer = requests.get(f"{emulator.url}/data/foundation/flowservice/connections/{created.id}/explore",
                          params={"objectType": "table", "object": "order-updates"}, timeout=5,
                          headers=platform.session.headers(token, "prod", False))
    validate_exchange(answer)
    assert answer.json() == {"format": "flat", "schema": {"columns": [
        {"name": "orderId", "type": "string"}, {"name": "status", "type": "string"},
        {"name": "total.amount", "type": "number"}, {"name": "total.currency", "type": "string"}]}}


def test_the_emulator_reads_at_most_a_mebibyte_of_records_into_a_preview(platform, kinesis_stage):
    """Three records of about 430 KB: the two newest fit in the emulator's 1 MiB, the oldest is left out."""
    stream = kinesis_stage.wide_stream()
    created = create(platform, region=WIDE_REGION)
    preview = platform.connections.preview_stream("prod", created.id, stream)
    assert [row["seq"] for row in preview["data"]] == [1, 2]
    assert len(preview["schema"]["columns"]) == WIDE_FIELDS and preview["data"][0]["note"] == "x" * 500


def test_the_emulators_rows_are_flattened_in_linear_work():
    """Each key is visited once, however wide or deep: 30,000 keys, and a chain 5,000 deep (deeper than
    Python's recursion limit), both finish; counted, not timed."""
    wide = {f"field{n:05}": {"v": n} for n in range(30_000)}
    row = emulator_flatten(wide)
    assert len(row) == 30_000 and row["field29999.v"] == 29_999
    deep: dict = {"leaf": [1]}
    for _ in range(5_000):
        deep = {"k": deep}
    assert list(emulator_flatten(deep).values()) == ["[1]"]
    assert emulator_flatten("text") == {"value": "text"} and emulator_flatten({"e": {}}) == {"e": "{}"}


def test_explore_of_a_region_without_streams(platform):
    created = create(platform, region="us-west-1")
    assert platform.connections.explore("prod", created.id) == []


def test_delete_and_connection_in_use(platform, emulator):
    first, second = create(platform, name="a"), create(platform, name="b")
    platform.connections.delete_connection("prod", first.id)
    with pytest.raises(NotFound):
        platform.connections.get_connection("prod", first.id)
    emulator.mark_in_use(second.id)
    with pytest.raises(ConnectionInUse) as caught:
        platform.connections.delete_connection("prod", second.id)
    assert caught.value.code == "1418-400"


# A create must never make two connections, whatever happens to its answer.

def test_no_double_create_when_the_answer_comes_too_late(platform, emulator):
    emulator.fault(kind="latency", method="POST", path="/connections$", seconds=3, act=True, times=1)
    created = create(platform)
    assert created.recovered
    assert [c.id for c in kinesis_connections(platform)] == [created.id]
    assert emulator.calls(CREATE) == 1


def test_no_double_create_when_the_answer_is_a_5xx_after_acting(platform, emulator):
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", act=True, times=1)
    created = create(platform)
    assert created.recovered and len(kinesis_connections(platform)) == 1
    assert emulator.calls(CREATE) == 1


def test_no_double_create_when_the_connection_drops_after_acting(platform, emulator):
    emulator.fault(kind="drop", method="POST", path="/connections$", act=True, times=1)
    created = create(platform)
    assert created.recovered and len(kinesis_connections(platform)) == 1


def test_a_5xx_is_not_answered_by_sending_the_create_again(platform, emulator):
    """A 503 may come from a gateway after the service acted: only a look can tell, never a second create."""
    before = int(time.time() * 1000)
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", times=1)
    with pytest.raises(OutcomeUnknown) as caught:
        create(platform)
    assert caught.value.sent_at >= before and caught.value.code == "1103-503"
    assert emulator.calls(CREATE) == 1 and kinesis_connections(platform) == []
    assert emulator.calls("GET /data/foundation/flowservice/connections") >= 1      # it looked


def test_create_retries_a_429_without_a_lookup(platform, emulator):
    emulator.fault(kind="status", status=429, retry_after=0, method="POST", path="/connections$", times=1)
    create(platform)
    assert emulator.calls(CREATE) == 2
    assert emulator.calls("GET /data/foundation/flowservice/connections") == 0


def test_an_older_connection_of_the_same_name_is_not_taken_for_ours(platform, emulator):
    earlier = create(platform, access_key_id="AKIAZZZZZZZZZZZZZZZZ")
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", act=True, times=1)
    created = create(platform)
    assert created.recovered and created.id != earlier.id and len(kinesis_connections(platform)) == 2


def test_a_create_is_never_sent_twice_whatever_the_answers(platform, emulator):
    emulator.fault(kind="status", status=503, method="POST", path="/connections$")
    with pytest.raises(OutcomeUnknown):
        create(platform)
    assert emulator.calls(CREATE) == 1 and kinesis_connections(platform) == []


def test_a_create_refused_for_its_token_and_not_resent_is_said_so(platform, emulator):
    """The gateway refused the token (401) and IMS is down: the create surely did nothing, so no look, and
    the caller may send it again."""
    platform.connections.kinesis_spec("prod")
    emulator.expire_tokens()
    emulator.fault(kind="status", status=503, path="^/ims/")
    with pytest.raises(ServiceUnavailable) as caught:
        create(platform)
    assert caught.value.sent is False
    assert emulator.calls("GET /data/foundation/flowservice/connections") == 0
    emulator.clear_faults()
    assert kinesis_connections(platform) == []


def test_outcome_unknown_when_the_lookup_fails_too(platform, emulator):
    emulator.fault(kind="status", status=503, method="POST", path="/connections$", act=True, times=1)
    emulator.fault(kind="status", status=500, method="GET", path="/connections$")
    with pytest.raises(OutcomeUnknown):
        create(platform)


def test_no_double_create_when_the_platform_acts_after_the_timeout(platform, emulator):
    """Slow before acting: the create lands after the client gave up; the look-ups must wait for it."""
    emulator.fault(kind="latency", method="POST", path="/connections$", seconds=2.6)
    created = create(platform)
    emulator.clear_faults()
    assert created.recovered
    assert [c.id for c in kinesis_connections(platform)] == [created.id]


def test_no_second_create_when_the_platform_acts_after_every_look(platform, emulator):
    """Slower still (15 s against a 10 s timeout, scaled): the looks find nothing yet; the create is not sent
    again but reported unknown, with when it was sent, and found later by a look from then."""
    emulator.fault(kind="latency", method="POST", path="/connections$", seconds=7, times=1)
    with pytest.raises(OutcomeUnknown) as caught:
        create(platform)
    assert emulator.calls(CREATE) == 0             # still being carried out at the emulator
    wait_for_calls(emulator, CREATE, 1)
    found = platform.connections.find_recent("prod", "Kinesis prod", ACCESS_KEY_ID, caught.value.sent_at)
    assert found and [c.id for c in kinesis_connections(platform)] == [found.id]
    assert emulator.calls(CREATE) == 1
