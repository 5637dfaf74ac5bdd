"""Updating connections: the connector's PATCH under If-Match against the emulator's, over HTTP, every
exchange checked against Adobe's OpenAPI file (mended as PLATFORM.md §5 says); listing pages; dataflows."""
from __future__ import annotations

import pytest
import requests

from connector import ChangedMeanwhile, InvalidParameters, InvalidRequest, KinesisCredentials
from tests.helpers import SECRET_KEY, credentials
from tests.kinesis_stage import EVERY_ACTION

NEW_KEY = KinesisCredentials("AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "us-east-1")


def raw_patch(platform, emulator, connection_id, body, etag=None, sandbox="prod"):
    """A PATCH as any client could send it, to see the emulator's own answers."""
    headers = platform.session.headers(platform.session.tokens.token(), sandbox, True)
    if etag is not None:
        headers["If-Match"] = etag
    return requests.patch(f"{emulator.url}/data/foundation/flowservice/connections/{connection_id}",
                          json=body, headers=headers, timeout=5)


def test_rotating_the_key_changes_the_stored_params_the_etag_and_updated_at(platform):
    flow = platform.connections
    made = flow.create_kinesis_connection("prod", "Rotate me", "", credentials())
    before = flow.get_connection("prod", made.id)
    etag = flow.rotate_key("prod", made.id, before.etag, NEW_KEY)
    after = flow.get_connection("prod", made.id)
    assert etag and etag != before.etag and after.etag == etag
    assert after.access_key_id == NEW_KEY.access_key_id and after.region == "us-east-1"
    assert after.auth_params["secretKey"] == "<encrypted>"


def test_flow_service_tests_with_the_new_key_once_rotated(platform, kinesis_auth):
    old = kinesis_auth.new_user("rotate-old", EVERY_ACTION)
    new = kinesis_auth.new_user("rotate-new", EVERY_ACTION)
    flow = platform.connections
    made = flow.create_kinesis_connection("prod", "Sealed", "", old)
    kinesis_auth.deactivate("rotate-old")
    assert flow.test_connection("prod", made.id) is False
    flow.rotate_key("prod", made.id, made.etag, new)
    assert flow.test_connection("prod", made.id) is True


def test_a_stale_etag_is_refused_and_nothing_changes(platform):
    flow = platform.connections
    made = flow.create_kinesis_connection("prod", "Raced", "", credentials())
    first = flow.get_connection("prod", made.id)
    flow.rename("prod", made.id, first.etag, "Renamed by Ana", "")
    with pytest.raises(ChangedMeanwhile) as refused:
        flow.rotate_key("prod", made.id, first.etag, NEW_KEY)
    assert refused.value.code == "1404-412" and refused.value.status == 412
    now = flow.get_connection("prod", made.id)
    assert now.name == "Renamed by Ana" and now.access_key_id == credentials().access_key_id


def test_rename_and_describe(platform):
    flow = platform.connections
    made = flow.create_kinesis_connection("prod", "Old", "old words", credentials())
    flow.rename("prod", made.id, made.etag, "New", "new words")
    now = flow.get_connection("prod", made.id)
    assert (now.name, now.description) == ("New", "new words")


@pytest.mark.parametrize("name, description, problem", [("", "", {"name": "name_missing"}),
                                                        ("x" * 257, "", {"name": "too_long"}),
                                                        ("ok", "d" * 1001, {"description": "too_long"})])
def test_a_bad_name_is_refused_before_anything_is_sent(platform, emulator, name, description, problem):
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    with pytest.raises(InvalidParameters) as refused:
        platform.connections.rename("prod", made.id, made.etag, name, description)
    assert refused.value.problems == problem
    assert emulator.calls("PATCH /data/foundation/flowservice/connections/<connection_id>") == 0


def test_a_malformed_new_key_is_refused_before_anything_is_sent(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "Kept", "", credentials())
    with pytest.raises(InvalidParameters) as refused:
        platform.connections.rotate_key("prod", made.id, made.etag, KinesisCredentials("ASIA1234", "short", "xx"))
    assert set(refused.value.problems) == {"access_key_id", "secret_key", "region"}
    assert emulator.calls("PATCH /data/foundation/flowservice/connections/<connection_id>") == 0


def test_emulator_requires_if_match(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    answer = raw_patch(platform, emulator, made.id, [{"op": "replace", "path": "/name", "value": "y"}])
    assert answer.status_code == 400 and answer.json()["type"].endswith("FLOW-1403-400")


@pytest.mark.parametrize("body", [{"op": "replace", "path": "/name", "value": "y"}, [],
                                  [{"op": "move", "path": "/name", "from": "/description"}],
                                  [{"op": "replace", "path": "/state", "value": "disabled"}],
                                  [{"op": "replace", "path": "/connectionSpec/id", "value": "x"}],
                                  [{"op": "remove", "path": "/name"}],
                                  [{"op": "replace", "path": "/name"}],
                                  [{"op": "remove", "path": "/auth/params/nothing"}]])
def test_emulator_refuses_a_patch_it_cannot_apply(platform, emulator, body):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    answer = raw_patch(platform, emulator, made.id, body, made.etag)
    assert answer.status_code == 400 and answer.json()["type"].endswith("FLOW-1455-400"), answer.text
    assert platform.connections.get_connection("prod", made.id).etag == made.etag


@pytest.mark.parametrize("body", [[{"op": "replace", "path": "/auth/params/nope/deeper", "value": 1}],
                                  [{"op": "replace", "path": "/name", "value": "ok"},
                                   {"op": "remove", "path": "/auth/params/secretKey/x"}],
                                  [{"op": "add", "path": "/auth/params/region/0", "value": "x"}]])
def test_emulator_refusing_a_patch_names_the_operation_never_the_stored_document(platform, emulator, body):
    made = platform.connections.create_kinesis_connection("prod", "Stored name", "", credentials())
    answer = raw_patch(platform, emulator, made.id, body, made.etag)
    assert answer.status_code == 400 and answer.json()["type"].endswith("FLOW-1455-400"), answer.text
    detail = answer.json()["report"]["detailed-message"]
    assert body[-1]["path"] in detail and f"operation {len(body) - 1}" in detail
    for stored in (SECRET_KEY, credentials().access_key_id, "Stored name", "eu-west-1"):
        assert stored not in answer.text


def test_emulator_checks_the_patched_params_against_the_auth_spec(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    answer = raw_patch(platform, emulator, made.id, [{"op": "remove", "path": "/auth/params/secretKey"}], made.etag)
    assert answer.status_code == 400 and "secretKey" in answer.json()["report"]["detailed-message"]


def test_emulator_never_echoes_the_secret_and_answers_id_and_etag(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    answer = raw_patch(platform, emulator, made.id, [{"op": "replace", "path": "/auth/params/secretKey",
                                                      "value": NEW_KEY.secret_key}], made.etag)
    assert answer.status_code == 200 and set(answer.json()) == {"id", "etag"}
    listing = requests.get(
        f"{emulator.url}/data/foundation/flowservice/connections/{made.id}",
        headers=platform.session.headers(platform.session.tokens.token(), "prod", False), timeout=5).text
    assert NEW_KEY.secret_key not in listing and SECRET_KEY not in listing


def test_emulator_patch_of_an_unknown_connection_is_not_found(platform, emulator):
    answer = raw_patch(platform, emulator, "6f0e1f5e-0000-4000-8000-000000000000",
                       [{"op": "replace", "path": "/name", "value": "y"}], '"x"')
    assert answer.status_code == 404


def test_updated_at_moves_forward(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    headers = platform.session.headers(platform.session.tokens.token(), "prod", False)
    url = f"{emulator.url}/data/foundation/flowservice/connections/{made.id}"
    before = requests.get(url, headers=headers, timeout=5).json()["items"][0]
    raw_patch(platform, emulator, made.id, [{"op": "replace", "path": "/name", "value": "y"}], made.etag)
    after = requests.get(url, headers=headers, timeout=5).json()["items"][0]
    assert after["updatedAt"] >= before["updatedAt"] and after["createdAt"] == before["createdAt"]
    assert after["etag"] != before["etag"] and after["name"] == "y"


def test_an_update_without_an_etag_is_not_sent(platform, emulator):
    made = platform.connections.create_kinesis_connection("prod", "x", "", credentials())
    with pytest.raises(InvalidRequest):
        platform.connections.rename("prod", made.id, "", "y", "")
    assert emulator.calls("PATCH /data/foundation/flowservice/connections/<connection_id>") == 0


def test_list_page_follows_continuation_tokens_one_call_a_page(platform, emulator):
    flow = platform.connections
    for number in range(5):
        flow.create_kinesis_connection("dev", f"c{number}", "", credentials())
    before = emulator.calls("GET /data/foundation/flowservice/connections")
    first = flow.list_page("dev", page_size=2)
    second = flow.list_page("dev", first.next_token, page_size=2)
    third = flow.list_page("dev", second.next_token, page_size=2)
    names = [c.name for page in (first, second, third) for c in page.connections]
    assert names == ["c4", "c3", "c2", "c1", "c0"] and third.next_token is None
    assert emulator.calls("GET /data/foundation/flowservice/connections") - before == 3


def test_dataflows_using_finds_the_flows_of_each_connection_in_one_call(platform, emulator):
    from tests.test_emulator_flows import Api, a_flow
    api = Api(platform, emulator.url)
    used = platform.connections.create_kinesis_connection("prod", "Used", "", credentials())
    unused = platform.connections.create_kinesis_connection("prod", "Unused", "", credentials())
    flow = a_flow(api, used.id)[2]
    before = emulator.calls("GET /data/foundation/flowservice/flows")
    using = platform.connections.dataflows_using("prod", [used.id, unused.id])
    assert emulator.calls("GET /data/foundation/flowservice/flows") - before == 1
    assert [d.id for d in using[used.id]] == [flow] and using[unused.id] == []
    assert using[used.id][0].name == "flow"
