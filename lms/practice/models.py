"""Practice: a trainee's mentoring relationships and sessions, her supervision, the flags her
supervisor raises, and her private reflective journal.

Everything hangs off her enrolment (and so her organisation). A mentee is known only by the
pseudonym the trainee chose (see `lms.practice.pseudonyms`). Journal entries are read by their
author alone: no rule, page, API answer or audit detail shows their text to anyone else.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.curriculum.models import Course, Enrolment
from lms.db import Base, string_enum, utcnow
from lms.i18n import _l


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return str(LABELS[self])


class SessionMode(_Labelled):
    IN_PERSON = "in_person"
    PHONE = "phone"
    ONLINE = "online"


class SupportKind(_Labelled):
    EMOTIONAL = "emotional"
    PRACTICAL = "practical"
    BRIDGE = "bridge"


class ServiceKind(_Labelled):
    """The kind of service a "bridge" session connected the mentee with: never who."""

    HOUSING = "housing"
    LEGAL = "legal"
    HEALTH = "health"
    COUNSELLING = "counselling"
    BENEFITS = "benefits"
    EDUCATION_WORK = "education_work"
    CHILDREN_FAMILY = "children_family"
    SPECIALIST_SUPPORT = "specialist_support"
    OTHER = "other"


class ClosureKind(_Labelled):
    PLANNED = "planned"
    MENTEE_ENDED = "mentee_ended"
    MENTOR_ENDED = "mentor_ended"
    REFERRED_ON = "referred_on"
    LOST_CONTACT = "lost_contact"


class FlagKind(_Labelled):
    BOUNDARY = "boundary"
    OVER_IDENTIFICATION = "over_identification"
    WELLBEING = "wellbeing"
    SAFEGUARDING_REFERRAL = "safeguarding_referral"
    CLOSE_RELATIONSHIP = "close_relationship"


LABELS = {
    SessionMode.IN_PERSON: _l("In person"),
    SessionMode.PHONE: _l("Phone"),
    SessionMode.ONLINE: _l("Online"),
    SupportKind.EMOTIONAL: _l("Emotional support"),
    SupportKind.PRACTICAL: _l("Practical support"),
    SupportKind.BRIDGE: _l("Bridge to a service"),
    ServiceKind.HOUSING: _l("Housing"),
    ServiceKind.LEGAL: _l("Legal advice"),
    ServiceKind.HEALTH: _l("Health"),
    ServiceKind.COUNSELLING: _l("Counselling or therapy"),
    ServiceKind.BENEFITS: _l("Money and benefits"),
    ServiceKind.EDUCATION_WORK: _l("Education or work"),
    ServiceKind.CHILDREN_FAMILY: _l("Children and family"),
    ServiceKind.SPECIALIST_SUPPORT: _l("Specialist support service"),
    ServiceKind.OTHER: _l("Another kind of service"),
    ClosureKind.PLANNED: _l("A planned ending"),
    ClosureKind.MENTEE_ENDED: _l("The mentee chose to end it"),
    ClosureKind.MENTOR_ENDED: _l("The mentor needed to end it"),
    ClosureKind.REFERRED_ON: _l("The mentee moved on to other support"),
    ClosureKind.LOST_CONTACT: _l("Contact was lost"),
    FlagKind.BOUNDARY: _l("Boundary concern"),
    FlagKind.OVER_IDENTIFICATION: _l("Over-identification"),
    FlagKind.WELLBEING: _l("Mentor's own wellbeing"),
    FlagKind.SAFEGUARDING_REFERRAL: _l("Safeguarding referral made"),
    FlagKind.CLOSE_RELATIONSHIP: _l("Relationship to close"),
}

# What the trainee reads about a flag raised about her: the same thing, said kindly.
KIND_WORDS = {
    FlagKind.BOUNDARY: _l(
        "Your supervisor would like to talk with you about keeping the "
        "relationship's limits clear, so that it stays safe for you both."
    ),
    FlagKind.OVER_IDENTIFICATION: _l(
        "Your supervisor noticed that this work may be close to your "
        "own story, and would like to make space to talk about it."
    ),
    FlagKind.WELLBEING: _l(
        "Your supervisor wants to check in on how you are doing. Looking after "
        "yourself is part of this work."
    ),
    FlagKind.SAFEGUARDING_REFERRAL: _l(
        "A safeguarding referral was made. Your supervisor will "
        "talk it through with you, and you are not on your own with it."
    ),
    FlagKind.CLOSE_RELATIONSHIP: _l(
        "Your supervisor suggests planning a good ending to this "
        "mentoring relationship. You will plan it together."
    ),
}


class MentoringRelationship(Base):
    """A trainee's mentoring relationship with one mentee, known by a pseudonym."""

    __tablename__ = "mentoring_relationship"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(60))
    started_on: Mapped[date]
    # The mentee's goals, in her own words.
    goals: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None]
    closure_kind: Mapped[ClosureKind | None] = mapped_column(
        string_enum(ClosureKind, "closure_kind")
    )
    closure_achieved: Mapped[str] = mapped_column(Text, default="")
    closure_learned: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    sessions: Mapped[list[PracticeSession]] = relationship(
        back_populates="mentoring", lazy="raise", order_by="PracticeSession.held_on"
    )

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class PracticeSession(Base):
    """One mentoring session: when, how long, how, what kind of support, a short note."""

    __tablename__ = "practice_session"
    __table_args__ = (CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_relationship.id"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int]
    mode: Mapped[SessionMode] = mapped_column(string_enum(SessionMode, "session_mode"))
    support: Mapped[SupportKind] = mapped_column(string_enum(SupportKind, "support_kind"))
    service: Mapped[ServiceKind | None] = mapped_column(string_enum(ServiceKind, "service_kind"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentoring: Mapped[MentoringRelationship] = relationship(back_populates="sessions", lazy="raise")


class SupervisorAssignment(Base):
    """Who supervises a trainee's practice: a coordinator names an assessor, IQA or
    coordinator of the trainee's organisation (coordinators supervise without being named)."""

    __tablename__ = "supervisor_assignment"
    __table_args__ = (UniqueConstraint("enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    supervisor: Mapped[User] = relationship(lazy="raise")


class SupervisionSession(Base):
    """A supervision meeting with one trainee or a small group of the same organisation."""

    __tablename__ = "supervision_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    topics: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supervisor: Mapped[User | None] = relationship(lazy="raise")
    attendees: Mapped[list[SupervisionAttendee]] = relationship(
        back_populates="supervision", lazy="raise", cascade="all, delete-orphan"
    )
    actions: Mapped[list[SupervisionAction]] = relationship(
        back_populates="supervision",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="SupervisionAction.id",
    )


class SupervisionAttendee(Base):
    __tablename__ = "supervision_attendee"
    __table_args__ = (UniqueConstraint("supervision_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_session.id", ondelete="CASCADE"), index=True
    )
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)

    supervision: Mapped[SupervisionSession] = relationship(back_populates="attendees", lazy="raise")
    enrolment: Mapped[Enrolment] = relationship(lazy="raise")


class SupervisionAction(Base):
    """An action agreed in supervision, with the date it is due."""

    __tablename__ = "supervision_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_session.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    done_on: Mapped[date | None]

    supervision: Mapped[SupervisionSession] = relationship(back_populates="actions", lazy="raise")


class PracticeFlag(Base):
    """A concern a supervisor raised about a trainee's practice, with the date it must be
    followed up by and, once it is, the outcome. A flag that pauses practice stops new
    sessions until it is followed up."""

    __tablename__ = "practice_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    relationship_id: Mapped[int | None] = mapped_column(ForeignKey("mentoring_relationship.id"))
    kind: Mapped[FlagKind] = mapped_column(string_enum(FlagKind, "flag_kind"))
    # For the staff who support her; she reads the kind words of `KIND_WORDS` instead.
    note: Mapped[str] = mapped_column(Text, default="")
    pauses_practice: Mapped[bool] = mapped_column(default=False)
    follow_up_on: Mapped[date] = mapped_column(index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str | None] = mapped_column(Text)
    followed_up_on: Mapped[date | None]
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id], lazy="raise")

    @property
    def is_open(self) -> bool:
        return self.followed_up_on is None

    @property
    def kind_words(self) -> str:
        return str(KIND_WORDS[self.kind])

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.follow_up_on < today


class JournalEntry(Base):
    """A private reflection. Only its author reads it; choosing it as evidence makes a frozen
    copy in her portfolio (`evidence_id`) and leaves this entry private."""

    __tablename__ = "journal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    prompt_key: Mapped[str | None] = mapped_column(String(60))
    # {heading: text} for a guided entry, in the prompt's order; or {"": text}.
    body: Mapped[dict] = mapped_column(JSON)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticeRequirement(Base):
    """What a qualification asks of practice before award, from its course file's `practice`
    block (synced by `courses sync`)."""

    __tablename__ = "practice_requirement"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    hours: Mapped[int] = mapped_column(default=0)
    supervision_sessions: Mapped[int] = mapped_column(default=0)
    # [{"key", "title", "headings": [...]}] prompts the journal offers besides Gibbs.
    prompts: Mapped[list] = mapped_column(JSON, default=list)

    course: Mapped[Course] = relationship(lazy="raise")
