"""Evidence, its files, and the submissions that freeze what an assessor judged.

`Evidence` is the trainee's working copy: a draft she can change; each change raises its
`version`. Submitting a unit copies what is there at that moment into a `Submission` with
`SubmittedEvidence` rows (title, description, criteria, file hashes). Those rows are never
changed, so a decision always points at exactly what was judged.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.curriculum.models import AssessmentCriterion, Enrolment, Unit
from lms.db import Base, append_only, string_enum, utcnow
from lms.i18n import _l


class EvidenceType(StrEnum):
    REFLECTIVE_ACCOUNT = "reflective_account"
    OBSERVATION = "observation"
    WITNESS_TESTIMONY = "witness_testimony"
    PROFESSIONAL_DISCUSSION = "professional_discussion"
    PRODUCT = "product"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(EVIDENCE_TYPE_LABELS[self])


EVIDENCE_TYPE_LABELS = {
    EvidenceType.REFLECTIVE_ACCOUNT: _l("Reflective account"),
    EvidenceType.OBSERVATION: _l("Observation record"),
    EvidenceType.WITNESS_TESTIMONY: _l("Witness testimony"),
    EvidenceType.PROFESSIONAL_DISCUSSION: _l("Professional discussion record"),
    EvidenceType.PRODUCT: _l("Product or document"),
    EvidenceType.OTHER: _l("Other"),
}
# What an assessor may record on a trainee's behalf.
ASSESSOR_RECORDED_TYPES = (
    EvidenceType.OBSERVATION,
    EvidenceType.PROFESSIONAL_DISCUSSION,
    EvidenceType.WITNESS_TESTIMONY,
)


class SubmissionStatus(StrEnum):
    SUBMITTED = "submitted"  # waiting in an assessor's queue
    REFERRED = "referred"  # judged: more work needed; the trainee may submit again
    AWAITING_COUNTERSIGN = "awaiting_countersign"  # signed off by a trainee assessor
    AWAITING_IQA = "awaiting_iqa"  # signed off and sampled: waits for the IQA
    ACHIEVED = "achieved"

    @property
    def label(self) -> str:
        return str(SUBMISSION_STATUS_LABELS[self])


SUBMISSION_STATUS_LABELS = {
    SubmissionStatus.SUBMITTED: _l("Waiting for an assessor"),
    SubmissionStatus.REFERRED: _l("Referred back for more work"),
    SubmissionStatus.AWAITING_COUNTERSIGN: _l("Signed off, waiting for a countersignature"),
    SubmissionStatus.AWAITING_IQA: _l("Signed off, waiting for quality assurance"),
    SubmissionStatus.ACHIEVED: _l("Achieved"),
}
OPEN_STATUSES = (
    SubmissionStatus.SUBMITTED,
    SubmissionStatus.AWAITING_COUNTERSIGN,
    SubmissionStatus.AWAITING_IQA,
)
OPEN_STATUS_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES))


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    # Copied from the enrolment so that every query can be scoped by organisation cheaply.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    evidence_type: Mapped[EvidenceType] = mapped_column(string_enum(EvidenceType, "evidence_type"))
    description: Mapped[str] = mapped_column(Text, default="")
    # Set when an assessor recorded it (an observation, a professional discussion).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="raise")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="evidence", lazy="raise", order_by="EvidenceFile.id"
    )
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        secondary="evidence_criterion", lazy="raise", order_by="AssessmentCriterion.id"
    )

    @property
    def assessor_recorded(self) -> bool:
        return self.recorded_by_id is not None

    @property
    def current_files(self) -> list[EvidenceFile]:
        return [f for f in self.files if f.removed_at is None]


class EvidenceCriterion(Base):
    """Evidence claims to cover a criterion (of any unit of the trainee's course)."""

    __tablename__ = "evidence_criterion"
    __table_args__ = (UniqueConstraint("evidence_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criterion.id"), index=True)


class EvidenceFile(Base):
    """A file attached to evidence. Its content lives in the evidence store under `sha256`.

    Rows are not deleted: a file taken off a draft gets `removed_at`, because an earlier
    submission may still show it to the assessor who judged it."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    kind_label: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    # Set when details that may name someone could not be taken out of the file safely
    # (a signed PDF, comments with their authors' names): the assessor is told.
    metadata_warning: Mapped[str | None] = mapped_column(String(300))

    evidence: Mapped[Evidence] = relationship(back_populates="files", lazy="raise")


class Submission(Base):
    """One unit's portfolio, frozen when the trainee submitted it for assessment.

    `state_version` changes on every change of `status`: two assessors acting at once both
    send the version they saw, and only the first one's change matches."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "unit_id", "number"),
        Index("ix_submission_status_submitted_at", "status", "submitted_at"),
        # Never two open submissions of one unit (by code, across the unit's versions): the
        # database's answer to a double click or two tabs submitting at once.
        Index(
            "uq_submission_open_unit",
            "enrolment_id",
            "unit_code",
            unique=True,
            sqlite_where=text(OPEN_STATUS_SQL),
            postgresql_where=text(OPEN_STATUS_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # The unit's code, the same in every version of it.
    unit_code: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[SubmissionStatus] = mapped_column(
        string_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.SUBMITTED
    )
    state_version: Mapped[int] = mapped_column(default=1)
    declaration: Mapped[str] = mapped_column(Text)
    # What the trainee says she changed since the unit was referred ("What I changed").
    changes_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")
    trainee: Mapped[User] = relationship(lazy="raise")
    items: Mapped[list[SubmittedEvidence]] = relationship(
        back_populates="submission", lazy="raise", order_by="SubmittedEvidence.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@append_only(erasable=("title", "description"))
class SubmittedEvidence(Base):
    """A piece of evidence exactly as it was when submitted: never changed afterwards."""

    __tablename__ = "submitted_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    evidence_version: Mapped[int]
    title: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[EvidenceType] = mapped_column(string_enum(EvidenceType, "evidence_type"))
    description: Mapped[str | None] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # [{"file_id", "sha256", "filename", "size", "media_type", "kind_label"}], and
    # "metadata_warning" when the file has one]
    files: Mapped[list] = mapped_column(JSON, default=list)
    # The ids of the criteria of the submitted unit that this evidence claimed to cover.
    criterion_ids: Mapped[list] = mapped_column(JSON, default=list)

    submission: Mapped[Submission] = relationship(back_populates="items", lazy="raise")

    @property
    def assessor_recorded(self) -> bool:
        return self.recorded_by_id is not None


class WitnessStatement(Base):
    """A witness asked to confirm a statement (witness testimony evidence) by an e-mailed
    link. The link's token is kept only as its SHA-256; it is single-use and expires.

    `statement` is the text as it was when she was asked, so a confirmation always names
    exactly what she read. `confirmed` is None until she answers."""

    __tablename__ = "witness_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(
        ForeignKey("evidence.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    witness_name: Mapped[str] = mapped_column(String(120))
    witness_role: Mapped[str] = mapped_column(String(120))
    witness_email: Mapped[str] = mapped_column(String(254))
    statement: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    confirmed: Mapped[bool | None]
    note: Mapped[str] = mapped_column(Text, default="")

    evidence: Mapped[Evidence] = relationship(lazy="raise")

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def expired(self) -> bool:
        """Unanswered, and its link no longer works."""
        return not self.answered and self.expires_at <= utcnow()
