"""IMS: the OAuth server-to-server token endpoint."""
from __future__ import annotations

import secrets

from flask import Blueprint, jsonify, request

from .state import ApiError, current_state

bp = Blueprint("ims", __name__)


def oauth_error(status: int, error: str, description: str) -> ApiError:
    return ApiError(status, {"error": error, "error_description": description})


@bp.post("/ims/token/v3")
def token():
    """Issue a bearer token for client credentials (any pair, unless clients were registered)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    form = request.form
    if form.get("grant_type") != "client_credentials":
        raise oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id:
        raise oauth_error(400, "invalid_client", "invalid client_id parameter")
    state = current_state()
    if state.clients and client_id not in state.clients:
        raise oauth_error(400, "invalid_client", "invalid client_id parameter")
    if not client_secret or (state.clients and not secrets.compare_digest(state.clients[client_id], client_secret)):
        raise oauth_error(401, "invalid_client", "invalid client_secret parameter")
    if not form.get("scope"):
        raise oauth_error(400, "invalid_scope", "scope parameter is required")
    access_token = "emu-" + secrets.token_urlsafe(32)
    state.store.add_token(access_token, client_id, state.token_lifetime)
    return jsonify(access_token=access_token, token_type="bearer", expires_in=state.token_lifetime)
