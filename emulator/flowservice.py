"""Flow Service: connection specs and base connections, with Adobe's answers and errors."""
from __future__ import annotations

import time
import uuid
from typing import Any

import jsonschema
from flask import Blueprint, Response, g, jsonify, request, url_for

from .access import caller, check_source_permission, may_use_sandbox
from .filters import CONNECTION_PROPERTIES
from .gateway import check_gateway
from .listing import bad_query_value, listing
from .state import flow_error, current_state
from .kinesis import Kinesis, KinesisRefused, KinesisUnavailable
from .tabular import PREVIEW_BYTES, table
from .specs import KINESIS_AUTH_SPEC_NAME, KINESIS_SPEC_ID, SPECS, secret_params

bp = Blueprint("flowservice", __name__, url_prefix="/data/foundation/flowservice")
ENCRYPTED = "<encrypted>"
PREVIEW_LIMIT = 10


@bp.before_request
def gateway() -> None:
    # A missing or wrong organization never reaches Flow Service: the gateway answers 400003 or 403027.
    check_gateway()
    name = request.headers.get("x-sandbox-name")
    if not name:
        raise flow_error("2105-400", "Bad request", "The x-sandbox-name header is missing.")
    sandbox = current_state().store.sandbox(name)
    if sandbox is None or not may_use_sandbox(name):
        # A user's token sees only the user's sandboxes: one that is not theirs is not found (see access).
        raise flow_error("2100-404", "Sandbox not found", f"Sandbox '{name}' was not found.")
    if sandbox["state"] != "active":
        raise flow_error("2100-404", "Sandbox not found", f"Sandbox '{name}' is not active (state: {sandbox['state']}).")
    check_source_permission()
    g.sandbox = name


@bp.get("/connectionSpecs/<spec_id>")
def connection_spec(spec_id: str):
    """One connection spec."""
    if spec_id not in SPECS:
        raise flow_error("1101-404", "Resource not found", f"Connection spec '{spec_id}' does not exist.")
    return jsonify(items=[SPECS[spec_id]])


def _invalid(detail: str):
    return flow_error("1409-400", "Invalid request", detail)


def _check_params(schema: dict[str, Any], params: Any) -> None:
    """Validate auth params without ever quoting a value (it may be a secret)."""
    for error in jsonschema.Draft7Validator(schema).iter_errors(params):
        where = "auth.params" + "".join(f".{part}" for part in error.path)
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in (params or {})]
            raise _invalid(f"{where}: required parameter(s) missing: {', '.join(missing)}.")
        raise _invalid(f"{where}: does not satisfy '{error.validator}' of the auth spec.")


@bp.post("/connections")
def create_connection():
    """Create a base connection."""
    if not request.get_data():
        raise flow_error("1405-400", "Bad request", "The request body is empty.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise flow_error("1405-400", "Bad request", "The request body is not a JSON object.")
    spec_ref = body.get("connectionSpec") or {}
    spec = SPECS.get(spec_ref.get("id", "")) if isinstance(spec_ref, dict) else None
    if spec is None:
        raise flow_error("1413-400", "Invalid connection spec", "The connection spec id is invalid.")
    auth = body.get("auth")
    if not isinstance(auth, dict):
        raise _invalid("auth is required.")
    auth_spec = next((a for a in spec["authSpec"] if a["name"] == auth.get("specName")), None)
    if auth_spec is None:
        raise flow_error("1415-400", "Auth spec not found",
                         f"Auth spec '{auth.get('specName')}' was not found in connection spec '{spec['id']}'.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _invalid("name is required.")
    params = auth.get("params")
    _check_params(auth_spec["spec"], params)

    user = caller()
    stored = store_connection(g.sandbox, g.client_id, name, body.get("description") or "", spec["id"],
                              spec_ref.get("version") or spec["version"], spec["providerId"], auth_spec["name"],
                              params, secret_params(spec, auth_spec["name"]), user["id"] if user else None)
    connection_id, etag = stored["id"], stored["etag"]
    answer = jsonify(id=connection_id, etag=etag)
    answer.status_code = 201
    answer.headers["Location"] = url_for(".get_connection", connection_id=connection_id)
    return answer


def store_connection(sandbox: str, client_id: str, name: str, description: str, spec_id: str, spec_version: str,
                     provider_id: str, auth_spec_name: str, params: dict[str, Any], secrets: set[str],
                     user_id: str | None = None) -> dict[str, Any]:
    """Keep a connection as Flow Service returns it, the secret params apart (and sealed by the store).
    ``createdBy`` is the signed-in user's id when a user made it, else ``{client_id}@AdobeID``.

    Adobe's connection listing schema (ConnectionItemDTO) does not show ``providerId``; the create
    request carries it, and the emulator keeps it on the connection (the connection spec's own, for
    connections made through ``POST /connections``), so that sources and destinations sharing a
    connection spec id can be told apart.
    """
    now = int(time.time() * 1000)
    connection_id, etag = str(uuid.uuid4()), f'"{uuid.uuid4()}"'
    client = f"{client_id}@AdobeID"
    author = user_id or client
    stored = {
        "id": connection_id, "createdAt": now, "updatedAt": now, "createdBy": author, "updatedBy": author,
        "createdClient": client_id, "updatedClient": client_id,
        "sandboxId": str(uuid.uuid5(uuid.NAMESPACE_DNS, sandbox)), "sandboxName": sandbox,
        "imsOrgId": current_state().org_id, "name": name, "description": description,
        "providerId": provider_id,
        "connectionSpec": {"id": spec_id, "version": spec_version},
        "state": "enabled",
        "auth": {"specName": auth_spec_name,
                 "params": {k: (ENCRYPTED if k in secrets else v) for k, v in params.items()}},
        "version": etag, "etag": etag,
    }
    current_state().store.add_connection(stored, {k: v for k, v in params.items() if k in secrets})
    return stored


@bp.get("/connections")
def list_connections():
    """List connections, filtered with ``property``, sorted with ``orderby``, paged by continuation token."""
    return listing(current_state().store.connections(g.sandbox), CONNECTION_PROPERTIES, "connections")


def _connection(connection_id: str) -> tuple[dict[str, Any], dict[str, Any], bool]:
    found = current_state().store.connection(g.sandbox, connection_id)
    if found is None:
        raise flow_error("1101-404", "Resource not found",
                         f"The requested resource is not found. Connection '{connection_id}' does not exist.")
    return found


@bp.get("/connections/<connection_id>")
def get_connection(connection_id: str):
    """One connection, secrets encrypted."""
    return jsonify(items=[_connection(connection_id)[0]])


def _kinesis(connection_id: str) -> Kinesis:
    connection, secrets, _ = _connection(connection_id)
    if connection["connectionSpec"]["id"] != KINESIS_SPEC_ID:
        raise _invalid("Only Kinesis connections can be tested and explored here.")
    if connection["auth"]["specName"] != KINESIS_AUTH_SPEC_NAME:
        raise _invalid(f"Connections made with the auth spec '{connection['auth']['specName']}' cannot be "
                       "tested or explored by this emulator: it asks Kinesis with an access key only.")
    return Kinesis(current_state().kinesis_endpoint_url, connection["auth"]["params"], secrets)


@bp.get("/connections/<connection_id>/test")
def test_connection(connection_id: str):
    """Whether the stored credentials are usable: can they list the account's streams?"""
    kinesis = _kinesis(connection_id)
    try:
        kinesis.streams()
    except (KinesisRefused, KinesisUnavailable):
        return jsonify(result=False)
    return jsonify(result=True)


@bp.get("/connections/<connection_id>/explore")
def explore(connection_id: str):
    """``objectType=root``: the account's streams. ``objectType=table&object=S``: stream S in Adobe's tabular
    shape (see ``tabular.table``), its latest records as rows with ``preview=true``."""
    kinesis = _kinesis(connection_id)
    object_type = request.args.get("objectType", "").lower()
    try:
        if object_type == "root":
            return jsonify([{"type": "table", "name": stream, "path": stream, "canPreview": True,
                             "canFetchSchema": True} for stream in kinesis.streams()])
        if object_type == "table" and request.args.get("object"):
            stream = request.args["object"]
            try:
                limit = max(1, min(int(request.args.get("limit", PREVIEW_LIMIT)), 100))
            except ValueError:
                raise bad_query_value("limit", request.args["limit"]) from None
            values = kinesis.recent_values(stream, limit, PREVIEW_BYTES)
            return jsonify(table(values, preview=request.args.get("preview", "").lower() == "true"))
    except KinesisRefused as error:
        raise flow_error("1409-400", "Invalid request",
                         f"The provider refused the request: {error}") from None
    except KinesisUnavailable:
        raise flow_error("1103-503", "Service Unavailable",
                         "The provider could not be reached. Please try again.") from None
    raise _invalid(f"objectType '{request.args.get('objectType', '')}' is not supported for this connection; "
                   "use root, or table with object=<stream>.")


@bp.delete("/connections/<connection_id>")
@bp.delete("/connections/<connection_id>/")
def delete_connection(connection_id: str):
    """Delete a connection unless flows use it (or the control API marked it in use)."""
    _, _, marked = _connection(connection_id)
    if marked or current_state().store.entities.flows_using(g.sandbox, connection_id):
        raise flow_error("1418-400", "Invalid request",
                         f"The base connection with the ID {connection_id} cannot be deleted because the base "
                         "connection is being used in one or more flows. Please ensure that corresponding flows "
                         "are deleted before deleting a base connection.")
    current_state().store.delete_connection(connection_id)
    answer = Response(status=204)
    del answer.headers["Content-Type"]
    return answer
