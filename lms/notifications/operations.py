"""Telling people: an in-app notification and the same news by e-mail, as she chose.

`notify` writes the notification in the caller's transaction, and, for someone who wants an
e-mail at once, puts one in the outbox (sent only after the commit). For someone who chose a
daily or weekly e-mail it waits for `lms.notifications.digests`; for someone who chose the
app only, nothing is sent."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import force_locale
from sqlalchemy import ColumnElement, ScalarSelect, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from lms.accounts.models import User
from lms.db import utcnow
from lms.mail.outbox import enqueue
from lms.mail.recipient import as_recipient
from lms.notifications import kinds
from lms.notifications.delivery import absolute, link
from lms.notifications.models import Delivery, Notification, NotificationSetting

_quiet: ContextVar[bool] = ContextVar("notifications_quiet", default=False)


@contextmanager
def without_email():
    """Record in-app notifications but send no e-mail (loading demo data)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def delivery_for(session: Session, user: User) -> Delivery:
    setting = session.get(NotificationSetting, user.id)
    return setting.delivery if setting else Delivery.NOW


def set_delivery(session: Session, user: User, delivery: Delivery | str) -> NotificationSetting:
    delivery = Delivery(delivery)
    setting = session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        session.add(setting)
    setting.delivery = delivery
    setting.updated_at = utcnow()
    session.flush()
    return setting


def _english(kind: kinds.Kind, params: dict) -> str:
    with force_locale("en"):
        return kind.render(params)[:500]


def notify(
    session: Session,
    user: User,
    kind_name: str,
    *,
    url: str | None = None,
    about: str | None = None,
    **params,
) -> Notification | None:
    """Tell `user` of something of kind `kind_name` (`lms.notifications.kinds`), with the
    text's named parameters. With `about`, only once per person, kind and thing: a second
    call returns None.

    The e-mail says no more than its kind's lead sentence, and asks her to sign in: no
    evidence, no feedback, no names, nothing that would harm someone if another person read
    her mail."""
    kind = kinds.CATALOGUE[kind_name]
    if about is not None and _already_told(session, user, kind_name, about):
        return None
    delivery = delivery_for(session, user)
    emailed = not (_quiet.get() or user.is_disabled)
    notification = Notification(
        user_id=user.id,
        kind=kind_name,
        message=_english(kind, params),
        params=params,
        about=about,
        url=url,
        awaiting_digest=emailed and delivery in (Delivery.DAILY, Delivery.WEEKLY),
    )
    try:
        with session.begin_nested():
            session.add(notification)
            session.flush()
    except IntegrityError:  # the same reminder, told by another process a moment ago
        return None
    if emailed and delivery == Delivery.NOW:
        send_notice(session, user, kind, url)
    return notification


def _already_told(session: Session, user: User, kind_name: str, about: str) -> bool:
    return (
        session.scalar(
            select(Notification.id).where(
                Notification.user_id == user.id,
                Notification.kind == kind_name,
                Notification.about == about,
            )
        )
        is not None
    )


def send_notice(session: Session, user: User, kind: kinds.Kind, url: str | None) -> None:
    """One e-mail about one notification, in her language, through the outbox."""
    with as_recipient(session, user):
        enqueue(
            session,
            user.email,
            str(kind.subject),
            kind.template,
            user=user,
            lead=kind.lead,
            link=absolute(url or link("notifications.index")),
            settings_link=absolute(link("notifications.settings")),
        )


def text_of(notification: Notification) -> str:
    """What the notification says, in the current language (the reader's)."""
    kind = kinds.get(notification.kind)
    if kind is None or notification.params is None:
        return notification.message  # written before kinds kept their parameters
    try:
        return kind.render(notification.params)
    except (KeyError, ValueError, TypeError):
        return notification.message


def recent(session: Session, user: User, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count_of(user_id: ColumnElement[int] | int) -> ScalarSelect[int]:
    """How many notifications of the person `user_id` are unread, as a column: asked alone
    (`unread_count`) or within the statement that finds her session (lms.web)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_count(session: Session, user: User) -> int:
    """Her unread notifications: as read with her session, unless this session has since
    written or changed a notification (of anyone: which person's is not worth working out)."""
    known = user.session_figures.get(UNREAD)
    if known is not None and not session.info.get(_CHANGED):
        return known
    return session.scalar(select(unread_count_of(user.id)))


UNREAD = "unread_notifications"  # the name of `unread_count_of` among a session's figures
_CHANGED = "notifications_changed"  # session.info: a notification was written or changed


@event.listens_for(Session, "before_flush")
def _note_written(session: Session, _flush_context, _instances) -> None:
    if any(
        isinstance(row, Notification) for row in (*session.new, *session.dirty, *session.deleted)
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_changed(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is Notification.__mapper__:
        state.session.info[_CHANGED] = True


def mark_read(session: Session, user: User, notification_id: int) -> bool:
    """Mark one of her own notifications read; False when she has none with that id."""
    found = session.scalar(
        select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if found is None:
        return False
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return True


def mark_all_read(session: Session, user: User) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
