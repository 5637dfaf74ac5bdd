"""``flask kinesis …``: the Kinesis connections of Adobe Experience Platform from the command line, for
operators. Registered in the app factory (Flask's CLI, Click); every command uses the connector with the
app's server-to-server credential, never a person's.

- ``common``: exit codes, output (a table or JSON), errors in the wizard's words, the secret's sources;
- ``read``: ``sandboxes``, ``connections list|show|test``;
- ``change``: ``create``, ``connections rotate|delete``;
- ``rename``: ``connections rename`` (checked by the manage pages' rename form).
"""
import click
from flask.cli import AppGroup

from web.logs import logs_to_stderr


@click.group("kinesis", cls=AppGroup)
def kinesis() -> None:
    """Kinesis connections in Adobe Experience Platform (for operators)."""
    logs_to_stderr()    # stdout is the command's own: a table, or JSON for scripts



connections = AppGroup("connections", help="List, show, test, rename, give a new key to, or delete connections.")
kinesis.add_command(connections)

from . import change, read, rename  # noqa: E402,F401  (the commands attach themselves to the groups)
