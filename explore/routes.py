"""The exploration page of a connection: what it is, Flow Service's test of it, its streams, a preview of
a stream's latest records, and the source-connection request that Adobe's flow needs next."""
from __future__ import annotations

import json
import re
from typing import Any
from uuid import UUID

from flask import abort, current_app, render_template, request

from connector import NotFound, PlatformError, curl_command
from connector.flows import DATA_TYPES, RESETS
from connector.settings import DEFAULT_PLATFORM_URL
from web.clients import cached, get_platform
from web.errors import error_page, explain
from web.extensions import limiter
from web.i18n import gettext

from . import bp

ADOBE_EXPLORE_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "collect/streaming")
ADOBE_KINESIS_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "create/cloud-storage/kinesis")
PREVIEW_RECORDS = 10
SANDBOX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
# A connection's details, test result and streams change rarely: views within this many seconds share
# one answer from Flow Service (in the shared cache, so across instances too).
DETAILS_TTL = 30


@bp.errorhandler(429)
def too_many_views(_error: Exception):
    """The app's page for a client that opens connection pages faster than ``EXPLORE_RATE_LIMIT`` allows."""
    return error_page(429, gettext("Too many attempts"), gettext(
        "Connection pages were opened too often from here. Wait a minute, then reload this one."))


@bp.get("/<sandbox>/<uuid:connection_id>")
@limiter.limit(lambda: current_app.config["EXPLORE_RATE_LIMIT"], scope="explore")
def connection(sandbox: str, connection_id: UUID):
    """Show a connection, whether its credentials work, its streams, and a chosen stream's records.

    The details, the test and the streams are kept briefly (``DETAILS_TTL``): a reload, or the same page
    in another tab, costs Flow Service nothing. A stream's preview is always read afresh.
    """
    if not SANDBOX_NAME.fullmatch(sandbox):
        abort(404)  # nothing that is not a sandbox name goes to Adobe
    connection_id = str(connection_id)
    platform = get_platform()
    flow = platform.connections
    key = f"explore:{sandbox.lower()}:{connection_id}"
    context: dict[str, Any] = dict(sandbox=sandbox, connection_id=connection_id, docs=ADOBE_EXPLORE_DOCS,
                                   kinesis_docs=ADOBE_KINESIS_DOCS, data_types=DATA_TYPES, resets=RESETS)
    try:
        found = cached(f"{key}:details", DETAILS_TTL, lambda: flow.get_connection(sandbox, connection_id))
    except PlatformError as error:
        status = 404 if isinstance(error, NotFound) else explain(error).status
        return render_template("explore/connection.html", error=explain(error), connection=None, **context), status
    test_result, streams, explore_error = None, [], None
    try:
        test_result = cached(f"{key}:test", DETAILS_TTL, lambda: flow.test_connection(sandbox, connection_id))
        streams = cached(f"{key}:streams", DETAILS_TTL, lambda: flow.explore(sandbox, connection_id))
    except PlatformError as error:
        explore_error = explain(error)
    stream = request.args.get("stream", "")
    selected = stream if stream in {item.get("name") for item in streams} else ""
    preview, preview_error, request_body, curl = None, None, None, None
    if selected:
        data_type = request.args.get("dataType") if request.args.get("dataType") in DATA_TYPES else DATA_TYPES[0]
        reset = request.args.get("reset") if request.args.get("reset") in RESETS else RESETS[0]
        try:
            preview = table(flow.preview_stream(sandbox, connection_id, selected, PREVIEW_RECORDS).get("data", []))
        except PlatformError as error:
            preview_error = explain(error)
        request_body = platform.source_connection(sandbox, found, selected, data_type, reset)
        # In demo mode the command is shown for Adobe's gateway, where it will be sent for real.
        gateway = DEFAULT_PLATFORM_URL if current_app.config.get("DEMO_MODE") else platform.settings.platform_url
        curl = curl_command(request_body, sandbox, gateway)
        context.update(data_type=data_type, reset=reset)
    return render_template("explore/connection.html", connection=found, test_result=test_result, streams=streams,
                           explore_error=explore_error, error=None, selected=selected, preview=preview,
                           preview_error=preview_error, request_json=json.dumps(request_body, indent=2)
                           if request_body else None, curl=curl, **context)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A JSON object as one row: nested keys joined with dots, lists kept as JSON text."""
    if not isinstance(value, dict):
        return {prefix or "value": value if not isinstance(value, list) else json.dumps(value)}
    row: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict) and item:
            row.update(flatten(item, name))
        else:
            row[name] = json.dumps(item) if isinstance(item, (list, dict)) else item
    return row


def table(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Records as columns and rows for the preview, with the raw records beside them."""
    rows = [flatten(record.get("data")) for record in records]
    columns: list[str] = []
    for row in rows:
        columns += [name for name in row if name not in columns]
    return {"columns": columns, "rows": [[row.get(name, "") for name in columns] for row in rows],
            "raw": json.dumps(records, indent=2, ensure_ascii=False)}
