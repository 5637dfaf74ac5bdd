"""The emulator's Data Prep is strict, over HTTP: calculated fields (EXPRESSION mappings) it knows are kept
and applied per record; others are refused; a record whose mapped result lacks an ExperienceEvent's ``_id``
or ``timestamp`` is a failed record, never an ingested one."""
from __future__ import annotations

import json

from .test_emulator_catalog import CALCULATED, CUSTOMER, api, ingesting_flow, raw, runs, stream  # noqa: F401
from .test_emulator_flows import SCHEMA

MAPPING_SETS = "/data/foundation/conversion/mappingSets"


def test_calculated_fields_are_kept_and_unknown_expressions_refused(api):
    made = raw(api, "POST", MAPPING_SETS, json={"version": 0, "xdmSchema": SCHEMA, "mappings": CUSTOMER + CALCULATED})
    assert made.status_code == 201
    kept = raw(api, "GET", f"{MAPPING_SETS}/{made.json()['id']}").json()["mappings"]
    assert [(m["sourceType"], m["source"], m["destination"]) for m in kept[1:]] == [
        ("EXPRESSION", "uuid()", "_id"), ("EXPRESSION", "now()", "timestamp")]
    for source, kind in (("sha256(customer)", "EXPRESSION"), ("uuid", "EXPRESSION"), ("uuid()", "FORMULA"),
                         (["uuid()"], "ATTRIBUTE")):
        refused = raw(api, "POST", MAPPING_SETS, json={"version": 0, "xdmSchema": SCHEMA, "mappings": [
            {"sourceType": kind, "source": source, "destination": "_id"}]})
        body = refused.json()
        assert refused.status_code == 400 and set(body) == {"type", "title", "status", "detail"}
        assert body["status"] == 400 and (str(source) in body["detail"] or kind in body["detail"]
                                          or "strings" in body["detail"])


def test_a_record_without_an_id_is_counted_failed_with_the_validation_message(api, platform, stream):
    name, kinesis = stream
    flow_id = ingesting_flow(api, platform, name, mappings=CUSTOMER + CALCULATED[1:])     # no _id
    for n in range(2):
        kinesis.put_record(StreamName=name, Data=json.dumps({"customer": f"c-{n}"}).encode(), PartitionKey="k")
    [run] = runs(api, flow_id)
    summary = run["metrics"]["recordSummary"]
    assert (summary["inputRecordCount"], summary["outputRecordCount"], summary["failedRecordCount"]) == (2, 0, 2)
    assert run["metrics"]["statusSummary"]["status"] == "failed"
    [error] = run["metrics"]["statusSummary"]["errors"]
    assert error["message"] == "2 record(s) failed XDM validation: #: required key [_id] not found"


def test_a_stream_field_mapped_to_the_id_is_used_and_a_record_lacking_it_fails(api, platform, stream):
    name, kinesis = stream
    flow_id = ingesting_flow(api, platform, name, mappings=CUSTOMER + CALCULATED[1:] + [
        {"sourceType": "ATTRIBUTE", "source": "event.id", "destination": "_id"}])
    kinesis.put_record(StreamName=name, Data=json.dumps({"customer": "a", "event": {"id": "e-1"}}).encode(),
                       PartitionKey="k")
    kinesis.put_record(StreamName=name, Data=json.dumps({"customer": "b"}).encode(), PartitionKey="k")
    [run] = runs(api, flow_id)
    summary = run["metrics"]["recordSummary"]
    assert (summary["outputRecordCount"], summary["failedRecordCount"]) == (1, 1)
    assert run["metrics"]["statusSummary"]["status"] == "partialSuccess"


def test_calculated_fields_make_every_record_ingest(api, platform, stream):
    name, kinesis = stream
    flow_id = ingesting_flow(api, platform, name, mappings=CUSTOMER + CALCULATED)
    for n in range(3):
        kinesis.put_record(StreamName=name, Data=json.dumps({"other": n}).encode(), PartitionKey="k")
    [run] = runs(api, flow_id)
    assert run["metrics"]["recordSummary"]["outputRecordCount"] == 3
    assert run["metrics"]["statusSummary"] == {"status": "success", "errors": []}


def test_each_record_gets_its_own_uuid_and_the_time_it_is_mapped():
    from emulator.mapper import apply

    first, second = (apply(CUSTOMER + CALCULATED, {"customer": "c"}) for _ in range(2))
    assert first["_id"] != second["_id"] and len(first["_id"]) == 36
    assert first["timestamp"].endswith("Z") and first["_demotenant"] == {"customer": "c"}
