"""connector/flows.py: source and target connections, mapping sets and dataflows against the emulator,
each create made once whatever happens to its answer, and what a dataflow has taken in."""
from __future__ import annotations

import json
import uuid

import pytest

from connector import Platform
from connector.flows import source_connection_body

from .helpers import credentials
from .test_emulator_catalog import INGEST_REGION
from .test_emulator_flows import DATASET, SCHEMA

MAPPING = {"customer": "_demotenant.customer", "page.path": "_demotenant.page.path"}
CALCULATED = {"_id": "uuid()", "timestamp": "now()"}      # what an ExperienceEvent needs in every record


@pytest.fixture
def stream(kinesis_stage):
    name = f"flows-{uuid.uuid4().hex[:8]}"
    kinesis = kinesis_stage.client("kinesis", INGEST_REGION)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    yield name, kinesis
    kinesis.delete_stream(StreamName=name)


@pytest.fixture
def made(platform: Platform, emulator, stream):
    """A Kinesis connection on the test stream's region, and the body of its source connection."""
    emulator.seed_catalog("prod")
    connection = platform.connections.create_kinesis_connection("prod", "flows", "", credentials(region=INGEST_REGION))
    found = platform.connections.get_connection("prod", connection.id)
    return platform.source_connection("prod", found, stream[0])


def listed(platform: Platform, collection: str) -> list[dict]:
    return platform.session.get_json(f"/data/foundation/flowservice/{collection}", sandbox="prod")["items"]


def a_dataflow(platform: Platform, body: dict, calculated: dict | None = CALCULATED) -> str:
    flows = platform.dataflows
    source = flows.create_source_connection("prod", body, "t1")
    target = flows.create_target_connection("prod", "flows target", DATASET, SCHEMA, "t2")
    mapping = flows.create_mapping_set("prod", SCHEMA, MAPPING, "t3", calculated=calculated)
    return flows.create_flow("prod", "flows dataflow", source, target, mapping, "t4")


def test_the_four_creates_make_a_dataflow_that_counts_what_arrives(platform, made, stream):
    flow_id = a_dataflow(platform, made)
    flow = platform.dataflows.flow("prod", flow_id)
    assert flow.state == "enabled" and flow.name == "flows dataflow" and flow.last_run == {}
    assert platform.dataflows.arrivals("prod", flow_id).records == 0
    name, kinesis = stream
    for n in range(5):
        kinesis.put_record(StreamName=name, Data=json.dumps({"customer": f"c{n}"}).encode(), PartitionKey="k")
    arrived = platform.dataflows.arrivals("prod", flow_id)
    assert (arrived.records, arrived.ingested, arrived.failed, arrived.status) == (5, 5, 0, "success")
    assert arrived.last_ingestion_ms and platform.dataflows.flow("prod", flow_id).last_run["state"] == "success"


def test_the_mapping_set_carries_the_calculated_fields_as_expressions(platform, made):
    mapping_id = platform.dataflows.create_mapping_set("prod", SCHEMA, MAPPING, "t3", calculated=CALCULATED)
    rows = platform.session.get_json(f"/data/foundation/conversion/mappingSets/{mapping_id}", sandbox="prod")
    assert [(r["sourceType"], r["source"], r["destination"]) for r in rows["mappings"]] == [
        ("ATTRIBUTE", "customer", "_demotenant.customer"), ("ATTRIBUTE", "page.path", "_demotenant.page.path"),
        ("EXPRESSION", "uuid()", "_id"), ("EXPRESSION", "now()", "timestamp")]


def test_without_calculated_fields_no_record_of_an_experience_event_is_ingested(platform, made, stream):
    flow_id = a_dataflow(platform, made, calculated=None)
    name, kinesis = stream
    for n in range(2):
        kinesis.put_record(StreamName=name, Data=json.dumps({"customer": f"c{n}"}).encode(), PartitionKey="k")
    arrived = platform.dataflows.arrivals("prod", flow_id)
    assert (arrived.records, arrived.ingested, arrived.failed, arrived.status) == (2, 0, 2, "failed")
    assert arrived.errors == ("2 record(s) failed XDM validation: #: required key [_id] not found",)


CREATES = [
    ("/sourceConnections$", "sourceConnections",
     lambda p, body: p.dataflows.create_source_connection("prod", body, "t1")),
    ("/targetConnections$", "targetConnections",
     lambda p, body: p.dataflows.create_target_connection("prod", "t", DATASET, SCHEMA, "t2")),
]


@pytest.mark.parametrize("path, collection, create", CREATES)
@pytest.mark.parametrize("kind", ["status", "drop"])
def test_a_create_whose_answer_is_lost_is_found_not_made_again(platform, emulator, made, path, collection, create,
                                                               kind):
    emulator.fault(kind=kind, status=503, method="POST", path=path, act=True, times=1)
    made_id = create(platform, made)
    assert [item["id"] for item in listed(platform, collection)] == [made_id]
    assert emulator.calls(f"POST /data/foundation/flowservice/{collection}") == 1


def test_a_retry_given_the_earlier_try_takes_what_it_made(platform, emulator, made):
    first = platform.dataflows.create_source_connection("prod", made, "t1")
    again = platform.dataflows.create_source_connection("prod", made, "t1", earlier_ms=0)
    assert again == first and len(listed(platform, "sourceConnections")) == 1


def test_a_lost_mapping_set_and_flow_are_found_too(platform, emulator, made):
    emulator.fault(kind="status", status=503, method="POST", path="/mappingSets$", act=True, times=1)
    mapping = platform.dataflows.create_mapping_set("prod", SCHEMA, MAPPING, "t3")
    assert emulator.calls("POST /data/foundation/conversion/mappingSets") == 1
    source = platform.dataflows.create_source_connection("prod", made, "t1")
    target = platform.dataflows.create_target_connection("prod", "t", DATASET, SCHEMA, "t2")
    emulator.fault(kind="drop", method="POST", path="/flows$", act=True, times=1)
    flow = platform.dataflows.create_flow("prod", "lost", source, target, mapping, "t4")
    assert [item["id"] for item in listed(platform, "flows")] == [flow]


def test_a_retry_never_takes_what_another_attempt_made_under_the_same_name(platform, emulator, made):
    """Someone else's objects of the same name and contents, made a moment ago, are not this attempt's:
    after a lost answer only what carries this attempt's tag is taken (else it is made, or unknown)."""
    from connector import OutcomeUnknown

    theirs = {"source": platform.dataflows.create_source_connection("prod", made, "theirs"),
              "target": platform.dataflows.create_target_connection("prod", "t", DATASET, SCHEMA, "theirs"),
              "mapping": platform.dataflows.create_mapping_set("prod", SCHEMA, MAPPING, "theirs")}
    theirs["flow"] = platform.dataflows.create_flow("prod", "same", theirs["source"], theirs["target"],
                                                    theirs["mapping"], "theirs")
    mine = {"source": platform.dataflows.create_source_connection("prod", made, "mine", earlier_ms=0),
            "target": platform.dataflows.create_target_connection("prod", "t", DATASET, SCHEMA, "mine", earlier_ms=0),
            "mapping": platform.dataflows.create_mapping_set("prod", SCHEMA, MAPPING, "mine", earlier_ms=0)}
    assert all(mine[kind] != theirs[kind] for kind in mine)
    emulator.fault(kind="drop", method="POST", path="/flows$", act=False, times=1)
    with pytest.raises(OutcomeUnknown):
        platform.dataflows.create_flow("prod", "same", mine["source"], mine["target"], mine["mapping"], "mine")
    again = platform.dataflows.create_flow("prod", "same", mine["source"], mine["target"], mine["mapping"], "mine",
                                           earlier_ms=0)
    assert again != theirs["flow"] and len(listed(platform, "flows")) == 2


def test_a_refused_create_is_not_looked_for(platform, emulator, made):
    from connector import NotFound

    with pytest.raises(NotFound) as refused:
        platform.dataflows.create_target_connection("prod", "t", "000000000000000000000000", SCHEMA, "t2")
    assert refused.value.code == "1101-404"
    assert emulator.calls("GET /data/foundation/flowservice/targetConnections") == 0


def test_source_connection_body_is_what_the_emulator_takes(platform, made):
    assert made == source_connection_body(platform.connections.kinesis_spec("prod"), made["baseConnectionId"],
                                          "flows", made["params"]["stream"])
