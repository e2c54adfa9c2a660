"""Sending what the outbox holds: once each, with retries and a record of every failure.

A message is claimed by a conditional UPDATE (pending → sending) and committed before it is
handed to the mail server, so two senders, or two workers, can never both send it. A message
whose sender died between the hand-over and the record of success stays "sending": it may or
may not have gone, so it is never retried on its own; `flask --app app mail status` lists it
and `mail retry` puts it back once someone has decided.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.mail.models import MessageStatus, OutboxMessage

# After the first failure: wait 1 minute, then 5, 30, 2 hours, 6 hours, a day; then give up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(days=1),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# Errors that say the server cannot be reached at all: the rest of the batch waits too.
_SERVER_UNREACHABLE = (
    ConnectionError,
    socket.timeout,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def due_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def _claim(session: Session, message_id: int, now: datetime) -> OutboxMessage | None:
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status=MessageStatus.SENDING, claimed_at=now)
    ).rowcount
    session.commit()
    if claimed != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def _email(message: OutboxMessage, connection) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[message.recipient],
        headers={"Message-ID": message.message_id},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _record_failure(message: OutboxMessage, error: Exception, now: datetime) -> MessageStatus:
    message.attempts += 1
    message.claimed_at = None
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.PENDING
        message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
    return message.status


def send_due(
    session: Session,
    *,
    ids: list[int] | None = None,
    now: datetime | None = None,
    limit: int = 100,
) -> SendReport:
    """Send the messages that are due (or just `ids`, when they are due), committing as it goes.

    Call it only outside a transaction that still has work to commit: it commits."""
    now = now or utcnow()
    session.commit()
    candidates = ids if ids is not None else due_ids(session, now=now, limit=limit)
    report = SendReport()
    if not candidates:
        return report
    mail = current_app.extensions["mailman"]
    connection = mail.get_connection(fail_silently=False)
    try:
        for message_id in candidates:
            message = _claim(session, message_id, now)
            if message is None:
                continue  # sent already, not due, or another sender has it
            try:
                _email(message, connection).send()
            except Exception as error:  # every failure is recorded on the message, then retried
                status = _record_failure(message, error, now)
                session.commit()
                (report.failed if status == MessageStatus.FAILED else report.retrying).append(
                    message.id
                )
                current_app.logger.warning(
                    "Mail %s not sent (try %s): %s", message.id, message.attempts, error
                )
                if isinstance(error, _SERVER_UNREACHABLE):
                    break  # the others stay pending and unclaimed, for the next run
                continue
            message.status = MessageStatus.SENT
            message.attempts += 1
            message.sent_at = utcnow()
            message.last_error = None
            session.commit()
            report.sent.append(message.id)
    finally:
        # Closing a connection that broke has nothing left to lose.
        with contextlib.suppress(Exception):
            connection.close()
    return report


def status_counts(session: Session) -> dict[MessageStatus, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(MessageStatus, 0)
    counts.update(dict(rows))
    return counts


def needing_attention(session: Session, *, limit: int = 50) -> list[OutboxMessage]:
    """Messages given up on, and messages whose sender stopped mid-send."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_([MessageStatus.FAILED, MessageStatus.SENDING]))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def retry(session: Session, message_id: int, *, now: datetime | None = None) -> bool:
    """Put a failed (or interrupted) message back in the queue, due now."""
    changed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_([MessageStatus.FAILED, MessageStatus.SENDING]),
        )
        .values(status=MessageStatus.PENDING, next_attempt_at=now or utcnow(), claimed_at=None)
    ).rowcount
    return changed == 1
