"""Telling people: an in-app notification and the same news by e-mail."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.db import utcnow
from lms.mail.outbox import enqueue
from lms.notifications.models import Notification


def notify(
    session: Session,
    user: User,
    kind: str,
    message: str,
    *,
    url: str | None = None,
    subject: str | None = None,
    template: str | None = None,
    **context,
) -> Notification:
    """Add a notification for `user` and, with `template`, e-mail them too (through the
    outbox: the message goes only if the caller's transaction commits).

    The e-mail says no more than the in-app item: no evidence, no feedback, nothing that would
    harm someone if another person read her mail; it asks her to sign in."""
    notification = Notification(user_id=user.id, kind=kind, message=message, url=url)
    session.add(notification)
    session.flush()
    if template is not None and not user.is_disabled:
        enqueue(
            session,
            user.email,
            # The in-app message may name a unit; a subject without one says only this.
            subject or "You have a new message on Alongside",
            template,
            user=user,
            message=message,
            url=url,
            **context,
        )
    return notification


def recent(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
