"""A real SMTP server on this machine: refused at first, then accepting. A decision is never
lost to a dead mail server, and its message goes out later exactly once."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from lms.assessment.models import Decision
from lms.db import utcnow
from lms.extensions import db
from lms.mail.models import MessageStatus, OutboxMessage
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Submission, SubmissionStatus
from tests.factories import add_evidence, assessment_setting


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


@pytest.fixture
def config_overrides(smtp_port):
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT": 5,
    }


def _messages():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_dead_mail_server_never_loses_an_assessors_decision(app, signed_in, smtp_port, runner):
    setting = assessment_setting()
    add_evidence(setting, setting.criteria())
    submission = portfolio.submit_unit(
        db.session, setting.enrolment, setting.unit, declaration_confirmed=True
    )
    db.session.commit()
    pending_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))

    # Nothing listens on the port yet: the server refuses every connection.
    assessor = signed_in(setting.assessor)
    data = {
        "state_version": str(submission.state_version),
        "outcome": "referred",
        "feedback": "Thank you for this careful work.",
        "actions": "Add an account of how you ended the session.",
    }
    for criterion in setting.criteria():
        data[f"met-{criterion.id}"] = "no"
        data[f"feedback-{criterion.id}"] = "Tell me more."
    response = assessor.post(f"/assessment/submissions/{submission.id}", data=data)
    assert response.status_code == 302
    page = assessor.get(response.headers["Location"])
    assert b"Your decision has been recorded" in page.data

    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status == SubmissionStatus.REFERRED
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
    # The trainee is told (and the organisation's IQA, of a first decision to check).
    waiting = [m for m in _messages()[pending_before:] if m.recipient == setting.trainee.email]
    [told] = waiting
    assert told.status == MessageStatus.PENDING
    assert told.attempts == 1
    assert "Connection" in told.last_error or "refused" in told.last_error.lower()

    # The server comes up; the next run, once the message is due, sends it exactly once.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        db.session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.id == told.id)
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()
        for _ in range(3):
            result = runner.invoke(args=["mail", "send"])
            assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    # (She was also sent word that her submission had arrived, left waiting before.)
    copies = [e for e in inbox.messages if told.message_id.encode() in e.content]
    assert len(copies) == 1
    assert copies[0].rcpt_tos == [setting.trainee.email]
    [row] = [m for m in _messages() if m.id == told.id]
    assert row.status == MessageStatus.SENT
