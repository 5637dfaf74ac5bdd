"""What the commands share: exit codes, output for people or scripts, errors in the wizard's words, the
secret access key's sources (the environment or stdin, never a flag), a masked dry run."""
from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Any, Callable

import click
from flask import current_app, g

from auth.identity import Identity

from connector import (ChangeUnknown, Connection, InvalidParameters, KinesisCredentials, OutcomeUnknown, Platform,
                       PlatformError, RateLimited, ServiceUnavailable, TransportError, check_credentials)
from web.errors import explain
from web.i18n import gettext
from web.messages import MESSAGES, check_message

SECRET_ENV = "KINESIS_SECRET_ACCESS_KEY"
# What each exit code means (the README lists them): 2 is also Click's own for a wrong flag. The help texts
# are English (Click reads them when the commands are defined, before any language is known; see the README).
EXIT = {"ok": 0, "test_failed": 1, "usage": 2, "existed": 3, "refused": 4, "unavailable": 5, "unknown": 6,
        "declined": 7}
# Outcomes that are answers, not failures: said on stdout.
ANSWERS = ("ok", "existed", "test_failed")

output_option = click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True,
                             help="json for scripts, a table for people.")
sandbox_option = click.option("--sandbox", required=True, help="The sandbox's name (prod, dev…).")
# A connection id is a UUID: nothing else goes into a path sent to Adobe.
connection_argument = click.argument("connection_id", type=click.UUID, callback=lambda _c, _p, value: str(value))
dry_run_option = click.option("--dry-run", is_flag=True, help="Print the request that would change something, the "
                              "secret masked, and change nothing (the connection and its spec are still read).")
secret_option = click.option("--secret-stdin", is_flag=True,
                             help=f"Read the secret access key from stdin (else from ${SECRET_ENV}).")


class Stop(Exception):
    """End the command with ``code`` (a key of ``EXIT``), saying ``message``."""

    def __init__(self, code: str, message: str, data: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data or {}


Outcome = tuple[str, Any, str]   # (a key of EXIT, what --output json prints, what people read)


def platform() -> Platform:
    """The app's own platform client: the integration's server-to-server credential."""
    return current_app.extensions["platform"]


def run(output: str, action: Callable[[], Outcome]) -> None:
    """Run ``action``, print what it says (JSON on stdout with ``--output json``; failures on stderr), and
    exit with its code."""
    try:
        code, data, text = action()
    except Stop as stop:
        code, text = stop.code, stop.message
        data = {"outcome": code, "message": stop.message, **stop.data}
    except PlatformError as error:
        code = ("unavailable" if isinstance(error, (ServiceUnavailable, TransportError, RateLimited))
                else "unknown" if isinstance(error, (OutcomeUnknown, ChangeUnknown)) else "refused")
        text = explain(error).message
        data = {"outcome": code, "message": text, "adobe_code": error.code, "request_id": error.request_id}
        if error.detail:
            text += "\n" + gettext("Adobe says: %(detail)s", detail=error.detail)
    if output == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif code in ANSWERS:
        click.echo(text)
    if code not in ANSWERS:
        click.echo(text, err=True)
    sys.exit(EXIT[code])


def table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """Rows as aligned columns under their headers."""
    cells = [[title for _key, title in columns]] + [[str(row.get(key, "")) for key, _t in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells)


def describe(connection: Connection, flows: list | None = None) -> dict[str, Any]:
    """What is shown of a connection: never more of its key than the last four characters."""
    found = {"id": connection.id, "name": connection.name, "description": connection.description,
             "sandbox": connection.sandbox_name, "state": connection.state,
             "key_last4": connection.access_key_id[-4:], "region": connection.region,
             "created_at": connection.created_at, "etag": connection.etag}
    if flows is not None:
        found["dataflows"] = [{"id": flow.id, "name": flow.name} for flow in flows]
    return found


def read_secret(from_stdin: bool) -> str:
    """The secret access key: the first line of stdin (asked without echo at a terminal), or the environment
    variable."""
    if not from_stdin:
        secret = os.environ.get(SECRET_ENV, "").strip()
    elif sys.stdin.isatty():
        # Typed at a terminal: never shown on the screen, nor left in its scrollback.
        secret = getpass.getpass(gettext("Secret access key (not shown): "), stream=sys.stderr).strip()
    else:
        secret = sys.stdin.readline().strip()
    if not secret:
        raise Stop("usage", gettext("Give the secret access key in the environment variable %(name)s, or on stdin "
                                    "with --secret-stdin (never as a flag: flags stay in shell history).",
                                    name=SECRET_ENV))
    return secret


def check_shape(credentials: KinesisCredentials, name: str | None = None) -> None:
    """The connector's checks of a key (and a name), worded as the wizard words them; exit 2 if any fails."""
    problems = check_credentials(credentials.access_key_id, credentials.secret_key, credentials.region)
    if name is not None and not name.strip():
        problems["name"] = "name_missing"
    if problems:
        words = {"name_missing": gettext("Enter a name for the connection.")}
        lines = [f"{field}: {words.get(code) or gettext(MESSAGES[code])}" for field, code in problems.items()]
        raise Stop("usage", "\n".join(lines), {"problems": problems})


def refused_parameters(invalid: InvalidParameters) -> Stop:
    """The connector's own refusal of parameters (the connection spec's rules), as a usage error."""
    return Stop("usage", gettext("The connection details are not valid: %(fields)s",
                                 fields=", ".join(sorted(invalid.problems))), {"problems": invalid.problems})


def test_key(credentials: KinesisCredentials) -> None:
    """Ask Kinesis about a key first; stop with exit code 1, in the wizard's words, unless it works."""
    result = platform().check_kinesis(credentials)
    if not result.ok and result.problem != "no_streams":
        raise Stop("test_failed", check_message(result), {"kinesis": result.code})


def dry_run(method: str, path: str, body: Any = None, headers: dict | None = None) -> Outcome:
    """The request that would be sent, the token and the secret masked; nothing is sent."""
    def mask(params: dict) -> dict:
        return {**params, "secretKey": "****"} if "secretKey" in params else params
    if isinstance(body, dict) and isinstance((body.get("auth") or {}).get("params"), dict):
        body = {**body, "auth": {**body["auth"], "params": mask(body["auth"]["params"])}}
    elif isinstance(body, list):
        body = [{**op, "value": mask(op["value"])} if isinstance(op.get("value"), dict) else op for op in body]
    url = platform().settings.platform_url + path
    shown = {"Authorization": "Bearer ****", **(headers or {})}
    text = f"{method} {url}\n" + "".join(f"{key}: {value}\n" for key, value in shown.items())
    text += json.dumps(body, indent=2, ensure_ascii=False) if body is not None else ""
    return "ok", {"outcome": "dry_run", "request": {"method": method, "url": url, "headers": shown, "body": body}}, text


def dataflows_of(sandbox: str, ids: list[str]) -> dict[str, list] | None:
    """The dataflows using each connection; None when Flow Service could not say."""
    try:
        return platform().connections.dataflows_using(sandbox, ids)
    except PlatformError:
        return None


def as_operator() -> None:
    """Name the person at the terminal in the audit log (``cli:`` and their login name)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):     # no name for this uid (a bare container)
        user = str(os.getuid())
    g.identity = Identity(user=f"cli:{user}", name=user, mode="cli")
