"""Flow Service's listings: ``property`` filters, ``orderby``, ``count`` and continuation-token paging,
the same for connections, source and target connections and flows (see ``filters`` for the rules)."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Iterable

from flask import jsonify, request

from .filters import FilterError, parse_condition, parse_orderby
from .state import flow_error

DEFAULT_LIMIT = 100


def bad_query_value(name: str, value: str):
    """Adobe documents no code for a bad ``limit`` or continuation token; ``1453-400`` ("Invalid query
    value ... provided in query param") is the documented code that fits, so the emulator uses it."""
    shown = value if len(value) <= 40 else value[:40] + "…"
    return flow_error("1453-400", "Invalid request", f"Invalid query value {name}={shown} provided in query param.")


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any]:
    """The listing a continuation token stands for; one that this emulator did not make is refused."""
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise bad_query_value("continuationToken", token) from None
    if not (isinstance(state, dict) and isinstance(state.get("property"), list)
            and all(isinstance(p, str) for p in state["property"]) and isinstance(state.get("orderby"), str)
            and type(state.get("limit")) is int and type(state.get("offset")) is int
            and state["limit"] >= 1 and state["offset"] >= 0):
        raise bad_query_value("continuationToken", token)
    return state


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise bad_query_value("limit", raw) from None
    if limit < 1:
        raise bad_query_value("limit", raw)
    return min(limit, 1000)


def listing(items: Iterable[dict[str, Any]], known: frozenset[str], collection: str):
    """The answer to ``GET /<collection>`` over ``items``: filtered with ``property`` (paths starting with
    one of ``known``), sorted with ``orderby``, counted with ``count=true``, paged by continuation token
    (the next page at ``_links.next.href``)."""
    if "limit" in request.args and request.args.get("count") == "true":
        raise flow_error("1401-400", "Invalid request",
                         "The limit and count parameters cannot be given together in the same request. Please "
                         "provide either only the limit or the count parameter and try again.")
    if "continuationToken" in request.args:
        state = _decode(request.args["continuationToken"])
        if "limit" in request.args:       # the page size asked for goes with the token, and wins over its own
            state["limit"] = _limit()
    else:
        state = {"property": request.args.getlist("property"), "orderby": request.args.get("orderby", ""),
                 "limit": _limit(), "offset": 0}
    try:
        conditions = [parse_condition(condition, known) for condition in state["property"]]
        order = parse_orderby(state["orderby"], known) if state["orderby"] else None
        chosen = [item for item in items if all(condition.holds(item) for condition in conditions)]
    except FilterError as error:
        raise flow_error(error.code, "Invalid request", error.detail) from None
    if request.args.get("count") == "true":
        return jsonify(count=len(chosen))
    if order:
        key, descending = order
        chosen.sort(key=key, reverse=descending)
    offset, limit = state["offset"], state["limit"]
    answer: dict[str, Any] = {"items": chosen[offset:offset + limit]}
    if offset + limit < len(chosen):
        token = _encode({**state, "offset": offset + limit})
        answer["_links"] = {"next": {"href": f"/{collection}?continuationToken={token}"}}
    return jsonify(answer)
