"""Mail goes through the outbox: written with the change it reports, sent after the commit,
retried with back-off, never twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.mail import sender
from lms.mail.models import MessageStatus, OutboxMessage
from lms.mail.outbox import enqueue


def _queue(to="trainee@alongside.example"):
    message = enqueue(
        db.session, to, "You have a new message", "invitation", user=None, organisation=None
    )
    return message


@pytest.fixture
def message(app):
    with app.test_request_context():
        return _queue()


def _messages():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_message_is_not_sent_before_its_transaction_commits(app, outbox, deliver):
    with app.test_request_context():
        _queue()
        db.session.rollback()  # the change it reported did not happen
    assert deliver().sent == []
    assert outbox == []
    assert _messages() == []


def test_a_committed_message_is_sent_once(message, outbox, deliver):
    db.session.commit()
    report = deliver()
    assert report.sent == [message.id]
    assert deliver().sent == []  # a second run finds nothing to send
    assert len(outbox) == 1
    sent = outbox[0]
    assert sent.to == ["trainee@alongside.example"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    [row] = _messages()
    assert row.status == MessageStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None


def test_a_message_claimed_by_one_sender_is_not_claimed_by_another(message):
    db.session.commit()
    now = utcnow()
    assert sender._claim(db.session, message.id, now) is not None
    assert sender._claim(db.session, message.id, now) is None


def _break_the_backend(monkeypatch, error=ConnectionRefusedError("the mail server is down")):
    from flask_mailman.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise error

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)


def test_failures_are_recorded_and_retried_with_growing_waits(message, deliver, monkeypatch):
    db.session.commit()
    _break_the_backend(monkeypatch)
    start = utcnow()
    waits = []
    now = start
    for _ in range(sender.MAX_ATTEMPTS - 1):
        report = deliver(now=now)
        assert report.retrying == [message.id]
        [row] = _messages()
        assert row.status == MessageStatus.PENDING
        assert "the mail server is down" in row.last_error
        waits.append(row.next_attempt_at - now)
        assert deliver(now=now).retrying == []  # not due again yet
        now = row.next_attempt_at
    assert waits == list(sender.RETRY_DELAYS)
    assert deliver(now=now).failed == [message.id]
    [row] = _messages()
    assert row.status == MessageStatus.FAILED
    assert row.attempts == sender.MAX_ATTEMPTS


def test_an_unreachable_server_leaves_the_rest_of_the_batch_unclaimed(app, deliver, monkeypatch):
    with app.test_request_context():
        first, second = _queue("a@alongside.example"), _queue("b@alongside.example")
    db.session.commit()
    _break_the_backend(monkeypatch)
    report = deliver()
    assert report.retrying == [first.id]
    statuses = {row.id: (row.status, row.attempts) for row in _messages()}
    assert statuses[second.id] == (MessageStatus.PENDING, 0)


def test_a_message_given_up_on_can_be_put_back(message, deliver, monkeypatch, runner, outbox):
    db.session.commit()
    _break_the_backend(monkeypatch, error=ValueError("refused by the server"))
    now = utcnow()
    for _ in range(sender.MAX_ATTEMPTS):
        deliver(now=now)
        now += timedelta(days=2)
    result = runner.invoke(args=["mail", "status"])
    assert "failed: 1" in result.output
    assert "refused by the server" in result.output
    monkeypatch.undo()
    assert runner.invoke(args=["mail", "retry", str(message.id)]).exit_code == 0
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(outbox) == 1
    assert runner.invoke(args=["mail", "retry", "999999"]).exit_code != 0
