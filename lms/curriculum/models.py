"""Courses, units, lessons and the people working through them.

The files in `courses/` are the source of truth for content; `courses sync` writes these rows.
A unit whose criteria are already being assessed is never rewritten: a changed unit becomes a
new `Unit` row (a new version) and the old one stays, with its outcomes and criteria, so that
evidence and decisions keep pointing at what they were judged against.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.accounts.models import Organisation, User
from lms.db import Base, string_enum, utcnow
from lms.i18n import _l


class CourseKind(StrEnum):
    QUALIFICATION = "qualification"
    SHORT_COURSE = "short-course"


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    IN_PROGRESS = "in_progress"
    AWAITING_ASSESSMENT = "awaiting_assessment"
    ACHIEVED = "achieved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(ENROLMENT_STATUS_LABELS[self])


ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.ENROLLED: _l("Enrolled"),
    EnrolmentStatus.IN_PROGRESS: _l("In progress"),
    EnrolmentStatus.AWAITING_ASSESSMENT: _l("Awaiting assessment"),
    EnrolmentStatus.ACHIEVED: _l("Achieved"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
}


class CohortStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CohortRole(StrEnum):
    ASSESSOR = "assessor"
    IQA = "iqa"


# --- content ----------------------------------------------------------------------------------


class Course(Base):
    """A qualification or a short course, as described by a folder's `course.yaml`."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[CourseKind] = mapped_column(string_enum(CourseKind, "course_kind"))
    level: Mapped[str | None] = mapped_column(String(10))
    awarding_body: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(10), default="en")
    summary: Mapped[str] = mapped_column(Text, default="")
    rules_of_combination: Mapped[dict | None] = mapped_column(JSON)
    folder: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    course_units: Mapped[list[CourseUnit]] = relationship(
        back_populates="course",
        lazy="raise",
        order_by="CourseUnit.position",
        cascade="all, delete-orphan",
    )

    @property
    def is_qualification(self) -> bool:
        return self.kind == CourseKind.QUALIFICATION

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class Unit(Base):
    """One version of a unit. `(code, version)` is unique; exactly one version is current."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[str | None] = mapped_column(String(10))
    credits: Mapped[int] = mapped_column(default=0)
    guided_learning_hours: Mapped[int] = mapped_column(default=0)
    overview_html: Mapped[str] = mapped_column(Text, default="")
    content_note: Mapped[str | None] = mapped_column(Text)
    quiz_ref: Mapped[str | None] = mapped_column(String(100))
    # The language its files are written in (its course's `language`); translations are
    # `UnitTranslation` and `LessonTranslation` rows.
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    folder: Mapped[str] = mapped_column(String(300), default="")
    # What assessment depends on (level, credits, outcomes, criteria): a change here makes a
    # new version once the unit is in use. `content_hash` covers everything in unit.md.
    structure_hash: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    outcomes: Mapped[list[LearningOutcome]] = relationship(
        back_populates="unit",
        lazy="raise",
        order_by="LearningOutcome.position",
        cascade="all, delete-orphan",
    )
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="unit", lazy="raise", order_by="Lesson.position"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code} v{self.version}>"


class CourseUnit(Base):
    """A unit's place in a course: its order and, for optional units, its group."""

    __tablename__ = "course_unit"
    __table_args__ = (UniqueConstraint("course_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    mandatory: Mapped[bool] = mapped_column(default=False)
    group_id: Mapped[str | None] = mapped_column(String(20))

    course: Mapped[Course] = relationship(back_populates="course_units", lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")


class LearningOutcome(Base):
    __tablename__ = "learning_outcome"
    __table_args__ = (UniqueConstraint("unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="outcomes", lazy="raise")
    criteria: Mapped[list[AssessmentCriterion]] = relationship(
        back_populates="outcome",
        lazy="raise",
        order_by="AssessmentCriterion.position",
        cascade="all, delete-orphan",
    )


class AssessmentCriterion(Base):
    """ "The learner can: 1.2 …". Evidence and decisions point here; rows are never rewritten
    once in use (a changed unit gets a new version with new criteria)."""

    __tablename__ = "assessment_criterion"
    __table_args__ = (UniqueConstraint("unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("learning_outcome.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    outcome: Mapped[LearningOutcome] = relationship(back_populates="criteria", lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")


class Lesson(Base):
    """A lesson of the current version of a unit. Its identity is `slug` (the file name without
    the number prefix), so re-ordering files keeps everyone's progress. `html` is rendered and
    sanitised once, at sync."""

    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("unit_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None]
    content_note: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="lessons", lazy="raise")


class UnitTranslation(Base):
    """A unit's title, content note and overview in another language (`<code>/unit.md` in
    the unit's folder). Outcomes and criteria are not translated."""

    __tablename__ = "unit_translation"
    __table_args__ = (UniqueConstraint("unit_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    content_note: Mapped[str | None] = mapped_column(Text)
    overview_html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class LessonTranslation(Base):
    """A lesson in another language (the same file name in the unit's `<code>/` folder),
    rendered and sanitised at sync like the original. It follows its lesson to a new version
    of the unit."""

    __tablename__ = "lesson_translation"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    content_note: Mapped[str | None] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseAsset(Base):
    """An image used by course content, stored once by its SHA-256 and served from here (never
    from the course folder, never from another site)."""

    __tablename__ = "course_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- delivery ---------------------------------------------------------------------------------


def cohort_name_key(name: str) -> str:
    """What makes two cohort names the same: case and runs of spaces do not count."""
    return " ".join(name.split()).casefold()


class Cohort(Base):
    """Trainees of one partner who start a course together, with their assigned staff.

    Names are unique within an organisation ignoring case and spacing: `name_key` is the
    name as `cohort_name_key` compares it, kept in step with `name` whenever it is set (Python's
    case folding, so every database compares alike, beyond ASCII too)."""

    __tablename__ = "cohort"
    __table_args__ = (UniqueConstraint("organisation_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_key: Mapped[str] = mapped_column(String(240))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[CohortStatus] = mapped_column(
        string_enum(CohortStatus, "cohort_status"), default=CohortStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # franchise: when the coordinator closed the cohort (it then takes no new trainees).
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="raise")
    course: Mapped[Course] = relationship(lazy="raise")
    staff: Mapped[list[CohortStaff]] = relationship(
        back_populates="cohort", lazy="raise", cascade="all, delete-orphan"
    )

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        self.name_key = cohort_name_key(name)
        return name


class CohortStaff(Base):
    """An assessor or IQA assigned to a cohort."""

    __tablename__ = "cohort_staff"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[CohortRole] = mapped_column(string_enum(CohortRole, "cohort_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="staff", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class Enrolment(Base):
    """A trainee on a course, through the partner organisation that delivers it to her.

    At most one enrolment per person and course is active (not withdrawn)."""

    __tablename__ = "enrolment"
    __table_args__ = (
        Index(
            "uq_enrolment_active_user_course",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("status != 'withdrawn'"),
            postgresql_where=text("status != 'withdrawn'"),
        ),
        # Covers the franchise's counts (trainees by status, seats taken per course) so they
        # are read from the index alone, whatever the number of trainees.
        Index("ix_enrolment_organisation_status_course", "organisation_id", "status", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        string_enum(EnrolmentStatus, "enrolment_status"), default=EnrolmentStatus.ENROLLED
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    # franchise: why a trainee was withdrawn (kept for the record), and when she achieved the
    # course (the date reports measure time to award from).
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    achieved_at: Mapped[datetime | None]
    # "Continue where you left off".
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    last_viewed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise")
    course: Mapped[Course] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")
    cohort: Mapped[Cohort | None] = relationship(lazy="raise")
    last_lesson: Mapped[Lesson | None] = relationship(lazy="raise")

    @property
    def is_active(self) -> bool:
        return self.status != EnrolmentStatus.WITHDRAWN


class LessonProgress(Base):
    """What one enrolment has done with one lesson."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    enrolment: Mapped[Enrolment] = relationship(lazy="raise")
    lesson: Mapped[Lesson] = relationship(lazy="raise")


class ContentNoteAcknowledgement(Base):
    """A trainee chose to go on past a lesson's content note; it is not shown again to her."""

    __tablename__ = "content_note_acknowledgement"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
