"""Changing enrolments, cohorts and progress. Functions flush; the caller commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation, User, memberships_of
from lms.accounts.roles import Role
from lms.audit.operations import record
from lms.curriculum.models import (
    Cohort,
    CohortRole,
    CohortStaff,
    CohortStatus,
    ContentNoteAcknowledgement,
    Course,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    cohort_name_key,
)
from lms.db import utcnow
from lms.errors import DomainError
from lms.i18n import _

# --- cohorts ----------------------------------------------------------------------------------


def create_cohort(
    session: Session,
    organisation: Organisation,
    course: Course,
    name: str,
    *,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Cohort:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Please give the cohort a name."), field="name")
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError(_("The end date must be on or after the start date."), field="ends_on")
    if cohort_name_taken(session, organisation.id, name):
        raise DomainError(
            _(
                "%(organisation)s already has a cohort called “%(name)s”.",
                organisation=organisation.name,
                name=name,
            ),
            field="name",
        )
    cohort = Cohort(
        organisation_id=organisation.id,
        course_id=course.id,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        status=CohortStatus.OPEN,
    )
    session.add(cohort)
    session.flush()
    record(
        session, "cohort.created", obj=cohort, organisation_id=organisation.id, course=course.code
    )
    return cohort


def cohort_name_taken(
    session: Session, organisation_id: int, name: str, *, besides: int | None = None
) -> bool:
    """Whether another cohort of the organisation (not `besides`) has this name, ignoring
    case and spacing."""
    statement = select(Cohort.id).where(
        Cohort.organisation_id == organisation_id, Cohort.name_key == cohort_name_key(name)
    )
    if besides is not None:
        statement = statement.where(Cohort.id != besides)
    return session.scalar(statement.limit(1)) is not None


def _holds_role_for(user: User, organisation_id: int, franchisor_id: int | None, role: Role):
    return any(
        m.role == role and m.organisation_id in (organisation_id, franchisor_id)
        for m in memberships_of(user)
    )


def assign_staff(session: Session, cohort: Cohort, user: User, role: CohortRole) -> CohortStaff:
    """Assign an assessor or IQA to a cohort. They must hold that role in the cohort's
    organisation (or in its franchisor)."""
    role = CohortRole(role)
    organisation = session.get(Organisation, cohort.organisation_id)
    if not _holds_role_for(user, organisation.id, organisation.franchisor_id, Role(role.value)):
        raise DomainError(
            (
                _(
                    "%(name)s is not an assessor for %(organisation)s.",
                    name=user.display_name,
                    organisation=organisation.name,
                )
                if role == CohortRole.ASSESSOR
                else _(
                    "%(name)s is not an internal quality assurer (IQA) for %(organisation)s.",
                    name=user.display_name,
                    organisation=organisation.name,
                )
            ),
            field="user",
        )
    existing = session.scalar(
        select(CohortStaff).where(
            CohortStaff.cohort_id == cohort.id,
            CohortStaff.user_id == user.id,
            CohortStaff.role == role,
        )
    )
    if existing is not None:
        raise DomainError(
            _("%(name)s is already assigned to this cohort.", name=user.display_name),
            field="user",
        )
    assignment = CohortStaff(cohort_id=cohort.id, user_id=user.id, role=role)
    session.add(assignment)
    session.flush()
    record(
        session,
        "cohort.staff_assigned",
        obj=cohort,
        organisation_id=cohort.organisation_id,
        user_id=user.id,
        role=role.value,
    )
    return assignment


# --- enrolment --------------------------------------------------------------------------------


def active_enrolment(session: Session, user: User, course: Course) -> Enrolment | None:
    return session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.course_id == course.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    )


def enrol(
    session: Session,
    user: User,
    course: Course,
    organisation: Organisation,
    cohort: Cohort | None = None,
) -> Enrolment:
    """Enrol a trainee of `organisation` on `course` (at most one active enrolment each)."""
    if Role.TRAINEE not in user.roles_in(organisation.id):
        raise DomainError(
            _(
                "%(name)s is not a trainee of %(organisation)s.",
                name=user.display_name,
                organisation=organisation.name,
            ),
            field="user",
        )
    if cohort is not None and (
        cohort.organisation_id != organisation.id or cohort.course_id != course.id
    ):
        raise DomainError(
            _("That cohort belongs to another organisation or course."), field="cohort"
        )
    if active_enrolment(session, user, course) is not None:
        raise DomainError(
            _(
                "%(name)s is already enrolled on %(course)s.",
                name=user.display_name,
                course=course.title,
            ),
            field="user",
        )
    enrolment = Enrolment(
        user_id=user.id,
        course_id=course.id,
        organisation_id=organisation.id,
        cohort_id=cohort.id if cohort else None,
        status=EnrolmentStatus.ENROLLED,
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        "enrolment.created",
        obj=enrolment,
        organisation_id=organisation.id,
        user_id=user.id,
        course=course.code,
    )
    return enrolment


def withdraw(session: Session, enrolment: Enrolment) -> Enrolment:
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise DomainError(_("This enrolment has already been withdrawn."))
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_at = utcnow()
    session.flush()
    record(
        session,
        "enrolment.withdrawn",
        obj=enrolment,
        organisation_id=enrolment.organisation_id,
        user_id=enrolment.user_id,
    )
    return enrolment


# --- progress ---------------------------------------------------------------------------------


def _progress(session: Session, enrolment: Enrolment, lesson: Lesson) -> LessonProgress:
    progress = session.scalar(
        select(LessonProgress).where(
            LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if progress is None:
        now = utcnow()
        progress = LessonProgress(
            enrolment_id=enrolment.id, lesson_id=lesson.id, first_viewed_at=now, last_viewed_at=now
        )
        session.add(progress)
    return progress


def record_lesson_view(
    session: Session,
    enrolment: Enrolment,
    lesson: Lesson,
    progress: LessonProgress | None = None,
) -> LessonProgress:
    """Remember that the trainee opened `lesson`, for "continue where you left off".
    `progress` is her progress on it when the caller has already loaded it."""
    now = utcnow()
    progress = progress or _progress(session, enrolment, lesson)
    progress.last_viewed_at = now
    enrolment.last_lesson_id = lesson.id
    enrolment.last_viewed_at = now
    if enrolment.status == EnrolmentStatus.ENROLLED:
        enrolment.status = EnrolmentStatus.IN_PROGRESS
    session.flush()
    return progress


def mark_lesson_complete(
    session: Session, enrolment: Enrolment, lesson: Lesson, *, complete: bool = True
) -> LessonProgress:
    if not enrolment.is_active:
        raise DomainError(_("This enrolment has been withdrawn, so progress cannot change."))
    progress = _progress(session, enrolment, lesson)
    progress.completed_at = (progress.completed_at or utcnow()) if complete else None
    if enrolment.status == EnrolmentStatus.ENROLLED:
        enrolment.status = EnrolmentStatus.IN_PROGRESS
    session.flush()
    return progress


def acknowledge_content_note(
    session: Session, user: User, lesson: Lesson
) -> ContentNoteAcknowledgement:
    existing = session.scalar(
        select(ContentNoteAcknowledgement).where(
            ContentNoteAcknowledgement.user_id == user.id,
            ContentNoteAcknowledgement.lesson_id == lesson.id,
        )
    )
    if existing is not None:
        return existing
    acknowledgement = ContentNoteAcknowledgement(user_id=user.id, lesson_id=lesson.id)
    session.add(acknowledgement)
    session.flush()
    return acknowledgement
