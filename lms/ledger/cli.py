"""`flask --app app verify`: check every chain and signature, name the first bad row."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.errors import DomainError
from lms.extensions import db
from lms.ledger.checks import first_per_chain, verify_all
from lms.ledger.erasure import ErasureRule, erase_person
from lms.ledger.models import LedgerChain, LedgerEntry


@click.command("verify")
@click.option(
    "--all", "show_all", is_flag=True, help="List every problem, not the first of each chain."
)
def verify_command(show_all: bool) -> None:
    """Check that no signed record was changed, deleted, added or re-ordered behind the
    application's back. Exits with 1 when anything is wrong."""
    session = db.session
    problems = verify_all(session, current_app.config["SECRET_KEY"])
    chains = session.scalar(select(func.count()).select_from(LedgerChain))
    entries = session.scalar(select(func.count()).select_from(LedgerEntry))
    session.rollback()
    if not problems:
        click.echo(f"All {chains} chains verify: {entries} signed records, none changed.")
        return
    shown = problems if show_all else first_per_chain(problems)
    click.echo(f"{len(problems)} problem(s) found in {chains} chains of {entries} records:")
    for problem in shown:
        click.echo(f"  {problem}")
    raise SystemExit(1)


@click.command("erase")
@click.argument("email")
@click.option(
    "--rule",
    type=click.Choice([rule.value for rule in ErasureRule]),
    required=True,
    help="The retention rule this erasure follows (see the README).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(email: str, rule: str, yes: bool) -> None:
    """Erase a person's personal data, keeping what the awarding body must keep."""
    session = db.session
    person = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if person is None:
        raise click.ClickException("Nobody has that e-mail address.")
    if not yes:
        click.confirm(
            f"Erase the personal data of {person.display_name}? This cannot be undone", abort=True
        )
    try:
        done = erase_person(
            session, person, None, rule, secret_key=current_app.config["SECRET_KEY"]
        )
    except DomainError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(f"Erased. The account is now {done.pseudonym}.")
