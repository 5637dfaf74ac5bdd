"""Flow Service's dataflow side: source connections, target connections and flows (PLATFORM.md §7,
flow-service.yaml's SourceConnectionItemDTO, TargetConnectionItemDTO and FlowItemDTO).

Where Adobe's documents are silent, the emulator's choices:
- a create that names a base, source or target connection that does not exist in the sandbox is answered
  ``1101-404`` ("Resource with given id does not exist"), naming it;
- deleting a source or target connection that a flow uses is ``1447-400`` ("Found active flows containing
  id ..."); deleting a base connection that a flow uses is ``1418-400`` (see ``flowservice``).
"""
from __future__ import annotations

import time
import uuid
from typing import Any, Callable

import jsonschema
from flask import Blueprint, Response, g, jsonify, request, url_for

from . import catalog, dataprep, flowservice
from .access import caller
from .entities import FLOWS, SOURCE_CONNECTIONS, TARGET_CONNECTIONS
from .filters import FLOW_PROPERTIES, SOURCE_CONNECTION_PROPERTIES, TARGET_CONNECTION_PROPERTIES
from .ingest import catch_up
from .listing import listing
from .specs import DATA_LAKE_SPEC_ID, FLOW_SPECS, SPECS
from .state import current_state, flow_error

bp = Blueprint("flows", __name__, url_prefix="/data/foundation/flowservice")
bp.before_request(flowservice.gateway)


def invalid(detail: str):
    return flow_error("1409-400", "Invalid request", detail)


def invalid_spec():
    return flow_error("1413-400", "Invalid request",
                      "The spec ID provided is invalid. Please provide a valid spec ID and try again.")


def not_found(what: str, entity_id: str):
    return flow_error("1101-404", "Resource not found",
                      f"The requested resource is not found. {what} '{entity_id}' does not exist.")


def body_object() -> dict[str, Any]:
    """The request's JSON object, or Flow Service's ``1405-400``."""
    if not request.get_data():
        raise flow_error("1405-400", "Invalid request",
                         "The request body cannot be null or empty. Please provide a request body and try again.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise flow_error("1405-400", "Invalid request", "The request body is not a JSON object.")
    return body


def spec_ref(body: dict[str, Any], key: str) -> tuple[str, str]:
    ref = body.get(key)
    if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
        raise invalid_spec()
    return ref["id"], str(ref.get("version") or "1.0")


def stamped(name: Any, description: Any) -> dict[str, Any]:
    """The fields every Flow Service object carries: id, times, who made it, sandbox, organization, etag."""
    if not isinstance(name, str) or not name.strip():
        raise invalid("name is required.")
    now, etag = int(time.time() * 1000), f'"{uuid.uuid4()}"'
    user = caller()
    author = user["id"] if user else f"{g.client_id}@AdobeID"
    return {"id": str(uuid.uuid4()), "createdAt": now, "updatedAt": now, "createdBy": author, "updatedBy": author,
            "createdClient": g.client_id, "updatedClient": g.client_id,
            "sandboxId": str(uuid.uuid5(uuid.NAMESPACE_DNS, g.sandbox)), "sandboxName": g.sandbox,
            "imsOrgId": current_state().org_id, "name": name, "description": description or "",
            "state": "enabled", "version": etag, "etag": etag}


def created(item: dict[str, Any], kind: str, endpoint: str, argument: str):
    """Keep the new object; answer 201 with its id and etag, and where it lives."""
    current_state().store.entities.add(kind, g.sandbox, item)
    answer = jsonify(id=item["id"], etag=item["etag"])
    answer.status_code = 201
    answer.headers["Location"] = url_for(endpoint, **{argument: item["id"]})
    return answer


def no_content() -> Response:
    answer = Response(status=204)
    del answer.headers["Content-Type"]
    return answer


def one(kind: str, entity_id: str, what: str) -> dict[str, Any]:
    found = current_state().store.entities.get(kind, g.sandbox, entity_id)
    if found is None:
        raise not_found(what, entity_id)
    return found


def check_schema(schema: dict[str, Any], value: Any, where: str) -> None:
    for error in jsonschema.Draft7Validator(schema).iter_errors(value):
        path = where + "".join(f".{part}" for part in error.path)
        raise invalid(f"{path}: {error.message}")


def refuse_delete_in_use(entity_id: str) -> None:
    flows = current_state().store.entities.flows_using(g.sandbox, entity_id)
    if flows:
        raise flow_error("1447-400", "Invalid request", f"Found active flows containing id {entity_id}: "
                         + ", ".join(flow["id"] for flow in flows) + ".")


def collection_routes(path: str, kind: str, name: str, what: str, properties: frozenset[str], *,
                      refuse_in_use: bool = True,
                      shown: Callable[[dict[str, Any]], dict[str, Any]] = lambda item: item) -> None:
    """Register the routes every collection here shares, with the same answers for each:

    - ``GET /{path}``, endpoint ``list_{name}s``: the listing, filtered by ``properties``;
    - ``GET /{path}/<{name}_id>``, endpoint ``get_{name}``: ``{"items": [shown(item)]}``;
    - ``DELETE /{path}/<{name}_id>``, endpoint ``delete_{name}``: 204, refused with ``1447-400`` while a
      flow uses the object when ``refuse_in_use``.

    An unknown id is ``1101-404``, naming it as ``what``. The URL rules stay those of Flow Service's
    paths: the call counts of ``/_emulator/calls`` are kept by them.
    """
    argument = f"{name}_id"

    def list_items() -> Response:
        return listing(current_state().store.entities.list(kind, g.sandbox), properties, path)

    def get_item(**ids: str) -> Response:
        return jsonify(items=[shown(one(kind, ids[argument], what))])

    def delete_item(**ids: str) -> Response:
        entity_id = ids[argument]
        one(kind, entity_id, what)
        if refuse_in_use:
            refuse_delete_in_use(entity_id)
        current_state().store.entities.delete(kind, g.sandbox, entity_id)
        return no_content()

    bp.add_url_rule(f"/{path}", f"list_{name}s", list_items, methods=["GET"])
    bp.add_url_rule(f"/{path}/<{argument}>", f"get_{name}", get_item, methods=["GET"])
    bp.add_url_rule(f"/{path}/<{argument}>", f"delete_{name}", delete_item, methods=["DELETE"])


# Source connections ----------------------------------------------------------------------------------


@bp.post("/sourceConnections")
def create_source_connection():
    """A source connection: one stream of a Kinesis base connection, with how to read it."""
    item = new_source_connection(body_object())
    return created(item, SOURCE_CONNECTIONS, ".get_source_connection", "source_connection_id")


def new_source_connection(body: dict[str, Any]) -> dict[str, Any]:
    """The source connection that ``body`` asks for, checked, not yet kept."""
    spec_id, version = spec_ref(body, "connectionSpec")
    spec = SPECS.get(spec_id)
    if spec is None:
        raise invalid_spec()
    item = stamped(body.get("name"), body.get("description"))
    if not isinstance(body.get("data"), dict):
        raise invalid("data is required (for example {\"format\": \"json\"}).")
    base_id = body.get("baseConnectionId")
    if not isinstance(base_id, str) or not base_id:
        raise invalid("baseConnectionId is required for this connection spec.")
    base = current_state().store.connection(g.sandbox, base_id)
    if base is None:
        raise not_found("Base connection", base_id)
    if base[0]["connectionSpec"]["id"] != spec_id:
        raise invalid(f"Base connection '{base_id}' was made with another connection spec.")
    params = body.get("params") if body.get("params") is not None else {}
    check_schema(spec["sourceSpec"]["spec"], params, "params")
    item.update(baseConnectionId=base_id, data=body["data"], connectionSpec={"id": spec_id, "version": version},
                params=params, inheritedAttributes={"baseConnection": {
                    "id": base_id, "connectionSpec": base[0]["connectionSpec"]}})
    return item


collection_routes("sourceConnections", SOURCE_CONNECTIONS, "source_connection", "Source connection",
                  SOURCE_CONNECTION_PROPERTIES)


# Target connections ----------------------------------------------------------------------------------


@bp.post("/targetConnections")
def create_target_connection():
    """A target connection: the data lake, into one dataset, with its XDM schema."""
    item = new_target_connection(body_object())
    return created(item, TARGET_CONNECTIONS, ".get_target_connection", "target_connection_id")


def new_target_connection(body: dict[str, Any]) -> dict[str, Any]:
    """The target connection that ``body`` asks for, checked, not yet kept."""
    spec_id, version = spec_ref(body, "connectionSpec")
    if spec_id != DATA_LAKE_SPEC_ID:
        raise invalid_spec()
    item = stamped(body.get("name") or "Target connection", body.get("description"))
    data, params = body.get("data"), body.get("params")
    if not isinstance(data, dict):
        raise invalid("data is required (for example {\"format\": \"parquet_xdm\", \"schema\": {...}}).")
    if not isinstance(params, dict) or not isinstance(params.get("dataSetId"), str) or not params["dataSetId"]:
        raise invalid("params.dataSetId is required for the data lake.")
    catalog.check_target(params["dataSetId"], data)
    item.update(data=data, connectionSpec={"id": spec_id, "version": version}, params=params)
    return item


collection_routes("targetConnections", TARGET_CONNECTIONS, "target_connection", "Target connection",
                  TARGET_CONNECTION_PROPERTIES)


# Flows -----------------------------------------------------------------------------------------------


@bp.get("/flowSpecs/<flow_spec_id>")
def flow_spec(flow_spec_id: str):
    if flow_spec_id not in FLOW_SPECS:
        raise not_found("Flow spec", flow_spec_id)
    return jsonify(items=[FLOW_SPECS[flow_spec_id]])


def _connections(body: dict[str, Any], key: str, kind: str, what: str, allowed: list[str]) -> list[dict]:
    ids = body.get(key)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise invalid(f"{key} must be a non-empty list of ids.")
    found = [one(kind, entity_id, what) for entity_id in ids]
    for item in found:
        if item["connectionSpec"]["id"] not in allowed:
            raise invalid(f"{what} '{item['id']}' has a connection spec that the flow spec does not take.")
    return found


def _inherited(item: dict[str, Any]) -> dict[str, Any]:
    part = {"id": item["id"], "connectionSpec": item["connectionSpec"]}
    if item.get("baseConnectionId"):
        base = current_state().store.connection(g.sandbox, item["baseConnectionId"])
        part["baseConnection"] = {"id": item["baseConnectionId"],
                                  "connectionSpec": base[0]["connectionSpec"] if base else item["connectionSpec"]}
    return part


@bp.post("/flows")
def create_flow():
    """A dataflow from source connections to target connections, with its transformations."""
    return created(new_flow(body_object()), FLOWS, ".get_flow", "flow_id")


def new_flow(body: dict[str, Any]) -> dict[str, Any]:
    """The flow that ``body`` asks for, checked, not yet kept."""
    if "state" in body:
        raise flow_error("1410-400", "Invalid request", "State is not allowed in the create flow request.")
    spec_id, version = spec_ref(body, "flowSpec")
    spec = FLOW_SPECS.get(spec_id)
    if spec is None:
        raise invalid_spec()
    item = stamped(body.get("name"), body.get("description"))
    sources = _connections(body, "sourceConnectionIds", SOURCE_CONNECTIONS, "Source connection",
                           spec["sourceConnectionSpecIds"])
    targets = _connections(body, "targetConnectionIds", TARGET_CONNECTIONS, "Target connection",
                           spec["targetConnectionSpecIds"])
    transformations = body.get("transformations") or []
    if not isinstance(transformations, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("params"), dict)
            for t in transformations):
        raise invalid("transformations must be a list of {name, params}.")
    dataprep.check_transformations(transformations, targets)
    now = item["createdAt"]
    item.update(flowSpec={"id": spec_id, "version": version},
                sourceConnectionIds=[s["id"] for s in sources], targetConnectionIds=[t["id"] for t in targets],
                inheritedAttributes={"sourceConnections": [_inherited(s) for s in sources],
                                     "targetConnections": [_inherited(t) for t in targets]},
                transformations=transformations,
                lastOperation={"started": now, "updated": now, "operation": "create"})
    if isinstance(body.get("scheduleParams"), dict):
        item["scheduleParams"] = body["scheduleParams"]
    return item


# A streaming flow reads its stream when it is looked at.
collection_routes("flows", FLOWS, "flow", "Flow", FLOW_PROPERTIES, refuse_in_use=False,
                  shown=lambda flow: catch_up(g.sandbox, flow))
