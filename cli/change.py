"""The commands that change something: ``create``, ``connections rotate``, ``connections delete``.

``create`` makes a connection once however often (and from however many terminals) it is run: an
existing connection of that name and key is answered "already existed" (exit 3); otherwise the create
runs under the wizard's ledger (``web.once``), with an attempt per platform, organization, sandbox, name
and key, and the connector's create path, which looks for what an unanswered create made before anything
is sent again.
"""
from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

import click
from flask import current_app

from connector import (ChangedMeanwhile, ChangeUnknown, ConnectionInUse, InvalidParameters, KinesisCredentials,
                       NotFound, OutcomeUnknown)
from connector.flowservice import BASE_PATH
from web.audit import audit
from web.i18n import gettext
from web.once import Pending, StillRunning, now_ms

from . import connections, kinesis
from .common import (SECRET_ENV, Stop, as_operator, check_shape, connection_argument, dataflows_of, describe,
                     dry_run_option, output_option, platform, read_secret, refused_parameters, run, sandbox_option,
                     secret_option, test_key)
from .common import dry_run as masked_request

FILE_KEYS = ("sandbox", "name", "description", "access_key_id", "region")
# As the wizard's "Create again": an unanswered create is sent again only when nothing was found this long after.
CREATE_AGAIN_AFTER = 120.0


def load_file(path: str) -> dict[str, str]:
    """A connection's details from a TOML or JSON file (``.toml`` is TOML; anything else JSON, then TOML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise Stop("usage", gettext("%(file)s is not UTF-8 text (byte %(at)d cannot be read): save it as UTF-8.",
                                    file=path, at=error.start)) from None
    except OSError as error:
        raise Stop("usage", gettext("%(file)s cannot be read: %(error)s", file=path,
                                    error=error.strerror or type(error).__name__)) from None
    try:
        data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except ValueError:
        try:
            data = tomllib.loads(text)
        except ValueError as error:
            raise Stop("usage", gettext("%(file)s is neither JSON nor TOML: %(error)s", file=path,
                                        error=str(error))) from None
    if not isinstance(data, dict):
        raise Stop("usage", gettext("%(file)s must hold one table (TOML) or object (JSON).", file=path))
    if any("secret" in str(key).lower() for key in data):
        raise Stop("usage", gettext("%(file)s holds a secret: remove it, and give the secret access key in %(name)s "
                                    "or on stdin instead (files get copied and committed).",
                                    file=path, name=SECRET_ENV))
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise Stop("usage", gettext("%(file)s has keys this command does not know: %(keys)s. It knows: %(known)s.",
                                    file=path, keys=", ".join(unknown), known=", ".join(FILE_KEYS)))
    wrong = sorted(key for key, value in data.items() if not isinstance(value, str))
    if wrong:
        # Never stringified: None would become "None", a table "{...}", and be sent as a name or a region.
        raise Stop("usage", gettext("%(file)s: %(keys)s must be text (in quotes).", file=path, keys=", ".join(wrong)),
                   {"problems": {key: "not_text" for key in wrong}})
    return dict(data)


def attempt_key(sandbox: str, name: str, access_key_id: str) -> str:
    """The same command run again is the same attempt: it makes nothing a second time."""
    settings = platform().settings
    text = "\n".join([settings.platform_url, settings.org_id, sandbox.lower(), name, access_key_id])
    return "cli:" + hashlib.sha256(text.encode()).hexdigest()


def same_connection(sandbox: str, name: str, access_key_id: str):
    """A connection of the sandbox with this name and this key, if one exists."""
    return next((c for c in platform().connections.list_kinesis_connections(sandbox)
                 if c.name == name and c.access_key_id == access_key_id), None)


@kinesis.command("create")
@click.option("--from", "from_file", type=click.Path(exists=True, dir_okay=False),
              help="A TOML or JSON file with sandbox, name, description, access_key_id, region (no secret).")
@click.option("--sandbox", help="The sandbox's name (prod, dev…).")
@click.option("--name", help="The connection's name.")
@click.option("--description", help="What the account's streams carry, who owns it.")
@click.option("--access-key-id", help="The IAM user's access key ID (AKIA…).")
@click.option("--region", help="The region of the Kinesis streams (eu-west-1…).")
@secret_option
@dry_run_option
@output_option
def create(from_file, sandbox, name, description, access_key_id, region, secret_stdin, dry_run, output) -> None:
    """Create a Kinesis connection once: exit 0 created, 3 it already existed."""
    def action():
        given = {"sandbox": sandbox, "name": name, "description": description, "access_key_id": access_key_id,
                 "region": region}
        values = {**(load_file(from_file) if from_file else {}), **{k: v for k, v in given.items() if v is not None}}
        missing = [f"--{key.replace('_', '-')}" for key in FILE_KEYS if key != "description" and not values.get(key)]
        if missing:
            raise Stop("usage", gettext("Missing: %(flags)s (as flags or in the --from file).",
                                        flags=", ".join(missing)))
        credentials = KinesisCredentials(values["access_key_id"], read_secret(secret_stdin), values["region"])
        check_shape(credentials, values["name"])
        where, title, words = values["sandbox"], values["name"], values.get("description", "")
        try:
            body = platform().connections.create_body(where, title, words, credentials)
        except InvalidParameters as invalid:        # the connection spec's own rules
            raise refused_parameters(invalid) from None
        if dry_run:
            return masked_request("POST", f"{BASE_PATH}/connections", body, {"x-sandbox-name": where})
        as_operator()
        existing = same_connection(where, title, credentials.access_key_id)
        if existing:
            return "existed", {"outcome": "existed", **describe(existing)}, gettext(
                "Already there: the connection %(id)s has this name and key. Nothing was created.", id=existing.id)
        made = create_once(where, title, words, credentials)
        return "ok", {"outcome": "created", "id": made["id"], "sandbox": where, "name": title}, gettext(
            "Created the connection %(id)s in %(sandbox)s.", id=made["id"], sandbox=where)
    run(output, action)


def create_once(sandbox: str, name: str, description: str, credentials: KinesisCredentials) -> dict:
    """The create under the ledger's claim, as the wizard makes it; audited when made here."""
    ledger, flow = current_app.extensions["once_ledger"], platform().connections
    attempt, acted = attempt_key(sandbox, name, credentials.access_key_id), []

    def act(earlier_ms: int | None) -> dict:
        acted.append(True)
        made = flow.find_recent(sandbox, name, credentials.access_key_id, earlier_ms) if earlier_ms else None
        if made is None:
            try:
                made = flow.create_kinesis_connection(sandbox, name, description, credentials)
            except OutcomeUnknown as unknown:
                raise Pending(unknown.sent_at or now_ms()) from None
        audit("connection.created", sandbox=sandbox, connection_id=made.id, name=name, key_hint=credentials.key_hint)
        return {"id": made.id}

    def find(since_ms: int) -> dict | None:
        found = flow.find_recent(sandbox, name, credentials.access_key_id, since_ms)
        return {"id": found.id} if found else None

    try:
        result = ledger.run(attempt, act)
    except Pending as pending:
        result = ledger.look(attempt, find)
        if result is None and now_ms() - pending.sent_at < CREATE_AGAIN_AFTER * 1000:
            raise Stop("unknown", gettext(
                "Adobe did not confirm whether the connection was created. Run the same command again in a minute: "
                "it looks for the connection first, and never creates it twice.")) from None
        result = result or ledger.again(attempt, pending.sent_at, CREATE_AGAIN_AFTER, act)
    except StillRunning:
        raise Stop("unknown", gettext("Another run of this command is creating this connection right now. Run it "
                                      "again in a moment to see the result.")) from None
    if not acted:
        # An earlier run's result, but the listing did not find it: deleted since. A new attempt may make it.
        try:
            flow.get_connection(sandbox, result["id"])
        except NotFound:
            ledger.forget(attempt)
            result = ledger.run(attempt, act)
    return result


@connections.command("rotate")
@sandbox_option
@connection_argument
@click.option("--access-key-id", required=True, help="The new access key ID (AKIA…).")
@click.option("--region", help="The streams' region, if it changes (else the connection's).")
@click.option("--etag", help="Change only if the connection is still at this version (as `show` printed it).")
@secret_option
@dry_run_option
@output_option
def rotate(sandbox, connection_id, access_key_id, region, etag, secret_stdin, dry_run, output) -> None:
    """Give a connection a new access key, tested against Kinesis first."""
    def action():
        flow = platform().connections
        current = flow.get_kinesis_source(sandbox, connection_id)
        credentials = KinesisCredentials(access_key_id, read_secret(secret_stdin), region or current.region)
        check_shape(credentials)
        version = etag or current.etag
        if dry_run:
            return masked_request("PATCH", f"{BASE_PATH}/connections/{connection_id}",
                                  [{"op": "replace", "path": "/auth/params", "value": credentials.auth_params()}],
                                  {"If-Match": version, "x-sandbox-name": sandbox})
        if version != current.etag:
            raise changed(current)
        test_key(credentials)
        as_operator()
        try:
            flow.rotate_key(sandbox, connection_id, version, credentials)
        except ChangedMeanwhile:
            raise changed(flow.get_kinesis_source(sandbox, connection_id)) from None
        except ChangeUnknown as unknown:
            raise not_known(unknown) from None
        except InvalidParameters as invalid:
            raise refused_parameters(invalid) from None
        old = current.access_key_id[-4:]
        audit("connection.key_rotated", sandbox=sandbox, connection_id=connection_id, name=current.name,
              key_hint=credentials.key_hint, old_access_key_id_last4=old, region=credentials.region)
        return "ok", {"outcome": "rotated", "id": connection_id, "key_last4": credentials.key_hint,
                      "old_key_last4": old}, gettext(
            "The connection now uses the access key ending in %(new)s. Deactivate the old key, ending in %(old)s, "
            "in AWS (IAM › Users › Security credentials), then delete it once nothing else uses it.",
            new=credentials.key_hint, old=old)
    run(output, action)


def not_known(unknown: ChangeUnknown) -> Stop:
    """The answer was lost and the connection read again does not show the change (exit 6)."""
    now = unknown.current
    if now is None:
        return Stop("unknown", gettext("Adobe did not answer, and the connection could not be read again: it is "
                                       "not known whether it changed. Run `connections show` in a moment."))
    return Stop("unknown", gettext(
        "Adobe did not answer, and the connection read again does not show the change: it is not known whether "
        "it was made (it may still be under way). It is now: %(name)s, key ending in %(key)s, region %(region)s "
        "(etag %(etag)s). Check, then run the command again if the change is still needed.", name=now.name,
        key=now.access_key_id[-4:], region=now.region, etag=now.etag), {"current": describe(now)})


def changed(now) -> Stop:
    """Someone changed the connection since the version given: nothing was sent; this is how it is now."""
    return Stop("refused", gettext(
        "Someone else changed this connection, so nothing was changed. It is now: %(name)s, key ending in %(key)s, "
        "region %(region)s (etag %(etag)s). Check, then run the command again.", name=now.name,
        key=now.access_key_id[-4:], region=now.region, etag=now.etag), {"current": describe(now)})


@connections.command("delete")
@sandbox_option
@connection_argument
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@dry_run_option
@output_option
def delete(sandbox, connection_id, yes, dry_run, output) -> None:
    """Delete a connection; refused while dataflows use it (exit 4, naming them)."""
    def action():
        flow = platform().connections
        current = flow.get_kinesis_source(sandbox, connection_id)
        if dry_run:
            return masked_request("DELETE", f"{BASE_PATH}/connections/{connection_id}", None,
                                  {"x-sandbox-name": sandbox})
        using = (dataflows_of(sandbox, [connection_id]) or {}).get(connection_id)
        if using:
            raise in_use(current, using)
        if not yes:
            if not sys.stdin.isatty():
                raise Stop("usage", gettext("Add --yes to delete without a question (stdin is not a terminal)."))
            if not click.confirm(gettext("Delete %(name)s (key ending in %(key)s)? Exploring its streams stops.",
                                         name=current.name, key=current.access_key_id[-4:]), err=True):
                raise Stop("declined", gettext("Not deleted: you answered no. Nothing was changed."),
                           {"id": connection_id})
        as_operator()
        try:
            flow.delete_connection(sandbox, connection_id)
        except ConnectionInUse:
            raise in_use(current, (dataflows_of(sandbox, [connection_id]) or {}).get(connection_id) or []) from None
        except ChangeUnknown as unknown:
            raise not_known(unknown) from None
        audit("connection.deleted", sandbox=sandbox, connection_id=connection_id, name=current.name,
              key_hint=current.access_key_id[-4:])
        return "ok", {"outcome": "deleted", "id": connection_id}, gettext(
            "Deleted the connection %(name)s. Deactivate its access key (ending in %(key)s) in AWS if nothing else "
            "uses it.", name=current.name, key=current.access_key_id[-4:])
    run(output, action)


def in_use(current, flows: list) -> Stop:
    names = ", ".join(f"{flow.name or flow.id} ({flow.id})" for flow in flows) or gettext("not named by Adobe")
    return Stop("refused", gettext("%(name)s cannot be deleted while dataflows use it: %(flows)s. Delete or change "
                                   "them first.", name=current.name, flows=names),
                {"dataflows": [{"id": f.id, "name": f.name} for f in flows]})
