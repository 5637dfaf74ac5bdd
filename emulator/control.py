"""The emulator's own control API under ``/_emulator``: faults, token expiry, call counts, seeding, users.

None of this exists at Adobe; tests and demo mode use it to set the stage over plain HTTP.

It listens on loopback only, but a web page open in a browser on the same machine can still reach
loopback: a cross-origin ``POST`` with a ``text/plain`` body is a "simple request" that the browser
sends without asking first. So the control API takes only JSON bodies (a JSON ``POST`` from another
origin needs a CORS preflight, which is never granted here) and refuses any request that a browser
marks as coming from a page that is not itself on loopback.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from .flowservice import store_connection
from .loopback import is_loopback_host, loopback_url
from .state import CODE_LIFETIME, TOKEN_LIFETIME, current_state
from .store_ims import ACCESS, EVERY_SANDBOX, PERMISSIONS, REFRESH
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
    return is_loopback_host(parts.hostname or "")


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
    """Back to a fresh platform: seed sandboxes and users, no connections, tokens, codes, faults, counts
    or registered clients, the usual token and code lifetimes."""
    state = current_state()
    state.store.reset()
    state.faults.clear()
    state.clients.clear()
    state.redirect_uris.clear()
    state.token_lifetime = TOKEN_LIFETIME
    state.code_lifetime = CODE_LIFETIME
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
    """End every access token issued so far, as if they had all run out early (refresh tokens live on)."""
    return jsonify(expired=current_state().store.expire_tokens())


def _oauth_clients(value: object) -> tuple[dict[str, str], dict[str, list[str]]]:
    """``{"id": {"secret": "...", "redirect_uris": [...]}}`` as secrets and redirect URIs; ValueError when
    malformed or when a redirect URI is not on loopback."""
    if not isinstance(value, dict):
        raise ValueError("oauth_clients must be an object of client ids")
    secrets, redirects = {}, {}
    for client_id, spec in value.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("secret"), str) or not spec["secret"]:
            raise ValueError(f"oauth_clients[{client_id!r}] needs a non-empty secret")
        uris = spec.get("redirect_uris", [])
        if not isinstance(uris, list) or not all(isinstance(uri, str) and loopback_url(uri) for uri in uris):
            raise ValueError(f"oauth_clients[{client_id!r}].redirect_uris must be a list of http(s) URLs on "
                             "localhost or a loopback address, without fragment")
        secrets[client_id], redirects[client_id] = spec["secret"], list(uris)
    return secrets, redirects


@bp.route("/config", methods=["GET", "POST"])
def config():
    """Read or change the token and code lifetimes and the registered clients.

    ``clients`` (``{"id": "secret"}``) registers clients with no redirect URI (they may use any loopback
    one); ``oauth_clients`` (``{"id": {"secret", "redirect_uris": [...]}}``) registers clients with their
    redirect URIs, the first being the default. Either replaces every registered client; with none, any
    client id and secret are accepted."""
    state = current_state()
    body = _json()
    try:
        lifetimes = {key: int(body[key]) for key in ("token_lifetime", "code_lifetime") if key in body}
        oauth = _oauth_clients(body["oauth_clients"]) if "oauth_clients" in body else None
        if "clients" in body and not isinstance(body["clients"], dict):
            raise ValueError("clients must be an object of client ids and secrets")
    except (TypeError, ValueError) as exc:
        return jsonify(error=str(exc)), 400
    if "token_lifetime" in lifetimes:
        state.token_lifetime = lifetimes["token_lifetime"]
    if "code_lifetime" in lifetimes:
        state.code_lifetime = lifetimes["code_lifetime"]
    if "clients" in body:
        state.clients, state.redirect_uris = dict(body["clients"]), {}
    if oauth is not None:
        state.clients, state.redirect_uris = oauth
    return jsonify(org_id=state.org_id, token_lifetime=state.token_lifetime, code_lifetime=state.code_lifetime,
                   clients=sorted(state.clients),
                   oauth_clients={client_id: {"redirect_uris": state.redirect_uris.get(client_id, [])}
                                  for client_id in sorted(state.clients)},
                   kinesis_endpoint_url=state.kinesis_endpoint_url)


def _public(user: dict) -> dict:
    return {key: value for key, value in user.items() if key != "position"}


@bp.route("/users", methods=["GET", "POST"])
def users():
    """GET lists the users who can sign in. POST adds users, or changes those with the same email:
    ``{"users": [{"email", "name", "given_name", "family_name", "sandboxes": ["dev"] or "*",
    "permissions": ["Manage Sources", "View Sources"], "country"}]}``."""
    store = current_state().store
    if request.method == "GET":
        return jsonify(users=[_public(user) for user in store.users()])
    items = _json().get("users")
    if not isinstance(items, list) or not items:
        return jsonify(error="users must be a non-empty list"), 400
    added = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("email"), str) or "@" not in item["email"]:
            return jsonify(error="each user needs an email"), 400
        sandboxes = item.get("sandboxes", [])
        permissions = item.get("permissions", [])
        if sandboxes != EVERY_SANDBOX and not (isinstance(sandboxes, list)
                                               and all(isinstance(name, str) for name in sandboxes)):
            return jsonify(error='sandboxes must be a list of sandbox names or "*"'), 400
        if not isinstance(permissions, list) or not set(permissions) <= set(PERMISSIONS):
            return jsonify(error=f"permissions must be a list of: {', '.join(PERMISSIONS)}"), 400
        local = item["email"].split("@")[0]
        given = str(item.get("given_name") or local.capitalize())
        family = str(item.get("family_name") or "")
        name = str(item.get("name") or f"{given} {family}".strip())
        added.append(_public(store.add_user(item["email"], name, given, family, sandboxes, permissions,
                                            str(item.get("country") or "US"))))
    return jsonify(users=added), 201


def _user_or_404(email: str):
    return current_state().store.user_by_email(email)


@bp.post("/users/<email>/tokens/expire")
def expire_user_tokens(email: str):
    """End a user's access tokens now, as if they had run out (their refresh tokens still work)."""
    user = _user_or_404(email)
    if user is None:
        return jsonify(error="no such user"), 404
    return jsonify(expired=current_state().store.expire_tokens(user["id"], ACCESS))


@bp.post("/users/<email>/refresh-tokens/revoke")
def revoke_user_refresh_tokens(email: str):
    """End a user's refresh tokens, as if the user had withdrawn consent (their access tokens run on until
    they expire)."""
    user = _user_or_404(email)
    if user is None:
        return jsonify(error="no such user"), 404
    return jsonify(revoked=current_state().store.expire_tokens(user["id"], REFRESH))


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


@bp.post("/demo")
def demo():
    """Add demo mode's objects (a Kinesis connection in use by a dataflow, see ``demo``), once."""
    from flask import current_app

    from .demo import seed_demo_platform

    made = seed_demo_platform(current_app._get_current_object())
    return jsonify(seeded=made), 201 if made else 200


@bp.post("/catalog")
def seed_catalog():
    """Add the demo schemas and datasets (see ``demo.DEMO_SCHEMAS``) to ``{"sandboxes": [...]}`` (default
    prod), to those that have no schema yet."""
    from flask import g

    from .demo import DEMO_CLIENT, seed_catalog as seed

    names = _json().get("sandboxes") or ["prod"]
    g.client_id = DEMO_CLIENT
    for name in names:
        if current_state().store.sandbox(str(name)) is None:
            return jsonify(error=f"no such sandbox: {name}"), 404
        seed(str(name))
    return jsonify(sandboxes=names), 201
