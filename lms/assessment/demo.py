"""Demo portfolios for Northside: evidence, a submission signed off (waiting for the IQA's
countersignature; its trainee passed the unit's quiz in the quizzes demo), one referred back
with actions, and one waiting in the assessor's queue.

Needs a course with units, as `courses sync` loads; without one there is nothing to show and
the step does nothing. Safe to run again: a trainee who already has evidence is left alone.
"""

from __future__ import annotations

import io

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.roles import Role
from lms.assessment import achievements, notices, operations
from lms.assessment.models import Outcome
from lms.assessment.operations import Verdict
from lms.curriculum import operations as curriculum
from lms.curriculum.models import (
    AssessmentCriterion,
    Cohort,
    CohortRole,
    CohortStaff,
    Course,
    CourseKind,
    CourseUnit,
    Unit,
)
from lms.portfolio import operations as portfolio
from lms.portfolio.models import Evidence, EvidenceType
from lms.portfolio.storage import current_storage

COHORT_NAME = "Assessment demo cohort"
REFLECTION = (
    "Reflective account\n\n"
    "In our second meeting she spoke about the weeks after she left. I noticed I wanted to "
    "tell her about my own leaving, and I did not: I kept the space for her story. Afterwards "
    "I talked it through in supervision.\n"
)


def _course(session: Session) -> Course | None:
    return session.scalar(
        select(Course)
        .where(Course.kind == CourseKind.QUALIFICATION)
        .where(Course.id.in_(select(CourseUnit.course_id)))
        .order_by(Course.id)
    )


def _cohort(session: Session, organisation, course, world) -> Cohort:
    cohort = session.scalar(
        select(Cohort).where(
            Cohort.organisation_id == organisation.id, Cohort.course_id == course.id
        )
    )
    if cohort is None:
        cohort = curriculum.create_cohort(session, organisation, course, COHORT_NAME)
    for role in (CohortRole.ASSESSOR, CohortRole.IQA):
        person = world.staff[(organisation.slug, Role(role.value))]
        assigned = session.scalar(
            select(CohortStaff.id).where(
                CohortStaff.cohort_id == cohort.id,
                CohortStaff.user_id == person.id,
                CohortStaff.role == role,
            )
        )
        if assigned is None:
            curriculum.assign_staff(session, cohort, person, role)
    return cohort


def _evidence(session, enrolment, trainee, criteria, title):
    evidence = portfolio.create_evidence(
        session,
        enrolment,
        title=title,
        evidence_type=EvidenceType.REFLECTIVE_ACCOUNT,
        description="What happened, what I noticed in myself, and what I would do again.",
        criterion_ids=[c.id for c in criteria],
    )
    portfolio.attach_file(
        session,
        current_storage(),
        evidence,
        trainee,
        io.BytesIO(REFLECTION.encode()),
        f"{title}.txt",
        max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        quota_bytes=current_app.config["EVIDENCE_QUOTA_BYTES"],
    )
    return evidence


def load_portfolio_demo(session: Session, world) -> None:
    course = _course(session)
    if course is None:
        return
    organisation = world.partners[0]
    trainees = world.trainees[organisation.slug][:3]
    assessor = world.staff[(organisation.slug, Role.ASSESSOR)]
    cohort = _cohort(session, organisation, course, world)
    unit = session.scalar(
        select(Unit)
        .join(CourseUnit, CourseUnit.unit_id == Unit.id)
        .where(CourseUnit.course_id == course.id)
        .order_by(CourseUnit.position)
    )
    criteria = list(
        session.scalars(
            select(AssessmentCriterion)
            .where(AssessmentCriterion.unit_id == unit.id)
            .order_by(AssessmentCriterion.outcome_id, AssessmentCriterion.position)
        )
    )
    if not criteria:
        return
    with notices.without_email():
        for index, trainee in enumerate(trainees):
            enrolment = curriculum.active_enrolment(session, trainee, course) or curriculum.enrol(
                session, trainee, course, organisation, cohort
            )
            if session.scalar(select(Evidence.id).where(Evidence.enrolment_id == enrolment.id)):
                continue
            _evidence(session, enrolment, trainee, criteria, "Reflection on an early meeting")
            submission = portfolio.submit_unit(session, enrolment, unit, declaration_confirmed=True)
            if index == 0 and achievements.quiz_passed(session, enrolment, unit):
                operations.judge(
                    session,
                    submission,
                    assessor,
                    expected_version=submission.state_version,
                    outcome=Outcome.SIGNED_OFF,
                    verdicts={c.id: Verdict(True, "Well evidenced.") for c in criteria},
                    feedback="Well done: this unit is signed off.",
                )
            elif index == 1:
                verdicts = {c.id: Verdict(True, "Clear and honest.") for c in criteria}
                verdicts[criteria[-1].id] = Verdict(
                    False, "Please say more about how you would refer her on."
                )
                operations.judge(
                    session,
                    submission,
                    assessor,
                    expected_version=submission.state_version,
                    outcome=Outcome.REFERRED,
                    verdicts=verdicts,
                    feedback="A thoughtful start: you kept the focus on her.",
                    actions=f"Add an account that shows {criteria[-1].number}.",
                )
    session.flush()
