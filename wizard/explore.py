"""The exploration page of a connection: what it is, Flow Service's test of it, and its streams."""
from __future__ import annotations

from flask import Blueprint, render_template

from connector import NotFound, PlatformError

from .errors import explain
from .platform import get_platform

bp = Blueprint("explore", __name__, url_prefix="/connections")

ADOBE_EXPLORE_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "collect/streaming")
ADOBE_KINESIS_DOCS = ("https://experienceleague.adobe.com/en/docs/experience-platform/sources/api-tutorials/"
                      "create/cloud-storage/kinesis")


@bp.get("/<sandbox>/<connection_id>")
def connection(sandbox: str, connection_id: str):
    """Show a connection, whether its credentials work, and what explore finds in the account."""
    flow = get_platform().flow
    context = dict(sandbox=sandbox, connection_id=connection_id, docs=ADOBE_EXPLORE_DOCS,
                   kinesis_docs=ADOBE_KINESIS_DOCS)
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
    return render_template("explore/connection.html", connection=found, test_result=test_result,
                           streams=streams, explore_error=explore_error, error=None, **context)
