"""Flow Service's ``PATCH /connections/{id}``: a JSON-Patch (RFC 6902) array under ``If-Match``.

From Adobe's "Update connections using the Flow Service API" (help/sources/tutorials/api/update.md) and its
error list: the connection's name, description and auth params can be changed (``add``, ``replace``,
``remove``); the call needs ``If-Match`` with the connection's current etag (``1403-400`` without it,
``1404-412`` when it is not the current one any more); a patch that cannot be applied is ``1455-400``.
The answer is ``{"id", "etag"}`` with a new etag; ``updatedAt`` and ``updatedBy`` follow.

Where the documents are silent: a path outside those three is ``1455-400`` (the documents show no other,
and ``state`` is read-only: Adobe documents enabling and disabling for dataflows, not base connections);
auth params that break the auth spec after the patch are refused as a create's would be (``1409-400``).
"""
from __future__ import annotations

import time
import uuid
from typing import Any

import jsonpatch
from flask import g, jsonify, request

from .access import caller
from .flowservice import ENCRYPTED, _check_params, _connection, bp
from .specs import SPECS, secret_params
from .state import current_state, flow_error

# What a patch may change: the paths Adobe's update guide shows, and what lies below auth/params.
PATCHABLE = ("/name", "/description", "/auth/params")
OPERATIONS = {"add", "replace", "remove"}


def _bad_patch(detail: str):
    return flow_error("1455-400", "Invalid patch", f"The patch cannot be applied: {detail}")


def _operations(body: Any) -> list[dict[str, Any]]:
    """The patch's operations, each checked for its op and its path before anything is applied."""
    if not isinstance(body, list) or not body:
        raise _bad_patch("the body must be a non-empty JSON-Patch array.")
    for operation in body:
        if not isinstance(operation, dict) or operation.get("op") not in OPERATIONS:
            raise _bad_patch("each operation needs an op among add, replace, remove.")
        path = operation.get("path")
        if not isinstance(path, str) or not any(path == p or path.startswith(p + "/") for p in PATCHABLE):
            raise _bad_patch(f"path '{str(path)[:80]}' cannot be changed; only {', '.join(PATCHABLE)}.")
        if operation["op"] != "remove" and "value" not in operation:
            raise _bad_patch(f"operation {operation['op']} on '{path}' needs a value.")
    return body


def _apply(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply the operations one by one, so that a refusal names the one that failed by its place, op and
    path only: jsonpatch's own messages quote the document, whose params hold the secret in clear."""
    for number, operation in enumerate(operations):
        try:
            document = jsonpatch.apply_patch(document, [operation])
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            raise _bad_patch(f"operation {number} ({operation['op']} '{operation['path'][:80]}'): the path "
                             "does not exist in the connection.") from None
    return document


@bp.patch("/connections/<connection_id>")
@bp.patch("/connections/<connection_id>/")
def patch_connection(connection_id: str):
    """Apply a JSON-Patch to a connection whose etag is the one in ``If-Match``."""
    expected = request.headers.get("If-Match")
    if not expected:
        raise flow_error("1403-400", "Bad request", "The If-Match header is required to update a connection.")
    connection, secrets, _ = _connection(connection_id)
    if not request.get_data():
        raise flow_error("1405-400", "Bad request", "The request body is empty.")
    operations = _operations(request.get_json(silent=True))
    if expected != connection["etag"]:
        raise flow_error("1404-412", "Precondition failed",
                         f"The connection '{connection_id}' was changed since etag {expected[:60]}: read it again.")
    spec = SPECS[connection["connectionSpec"]["id"]]
    auth_spec = next(a for a in spec["authSpec"] if a["name"] == connection["auth"]["specName"])
    params = {**connection["auth"]["params"], **secrets}
    # The patch applies to the connection as its owner sees it: the secrets in clear, never shown back.
    document = {"name": connection["name"], "description": connection.get("description", ""),
                "auth": {"params": params}}
    patched = _apply(document, operations)
    if set(patched) != {"name", "description", "auth"} or set(patched["auth"]) != {"params"}:
        raise _bad_patch("name, description and auth.params cannot be removed.")
    name, description, new_params = patched["name"], patched["description"], patched["auth"]["params"]
    if not isinstance(name, str) or not name.strip():
        raise flow_error("1409-400", "Invalid request", "name is required.")
    if not isinstance(description, str):
        raise flow_error("1409-400", "Invalid request", "description must be a string.")
    _check_params(auth_spec["spec"], new_params)
    hidden = secret_params(spec, auth_spec["name"])
    user = caller()
    etag = f'"{uuid.uuid4()}"'
    updated = {**connection, "name": name, "description": description, "etag": etag, "version": etag,
               "updatedAt": int(time.time() * 1000), "updatedBy": user["id"] if user else f"{g.client_id}@AdobeID",
               "updatedClient": g.client_id,
               "auth": {**connection["auth"],
                        "params": {k: (ENCRYPTED if k in hidden else v) for k, v in new_params.items()}}}
    if not current_state().store.replace_connection(connection_id, expected, updated,
                                                    {k: v for k, v in new_params.items() if k in hidden}):
        # Another patch got there between the read and this write.
        raise flow_error("1404-412", "Precondition failed",
                         f"The connection '{connection_id}' was changed since etag {expected[:60]}: read it again.")
    return jsonify(id=connection_id, etag=etag)
