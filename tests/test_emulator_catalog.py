"""The emulator's Schema Registry, Catalog, Data Prep, and demo ingestion with its monitoring, over HTTP:
a flow really reads its moto stream and counts what arrives."""
from __future__ import annotations

import json
import uuid
from urllib.parse import quote

import pytest
import requests

from .helpers import credentials
from .test_emulator_flows import DATA_LAKE, DATASET, SCHEMA, Api, code, source_body

INGEST_REGION = "ap-south-1"      # a region of its own: other tests' stream listings stay as they are
ADHOC = "https://ns.adobe.com/demotenant/schemas/csvuploads"
# An ExperienceEvent record needs an _id and a timestamp: calculated fields give them (Data Prep EXPRESSION).
CALCULATED = [{"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"},
              {"sourceType": "EXPRESSION", "source": "now()", "destination": "timestamp"}]
CUSTOMER = [{"source": "customer", "destination": "_demotenant.customer"}]
BEFORE = {"before": "the flow", "_id": "before-1", "timestamp": "2026-01-01T00:00:00Z"}   # already XDM


@pytest.fixture
def api(platform, emulator) -> Api:
    emulator.seed_catalog("prod")
    return Api(platform, emulator.url)


def raw(api: Api, method: str, path: str, **kwargs) -> requests.Response:
    headers = api.platform.session.headers(api.platform.session.tokens.token(), api.sandbox, "json" in kwargs)
    headers.update(kwargs.pop("headers", {}))
    return requests.request(method, api.url + path, headers=headers, timeout=5, **kwargs)


def test_schemas_are_listed_and_read_with_their_fields(api):
    listed = raw(api, "GET", "/data/foundation/schemaregistry/tenant/schemas",
                 headers={"Accept": "application/vnd.adobe.xed-id+json"}).json()
    titles = [item["title"] for item in listed["results"]]
    assert titles == sorted(titles) and "Web clickstream events" in titles and listed["_page"]["count"] == 4
    one = raw(api, "GET", "/data/foundation/schemaregistry/tenant/schemas/" + quote(SCHEMA, safe="")).json()
    assert one["meta:class"].endswith("experienceevent") and "page" in one["properties"]["_demotenant"]["properties"]
    by_alt = raw(api, "GET", "/data/foundation/schemaregistry/tenant/schemas/" + one["meta:altId"]).json()
    assert by_alt["$id"] == SCHEMA
    assert raw(api, "GET", "/data/foundation/schemaregistry/tenant/schemas/nope").status_code == 404


def test_datasets_are_listed_made_and_read_as_catalog_does(api):
    listed = raw(api, "GET", "/data/foundation/catalog/dataSets").json()
    assert listed[DATASET]["schemaRef"]["id"] == SCHEMA and len(listed) == 3
    made = raw(api, "POST", "/data/foundation/catalog/dataSets", json={
        "name": "New events", "schemaRef": {"id": SCHEMA, "contentType": "application/vnd.adobe.xed+json;version=1"}})
    assert made.status_code == 201 and made.json()[0].startswith("@/dataSets/")
    dataset_id = made.json()[0].rsplit("/", 1)[1]
    assert raw(api, "GET", f"/data/foundation/catalog/dataSets/{dataset_id}").json()[dataset_id]["name"] == "New events"
    refused = raw(api, "POST", "/data/foundation/catalog/dataSets", json={"name": "x", "schemaRef": {"id": "nope"}})
    assert refused.status_code == 400 and "schemaRef" in refused.json()["detail"]


def test_a_mapping_set_must_land_on_fields_of_its_schema(api):
    good = {"version": 0, "xdmSchema": SCHEMA, "xdmVersion": "1.0",
            "mappings": [{"sourceType": "ATTRIBUTE", "source": "page.path", "destination": "_demotenant.page.path"}]}
    made = raw(api, "POST", "/data/foundation/conversion/mappingSets", json=good)
    assert made.status_code == 201 and made.json()["version"] == 0
    got = raw(api, "GET", f"/data/foundation/conversion/mappingSets/{made.json()['id']}").json()
    assert got["mappings"][0]["destination"] == "_demotenant.page.path"
    wrong = dict(good, mappings=[{"source": "a", "destination": "_demotenant.nothing"}])
    assert raw(api, "POST", "/data/foundation/conversion/mappingSets", json=wrong).status_code == 400


def test_a_target_refuses_a_dataset_that_cannot_take_streaming_data(api):
    batch_only = [key for key, item in raw(api, "GET", "/data/foundation/catalog/dataSets").json().items()
                  if item["schemaRef"]["id"] == ADHOC][0]
    body = {"name": "t", "connectionSpec": DATA_LAKE, "data": {"format": "parquet_xdm"},
            "params": {"dataSetId": batch_only}}
    assert code(api.call("POST", "/targetConnections", json=body)) == "1409-400"
    body["params"]["dataSetId"] = "000000000000000000000000"
    assert code(api.call("POST", "/targetConnections", json=body)) == "1101-404"
    body.update(params={"dataSetId": DATASET}, data={"format": "parquet_xdm", "schema": {"id": ADHOC}})
    assert code(api.call("POST", "/targetConnections", json=body)) == "1425-400"


@pytest.fixture
def stream(kinesis_stage):
    """A fresh stream of its own, in a region of its own; a client to put records on it."""
    name = f"ingest-{uuid.uuid4().hex[:8]}"
    kinesis = kinesis_stage.client("kinesis", INGEST_REGION)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.put_record(StreamName=name, Data=json.dumps(BEFORE).encode(), PartitionKey="k")
    yield name, kinesis
    kinesis.delete_stream(StreamName=name)


def ingesting_flow(api: Api, platform, stream: str, reset: str = "latest", mapping: bool = True,
                   mappings: list | None = None) -> str:
    base = platform.connections.create_kinesis_connection("prod", f"ingest {stream}", "",
                                                          credentials(region=INGEST_REGION)).id
    params = {"stream": stream, "dataType": "raw", "reset": reset}
    source = api.ok("POST", "/sourceConnections", json=source_body(base, stream, params=params))["id"]
    target = api.ok("POST", "/targetConnections", json={
        "name": "t", "connectionSpec": DATA_LAKE, "params": {"dataSetId": DATASET},
        "data": {"format": "parquet_xdm", "schema": {"id": SCHEMA, "version": "1.0"}}})["id"]
    transformations = []
    if mapping:
        mapping_id = raw(api, "POST", "/data/foundation/conversion/mappingSets", json={
            "version": 0, "xdmSchema": SCHEMA, "mappings": CUSTOMER + CALCULATED if mappings is None else mappings,
        }).json()["id"]
        transformations = [{"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": "0"}}]
    return api.ok("POST", "/flows", json={
        "name": "ingest", "flowSpec": {"id": "d69717ba-71b4-4313-b654-49f9cf126d7a", "version": "1.0"},
        "sourceConnectionIds": [source], "targetConnectionIds": [target], "transformations": transformations})["id"]


def runs(api: Api, flow_id: str) -> list[dict]:
    return api.ok("GET", "/runs", params={"property": f"flowId=={flow_id}"})["items"]


def test_a_flow_counts_the_records_put_on_its_stream_after_it_was_made(api, platform, stream):
    name, kinesis = stream
    flow_id = ingesting_flow(api, platform, name)
    assert runs(api, flow_id) == [] and "lastRunDetails" not in api.ok("GET", f"/flows/{flow_id}")["items"][0]
    for n in range(3):
        kinesis.put_record(StreamName=name, Data=json.dumps({"customer": f"c-{n}"}).encode(), PartitionKey="k")
    kinesis.put_record(StreamName=name, Data=b"not json", PartitionKey="k")
    [run] = runs(api, flow_id)
    summary = run["metrics"]["recordSummary"]
    assert (summary["inputRecordCount"], summary["outputRecordCount"], summary["failedRecordCount"]) == (4, 3, 1)
    assert run["metrics"]["statusSummary"]["status"] == "partialSuccess"
    assert "not JSON" in run["metrics"]["statusSummary"]["errors"][0]["message"]
    kinesis.put_record(StreamName=name, Data=json.dumps({"customer": "c-9"}).encode(), PartitionKey="k")
    flow = api.ok("GET", f"/flows/{flow_id}")["items"][0]
    assert flow["lastRunDetails"]["id"] == run["id"]
    assert runs(api, flow_id)[0]["metrics"]["recordSummary"]["outputRecordCount"] == 4   # each record once


def test_reset_earliest_reads_what_the_stream_held_before(api, platform, stream):
    flow_id = ingesting_flow(api, platform, stream[0], reset="earliest", mapping=False)
    assert runs(api, flow_id)[0]["metrics"]["recordSummary"]["outputRecordCount"] == 1


def test_a_flow_needs_a_mapping_set_of_the_targets_schema(api, platform, stream):
    flow_id = ingesting_flow(api, platform, stream[0])
    flow = api.ok("GET", f"/flows/{flow_id}")["items"][0]
    body = {"name": "again", "flowSpec": flow["flowSpec"], "sourceConnectionIds": flow["sourceConnectionIds"],
            "targetConnectionIds": flow["targetConnectionIds"],
            "transformations": [{"name": "Mapping", "params": {"mappingId": "nope", "mappingVersion": "0"}}]}
    assert code(api.call("POST", "/flows", json=body)) == "1419-400"
    other = raw(api, "POST", "/data/foundation/conversion/mappingSets", json={
        "version": 0, "xdmSchema": ADHOC, "mappings": [{"source": "a", "destination": "_demotenant.customer"}]})
    body["transformations"][0]["params"]["mappingId"] = other.json()["id"]
    assert code(api.call("POST", "/flows", json=body)) == "1425-400"


def test_keys_kinesis_refuses_fail_the_run_with_its_message(api, platform, stream, kinesis_auth):
    flow_id = ingesting_flow(api, platform, stream[0])
    [run] = runs(api, flow_id)
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    assert "Error from flow provider" in run["metrics"]["statusSummary"]["errors"][0]["message"]
