"""The messages the site has shown a person, her choice of e-mails and the digests she was
sent (`subject_access`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.notifications.models import Notification, NotificationDigest, NotificationSetting
from lms.privacy.records import Files, columns, table


def notification_information(session: Session, user: User) -> Files:
    rows = session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    setting = session.get(NotificationSetting, user.id)
    digests = session.scalars(
        select(NotificationDigest)
        .where(NotificationDigest.user_id == user.id)
        .order_by(NotificationDigest.id)
    )
    return [
        *table("messages/notifications", [columns(n) for n in rows]),
        *table("messages/email-choice", [columns(setting)] if setting else []),
        *table("messages/digests", [columns(d) for d in digests]),
    ]
