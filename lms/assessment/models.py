"""Assessors' decisions, countersignatures, IQA sampling, standardisation and EQA access.

Decisions and countersignatures are append-only: they are what an awarding body relies on.
A correction is a new decision whose `corrects_id` points at the one it replaces.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Organisation, User
from lms.curriculum.models import Enrolment
from lms.db import Base, append_only, string_enum, utcnow
from lms.i18n import _
from lms.portfolio.models import Submission


class Outcome(StrEnum):
    SIGNED_OFF = "signed_off"
    REFERRED = "referred"

    @property
    def label(self) -> str:
        return {"signed_off": _("Unit signed off"), "referred": _("Referred back")}[self.value]


class SampleReason(StrEnum):
    NEW_ASSESSOR = "new_assessor"
    PLAN = "plan"
    PICKED = "picked"

    @property
    def label(self) -> str:
        return {
            "new_assessor": _("One of the assessor's first decisions"),
            "plan": _("Sampled by the plan"),
            "picked": _("Picked by an IQA"),
        }[self.value]


class SampleStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    DISAGREED = "disagreed"


class CountersignRole(StrEnum):
    ASSESSOR = "assessor"  # a qualified assessor confirming a trainee assessor's sign-off
    IQA = "iqa"


class AssessorStanding(Base):
    """Whether an assessor is still qualifying in an organisation. No row: qualified."""

    __tablename__ = "assessor_standing"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_trainee_assessor: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@append_only(erasable=("feedback", "actions"))
class Decision(Base):
    """An assessor's judgement of a submission: the signature on it is what makes it count."""

    __tablename__ = "assessment_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "decision_outcome"))
    # Blanked (NULL) when the learner's personal data is erased; the ledger keeps their digest.
    feedback: Mapped[str | None] = mapped_column(Text, default="")
    actions: Mapped[str | None] = mapped_column(Text, default="")
    by_trainee_assessor: Mapped[bool] = mapped_column(default=False)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_decision.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The signature: what was judged (evidence versions, file hashes, criteria) and a digest
    # of all of it with who and when, so that any later change would show.
    signed_content: Mapped[dict] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(64))

    submission: Mapped[Submission] = relationship(lazy="raise")
    assessor: Mapped[User] = relationship(lazy="raise")
    judgements: Mapped[list[CriterionJudgement]] = relationship(
        back_populates="decision", lazy="raise", order_by="CriterionJudgement.id"
    )


@append_only(erasable=("feedback",))
class CriterionJudgement(Base):
    __tablename__ = "criterion_judgement"
    __table_args__ = (UniqueConstraint("decision_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("assessment_decision.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("assessment_criterion.id"), index=True)
    met: Mapped[bool]
    feedback: Mapped[str | None] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="judgements", lazy="raise")


@append_only(erasable=("comments",))
class Countersignature(Base):
    """A second person's view of a decision: agreement (a countersignature) or disagreement
    with the reason, which returns the decision to its assessor."""

    __tablename__ = "countersignature"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("assessment_decision.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[CountersignRole] = mapped_column(string_enum(CountersignRole, "countersign_role"))
    agrees: Mapped[bool]
    comments: Mapped[str | None] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[str] = mapped_column(String(64))

    decision: Mapped[Decision] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class SamplingPlan(Base):
    """How much of each assessor's work an organisation's IQAs check."""

    __tablename__ = "sampling_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    percentage: Mapped[int] = mapped_column(default=25)
    first_decisions: Mapped[int] = mapped_column(default=5)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IqaSample(Base):
    """A decision chosen for internal quality assurance, and where its review stands."""

    __tablename__ = "iqa_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("assessment_decision.id"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reason: Mapped[SampleReason] = mapped_column(string_enum(SampleReason, "sample_reason"))
    picked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[SampleStatus] = mapped_column(
        string_enum(SampleStatus, "sample_status"), default=SampleStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]

    decision: Mapped[Decision] = relationship(lazy="raise")


class StandardisationExercise(Base):
    """The same evidence judged independently by several assessors, then compared."""

    __tablename__ = "standardisation_exercise"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    submission: Mapped[Submission] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")
    participants: Mapped[list[StandardisationParticipant]] = relationship(
        back_populates="exercise", lazy="raise", order_by="StandardisationParticipant.id"
    )


class StandardisationParticipant(Base):
    """An assessor asked to judge, and (once done) their independent judgement."""

    __tablename__ = "standardisation_participant"
    __table_args__ = (UniqueConstraint("exercise_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("standardisation_exercise.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    outcome: Mapped[Outcome | None] = mapped_column(string_enum(Outcome, "decision_outcome"))
    # {criterion_id (as text): true/false}
    verdicts: Mapped[dict | None] = mapped_column(JSON)
    comments: Mapped[str | None] = mapped_column(Text)
    judged_at: Mapped[datetime | None]

    exercise: Mapped[StandardisationExercise] = relationship(
        back_populates="participants", lazy="raise"
    )
    assessor: Mapped[User] = relationship(lazy="raise")


class EqaGrant(Base):
    """An external quality assurer may read some learners' records, read-only, for a period.

    A grant is kept when it ends, at its end date or early (`ended_at`, `ended_by_id`), so
    what an EQA could read, and when, stays on record: nothing here is deleted, and giving
    access again is a new grant. `end_notified_at` is when she was told it had ended."""

    __tablename__ = "eqa_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    end_notified_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    learners: Mapped[list[EqaAccess]] = relationship(
        back_populates="grant", lazy="raise", order_by="EqaAccess.id"
    )

    def is_open(self, today: date) -> bool:
        """Not ended: current, or still to begin."""
        return self.ended_at is None and self.ends_on >= today

    def is_current(self, today: date) -> bool:
        return self.is_open(today) and self.starts_on <= today


class EqaAccess(Base):
    """One learner (her enrolment) whose records a grant opens to its EQA."""

    __tablename__ = "eqa_access"
    __table_args__ = (UniqueConstraint("grant_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("eqa_grant.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)

    grant: Mapped[EqaGrant] = relationship(back_populates="learners", lazy="raise")
    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
