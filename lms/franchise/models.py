"""Licences: what a partner organisation may deliver, to how many trainees, until when."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation
from lms.curriculum.models import Course
from lms.db import Base, string_enum, utcnow
from lms.i18n import _l


class LicenceStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return LICENCE_STATUS_LABELS[self]


LICENCE_STATUS_LABELS = {
    LicenceStatus.ACTIVE: _l("Active"),
    LicenceStatus.SUSPENDED: _l("Suspended"),
    LicenceStatus.EXPIRED: _l("Expired"),
}


class Licence(Base):
    """A partner's licence to deliver one qualification: seats, dates, units, status.

    A seat is taken by every enrolment on the qualification through the partner that has not
    been withdrawn (an achieved trainee keeps hers). The stored status is what the franchisor
    set; a licence past its expiry date counts as expired whatever is stored (see
    `lms.franchise.licences.effective_status`).
    """

    __tablename__ = "licence"
    __table_args__ = (
        UniqueConstraint("organisation_id", "course_id"),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        CheckConstraint("expires_on >= starts_on", name="expires_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    seats: Mapped[int]
    starts_on: Mapped[date]
    expires_on: Mapped[date]
    status: Mapped[LicenceStatus] = mapped_column(
        Enum(
            LicenceStatus,
            name="licence_status",
            native_enum=False,
            length=20,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=LicenceStatus.ACTIVE,
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Licences are few and always read with their qualification and units.
    organisation: Mapped[Organisation] = relationship(lazy="raise")
    course: Mapped[Course] = relationship(lazy="joined")
    units: Mapped[list[LicenceUnit]] = relationship(
        back_populates="licence",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="LicenceUnit.unit_code",
    )

    @property
    def course_title(self) -> str:
        return self.course.title

    @property
    def unit_codes(self) -> set[str]:
        return {unit.unit_code for unit in self.units}

    def __repr__(self) -> str:
        return f"<Licence {self.organisation_id}:{self.course_id}>"


class LicenceUnit(Base):
    """A unit the partner may deliver under the licence. Kept by code, so a new version of
    the unit stays licensed."""

    __tablename__ = "licence_unit"
    __table_args__ = (UniqueConstraint("licence_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(
        ForeignKey("licence.id", ondelete="CASCADE"), index=True
    )
    unit_code: Mapped[str] = mapped_column(String(40))

    licence: Mapped[Licence] = relationship(back_populates="units", lazy="raise")


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class EnrolmentInvitation(Base):
    """An invitation to join a cohort, e-mailed to a person who is not (yet) one of the
    organisation's people. She joins only when she accepts it: signed in as herself if she
    has an account (with another organisation, perhaps: nothing of hers is shown to this one
    before she accepts), or by choosing a password if she has none.

    `name` and `date_of_birth` are what the coordinator typed; they are used only for an
    account made on acceptance, never to change an existing one. A pending invitation that
    has not expired holds a seat on the licence, as an enrolment does. At most one invitation
    to the same address is pending per organisation and qualification: inviting her again
    sends it again."""

    __tablename__ = "enrolment_invitation"
    __table_args__ = (
        Index(
            "uq_enrolment_invitation_pending",
            "organisation_id",
            "course_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[InvitationStatus] = mapped_column(
        string_enum(InvitationStatus, "invitation_status", length=20),
        default=InvitationStatus.PENDING,
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    # Who accepted it, and the enrolment that made.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"))

    def holds_seat(self, now: datetime) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > now


class FiguresStamp(Base):
    """Which version of an organisation's figures (lms.franchise.figures) is current: a new
    random number each time a row they are worked out from changes, written in the same
    transaction as the change. Figures kept under an older stamp are read again.

    No foreign key: a stamp outliving its organisation is harmless, and a change that removes
    an organisation must still be able to write its stamp."""

    __tablename__ = "figures_stamp"

    organisation_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stamp: Mapped[int] = mapped_column(BigInteger)
