"""`flask --app app eqa ...`: external quality assurers' access."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.assessment import quality
from lms.db import utcnow
from lms.extensions import db


@click.group("eqa", help="External quality assurers' access.")
def eqa_cli():
    pass


@eqa_cli.command(
    "notify-ended",
    help="Tell each external quality assurer whose access has come to its end date (once; "
    "run it daily, before `mail send`).",
)
@with_appcontext
def notify_ended_command():
    told = quality.notify_ended_grants(db.session, utcnow().date())
    db.session.commit()
    click.echo(
        f"Told {told} external quality assurer{'' if told == 1 else 's'} that access had ended."
        if told
        else "No access has come to its end date since the last run."
    )
