"""`flask --app app db ...` and `flask --app app demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.core import migrations


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_ENGINES"]["default"]


@click.group("db", help="Database schema migrations.")
def db_cli():
    pass


@db_cli.command("upgrade", help="Apply every migration not yet applied.")
@click.argument("revision", default="head")
@with_appcontext
def upgrade_command(revision: str):
    migrations.upgrade(_database_url(), revision)
    click.echo("Database is up to date.")


@db_cli.command("downgrade", help="Step back to REVISION.")
@click.argument("revision")
@with_appcontext
def downgrade_command(revision: str):
    migrations.downgrade(_database_url(), revision)


@db_cli.command("revision", help="Write a new migration from the difference with the models.")
@click.option("-m", "--message", required=True)
@with_appcontext
def revision_command(message: str):
    migrations.make_revision(_database_url(), message)


@db_cli.command("current", help="Show the revision the database is at.")
@with_appcontext
def current_command():
    migrations.current(_database_url())


@click.command("demo", help="Load a demo franchise with demo sign-ins (safe to run again).")
@with_appcontext
def demo_command():
    from lms.core.demo import load_demo
    from lms.extensions import db

    logins = load_demo(db.session)
    db.session.commit()
    click.echo(f"Demo sign-ins (password for all: {logins.password}):")
    for organisation, role, email in logins.rows:
        click.echo(f"  {organisation:<28} {role:<26} {email}")


@click.command(
    "backup",
    help="Take a consistent snapshot of the database and the evidence files into DIR (a new "
    "or empty folder), while the application keeps serving.",
)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(folder: Path):
    from lms.core import backup
    from lms.portfolio.storage import current_storage

    try:
        summary = backup.backup(
            _database_url(),
            current_storage(),
            folder,
            bin_dir=current_app.config.get("PG_BIN_DIR") or None,
        )
    except backup.BackupError as error:
        click.echo(error.message, err=True)
        sys.exit(1)
    click.echo(
        f"Backed up the {summary.database} database and {summary.files} evidence file(s) "
        f"to {summary.folder}."
    )


@click.command(
    "restore",
    help="Bring back the backup in DIR: its manifest is checked, then the database and the "
    "evidence files are restored. Refuses a database that holds data unless --force.",
)
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(folder: Path, force: bool):
    from lms.core import backup
    from lms.extensions import db
    from lms.portfolio.storage import current_storage

    db.session.close()
    for engine in db.engines.values():
        engine.dispose()  # nothing of this process holds the database while it is replaced
    try:
        summary = backup.restore(
            _database_url(),
            current_storage(),
            folder,
            force=force,
            bin_dir=current_app.config.get("PG_BIN_DIR") or None,
        )
    except backup.BackupError as error:
        click.echo(error.message, err=True)
        sys.exit(1)
    click.echo(
        f"Restored the {summary.database} database and {summary.files} evidence file(s) "
        f"from {summary.folder}."
    )
