"""`flask --app app evidence ...`: looking after the evidence store."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.portfolio.storage import LocalFolderStorage, current_storage


@click.group("evidence", help="Look after the store of evidence files.")
def evidence_cli():
    pass


@evidence_cli.command(
    "clean-incoming", help="Remove temporary files left by uploads that were interrupted."
)
@click.option("--hours", default=1.0, show_default=True, help="Only files older than this.")
@with_appcontext
def clean_incoming_command(hours: float):
    storage = current_storage()
    if not isinstance(storage, LocalFolderStorage):
        click.echo("This evidence store keeps no temporary files here.")
        return
    removed = storage.clean_incoming(older_than_seconds=hours * 3600)
    click.echo(f"Removed {removed} unfinished upload(s).")
