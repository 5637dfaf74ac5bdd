"""The exploration page of a connection: what it is, Flow Service's test of it, its streams, a preview of
a stream's latest records, and the source-connection request that Adobe's flow needs next."""
from __future__ import annotations

import json
import re
import shlex
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, current_app, render_template, request

from connector import NotFound, PlatformError
from connector.flowservice import BASE_PATH, KINESIS_SPEC_ID
from connector.settings import DEFAULT_PLATFORM_URL

from .errors import explain
from .platform import get_platform

bp = Blueprint("explore", __name__, url_prefix="/connections")

ADOBE_EXPLORE_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "collect/streaming")
ADOBE_KINESIS_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "create/cloud-storage/kinesis")
DATA_TYPES = ("raw", "xdm")
RESETS = ("latest", "earliest")
PREVIEW_RECORDS = 10
SANDBOX_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


@bp.get("/<sandbox>/<uuid:connection_id>")
def connection(sandbox: str, connection_id: UUID):
    """Show a connection, whether its credentials work, its streams, and a chosen stream's records."""
    if not SANDBOX_NAME.fullmatch(sandbox):
        abort(404)  # nothing that is not a sandbox name goes to Adobe
    connection_id = str(connection_id)
    flow = get_platform().flow
    context: dict[str, Any] = dict(sandbox=sandbox, connection_id=connection_id, docs=ADOBE_EXPLORE_DOCS,
                                   kinesis_docs=ADOBE_KINESIS_DOCS, data_types=DATA_TYPES, resets=RESETS)
    try:
        found = flow.get_connection(sandbox, connection_id)
    except PlatformError as error:
        status = 404 if isinstance(error, NotFound) else explain(error).status
        return render_template("explore/connection.html", error=explain(error), connection=None, **context), status
    test_result, streams, explore_error = None, [], None
    try:
        test_result = flow.test_connection(sandbox, connection_id)
        streams = flow.explore(sandbox, connection_id)
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
        request_body = source_connection_request(found.id, found.name, selected, data_type, reset)
        curl = as_curl(request_body, sandbox)
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
    """Explore's preview rows (``data`` of the tabular answer: flat rows keyed by column name) as columns
    and rows for the page, with the raw rows beside them. A row that still nests is flattened."""
    rows = [flatten(record) for record in records]
    columns: list[str] = []
    for row in rows:
        columns += [name for name in row if name not in columns]
    return {"columns": columns, "rows": [[row.get(name, "") for name in columns] for row in rows],
            "raw": json.dumps(records, indent=2, ensure_ascii=False)}


def source_connection_request(connection_id: str, name: str, stream: str, data_type: str, reset: str) -> dict:
    """The body of ``POST /sourceConnections`` for one stream of this base connection (PLATFORM.md §4)."""
    return {
        "name": f"{name}: {stream}",
        "description": f"Amazon Kinesis stream {stream}",
        "baseConnectionId": connection_id,
        "connectionSpec": {"id": KINESIS_SPEC_ID, "version": "1.0"},
        "data": {"format": "json"},
        "params": {"stream": stream, "dataType": data_type, "reset": reset},
    }


def as_curl(body: dict, sandbox: str) -> str:
    """The same request as a curl command, credentials left as placeholders."""
    settings = get_platform().settings
    gateway = DEFAULT_PLATFORM_URL if current_app.config.get("DEMO_MODE") else settings.platform_url
    lines = [f"curl -X POST {shlex.quote(gateway + BASE_PATH + '/sourceConnections')}",
             "-H 'Authorization: Bearer {ACCESS_TOKEN}'",
             "-H 'x-api-key: {API_KEY}'",
             "-H 'x-gw-ims-org-id: {ORG_ID}'",
             f"-H {shlex.quote('x-sandbox-name: ' + sandbox)}",
             "-H 'Content-Type: application/json'",
             f"-d {shlex.quote(json.dumps(body, indent=2))}"]
    return " \\\n  ".join(lines)
