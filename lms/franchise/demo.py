"""Demo data for the franchise: a licence for each demo partner, a cohort each (the
curriculum's demo cohort when there is one) with staff and trainees, and some progress.
Northside is one seat from its limit and Harbour's licence ends within the month, so both
warnings show. Safe to run again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import Organisation
from lms.accounts.roles import Role
from lms.core.demo import DemoWorld
from lms.curriculum import operations as curriculum
from lms.curriculum.models import (
    Cohort,
    CohortRole,
    CohortStaff,
    Course,
    CourseKind,
    CourseUnit,
    EnrolmentStatus,
    Lesson,
)
from lms.db import clock_at, utcnow
from lms.franchise import licences
from lms.franchise.enrolment import enrol_person

PLAN = {
    # slug: (seats, days until the licence ends, cohort name)
    "northside": (6, 365, "Northside spring cohort"),
    "harbour": (20, 25, "Harbour first cohort"),
    "ribera": (12, 300, "Grup de tardor"),
    "most": (10, 200, "Jesenja grupa"),
}


def _qualification(session: Session) -> Course | None:
    courses = session.scalars(
        select(Course).where(Course.kind == CourseKind.QUALIFICATION).order_by(Course.id)
    ).all()
    return next((c for c in courses if c.code == "ALRM3"), courses[0] if courses else None)


def load_franchise_demo(session: Session, world: DemoWorld) -> None:
    course = _qualification(session)
    if course is None:
        return  # no qualification synced yet: nothing to license
    today = utcnow().date()
    lessons = session.scalars(
        select(Lesson)
        .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position, Lesson.position)
    ).all()
    unit_codes = [code for code, _ in licences.course_unit_codes(session, course)]
    for partner in world.partners:
        seats, days, cohort_name = PLAN[partner.slug]
        if licences.licence_for(session, partner, course) is None:
            licences.issue_licence(
                session,
                partner,
                course,
                seats=seats,
                starts_on=today - timedelta(days=60),
                expires_on=today + timedelta(days=days),
                units=unit_codes,
                notes="Demo licence.",
            )
        cohort = _partner_cohort(session, partner, course, cohort_name, today)
        _assign_demo_staff(session, world, partner, cohort)
        _enrol_demo_trainees(session, world, partner, course, cohort, lessons, today)
    session.flush()


def _partner_cohort(
    session: Session, partner: Organisation, course: Course, name: str, today: date
) -> Cohort:
    # The curriculum's demo may have made the partner a cohort already: use it.
    return session.scalar(
        select(Cohort)
        .where(Cohort.organisation_id == partner.id, Cohort.course_id == course.id)
        .order_by(Cohort.id)
        .limit(1)
    ) or curriculum.create_cohort(
        session, partner, course, name, starts_on=today - timedelta(days=45)
    )


def _assign_demo_staff(
    session: Session, world: DemoWorld, partner: Organisation, cohort: Cohort
) -> None:
    for role in (CohortRole.ASSESSOR, CohortRole.IQA):
        person = world.staff[(partner.slug, Role(role.value))]
        assigned = session.scalar(
            select(CohortStaff.id).where(
                CohortStaff.cohort_id == cohort.id, CohortStaff.user_id == person.id
            )
        )
        if assigned is None:
            curriculum.assign_staff(session, cohort, person, role)


def _enrol_demo_trainees(
    session: Session,
    world: DemoWorld,
    partner: Organisation,
    course: Course,
    cohort: Cohort,
    lessons: Sequence[Lesson],
    today: date,
) -> None:
    """Each demo trainee enrolled in the cohort; every third one part-way through the lessons."""
    for index, person in enumerate(world.trainees[partner.slug]):
        enrolment = curriculum.active_enrolment(session, person, course)
        if enrolment is None:
            enrolment = enrol_person(session, cohort, person.email, today=today).enrolment
        elif enrolment.cohort_id is None and enrolment.organisation_id == partner.id:
            enrolment.cohort_id = cohort.id
        if enrolment.status == EnrolmentStatus.ENROLLED and index % 3 == 1:
            # Half-way between her enrolment and today, so that her story runs in order.
            halfway = enrolment.enrolled_at + (utcnow() - enrolment.enrolled_at) / 2
            with clock_at(halfway):
                for lesson in lessons[: (index * 4) % (len(lessons) + 1)]:
                    curriculum.mark_lesson_complete(session, enrolment, lesson)
