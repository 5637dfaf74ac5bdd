"""The commands that only look: ``sandboxes``, ``connections list|show|test``."""
from __future__ import annotations

import click

from connector import matches_search
from web.i18n import gettext

from . import connections, kinesis
from .common import (connection_argument, dataflows_of, describe, output_option, platform, run, sandbox_option,
                     table)


@kinesis.command("sandboxes")
@output_option
def sandboxes(output: str) -> None:
    """The active sandboxes the integration may use."""
    def action():
        found = [{"name": s.name, "title": s.title, "default": s.is_default} for s in platform().sandboxes()]
        return "ok", found, table(found, [("name", gettext("Sandbox")), ("title", gettext("Title")),
                                          ("default", gettext("Default"))])
    run(output, action)


@connections.command("list")
@sandbox_option
@click.option("--search", default="", help="Part of a name, or an access key ID's last four characters.")
@output_option
def list_connections(sandbox: str, search: str, output: str) -> None:
    """Every Kinesis source connection of a sandbox, newest first, with the dataflows that use each."""
    def action():
        flow = platform().connections
        found = [c for c in flow.list_kinesis_connections(sandbox, orderby="-createdAt")
                 if not search or matches_search(c, search)]
        using = dataflows_of(sandbox, [c.id for c in found])
        rows = [describe(c, None if using is None else using[c.id]) for c in found]
        shown = [{**row, "flows": len(row["dataflows"]) if "dataflows" in row else "?"} for row in rows]
        return "ok", rows, table(shown, [("id", "ID"), ("name", gettext("Name")), ("key_last4", gettext("Key")),
                                         ("region", gettext("Region")), ("state", gettext("State")),
                                         ("flows", gettext("Dataflows"))])
    run(output, action)


@connections.command("show")
@sandbox_option
@connection_argument
@output_option
def show(sandbox: str, connection_id: str, output: str) -> None:
    """One connection, and the dataflows that use it."""
    def action():
        flow = platform().connections
        connection = flow.get_kinesis_source(sandbox, connection_id)
        using = dataflows_of(sandbox, [connection_id])
        found = describe(connection, None if using is None else using[connection_id])
        lines = [f"{key}: {value}" for key, value in found.items() if key != "dataflows"]
        flows = (gettext("not known") if using is None
                 else ", ".join(f["name"] or f["id"] for f in found["dataflows"]) or gettext("none"))
        return "ok", found, "\n".join(lines + [gettext("Dataflows that use it") + f": {flows}"])
    run(output, action)


@connections.command("test")
@sandbox_option
@connection_argument
@output_option
def test(sandbox: str, connection_id: str, output: str) -> None:
    """Flow Service's own test of the stored key; exit code 1 when it fails."""
    def action():
        flow = platform().connections
        flow.get_kinesis_source(sandbox, connection_id)      # only a Kinesis source of this sandbox is ours
        passed = flow.test_connection(sandbox, connection_id)
        words = (gettext("Test passed: Experience Platform can read Kinesis with this connection's key.") if passed
                 else gettext("Test failed: Experience Platform cannot use this connection's key."))
        return ("ok" if passed else "test_failed"), {"id": connection_id, "result": passed}, words
    run(output, action)
