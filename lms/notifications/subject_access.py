"""The messages the site has shown a person (`subject_access`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.notifications.models import Notification
from lms.privacy.records import Files, columns, table


def notification_information(session: Session, user: User) -> Files:
    rows = session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return table("messages/notifications", [columns(n) for n in rows])
