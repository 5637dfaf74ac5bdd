"""The API gateway in front of every Platform call: token, API key, organization, content type.

A user's token (from the sign-in) passes as a client-credentials token does: its ``x-api-key`` must be the
client the user signed in through. The services behind then answer with that user's sandboxes and
permissions (``g.user``, see ``access``); a client-credentials token keeps every sandbox and permission
(``g.user`` is None)."""
from __future__ import annotations

from flask import g, request

from .state import ApiError, gateway_error, current_state


def check_gateway() -> None:
    """Refuse a call as Adobe's gateway does, in the same order and with the same codes."""
    authorization = request.headers.get("Authorization", "")
    if not authorization:
        raise gateway_error(403, "403010", "Oauth token is missing.")
    api_key = request.headers.get("x-api-key")
    if not api_key:
        raise gateway_error(403, "403000", "Api Key is required")
    scheme, _, token = authorization.partition(" ")
    store = current_state().store
    found = store.token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    user = store.user(found["user_id"]) if found and found["user_id"] else None
    if found is None or (found["user_id"] and user is None):
        raise gateway_error(401, "401013", "Oauth token is not valid")
    client_id = found["client_id"]
    if api_key != client_id:
        raise gateway_error(403, "403003", "Api Key is invalid")
    if not request.headers.get("x-gw-ims-org-id"):
        raise gateway_error(400, "400003", "Organization Id is required")
    if request.headers["x-gw-ims-org-id"] != current_state().org_id:
        # Adobe's troubleshooting guide: an incorrect or malformed organization header is refused here,
        # before any service sees the call (the emulated integration belongs to one organization only).
        raise gateway_error(403, "403027", "User region is missing")
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype != "application/json":
        raise ApiError(400, {"type": "http://ns.adobe.com/aep/errors/bad-request", "status": 400,
                             "title": "BadRequestError", "detail": "A valid content-type must be specified"})
    g.client_id, g.user = client_id, user
