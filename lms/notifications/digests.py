"""Daily and weekly e-mails: one message per person who is due, listing what she has not yet
been sent.

`send_digests` is run once a day (`flask --app app notifications digest`, by cron or by
`flask --app app mail send --watch`). A person who chose a daily e-mail is due once a day, one
who chose a weekly e-mail once a week (the first run of each ISO week). Each digest is a row,
unique per person and period, and takes its notifications by a conditional UPDATE
(`digest_id IS NULL`), so running the command twice, or twice at once, never lists a
notification twice nor sends a second e-mail for the same period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.capabilities import hooks
from lms.db import utcnow
from lms.i18n import _l
from lms.mail.outbox import enqueue
from lms.mail.recipient import as_recipient
from lms.notifications.delivery import absolute, link
from lms.notifications.models import (
    Delivery,
    Notification,
    NotificationDigest,
    NotificationSetting,
)
from lms.notifications.operations import text_of

DIGEST_SUBJECT = _l("Your messages")


@dataclass
class DigestReport:
    reminders: int = 0
    sent: dict[int, int] = field(default_factory=dict)  # user id -> notifications listed
    cleared: int = 0  # waiting for someone who has since chosen the app only


def period_of(delivery: Delivery, now: datetime) -> str:
    if delivery == Delivery.WEEKLY:
        year, week, _ = now.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{now.date().isoformat()}"


def _waiting_by_person(session: Session) -> dict[int, list[Notification]]:
    waiting: dict[int, list[Notification]] = {}
    for notification in session.scalars(
        select(Notification)
        .where(Notification.awaiting_digest.is_(True), Notification.digest_id.is_(None))
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
    ):
        waiting.setdefault(notification.user_id, []).append(notification)
    return waiting


def _delivery_of(session: Session, user_ids) -> dict[int, Delivery]:
    rows = session.execute(
        select(NotificationSetting.user_id, NotificationSetting.delivery).where(
            NotificationSetting.user_id.in_(list(user_ids))
        )
    )
    return dict(rows.all())


def _digest_for(
    session: Session, user: User, period: str, notifications: list[Notification]
) -> int:
    """Make her digest for `period` and take the notifications for it; 0 when it was made
    already or another run took them first."""
    digest = NotificationDigest(user_id=user.id, period=period)
    try:
        with session.begin_nested():
            session.add(digest)
            session.flush()
    except IntegrityError:
        return 0
    ids = [n.id for n in notifications]
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids), Notification.digest_id.is_(None))
        .values(digest_id=digest.id, awaiting_digest=False)
        .execution_options(synchronize_session=False)
    )
    taken = list(
        session.scalars(
            select(Notification)
            .where(Notification.digest_id == digest.id)
            .order_by(Notification.created_at, Notification.id)
            .execution_options(populate_existing=True)
        )
    )
    if not taken:
        session.delete(digest)
        session.flush()
        return 0
    digest.count = len(taken)
    if not user.is_disabled:
        with as_recipient(session, user):
            items = [
                {"text": text_of(n), "link": absolute(n.url), "at": n.created_at} for n in taken
            ]
            message = enqueue(
                session,
                user.email,
                str(DIGEST_SUBJECT),
                "digest",
                user=user,
                items=items,
                link=absolute(link("notifications.index")),
                settings_link=absolute(link("notifications.settings")),
            )
        digest.outbox_message_id = message.id
    session.flush()
    return len(taken)


def send_digests(session: Session, *, now: datetime | None = None) -> DigestReport:
    """Reminders that have come due (each capability's `notice_sweep`), then one e-mail per
    person due a digest. Flushes; the caller commits."""
    now = now or utcnow()
    report = DigestReport()
    for sweep in hooks("notice_sweep"):
        report.reminders += sweep(session, now.date())
    waiting = _waiting_by_person(session)
    deliveries = _delivery_of(session, waiting)
    for user_id, notifications in waiting.items():
        delivery = deliveries.get(user_id, Delivery.NOW)
        if delivery == Delivery.IN_APP:
            report.cleared += _clear(session, notifications)
            continue
        user = session.get(User, user_id)
        # Someone who went back to e-mails at once gets what was waiting in today's digest.
        chosen = delivery if delivery == Delivery.WEEKLY else Delivery.DAILY
        if listed := _digest_for(session, user, period_of(chosen, now), notifications):
            report.sent[user_id] = listed
    return report


def _clear(session: Session, notifications: list[Notification]) -> int:
    session.execute(
        update(Notification)
        .where(Notification.id.in_([n.id for n in notifications]))
        .values(awaiting_digest=False)
        .execution_options(synchronize_session=False)
    )
    return len(notifications)
