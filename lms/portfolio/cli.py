"""`flask --app app evidence ...`: looking after the evidence store."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.portfolio.housekeeping import check_store
from lms.portfolio.s3storage import S3Storage
from lms.portfolio.storage import LocalFolderStorage, current_storage
from lms.portfolio.uploads import describe_size


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
    removed = storage.clean_incoming(older_than_seconds=hours * 3600)
    click.echo(f"Removed {removed} unfinished upload(s).")


def _report_lines(report, hours: float) -> list[str]:
    lines = []
    for sha256 in report.missing:
        lines.append(f"A file is missing from the store: {sha256} (rows point at it).")
    for sha256 in report.waiting:
        lines.append(f"A stored file waits to be put in place: {sha256} (use --sweep).")
    for sha256 in report.put_back:
        lines.append(f"Put in place: {sha256}.")
    for path in report.swept:
        lines.append(f"Swept: {path.name}.")
    if report.orphans:
        lines.append(
            f"{len(report.orphans)} file(s) no row names, older than {hours:g} hours "
            f"({describe_size(report.orphan_bytes)}); --sweep removes them."
        )
    if report.recent:
        lines.append(
            f"{len(report.recent)} recent file(s) no row names yet "
            "(perhaps uploads in progress): left alone."
        )
    return lines


@evidence_cli.command(
    "check",
    help="Compare the evidence store with the database: files without rows, rows without "
    "files. With --sweep, remove files no row names once they are old, and put in place "
    "files whose rows committed before the move.",
)
@click.option("--sweep", is_flag=True, help="Remove old orphans; put waiting files in place.")
@click.option("--hours", default=24.0, show_default=True, help="Orphans older than this.")
@with_appcontext
def check_command(sweep: bool, hours: float):
    storage = current_storage()
    if not isinstance(storage, LocalFolderStorage | S3Storage):
        click.echo("This evidence store cannot be listed from here.")
        sys.exit(1)
    report = check_store(db.session, storage, sweep=sweep, older_than_seconds=hours * 3600)
    db.session.rollback()
    for line in _report_lines(report, hours):
        click.echo(line)
    if report.clean:
        click.echo("Every row has its file and every file has its row.")
    else:
        sys.exit(1)
