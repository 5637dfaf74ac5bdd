"""Changing a connection: a new key (tested against Kinesis first), a new name or description, delete.

Every change is made against the etag the person's form was shown with (``If-Match``): when someone
else changed the connection meanwhile, the change is not made, and the page says so with the
connection as it is now; it is never sent again by itself. Every change is in the audit log.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from connector import (ChangedMeanwhile, ChangeUnknown, Connection, ConnectionInUse, InvalidParameters,
                       KinesisCredentials, PlatformError)
from web.audit import audit
from web.clients import get_platform
from web.errors import explain
from web.extensions import limiter, posts_only
from web.i18n import gettext
from web.messages import MESSAGES, check_message

from . import bp
from .forms import ConfirmForm, RenameForm, RotateForm
from .lookup import forget_cached, managed_connection
from .routes import dataflows, row

# Changes count against the create limit's setting (both are writes to Adobe, made by people); each route
# (rotate, rename, delete) is counted on its own.
change_limit = limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"], scope="manage-change")
KEY_FIELDS = {"access_key_id": "access_key_id", "secret_key": "secret_key", "region": "region"}


def page_of(sandbox: str, connection: Connection):
    return redirect(url_for("manage.connection", sandbox=sandbox, connection_id=connection.id))


def key_check(credentials: KinesisCredentials) -> dict:
    """What Kinesis says of the new key, in the wizard's words."""
    result = get_platform().check_kinesis(credentials)
    return {"ok": result.ok, "warning": result.problem == "no_streams", "usable": result.ok or
            result.problem == "no_streams",
            "message": check_message(result), "streams": result.streams}


@bp.route("/connections/<sandbox>/<uuid:connection_id>/rotate", methods=["GET", "POST"])
@posts_only(change_limit)
def rotate(sandbox: str, connection_id):
    """A new access key: checked, tested against Kinesis, then sent with ``If-Match``."""
    found = managed_connection(sandbox, str(connection_id))
    # The connection's values fill the form when it is shown, never a POST's missing fields: a POST without
    # its etag must not count as made against the current version.
    form = RotateForm(data={"etag": found.etag, "region": found.region} if request.method == "GET" else None)
    context = {"sandbox": sandbox, "connection": row(found, None, None), "form": form, "check": None,
               "stale": None, "unknown": None, "error": None}
    if not form.validate_on_submit():
        return render_template("manage/rotate.html", **context), 422 if form.errors else 200
    credentials = KinesisCredentials(form.access_key_id.data, form.secret_key.data, form.region.data)
    if form.etag.data != found.etag:
        return stale_rotation(form, context, sandbox, found)
    context["check"] = check = key_check(credentials)
    if not check["usable"]:
        return render_template("manage/rotate.html", **context), 422
    try:
        get_platform().connections.rotate_key(sandbox, found.id, form.etag.data, credentials)
    except ChangedMeanwhile:
        return stale_rotation(form, context, sandbox, managed_connection(sandbox, found.id))
    except ChangeUnknown as unknown:
        form.secret_key.data = ""
        return not_known("manage/rotate.html", form, context, unknown)
    except InvalidParameters as invalid:
        for name, code in invalid.problems.items():
            if name in KEY_FIELDS:
                getattr(form, name).errors = [gettext(MESSAGES.get(code, "Check this value."))]
        return render_template("manage/rotate.html", **context), 422
    except PlatformError as error:
        context["error"] = explain(error)
        return render_template("manage/rotate.html", **context), context["error"].status
    old_hint = found.access_key_id[-4:]
    audit("connection.key_rotated", sandbox=sandbox, connection_id=found.id, name=found.name,
          key_hint=credentials.key_hint, old_access_key_id_last4=old_hint, region=credentials.region)
    forget_cached(sandbox, found.id)
    flash(gettext("The connection now uses the access key ending in %(new)s. Deactivate the old key, ending in "
                  "%(old)s, in AWS (IAM › Users › Security credentials), then delete it once nothing else uses it.",
                  new=credentials.key_hint, old=old_hint), "success")
    return page_of(sandbox, found)


def not_known(template: str, form, context: dict, unknown: ChangeUnknown):
    """A change went unanswered and the connection read again does not show it: say so plainly, show it as
    it is now, and have the form (if any) ready against its current version. Never sent again by itself."""
    if unknown.current is None:                 # it could not even be read: Adobe's silence, explained
        context["error"] = explain(unknown)
    else:
        if form is not None:
            form.etag.data = unknown.current.etag
        context.update(unknown=row(unknown.current, None, None), connection=row(unknown.current, None, None))
    return render_template(template, **context), 503


def stale_rotation(form: RotateForm, context: dict, sandbox: str, now: Connection):
    """Someone changed the connection after this form was shown: nothing is sent, the connection as it
    is now is shown, and the form (the secret aside) is ready to send again against the new etag."""
    form.etag.data = now.etag
    form.secret_key.data = ""
    context.update(stale=row(now, None, None), connection=row(now, None, None))
    return render_template("manage/rotate.html", **context), 409


@bp.route("/connections/<sandbox>/<uuid:connection_id>/rename", methods=["GET", "POST"])
@posts_only(change_limit)
def rename(sandbox: str, connection_id):
    """A new name and description, sent with ``If-Match``."""
    found = managed_connection(sandbox, str(connection_id))
    form = RenameForm(data={"etag": found.etag, "name": found.name, "description": found.description}
                      if request.method == "GET" else None)
    context = {"sandbox": sandbox, "connection": row(found, None, None), "form": form, "stale": None,
               "unknown": None, "error": None}
    if not form.validate_on_submit():
        return render_template("manage/rename.html", **context), 422 if form.errors else 200
    try:
        if form.etag.data != found.etag:
            raise ChangedMeanwhile()
        get_platform().connections.rename(sandbox, found.id, form.etag.data, form.name.data,
                                          form.description.data or "")
    except ChangedMeanwhile:
        now = managed_connection(sandbox, found.id)
        form.etag.data = now.etag
        context.update(stale=row(now, None, None), connection=row(now, None, None))
        return render_template("manage/rename.html", **context), 409
    except ChangeUnknown as unknown:
        return not_known("manage/rename.html", form, context, unknown)
    except PlatformError as error:
        context["error"] = explain(error)
        return render_template("manage/rename.html", **context), context["error"].status
    audit("connection.renamed", sandbox=sandbox, connection_id=found.id, name=form.name.data,
          key_hint=found.access_key_id[-4:], old_name=found.name)
    forget_cached(sandbox, found.id)
    flash(gettext("Name and description saved."), "success")
    return page_of(sandbox, found)


@bp.route("/connections/<sandbox>/<uuid:connection_id>/delete", methods=["GET", "POST"])
@posts_only(change_limit)
def delete(sandbox: str, connection_id):
    """Delete, after a confirmation naming what will stop; refused while dataflows use it."""
    found = managed_connection(sandbox, str(connection_id))
    using = dataflows(sandbox, [found.id])
    flows = (using or {}).get(found.id)
    form = ConfirmForm()
    context = {"sandbox": sandbox, "connection": row(found, None, flows), "form": form, "refused": False,
               "flows_known": using is not None, "unknown": None, "error": None}
    if not form.validate_on_submit():
        return render_template("manage/delete.html", **context)
    try:
        get_platform().connections.delete_connection(sandbox, found.id)
    except ConnectionInUse:
        context["refused"] = True
        return render_template("manage/delete.html", **context), 409
    except ChangeUnknown as unknown:
        return not_known("manage/delete.html", None, context, unknown)
    except PlatformError as error:
        context["error"] = explain(error)
        return render_template("manage/delete.html", **context), context["error"].status
    audit("connection.deleted", sandbox=sandbox, connection_id=found.id, name=found.name,
          key_hint=found.access_key_id[-4:])
    forget_cached(sandbox, found.id)
    flash(gettext("The connection %(name)s was deleted. Its access key (ending in %(key)s) is no longer used by "
                  "Experience Platform: deactivate it in AWS if nothing else uses it.",
                  name=found.name, key=found.access_key_id[-4:]), "success")
    return redirect(url_for("manage.connections", sandbox=sandbox))
