"""``flask kinesis …``: placeholder replaced below."""
import click


@click.group()
def kinesis() -> None:
    """Kinesis connections from the command line."""
