"""Schema Registry (``/data/foundation/schemaregistry``) and Catalog Service (``/data/foundation/catalog``):
the XDM schemas and datasets a dataflow lands in. What Adobe documents, and the emulator's choices:

- Schema Registry lists a sandbox's tenant schemas at ``GET /tenant/schemas`` as ``{"results": [{"$id",
  "meta:altId", "version", "title"}], "_page": {...}}`` (``Accept: application/vnd.adobe.xed-id+json``) and
  returns one at ``GET /tenant/schemas/{$id URL-encoded or meta:altId}``, fields resolved
  (``application/vnd.adobe.xed-full+json; version=1``), ``properties`` nested as JSON Schema.
- Catalog answers a listing and a dataset as an object keyed by dataset id; ``POST /dataSets`` answers 201
  with ``["@/dataSets/<id>"]``. Errors: Adobe's RFC 7807-like ``{"type", "title", "status", "detail"}``.
- Which datasets can take streaming data is the emulator's rule: those whose schema's class is XDM
  ExperienceEvent or XDM Individual Profile; a schema of an ad-hoc class (``meta:extends`` holds
  ``https://ns.adobe.com/xdm/data/adhoc``, as CSV uploads make) takes batches only.
"""
from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, g, jsonify, request

from .entities import DATASETS, SCHEMAS
from .flowservice import gateway
from .state import ApiError, current_state

registry = Blueprint("schemaregistry", __name__, url_prefix="/data/foundation/schemaregistry")
catalog = Blueprint("catalog", __name__, url_prefix="/data/foundation/catalog")
registry.before_request(gateway)
catalog.before_request(gateway)

EXPERIENCE_EVENT = "https://ns.adobe.com/xdm/context/experienceevent"
PROFILE = "https://ns.adobe.com/xdm/context/profile"
ADHOC = "https://ns.adobe.com/xdm/data/adhoc"
STREAMING_CLASSES = (EXPERIENCE_EVENT, PROFILE)
TENANT = "_demotenant"
FULL = "application/vnd.adobe.xed-full+json;version=1"


def error(status: int, title: str, detail: str) -> ApiError:
    return ApiError(status, {"type": f"http://ns.adobe.com/aep/errors/{status}", "title": title, "status": status,
                             "detail": detail})


def streamable(schema: dict[str, Any]) -> bool:
    """Whether data can stream into datasets of this schema (see the module's rule)."""
    return schema.get("meta:class") in STREAMING_CLASSES


def schema(sandbox: str, schema_id: str) -> dict[str, Any] | None:
    """A schema of the sandbox by ``$id`` or ``meta:altId``."""
    for item in current_state().store.entities.list(SCHEMAS, sandbox):
        if schema_id in (item["$id"], item["meta:altId"]):
            return item
    return None


def leaf_paths(properties: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every leaf field of nested XDM ``properties``, by dotted path."""
    found: dict[str, dict[str, Any]] = {}
    for name, field in properties.items():
        path = f"{prefix}{name}"
        if field.get("type") == "object" and "properties" in field:
            found.update(leaf_paths(field["properties"], path + "."))
        else:
            found[path] = field
    return found


@registry.get("/tenant/schemas")
def list_schemas():
    items = current_state().store.entities.list(SCHEMAS, g.sandbox)
    short = "xed-id" in request.headers.get("Accept", "")
    results = [{key: item[key] for key in ("$id", "meta:altId", "version", "title")} if short else item
               for item in sorted(items, key=lambda item: item["title"])]
    return jsonify(results=results, _page={"orderby": "title", "next": None, "count": len(results)}, _links={})


@registry.get("/tenant/schemas/<path:schema_id>")
def get_schema(schema_id: str):
    found = schema(g.sandbox, unquote(schema_id))
    if found is None:
        raise error(404, "NotFoundError", f"No schema found for id {schema_id}.")
    return jsonify(found)


def _dataset_view(dataset_id: str, item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "id"}


@catalog.get("/dataSets")
def list_datasets():
    try:
        limit = min(int(request.args.get("limit", 50)), 100)
        start = int(request.args.get("start", 0))
    except ValueError:
        raise error(400, "Bad Request", "limit and start must be numbers.") from None
    items = current_state().store.entities.list(DATASETS, g.sandbox)[start:start + limit]
    return jsonify({item["id"]: _dataset_view(item["id"], item) for item in items})


@catalog.get("/dataSets/<dataset_id>")
def get_dataset(dataset_id: str):
    found = current_state().store.entities.get(DATASETS, g.sandbox, dataset_id)
    if found is None:
        raise error(404, "Not Found", f"Dataset {dataset_id} not found.")
    return jsonify({dataset_id: _dataset_view(dataset_id, found)})


@catalog.post("/dataSets")
def create_dataset():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
        raise error(400, "Bad Request", "A dataset needs a name.")
    ref = body.get("schemaRef")
    if not isinstance(ref, dict) or schema(g.sandbox, str(ref.get("id"))) is None:
        raise error(400, "Bad Request", "schemaRef.id must name a schema of this sandbox.")
    made = add_dataset(g.sandbox, body["name"], ref["id"], str(body.get("description") or ""))
    return jsonify([f"@/dataSets/{made['id']}"]), 201


def add_dataset(sandbox: str, name: str, schema_id: str, description: str = "", dataset_id: str | None = None,
                client_id: str | None = None) -> dict[str, Any]:
    """Keep a dataset as Catalog returns it."""
    now = int(time.time() * 1000)
    client = client_id or g.get("client_id") or "acp_catalog"
    item = {"id": dataset_id or uuid.uuid4().hex[:24], "name": name, "description": description,
            "imsOrg": current_state().org_id, "sandboxId": str(uuid.uuid5(uuid.NAMESPACE_DNS, sandbox)),
            "created": now, "updated": now, "createdClient": client, "createdUser": f"{client}@AdobeID",
            "version": "1.0.0", "schemaRef": {"id": schema_id, "contentType": FULL}, "tags": {}}
    item["files"] = f"@/dataSetFiles?dataSetId={item['id']}"
    return current_state().store.entities.add(DATASETS, sandbox, item)


def add_schema(sandbox: str, title: str, klass: str, properties: dict[str, Any], alt: str) -> dict[str, Any]:
    """Keep a tenant schema, fields resolved, as Schema Registry returns it."""
    schema_id = f"https://ns.adobe.com/{TENANT[1:]}/schemas/{alt}"
    item = {"id": f"{sandbox}:{schema_id}", "$id": schema_id, "meta:altId": f"{TENANT}.schemas.{alt}",
            "meta:resourceType": "schemas", "version": "1.0", "title": title, "type": "object",
            "meta:class": klass, "meta:extends": [klass], "properties": properties}
    return current_state().store.entities.add(SCHEMAS, sandbox, item)


def check_target(dataset_id: str, data: dict[str, Any]) -> None:
    """A data-lake target: its dataset exists here, takes streaming data, and has the schema named."""
    from .flows import invalid, not_found

    dataset = current_state().store.entities.get(DATASETS, g.sandbox, dataset_id)
    if dataset is None:
        raise not_found("Dataset", dataset_id)
    found = schema(g.sandbox, dataset["schemaRef"]["id"])
    if found is None or not streamable(found):
        raise invalid(f"Dataset '{dataset_id}' cannot take streaming data: its schema's class is not XDM "
                      "ExperienceEvent or XDM Individual Profile.")
    wanted = (data.get("schema") or {}).get("id")
    if wanted and wanted != dataset["schemaRef"]["id"]:
        from .state import flow_error
        raise flow_error("1425-400", "Invalid request", f"Error while matching schema in target dataset "
                         f"{dataset_id} with schema {wanted}. Schema with same id and version must be used.")
