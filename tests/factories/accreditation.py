"""A small qualification shaped like the real one, and trainees working towards it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.accreditation.operations import record_unit_achievement
from lms.curriculum.models import Course, Enrolment, Unit
from lms.db import utcnow
from tests.factories.accounts import member
from tests.factories.curriculum import (
    AssessmentCriterionFactory,
    CourseFactory,
    CourseUnitFactory,
    EnrolmentFactory,
    LearningOutcomeFactory,
    UnitFactory,
)

# Mandatory A1, A2 (3 credits each, level 3); optional group B: B1 (2, level 3), B2 (2, level 2).
# 8 credits in all, 6 at level 3 or above, 2 from group B.
RULES = {
    "minimum_credits": 8,
    "minimum_credits_at_level": {"level": "3", "credits": 6},
    "mandatory": ["A1", "A2"],
    "optional_groups": [
        {"id": "B", "title": "Optional units", "units": ["B1", "B2"], "minimum_credits": 2}
    ],
}
UNITS = [("A1", 3, "3", True), ("A2", 3, "3", True), ("B1", 2, "3", False), ("B2", 2, "2", False)]
# Trainees enrolled a while ago, so that their units can be signed off in the last few days.
ENROLLED_DAYS_AGO = 30


@dataclass
class Qualification:
    course: Course
    units: dict[str, Unit] = field(default_factory=dict)


def make_qualification(prefix: str = "") -> Qualification:
    """A qualification with four units, each with two outcomes of two criteria."""
    course = CourseFactory(
        code=f"{prefix}Q3",
        title=f"Level 3 Certificate in Walking Alongside{' ' + prefix if prefix else ''}",
        rules_of_combination={
            **RULES,
            "mandatory": [prefix + code for code in RULES["mandatory"]],
            "optional_groups": [
                {**RULES["optional_groups"][0], "units": [prefix + "B1", prefix + "B2"]}
            ],
        },
    )
    qualification = Qualification(course)
    for position, (code, credits, level, mandatory) in enumerate(UNITS):
        unit = UnitFactory(
            code=prefix + code, credits=credits, level=level, title=f"Unit {prefix}{code}"
        )
        CourseUnitFactory(
            course=course,
            unit=unit,
            position=position,
            mandatory=mandatory,
            group_id=None if mandatory else "B",
        )
        for number in (1, 2):
            outcome = LearningOutcomeFactory(
                unit=unit, number=number, text=f"Outcome {number} of {code}"
            )
            for sub in (1, 2):
                AssessmentCriterionFactory(
                    outcome=outcome,
                    unit=unit,
                    number=f"{number}.{sub}",
                    position=sub,
                    text=f"Criterion {number}.{sub} of {code}",
                )
        qualification.units[code] = unit
    return qualification


@dataclass
class Staff:
    assessor: User
    iqa: User | None


def staff_for(organisation: Organisation) -> Staff:
    return Staff(
        assessor=member(organisation, Role.ASSESSOR, display_name="Asha Assessor"),
        iqa=member(organisation, Role.IQA, display_name="Iris Quality"),
    )


def enrol_trainee(
    qualification: Qualification, organisation: Organisation, *, cohort=None, **user_fields
) -> Enrolment:
    trainee = member(organisation, Role.TRAINEE, **user_fields)
    return EnrolmentFactory(
        user=trainee,
        course=qualification.course,
        organisation=organisation,
        cohort=cohort,
        enrolled_at=utcnow() - timedelta(days=ENROLLED_DAYS_AGO),
    )


def achieve(
    session,
    enrolment: Enrolment,
    unit: Unit,
    staff: Staff,
    *,
    days_ago: int = 1,
    countersign: bool = True,
):
    """Record `unit` as signed off (and countersigned) for `enrolment`, as assessment will."""
    signed = utcnow() - timedelta(days=days_ago, hours=3)
    achievement = record_unit_achievement(
        session,
        enrolment,
        unit,
        signed_off_by=staff.assessor,
        signed_off_at=signed,
        countersigned_by=staff.iqa if countersign else None,
        countersigned_at=signed + timedelta(hours=2) if countersign else None,
        evidence_summary=f"Reflective account and observation for {unit.code}.",
    )
    session.commit()
    return achievement


def complete(
    session,
    qualification: Qualification,
    enrolment: Enrolment,
    staff: Staff,
    codes=("A1", "A2", "B1"),
):
    for code in codes:
        achieve(session, enrolment, qualification.units[code], staff)
