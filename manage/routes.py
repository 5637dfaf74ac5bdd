"""The connections list and one connection's page, with Test now. Changes are in ``changes``.

Upstream calls per view: the list costs one listing call (one page of Flow Service's, followed by its
continuation token) and one for the dataflows of the connections shown, plus the sandbox list (cached a
minute); a search reads the sandbox's whole listing once a minute (cached) and the dataflows of what it
found. One connection's page costs one read of it and one dataflows call; Test now two (a read of the
connection, to check it is this person's to manage, and the test).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from werkzeug.exceptions import HTTPException

from auth.identity import allowed_sandboxes
from connector import Connection, InvalidRequest, PlatformError, matches_search
from web.clients import available_sandboxes, cached, get_platform
from web.errors import Explanation, error_page, explain
from web.extensions import limiter
from web.i18n import gettext
from wtforms.validators import ValidationError

from . import bp
from .forms import ConfirmForm, search_text
from .lookup import NoSuchConnection, last_tests, managed_connection, no_such_connection, remember_test

PAGE_SIZE = 20
SEARCH_TTL = 60
SEARCH_SHOWN = 50
# Flow Service's continuation tokens are opaque; one of ours never holds anything but these, and is short.
TOKEN = re.compile(r"[A-Za-z0-9_\-=.~%+/]{1,2000}")

test_limit = limiter.limit(lambda: current_app.config["TEST_RATE_LIMIT"], scope="manage-test")


@bp.errorhandler(NoSuchConnection)
def not_yours(_error: NoSuchConnection):
    return no_such_connection()


def when(milliseconds: int | float | None) -> str:
    """A moment for people, in their language; empty when unknown."""
    if not milliseconds:
        return ""
    return format_datetime(datetime.fromtimestamp(milliseconds / 1000, timezone.utc), "medium")


def row(connection: Connection, tested: dict | None, flows: list | None) -> dict:
    """What the list and the page show of a connection (never more of the key than its last four)."""
    return {"id": connection.id, "name": connection.name, "description": connection.description,
            "key_hint": connection.access_key_id[-4:], "region": connection.region, "state": connection.state,
            "created": when(connection.created_at), "updated": when(connection.updated_at),
            "tested": when(tested["at"] * 1000) if tested else "", "tested_ok": tested["result"] if tested else None,
            "dataflows": flows}


def dataflows(sandbox: str, ids: list[str]) -> dict[str, list] | None:
    """The dataflows using each connection; None when Flow Service could not say (the page says so)."""
    try:
        return get_platform().connections.dataflows_using(sandbox, ids)
    except PlatformError:
        return None


@bp.get("/")
def index():
    return redirect(url_for("manage.connections"))


@bp.get("/connections")
def connections():
    """The Kinesis source connections of one sandbox the person may manage: a page at a time, or a search."""
    try:
        sandboxes = available_sandboxes()
    except PlatformError as error:
        explanation = explain(error)
        return error_page(explanation.status, gettext("Adobe Experience Platform"), explanation.message,
                          explanation.detail)
    names = allowed_sandboxes("manage", [s.name for s in sandboxes])
    sandboxes = [s for s in sandboxes if s.name in names]
    if not sandboxes:
        return error_page(403, gettext("Nothing to manage"), gettext(
            "You may not manage connections in any sandbox. Ask the administrators of this tool for the manage "
            "right in the sandboxes you look after."))
    sandbox = request.args.get("sandbox") or sandboxes[0].name
    if sandbox not in names:
        sandbox = sandboxes[0].name
    token = request.args.get("page") or None
    context = dict(sandboxes=sandboxes, sandbox=sandbox, search="", search_error=None, rows=[], next_token=None,
                   error=None, token=token, flows_known=True)
    try:
        context["search"] = search = search_text(request.args.get("q"))
    except ValidationError as problem:
        context["search_error"], search = str(problem), ""
    if token and not TOKEN.fullmatch(token):
        return redirect(url_for("manage.connections", sandbox=sandbox))
    flow = get_platform().connections
    try:
        if search:
            listing = cached(f"manage:listing:{sandbox.lower()}", SEARCH_TTL,
                             lambda: list(flow.list_kinesis_connections(sandbox, orderby="-createdAt")))
            found = [c for c in listing if matches_search(c, search)]
            context["more"] = max(0, len(found) - SEARCH_SHOWN)
            shown = found[:SEARCH_SHOWN]
        else:
            page = flow.list_page(sandbox, token, PAGE_SIZE)
            shown, context["next_token"] = page.connections, page.next_token
    except PlatformError as error:
        # Flow Service refusing a continuation token: an old link, or one someone altered.
        context["error"] = (Explanation(gettext("This page link is no longer valid: it may be old, or altered. "
                                                "Start again from the first page."), None, 400)
                            if isinstance(error, InvalidRequest) and token and not search else explain(error))
        return render_template("manage/connections.html", **context), context["error"].status
    ids = [c.id for c in shown]
    using, tested = dataflows(sandbox, ids), last_tests(ids)
    context["flows_known"] = using is not None
    context["rows"] = [row(c, tested.get(c.id), (using or {}).get(c.id)) for c in shown]
    return render_template("manage/connections.html", **context)


@bp.get("/connections/<sandbox>/<uuid:connection_id>")
def connection(sandbox: str, connection_id):
    """One connection: its details, when it was last tested, the dataflows that use it, what can be done."""
    found = managed_connection(sandbox, str(connection_id))
    using = dataflows(sandbox, [found.id])
    details = row(found, last_tests([found.id]).get(found.id), (using or {}).get(found.id))
    return render_template("manage/connection.html", sandbox=sandbox, connection=details, form=ConfirmForm(),
                           flows_known=using is not None)


@bp.post("/connections/<sandbox>/<uuid:connection_id>/test")
@test_limit
def test(sandbox: str, connection_id):
    """Test now: Flow Service's own test of the stored key; the answer is remembered with its time."""
    found = managed_connection(sandbox, str(connection_id))
    form = ConfirmForm()
    if not form.validate_on_submit():
        return error_page(400, gettext("Bad request"), gettext("The form was not accepted. Reload the page and "
                                                               "try again."))
    try:
        result = get_platform().connections.test_connection(sandbox, found.id)
    except PlatformError as error:
        flash(explain(error).message, "error")
    else:
        remember_test(found.id, result)
        if result:
            flash(gettext("Test passed: Experience Platform can read Kinesis with this connection's key."), "success")
        else:
            flash(gettext("Test failed: Experience Platform cannot use this connection's key. The key may have "
                          "been deactivated or deleted in AWS, or lost a permission. Give the connection a new "
                          "key: it is tested against Kinesis first, with the cause named."), "error")
    return redirect(url_for("manage.connection", sandbox=sandbox, connection_id=found.id))


@bp.errorhandler(429)
def too_many(_error: HTTPException):
    """Worded by what was limited: Test now (TEST_RATE_LIMIT); a new key, a rename, a delete (each counted
    on its own against CREATE_RATE_LIMIT)."""
    message = {
        "manage.rotate": gettext("New keys were sent too often from here. Wait a minute, then try again."),
        "manage.rename": gettext("Renames were sent too often from here. Wait a minute, then try again."),
        "manage.delete": gettext("Deletes were sent too often from here. Wait a minute, then try again."),
    }.get(request.endpoint or "", gettext("Connections were tested too often from here. Wait a minute, then try "
                                          "again."))
    return error_page(429, gettext("Too many attempts"), message)

