"""Licences: what a partner organisation may deliver, to how many trainees, until when."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation
from lms.curriculum.models import Course
from lms.db import Base, utcnow


class LicenceStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return LICENCE_STATUS_LABELS[self]


LICENCE_STATUS_LABELS = {
    LicenceStatus.ACTIVE: "Active",
    LicenceStatus.SUSPENDED: "Suspended",
    LicenceStatus.EXPIRED: "Expired",
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
