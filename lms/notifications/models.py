"""What a person should know about: the same items they are sent by e-mail, listed in-app.

A notification keeps its kind (`lms.notifications.kinds`) and the named parameters of its
text, so the text is written in the reader's language when she reads it; `message` keeps the
English text as it was written (rows from before kinds had parameters show it as it is)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, string_enum, utcnow


class Delivery(enum.StrEnum):
    """How a person wants to hear of new notifications outside the app."""

    NOW = "now"  # an e-mail for each, at once (the default)
    DAILY = "daily"  # one e-mail a day listing them
    WEEKLY = "weekly"  # one e-mail a week listing them
    IN_APP = "in_app"  # no e-mail; only the list in the app


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_created_at", "user_id", "created_at"),
        # A reminder about one thing (a licence, a flag, a grant) is given once.
        UniqueConstraint("user_id", "kind", "about"),
        Index("ix_notification_awaiting_digest", "awaiting_digest", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(String(500))
    # The text's named parameters (None for rows written before there were any).
    params: Mapped[dict | None] = mapped_column(JSON)
    # What a once-only reminder is about ("licence:4:seats"); None for everything else.
    about: Mapped[str | None] = mapped_column(String(80))
    url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # Waiting for her next daily or weekly e-mail; the digest that listed it.
    awaiting_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_digest.id", ondelete="SET NULL")
    )


class NotificationSetting(Base):
    """A person's choice of how she hears of news; no row means an e-mail at once."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    delivery: Mapped[Delivery] = mapped_column(
        string_enum(Delivery, "notification_delivery"), default=Delivery.NOW
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationDigest(Base):
    """One daily or weekly e-mail to one person: made once per period (`daily:2026-12-07`,
    `weekly:2026-W49`), so running the command twice never sends it twice."""

    __tablename__ = "notification_digest"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    count: Mapped[int] = mapped_column(default=0)
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
