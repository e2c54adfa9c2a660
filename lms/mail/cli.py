"""`flask --app app mail ...`: sending what the outbox holds, and seeing what did not go."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from lms.db import utcnow
from lms.extensions import db
from lms.mail import sender
from lms.shared import redis_client, wait_for_rings


@click.group("mail", help="Send the e-mail waiting in the outbox, and see what did not go.")
def mail_cli():
    pass


def _send_once(limit: int) -> sender.SendReport:
    report = sender.send_due(db.session, limit=limit)
    if report.sent or report.retrying or report.failed:
        click.echo(
            f"Sent {len(report.sent)}; will retry {len(report.retrying)}; "
            f"gave up on {len(report.failed)}."
        )
    return report


@mail_cli.command("send", help="Send every message that is due, retrying failed ones later.")
@click.option("--limit", default=100, show_default=True, help="At most this many in one go.")
@click.option("--watch", is_flag=True, help="Keep running, looking for due messages.")
@click.option("--interval", default=10.0, show_default=True, help="Seconds between looks.")
@click.option(
    "--digests/--no-digests",
    default=True,
    show_default=True,
    help="With --watch: also run `notifications digest` once a day.",
)
@with_appcontext
def send_command(limit: int, watch: bool, interval: float, digests: bool):
    if not watch:
        report = _send_once(limit)
        if not (report.sent or report.retrying or report.failed):
            click.echo("Nothing is waiting to be sent.")
        return
    queued = redis_client() is not None
    click.echo(
        f"Sending e-mail from the outbox every {interval:g} s"
        + (", and at once when a request rings" if queued else "")
        + " (Ctrl+C to stop)."
    )
    last_digest_day = None
    while True:
        if digests and last_digest_day != (today := utcnow().date()):
            from lms.notifications.cli import run_digests

            click.echo(run_digests())
            last_digest_day = today
        _send_once(limit)
        db.session.close()
        _wait_for_rings(interval, limit)


def _wait_for_rings(interval: float, limit: int) -> None:
    """Sleep `interval`; with Redis, send what requests put on the queue as it comes. Every
    wait ends in `time.sleep` (of 0 s at least), so the loop always yields, however short
    the interval."""
    deadline = time.monotonic() + interval
    while True:
        left = max(0.0, deadline - time.monotonic())
        ids = None
        if left > 0:
            try:
                ids = wait_for_rings(left, limit=limit)
            except Exception as error:  # Redis gone for a while: the table is still looked at
                click.echo(f"The outbox queue cannot be reached ({error}); looking at the table.")
        if ids is None:
            time.sleep(left)
            return
        if ids:
            sender.send_due(db.session, ids=ids)
            db.session.close()


@mail_cli.command("status", help="How many messages are waiting, sent or given up on.")
@with_appcontext
def status_command():
    for status, count in sender.status_counts(db.session).items():
        click.echo(f"{status.value:>8}: {count}")
    for message in sender.needing_attention(db.session):
        reason = message.last_error or "the sender stopped while handing it over"
        click.echo(
            f"#{message.id} {message.status.value} to {message.recipient} "
            f"({message.template}, {message.attempts} tries): {reason}"
        )


@mail_cli.command("retry", help="Put a message that failed, or was interrupted, back in the queue.")
@click.argument("message_id", type=int)
@with_appcontext
def retry_command(message_id: int):
    if not sender.retry(db.session, message_id):
        raise click.ClickException(f"No failed or interrupted message #{message_id}.")
    db.session.commit()
    click.echo(f"Message #{message_id} will be sent on the next run.")
