"""`flask --app app db ...` and `flask --app app demo`."""

from __future__ import annotations

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
