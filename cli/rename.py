"""``connections rename``: a connection's new name, description, or both, made as the manage pages make it.

What is given is checked by the manage pages' own form (``manage.forms.RenameForm``: its length limits, no
control or format characters, a name that is not blank), so the rules live in one place and the refusals
read the same; nothing is read or sent before that. The change then goes as one JSON-Patch under
``If-Match`` (the etag read just before, or ``--etag``), after a question (or ``--yes``), like ``delete``.
A change made meanwhile is never sent again: the command says how the connection is now (exit 4). An
answer lost on the way is settled by the connector reading the connection again: done when it shows the
change, otherwise exit 6 with the connection as it is now.
"""
from __future__ import annotations

import re
import sys

import click
from werkzeug.datastructures import MultiDict

from connector import ChangedMeanwhile, ChangeUnknown, InvalidParameters
from connector.flowservice import BASE_PATH
from manage.forms import ETAG, RenameForm
from web.audit import audit
from web.i18n import gettext

from . import connections
from .change import changed, not_known
from .common import (Stop, as_operator, connection_argument, dry_run_option, output_option, platform,
                     refused_parameters, run, sandbox_option)
from .common import dry_run as masked_request

# The options, by the form's field each one fills.
OPTIONS = {"name": "--name", "description": "--description"}


def checked(given: dict[str, str | None]) -> dict[str, str]:
    """The values given (``None``: not given), through the manage pages' rename form: trimmed as the form
    trims them; exit 2 naming each option the form refuses, in the form's words."""
    form = RenameForm(formdata=MultiDict({key: value for key, value in given.items() if value is not None}),
                      meta={"csrf": False})
    problems = {field.name: str(field.errors[0]) for field in form
                if given.get(field.name) is not None and not field.validate(form)}
    if problems:
        raise Stop("usage", "\n".join(f"{OPTIONS[key]}: {message}" for key, message in problems.items()),
                   {"problems": problems})
    return {key: getattr(form, key).data or "" for key, value in given.items() if value is not None}


def question(name: str, key: str, new_name: str | None, new_description: str | None) -> str:
    """What ``rename`` asks before it changes anything: what changes, on which connection."""
    if new_description is None:
        return gettext("Rename %(name)s (key ending in %(key)s) to %(new)s?", name=name, key=key, new=new_name)
    if new_name is None:
        return gettext("Change the description of %(name)s (key ending in %(key)s)?", name=name, key=key)
    return gettext("Rename %(name)s (key ending in %(key)s) to %(new)s and change its description?", name=name,
                   key=key, new=new_name)


def said(connection_id: str, values: dict[str, str]) -> str:
    """What a rename that was made says, by what was given."""
    if "name" not in values:
        return gettext("Saved: the connection %(id)s has its new description.", id=connection_id)
    text = gettext("Saved: the connection %(id)s is now named %(name)s.", id=connection_id, name=values["name"])
    return text + " " + gettext("Its new description is saved too.") if "description" in values else text


@connections.command("rename")
@sandbox_option
@connection_argument
@click.option("--name", help="The new name (else the name stays).")
@click.option("--description", help='The new description (else it stays; "" clears it).')
@click.option("--etag", help="Change only if the connection is still at this version (as `show` printed it).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@dry_run_option
@output_option
def rename(sandbox, connection_id, name, description, etag, yes, dry_run, output) -> None:
    """Give a connection a new name, description, or both (at least one), checked as the manage pages check them."""
    def action():
        if name is None and description is None:
            raise Stop("usage", gettext("Give --name, --description or both: there is nothing else to change."))
        if etag is not None and not re.fullmatch(ETAG, etag):     # the pages' own shape of a version
            raise Stop("usage", gettext("--etag: this is not a version as `connections show` prints it. Copy it "
                                        "from there, quotes included."), {"problems": {"etag": "malformed"}})
        values = checked({"name": name, "description": description})
        flow = platform().connections
        current = flow.get_kinesis_source(sandbox, connection_id)
        version = etag or current.etag
        new_name, new_description = values.get("name", current.name), values.get("description", current.description)
        key = current.access_key_id[-4:]
        if dry_run:
            return masked_request("PATCH", f"{BASE_PATH}/connections/{connection_id}", [
                {"op": "replace", "path": "/name", "value": new_name},
                {"op": "replace", "path": "/description", "value": new_description}],
                {"If-Match": version, "x-sandbox-name": sandbox})
        if version != current.etag:
            raise changed(current)
        if not yes:
            if not sys.stdin.isatty():
                raise Stop("usage", gettext("Add --yes to rename without a question (stdin is not a terminal)."))
            if not click.confirm(question(current.name, key, values.get("name"), values.get("description")),
                                 err=True):
                raise Stop("declined", gettext("Not renamed: you answered no. Nothing was changed."),
                           {"id": connection_id})
        as_operator()
        try:
            new_etag = flow.rename(sandbox, connection_id, version, new_name, new_description)
        except ChangedMeanwhile:
            raise changed(flow.get_kinesis_source(sandbox, connection_id)) from None
        except ChangeUnknown as unknown:
            raise not_known(unknown) from None
        except InvalidParameters as invalid:        # the connector's own limits (a kept value over them)
            raise refused_parameters(invalid) from None
        audit("connection.renamed", sandbox=sandbox, connection_id=connection_id, name=new_name, key_hint=key,
              old_name=current.name)
        return "ok", {"outcome": "renamed", "id": connection_id, "name": new_name, "description": new_description,
                      "old_name": current.name, "etag": new_etag}, said(connection_id, values)
    run(output, action)
