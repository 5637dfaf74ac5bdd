"""The emulator's own control API under ``/_emulator``: faults, token expiry, call counts, seeding.

None of this exists at Adobe; tests and demo mode use it to set the stage over plain HTTP.

It listens on loopback only, but a web page open in a browser on the same machine can still reach
loopback: a cross-origin ``POST`` with a ``text/plain`` body is a "simple request" that the browser
sends without asking first. So the control API takes only JSON bodies (a JSON ``POST`` from another
origin needs a CORS preflight, which is never granted here) and refuses any request that a browser
marks as coming from a page that is not itself on loopback.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from .flowservice import store_connection
from .state import TOKEN_LIFETIME, current_state
from .specs import (KINESIS_DESTINATION_AUTH_SPEC_NAME, KINESIS_DESTINATION_PROVIDER_ID,
                    KINESIS_DESTINATION_SECRETS, KINESIS_SPEC_ID)

bp = Blueprint("control", __name__, url_prefix="/_emulator")


def loopback_origin(origin: str) -> bool:
    """True for ``http(s)://`` origins on this machine: 127.x.x.x, ``localhost``, ``[::1]``, any port."""
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.username:
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@bp.before_request
def same_machine_only() -> Response | tuple[Response, int] | None:
    """Refuse what a browser says comes from another site, and any POST whose body is not JSON."""
    origin = request.headers.get("Origin")
    if origin is not None and not loopback_origin(origin):
        return jsonify(error="the control API answers only pages served from loopback"), 403
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return jsonify(error="the control API refuses cross-site requests"), 403
    if request.method == "POST" and request.mimetype != "application/json":
        return jsonify(error="POST bodies must be application/json (send the header even with no body)"), 415
    return None


def _json() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/health")
def health():
    return jsonify(status="ok", org_id=current_state().org_id)


@bp.post("/reset")
def reset():
    """Back to a fresh platform: seed sandboxes, no connections, tokens, faults or counts, the usual
    token lifetime."""
    state = current_state()
    state.store.reset()
    state.faults.clear()
    state.clients.clear()
    state.token_lifetime = TOKEN_LIFETIME
    with state.lock:
        state.calls.clear()
    return jsonify(status="reset")


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """GET lists the fault rules, POST adds one, DELETE removes them all."""
    state = current_state()
    if request.method == "POST":
        try:
            fault = state.faults.add(**_json())
        except (TypeError, ValueError) as exc:
            return jsonify(error=str(exc)), 400
        return jsonify(fault.describe()), 201
    if request.method == "DELETE":
        state.faults.clear()
    return jsonify(faults=state.faults.list())


@bp.post("/tokens/expire")
def expire_tokens():
    """End every token issued so far, as if they had all run out early."""
    return jsonify(expired=current_state().store.expire_tokens())


@bp.route("/config", methods=["GET", "POST"])
def config():
    """Read or change the token lifetime and the registered clients."""
    state = current_state()
    body = _json()
    if "token_lifetime" in body:
        state.token_lifetime = int(body["token_lifetime"])
    if "clients" in body:
        state.clients = dict(body["clients"])
    return jsonify(org_id=state.org_id, token_lifetime=state.token_lifetime, clients=sorted(state.clients),
                   kinesis_endpoint_url=state.kinesis_endpoint_url)


@bp.route("/calls", methods=["GET", "DELETE"])
def calls():
    """How many calls each endpoint has had; DELETE starts counting again."""
    state = current_state()
    with state.lock:
        if request.method == "DELETE":
            state.calls.clear()
        return jsonify(calls=dict(state.calls))


@bp.post("/sandboxes")
def add_sandboxes():
    """Add sandboxes: ``{"sandboxes": [{"name", "title", "type", "state"}]}``."""
    store = current_state().store
    for item in _json().get("sandboxes", []):
        store.add_sandbox(item["name"], item.get("title", item["name"]), item.get("type", "development"),
                          item.get("state", "active"), bool(item.get("isDefault", False)))
    return jsonify(count=store.count("sandboxes")), 201


@bp.post("/destinations")
def add_destination():
    """Add an Amazon Kinesis *destination* connection, as Experience Platform's destinations make them:
    the source's connection spec id, another provider id. Body: ``{"sandbox", "name", "params"}``, and
    ``providerId`` / ``specName`` to change the defaults (see ``specs.KINESIS_DESTINATION_*``)."""
    body = _json()
    sandbox = str(body.get("sandbox") or "prod").lower()
    if current_state().store.sandbox(sandbox) is None:
        return jsonify(error="no such sandbox"), 404
    params = body.get("params") if isinstance(body.get("params"), dict) else {}
    stored = store_connection(sandbox, "acp_destinations", str(body.get("name") or "Amazon Kinesis destination"),
                              str(body.get("description") or ""), KINESIS_SPEC_ID, "1.0",
                              str(body.get("providerId") or KINESIS_DESTINATION_PROVIDER_ID),
                              str(body.get("specName") or KINESIS_DESTINATION_AUTH_SPEC_NAME), params,
                              set(KINESIS_DESTINATION_SECRETS))
    return jsonify(id=stored["id"], etag=stored["etag"]), 201


@bp.post("/connections/<connection_id>/in-use")
def mark_in_use(connection_id: str):
    """Pretend dataflows use a connection (or no longer do, with ``{"in_use": false}``)."""
    if not current_state().store.set_in_use(connection_id, bool(_json().get("in_use", True))):
        return jsonify(error="no such connection"), 404
    return jsonify(status="ok")
