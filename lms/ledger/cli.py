"""`flask --app app verify`: check every chain and signature, name the first bad row."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import func, select

from lms.extensions import db
from lms.ledger.checks import first_per_chain, verify_all
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
