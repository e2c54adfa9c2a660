"""Achievement records, awards, certificates, credentials and claims.

What has been achieved and awarded is kept for the awarding body, so these rows are
append-only: a revocation is a new `Revocation`, never a change to the award it revokes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation, User
from lms.curriculum.models import Course, Enrolment, Unit
from lms.db import Base, append_only, utcnow


@append_only(erasable=("evidence_summary",))
class UnitAchievement(Base):
    """A unit signed off for one enrolment (and countersigned, where the IQA sampled it).

    Credits and level are copied from the unit version assessed, so later changes to the
    curriculum never change what was achieved."""

    __tablename__ = "unit_achievement"
    __table_args__ = (UniqueConstraint("enrolment_id", "unit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    credits: Mapped[int]
    level: Mapped[str | None] = mapped_column(String(10))
    signed_off_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    signed_off_at: Mapped[datetime]
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    countersigned_at: Mapped[datetime | None]
    evidence_summary: Mapped[str | None] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")
    signed_off_by: Mapped[User] = relationship(foreign_keys=[signed_off_by_id], lazy="raise")
    countersigned_by: Mapped[User | None] = relationship(
        foreign_keys=[countersigned_by_id], lazy="raise"
    )

    @property
    def achieved_on(self) -> date:
        return (self.countersigned_at or self.signed_off_at).date()


@append_only
class QualificationAward(Base):
    """The qualification awarded to one enrolment, once its rules of combination were met."""

    __tablename__ = "qualification_award"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    credits: Mapped[int]
    unit_codes: Mapped[list] = mapped_column(JSON, default=list)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    course: Mapped[Course] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")
    certificate: Mapped[Certificate | None] = relationship(back_populates="award", lazy="raise")
    revocation: Mapped[Revocation | None] = relationship(back_populates="award", lazy="raise")


@append_only(erasable=("trainee_name",))
class Certificate(Base):
    """The printable certificate of an award. What it says is kept as issued, so a reprint
    years later shows the same words; the verification code finds it again."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("qualification_award.id"), unique=True)
    verification_code: Mapped[str] = mapped_column(String(12), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # NULL once the holder's personal data is erased: the award stays, her name does not.
    trainee_name: Mapped[str | None] = mapped_column(String(200))
    qualification_title: Mapped[str] = mapped_column(String(300))
    qualification_code: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(10))
    credits: Mapped[int]
    awarded_on: Mapped[date]
    issuer_name: Mapped[str] = mapped_column(String(200))
    franchisor_name: Mapped[str | None] = mapped_column(String(200))
    awarding_body: Mapped[str | None] = mapped_column(String(200))
    units: Mapped[list] = mapped_column(JSON, default=list)

    award: Mapped[QualificationAward] = relationship(back_populates="certificate", lazy="raise")


class OrganisationSigningKey(Base):
    """An organisation's signing key: RSA for RS256 now, Ed25519 for EdDSA before (see
    keys.py). The private half is stored encrypted; only `retired_at` ever changes, at most one
    key per organisation is in use, and retired keys stay published so that what they signed
    still verifies."""

    __tablename__ = "organisation_signing_key"
    __table_args__ = (
        Index(
            "uq_organisation_signing_key_active",
            "organisation_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(10))  # the JWS `alg` it signs with
    kid: Mapped[str] = mapped_column(String(300), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="raise")


class StatusList(Base):
    """One published revocation list of an organisation. Which bits are set follows from the
    revocations; nothing about it is stored twice."""

    __tablename__ = "status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="revocation")
    size_bits: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="raise")


@append_only
class IssuedCredential(Base):
    """An Open Badges 3.0 credential as signed: for a qualification award or for one unit."""

    __tablename__ = "issued_credential"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        CheckConstraint("(unit_achievement_id IS NULL) <> (award_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("qualification_award.id"), unique=True)
    unit_achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit_achievement.id"), unique=True
    )
    name: Mapped[str] = mapped_column(String(300))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"), index=True)
    status_index: Mapped[int]
    kid: Mapped[str] = mapped_column(String(300))
    credential: Mapped[dict] = mapped_column(JSON)
    jwt: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    award: Mapped[QualificationAward | None] = relationship(lazy="raise")
    unit_achievement: Mapped[UnitAchievement | None] = relationship(lazy="raise")
    status_list: Mapped[StatusList] = relationship(lazy="raise")

    @property
    def credential_id(self) -> str:
        return f"urn:uuid:{self.uuid}"


@append_only
class Revocation(Base):
    """An award withdrawn: its certificate and credential no longer verify. The reason is
    for the record and the awarding body; the public page shows only the date."""

    __tablename__ = "revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("qualification_award.id"), unique=True)
    revoked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)

    award: Mapped[QualificationAward] = relationship(back_populates="revocation", lazy="raise")
    revoked_by: Mapped[User] = relationship(lazy="raise")


@append_only
class CertificationClaim(Base):
    """One export to the awarding body: an organisation's achievements for a period."""

    __tablename__ = "certification_claim"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(lazy="raise")
    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", lazy="raise", order_by="ClaimLine.id"
    )


@append_only
class ClaimLine(Base):
    """One achievement in a claim. The unique constraints are what make a second claim of
    the same unit or award impossible, even when two exports run at the same moment."""

    __tablename__ = "claim_line"
    __table_args__ = (
        CheckConstraint("(unit_achievement_id IS NULL) <> (award_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("certification_claim.id"), index=True)
    unit_achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit_achievement.id"), unique=True
    )
    award_id: Mapped[int | None] = mapped_column(ForeignKey("qualification_award.id"), unique=True)

    claim: Mapped[CertificationClaim] = relationship(back_populates="lines", lazy="raise")
    unit_achievement: Mapped[UnitAchievement | None] = relationship(lazy="raise")
    award: Mapped[QualificationAward | None] = relationship(lazy="raise")
