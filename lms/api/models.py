"""Personal access tokens: how partners' own systems call the API on a person's behalf."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.db import Base, utcnow


class PersonalAccessToken(Base):
    """A token a person made for one organisation and the role she holds there.

    Only a SHA-256 hash of the token is kept (the token is random and long, so a fast hash is
    enough); the token itself is shown once, when it is made. `prefix` lets its owner tell
    her tokens apart. A token stops working when revoked, when it expires, or when its owner
    no longer holds the role or her account is disabled, and when her password changes or
    is reset or she signs out everywhere (`user_epoch`).
    """

    __tablename__ = "personal_access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="token_role",
            native_enum=False,
            length=20,
            values_callable=lambda members: [m.value for m in members],
        )
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Her `credentials_epoch` when the token was made: a password change or reset, or signing
    # out everywhere, raises hers and so ends the token.
    user_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The random key of the form that asked for it: a second submission of the same form
    # (a double click, a resend) finds this token instead of making another.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
