"""Demo ingestion and monitoring: a streaming flow really reads its Kinesis stream, and counts what it takes.

Adobe's streaming flows have no flow runs of their own (``flowRunsSupported: false``): nothing starts a run
of one, and on-demand runs (``POST /runs``) are for batch sources only (Adobe's on-demand ingestion tutorial),
so the emulator refuses them for a streaming flow. Their monitoring is still read as runs: Adobe's
"Monitor sources dataflows" tutorial lists what a source dataflow ingested at
``GET /runs?property=flowId==<id>`` (``metrics.recordSummary``, ``durationSummary``, ``statusSummary``).
The emulator keeps one such run per flow and hour (UTC), and fills the flow's ``lastRunDetails``.

It reads when it is asked: each ``GET /flows/{id}`` or ``/runs`` listing first takes in what the flow's
stream holds beyond what was read before (boto3, with the base connection's stored keys, at the
emulator's Kinesis endpoint), from the start of the stream with ``reset: earliest``, else from the moment
the flow was made. A record whose data is not a JSON object is a failed record (Data Prep maps JSON only);
one that is goes through the flow's mapping set (``mapper.apply``; as it is without one), and what that makes
counts as ingested only when it has the fields its schema's class requires (an ExperienceEvent's ``_id`` and
``timestamp``): otherwise it is a failed record too, with the validation message in the run's errors.
Kinesis refusing the keys fails the run with the provider's message.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from botocore.exceptions import BotoCoreError, ClientError
from flask import Blueprint, g, request

from .catalog import schema
from .entities import DATASETS, FLOWS, MAPPING_SETS, SOURCE_CONNECTIONS, TARGET_CONNECTIONS
from .flowservice import gateway
from .kinesis import Kinesis, provider_message
from .listing import listing
from .mapper import apply, violation
from .state import current_state, flow_error

bp = Blueprint("runs", __name__, url_prefix="/data/foundation/flowservice")
bp.before_request(gateway)

RUNS, POSITIONS = "runs", "ingestionPositions"
RUN_PROPERTIES = frozenset({"id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient",
                            "updatedClient", "sandboxId", "sandboxName", "imsOrgId", "flowId", "flowSpec",
                            "providerRefId", "eTag", "metrics", "activities"})
PAGES = 20          # pages of records read per shard per catch-up: enough for a demo, bounded for a busy one
_lock = threading.Lock()   # one catch-up at a time: two would count the same records twice


def catch_up(sandbox: str, flow: dict[str, Any]) -> dict[str, Any]:
    """Take in what the flow's stream holds that was not read yet; the flow as it now stands."""
    entities = current_state().store.entities
    with _lock:
        flow = entities.get(FLOWS, sandbox, flow["id"]) or flow
        source = entities.get(SOURCE_CONNECTIONS, sandbox, (flow.get("sourceConnectionIds") or [""])[0])
        base = current_state().store.connection(sandbox, source["baseConnectionId"]) if source else None
        if source is None or base is None:
            return flow
        positions = entities.get(POSITIONS, sandbox, f"positions:{flow['id']}") or {
            "id": f"positions:{flow['id']}", "shards": {}}
        counts, problem = {"ok": 0, "failed": 0, "bytes": 0, "invalid": {}}, None
        try:
            _read(Kinesis(current_state().kinesis_endpoint_url, base[0]["auth"]["params"], base[1]).client,
                  source["params"], flow["createdAt"], positions["shards"], counts, _prepared(sandbox, flow))
        except ClientError as exc:
            problem = provider_message(exc)
        except BotoCoreError as exc:
            problem = f"Kinesis could not be reached ({type(exc).__name__})."
        (entities.put if entities.get(POSITIONS, sandbox, positions["id"]) else entities.add)(
            POSITIONS, sandbox, positions)
        if counts["ok"] or counts["failed"] or problem:
            flow = _record(sandbox, flow, counts, problem)
        return flow


def _prepared(sandbox: str, flow: dict[str, Any]) -> Callable[[dict[str, Any]], str | None]:
    """What the flow does to one JSON record: its mapping set applied, then the XDM check of the target
    schema's class; the violation, or None when the record is ingested."""
    entities = current_state().store.entities
    mappings = None
    for transformation in flow.get("transformations") or []:
        if transformation.get("name") == "Mapping":
            found = entities.get(MAPPING_SETS, sandbox, str((transformation.get("params") or {}).get("mappingId")))
            mappings = found["mappings"] if found else mappings
    target = entities.get(TARGET_CONNECTIONS, sandbox, (flow.get("targetConnectionIds") or [""])[0]) or {}
    dataset = entities.get(DATASETS, sandbox, str((target.get("params") or {}).get("dataSetId"))) or {}
    found_schema = schema(sandbox, str((dataset.get("schemaRef") or {}).get("id"))) or {}
    xdm_class = str(found_schema.get("meta:class") or "")
    return lambda record: violation(xdm_class, apply(mappings, record) if mappings is not None else record)


def _read(client, params: dict[str, Any], created_ms: int, shards: dict[str, str], counts: dict[str, Any],
          check: Callable[[dict[str, Any]], str | None]) -> None:
    stream = params["stream"]
    for shard in client.describe_stream(StreamName=stream)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        if shard_id in shards:
            where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shards[shard_id]}
        elif params.get("reset") == "earliest":
            where = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            where = {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": created_ms / 1000}
        iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id, **where)["ShardIterator"]
        for _ in range(PAGES):
            answer = client.get_records(ShardIterator=iterator, Limit=1000)
            for record in answer.get("Records", []):
                counts["bytes"] += len(record["Data"])
                data = _json_object(record["Data"])
                wrong = check(data) if data is not None else None
                counts["ok" if data is not None and wrong is None else "failed"] += 1
                if wrong:
                    counts["invalid"][wrong] = counts["invalid"].get(wrong, 0) + 1
                shards[shard_id] = record["SequenceNumber"]
            iterator = answer.get("NextShardIterator")
            if not iterator or not answer.get("Records"):
                break


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None


def _record(sandbox: str, flow: dict[str, Any], counts: dict[str, Any], problem: str | None) -> dict[str, Any]:
    """Add what was read to the run of this hour, and say so in the flow's ``lastRunDetails``."""
    entities = current_state().store.entities
    now = int(time.time() * 1000)
    hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{flow['id']}/{hour.isoformat()}"))
    run = entities.get(RUNS, sandbox, run_id)
    if run is None:
        start = int(hour.timestamp() * 1000)
        run = {"id": run_id, "createdAt": now, "updatedAt": now, "createdBy": flow["createdBy"],
               "updatedBy": flow["createdBy"], "createdClient": flow["createdClient"],
               "updatedClient": flow["createdClient"], "sandboxId": flow["sandboxId"], "sandboxName": sandbox,
               "imsOrgId": flow["imsOrgId"], "flowId": flow["id"], "flowSpec": flow["flowSpec"],
               "eTag": f'"{uuid.uuid4()}"',
               "metrics": {"durationSummary": {"startedAtUTC": start, "completedAtUTC": now},
                           "sizeSummary": {"inputBytes": 0, "outputBytes": 0},
                           "recordSummary": {"inputRecordCount": 0, "outputRecordCount": 0, "failedRecordCount": 0},
                           "statusSummary": {"status": "success", "errors": []}}}
        entities.add(RUNS, sandbox, run)
    metrics = run["metrics"]
    summary = metrics["recordSummary"]
    summary["inputRecordCount"] += counts["ok"] + counts["failed"]
    summary["outputRecordCount"] += counts["ok"]
    summary["failedRecordCount"] += counts["failed"]
    metrics["sizeSummary"]["inputBytes"] += counts["bytes"]
    metrics["durationSummary"]["completedAtUTC"] = now
    errors = metrics["statusSummary"]["errors"]
    not_json = counts["failed"] - sum(counts["invalid"].values())
    if not_json:
        errors.append({"code": "CONVERT-2001-400", "message": f"{not_json} record(s) were not JSON objects "
                                                                "and could not be mapped."})
    for message, number in counts["invalid"].items():
        # The code is the emulator's choice (Adobe's docs give none); the message is the validation service's.
        errors.append({"code": "XDM-1001-400", "message": f"{number} record(s) failed XDM validation: {message}"})
    if problem:
        errors.append({"code": "1100-400", "message": f"Error from flow provider: {problem}"})
    status = "failed" if problem or not summary["outputRecordCount"] else (
        "partialSuccess" if summary["failedRecordCount"] else "success")
    metrics["statusSummary"]["status"] = status
    run["updatedAt"] = now
    entities.put(RUNS, sandbox, run)
    flow["lastRunDetails"] = {"id": run_id, "state": status, "startedAtUTC": metrics["durationSummary"]["startedAtUTC"],
                              "completedAtUTC": now}
    return entities.put(FLOWS, sandbox, flow)


@bp.post("/runs")
def create_run():
    """An on-demand run: Adobe offers it for batch sources only, and this emulator has only streaming flows."""
    body = request.get_json(silent=True)
    flow_id = str(body.get("flowId") or "") if isinstance(body, dict) else ""
    if current_state().store.entities.get(FLOWS, g.sandbox, flow_id) is None:
        raise flow_error("1101-404", "Resource not found", f"Flow {flow_id or '(none)'} not found.")
    raise flow_error("1409-400", "Invalid request", "On-demand flow runs are supported for batch sources only: "
                     "flow spec Streaming sources to data lake has flowRunsSupported false.")


@bp.get("/runs")
def list_runs():
    """The runs of the sandbox's flows (``property=flowId==<id>``), after a catch-up of those flows."""
    entities = current_state().store.entities
    asked = {flow_id for condition in request.args.getlist("property") if condition.startswith("flowId==")
             for flow_id in condition.split("==", 1)[1].split(",")}
    for flow in entities.list(FLOWS, g.sandbox):
        if not asked or flow["id"] in asked:
            catch_up(g.sandbox, flow)
    return listing(entities.list(RUNS, g.sandbox), RUN_PROPERTIES, "runs")
