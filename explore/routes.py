"""The exploration page of a connection: what it is, Flow Service's test of it, its streams, a preview of
a stream's latest records, and the source-connection request that Adobe's flow needs next."""
from __future__ import annotations

import json
from itertools import islice
from typing import Any
from uuid import UUID

from flask import current_app, render_template, request
from flask_babel import format_number

from auth.identity import may
from connector import NotFound, PermissionDenied, PlatformError, curl_command
from connector.flows import DATA_TYPES, RESETS
from connector.session import is_sandbox_name
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
# What a preview shows at most: fields (columns), characters per value, bytes of the raw view.
PREVIEW_COLUMNS = 100
PREVIEW_CELL_CHARACTERS = 200
PREVIEW_RAW_BYTES = 64 * 1024
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

    The details, the test and the streams are kept briefly (``DETAILS_TTL``, in the cache of this
    person's platform): a reload, or the same page in another tab, costs Flow Service nothing. A
    stream's preview is always read afresh.
    """
    if not is_sandbox_name(sandbox) or not may("explore", sandbox):
        return no_such_connection()   # nothing that is not a sandbox name goes to Adobe
    connection_id = str(connection_id)
    platform = get_platform()
    flow = platform.connections
    key = f"explore:{sandbox.lower()}:{connection_id}"
    context: dict[str, Any] = dict(sandbox=sandbox, connection_id=connection_id, may_manage=may("manage", sandbox),
                                   docs=ADOBE_EXPLORE_DOCS,
                                   kinesis_docs=ADOBE_KINESIS_DOCS, data_types=DATA_TYPES, resets=RESETS)
    try:
        found = cached(f"{key}:details", DETAILS_TTL, lambda: flow.get_connection(sandbox, connection_id))
    except (NotFound, PermissionDenied):
        return no_such_connection()   # what Adobe says of one this person may not see: the same as of none
    except PlatformError as error:
        return render_template("explore/connection.html", error=explain(error), connection=None,
                               **context), explain(error).status
    if not flow.is_kinesis_source(found) or found.sandbox_name.lower() not in ("", sandbox.lower()):
        return no_such_connection()   # only a Kinesis source connection of this sandbox is shown here
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


def no_such_connection():
    """The one answer for a connection that does not exist, is not a Kinesis source of this sandbox, or is
    not this person's to see: a 404 that tells them apart in nothing."""
    return error_page(404, gettext("Page not found"), gettext(
        "Experience Platform has no such connection in this sandbox that you may see."))


def _shorten(value: Any) -> tuple[Any, bool]:
    """A cell's value, cut to ``PREVIEW_CELL_CHARACTERS`` with an ellipsis; and whether it was cut."""
    if value is None or isinstance(value, bool):
        return value, False
    if isinstance(value, (dict, list)):   # flat rows hold none; should one come, it shows as JSON
        value = json.dumps(value, ensure_ascii=False)
    text = value if isinstance(value, str) else str(value)
    if len(text) <= PREVIEW_CELL_CHARACTERS:
        return value, False
    return text[:PREVIEW_CELL_CHARACTERS] + "…", True


def _raw(records: list[Any]) -> tuple[str, bool]:
    """The rows as indented JSON, at most ``PREVIEW_RAW_BYTES`` of it (UTF-8); and whether it was cut. The
    encoder is read piece by piece and left as soon as the budget is spent, so a large answer costs no
    more than the part shown."""
    pieces: list[str] = []
    room = PREVIEW_RAW_BYTES
    for piece in json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(records):
        encoded = piece.encode()
        if len(encoded) > room:
            pieces.append(encoded[:room].decode(errors="ignore"))
            return "".join(pieces) + "\n…", True
        pieces.append(piece)
        room -= len(encoded)
    return "".join(pieces), False


def table(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Explore's preview rows (``data`` of the tabular answer: flat rows keyed by column name) as columns
    and rows for the page, with the raw rows beside them. A nested value shows as JSON text.

    The work is linear in the answer and what the page shows is bounded: the first
    ``PREVIEW_COLUMNS`` fields in order of appearance, each value cut to ``PREVIEW_CELL_CHARACTERS``,
    the raw view cut to ``PREVIEW_RAW_BYTES``; ``columns_total``, ``values_shortened`` and ``raw_cut`` say
    what was cut, for the page to tell.
    """
    rows = [record if isinstance(record, dict) else {"value": record} for record in records]
    names: dict[str, None] = {}  # an ordered set: membership in constant time
    for row in rows:
        for name in row:
            if name not in names:
                names[name] = None
    columns = list(islice(names, PREVIEW_COLUMNS))
    shortened = False
    cells = []
    for row in rows:
        line = []
        for name in columns:
            value, cut = _shorten(row.get(name, ""))
            shortened = shortened or cut
            line.append(value)
        cells.append(line)
    raw, raw_cut = _raw(records)
    return {"columns": columns, "rows": cells, "raw": raw, "columns_total": len(names),
            "columns_shown_text": format_number(len(columns)), "columns_total_text": format_number(len(names)),
            "values_shortened": shortened, "cell_characters": PREVIEW_CELL_CHARACTERS, "raw_cut": raw_cut,
            "raw_kib": PREVIEW_RAW_BYTES // 1024}
