"""Demo data for the curriculum: a cohort per partner on the Level 3 qualification, started
eight weeks ago, with the partner's assessor and IQA assigned, every demo trainee enrolled on
its first day, and some progress. (Later steps tell each trainee's story from then on.)

Needs the curriculum loaded first (`flask --app app courses sync`, which `make run` does before
the demo). Safe to run again: what exists is reused.
"""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.curriculum import operations
from lms.curriculum.models import Cohort, CohortRole, CohortStaff, Course, CourseUnit, Lesson
from lms.db import clock_at, utcnow

QUALIFICATION = "ALRM3"
SHORT_COURSE = "INTRO-PS"
# How many lessons of the qualification each partner's first trainees completed in their first
# days (the first Northside trainee goes on to complete the qualification, in the
# accreditation demo).
COMPLETED_LESSONS = [4, 1]
# The demo cohorts started this long ago: within the partners' licences (see the franchise demo).
COHORT_STARTED = timedelta(weeks=8)


def _course(session: Session, code: str) -> Course | None:
    return session.scalar(select(Course).where(Course.code == code))


def _cohort(session: Session, partner, course: Course, staff) -> Cohort:
    name = f"{partner.name.split()[0]} {course.code} first cohort"
    cohort = session.scalar(
        select(Cohort).where(Cohort.organisation_id == partner.id, Cohort.name == name)
    )
    if cohort is None:
        cohort = operations.create_cohort(session, partner, course, name, starts_on=utcnow().date())
    assigned = {
        (row.user_id, row.role)
        for row in session.scalars(select(CohortStaff).where(CohortStaff.cohort_id == cohort.id))
    }
    for role, cohort_role in ((Role.ASSESSOR, CohortRole.ASSESSOR), (Role.IQA, CohortRole.IQA)):
        person = staff.get((partner.slug, role))
        if person is not None and (person.id, cohort_role) not in assigned:
            operations.assign_staff(session, cohort, person, cohort_role)
    return cohort


def _lessons_in_order(session: Session, course: Course) -> list[Lesson]:
    return list(
        session.scalars(
            select(Lesson)
            .join(CourseUnit, CourseUnit.unit_id == Lesson.unit_id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position, Lesson.position)
        )
    )


def _enrolment(session: Session, trainee, course: Course, partner, cohort=None):
    existing = operations.active_enrolment(session, trainee, course)
    return existing or operations.enrol(session, trainee, course, partner, cohort)


def enrol_demo_trainees(session: Session, world) -> None:
    course = _course(session, QUALIFICATION)
    if course is None:
        click.echo(
            f"The course {QUALIFICATION} is not in the database, so no demo cohorts or "
            "enrolments were made. Run `flask --app app courses sync`, then the demo again."
        )
        return
    with clock_at(utcnow() - COHORT_STARTED):
        _enrol_cohorts(session, world, course)
    session.flush()


def _enrol_cohorts(session: Session, world, course: Course) -> None:
    short_course = _course(session, SHORT_COURSE)
    lessons = _lessons_in_order(session, course)
    for partner in world.partners:
        cohort = _cohort(session, partner, course, world.staff)
        for index, trainee in enumerate(world.trainees.get(partner.slug, [])):
            enrolment = _enrolment(session, trainee, course, partner, cohort)
            if index == 0 and short_course is not None:
                _enrolment(session, trainee, short_course, partner)
            if index < len(COMPLETED_LESSONS):
                done = lessons[: COMPLETED_LESSONS[index]]
                for lesson in done:
                    operations.acknowledge_content_note(session, trainee, lesson)
                    operations.mark_lesson_complete(session, enrolment, lesson)
                if done:
                    operations.record_lesson_view(session, enrolment, done[-1])
