"""Sandbox Management: the sandboxes the caller may use, paged with limit and offset."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from .access import user_sandboxes
from .gateway import check_gateway
from .state import current_state, sandbox_error

bp = Blueprint("sandboxes", __name__, url_prefix="/data/foundation/sandbox-management")
PATH = "/data/foundation/sandbox-management/"
DEFAULT_LIMIT = 50


@bp.before_request
def gateway() -> None:
    check_gateway()


def _page_args() -> tuple[int, int]:
    limit, offset = request.args.get("limit"), request.args.get("offset")
    if limit is None and offset is None:
        return DEFAULT_LIMIT, 0
    if limit is None or offset is None:
        raise sandbox_error("2074-400", "Both limit and offset must be provided together")
    try:
        limit_value, offset_value = int(limit), int(offset)
    except ValueError:
        raise sandbox_error("2074-400", "limit and offset must be whole numbers") from None
    if limit_value < 1 or offset_value < 0:
        raise sandbox_error("2074-400", "limit must be positive and offset not negative")
    return limit_value, offset_value


@bp.get("/")
def available():
    """List the sandboxes available to the caller: a signed-in user's own, or every one for an integration.

    Adobe's example of this listing shows a templated ``page`` link and no ``next`` link (only the admin
    list of all sandboxes, ``/sandboxes``, shows one), so none is given here: a client learns that more
    may remain from a page that came back full (``count == limit``).
    """
    limit, offset = _page_args()
    sandboxes, _total = current_state().store.sandboxes(limit, offset, user_sandboxes())
    template = {"href": request.host_url.rstrip("/") + PATH + "?limit={limit}&offset={offset}", "templated": True}
    return jsonify(sandboxes=sandboxes, _page={"limit": limit, "count": len(sandboxes)}, _links={"page": template})
