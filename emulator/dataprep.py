"""Data Prep (``/data/foundation/conversion``): mapping sets, from a stream's fields to an XDM schema's.

``POST /mappingSets`` takes ``{"version": 0, "xdmSchema": <schema $id>, "xdmVersion": "1.0", "mappings":
[{"sourceType": "ATTRIBUTE", "source": "page.path", "destination": "_demotenant.page.path"}]}`` and
answers with the mapping set's ``id`` and ``version``. A mapping's ``sourceType`` is ``ATTRIBUTE`` (the
default), ``STATIC`` or ``EXPRESSION``; an expression must be one the emulator resolves (``mapper``), such as
``{"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"}``, a calculated field. The
emulator refuses a schema that the sandbox does not have and a destination that is not a field of it
(400, Adobe's ``{"type", "title", "status", "detail"}`` shape); a flow's Mapping transformation must name a
mapping set it holds (``1419-400``) whose schema is the target's (``1425-400``).
"""
from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Blueprint, g, jsonify, request

from .catalog import error, leaf_paths, schema
from .entities import DATASETS, MAPPING_SETS
from .flowservice import gateway
from .mapper import SOURCE_TYPES, expression_problem
from .state import current_state, flow_error

bp = Blueprint("dataprep", __name__, url_prefix="/data/foundation/conversion")
bp.before_request(gateway)


@bp.post("/mappingSets")
def create_mapping_set():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise error(400, "Bad Request", "The request body must be a mapping set.")
    made = new_mapping_set(body)
    current_state().store.entities.add(MAPPING_SETS, g.sandbox, made)
    return jsonify({key: made[key] for key in ("id", "version", "createdDate", "modifiedDate", "createdBy",
                                                "modifiedBy")}), 201


def new_mapping_set(body: dict[str, Any]) -> dict[str, Any]:
    """The mapping set ``body`` asks for, checked, not yet kept."""
    target = schema(g.sandbox, str(body.get("xdmSchema")))
    if target is None:
        raise error(400, "Bad Request", f"xdmSchema '{body.get('xdmSchema')}' is not a schema of this sandbox.")
    mappings = body.get("mappings")
    if not isinstance(mappings, list) or not mappings:
        raise error(400, "Bad Request", "mappings must be a non-empty list.")
    fields = leaf_paths(target["properties"])
    for mapping in mappings:
        if not isinstance(mapping, dict) or not mapping.get("source") or not mapping.get("destination"):
            raise error(400, "Bad Request", "Each mapping needs a source and a destination.")
        if not isinstance(mapping["destination"], str) or (
                mapping.get("sourceType") != "STATIC" and not isinstance(mapping["source"], str)):
            raise error(400, "Bad Request", "A mapping's destination, and its source unless STATIC, are strings.")
        if mapping["destination"] not in fields:
            raise error(400, "Bad Request", f"Destination '{mapping['destination']}' is not a field of the schema.")
        kind = mapping.get("sourceType", "ATTRIBUTE")
        if kind not in SOURCE_TYPES:
            raise error(400, "Bad Request", f"sourceType '{kind}' is not one of {', '.join(SOURCE_TYPES)}.")
        if kind == "EXPRESSION" and expression_problem(mapping["source"]):
            raise error(400, "Bad Request", str(expression_problem(mapping["source"])))
    now = int(time.time() * 1000)
    author = f"{g.client_id}@AdobeID"
    return {"id": uuid.uuid4().hex, "name": str(body.get("name") or ""), "version": 0, "xdmSchema": target["$id"],
            "xdmVersion": "1.0",
            "mappings": [{"sourceType": m.get("sourceType", "ATTRIBUTE"), "source": m["source"],
                          "destination": m["destination"], "identity": False} for m in mappings],
            "createdDate": now, "modifiedDate": now, "createdBy": author, "modifiedBy": author}


@bp.get("/mappingSets")
def list_mapping_sets():
    """The sandbox's mapping sets, newest first, ``limit`` (default 50) from ``start``; only those named
    ``name`` when it is given (Adobe's ``name`` filter)."""
    try:
        limit, start = min(int(request.args.get("limit", 50)), 100), int(request.args.get("start", 0))
    except ValueError:
        raise error(400, "Bad Request", "limit and start must be numbers.") from None
    items = list(reversed(current_state().store.entities.list(MAPPING_SETS, g.sandbox)))
    if "name" in request.args:
        items = [item for item in items if item.get("name") == request.args["name"]]
    page = items[start:start + limit]
    return jsonify(data=page, _page={"limit": limit, "count": len(page)})


@bp.get("/mappingSets/<mapping_id>")
def get_mapping_set(mapping_id: str):
    found = current_state().store.entities.get(MAPPING_SETS, g.sandbox, mapping_id)
    if found is None:
        raise error(404, "Not Found", f"Mapping set {mapping_id} not found.")
    return jsonify(found)


def check_transformations(transformations: list[dict[str, Any]], targets: list[dict[str, Any]]) -> None:
    """Each Mapping transformation names a mapping set of the sandbox onto the targets' schema."""
    entities = current_state().store.entities
    for transformation in transformations:
        if transformation["name"] != "Mapping":
            continue
        mapping_id = str(transformation["params"].get("mappingId"))
        found = entities.get(MAPPING_SETS, g.sandbox, mapping_id)
        if found is None:
            raise flow_error("1419-400", "Invalid request", f"Error while validating mapping with id {mapping_id}, "
                             f"version {transformation['params'].get('mappingVersion', 0)}: no such mapping set.")
        for target in targets:
            dataset = entities.get(DATASETS, g.sandbox, target["params"]["dataSetId"])
            if dataset and dataset["schemaRef"]["id"] != found["xdmSchema"]:
                raise flow_error("1425-400", "Invalid request", f"Error while matching schema in target dataset "
                                 f"{dataset['id']} with schema in mapping {mapping_id}. Schema with same id and "
                                 "version must be used in both mapping and target dataset.")
