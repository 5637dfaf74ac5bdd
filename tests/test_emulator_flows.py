"""The emulator's dataflow side over HTTP: source and target connections, flows, their listings and
filters, a base connection refused deletion while a flow uses it, and demo mode's seeded dataflow.
Every exchange is checked against Adobe's OpenAPI file."""
from __future__ import annotations

import pytest
import requests

from emulator.demo import DEMO_CONNECTION_NAME, DEMO_FLOW_NAME, DEMO_STREAM
from emulator.specs import DATA_LAKE_SPEC_ID, KINESIS_SPEC_ID, STREAMING_FLOW_SPEC_ID

from .conftest import check_against_openapi
from .helpers import EmulatorControl, credentials

FLOW_SERVICE = "/data/foundation/flowservice"
KINESIS = {"id": KINESIS_SPEC_ID, "version": "1.0"}
DATA_LAKE = {"id": DATA_LAKE_SPEC_ID, "version": "1.0"}
DATASET = "65a0c0de5eed00d5e7000001"
SCHEMA = "https://ns.adobe.com/demotenant/schemas/webclickstream"


class Api:
    """Flow Service as a client sees it: the connector's token and headers, raw HTTP."""

    def __init__(self, platform, url: str, sandbox: str = "prod") -> None:
        self.platform, self.url, self.sandbox = platform, url, sandbox
        self.http, self.unchecked = requests.Session(), requests.Session()
        self.http.hooks["response"].append(check_against_openapi)

    def call(self, method: str, path: str, checked: bool = True, **kwargs) -> requests.Response:
        """A call, checked against the OpenAPI file unless it is meant to break the contract."""
        headers = self.platform.session.headers(self.platform.session.tokens.token(), self.sandbox, "json" in kwargs)
        http = self.http if checked else self.unchecked
        return http.request(method, self.url + FLOW_SERVICE + path, headers=headers, timeout=5, **kwargs)

    def ok(self, method: str, path: str, **kwargs) -> dict:
        answer = self.call(method, path, **kwargs)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


@pytest.fixture
def api(platform, emulator) -> Api:
    emulator.seed_catalog("prod", "dev")
    return Api(platform, emulator.url)


def code(answer: requests.Response) -> str:
    return answer.json()["type"].rsplit("FLOW-", 1)[1]


def base_connection(platform, name: str = "account") -> str:
    return platform.connections.create_kinesis_connection("prod", name, "", credentials()).id


def source_body(base_id: str, stream: str = "web-clickstream", **changes) -> dict:
    return {"name": f"{stream} source", "baseConnectionId": base_id, "connectionSpec": KINESIS,
            "data": {"format": "json"}, "params": {"stream": stream, "dataType": "raw", "reset": "latest"},
            **changes}


def target_body(**changes) -> dict:
    return {"name": "target", "connectionSpec": DATA_LAKE,
            "data": {"format": "parquet_xdm", "schema": {"id": SCHEMA, "version": "1.0"}},
                    "params": {"dataSetId": DATASET}, **changes}


def flow_body(source_id: str, target_id: str, **changes) -> dict:
    return {"name": "flow", "flowSpec": {"id": STREAMING_FLOW_SPEC_ID, "version": "1.0"},
            "sourceConnectionIds": [source_id], "targetConnectionIds": [target_id], **changes}


def a_flow(api: Api, base_id: str, stream: str = "web-clickstream") -> tuple[str, str, str]:
    """A source connection, a target connection into the demo clickstream dataset (seeded here if the
    sandbox has no catalog yet), and a flow between them; their ids."""
    EmulatorControl(api.url).seed_catalog(api.sandbox)
    source = api.ok("POST", "/sourceConnections", json=source_body(base_id, stream))["id"]
    target = api.ok("POST", "/targetConnections", json=target_body())["id"]
    flow = api.ok("POST", "/flows", json=flow_body(source, target))["id"]
    return source, target, flow


def test_a_source_connection_is_made_read_and_listed(api, platform):
    base_id = base_connection(platform)
    answer = api.call("POST", "/sourceConnections", json=source_body(base_id))
    assert answer.status_code == 201 and answer.json()["etag"].startswith('"')
    made = answer.json()["id"]
    assert answer.headers["Location"].endswith(f"/sourceConnections/{made}")
    item = api.ok("GET", f"/sourceConnections/{made}")["items"][0]
    assert item["baseConnectionId"] == base_id and item["params"]["stream"] == "web-clickstream"
    assert item["state"] == "enabled" and item["inheritedAttributes"]["baseConnection"]["id"] == base_id
    assert item["sandboxName"] == "prod" and item["connectionSpec"] == KINESIS
    listed = api.ok("GET", "/sourceConnections", params={"property": f"baseConnectionId=={base_id}"})["items"]
    assert [s["id"] for s in listed] == [made]
    assert api.ok("GET", "/sourceConnections", params={"property": "baseConnectionId==nothing"})["items"] == []
    assert api.ok("GET", "/sourceConnections", params={"property": "params.stream==web-clickstream",
                                                        "count": "true"})["count"] == 1


@pytest.mark.parametrize("change, expected", [
    ({"baseConnectionId": "no-such-connection"}, "1101-404"),
    ({"connectionSpec": {"id": "not-a-spec", "version": "1.0"}}, "1413-400"),
    ({"params": {"stream": "s", "reset": "yesterday"}}, "1409-400"),
    ({"params": {"dataType": "raw"}}, "1409-400"),
    ({"name": ""}, "1409-400"),
    ({"data": None}, "1409-400"),
])
def test_a_source_connection_that_cannot_be_made_is_refused_with_flow_services_codes(api, platform, change,
                                                                                      expected):
    answer = api.call("POST", "/sourceConnections", False, json=source_body(base_connection(platform), **change))
    assert code(answer) == expected
    assert api.ok("GET", "/sourceConnections")["items"] == []


def test_an_empty_body_is_1405(api):
    headers = api.platform.session.headers(api.platform.session.tokens.token(), "prod", True)
    for path in ("/sourceConnections", "/targetConnections", "/flows"):
        answer = requests.post(api.url + FLOW_SERVICE + path, headers=headers, data=b"", timeout=5)
        assert code(answer) == "1405-400"


def test_objects_of_one_sandbox_are_not_found_from_another(api, platform, emulator):
    source, target, flow = a_flow(api, base_connection(platform))
    dev = Api(platform, emulator.url, "dev")
    for path in (f"/sourceConnections/{source}", f"/targetConnections/{target}", f"/flows/{flow}"):
        assert code(dev.call("GET", path)) == "1101-404"
    assert dev.ok("GET", "/flows")["items"] == []


def test_a_flow_is_made_from_its_connections_and_found_by_them(api, platform):
    base_id = base_connection(platform)
    source, target, flow = a_flow(api, base_id)
    other = a_flow(api, base_connection(platform, "other"), "order-updates")[2]
    item = api.ok("GET", f"/flows/{flow}")["items"][0]
    assert item["sourceConnectionIds"] == [source] and item["targetConnectionIds"] == [target]
    assert item["flowSpec"]["id"] == STREAMING_FLOW_SPEC_ID and item["state"] == "enabled"
    assert item["inheritedAttributes"]["sourceConnections"][0]["baseConnection"]["id"] == base_id
    for condition in (f"sourceConnectionIds=={source}", f"sourceConnectionIds[]=={source}",
                      f"sourceConnectionIds[]=={source},nothing", f"targetConnectionIds=={target}",
                      f"inheritedAttributes.sourceConnections[].baseConnection.id=={base_id}"):
        assert [f["id"] for f in api.ok("GET", "/flows", params={"property": condition})["items"]] == [flow], condition
    assert [f["id"] for f in api.ok("GET", "/flows", params={"orderby": "-createdAt"})["items"]] == [other, flow]
    assert api.ok("GET", "/flows", params={"property": "state==enabled", "count": "true"})["count"] == 2
    paged = api.ok("GET", "/flows", params={"limit": 1})
    assert len(paged["items"]) == 1 and "continuationToken=" in paged["_links"]["next"]["href"]


@pytest.mark.parametrize("condition, expected", [
    ("nothing==1", "1449-400"), ("name~x", "1440-400"), ("createdAt==", "1453-400"),
])
def test_flow_filters_are_refused_as_flow_service_refuses_them(api, condition, expected):
    assert code(api.call("GET", "/flows", params={"property": condition})) == expected


def test_a_flow_needs_a_known_spec_and_existing_connections(api, platform):
    source, target, _ = a_flow(api, base_connection(platform))
    cases = [(flow_body(source, target, state="enabled"), "1410-400"),
             (flow_body(source, target, flowSpec={"id": "nope", "version": "1.0"}), "1413-400"),
             (flow_body("missing", target), "1101-404"),
             (flow_body(source, "missing"), "1101-404"),
             (flow_body(target, source), "1101-404"),
             (flow_body(source, target, sourceConnectionIds=[]), "1409-400")]
    for body, expected in cases:
        assert code(api.call("POST", "/flows", json=body)) == expected, body
    assert len(api.ok("GET", "/flows")["items"]) == 1


def test_a_target_connection_needs_the_data_lake_spec_and_a_dataset(api):
    assert code(api.call("POST", "/targetConnections", json=target_body(connectionSpec=KINESIS))) == "1413-400"
    assert code(api.call("POST", "/targetConnections", json=target_body(params={}))) == "1409-400"
    made = api.ok("POST", "/targetConnections", json=target_body())["id"]
    assert api.ok("GET", f"/targetConnections/{made}")["items"][0]["params"]["dataSetId"] == DATASET
    assert len(api.ok("GET", "/targetConnections", params={"property": f"params.dataSetId=={DATASET}"})["items"]) == 1


def test_a_connection_in_use_by_a_flow_is_not_deleted_until_the_flow_is(api, platform):
    base_id = base_connection(platform)
    source, target, flow = a_flow(api, base_id)
    refused = api.call("DELETE", f"/connections/{base_id}")
    assert refused.status_code == 400 and code(refused) == "1418-400"
    assert base_id in refused.json()["report"]["detailed-message"]
    for path in (f"/sourceConnections/{source}", f"/targetConnections/{target}"):
        assert code(api.call("DELETE", path)) == "1447-400"
    assert api.call("DELETE", f"/flows/{flow}").status_code == 204
    assert code(api.call("GET", f"/flows/{flow}")) == "1101-404"
    assert api.call("DELETE", f"/sourceConnections/{source}").status_code == 204
    assert api.call("DELETE", f"/targetConnections/{target}").status_code == 204
    assert api.call("DELETE", f"/connections/{base_id}").status_code == 204


def test_deleting_what_does_not_exist_is_1101(api):
    for path in ("/flows/nope", "/sourceConnections/nope", "/targetConnections/nope"):
        assert code(api.call("DELETE", path)) == "1101-404"


def test_the_three_collections_answer_their_shared_routes_alike(api, platform):
    """Source connections, target connections and flows share one registration of list, get and delete:
    each answers it in its own words (the 404 names the kind), at the place its create's Location gives."""
    base_id = base_connection(platform)
    EmulatorControl(api.url).seed_catalog(api.sandbox)
    made = {}
    for path, body in (("/sourceConnections", lambda: source_body(base_id)), ("/targetConnections", target_body),
                       ("/flows", lambda: flow_body(made["/sourceConnections"], made["/targetConnections"]))):
        answer = api.call("POST", path, json=body())
        assert answer.status_code == 201
        made[path] = answer.json()["id"]
        assert answer.headers["Location"] == FLOW_SERVICE + f"{path}/{made[path]}"
        assert [item["id"] for item in api.ok("GET", path)["items"]] == [made[path]]
        assert [item["id"] for item in api.ok("GET", f"{path}/{made[path]}")["items"]] == [made[path]]
    for path, what in (("/flows", "Flow"), ("/sourceConnections", "Source connection"),
                       ("/targetConnections", "Target connection")):
        for method in ("GET", "DELETE"):
            missing = api.call(method, f"{path}/nope")
            assert missing.status_code == 404 and code(missing) == "1101-404"
            assert f"{what} 'nope' does not exist." in missing.json()["report"]["detailed-message"]
        deleted = api.call("DELETE", f"{path}/{made[path]}")
        assert deleted.status_code == 204 and deleted.content == b"" and "Content-Type" not in deleted.headers
        assert api.ok("GET", path)["items"] == []


def test_reading_flows_needs_view_sources_and_making_them_manage_sources(api, platform, emulator):
    """Flow Service's permission rules hold for flows as for connections (see emulator/access.py)."""
    from tests.test_emulator_ims import ANALYST, Browser, CLIENT, platform as call, signed_in

    source, target, _ = a_flow(api, base_connection(platform))
    token = signed_in(emulator, Browser(emulator.url), ANALYST)["access_token"]
    listed = call(emulator.url, token, FLOW_SERVICE + "/flows", client=CLIENT)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    refused = call(emulator.url, token, FLOW_SERVICE + "/flows", "POST", client=CLIENT, json=flow_body(source, target))
    assert code(refused) == "2118-403"


def test_the_streaming_flow_spec_says_it_has_no_runs(api):
    spec = api.ok("GET", f"/flowSpecs/{STREAMING_FLOW_SPEC_ID}")["items"][0]
    assert spec["attributes"]["flowRunsSupported"] is False
    assert spec["sourceConnectionSpecIds"] == [KINESIS_SPEC_ID]


def test_a_streaming_flow_is_monitored_through_runs_but_none_is_started_on_demand(api, platform):
    """Adobe: GET /runs?property=flowId== monitors a source dataflow; on-demand runs are batch-only."""
    flow = a_flow(api, base_connection(platform))[2]
    refused = api.call("POST", "/runs", checked=False, json={"flowId": flow})
    assert refused.status_code == 400 and "batch sources only" in refused.text
    assert code(api.call("POST", "/runs", checked=False, json={"flowId": "nope"})) == "1101-404"
    assert api.ok("GET", "/runs", params={"property": f"flowId=={flow}"})["items"] == []


def test_demo_mode_seeds_a_connection_in_use_by_a_dataflow_once(api, emulator):
    seeded = emulator.seed_demo()
    assert emulator.seed_demo() is None          # once, not on every start
    connection = api.ok("GET", f"/connections/{seeded['connection']}")["items"][0]
    assert connection["name"] == DEMO_CONNECTION_NAME and connection["auth"]["params"]["secretKey"] == "<encrypted>"
    flows = api.ok("GET", "/flows", params={"property": f"sourceConnectionIds=={seeded['sourceConnection']}"})
    assert [f["name"] for f in flows["items"]] == [DEMO_FLOW_NAME]
    source = api.ok("GET", f"/sourceConnections/{seeded['sourceConnection']}")["items"][0]
    assert source["baseConnectionId"] == seeded["connection"] and source["params"]["stream"] == DEMO_STREAM
    assert code(api.call("DELETE", f"/connections/{seeded['connection']}")) == "1418-400"
