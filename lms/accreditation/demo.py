"""Demo data: one Northside trainee has achieved the whole Level 3 qualification, so the
certificate, the digital badge and the public verification page can be tried at once.

She gets there as any trainee would, through the same operations, over the weeks since her
cohort started: unit by unit, its lessons, its quiz, her reflective account and an observation
by her assessor, her submission, the assessor's sign-off and, where the IQA sampled it, the
IQA's countersignature. Each sign-off puts the unit on her record; the rules of combination
award the qualification, with its certificate and badge, once they are met.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accreditation.operations import award_for, evaluate_enrolment
from lms.assessment import notices
from lms.assessment.demo import Timeline, complete_lessons, demo_staff, work_through_unit
from lms.curriculum.models import Course, CourseUnit, Unit
from lms.curriculum.operations import active_enrolment
from lms.db import utcnow

DEMO_QUALIFICATION = "ALRM3"
DAYS_PER_UNIT = 8
# Her last unit was countersigned about a week ago.
FINISHED = timedelta(days=7)


def _course_units(session: Session, course: Course) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position)
        )
    )


def _units_she_takes(session: Session, course: Course) -> list[Unit]:
    """The mandatory units, then the optional ones, in the order the rules list them."""
    rules = course.rules_of_combination or {}
    wanted = list(rules.get("mandatory") or [])
    for group in rules.get("optional_groups") or []:
        wanted += list(group.get("units") or [])
    units = {unit.code: unit for unit in _course_units(session, course)}
    return [units[code] for code in wanted if code in units]


def give_demo_trainee_the_qualification(session: Session, world) -> None:
    """Amira Hassan of Northside works through the units she needs until the rules are met.
    Safe to run again; does nothing until the curriculum has been loaded (`courses sync`)
    and she has been enrolled (the curriculum's demo step)."""
    course = session.scalar(select(Course).where(Course.code == DEMO_QUALIFICATION))
    if course is None:
        return
    partner = world.partners[0]
    trainee = world.trainees[partner.slug][0]
    enrolment = active_enrolment(session, trainee, course)
    if enrolment is None or award_for(session, enrolment) is not None:
        return
    units = _units_she_takes(session, course)
    timeline = Timeline(
        enrolment.enrolled_at + timedelta(days=1),
        utcnow() - FINISHED,
        days=DAYS_PER_UNIT * len(units),
    )
    staff = demo_staff(world, partner)
    with notices.without_email():
        for step, unit in enumerate(units):
            if evaluate_enrolment(session, enrolment, course).met:
                break
            day = DAYS_PER_UNIT * step
            if not work_through_unit(session, timeline, day, enrolment, trainee, unit, staff):
                break
    if award_for(session, enrolment) is not None:
        # She reads the optional units she did not take too: every lesson is done.
        with timeline.on(timeline.days):
            for unit in _course_units(session, course):
                complete_lessons(session, enrolment, trainee, unit)
    session.flush()
