"""Factories and a ready-made assessment setting for portfolio and assessment tests."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import factory
from flask import current_app

from lms.accounts.models import Organisation, User
from lms.accounts.roles import Role
from lms.curriculum.models import CohortRole, CohortStaff, Course, Enrolment, Unit
from lms.extensions import db
from lms.portfolio import operations
from lms.portfolio.models import Evidence, EvidenceType
from lms.portfolio.storage import current_storage
from tests.factories.accounts import BaseFactory, PartnerFactory, member
from tests.factories.curriculum import CohortFactory, EnrolmentFactory, course_with_content


class CohortStaffFactory(BaseFactory):
    class Meta:
        model = CohortStaff

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory("tests.factories.accounts.UserFactory")
    role = CohortRole.ASSESSOR


@dataclass
class Setting:
    """One partner delivering one course to one cohort, with its staff and a trainee."""

    organisation: Organisation
    course: Course
    units: list[Unit]
    cohort: object
    trainee: User
    enrolment: Enrolment
    assessor: User
    iqa: User
    extra: dict = field(default_factory=dict)

    @property
    def unit(self) -> Unit:
        return self.units[0]

    def criteria(self, unit: Unit | None = None):
        from sqlalchemy import select

        from lms.curriculum.models import AssessmentCriterion

        unit = unit or self.unit
        return list(
            db.session.scalars(
                select(AssessmentCriterion)
                .where(AssessmentCriterion.unit_id == unit.id)
                .order_by(AssessmentCriterion.id)
            )
        )


def assessment_setting(organisation: Organisation | None = None, *, units: int = 2) -> Setting:
    organisation = organisation or PartnerFactory()
    course = course_with_content(units=units, lessons=1, outcomes=2, criteria=2)
    cohort = CohortFactory(organisation=organisation, course=course)
    trainee = member(organisation, Role.TRAINEE)
    assessor = member(organisation, Role.ASSESSOR)
    iqa = member(organisation, Role.IQA)
    CohortStaffFactory(cohort=cohort, user=assessor, role=CohortRole.ASSESSOR)
    CohortStaffFactory(cohort=cohort, user=iqa, role=CohortRole.IQA)
    enrolment = EnrolmentFactory(
        user=trainee, course=course, organisation=organisation, cohort=cohort
    )
    from sqlalchemy import select

    from lms.curriculum.models import CourseUnit

    unit_list = list(
        db.session.scalars(
            select(Unit)
            .join(CourseUnit, CourseUnit.unit_id == Unit.id)
            .where(CourseUnit.course_id == course.id)
            .order_by(CourseUnit.position)
        )
    )
    return Setting(organisation, course, unit_list, cohort, trainee, enrolment, assessor, iqa)


def add_evidence(
    setting_or_enrolment,
    criteria,
    *,
    title: str = "Reflective account of a first session",
    file: tuple[str, bytes] | None = ("reflection.txt", b"I listened more than I spoke.\n"),
    recorded_by: User | None = None,
    evidence_type: EvidenceType = EvidenceType.REFLECTIVE_ACCOUNT,
) -> Evidence:
    enrolment = getattr(setting_or_enrolment, "enrolment", setting_or_enrolment)
    evidence = operations.create_evidence(
        db.session,
        enrolment,
        title=title,
        evidence_type=evidence_type,
        description="What happened, what I noticed, what I would do again.",
        criterion_ids=[c.id for c in criteria],
        recorded_by=recorded_by,
    )
    if file is not None:
        name, data = file
        operations.attach_file(
            db.session,
            current_storage(),
            evidence,
            recorded_by or db.session.get(User, enrolment.user_id),
            io.BytesIO(data),
            name,
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
            quota_bytes=current_app.config["EVIDENCE_QUOTA_BYTES"],
        )
    db.session.commit()
    return evidence
