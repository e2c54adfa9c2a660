"""`flask --app app orgs ...` and `flask --app app users ...`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.accounts import operations, second_step
from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.errors import DomainError
from lms.extensions import db


def _fail(message: str):
    db.session.rollback()
    raise click.ClickException(message)


def _organisation(slug: str) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        _fail(f"No organisation called '{slug}'.")
    return organisation


@click.group("orgs", help="Organisations.")
def orgs_cli():
    pass


@orgs_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's full name.")
@click.option("--partner-of", "franchisor_slug", help="Make it a partner of this franchisor.")
@with_appcontext
def create_org(slug: str, name: str, franchisor_slug: str | None):
    franchisor = _organisation(franchisor_slug) if franchisor_slug else None
    try:
        organisation = operations.create_organisation(db.session, slug, name, franchisor=franchisor)
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {organisation.kind.value} organisation '{organisation.slug}'.")


@click.group("users", help="People and their roles.")
def users_cli():
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's display name.")
@click.option("--password", required=True, help="Their first password.")
@click.option("--org", "org_slug", required=True, help="Organisation slug.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="May be repeated.",
)
@with_appcontext
def create_user(email: str, name: str, password: str, org_slug: str, roles: tuple[str, ...]):
    organisation = _organisation(org_slug)
    try:
        user = operations.create_user(db.session, email, name, password)
        for role in roles:
            operations.grant_role(db.session, user, organisation, Role(role))
    except DomainError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(roles)} in '{organisation.slug}'.")


@users_cli.command("remove-second-step")
@click.argument("email")
@with_appcontext
def remove_second_step(email: str):
    """For someone who lost her phone and her recovery codes (check who is asking first)."""
    user = operations.find_user_by_email(db.session, email)
    if user is None or not second_step.is_on(user):
        _fail(f"{email} has no second step to remove.")
    second_step.remove_for_lost_phone(db.session, user)
    db.session.commit()
    click.echo(f"The second step of {user.email} is removed; she can set it up again.")
