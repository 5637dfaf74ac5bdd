"""The dataflow page: its state and what has arrived (records, last ingestion, errors), refreshed by the
browser itself (the HTTP ``Refresh`` header, no JavaScript), with Adobe's note that ingestion starts a few
minutes after a flow is created, and a link to open it in Experience Platform."""
from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from flask import current_app, render_template, request
from flask_babel import format_datetime, format_number

from auth.identity import may
from connector import NotFound, PermissionDenied, PlatformError
from connector.session import is_sandbox_name
from explore.routes import DETAILS_TTL
from web.errors import error_page, explain
from web.i18n import gettext

from . import bp

REFRESH = 10          # seconds between the page's own reloads
# Adobe: "ingestion starts a few minutes after the flow is created or changed".
STARTING_MINUTES = 5
# Adobe documents no URL of one dataflow in its UI (a deep link's format could not be confirmed): the page
# links Adobe's guide to the UI's Dataflows tab (Sources > Dataflows) and names the dataflow to look for.
DATAFLOWS_GUIDE = "https://experienceleague.adobe.com/en/docs/experience-platform/dataflows/ui/monitor-sources"


def no_such_dataflow():
    """One answer for a dataflow that does not exist, is not a Kinesis dataflow of this sandbox, or is not
    this person's to see."""
    return error_page(404, gettext("Page not found"), gettext(
        "Experience Platform has no such dataflow in this sandbox that you may see."))


def demo_put_record(sandbox: str, source: dict) -> str | None:
    """In demo mode, the one line of Python that puts a record on the flow's stream in the local Kinesis
    with the demo's writer key (demo mode's Kinesis lets in its own keys only), so that a person can watch
    it arrive."""
    from web.clients import get_platform

    platform = get_platform()
    try:
        region = platform.connections.get_connection(sandbox, source["baseConnectionId"]).region
    except PlatformError:
        return None
    endpoint = platform.settings.kinesis_endpoint_url
    stream = (source.get("params") or {}).get("stream")
    if not endpoint or not stream:
        return None
    writer = getattr(current_app.extensions.get("demo_kinesis"), "demo_writer_key", None)
    key_id, secret = writer or ("demo", "demo")      # without demo keys, the local Kinesis takes any key
    return (f"python -c \"import boto3; boto3.client('kinesis', endpoint_url='{endpoint}', region_name='{region}', "
            f"aws_access_key_id='{key_id}', aws_secret_access_key='{secret}').put_record(StreamName='{stream}', "
            f"Data=b'{{\\\"customer\\\": \\\"cust-1\\\"}}', PartitionKey='1')\"")


def base_connection_name(sandbox: str, connection_id: str) -> str | None:
    """The name of the dataflow's Kinesis connection, for the breadcrumb; None when Flow Service does not say
    (the breadcrumb then says "Connection": a name is a comfort, not worth an error on the page). Kept as the
    exploration page keeps it (same cache key), so going between the two costs Flow Service nothing."""
    from web.clients import cached, get_platform

    key = f"explore:{sandbox.lower()}:{connection_id}:details"
    try:
        return cached(key, DETAILS_TTL, lambda: get_platform().connections.get_connection(sandbox, connection_id)).name
    except PlatformError:
        return None


@bp.get("/<sandbox>/<uuid:flow_id>")
def page(sandbox: str, flow_id: UUID):
    """A dataflow's state and arrivals; the page reloads itself every ``REFRESH`` seconds unless ``auto=off``."""
    if not is_sandbox_name(sandbox) or not may("explore", sandbox):
        return no_such_dataflow()
    from web.clients import get_platform

    flows = get_platform().dataflows
    try:
        flow = flows.flow(sandbox, str(flow_id))
        source = flows.source_connection(sandbox, flow.source_connection_id)
    except (NotFound, PermissionDenied):
        return no_such_dataflow()
    except PlatformError as error:
        return render_template("dataflow/page.html", error=explain(error), flow=None), explain(error).status
    if source.get("connectionSpec", {}).get("id") != get_platform().connections.kinesis_spec(sandbox).id:
        return no_such_dataflow()     # only Kinesis dataflows are shown here
    arrivals, arrivals_error = None, None
    try:
        arrivals = flows.arrivals(sandbox, flow.id)
    except PlatformError as error:
        arrivals_error = explain(error)
    auto = request.args.get("auto") != "off"
    connection_name = base_connection_name(sandbox, source.get("baseConnectionId", ""))
    put_record = demo_put_record(sandbox, source) if current_app.config.get("DEMO_MODE") else None
    age_minutes = (datetime.now(timezone.utc).timestamp() * 1000 - flow.created_at) / 60000
    last = (format_datetime(datetime.fromtimestamp(arrivals.last_ingestion_ms / 1000, timezone.utc), "medium")
            if arrivals and arrivals.last_ingestion_ms else None)
    page_html = render_template(
        "dataflow/page.html", error=None, flow=flow, sandbox=sandbox, source=source, arrivals=arrivals,
        arrivals_error=arrivals_error, last=last, auto=auto, refresh=REFRESH, starting=age_minutes < STARTING_MINUTES,
        starting_minutes=STARTING_MINUTES, counts={k: format_number(getattr(arrivals, k)) for k in
                                                   ("records", "ingested", "failed")} if arrivals else {},
        platform_link=DATAFLOWS_GUIDE, connection_name=connection_name,
        put_record=put_record,
        # Adobe's validation words for a record lacking a required field: the page says what can be done.
        missing_required=any("required key [" in message for message in (arrivals.errors if arrivals else ())))
    return page_html, 200, ({"Refresh": str(REFRESH)} if auto else {})
