"""connector/flowservice.py against the emulator over HTTP: spec, create, get, list, test, explore, delete."""
from __future__ import annotations

import time

import pytest
import requests

from connector import (ConnectionInUse, InvalidParameters, InvalidRequest, NotFound, OutcomeUnknown,
                       SandboxNotFound, ServiceUnavailable)
from connector.flowservice import KINESIS_SPEC_ID, SEED_AUTH_SPEC_NAME
from tests.helpers import ACCESS_KEY_ID, SECRET_KEY, credentials
from tests.kinesis_stage import EVERY_ACTION, STREAMS
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


def test_preview_returns_the_latest_records_of_a_stream(platform):
    created = create(platform)
    preview = platform.connections.preview_stream("prod", created.id, "web-clickstream", limit=2)
    assert [r["data"] for r in preview["data"]] == STREAMS["web-clickstream"][-2:]
    assert {c["name"] for c in preview["schema"]["columns"]} >= {"event", "customer"}


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
