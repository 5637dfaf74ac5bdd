"""What comes after a base connection in Adobe's flow (PLATFORM.md §7): the source connection that reads
one Kinesis stream (also as JSON and curl, for people who automate), the data-lake target connection,
the Data Prep mapping set, the streaming dataflow, and what the dataflow has taken in."""
from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from .connection import BASE_PATH, ConnectionSpec
from .errors import NotFound, OutcomeUnknown, PlatformError, ServiceUnavailable, TransportError
from .session import PlatformSession

DATA_TYPES = ("raw", "xdm")       # the stream's records as they are, or already in XDM
RESETS = ("latest", "earliest")   # where reading starts: new records only, or all the stream holds


def source_connection_body(spec: ConnectionSpec, connection_id: str, name: str, stream: str,
                           data_type: str = "raw", reset: str = "latest") -> dict[str, Any]:
    """The body of ``POST /sourceConnections`` that reads ``stream`` through the base connection: the same
    connection spec, JSON records, and the Kinesis params ``stream``, ``dataType`` and ``reset``."""
    if data_type not in DATA_TYPES or reset not in RESETS:
        raise ValueError("dataType must be raw or xdm, and reset latest or earliest")
    return {
        "name": f"{name}: {stream}",
        "description": f"Amazon Kinesis stream {stream}",
        "baseConnectionId": connection_id,
        "connectionSpec": {"id": spec.id, "version": spec.version},
        "data": {"format": "json"},
        "params": {"stream": stream, "dataType": data_type, "reset": reset},
    }


def curl_command(body: dict[str, Any], sandbox: str, gateway_url: str) -> str:
    """The source-connection request as a curl command; the token, API key and organization are left as
    placeholders, so that the command carries no credential."""
    lines = [f"curl -X POST {shlex.quote(gateway_url.rstrip('/') + BASE_PATH + '/sourceConnections')}",
             "-H 'Authorization: Bearer {ACCESS_TOKEN}'",
             "-H 'x-api-key: {API_KEY}'",
             "-H 'x-gw-ims-org-id: {ORG_ID}'",
             f"-H {shlex.quote('x-sandbox-name: ' + sandbox.lower())}",
             "-H 'Content-Type: application/json'",
             f"-d {shlex.quote(json.dumps(body, indent=2))}"]
    return " \\\n  ".join(lines)


FLOWS_PATH = BASE_PATH
DATA_PREP = "/data/foundation/conversion"
DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
STREAMING_FLOW_SPEC_ID = "d69717ba-71b4-4313-b654-49f9cf126d7a"
RECENT_MS = 300_000     # clock skew allowed when looking for what an unanswered create made


def marked(text: str, tag: str) -> str:
    """``text`` with the mark of one attempt's create: what an unanswered create made is looked for by
    this mark only, never by a name that another person's choices could give their own objects too."""
    return f"{text} [ref {tag}]"


def carries(item: dict[str, Any], tag: str) -> bool:
    return isinstance(item, dict) and f"[ref {tag}]" in str(item.get("description") or "")


def mapping_set_name(tag: str) -> str:
    """Mapping sets have a name but no description (Data Prep API): the mark is their whole name."""
    return f"Kinesis mapping {tag}"


@dataclass(frozen=True)
class DataflowStatus:
    """A dataflow as the dataflow page shows it: its state and what has arrived."""

    id: str
    name: str
    state: str
    created_at: int
    source_connection_id: str
    target_connection_id: str
    last_run: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrivals:
    """What a flow has taken in, summed over its monitoring runs."""

    records: int = 0
    ingested: int = 0
    failed: int = 0
    last_ingestion_ms: int | None = None
    status: str | None = None
    errors: tuple[str, ...] = ()


class Dataflows:
    """Source and target connections, mapping sets and dataflows (PLATFORM.md §7), each create sent once:
    after an unanswered create, or given the time of an earlier try, what was made since is looked for by
    the create's ``tag`` (see ``marked``: one attempt's, never someone else's object of the same name) and
    taken instead; ``OutcomeUnknown`` when nothing is found after an unanswered one."""

    def __init__(self, session: PlatformSession) -> None:
        self.session = session

    def _create(self, path: str, sandbox: str, body: dict[str, Any], find: Callable[[int], str | None],
                earlier_ms: int | None) -> str:
        if earlier_ms is not None:
            found = find(earlier_ms)
            if found:
                return found
        sent_at = int(time.time() * 1000)
        try:
            return str(self.session.call("POST", path, sandbox=sandbox, json=body).json()["id"])
        except (TransportError, ServiceUnavailable) as exc:
            if not exc.sent:
                raise
            cause: PlatformError = exc
        found = find(sent_at)
        if found:
            return found
        raise OutcomeUnknown(sent_at=sent_at, status=cause.status, code=cause.code, request_id=cause.request_id)

    def _recent(self, collection: str, sandbox: str, tag: str, since_ms: int) -> str | None:
        """The newest object of ``collection`` carrying ``tag`` made since ``since_ms`` (less skew). The mark
        is looked for here, not in a filter: filters compare whole values."""
        body = self.session.get_json(f"{FLOWS_PATH}/{collection}", sandbox=sandbox, params=[
            ("property", f"createdAt>={since_ms - RECENT_MS}"), ("orderby", "-createdAt")])
        items = [item for item in body.get("items") or [] if carries(item, tag)]
        return str(items[0]["id"]) if items else None

    def create_source_connection(self, sandbox: str, body: dict[str, Any], tag: str,
                                 earlier_ms: int | None = None) -> str:
        """``POST /sourceConnections`` with ``body`` (see ``source_connection_body``), marked with ``tag``."""
        body = {**body, "description": marked(str(body.get("description") or ""), tag)}
        return self._create(f"{FLOWS_PATH}/sourceConnections", sandbox, body,
                            lambda since: self._recent("sourceConnections", sandbox, tag, since), earlier_ms)

    def create_target_connection(self, sandbox: str, name: str, dataset_id: str, schema_id: str, tag: str,
                                 earlier_ms: int | None = None) -> str:
        """A data-lake target connection into ``dataset_id``, whose schema is ``schema_id``; its id."""
        body = {"name": name, "description": marked("Data lake target for a Kinesis dataflow", tag),
                "connectionSpec": {"id": DATA_LAKE_SPEC_ID, "version": "1.0"},
                "data": {"format": "parquet_xdm", "schema": {"id": schema_id, "version": "1.0"}},
                "params": {"dataSetId": dataset_id}}
        return self._create(f"{FLOWS_PATH}/targetConnections", sandbox, body,
                            lambda since: self._recent("targetConnections", sandbox, tag, since), earlier_ms)

    def create_mapping_set(self, sandbox: str, schema_id: str, mappings: dict[str, str], tag: str,
                           earlier_ms: int | None = None, calculated: dict[str, str] | None = None) -> str:
        """A Data Prep mapping set from stream fields onto ``schema_id``'s (``{source: destination}``), and
        calculated fields (``{destination: expression}``, such as ``{"_id": "uuid()"}``: Data Prep's
        ``EXPRESSION`` source type, resolved for each record), named after ``tag`` (see ``mapping_set_name``)."""
        rows = [{"sourceType": "ATTRIBUTE", "source": source, "destination": destination}
                for source, destination in mappings.items()]
        rows += [{"sourceType": "EXPRESSION", "source": expression, "destination": destination}
                 for destination, expression in (calculated or {}).items()]
        name = mapping_set_name(tag)
        body = {"name": name, "version": 0, "xdmSchema": schema_id, "xdmVersion": "1.0", "mappings": rows}

        def find(since_ms: int) -> str | None:
            listed = self.session.get_json(f"{DATA_PREP}/mappingSets", sandbox=sandbox,
                                           params={"limit": 50, "start": 0, "name": name})
            for item in listed.get("data") or []:
                if (item.get("name") == name and item.get("xdmSchema") == schema_id
                        and int(item.get("createdDate") or 0) >= since_ms - RECENT_MS):
                    return str(item["id"])
            return None

        return self._create(f"{DATA_PREP}/mappingSets", sandbox, body, find, earlier_ms)

    def create_flow(self, sandbox: str, name: str, source_id: str, target_id: str, mapping_id: str, tag: str,
                    earlier_ms: int | None = None) -> str:
        """A streaming dataflow from the source connection to the target through the mapping set; its id."""
        body = {"name": name, "description": marked("Amazon Kinesis to Experience Platform", tag),
                "flowSpec": {"id": STREAMING_FLOW_SPEC_ID, "version": "1.0"},
                "sourceConnectionIds": [source_id], "targetConnectionIds": [target_id],
                "transformations": [{"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": "0"}}]}
        return self._create(f"{FLOWS_PATH}/flows", sandbox, body,
                            lambda since: self._recent("flows", sandbox, tag, since), earlier_ms)

    def flow(self, sandbox: str, flow_id: str) -> DataflowStatus:
        """One dataflow (``NotFound`` when the sandbox has none such)."""
        items = self.session.get_json(f"{FLOWS_PATH}/flows/{flow_id}", sandbox=sandbox).get("items") or []
        if not items:
            raise NotFound(status=404)
        item = items[0]
        return DataflowStatus(item["id"], str(item.get("name") or ""), str(item.get("state") or ""),
                        int(item.get("createdAt") or 0), (item.get("sourceConnectionIds") or [""])[0],
                        (item.get("targetConnectionIds") or [""])[0], dict(item.get("lastRunDetails") or {}))

    def source_connection(self, sandbox: str, source_id: str) -> dict[str, Any]:
        items = self.session.get_json(f"{FLOWS_PATH}/sourceConnections/{source_id}", sandbox=sandbox).get("items")
        if not items:
            raise NotFound(status=404)
        return items[0]

    def arrivals(self, sandbox: str, flow_id: str) -> Arrivals:
        """What the flow has taken in, from its monitoring runs (``GET /runs?property=flowId==``)."""
        body = self.session.get_json(f"{FLOWS_PATH}/runs", sandbox=sandbox, params={"property": f"flowId=={flow_id}"})
        records = ingested = failed = 0
        last, status, errors = None, None, []
        for run in sorted(body.get("items") or [], key=lambda r: (r.get("metrics") or {}).get(
                "durationSummary", {}).get("completedAtUTC") or 0):
            metrics = run.get("metrics") or {}
            summary = metrics.get("recordSummary") or {}
            records += int(summary.get("inputRecordCount") or 0)
            ingested += int(summary.get("outputRecordCount") or 0)
            failed += int(summary.get("failedRecordCount") or 0)
            last = (metrics.get("durationSummary") or {}).get("completedAtUTC") or last
            status = (metrics.get("statusSummary") or {}).get("status") or status
            errors += [str(e.get("message") or e.get("code")) for e in
                       (metrics.get("statusSummary") or {}).get("errors") or [] if isinstance(e, dict)]
        return Arrivals(records, ingested, failed, last, status, tuple(errors[-5:]))
