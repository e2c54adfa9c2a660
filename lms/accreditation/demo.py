"""Demo data: one Northside trainee has achieved the whole Level 3 qualification, so the
certificate, the digital badge and the public verification page can be tried at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.accreditation.operations import award_for, evaluate_enrolment, record_unit_achievement
from lms.curriculum.models import Course, CourseUnit, Unit
from lms.curriculum.operations import active_enrolment, enrol
from lms.db import utcnow

DEMO_QUALIFICATION = "ALRM3"


def give_demo_trainee_the_qualification(session: Session, world) -> None:
    """Amira Hassan of Northside: every mandatory unit and enough optional ones, signed off
    by the demo assessor and countersigned by the demo IQA, then awarded. Safe to run again;
    does nothing until the curriculum has been loaded (`courses sync`)."""
    course = session.scalar(select(Course).where(Course.code == DEMO_QUALIFICATION))
    if course is None:
        return
    partner = world.partners[0]
    trainee = world.trainees[partner.slug][0]
    enrolment = active_enrolment(session, trainee, course) or enrol(
        session, trainee, course, partner
    )
    if award_for(session, enrolment) is not None:
        return
    assessor = world.staff[(partner.slug, Role.ASSESSOR)]
    iqa = world.staff[(partner.slug, Role.IQA)]
    rules = course.rules_of_combination or {}
    wanted = list(rules.get("mandatory") or [])
    for group in rules.get("optional_groups") or []:
        wanted += list(group.get("units") or [])
    units = {
        unit.code: unit
        for unit in session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
        )
    }
    started = utcnow() - timedelta(days=120)
    for step, code in enumerate(code for code in wanted if code in units):
        if evaluate_enrolment(session, enrolment, course).met:
            break
        signed_off = started + timedelta(days=14 * step)
        record_unit_achievement(
            session,
            enrolment,
            units[code],
            signed_off_by=assessor,
            signed_off_at=signed_off,
            countersigned_by=iqa,
            countersigned_at=signed_off + timedelta(days=3),
            evidence_summary=(
                "Reflective account, observation of a mentoring session by the assessor, "
                "and a professional discussion."
            ),
        )
    session.flush()
