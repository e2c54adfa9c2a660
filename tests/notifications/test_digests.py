"""Each person's choice of e-mails: at once (the default), a daily or a weekly digest, or none;
the digest command sends one message per person due, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from lms.accounts.roles import Role
from lms.db import UTC, clock_at, utcnow
from lms.mail.models import OutboxMessage
from lms.notifications import operations
from lms.notifications.digests import period_of, send_digests
from lms.notifications.models import Delivery, Notification, NotificationDigest
from tests.factories import PartnerFactory, member


def _person(session, delivery: Delivery | None = None):
    user = member(PartnerFactory(), Role.ASSESSOR)
    if delivery is not None:
        operations.set_delivery(session, user, delivery)
    session.commit()
    return user


def _tell(session, user, unit: str):
    operations.notify(session, user, "submission.arrived", url="/assessment/queue", unit=unit)
    session.commit()


def _mails(session, user) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == user.email)
            .order_by(OutboxMessage.id)
        )
    )


def test_by_default_each_notification_is_emailed_at_once(session):
    user = _person(session)
    assert operations.delivery_for(session, user) == Delivery.NOW
    _tell(session, user, "MEN-101")
    [mail] = _mails(session, user)
    assert mail.template == "notice"
    assert session.scalar(select(Notification.awaiting_digest)) is False


def test_a_daily_digest_lists_what_waited_once_and_never_twice(session, runner):
    user = _person(session, Delivery.DAILY)
    with clock_at(utcnow() - timedelta(hours=5)):
        _tell(session, user, "MEN-101")
        _tell(session, user, "MEN-102")
    assert _mails(session, user) == []

    for _ in range(2):
        result = runner.invoke(args=["notifications", "digest"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    [mail] = _mails(session, user)
    assert mail.template == "digest"
    assert mail.subject == "Your messages"
    assert "There are 2 new messages waiting for you:" in mail.body_text
    assert "A submission for MEN-101 is waiting in your assessment queue." in mail.body_text
    assert "/assessment/queue" in mail.body_text
    assert "MEN-102" in mail.body_html
    digest = session.scalar(select(NotificationDigest))
    assert (digest.count, digest.outbox_message_id) == (2, mail.id)
    assert digest.period == period_of(Delivery.DAILY, utcnow())
    assert set(session.scalars(select(Notification.digest_id))) == {digest.id}

    # What comes later the same day waits for tomorrow's run.
    _tell(session, user, "MEN-103")
    send_digests(session)
    session.commit()
    assert len(_mails(session, user)) == 1
    send_digests(session, now=utcnow() + timedelta(days=1))
    session.commit()
    assert len(_mails(session, user)) == 2
    assert "There is 1 new message waiting for you:" in _mails(session, user)[-1].body_text


def test_a_weekly_digest_goes_once_in_each_week(session):
    user = _person(session, Delivery.WEEKLY)
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    _tell(session, user, "MEN-101")
    assert send_digests(session, now=monday).sent == {user.id: 1}
    _tell(session, user, "MEN-102")
    assert send_digests(session, now=monday + timedelta(days=3)).sent == {}
    assert send_digests(session, now=monday + timedelta(days=7)).sent == {user.id: 1}
    session.commit()
    periods = list(session.scalars(select(NotificationDigest.period).order_by("id")))
    assert periods == ["weekly:2026-W49", "weekly:2026-W50"]


def test_in_app_only_sends_nothing_and_keeps_the_list(session):
    user = _person(session, Delivery.IN_APP)
    _tell(session, user, "MEN-101")
    report = send_digests(session)
    session.commit()
    assert report.sent == {}
    assert _mails(session, user) == []
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_what_waited_is_sent_the_next_day_after_a_change_back_to_at_once(session):
    user = _person(session, Delivery.WEEKLY)
    _tell(session, user, "MEN-101")
    operations.set_delivery(session, user, Delivery.NOW)
    assert send_digests(session).sent == {user.id: 1}
    session.commit()
    assert session.scalar(select(NotificationDigest.period)).startswith("daily:")


def test_a_person_who_chose_the_app_after_a_digest_choice_is_not_emailed(session):
    user = _person(session, Delivery.DAILY)
    _tell(session, user, "MEN-101")
    operations.set_delivery(session, user, Delivery.IN_APP)
    report = send_digests(session)
    session.commit()
    assert (report.sent, report.cleared) == ({}, 1)
    assert _mails(session, user) == []


def test_the_watching_sender_makes_the_digests_on_its_first_look_of_the_day(
    session, runner, monkeypatch
):
    user = _person(session, Delivery.DAILY)
    _tell(session, user, "MEN-101")
    address = user.email
    looks = []

    def sleep(_seconds):
        looks.append(1)
        if len(looks) == 3:
            raise KeyboardInterrupt  # the operator stops it

    monkeypatch.setattr("lms.mail.cli.time.sleep", sleep)
    result = runner.invoke(args=["mail", "send", "--watch", "--interval", "0"])
    assert result.exit_code == 1  # Click answers Ctrl+C with "Aborted!"
    # Three looks, one run of the digests, and her digest sent by the same loop.
    assert result.output.count("Reminders:") == 1
    assert "digests: 1 (1 notifications)" in result.output
    assert "Sent 1;" in result.output
    [template] = session.scalars(
        select(OutboxMessage.template).where(OutboxMessage.recipient == address)
    ).all()
    assert template == "digest"
