"""`flask --app app notifications digest`: the daily run of reminders and digests."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.notifications.digests import send_digests


@click.group("notifications", help="Reminders and daily or weekly e-mails of notifications.")
def notifications_cli():
    pass


def run_digests() -> str:
    """One run, committed; the line an operator reads."""
    report = send_digests(db.session)
    db.session.commit()
    return (
        f"Reminders: {report.reminders}; digests: {len(report.sent)} "
        f"({sum(report.sent.values())} notifications); cleared: {report.cleared}."
    )


@notifications_cli.command(
    "digest",
    help="Make the reminders that are due and one e-mail per person due a daily or weekly "
    "digest. Run it once a day (cron, or `mail send --watch`); running it again sends nothing "
    "twice.",
)
@with_appcontext
def digest_command():
    click.echo(run_digests())
