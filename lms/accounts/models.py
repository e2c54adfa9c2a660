from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, inspect, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.local import LocalProxy

from lms.accounts.roles import OrganisationKind, Role
from lms.db import Base, string_enum, utcnow


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        string_enum(OrganisationKind, "organisation_kind", length=20)
    )
    franchisor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Its trainees' pages are titled only "Alongside", so browser history and tabs say
    # nothing of what they read (see lms.privacy.titles). On unless an administrator turns
    # it off.
    neutral_page_titles: Mapped[bool] = mapped_column(default=True, server_default=true())
    # IANA name: dates and times are shown to its people in this zone (lms.i18n).
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Europe/London", server_default="Europe/London"
    )

    franchisor: Mapped[Organisation | None] = relationship(
        remote_side=[id], back_populates="partners", lazy="joined"
    )
    partners: Mapped[list[Organisation]] = relationship(
        back_populates="franchisor", lazy="raise", order_by="Organisation.name"
    )

    @property
    def is_franchisor(self) -> bool:
        return self.kind == OrganisationKind.FRANCHISOR

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_disabled: Mapped[bool] = mapped_column(default=False)
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    password_changed_at: Mapped[datetime | None]
    # Raised when her password changes or is reset and when she signs out everywhere: an API
    # token keeps the value it was made under and stops working once they differ.
    credentials_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The second step at sign-in (TOTP, RFC 6238): on once `totp_confirmed_at` is set, after
    # she has typed a first code. `totp_last_step` is the last time step accepted, so the
    # same code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Her own choice of language (a code of lms.i18n.LANGUAGES); None: as her browser asks.
    locale: Mapped[str | None] = mapped_column(String(10))

    # Not loaded with every person on every list: the signed-in person's are loaded once per
    # request (the session loader); anywhere else ask `memberships_of(user)`, which loads them
    # with one query when they are not loaded yet.
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan"
    )

    # Flask-Login protocol. The id handed to Flask-Login is the server-side session token,
    # so that revoking the session row ends the sign-in everywhere (see accounts.sessions).
    current_session_token = None
    # Figures about her read in the statement that found her session (`load_session_user`'s
    # `figures`), by name; empty for a person not found through a session. Never changed in
    # place: `load_session_user` gives each person found a dict of her own.
    session_figures: dict = {}
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    def get_id(self) -> str | None:
        return self.current_session_token

    def roles_in(self, organisation_id: int) -> set[Role]:
        return {m.role for m in memberships_of(self) if m.organisation_id == organisation_id}

    @property
    def organisation_zone(self) -> str | None:
        """The time zone of the organisation she belongs to (her first membership), as its
        pages show her times; memberships are usually loaded with her, so no query."""
        memberships = sorted(memberships_of(self), key=lambda m: m.id)
        return memberships[0].organisation.time_zone if memberships else None

    @property
    def roles(self) -> set[Role]:
        return {m.role for m in memberships_of(self)}

    def __repr__(self) -> str:
        return f"<User {self.id}>"


def memberships_of(user: User) -> list[Membership]:
    """The person's memberships, loaded now with one query if they were not loaded with her
    (`User.memberships` is `lazy="raise"` so that lists of people never load them)."""
    if isinstance(user, LocalProxy):  # `current_user`: find her once, not per attribute
        user = user._get_current_object()
    loaded = getattr(user, "__dict__", {}).get("memberships")
    if loaded is not None:  # the usual case, asked many times a request: no inspection
        return loaded
    state = inspect(user, raiseerr=False)
    if state is None:  # an API token's principal carries the one membership it speaks for
        return user.memberships
    if "memberships" in state.unloaded and state.session is not None and user.id is not None:
        found = state.session.scalars(select(Membership).where(Membership.user_id == user.id))
        set_committed_value(user, "memberships", list(found))
    return user.memberships


class Membership(Base):
    """One role a person holds in one organisation."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, "membership_role", length=20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class AuthSession(Base):
    """A signed-in browser. The cookie carries only a random token; this row is the truth."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    remember: Mapped[bool] = mapped_column(default=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(60))

    user: Mapped[User] = relationship(lazy="joined")


class RecoveryCode(Base):
    """A single-use code that stands in for the second step when her phone is lost. Only an
    argon2 hash is kept; the codes are shown once, when they are made."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class SignInThrottle(Base):
    """Failed attempts counted for one client address (`email_digest` empty) or for one
    e-mail address typed from one client address, kept in the database so that every worker
    and instance sees the same count. Over the limit an attempt must wait until
    `wait_until`; the account itself is never locked (see accounts.throttle)."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (
        UniqueConstraint("kind", "address", "email_digest"),
        Index("ix_sign_in_throttle_email_digest", "email_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(45))
    email_digest: Mapped[str] = mapped_column(String(64), default="")
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
    wait_until: Mapped[datetime | None]


class MembershipInvitation(Base):
    """An invitation to hold roles in an organisation, sent to an address that holds none
    there yet. Whether or not the address has an account, she joins only by accepting it
    through the signed link in the e-mail (see accounts.member_invitations)."""

    __tablename__ = "membership_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[str] = mapped_column(String(200))  # role values, comma-separated
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    # "accepted", "declined" or "withdrawn" once answered; None while it waits.
    outcome: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def role_list(self) -> list[Role]:
        return [Role(value) for value in self.roles.split(",") if value]
